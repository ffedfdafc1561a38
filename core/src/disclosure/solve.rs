//! Can a masked cell be rebuilt? Two independent attacks over the published relations:
//!
//! 1. exact linear algebra over the rationals: the relations restricted to the masked cells form
//!    `A x = b`; a cell `x_j` is determined iff the unit vector `e_j` lies in the row space of
//!    `A`, i.e. iff the fully reduced row echelon form of `A` has a row with `x_j` alone;
//! 2. bounds propagation with non-negativity (counts are ≥ 0): each relation bounds each of its
//!    unknowns by the others' bounds, repeated until stable; `min == max` rebuilds the cell.
//!
//! Arithmetic is exact (`i128`, rows divided by their gcd); an overflow is an error, not a guess.

use std::collections::BTreeMap;

use super::space::Space;
use crate::error::{Error, Result};

/// A masked cell an attacker can rebuild.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Found {
    pub cell: usize,
    pub value: i64,
    pub by_bounds: bool,
}

type Row = (Vec<(u32, i128)>, i128);

fn overflow() -> Error {
    Error::Aggregate("disclosure audit: arithmetic overflow while solving the relations".into())
}

fn gcd(mut a: i128, mut b: i128) -> i128 {
    a = a.abs();
    b = b.abs();
    while b != 0 {
        let t = a % b;
        a = b;
        b = t;
    }
    a
}

fn normalise(row: &mut Row) {
    let mut g = row.1.abs();
    for (_, a) in &row.0 {
        g = gcd(g, *a);
    }
    if g > 1 {
        for (_, a) in row.0.iter_mut() {
            *a /= g;
        }
        row.1 /= g;
    }
    if row.0.first().is_some_and(|(_, a)| *a < 0) {
        for (_, a) in row.0.iter_mut() {
            *a = -*a;
        }
        row.1 = -row.1;
    }
}

/// `row * p - other * a`, sparse and sorted.
fn combine(row: &Row, p: i128, other: &Row, a: i128) -> Result<Row> {
    let mut out = Vec::with_capacity(row.0.len() + other.0.len());
    let (mut i, mut j) = (0, 0);
    while i < row.0.len() || j < other.0.len() {
        let ci = row.0.get(i).map(|x| x.0);
        let cj = other.0.get(j).map(|x| x.0);
        let (col, v) = match (ci, cj) {
            (Some(x), Some(y)) if x == y => {
                let v = row.0[i]
                    .1
                    .checked_mul(p)
                    .and_then(|u| other.0[j].1.checked_mul(a).and_then(|w| u.checked_sub(w)))
                    .ok_or_else(overflow)?;
                i += 1;
                j += 1;
                (x, v)
            }
            (Some(x), Some(y)) if x < y => {
                i += 1;
                (x, row.0[i - 1].1.checked_mul(p).ok_or_else(overflow)?)
            }
            (Some(x), None) => {
                i += 1;
                (x, row.0[i - 1].1.checked_mul(p).ok_or_else(overflow)?)
            }
            (_, Some(y)) => {
                j += 1;
                (
                    y,
                    other.0[j - 1]
                        .1
                        .checked_mul(a)
                        .map(|v| -v)
                        .ok_or_else(overflow)?,
                )
            }
            (None, None) => break,
        };
        if v != 0 {
            out.push((col, v));
        }
    }
    let rhs = row
        .1
        .checked_mul(p)
        .and_then(|u| other.1.checked_mul(a).and_then(|w| u.checked_sub(w)))
        .ok_or_else(overflow)?;
    let mut r = (out, rhs);
    normalise(&mut r);
    Ok(r)
}

/// Equations over the unknown (masked) cells: `(unknown cell ids, rows)`.
fn equations(space: &Space) -> (Vec<usize>, Vec<Row>) {
    let mut col_of: BTreeMap<usize, u32> = BTreeMap::new();
    let mut cells = vec![];
    let mut rows = vec![];
    for (total, parts) in &space.relations {
        let mut terms: BTreeMap<u32, i128> = BTreeMap::new();
        let mut rhs: i128 = 0;
        let mut add =
            |cell: usize, coef: i128, terms: &mut BTreeMap<u32, i128>| match space.value[cell] {
                Some(v) => rhs -= coef * v as i128,
                None => {
                    let c = *col_of.entry(cell).or_insert_with(|| {
                        cells.push(cell);
                        cells.len() as u32 - 1
                    });
                    *terms.entry(c).or_default() += coef;
                }
            };
        add(*total, 1, &mut terms);
        for p in parts {
            add(*p, -1, &mut terms);
        }
        let terms: Vec<(u32, i128)> = terms.into_iter().filter(|(_, a)| *a != 0).collect();
        if !terms.is_empty() {
            rows.push((terms, rhs));
        }
    }
    (cells, rows)
}

/// Every masked cell that the published cells and relations determine exactly.
pub(crate) fn rebuildable(space: &Space) -> Result<Vec<Found>> {
    let (cells, rows) = equations(space);
    let mut found: BTreeMap<usize, Found> = BTreeMap::new();

    // 1. Fully reduced echelon form, built one equation at a time.
    let mut basis: Vec<Row> = vec![];
    let mut pivot: BTreeMap<u32, usize> = BTreeMap::new();
    for r in &rows {
        let mut row = r.clone();
        normalise(&mut row);
        while let Some(&(col, a)) = row.0.iter().find(|(c, _)| pivot.contains_key(c)) {
            let b = &basis[pivot[&col]];
            let p = b.0.iter().find(|(c, _)| *c == col).map_or(1, |x| x.1);
            row = combine(&row, p, b, a)?;
        }
        let Some(&(col, a)) = row.0.first() else {
            continue;
        };
        for other in basis.iter_mut() {
            if let Some(&(_, x)) = other.0.iter().find(|(c, _)| *c == col) {
                *other = combine(other, a, &row, x)?;
            }
        }
        pivot.insert(col, basis.len());
        basis.push(row);
    }
    for (terms, rhs) in &basis {
        if let [(col, a)] = terms.as_slice() {
            if rhs % a == 0 {
                let cell = cells[*col as usize];
                found.insert(
                    cell,
                    Found {
                        cell,
                        value: (rhs / a) as i64,
                        by_bounds: false,
                    },
                );
            }
        }
    }

    // 2. Bounds with x ≥ 0.
    let n = cells.len();
    let mut lo = vec![0i128; n];
    let mut hi: Vec<Option<i128>> = vec![None; n];
    for _ in 0..200 {
        let mut changed = false;
        for (terms, b) in &rows {
            for (i, &(ci, ai)) in terms.iter().enumerate() {
                // Range of Σ_{j≠i} a_j x_j.
                let (mut rmin, mut rmax) = (Some(0i128), Some(0i128));
                for (j, &(cj, aj)) in terms.iter().enumerate() {
                    if j == i {
                        continue;
                    }
                    let (l, h) = (lo[cj as usize], hi[cj as usize]);
                    let (tmin, tmax) = if aj > 0 {
                        (Some(aj * l), h.map(|h| aj * h))
                    } else {
                        (h.map(|h| aj * h), Some(aj * l))
                    };
                    rmin = rmin.zip(tmin).map(|(x, y)| x + y);
                    rmax = rmax.zip(tmax).map(|(x, y)| x + y);
                }
                // a_i x_i ∈ [b - rmax, b - rmin].
                let (vmin, vmax) = (rmax.map(|m| b - m), rmin.map(|m| b - m));
                let (xmin, xmax) = if ai > 0 {
                    (
                        vmin.map(|v| div_ceil(v, ai)),
                        vmax.map(|v| div_floor(v, ai)),
                    )
                } else {
                    (
                        vmax.map(|v| div_ceil(v, ai)),
                        vmin.map(|v| div_floor(v, ai)),
                    )
                };
                let c = ci as usize;
                if let Some(x) = xmin {
                    if x > lo[c] {
                        lo[c] = x;
                        changed = true;
                    }
                }
                if let Some(x) = xmax {
                    if hi[c].is_none_or(|h| x < h) {
                        hi[c] = Some(x);
                        changed = true;
                    }
                }
            }
        }
        if !changed {
            break;
        }
    }
    for c in 0..n {
        if hi[c] == Some(lo[c]) {
            let cell = cells[c];
            found.entry(cell).or_insert(Found {
                cell,
                value: lo[c] as i64,
                by_bounds: true,
            });
        }
    }
    Ok(found.into_values().collect())
}

fn div_floor(a: i128, b: i128) -> i128 {
    let q = a / b;
    if (a % b != 0) && ((a < 0) != (b < 0)) {
        q - 1
    } else {
        q
    }
}

fn div_ceil(a: i128, b: i128) -> i128 {
    let q = a / b;
    if (a % b != 0) && ((a < 0) == (b < 0)) {
        q + 1
    } else {
        q
    }
}
