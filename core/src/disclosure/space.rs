//! The cells of a set of tables published together and the additive relations between them.
//!
//! A cell is one patient count identified by the population its table counts (the cohort and
//! the measure, [`crate::aggregate::METADATA_POPULATION`]), its column and its strata values (a
//! null stratum is a margin). The same cell published in two tables of one population (a margin
//! of one, the detail of another, or a one-row total beside a stratified table) is one cell;
//! tables of different populations never share a cell. Relations: a cell equals the sum of the
//! cells that split it along one stratum of one table (margins), or along a finer level of a
//! hierarchy (ATC3 within ATC2, département within region), and the relations inside tables
//! without strata:
//! - Table 1 (`baseline`): per cohort, the `persons` row, the `age` row and every `total_i` are
//!   the cohort size, which the `sex` rows split;
//! - Kaplan–Meier: at each step, at risk = events + censorings + at risk at the next step; the
//!   numbers at risk at chosen times and at the median are cells of the curve; the summary's
//!   persons and events are the curve's first number at risk and the sum of its events.
//!
//! Age bands of different bandings published for one population are related too: a band is
//! the sum of the finer bands of another table that tile it.
//!
//! Any other table without strata has one cell per row and, with one row, is a total.
//!
//! Columns that count the persons of a cohort ([`crate::aggregate::METADATA_PERSONS`]: counts,
//! incidence, Table 1, pathways) share their cells across tables and aggregates: the women of a
//! cohort are one cell, whether Table 1 or a count by sex publishes them.

use std::collections::{BTreeMap, BTreeSet};

use arrow_array::{Array, Int64Array, StringArray};

use super::Hierarchy;
use crate::aggregate::Aggregate;
use crate::error::{Error, Result};

/// Where a cell is published.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct CellRef {
    pub table: usize,
    pub row: usize,
    pub column: String,
}

/// Cells and relations.
#[derive(Debug, Default)]
pub(crate) struct Space {
    /// Where each cell is published (at least once).
    pub refs: Vec<Vec<CellRef>>,
    /// Value of each cell; `None` when not published (masked).
    pub value: Vec<Option<i64>>,
    /// `(total, parts)`: total = Σ parts.
    pub relations: Vec<(usize, Vec<usize>)>,
}

pub(crate) fn dim_strings(agg: &Aggregate) -> Result<Vec<Vec<Option<String>>>> {
    agg.dims
        .iter()
        .map(|d| {
            let c = agg.column(d)?;
            let a = c.as_any().downcast_ref::<StringArray>().ok_or_else(|| {
                Error::Aggregate(format!(
                    "aggregate {}: stratum column {d} is not Utf8",
                    agg.name
                ))
            })?;
            Ok((0..a.len())
                .map(|i| a.is_valid(i).then(|| a.value(i).to_string()))
                .collect())
        })
        .collect()
}

pub(crate) fn int_column(agg: &Aggregate, name: &str) -> Result<Vec<Option<i64>>> {
    let c = agg.column(name)?;
    let a = c.as_any().downcast_ref::<Int64Array>().ok_or_else(|| {
        Error::Aggregate(format!(
            "aggregate {}: count column {name} is not Int64",
            agg.name
        ))
    })?;
    Ok((0..a.len())
        .map(|i| a.is_valid(i).then(|| a.value(i)))
        .collect())
}

/// A cell key: the population the table counts (see [`crate::aggregate::METADATA_POPULATION`]),
/// the measure (count column) and the strata values.
type Key = (String, String, Vec<(String, String)>);

/// One published count: its column, row and key.
struct Entry {
    column: String,
    row: usize,
    key: Key,
}

/// An explicit relation between keys: `total = Σ parts`.
type KeyRelation = (Key, Vec<Key>);

fn row_key(population: &str, measure: &str, r: usize) -> Key {
    (
        population.to_string(),
        measure.to_string(),
        vec![("#row".to_string(), r.to_string())],
    )
}

/// The KM curve of a population among the tables: its index.
fn curve_of(aggs: &[Aggregate], population: &str) -> Option<usize> {
    aggs.iter()
        .position(|a| a.name == "km_curve" && a.population() == population)
}

/// The keys of a table's counts and the relations inside it that margins do not give.
fn entries(aggs: &[Aggregate], t: usize) -> Result<(Vec<Entry>, Vec<KeyRelation>)> {
    let agg = &aggs[t];
    let pop = agg.population();
    let mut out = vec![];
    let mut rels: Vec<KeyRelation> = vec![];
    let n = agg.num_rows();
    let has = |c: &str| agg.batch.column_by_name(c).is_some();
    if agg.name == "baseline" && agg.dims.is_empty() && has("variable") && has("level") {
        // Table 1: per cohort i, `total_i` and `n_i` of the `persons` and `age` rows are the
        // cohort size; the `sex` rows split it; the other rows are cells of their own (their
        // complements within the total are primary cells, see `complements`).
        let var = agg.strings("variable")?;
        let level = agg.strings("level")?;
        for col in &agg.patient_counts {
            let (kind, i) = match col.split_once('_') {
                Some((k, i)) if k == "n" || k == "total" => (k, i),
                _ => ("", ""),
            };
            for r in 0..n {
                let v = var[r].clone().unwrap_or_default();
                let l = level[r].clone().unwrap_or_default();
                // The persons of cohort i, shared with the other tables counting them.
                let persons = || match agg.persons_measure(&format!("n_{i}")) {
                    Some(m) => (m, "persons".to_string()),
                    None => (pop.clone(), format!("persons_{i}")),
                };
                let key = match (kind, v.as_str()) {
                    ("total", _) | ("n", "persons" | "age") => {
                        let (m, c) = persons();
                        (m, c, vec![])
                    }
                    ("n", "sex") => {
                        let (m, c) = persons();
                        (m, c, vec![("sex".to_string(), l)])
                    }
                    _ => (
                        pop.clone(),
                        col.clone(),
                        vec![("level".to_string(), l), ("variable".to_string(), v)],
                    ),
                };
                out.push(Entry {
                    column: col.clone(),
                    row: r,
                    key,
                });
            }
        }
        return Ok((out, rels));
    }
    if agg.name == "km_curve" && agg.dims.is_empty() {
        // Each step: at risk = events + censorings + at risk at the next step (0 after the last).
        let cp = format!("{pop}/km");
        for col in &agg.patient_counts {
            for r in 0..n {
                out.push(Entry {
                    column: col.clone(),
                    row: r,
                    key: row_key(&cp, col, r),
                });
            }
        }
        let cols = |c: &str| agg.patient_counts.iter().any(|x| x == c);
        if cols("n_risk") && cols("n_event") && cols("n_censor") {
            for r in 0..n {
                let mut parts = vec![row_key(&cp, "n_event", r), row_key(&cp, "n_censor", r)];
                if r + 1 < n {
                    parts.push(row_key(&cp, "n_risk", r + 1));
                }
                rels.push((row_key(&cp, "n_risk", r), parts));
            }
        }
        return Ok((out, rels));
    }
    if (agg.name == "km_at_risk" || agg.name == "km_summary") && agg.dims.is_empty() {
        let cp = format!("{pop}/km");
        let curve = curve_of(aggs, &pop).map(|c| &aggs[c]);
        let ctimes = match curve {
            Some(c) => c.ints("time")?,
            None => vec![],
        };
        let own = |col: &str, r: usize| row_key(&format!("{pop}/{}#{t}", agg.name), col, r);
        if agg.name == "km_at_risk" {
            // The number at risk at a time is the curve's at the start of the step holding it.
            let times = agg.ints("time")?;
            for col in &agg.patient_counts {
                for (r, time) in times.iter().enumerate() {
                    let j =
                        time.and_then(|x| ctimes.iter().position(|c| c.is_some_and(|c| c >= x)));
                    let key = match (col.as_str(), j) {
                        ("n_risk", Some(j)) => row_key(&cp, "n_risk", j),
                        _ => own(col, r),
                    };
                    out.push(Entry {
                        column: col.clone(),
                        row: r,
                        key,
                    });
                }
            }
        } else {
            // persons: at risk at the first step; events: the sum of the curve's; at risk at
            // the median: the curve's at the median's step.
            let median = agg.floats("median").unwrap_or_default();
            for col in &agg.patient_counts {
                for r in 0..n {
                    let key = match col.as_str() {
                        "persons" if !ctimes.is_empty() => row_key(&cp, "n_risk", 0),
                        "events" if curve.is_some() => {
                            let k = (cp.clone(), "events".to_string(), vec![]);
                            rels.push((
                                k.clone(),
                                (0..ctimes.len())
                                    .map(|j| row_key(&cp, "n_event", j))
                                    .collect(),
                            ));
                            k
                        }
                        "n_risk_at_median" => {
                            let m = median.get(r).copied().flatten();
                            match m.and_then(|m| {
                                ctimes.iter().position(|c| c.is_some_and(|c| c as f64 == m))
                            }) {
                                Some(j) => row_key(&cp, "n_risk", j),
                                None => own(col, r),
                            }
                        }
                        _ => own(col, r),
                    };
                    out.push(Entry {
                        column: col.clone(),
                        row: r,
                        key,
                    });
                }
            }
        }
        return Ok((out, rels));
    }
    if agg.dims.is_empty() && n != 1 {
        // Rows of an unknown table without strata: cells of their own.
        for col in &agg.patient_counts {
            for r in 0..n {
                out.push(Entry {
                    column: col.clone(),
                    row: r,
                    key: row_key(&format!("{pop}#{t}"), col, r),
                });
            }
        }
        return Ok((out, rels));
    }
    // Stratified tables (and one-row totals): a cell is its measure and strata values, shared
    // with the other tables of the same population.
    let dims = dim_strings(agg)?;
    for col in &agg.patient_counts {
        let (measure, name) = match agg.persons_measure(col) {
            Some(m) => (m, "persons".to_string()),
            None => (pop.clone(), col.clone()),
        };
        for r in 0..n {
            let mut key: Vec<(String, String)> = agg
                .dims
                .iter()
                .zip(&dims)
                .filter_map(|(d, vs)| vs[r].clone().map(|v| (d.clone(), v)))
                .collect();
            key.sort();
            out.push(Entry {
                column: col.clone(),
                row: r,
                key: (measure.clone(), name.clone(), key),
            });
        }
    }
    Ok((out, rels))
}

/// Build the space. `known(table, column, row)` says whether a value is published; values come
/// from the count columns.
pub(crate) fn build(
    aggs: &[Aggregate],
    hierarchies: &[Hierarchy],
    known: &dyn Fn(usize, &str, usize) -> bool,
) -> Result<Space> {
    let mut space = Space::default();
    let mut index: BTreeMap<Key, usize> = BTreeMap::new();
    let mut explicit: Vec<KeyRelation> = vec![];
    // Per table: (key, cell id) of each published count.
    let mut table_keys: Vec<Vec<(Key, usize)>> = vec![];
    for (t, agg) in aggs.iter().enumerate() {
        let (list, rels) = entries(aggs, t)?;
        explicit.extend(rels);
        let mut per = vec![];
        let mut vals: BTreeMap<String, Vec<Option<i64>>> = BTreeMap::new();
        for e in list {
            if !vals.contains_key(&e.column) {
                vals.insert(e.column.clone(), int_column(agg, &e.column)?);
            }
            let v = vals[&e.column].get(e.row).copied().flatten();
            let id = *index.entry(e.key.clone()).or_insert_with(|| {
                space.refs.push(vec![]);
                space.value.push(None);
                space.value.len() - 1
            });
            space.refs[id].push(CellRef {
                table: t,
                row: e.row,
                column: e.column.clone(),
            });
            if known(t, &e.column, e.row) && space.value[id].is_none() {
                space.value[id] = v;
            }
            per.push((e.key, id));
        }
        table_keys.push(per);
    }
    // A cell published anywhere as masked is masked everywhere.
    for (id, refs) in space.refs.iter().enumerate() {
        if refs.iter().any(|r| !known(r.table, &r.column, r.row)) {
            space.value[id] = None;
        }
    }

    let mut groups: BTreeMap<(usize, String, Key), BTreeSet<usize>> = BTreeMap::new();
    for (t, per) in table_keys.iter().enumerate() {
        for ((pop, col, key), id) in per {
            if key.iter().any(|(d, _)| d == "#row") {
                continue;
            }
            // Margins: drop one stratum.
            for (j, (d, _)) in key.iter().enumerate() {
                let mut parent = key.clone();
                parent.remove(j);
                groups
                    .entry((t, format!("m:{d}"), (pop.clone(), col.clone(), parent)))
                    .or_default()
                    .insert(*id);
            }
            // Hierarchies: replace a finer level by its parent.
            for (h_i, h) in hierarchies.iter().enumerate() {
                let Some(j) = key.iter().position(|(d, _)| *d == h.child) else {
                    continue;
                };
                let Some(pv) = h.parent_of(&key[j].1) else {
                    continue;
                };
                let mut parent = key.clone();
                parent.remove(j);
                match parent.iter().find(|(d, _)| *d == h.parent) {
                    // Both levels in the key: a margin already, when consistent.
                    Some((_, v)) if *v != pv => continue,
                    Some(_) => {}
                    None => {
                        parent.push((h.parent.clone(), pv));
                        parent.sort();
                    }
                }
                groups
                    .entry((t, format!("h:{h_i}"), (pop.clone(), col.clone(), parent)))
                    .or_default()
                    .insert(*id);
            }
        }
    }
    // Age bands of different bandings (5-year and 10-year, Open Medic...): a band equals the
    // sum of the bands of another table that tile it, when none of them straddles its limits.
    type Rest = (String, String, Vec<(String, String)>);
    let mut bands: BTreeMap<Rest, BTreeSet<(String, usize)>> = BTreeMap::new();
    // Per table and rest of the key: the range and cell of each band.
    type Bands = Vec<((u32, u32), usize)>;
    let mut fine: BTreeMap<(usize, Rest), Bands> = BTreeMap::new();
    for (t, per) in table_keys.iter().enumerate() {
        for ((pop, col, key), id) in per {
            let Some(j) = key.iter().position(|(d, _)| d == "age_band") else {
                continue;
            };
            let Some(range) = band_range(&key[j].1) else {
                continue;
            };
            let mut rest = key.clone();
            let label = rest.remove(j).1;
            let rest = (pop.clone(), col.clone(), rest);
            bands.entry(rest.clone()).or_default().insert((label, *id));
            fine.entry((t, rest)).or_default().push((range, *id));
        }
    }
    let mut band_rels: BTreeSet<(usize, Vec<usize>)> = BTreeSet::new();
    for ((_, rest), cells) in &fine {
        for (label, coarse) in &bands[rest] {
            let Some(c) = band_range(label) else {
                continue;
            };
            let inside = |r: &(u32, u32)| r.0 >= c.0 && r.1 <= c.1;
            let overlaps = |r: &(u32, u32)| r.0 <= c.1 && c.0 <= r.1;
            if cells.iter().any(|(r, _)| overlaps(r) && !inside(r)) {
                continue;
            }
            let mut parts: Vec<usize> = cells
                .iter()
                .filter(|(r, _)| inside(r))
                .map(|(_, id)| *id)
                .collect();
            parts.sort_unstable();
            parts.dedup();
            if !parts.is_empty() && parts != [*coarse] {
                band_rels.insert((*coarse, parts));
            }
        }
    }
    let mut rels: BTreeSet<(usize, Vec<usize>)> = band_rels;
    for ((_, _, parent), parts) in groups {
        if let Some(&total) = index.get(&parent) {
            let parts: Vec<usize> = parts.into_iter().collect();
            if parts != [total] {
                rels.insert((total, parts));
            }
        }
    }
    for (total, parts) in explicit {
        let (Some(&t), Some(p)) = (
            index.get(&total),
            parts
                .iter()
                .map(|k| index.get(k).copied())
                .collect::<Option<Vec<usize>>>(),
        ) else {
            continue;
        };
        if p != [t] {
            rels.insert((t, p));
        }
    }
    space.relations = rels.into_iter().collect();
    Ok(space)
}

/// Ages covered by an age band label (`00-04`, `20-59`, `95+`, `<18`), as produced by
/// [`crate::aggregate::AgeBands::label`].
fn band_range(label: &str) -> Option<(u32, u32)> {
    if let Some(x) = label.strip_prefix('<') {
        let a: u32 = x.parse().ok()?;
        return a.checked_sub(1).map(|b| (0, b));
    }
    if let Some(x) = label.strip_suffix('+') {
        return Some((x.parse().ok()?, u32::MAX));
    }
    let (a, b) = label.split_once('-')?;
    let (a, b): (u32, u32) = (a.parse().ok()?, b.parse().ok()?);
    (a <= b).then_some((a, b))
}
