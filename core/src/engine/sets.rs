//! Set operations on cohorts, read as sets of (person, day): a person is in the union on a day
//! when in either cohort that day, in the intersection when in both, in the difference when in
//! the first and not the second. Results are normalised: each person's days are given as maximal
//! runs of consecutive days (rows that touch or overlap are merged), sorted by (person, start).
//! SCALPEL3's `Cohort` union/intersection/difference and circe's era logic both reduce to this
//! reading when each person has one entry.

use crate::dates::Day;
use crate::model::CohortRows;

/// Rows of each person, as normalised day runs, in person order.
fn runs(c: &CohortRows) -> Vec<(u32, Vec<(i64, i64)>)> {
    let mut rows: Vec<(u32, i64, i64)> = (0..c.len())
        .filter(|&k| c.start[k] <= c.end[k])
        .map(|k| (c.person[k], c.start[k] as i64, c.end[k] as i64))
        .collect();
    rows.sort_unstable();
    let mut out: Vec<(u32, Vec<(i64, i64)>)> = Vec::new();
    for (p, a, b) in rows {
        if out.last().is_none_or(|l| l.0 != p) {
            out.push((p, Vec::new()));
        }
        if let Some((_, v)) = out.last_mut() {
            match v.last_mut() {
                Some(last) if a <= last.1 + 1 => last.1 = last.1.max(b),
                _ => v.push((a, b)),
            }
        }
    }
    out
}

/// A set operation on two sorted lists of day runs of one person.
type RunOp = fn(&[(i64, i64)], &[(i64, i64)]) -> Vec<(i64, i64)>;

fn combine(a: &CohortRows, b: &CohortRows, op: RunOp) -> CohortRows {
    let (ra, rb) = (runs(a), runs(b));
    let (mut i, mut j) = (0, 0);
    let mut out = CohortRows::default();
    let empty: Vec<(i64, i64)> = Vec::new();
    while i < ra.len() || j < rb.len() {
        let pa = ra.get(i).map(|x| x.0);
        let pb = rb.get(j).map(|x| x.0);
        let (p, xa, xb) = match (pa, pb) {
            (Some(x), Some(y)) if x == y => {
                i += 1;
                j += 1;
                (x, &ra[i - 1].1, &rb[j - 1].1)
            }
            (Some(x), Some(y)) if x < y => {
                i += 1;
                (x, &ra[i - 1].1, &empty)
            }
            (Some(x), None) => {
                i += 1;
                (x, &ra[i - 1].1, &empty)
            }
            (_, Some(y)) => {
                j += 1;
                (y, &empty, &rb[j - 1].1)
            }
            (None, None) => break,
        };
        for (s, e) in op(xa, xb) {
            out.person.push(p);
            out.start.push(s as Day);
            out.end.push(e as Day);
        }
    }
    out
}

fn op_union(a: &[(i64, i64)], b: &[(i64, i64)]) -> Vec<(i64, i64)> {
    let mut all: Vec<(i64, i64)> = a.iter().chain(b).copied().collect();
    all.sort_unstable();
    let mut out: Vec<(i64, i64)> = Vec::new();
    for (s, e) in all {
        match out.last_mut() {
            Some(l) if s <= l.1 + 1 => l.1 = l.1.max(e),
            _ => out.push((s, e)),
        }
    }
    out
}

fn op_intersection(a: &[(i64, i64)], b: &[(i64, i64)]) -> Vec<(i64, i64)> {
    let (mut i, mut j) = (0, 0);
    let mut out = Vec::new();
    while i < a.len() && j < b.len() {
        let s = a[i].0.max(b[j].0);
        let e = a[i].1.min(b[j].1);
        if s <= e {
            out.push((s, e));
        }
        if a[i].1 < b[j].1 {
            i += 1;
        } else {
            j += 1;
        }
    }
    out
}

fn op_difference(a: &[(i64, i64)], b: &[(i64, i64)]) -> Vec<(i64, i64)> {
    let mut out = Vec::new();
    for &(s, e) in a {
        let mut cur = s;
        for &(bs, be) in b {
            if be < cur || bs > e {
                continue;
            }
            if bs > cur {
                out.push((cur, bs - 1));
            }
            cur = cur.max(be + 1);
        }
        if cur <= e {
            out.push((cur, e));
        }
    }
    out
}

/// Days in `a` or in `b`, per person.
pub fn union(a: &CohortRows, b: &CohortRows) -> CohortRows {
    combine(a, b, op_union)
}

/// Days in both `a` and `b`, per person.
pub fn intersection(a: &CohortRows, b: &CohortRows) -> CohortRows {
    combine(a, b, op_intersection)
}

/// Days in `a` and not in `b`, per person.
pub fn difference(a: &CohortRows, b: &CohortRows) -> CohortRows {
    combine(a, b, op_difference)
}
