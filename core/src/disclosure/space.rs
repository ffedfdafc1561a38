//! The cells of a set of tables published together and the additive relations between them.
//!
//! A cell is one patient count identified by its column and its strata values (a null stratum is
//! a margin). The same cell published in two tables (a margin of one, the detail of another) is
//! one cell. Relations: a cell equals the sum of the cells that split it along one stratum of one
//! table (margins), or along a finer level of a hierarchy (ATC3 within ATC2, département within
//! region).

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

type Key = (String, Vec<(String, String)>);

/// The cells of one count column of one table: column, strata key of each row, cell id of each row.
type ColumnCells = (String, Vec<Vec<(String, String)>>, Vec<usize>);

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

/// Build the space. `known(table, column, row)` says whether a value is published; values come
/// from the count columns.
pub(crate) fn build(
    aggs: &[Aggregate],
    hierarchies: &[Hierarchy],
    known: &dyn Fn(usize, &str, usize) -> bool,
) -> Result<Space> {
    let mut space = Space::default();
    let mut index: BTreeMap<Key, usize> = BTreeMap::new();
    // Per table: the key of each (column, row) cell.
    let mut table_keys: Vec<Vec<ColumnCells>> = vec![];
    for (t, agg) in aggs.iter().enumerate() {
        let mut per_col = vec![];
        if agg.dims.is_empty() {
            table_keys.push(per_col);
            continue;
        }
        let dims = dim_strings(agg)?;
        for col in &agg.patient_counts {
            let vals = int_column(agg, col)?;
            let mut keys = vec![];
            let mut ids = vec![];
            for (r, v) in vals.iter().enumerate() {
                let mut key: Vec<(String, String)> = agg
                    .dims
                    .iter()
                    .zip(&dims)
                    .filter_map(|(d, vs)| vs[r].clone().map(|v| (d.clone(), v)))
                    .collect();
                key.sort();
                let k: Key = (col.clone(), key.clone());
                let id = *index.entry(k).or_insert_with(|| {
                    space.refs.push(vec![]);
                    space.value.push(None);
                    space.value.len() - 1
                });
                space.refs[id].push(CellRef {
                    table: t,
                    row: r,
                    column: col.clone(),
                });
                if known(t, col, r) && space.value[id].is_none() {
                    space.value[id] = *v;
                }
                keys.push(key);
                ids.push(id);
            }
            per_col.push((col.clone(), keys, ids));
        }
        table_keys.push(per_col);
    }
    // A cell published anywhere as masked is masked everywhere.
    for (id, refs) in space.refs.iter().enumerate() {
        if refs.iter().any(|r| !known(r.table, &r.column, r.row)) {
            space.value[id] = None;
        }
    }

    let mut groups: BTreeMap<(usize, String, Key), BTreeSet<usize>> = BTreeMap::new();
    for (t, per_col) in table_keys.iter().enumerate() {
        for (col, keys, ids) in per_col {
            for (key, id) in keys.iter().zip(ids) {
                // Margins: drop one stratum.
                for (j, (d, _)) in key.iter().enumerate() {
                    let mut parent = key.clone();
                    parent.remove(j);
                    groups
                        .entry((t, format!("m:{d}"), (col.clone(), parent)))
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
                        .entry((t, format!("h:{h_i}"), (col.clone(), parent)))
                        .or_default()
                        .insert(*id);
                }
            }
        }
    }
    let mut rels: BTreeSet<(usize, Vec<usize>)> = BTreeSet::new();
    for ((_, _, parent), parts) in groups {
        if let Some(&total) = index.get(&parent) {
            let parts: Vec<usize> = parts.into_iter().collect();
            if parts != [total] {
                rels.insert((total, parts));
            }
        }
    }
    space.relations = rels.into_iter().collect();
    Ok(space)
}
