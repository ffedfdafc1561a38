//! The publication layer (`Release`) attacked by a reader who combines what was published:
//! two cohorts that differ by 1 to k − 1 persons (an age threshold, a one-day shift of the entry
//! dates, Table 1 side by side), one cohort in separate calls, the Kaplan–Meier curve's
//! extremes, pathways' prefixes. Each attack is shown to succeed against suppression alone
//! (`method: suppress`), so the tests can fail, and to fail against the default cell-key
//! method. The populations are built here, by hand, so no figure depends on the synthetic
//! generator; the truth the attacks are checked against is computed here from the rows.

mod agg_support;

use std::collections::BTreeMap;

use agg_support::*;
use cohorte_core::aggregate::*;
use cohorte_core::dates::{age_at, from_ymd, Day};
use cohorte_core::disclosure::cellkey::{ptable_row, publish_count};
use cohorte_core::model::{CohortRows, Population};
use cohorte_core::referential::dept_index;
use cohorte_core::release::{Method, Release, ReleaseOptions};
use cohorte_core::rng::Rng;
use cohorte_core::EventStore;

const DEPTS: [&str; 4] = ["69", "75", "13", "33"];
const ATC: [&str; 3] = ["C09AA05", "A10BA02", "N02BE01"];

/// A population of `n` persons aged 25–85 entering on a day of 2019 after January 1st, plus a
/// group of `g` persons who differ: aged 18–19 at index (`young`) or entering on 2019-01-01.
/// Returns the population, every person's index date, and the group's persons.
fn population_with_group(
    seed: u64,
    n: usize,
    g: usize,
    young: bool,
) -> (Population, Vec<Day>, Vec<u32>) {
    let mut rng = Rng::new(seed);
    let mut pop = population();
    let mut index = vec![];
    let mut group = vec![];
    for i in 0..n + g {
        let in_group = i >= n;
        let day = if in_group && !young {
            from_ymd(2019, 1, 1)
        } else {
            from_ymd(2019, 1, 2) + rng.range_i32(0, 360)
        };
        let age = if in_group && young {
            rng.range_i32(18, 19)
        } else {
            rng.range_i32(25, 85)
        };
        let birth = day - age * 365 - 200;
        let sex = if rng.chance(0.5) { 1 } else { 2 };
        let dept = dept_index(DEPTS[rng.below(4) as usize]).unwrap();
        let p = patient(&mut pop, sex, birth, None, dept);
        for a in ATC {
            if rng.chance(0.4) {
                dispense(&mut pop, p, day - rng.range_i32(0, 300), a, 1);
            }
            if rng.chance(0.3) {
                dispense(&mut pop, p, day + rng.range_i32(1, 600), a, 1);
            }
        }
        if rng.chance(0.3) {
            diagnose(&mut pop, p, day + rng.range_i32(1, 1200), "I21");
        }
        index.push(day);
        if in_group {
            group.push(p);
        }
    }
    (pop, index, group)
}

/// Cohort rows of the persons kept by `keep(person, index)`, followed to the end of the data.
fn cohort(pop: &Population, index: &[Day], keep: impl Fn(u32, Day) -> bool) -> CohortRows {
    let end = pop.data_end;
    rows(
        (0..index.len() as u32)
            .filter(|&p| keep(p, index[p as usize]))
            .map(|p| (p, index[p as usize], end))
            .collect(),
    )
}

fn release(store: &EventStore, method: Method) -> Release {
    Release::new(store, ReleaseOptions::new(10, method)).unwrap()
}

/// Published cells of a counts table by strata key (`None` when suppressed).
fn cells(a: &Aggregate, dims: &[&str]) -> BTreeMap<Vec<Option<String>>, Option<i64>> {
    let cols: Vec<Vec<Option<String>>> = dims.iter().map(|d| a.strings(d).unwrap()).collect();
    let v = a.ints("persons").unwrap();
    (0..a.num_rows())
        .map(|r| (cols.iter().map(|c| c[r].clone()).collect(), v[r]))
        .collect()
}

/// What the differencing reader finds about the group: its size, its numbers by sex and by
/// département, as the differences of the two cohorts' published cells (None where a cell is
/// missing from either side).
fn difference(
    rel: &mut Release,
    store: &EventStore,
    a: &CohortRows,
    b: &CohortRows,
) -> BTreeMap<String, Option<i64>> {
    let mut out = BTreeMap::new();
    for (dim, col) in [(Dim::Sex, "sex"), (Dim::Dept, "dept")] {
        let opts = CountOptions {
            dims: vec![dim],
            margins: true,
        };
        let ca = cells(&rel.counts(store, a, &opts).unwrap(), &[col]);
        let cb = cells(&rel.counts(store, b, &opts).unwrap(), &[col]);
        for (key, va) in &ca {
            let vb = cb.get(key).copied().flatten();
            let name = format!("{col}={}", key[0].clone().unwrap_or("all".into()));
            out.insert(name, va.zip(vb).map(|(x, y)| x - y));
        }
    }
    out
}

/// The group's true numbers, named as [`difference`] names them.
fn truth(store: &EventStore, a: &CohortRows, b: &CohortRows) -> BTreeMap<String, Option<i64>> {
    let in_b: std::collections::BTreeSet<u32> = b.person.iter().copied().collect();
    let group: Vec<usize> = a
        .person
        .iter()
        .filter(|p| !in_b.contains(p))
        .map(|&p| p as usize)
        .collect();
    let mut out = BTreeMap::new();
    out.insert("sex=all".to_string(), Some(group.len() as i64));
    out.insert("dept=all".to_string(), Some(group.len() as i64));
    for (dim, col) in [(Dim::Sex, "sex"), (Dim::Dept, "dept")] {
        let mut by: BTreeMap<String, i64> = BTreeMap::new();
        for p in 0..store.n_patients() {
            by.entry(dim.value(store, p, 0)).or_default();
        }
        for &p in &group {
            *by.entry(dim.value(store, p, 0)).or_default() += 1;
        }
        for (v, n) in by {
            out.insert(format!("{col}={v}"), Some(n));
        }
    }
    out
}

/// Over 30 pairs of cohorts differing by 1 to 9 persons, how many times the reader rebuilds
/// the group exactly (its size, sex and département), and how many times a lone person's age
/// exactly from Table 1 side by side (mean age × n, cohort minus cohort).
fn differencing(method: Method, young: bool) -> (usize, usize, usize, usize) {
    let (mut exact, mut ages, mut lone) = (0, 0, 0);
    let trials = 30;
    for t in 0..trials {
        let g = 1 + (t % 9);
        let (pop, index, group) = population_with_group(100 + t as u64, 240, g, young);
        let store = store(&pop);
        let a = cohort(&pop, &index, |_, _| true);
        let b = if young {
            // Age ≥ 20 at index instead of ≥ 18.
            cohort(&pop, &index, |p, d| {
                age_at(pop.patients[p as usize].birth, d) >= 20
            })
        } else {
            // Entry from 2019-01-02 instead of 2019-01-01.
            cohort(&pop, &index, |_, d| d >= from_ymd(2019, 1, 2))
        };
        assert_eq!(a.len() - b.len(), g);
        let mut rel = release(&store, method);
        let found = difference(&mut rel, &store, &a, &b);
        let real = truth(&store, &a, &b);
        if found
            .iter()
            .all(|(k, v)| v.is_some() && real.get(k) == Some(v))
        {
            exact += 1;
        }
        if g == 1 {
            lone += 1;
            let t1 = rel
                .baseline(&store, &[("a", &a), ("b", &b)], &BaselineOptions::default())
                .unwrap();
            let var = t1.strings("variable").unwrap();
            let r = var
                .iter()
                .position(|v| v.as_deref() == Some("age"))
                .unwrap();
            let (m1, m2) = (
                t1.floats("value_1").unwrap()[r],
                t1.floats("value_2").unwrap()[r],
            );
            let (n1, n2) = (t1.ints("n_1").unwrap()[r], t1.ints("n_2").unwrap()[r]);
            if let (Some(m1), Some(m2), Some(n1), Some(n2)) = (m1, m2, n1, n2) {
                let guess = m1 * n1 as f64 - m2 * n2 as f64;
                let p = group[0] as usize;
                let age = age_at(pop.patients[p].birth, index[p]) as f64;
                if (guess - age).abs() < 0.5 {
                    ages += 1;
                }
            }
        }
    }
    (exact, trials, ages, lone)
}

#[test]
fn release_differencing_an_age_threshold() {
    let (exact, trials, ages, lone) = differencing(Method::Suppress, true);
    assert_eq!(exact, trials, "suppression alone: every group rebuilt");
    assert_eq!(
        ages, lone,
        "suppression alone: every lone person's age rebuilt"
    );
    let (exact, _, ages, lone) = differencing(Method::CellKey, true);
    assert!(
        exact <= 3,
        "cell key: {exact} of {trials} groups rebuilt exactly"
    );
    assert!(
        ages * 3 <= lone,
        "cell key: {ages} of {lone} lone ages rebuilt"
    );
}

#[test]
fn release_differencing_a_one_day_shift() {
    let (exact, trials, ..) = differencing(Method::Suppress, false);
    assert_eq!(exact, trials, "suppression alone: every group rebuilt");
    let (exact, ..) = differencing(Method::CellKey, false);
    assert!(
        exact <= 3,
        "cell key: {exact} of {trials} groups rebuilt exactly"
    );
}

#[test]
fn release_same_cells_same_values() {
    let (pop, index, _) = population_with_group(7, 400, 0, true);
    let store = store(&pop);
    let all = cohort(&pop, &index, |_, _| true);
    let men = cohort(&pop, &index, |p, _| pop.patients[p as usize].sex == 1);
    let mut rel = release(&store, Method::CellKey);
    let by_sex = CountOptions {
        dims: vec![Dim::Sex],
        margins: true,
    };
    // Repeating a call gives the same table: nothing to average.
    let t1 = rel.counts(&store, &all, &by_sex).unwrap();
    let t2 = rel.counts(&store, &all, &by_sex).unwrap();
    assert_eq!(t1.batch, t2.batch);
    // The men's cell of the whole cohort is the men's cohort's total, in any table.
    let men_cell = cells(&t1, &["sex"])[&vec![Some("1".to_string())]];
    let men_total = rel.counts(&store, &men, &CountOptions::default()).unwrap();
    assert_eq!(men_total.ints("persons").unwrap()[0], men_cell);
    let t1_men = rel
        .baseline(&store, &[("men", &men)], &BaselineOptions::default())
        .unwrap();
    assert_eq!(t1_men.ints("total_1").unwrap()[0], men_cell);
    let paths = rel
        .pathways(&store, &men, &PathwayOptions::default())
        .unwrap();
    assert_eq!(
        paths.ints("persons").unwrap().last().copied().flatten(),
        men_cell
    );
    // The cohort's total is the same in counts, Table 1, pathways and incidence.
    let total = cells(&t1, &["sex"])[&vec![None]];
    let inc = rel
        .incidence(&store, &all, &IncidenceOptions::new(Outcome::death()))
        .unwrap();
    assert_eq!(inc.ints("persons").unwrap()[0], total);
    // A second release on the same data publishes the same values; a secret changes them.
    let mut again = release(&store, Method::CellKey);
    assert_eq!(again.counts(&store, &all, &by_sex).unwrap().batch, t1.batch);
    let opts = ReleaseOptions {
        secret: Some("another secret".into()),
        ..Default::default()
    };
    let mut other = Release::new(&store, opts).unwrap();
    let dept = CountOptions {
        dims: vec![Dim::Dept, Dim::Sex],
        margins: true,
    };
    assert_ne!(
        other.counts(&store, &all, &dept).unwrap().batch,
        rel.counts(&store, &all, &dept).unwrap().batch
    );
    // Every published count is 0, suppressed or within max_noise of the truth and ≥ k.
    let raw = counts(&store, &all, &dept).unwrap();
    let published = rel.counts(&store, &all, &dept).unwrap();
    for (x, y) in raw
        .ints("persons")
        .unwrap()
        .iter()
        .zip(published.ints("persons").unwrap())
    {
        let x = x.unwrap();
        match y {
            None => assert!((1..10).contains(&x)),
            Some(0) => assert_eq!(x, 0),
            Some(y) => assert!(y >= 10 && (y - x).abs() <= 3, "{x} published as {y}"),
        }
    }
    assert_eq!(rel.ledger().len(), 8);
}

#[test]
fn release_fixture_perturbation_table() {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../fixtures/disclosure/cell_key.json"
    ))
    .unwrap();
    let f: serde_json::Value = serde_json::from_str(&text).unwrap();
    for row in f["rows"].as_array().unwrap() {
        let w = row["w"].as_u64().unwrap() as u32;
        let mut slots: BTreeMap<i64, usize> = BTreeMap::new();
        for p in ptable_row(w) {
            *slots.entry(p).or_default() += 1;
        }
        let expected: BTreeMap<i64, usize> = row["slots"]
            .as_object()
            .unwrap()
            .iter()
            .map(|(j, n)| (j.parse().unwrap(), n.as_u64().unwrap() as usize))
            .collect();
        assert_eq!(slots, expected, "w = {w}");
    }
    for c in f["counts"].as_array().unwrap() {
        let got = publish_count(
            c["n"].as_i64().unwrap(),
            c["key"].as_u64().unwrap() as u32,
            c["k"].as_u64().unwrap() as u32,
            c["max_noise"].as_u64().unwrap() as u32,
        );
        assert_eq!(got, c["published"].as_i64(), "{c}");
    }
}

#[test]
fn release_one_cohort_in_separate_calls() {
    // Age bands and sex, with and without margins, then each stratum alone: with suppression
    // the release audits each call with what it already published on the cohort, yet the
    // reader who subtracts a margin's published cells from it rebuilds a masked cell; with the
    // cell-key method the subtraction gives the cell plus noise.
    let (pop, index, _) = population_with_group(11, 150, 0, true);
    let store = store(&pop);
    let all = cohort(&pop, &index, |_, _| true);
    let calls = [
        CountOptions {
            dims: vec![Dim::AgeBand(AgeBands::Ten), Dim::Sex],
            margins: false,
        },
        CountOptions {
            dims: vec![Dim::AgeBand(AgeBands::Ten), Dim::Sex],
            margins: true,
        },
        CountOptions {
            dims: vec![Dim::AgeBand(AgeBands::Ten)],
            margins: false,
        },
        CountOptions {
            dims: vec![Dim::Sex],
            margins: false,
        },
    ];
    let raw = counts(&store, &all, &calls[1]).unwrap();
    let truth = cells(&raw, &["age_band", "sex"]);
    for method in [Method::Suppress, Method::CellKey] {
        let mut rel = release(&store, method);
        let mut known: BTreeMap<Vec<Option<String>>, i64> = BTreeMap::new();
        let mut masked = 0;
        for opts in &calls {
            let Ok(t) = rel.counts(&store, &all, opts) else {
                continue;
            };
            let dims: Vec<&str> = opts.dims.iter().map(|d| d.column()).collect();
            for (key, v) in cells(&t, &dims) {
                // Keys in the (age_band, sex) space: a missing stratum is a margin.
                let full = vec![
                    if dims.contains(&"age_band") {
                        key[0].clone()
                    } else {
                        None
                    },
                    if dims.contains(&"sex") {
                        key.last().cloned().flatten()
                    } else {
                        None
                    },
                ];
                match v {
                    Some(v) => {
                        known.insert(full, v);
                    }
                    None => masked += 1,
                }
            }
        }
        // The reader: a cell = its row margin minus the other published cells of the row.
        let (mut rebuilt, mut tried) = (0, 0);
        for (key, value) in &truth {
            let (Some(band), Some(sex)) = (&key[0], &key[1]) else {
                continue;
            };
            let value = value.unwrap();
            if !(1..10).contains(&value) || known.contains_key(key) {
                continue;
            }
            let Some(margin) = known.get(&vec![Some(band.clone()), None]) else {
                continue;
            };
            let others: Option<i64> = truth
                .keys()
                .filter(|k| {
                    k[0].as_ref() == Some(band) && k[1].is_some() && k[1].as_ref() != Some(sex)
                })
                .map(|k| known.get(k).copied())
                .sum();
            if let Some(o) = others {
                tried += 1;
                if margin - o == value {
                    rebuilt += 1;
                }
            }
        }
        match method {
            // Suppression, even audited with the ledger: the audit does not know that a table
            // by age band holds the margins of a table by age band and sex, and the reader
            // subtracts.
            Method::Suppress => assert!(rebuilt >= 1, "none of {masked} masked cells rebuilt"),
            // Perturbation: the subtraction gives the cell plus noise, right by chance only.
            Method::CellKey => assert!(
                rebuilt * 2 <= tried.max(1),
                "{rebuilt} of {tried} masked cells rebuilt"
            ),
        }
    }
}

#[test]
fn release_kaplan_meier_extremes() {
    let (pop, index, _) = population_with_group(13, 300, 0, true);
    let store = store(&pop);
    let all = cohort(&pop, &index, |_, _| true);
    let outcome = || {
        Outcome::from_codes(
            &store,
            &[(
                cohorte_core::EventKind::Diagnosis,
                cohorte_core::model::CodeSystem::Icd10,
                "I21",
            )],
        )
        .unwrap()
    };
    let subj = survival::subjects(&store, &all, &outcome(), true).unwrap();
    let longest = subj.iter().map(|s| s.0).max().unwrap();
    let exact_times: std::collections::BTreeSet<i64> = subj.iter().map(|s| s.0).collect();
    // Suppression alone publishes individual exit days, the longest follow-up among them.
    let mut rel = release(&store, Method::Suppress);
    let mut opts = SurvivalOptions::new(outcome());
    opts.times = vec![0, 365, 730, 1095, longest];
    let km = rel.kaplan_meier(&store, &all, &opts).unwrap();
    let times: Vec<i64> = km
        .curve
        .ints("time")
        .unwrap()
        .into_iter()
        .flatten()
        .collect();
    assert_eq!(times.last().copied(), Some(longest));
    // The cell-key method: times are multiples of the grain, below the longest follow-up;
    // every count is 0 or at least k, at every k.
    for k in [10, 20, 40] {
        let mut o = ReleaseOptions::new(k, Method::CellKey);
        o.time_grain = 30;
        let mut rel = Release::new(&store, o).unwrap();
        let km = rel.kaplan_meier(&store, &all, &opts).unwrap();
        for t in km.curve.ints("time").unwrap().into_iter().flatten() {
            assert_eq!(t % 30, 0);
            assert!(
                t <= longest / 30 * 30,
                "time {t} past the longest follow-up's interval"
            );
        }
        for t in km.at_risk.ints("time").unwrap().into_iter().flatten() {
            assert_eq!(t % 30, 0);
        }
        for c in ["n_risk", "n_event", "n_censor"] {
            for v in km.curve.ints(c).unwrap().into_iter().flatten() {
                assert!(v == 0 || v >= i64::from(k), "{c} = {v} at k = {k}");
            }
        }
        let s: Vec<f64> = km
            .curve
            .floats("survival")
            .unwrap()
            .into_iter()
            .flatten()
            .collect();
        assert!(s.windows(2).all(|w| w[1] <= w[0]));
        let median = km.summary.floats("median").unwrap()[0];
        if let Some(m) = median {
            assert!(!exact_times.contains(&(m as i64)) || (m as i64) % 30 == 0);
        }
    }
}

#[test]
fn release_pathways_prefixes() {
    // Pathways with 2 and with 3 lines: with the cell-key method every published sequence
    // stands for at least k persons, and the 3-line groups under a 2-line prefix do not add up
    // to exactly the prefix's true size minus a small group (they are perturbed).
    let (pop, index, _) = population_with_group(17, 400, 0, true);
    let store = store(&pop);
    let all = cohort(&pop, &index, |_, _| true);
    let mut rel = release(&store, Method::CellKey);
    for lines in [2, 3] {
        let opts = PathwayOptions {
            max_lines: lines,
            ..Default::default()
        };
        let raw = pathways(
            &store,
            &all,
            &PathwayOptions {
                min_count: 10,
                ..opts.clone()
            },
        )
        .unwrap();
        let p = rel.pathways(&store, &all, &opts).unwrap();
        assert_eq!(
            raw.strings("sequence").unwrap(),
            p.strings("sequence").unwrap()
        );
        for (x, y) in raw
            .ints("persons")
            .unwrap()
            .iter()
            .zip(p.ints("persons").unwrap())
        {
            let x = x.unwrap();
            match y {
                None => assert!((1..10).contains(&x)),
                Some(y) => assert!(y == 0 && x == 0 || y >= 10 && (y - x).abs() <= 3),
            }
        }
    }
}

#[test]
fn release_bad_options_are_named() {
    let (pop, _, _) = population_with_group(1, 20, 0, true);
    let store = store(&pop);
    let e = Release::new(&store, ReleaseOptions::new(1, Method::CellKey)).unwrap_err();
    assert!(e.to_string().starts_with("k:"), "{e}");
    let e = ReleaseOptions::from_json(r#"{"method": "noise"}"#).unwrap_err();
    assert!(e.to_string().starts_with("method:"), "{e}");
    let e = ReleaseOptions::from_json(r#"{"k": "ten"}"#).unwrap_err();
    assert!(e.to_string().starts_with("k:"), "{e}");
    let e = ReleaseOptions::from_json(r#"{"k": 1}"#).unwrap_err();
    assert!(e.to_string().starts_with("k:"), "{e}");
    let e = ReleaseOptions::from_json(r#"{"kk": 10}"#).unwrap_err();
    assert!(e.to_string().contains("kk"), "{e}");
    let e = ReleaseOptions::from_json(r#"{"max_noise": 0}"#).unwrap_err();
    assert!(e.to_string().starts_with("max_noise:"), "{e}");
    assert!(Method::parse("laplace")
        .unwrap_err()
        .to_string()
        .starts_with("method:"));
    assert_eq!(
        ReleaseOptions::from_json("{}").unwrap(),
        ReleaseOptions::default()
    );
    // A cohort of another dataset.
    let (pop2, index2, _) = population_with_group(2, 30, 0, true);
    let store2 = agg_support::store(&pop2);
    let rows2 = cohort(&pop2, &index2, |_, _| true);
    let mut rel = release(&store, Method::CellKey);
    let e = rel
        .counts(&store2, &rows2, &CountOptions::default())
        .unwrap_err();
    assert!(e.to_string().starts_with("dataset:"), "{e}");
    // The secret is never serialised.
    let o = ReleaseOptions {
        secret: Some("s3cret".into()),
        ..Default::default()
    };
    assert!(!serde_json::to_string(&o).unwrap().contains("s3cret"));
}
