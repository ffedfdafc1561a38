//! Treatment pathways: the sequence of drug classes dispensed after index.

use std::collections::{BTreeMap, BTreeSet};

use super::baseline::atc_len;
use super::{
    check_rows, entries, follow_up_end, make_batch, persons_measure, with_persons, with_population,
    Aggregate, Col, Fingerprint,
};
use crate::error::{Error, Result};
use crate::model::{CohortRows, EventKind};
use crate::store::EventStore;

/// Options of [`pathways`].
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct PathwayOptions {
    /// ATC level of the classes (1 = `C`, 2 = `C09`, 3 = `C09A`, 4 = `C09AA`, 5 = ATC7).
    pub atc_level: u8,
    /// Number of treatment lines kept (the first N distinct classes).
    pub max_lines: usize,
    /// Smallest group shown with its own sequence (the disclosure threshold k; 0 or 1 = every
    /// sequence): rarer sequences are cut back to their first lines, see [`gather_rare`]. Set
    /// by the faces from `k`, never read from a user's options; [`crate::disclosure::protect`]
    /// cuts rare sequences back at its own k whatever this is.
    #[serde(skip)]
    pub min_count: u32,
}

impl Default for PathwayOptions {
    fn default() -> Self {
        PathwayOptions {
            atc_level: 2,
            max_lines: 3,
            min_count: 0,
        }
    }
}

/// Label of a person without any dispensing during follow-up.
pub const NO_TREATMENT: &str = "(none)";

/// Label of the lines cut from rare sequences: `C09 > (other)` gathers the persons who started
/// with C09 and went on in ways too rare to show.
pub const OTHER: &str = "(other)";

/// A group of persons: the lines shown and whether rarer continuations were cut (`OTHER`).
type Key = (Vec<String>, bool);

/// Cut rare sequences back until every group has 0 or at least `k` persons: a group of 1 to
/// k - 1 loses its last line (shown as [`OTHER`]) and joins the group of that prefix, the
/// longest first, until only the group `(other)` with no line at all may stay small (the
/// disclosure layer masks it, and its complement in the total). A sequence shown therefore
/// always stands for at least `k` persons: a masked count never sits beside the exact
/// sequence of a small group.
pub fn gather_rare(counts: BTreeMap<Key, i64>, k: i64) -> BTreeMap<Key, i64> {
    let mut counts = counts;
    // A group of L lines (exact or cut) goes to the cut group of its first L - 1 lines: the
    // groups of most lines go first, so the groups they join gather before being judged.
    let depth = |key: &Key| key.0.len();
    let bottom = |key: &Key| key.0.is_empty() && key.1;
    loop {
        let rare: Vec<(Key, usize)> = counts
            .iter()
            .filter(|(key, n)| (1..k).contains(*n) && !bottom(key))
            .map(|(key, _)| (key.clone(), depth(key)))
            .collect();
        let Some(deepest) = rare.iter().map(|(_, d)| *d).max() else {
            break;
        };
        for (key, d) in rare {
            if d != deepest {
                continue;
            }
            let n = counts.remove(&key).unwrap_or(0);
            let mut lines = key.0;
            lines.pop();
            *counts.entry((lines, true)).or_default() += n;
        }
    }
    counts
}

/// Sequences of drug classes dispensed from the index date to the end of follow-up (first
/// entry of each person): each line is the set of classes first dispensed on one day (joined
/// with `+`), classes already seen are skipped, and the first `max_lines` lines are kept.
///
/// With `min_count` above 1, rare sequences are cut back by [`gather_rare`].
///
/// Columns: `sequence` (Utf8 stratum, lines joined with ` > `, [`NO_TREATMENT`] when none,
/// ending in [`OTHER`] where rarer lines were cut; null on the total row), `line_1` … `line_N` (Utf8), `persons` (Int64, distinct patients: the
/// patient count). Rows by decreasing count then sequence; the total row last.
pub fn pathways(store: &EventStore, rows: &CohortRows, opts: &PathwayOptions) -> Result<Aggregate> {
    check_rows(store, rows)?;
    let len = atc_len(opts.atc_level).ok_or_else(|| {
        Error::invalid(format!(
            "atc_level: expected 1 to 5, found {}",
            opts.atc_level
        ))
    })?;
    if opts.max_lines == 0 || opts.max_lines > 20 {
        return Err(Error::invalid(format!(
            "max_lines: expected 1 to 20, found {}",
            opts.max_lines
        )));
    }
    let mut counts: BTreeMap<Key, i64> = BTreeMap::new();
    let mut total = 0i64;
    for i in entries(rows, true) {
        let p = rows.person[i] as usize;
        let index = rows.start[i];
        let last = follow_up_end(store, p, rows.end[i]);
        let mut seen = BTreeSet::new();
        let mut lines: Vec<String> = vec![];
        let r = store.events_of(p);
        let mut e = r.start;
        while e < r.end && lines.len() < opts.max_lines {
            let d = store.date[e];
            let mut day = BTreeSet::new();
            while e < r.end && store.date[e] == d {
                if d >= index && d <= last && store.kind_u8(e) == EventKind::Dispensing as u8 {
                    if let Some(c) = store.drug_atc[store.code[e] as usize].get(..len) {
                        if !seen.contains(c) {
                            day.insert(c.to_string());
                        }
                    }
                }
                e += 1;
            }
            if !day.is_empty() {
                seen.extend(day.iter().cloned());
                lines.push(day.into_iter().collect::<Vec<_>>().join("+"));
            }
        }
        *counts.entry((lines, false)).or_default() += 1;
        total += 1;
    }
    if opts.min_count > 1 {
        counts = gather_rare(counts, opts.min_count as i64);
    }
    let cols = pathway_columns(counts, total, opts.max_lines);
    let batch = with_population(
        make_batch(cols)?,
        &Fingerprint::new("pathways")
            .rows(store, rows)
            .int(i64::from(opts.atc_level))
            .int(opts.max_lines as i64)
            .finish(),
    );
    let batch = with_persons(
        batch,
        &[("persons", persons_measure(store, rows, &[], true))],
    );
    Ok(Aggregate {
        name: "pathways".into(),
        batch,
        dims: vec!["sequence".into()],
        patient_counts: vec!["persons".into()],
        derived: vec![],
        complements: vec![],
        notes: {
            let mut n = vec![format!(
                "ATC level {}, first {} lines from index to end of follow-up",
                opts.atc_level, opts.max_lines
            )];
            if opts.min_count > 1 {
                n.push(format!(
                    "sequences of fewer than {} persons cut back to their first lines, the rest \
                     shown as {OTHER}",
                    opts.min_count
                ));
            }
            n
        },
        protected_k: None,
    })
}

/// The columns of a pathways table from its groups and total (see [`pathways`]).
pub(crate) fn pathway_columns(
    counts: BTreeMap<Key, i64>,
    total: i64,
    max_lines: usize,
) -> Vec<(String, Col)> {
    let mut list: Vec<(Key, i64)> = counts.into_iter().collect();
    list.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    let mut seq = vec![];
    let mut line_cols: Vec<Vec<Option<String>>> = vec![vec![]; max_lines];
    let mut persons = vec![];
    for ((lines, cut), n) in &list {
        let mut shown = lines.clone();
        if *cut {
            shown.push(OTHER.to_string());
        }
        seq.push(Some(if shown.is_empty() {
            NO_TREATMENT.to_string()
        } else {
            shown.join(" > ")
        }));
        for (j, col) in line_cols.iter_mut().enumerate() {
            col.push(shown.get(j).cloned());
        }
        persons.push(Some(*n));
    }
    seq.push(None);
    for col in line_cols.iter_mut() {
        col.push(None);
    }
    persons.push(Some(total));
    let mut cols = vec![("sequence".to_string(), Col::Str(seq))];
    for (j, col) in line_cols.into_iter().enumerate() {
        cols.push((format!("line_{}", j + 1), Col::Str(col)));
    }
    cols.push(("persons".into(), Col::Int(persons)));
    cols
}

/// The groups and total of a pathways table, read back from its rows.
pub(crate) fn read_groups(agg: &Aggregate) -> Result<(BTreeMap<Key, i64>, i64, usize)> {
    let seq = agg.strings("sequence")?;
    let persons = agg.ints("persons")?;
    let mut max_lines = 0;
    while agg
        .batch
        .column_by_name(&format!("line_{}", max_lines + 1))
        .is_some()
    {
        max_lines += 1;
    }
    let lines: Vec<Vec<Option<String>>> = (1..=max_lines)
        .map(|j| agg.strings(&format!("line_{j}")))
        .collect::<Result<_>>()?;
    let mut counts = BTreeMap::new();
    let mut total = None;
    for r in 0..agg.num_rows() {
        let n = persons[r].ok_or_else(|| {
            Error::Aggregate(format!(
                "aggregate {}: persons is null at row {r}",
                agg.name
            ))
        })?;
        if seq[r].is_none() {
            total = Some(n);
            continue;
        }
        let mut shown: Vec<String> = lines.iter().filter_map(|c| c[r].clone()).collect();
        let cut = shown.last().is_some_and(|l| l == OTHER);
        if cut {
            shown.pop();
        }
        *counts.entry((shown, cut)).or_default() += n;
    }
    let total = total.ok_or_else(|| {
        Error::Aggregate(format!(
            "aggregate {}: no total row (null sequence)",
            agg.name
        ))
    })?;
    Ok((counts, total, max_lines))
}
