//! Treatment pathways: the sequence of drug classes dispensed after index.

use std::collections::{BTreeMap, BTreeSet};

use super::baseline::atc_len;
use super::{check_rows, entries, follow_up_end, make_batch, Aggregate, Col};
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
}

impl Default for PathwayOptions {
    fn default() -> Self {
        PathwayOptions {
            atc_level: 2,
            max_lines: 3,
        }
    }
}

/// Label of a person without any dispensing during follow-up.
pub const NO_TREATMENT: &str = "(none)";

/// Sequences of drug classes dispensed from the index date to the end of follow-up (first
/// entry of each person): each line is the set of classes first dispensed on one day (joined
/// with `+`), classes already seen are skipped, and the first `max_lines` lines are kept.
///
/// Columns: `sequence` (Utf8 stratum, lines joined with ` > `, [`NO_TREATMENT`] when none; null
/// on the total row), `line_1` … `line_N` (Utf8), `persons` (Int64, distinct patients: the
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
    let mut counts: BTreeMap<Vec<String>, i64> = BTreeMap::new();
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
        *counts.entry(lines).or_default() += 1;
        total += 1;
    }
    let mut list: Vec<(Vec<String>, i64)> = counts.into_iter().collect();
    list.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    let mut seq = vec![];
    let mut line_cols: Vec<Vec<Option<String>>> = vec![vec![]; opts.max_lines];
    let mut persons = vec![];
    for (lines, n) in &list {
        seq.push(Some(if lines.is_empty() {
            NO_TREATMENT.to_string()
        } else {
            lines.join(" > ")
        }));
        for (j, col) in line_cols.iter_mut().enumerate() {
            col.push(lines.get(j).cloned());
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
    Ok(Aggregate {
        name: "pathways".into(),
        batch: make_batch(cols)?,
        dims: vec!["sequence".into()],
        patient_counts: vec!["persons".into()],
        derived: vec![],
        complements: vec![],
        notes: vec![format!(
            "ATC level {}, first {} lines from index to end of follow-up",
            opts.atc_level, opts.max_lines
        )],
        protected_k: None,
    })
}
