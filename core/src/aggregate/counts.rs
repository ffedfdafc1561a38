//! Counts of persons and cohort entries by strata, and dispensed boxes by pack (the Open Medic
//! shape).

use std::collections::BTreeMap;

use super::{
    check_rows, follow_up_end, grouping_sets, make_batch, persons_measure, project, validate_dims,
    with_persons, with_population, AgeBands, Aggregate, Col, Derived, Dim, Fingerprint, GroupKey,
};
use crate::error::Result;
use crate::model::{CohortRows, EventKind};
use crate::store::EventStore;

/// Options of [`counts`].
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct CountOptions {
    /// Strata, evaluated at each entry's index date.
    pub dims: Vec<Dim>,
    /// Add margins: one row per subset of the strata, the left-out strata null.
    #[serde(default)]
    pub margins: bool,
}

/// Counts of persons and of cohort entries by strata at index.
///
/// Columns: one Utf8 column per stratum ([`Dim::column`]; null = total over it), then
/// - `persons` (Int64, distinct patients: primary suppression applies),
/// - `entries` (Int64, cohort entries; derived from `persons`).
///
/// A person entering twice in different strata counts once in each. Rows are sorted by strata
/// (margins after detail rows).
pub fn counts(store: &EventStore, rows: &CohortRows, opts: &CountOptions) -> Result<Aggregate> {
    check_rows(store, rows)?;
    validate_dims(&opts.dims)?;
    let n = opts.dims.len();
    let mut cells: BTreeMap<GroupKey, (Vec<u32>, i64)> = BTreeMap::new();
    let sets = grouping_sets(n, opts.margins);
    for i in 0..rows.len() {
        let p = rows.person[i] as usize;
        let key: Vec<String> = opts
            .dims
            .iter()
            .map(|d| d.value(store, p, rows.start[i]))
            .collect();
        for (order, set) in sets.iter().enumerate() {
            let c = cells
                .entry((order as u32, project(&key, *set)))
                .or_default();
            c.0.push(rows.person[i]);
            c.1 += 1;
        }
    }
    if cells.is_empty() && n == 0 {
        cells.insert((0, vec![]), (vec![], 0));
    }
    let mut dim_cols: Vec<Vec<Option<String>>> = vec![Vec::new(); n];
    let (mut persons, mut entries) = (Vec::new(), Vec::new());
    for ((_, key), (mut ps, e)) in cells {
        ps.sort_unstable();
        ps.dedup();
        for (j, v) in key.into_iter().enumerate() {
            dim_cols[j].push(v);
        }
        persons.push(Some(ps.len() as i64));
        entries.push(Some(e));
    }
    let mut cols: Vec<(String, Col)> = opts
        .dims
        .iter()
        .zip(dim_cols)
        .map(|(d, v)| (d.column().to_string(), Col::Str(v)))
        .collect();
    cols.push(("persons".into(), Col::Int(persons)));
    cols.push(("entries".into(), Col::Int(entries)));
    Ok(Aggregate {
        name: "counts".into(),
        batch: with_persons(
            with_population(
                make_batch(cols)?,
                &Fingerprint::new("counts").rows(store, rows).finish(),
            ),
            &[("persons", persons_measure(store, rows, &opts.dims, false))],
        ),
        dims: opts.dims.iter().map(|d| d.column().to_string()).collect(),
        patient_counts: vec!["persons".into()],
        derived: vec![Derived {
            column: "entries".into(),
            from: vec!["persons".into()],
        }],
        complements: vec![],
        notes: vec!["strata evaluated at each entry's index date".into()],
        protected_k: None,
    })
}

/// Options of [`dispensings`].
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct DispensingOptions {
    /// Age banding at dispensing (Open Medic: `open_medic`).
    pub age_bands: AgeBands,
    /// Add margins over age, sex and region.
    #[serde(default)]
    pub margins: bool,
}

impl Default for DispensingOptions {
    fn default() -> Self {
        DispensingOptions {
            age_bands: AgeBands::OpenMedic,
            margins: false,
        }
    }
}

/// Boxes dispensed to cohort members during follow-up (index to exit, death or end of data), by
/// pack, age band at dispensing, sex and region: the shape of Open Medic.
///
/// Columns: `cip13`, `age_band`, `sex`, `region` (Utf8 strata; null = margin), `atc7` (Utf8,
/// label of the pack), `persons` (Int64, distinct patients), `boxes` (Int64, net boxes,
/// negative regularisations included; derived from `persons`), `dispensings` (Int64, derived).
pub fn dispensings(
    store: &EventStore,
    rows: &CohortRows,
    opts: &DispensingOptions,
) -> Result<Aggregate> {
    check_rows(store, rows)?;
    opts.age_bands.validate()?;
    let dims = [Dim::AgeBand(opts.age_bands.clone()), Dim::Sex, Dim::Region];
    let sets = grouping_sets(3, opts.margins);
    // Each dispensing counts once even when cohort entries overlap: collect event indices first.
    let mut seen: Vec<(usize, usize)> = Vec::new();
    for i in 0..rows.len() {
        let p = rows.person[i] as usize;
        let end = follow_up_end(store, p, rows.end[i]);
        for e in store.events_of(p) {
            let d = store.date[e];
            if d >= rows.start[i] && d <= end && store.kind_u8(e) == EventKind::Dispensing as u8 {
                seen.push((e, p));
            }
        }
    }
    seen.sort_unstable();
    seen.dedup();
    type Cell = (Vec<u32>, i64, i64);
    let mut cells: BTreeMap<GroupKey, Cell> = BTreeMap::new();
    for (e, p) in seen {
        let cip = store.drug_cip[store.code[e] as usize].clone();
        let mut key = vec![cip];
        key.extend(dims.iter().map(|d| d.value(store, p, store.date[e])));
        for (order, set) in sets.iter().enumerate() {
            let mut k = vec![Some(key[0].clone())];
            k.extend(project(&key[1..], *set));
            let c = cells.entry((order as u32, k)).or_default();
            c.0.push(p as u32);
            c.1 += store.value[e] as i64;
            c.2 += 1;
        }
    }
    let mut kc: Vec<Vec<Option<String>>> = vec![Vec::new(); 4];
    let (mut atc, mut persons, mut boxes, mut disp) = (vec![], vec![], vec![], vec![]);
    for ((_, key), (mut ps, b, n)) in cells {
        ps.sort_unstable();
        ps.dedup();
        let cip = key[0].clone().unwrap_or_default();
        let id = store.drug_cip.iter().position(|c| *c == cip);
        atc.push(id.map(|i| store.drug_atc[i].clone()));
        for (j, v) in key.into_iter().enumerate() {
            kc[j].push(v);
        }
        persons.push(Some(ps.len() as i64));
        boxes.push(Some(b));
        disp.push(Some(n));
    }
    let mut it = kc.into_iter();
    let mut next = || Col::Str(it.next().unwrap_or_default());
    let cols = vec![
        ("cip13".to_string(), next()),
        ("age_band".to_string(), next()),
        ("sex".to_string(), next()),
        ("region".to_string(), next()),
        ("atc7".to_string(), Col::Str(atc)),
        ("persons".to_string(), Col::Int(persons)),
        ("boxes".to_string(), Col::Int(boxes)),
        ("dispensings".to_string(), Col::Int(disp)),
    ];
    Ok(Aggregate {
        name: "dispensings".into(),
        batch: with_population(
            make_batch(cols)?,
            &Fingerprint::new("dispensings").rows(store, rows).finish(),
        ),
        dims: vec![
            "cip13".into(),
            "age_band".into(),
            "sex".into(),
            "region".into(),
        ],
        patient_counts: vec!["persons".into()],
        derived: vec![
            Derived {
                column: "boxes".into(),
                from: vec!["persons".into()],
            },
            Derived {
                column: "dispensings".into(),
                from: vec!["persons".into()],
            },
        ],
        complements: vec![],
        notes: vec!["dispensings during follow-up, strata at the dispensing date".into()],
        protected_k: None,
    })
}
