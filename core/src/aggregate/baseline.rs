//! Baseline characterisation ("Table 1") of one or more cohorts, side by side, with
//! standardised mean differences between the first two.

use std::collections::{BTreeMap, BTreeSet};

use super::{
    check_rows, entries, make_batch, persons_measure, refs, with_persons, with_population,
    Aggregate, Col, Derived, Fingerprint,
};
use crate::dates;
use crate::error::{Error, Result};
use crate::model::{CohortRows, EventKind};
use crate::stats;
use crate::store::EventStore;

/// Options of [`baseline`].
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct BaselineOptions {
    /// Look-back window: events dated from `index - lookback_days` to the index date included.
    pub lookback_days: i32,
    /// ATC level of the drug classes (1 = `C`, 2 = `C09`, 3 = `C09A`, 4 = `C09AA`, 5 = ATC7).
    pub atc_level: u8,
    /// Add one row per ICD-10 chapter (diagnoses, stays and long-term illnesses).
    pub chapters: bool,
}

impl Default for BaselineOptions {
    fn default() -> Self {
        BaselineOptions {
            lookback_days: 365,
            atc_level: 2,
            chapters: true,
        }
    }
}

/// Length of an ATC code at a level (1–5).
pub fn atc_len(level: u8) -> Option<usize> {
    [1, 3, 4, 5, 7]
        .get((level as usize).checked_sub(1)?)
        .copied()
}

#[derive(Default)]
struct Profile {
    n: u64,
    ages: Vec<f64>,
    sex: BTreeMap<String, u64>,
    atc: BTreeMap<String, u64>,
    chapter: BTreeMap<String, u64>,
}

fn profile(
    store: &EventStore,
    rows: &CohortRows,
    opts: &BaselineOptions,
    atc_len: usize,
) -> Profile {
    let mut pr = Profile::default();
    for i in entries(rows, true) {
        let p = rows.person[i] as usize;
        let index = rows.start[i];
        pr.n += 1;
        pr.ages
            .push(dates::age_at(store.patients.birth[p], index) as f64);
        let sex = match store.patients.sex[p] {
            1 => "1",
            2 => "2",
            _ => "9",
        };
        *pr.sex.entry(sex.into()).or_default() += 1;
        let from = index - opts.lookback_days;
        let mut atc = BTreeSet::new();
        let mut chap = BTreeSet::new();
        for e in store.events_of(p) {
            let d = store.date[e];
            if d < from || d > index {
                continue;
            }
            let kind = store.kind_of(e);
            match kind {
                EventKind::Dispensing => {
                    let a = &store.drug_atc[store.code[e] as usize];
                    if let Some(c) = a.get(..atc_len) {
                        atc.insert(c.to_string());
                    }
                }
                EventKind::Diagnosis | EventKind::Stay | EventKind::Ald if opts.chapters => {
                    if let Some((roman, _)) = refs::icd10_chapter(store.icd10.code(store.code[e])) {
                        chap.insert(roman);
                    }
                }
                _ => {}
            }
        }
        for a in atc {
            *pr.atc.entry(a).or_default() += 1;
        }
        for c in chap {
            *pr.chapter.entry(c).or_default() += 1;
        }
    }
    pr
}

/// Baseline characteristics of cohorts side by side.
///
/// Rows: `persons`; `age` (`mean`); `sex` (`1`, `2`, `9`); `atc` (one row per class at the chosen
/// level dispensed in the look-back window); `icd10_chapter` (one row per chapter coded in it).
///
/// Columns: `variable`, `level`, `label` (Utf8); then for each cohort `i` (1-based, names in the
/// notes): `n_i` (Int64, patients with the characteristic — all patients for `age`), `total_i`
/// (Int64, patients of the cohort), `value_i` (Float64, share in 0–1 or mean age), `sd_i` and
/// `median_i` (Float64, age only); then, with two or more cohorts, `smd` (Float64, first vs
/// second cohort: `(m1 - m2) / sqrt((s1² + s2²) / 2)` for age, `(p1 - p2) /
/// sqrt((p1(1-p1) + p2(1-p2)) / 2)` for shares). Each person counts once (first entry).
pub fn baseline(
    store: &EventStore,
    cohorts: &[(&str, &CohortRows)],
    opts: &BaselineOptions,
) -> Result<Aggregate> {
    if cohorts.is_empty() {
        return Err(Error::invalid("baseline: give at least one cohort"));
    }
    let len = atc_len(opts.atc_level).ok_or_else(|| {
        Error::invalid(format!(
            "atc_level: expected 1 to 5, found {}",
            opts.atc_level
        ))
    })?;
    if opts.lookback_days < 0 {
        return Err(Error::invalid(format!(
            "lookback_days: expected a number of days ≥ 0, found {}",
            opts.lookback_days
        )));
    }
    for (_, rows) in cohorts {
        check_rows(store, rows)?;
    }
    let profiles: Vec<Profile> = cohorts
        .iter()
        .map(|(_, r)| profile(store, r, opts, len))
        .collect();

    // Row descriptors: (variable, level, label).
    let mut keys: Vec<(String, String, Option<String>)> = vec![
        ("persons".into(), "".into(), None),
        ("age".into(), "mean".into(), Some("âge à l'index".into())),
    ];
    let union = |f: &dyn Fn(&Profile) -> Vec<String>| -> BTreeSet<String> {
        profiles.iter().flat_map(f).collect()
    };
    for s in union(&|p| p.sex.keys().cloned().collect()) {
        let label = match s.as_str() {
            "1" => "homme",
            "2" => "femme",
            _ => "inconnu",
        };
        keys.push(("sex".into(), s, Some(label.into())));
    }
    for a in union(&|p| p.atc.keys().cloned().collect()) {
        let label = refs::atc_label(&a);
        keys.push(("atc".into(), a, label));
    }
    let mut chaps: Vec<String> = union(&|p| p.chapter.keys().cloned().collect())
        .into_iter()
        .collect();
    chaps.sort_by_key(|c| refs::chapter_number(c));
    for c in chaps {
        let label = refs::chapter_label(&c);
        keys.push(("icd10_chapter".into(), c, label));
    }

    let k = profiles.len();
    let mut n: Vec<Vec<Option<i64>>> = vec![vec![]; k];
    let mut tot: Vec<Vec<Option<i64>>> = vec![vec![]; k];
    let mut val: Vec<Vec<Option<f64>>> = vec![vec![]; k];
    let mut sd: Vec<Vec<Option<f64>>> = vec![vec![]; k];
    let mut med: Vec<Vec<Option<f64>>> = vec![vec![]; k];
    let mut smd = vec![];
    for (var, level, _) in &keys {
        let mut shares = vec![];
        let mut moments = vec![];
        for (i, p) in profiles.iter().enumerate() {
            tot[i].push(Some(p.n as i64));
            let share = |count: u64| (p.n > 0).then(|| count as f64 / p.n as f64);
            match var.as_str() {
                "persons" => {
                    n[i].push(Some(p.n as i64));
                    val[i].push(None);
                    sd[i].push(None);
                    med[i].push(None);
                }
                "age" => {
                    let ms = stats::mean_sd(&p.ages);
                    n[i].push(Some(p.n as i64));
                    val[i].push(ms.map(|m| m.0));
                    sd[i].push(ms.map(|m| m.1));
                    med[i].push(stats::median(&p.ages));
                    moments.push(ms);
                }
                _ => {
                    let map = match var.as_str() {
                        "sex" => &p.sex,
                        "atc" => &p.atc,
                        _ => &p.chapter,
                    };
                    let c = map.get(level).copied().unwrap_or(0);
                    n[i].push(Some(c as i64));
                    val[i].push(share(c));
                    sd[i].push(None);
                    med[i].push(None);
                    shares.push(share(c));
                }
            }
        }
        smd.push(if k < 2 {
            None
        } else if var == "age" {
            match (moments[0], moments[1]) {
                (Some((m1, s1)), Some((m2, s2))) => Some(stats::smd_continuous(m1, s1, m2, s2)),
                _ => None,
            }
        } else if var == "persons" {
            None
        } else {
            match (shares[0], shares[1]) {
                (Some(p1), Some(p2)) => Some(stats::smd_proportion(p1, p2)),
                _ => None,
            }
        });
    }

    let mut cols: Vec<(String, Col)> = vec![
        (
            "variable".into(),
            Col::Str(keys.iter().map(|k| Some(k.0.clone())).collect()),
        ),
        (
            "level".into(),
            Col::Str(keys.iter().map(|k| Some(k.1.clone())).collect()),
        ),
        (
            "label".into(),
            Col::Str(keys.iter().map(|k| k.2.clone()).collect()),
        ),
    ];
    let mut patient_counts = vec![];
    let mut derived = vec![];
    let mut complements = vec![];
    let mut notes = vec![format!(
        "look-back {} days up to the index date included; ATC level {}; first entry per person",
        opts.lookback_days, opts.atc_level
    )];
    let mut all_counts = vec![];
    for i in 0..k {
        let j = i + 1;
        let (nc, tc) = (format!("n_{j}"), format!("total_{j}"));
        cols.push((nc.clone(), Col::Int(std::mem::take(&mut n[i]))));
        cols.push((tc.clone(), Col::Int(std::mem::take(&mut tot[i]))));
        cols.push((
            format!("value_{j}"),
            Col::Float(std::mem::take(&mut val[i])),
        ));
        cols.push((format!("sd_{j}"), Col::Float(std::mem::take(&mut sd[i]))));
        cols.push((
            format!("median_{j}"),
            Col::Float(std::mem::take(&mut med[i])),
        ));
        for c in ["value", "sd", "median"] {
            derived.push(Derived {
                column: format!("{c}_{j}"),
                from: vec![nc.clone(), tc.clone()],
            });
        }
        complements.push((nc.clone(), tc.clone()));
        notes.push(format!("cohort {j}: {}", cohorts[i].0));
        all_counts.push(nc.clone());
        all_counts.push(tc.clone());
        patient_counts.push(nc);
        patient_counts.push(tc);
    }
    if k >= 2 {
        cols.push(("smd".into(), Col::Float(smd)));
        derived.push(Derived {
            column: "smd".into(),
            from: all_counts[..4].to_vec(),
        });
        notes.push("smd: standardised difference, cohort 1 vs cohort 2".into());
    }
    let batch = with_population(make_batch(cols)?, &{
        let mut f = Fingerprint::new("baseline");
        f.int(i64::from(opts.lookback_days))
            .int(i64::from(opts.atc_level))
            .int(i64::from(opts.chapters));
        for (_, r) in cohorts {
            f.rows(store, r);
        }
        f.finish()
    });
    // n_i of the persons and sex rows counts the persons of cohort i.
    let measures: Vec<(String, String)> = cohorts
        .iter()
        .enumerate()
        .map(|(i, (_, r))| (format!("n_{}", i + 1), persons_measure(store, r, &[], true)))
        .collect();
    let measures: Vec<(&str, String)> = measures
        .iter()
        .map(|(c, m)| (c.as_str(), m.clone()))
        .collect();
    Ok(Aggregate {
        name: "baseline".into(),
        batch: with_persons(batch, &measures),
        dims: vec![],
        patient_counts,
        derived,
        complements,
        notes,
        protected_k: None,
    })
}
