//! Counts, incidence, prevalence, baseline and pathways on a hand-built population, checked
//! against values worked out by hand.

mod agg_support;

use agg_support::*;
use cohorte_core::aggregate::*;
use cohorte_core::dates::from_ymd;
use cohorte_core::disclosure::protect_one;
use cohorte_core::model::{sex, CohortRows, EventKind, Population, DEPT_UNKNOWN};
use cohorte_core::referential::dept_index;
use cohorte_core::EventStore;

fn close(a: f64, b: f64, tol: f64) {
    assert!((a - b).abs() <= tol, "{a} vs {b} (tolerance {tol})");
}

/// p0 man born 1950-06-15 (Rhône), p1 woman 1980 (Rhône), p2 girl 2010 (Paris), p3 man 1940
/// (Paris) dead 2020-06-30, p4 woman 1960 (unknown département).
fn world() -> (Population, EventStore) {
    let mut pop = population();
    let rhone = dept_index("69").unwrap();
    let paris = dept_index("75").unwrap();
    let p0 = patient(&mut pop, sex::MALE, from_ymd(1950, 6, 15), None, rhone);
    let p1 = patient(&mut pop, sex::FEMALE, from_ymd(1980, 1, 15), None, rhone);
    let p2 = patient(&mut pop, sex::FEMALE, from_ymd(2010, 3, 15), None, paris);
    let p3 = patient(
        &mut pop,
        sex::MALE,
        from_ymd(1940, 1, 15),
        Some(from_ymd(2020, 6, 30)),
        paris,
    );
    let p4 = patient(
        &mut pop,
        sex::FEMALE,
        from_ymd(1960, 1, 15),
        None,
        DEPT_UNKNOWN,
    );
    // Outcomes (myocardial infarction).
    diagnose(&mut pop, p0, from_ymd(2019, 6, 1), "I214");
    diagnose(&mut pop, p3, from_ymd(2018, 6, 1), "I10");
    diagnose(&mut pop, p3, from_ymd(2018, 2, 1), "E119");
    diagnose(&mut pop, p3, from_ymd(2017, 6, 1), "I210");
    diagnose(&mut pop, p0, from_ymd(2018, 12, 1), "E119");
    // Drugs.
    dispense(&mut pop, p0, from_ymd(2017, 1, 1), "A10BA02", 1);
    dispense(&mut pop, p0, from_ymd(2019, 1, 10), "C09AA05", 1);
    dispense(&mut pop, p0, from_ymd(2019, 4, 1), "C09AA05", 2);
    dispense(&mut pop, p0, from_ymd(2019, 4, 1), "C10AA05", 1);
    dispense(&mut pop, p0, from_ymd(2019, 5, 1), "C09AA05", 3);
    dispense(&mut pop, p0, from_ymd(2019, 8, 1), "A10BA02", 1);
    dispense(&mut pop, p0, from_ymd(2020, 1, 5), "B01AC06", 1);
    dispense(&mut pop, p1, from_ymd(2019, 6, 30), "C09AA05", 1);
    dispense(&mut pop, p1, from_ymd(2019, 7, 1), "C10AA05", 1);
    dispense(&mut pop, p1, from_ymd(2019, 9, 1), "C09AA05", -1);
    dispense(&mut pop, p2, from_ymd(2019, 12, 1), "R03AC02", 1);
    dispense(&mut pop, p4, from_ymd(2020, 4, 1), "C09AA05", 1);
    let s = store(&pop);
    (pop, s)
}

fn cohort_a() -> CohortRows {
    rows(vec![
        (0, from_ymd(2019, 3, 10), from_ymd(2019, 12, 31)),
        (0, from_ymd(2021, 1, 5), from_ymd(2021, 6, 30)),
        (1, from_ymd(2019, 7, 1), from_ymd(2022, 12, 31)),
        (2, from_ymd(2020, 2, 1), from_ymd(2020, 2, 1)),
        (3, from_ymd(2019, 1, 1), from_ymd(2022, 12, 31)),
    ])
}

fn cohort_b() -> CohortRows {
    rows(vec![
        (2, from_ymd(2020, 2, 1), from_ymd(2020, 2, 1)),
        (4, from_ymd(2020, 5, 1), from_ymd(2021, 5, 1)),
    ])
}

/// Rows of an aggregate as (strata, persons, entries).
fn lookup(a: &Aggregate, dims: &[&str], want: &[Option<&str>]) -> usize {
    let cols: Vec<Vec<Option<String>>> = dims.iter().map(|d| a.strings(d).unwrap()).collect();
    (0..a.num_rows())
        .find(|&r| cols.iter().zip(want).all(|(c, w)| c[r].as_deref() == *w))
        .unwrap_or_else(|| panic!("no row {want:?}"))
}

#[test]
fn agg_counts_by_strata_with_margins() {
    let (_, s) = world();
    let opts = CountOptions {
        dims: vec![Dim::Sex, Dim::Year],
        margins: true,
    };
    let a = counts(&s, &cohort_a(), &opts).unwrap();
    let persons = a.ints("persons").unwrap();
    let entries = a.ints("entries").unwrap();
    let dims = ["sex", "year"];
    // Men: p0 (2019, 2021) and p3 (2019); women: p1 (2019), p2 (2020).
    let r = lookup(&a, &dims, &[Some("1"), None]);
    assert_eq!((persons[r], entries[r]), (Some(2), Some(3)));
    let r = lookup(&a, &dims, &[Some("1"), Some("2019")]);
    assert_eq!((persons[r], entries[r]), (Some(2), Some(2)));
    let r = lookup(&a, &dims, &[None, Some("2019")]);
    assert_eq!((persons[r], entries[r]), (Some(3), Some(3)));
    let r = lookup(&a, &dims, &[None, None]);
    assert_eq!((persons[r], entries[r]), (Some(4), Some(5)));
    // 2 × 3 detail cells observed (men 2019/2021, women 2019/2020) + 2 + 3 margins + total.
    assert_eq!(a.num_rows(), 4 + 2 + 3 + 1);
    assert_eq!(a.dims, vec!["sex", "year"]);
}

#[test]
fn agg_counts_age_bands_region_dept_month() {
    let (_, s) = world();
    let opts = CountOptions {
        dims: vec![Dim::AgeBand(AgeBands::OpenMedic), Dim::Region],
        margins: false,
    };
    let a = counts(&s, &cohort_a(), &opts).unwrap();
    // p0 68 and 70 at index, p3 78: 60+; p1 39: 20-59; p2 9: 0-19. Rhône → 84, Paris → 11.
    let p = a.ints("persons").unwrap();
    let dims = ["age_band", "region"];
    assert_eq!(p[lookup(&a, &dims, &[Some("60+"), Some("84")])], Some(1));
    assert_eq!(p[lookup(&a, &dims, &[Some("60+"), Some("11")])], Some(1));
    assert_eq!(p[lookup(&a, &dims, &[Some("20-59"), Some("84")])], Some(1));
    assert_eq!(p[lookup(&a, &dims, &[Some("0-19"), Some("11")])], Some(1));
    let b = counts(
        &s,
        &cohort_b(),
        &CountOptions {
            dims: vec![Dim::Dept, Dim::Month, Dim::AgeBand(AgeBands::Five)],
            margins: false,
        },
    )
    .unwrap();
    let dims = ["dept", "month", "age_band"];
    lookup(&b, &dims, &[Some("75"), Some("2020-02"), Some("05-09")]);
    lookup(&b, &dims, &[Some("99"), Some("2020-05"), Some("60-64")]);
    // Bandings.
    assert_eq!(AgeBands::OpenDamir.label(85), "80+");
    assert_eq!(AgeBands::OpenDamir.label(25), "20-29");
    assert_eq!(AgeBands::Ten.label(45), "40-49");
    assert_eq!(AgeBands::Five.label(97), "95+");
    assert_eq!(AgeBands::Custom(vec![18, 65]).label(10), "<18");
    assert_eq!(AgeBands::Custom(vec![18, 65]).label(30), "18-64");
    assert!(counts(
        &s,
        &cohort_a(),
        &CountOptions {
            dims: vec![Dim::AgeBand(AgeBands::Custom(vec![20, 10]))],
            margins: false
        }
    )
    .is_err());
}

#[test]
fn agg_counts_protection_masks_derived_entries() {
    let (_, s) = world();
    let mut a = counts(
        &s,
        &cohort_a(),
        &CountOptions {
            dims: vec![Dim::Sex],
            margins: true,
        },
    )
    .unwrap();
    protect_one(&mut a, 3).unwrap();
    // k = 3: sex cells of 2 are masked, the total of 4 has two masked parts and stays.
    let p = a.ints("persons").unwrap();
    let e = a.ints("entries").unwrap();
    let f = a.masked("entries").unwrap();
    let t = lookup(&a, &["sex"], &[None]);
    assert_eq!(p[t], Some(4));
    assert_eq!(e[t], Some(5));
    for r in 0..a.num_rows() {
        if r != t {
            assert_eq!((p[r], e[r], f[r]), (None, None, true));
        }
    }
}

#[test]
fn agg_incidence_rate_and_exact_interval() {
    let (_, s) = world();
    let outcome = Outcome::from_codes(
        &s,
        &[(
            EventKind::Diagnosis,
            cohorte_core::model::CodeSystem::Icd10,
            "I21",
        )],
    )
    .unwrap();
    let a = incidence(&s, &cohort_a(), &IncidenceOptions::new(outcome)).unwrap();
    // p0: case 83 days after index (2019-03-10 → 2019-06-01); p1: 2019-07-01 → 2022-12-31;
    // p2: 0 days; p3: 2019-01-01 → death 2020-06-30 (its 2017 infarction precedes the index).
    let days = (from_ymd(2019, 6, 1) - from_ymd(2019, 3, 10))
        + (from_ymd(2022, 12, 31) - from_ymd(2019, 7, 1))
        + (from_ymd(2020, 6, 30) - from_ymd(2019, 1, 1));
    assert_eq!(from_ymd(2019, 6, 1) - from_ymd(2019, 3, 10), 83);
    let py = days as f64 / 365.25;
    assert_eq!(a.ints("persons").unwrap(), vec![Some(4)]);
    assert_eq!(a.ints("cases").unwrap(), vec![Some(1)]);
    close(a.floats("person_years").unwrap()[0].unwrap(), py, 1e-9);
    close(a.floats("rate").unwrap()[0].unwrap(), 1e5 / py, 1e-6);
    // Exact Poisson limits for 1 event: 0.0253178, 5.5716434.
    close(
        a.floats("lower").unwrap()[0].unwrap(),
        0.0253178 * 1e5 / py,
        1e-2,
    );
    close(
        a.floats("upper").unwrap()[0].unwrap(),
        5.5716434 * 1e5 / py,
        1e-2,
    );

    // By sex: the men hold the case.
    let outcome = Outcome::Codes(vec![(EventKind::Diagnosis, s.icd10.prefix_range("I21"))]);
    let mut o = IncidenceOptions::new(outcome);
    o.dims = vec![Dim::Sex];
    let b = incidence(&s, &cohort_a(), &o).unwrap();
    let c = b.ints("cases").unwrap();
    assert_eq!(c[lookup(&b, &["sex"], &[Some("1")])], Some(1));
    assert_eq!(c[lookup(&b, &["sex"], &[Some("2")])], Some(0));
}

#[test]
fn agg_prevalence_at_a_date() {
    let (_, s) = world();
    let mut o = PrevalenceOptions::at(from_ymd(2020, 1, 15));
    o.dims = vec![Dim::Sex];
    o.margins = true;
    let a = prevalence(&s, &cohort_a(), &o).unwrap();
    let dims = ["sex"];
    let cases = a.ints("cases").unwrap();
    let pop = a.ints("population").unwrap();
    let prev = a.floats("prevalence").unwrap();
    // In the cohort that day: p1 and p3; observed: all five.
    let t = lookup(&a, &dims, &[None]);
    assert_eq!((cases[t], pop[t]), (Some(2), Some(5)));
    close(prev[t].unwrap(), 0.4, 1e-12);
    // Wilson 95 % for 2 / 5: 0.1176 to 0.7693.
    close(a.floats("lower").unwrap()[t].unwrap(), 0.1176, 1e-4);
    close(a.floats("upper").unwrap()[t].unwrap(), 0.7693, 1e-4);
    let m = lookup(&a, &dims, &[Some("1")]);
    assert_eq!((cases[m], pop[m]), (Some(1), Some(2)));
    let f = lookup(&a, &dims, &[Some("2")]);
    assert_eq!((cases[f], pop[f]), (Some(1), Some(3)));
    // After p3's death: p3 leaves both numerator and denominator.
    let b = prevalence(
        &s,
        &cohort_a(),
        &PrevalenceOptions::at(from_ymd(2020, 7, 1)),
    )
    .unwrap();
    assert_eq!(b.ints("cases").unwrap(), vec![Some(1)]);
    assert_eq!(b.ints("population").unwrap(), vec![Some(4)]);
}

#[test]
fn agg_baseline_two_cohorts_with_smd() {
    let (_, s) = world();
    let (a, b) = (rows_of(&cohort_a(), &[0, 1, 3]), cohort_b());
    let t = baseline(&s, &[("A", &a), ("B", &b)], &BaselineOptions::default()).unwrap();
    let var = t.strings("variable").unwrap();
    let lvl = t.strings("level").unwrap();
    let row = |v: &str, l: &str| {
        (0..t.num_rows())
            .find(|&r| var[r].as_deref() == Some(v) && lvl[r].as_deref() == Some(l))
            .unwrap_or_else(|| panic!("no row {v} {l}"))
    };
    let n1 = t.ints("n_1").unwrap();
    let n2 = t.ints("n_2").unwrap();
    let v1 = t.floats("value_1").unwrap();
    let v2 = t.floats("value_2").unwrap();
    let smd = t.floats("smd").unwrap();
    assert_eq!(n1[row("persons", "")], Some(3));
    assert_eq!(n2[row("persons", "")], Some(2));
    // Ages at index: A = 68, 39, 78 (mean 61.667, sd sqrt(820.667 / 2) = 20.2567, median 68);
    // B = 9, 60 (mean 34.5, sd 36.0624).
    let r = row("age", "mean");
    close(v1[r].unwrap(), 185.0 / 3.0, 1e-9);
    close(t.floats("sd_1").unwrap()[r].unwrap(), 20.2567, 1e-4);
    close(t.floats("median_1").unwrap()[r].unwrap(), 68.0, 1e-12);
    close(v2[r].unwrap(), 34.5, 1e-12);
    close(t.floats("sd_2").unwrap()[r].unwrap(), 36.0624, 1e-4);
    // SMD = (61.667 - 34.5) / sqrt((20.2567² + 36.0624²) / 2) = 27.1667 / 29.2475 = 0.92886.
    close(smd[r].unwrap(), 0.92886, 1e-4);
    // C09 in the year before index: A p0, p1 (2/3); B p4 (1/2): (0.6667 - 0.5) /
    // sqrt((0.2222 + 0.25) / 2) = 0.34300.
    let r = row("atc", "C09");
    assert_eq!((n1[r], n2[r]), (Some(2), Some(1)));
    close(smd[r].unwrap(), 0.34300, 1e-4);
    // C10 dispensed on p1's index day counts; A10 (2017) is out of the window for p0.
    assert_eq!(n1[row("atc", "C10")], Some(1));
    assert!((0..t.num_rows()).all(|r| lvl[r].as_deref() != Some("A10")));
    // Sex: men 2/3 vs 0/2 → (0.6667 - 0) / sqrt(0.2222 / 2) = 2.0.
    close(smd[row("sex", "1")].unwrap(), 2.0, 1e-9);
    // Chapters: IV (E11) for p0 and p3, IX (I10) for p3; p3's 2017 I21 is out of the window.
    assert_eq!(n1[row("icd10_chapter", "IV")], Some(2));
    assert_eq!(n1[row("icd10_chapter", "IX")], Some(1));
    close(v1[row("icd10_chapter", "IX")].unwrap(), 1.0 / 3.0, 1e-12);

    // Protected with k = 2: counts of 1 are masked, and so are shares whose complement is 1
    // (C09 in A: 2 of 3, one without).
    let mut p = t.clone();
    protect_one(&mut p, 2).unwrap();
    let v1p = p.floats("value_1").unwrap();
    let smdp = p.floats("smd").unwrap();
    assert_eq!(v1p[row("atc", "C10")], None);
    assert_eq!(v1p[row("atc", "C09")], None);
    assert_eq!(smdp[row("atc", "C09")], None);
    assert_eq!(p.ints("n_1").unwrap()[row("persons", "")], Some(3));
    assert!(baseline(&s, &[], &BaselineOptions::default()).is_err());
}

#[test]
fn agg_pathways_sequences() {
    let (_, s) = world();
    let a = cohort_a();
    let rows = rows_of(&a, &[0, 1, 3]);
    let p = pathways(&s, &rows, &PathwayOptions::default()).unwrap();
    let seq = p.strings("sequence").unwrap();
    let persons = p.ints("persons").unwrap();
    // p0: C09 and C10 the same day, then A10 (B01 after exit is ignored); p1: C10 on its index
    // day then C09; p3: nothing.
    assert_eq!(
        seq,
        vec![
            Some("(none)".to_string()),
            Some("C09+C10 > A10".to_string()),
            Some("C10 > C09".to_string()),
            None
        ]
    );
    assert_eq!(persons, vec![Some(1), Some(1), Some(1), Some(3)]);
    assert_eq!(p.strings("line_2").unwrap()[1].as_deref(), Some("A10"));
    let one = pathways(
        &s,
        &rows,
        &PathwayOptions {
            atc_level: 1,
            max_lines: 1,
            min_count: 0,
        },
    )
    .unwrap();
    // At level 1 both treated persons start with C: one sequence of 2.
    assert_eq!(
        one.strings("sequence").unwrap(),
        vec![Some("C".into()), Some("(none)".into()), None]
    );
    assert_eq!(
        one.ints("persons").unwrap(),
        vec![Some(2), Some(1), Some(3)]
    );
}

/// The cohort restricted to some persons.
fn rows_of(r: &CohortRows, persons: &[u32]) -> CohortRows {
    let keep: Vec<usize> = (0..r.len())
        .filter(|&i| persons.contains(&r.person[i]))
        .collect();
    CohortRows {
        person: keep.iter().map(|&i| r.person[i]).collect(),
        start: keep.iter().map(|&i| r.start[i]).collect(),
        end: keep.iter().map(|&i| r.end[i]).collect(),
    }
}

#[test]
fn agg_bad_input_is_an_error() {
    let (_, s) = world();
    let bad = CohortRows {
        person: vec![99],
        start: vec![0],
        end: vec![1],
    };
    let e = counts(&s, &bad, &CountOptions::default()).unwrap_err();
    assert!(e.to_string().contains("patient 99"), "{e}");
    let back = CohortRows {
        person: vec![0],
        start: vec![10],
        end: vec![1],
    };
    assert!(counts(&s, &back, &CountOptions::default()).is_err());
    let mut o = PrevalenceOptions::at(0);
    o.level = 1.5;
    assert!(prevalence(&s, &cohort_a(), &o).is_err());
    assert!(pathways(
        &s,
        &cohort_a(),
        &PathwayOptions {
            atc_level: 9,
            max_lines: 2,
            min_count: 0,
        }
    )
    .is_err());
}
