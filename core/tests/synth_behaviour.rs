//! Behaviour of the synthetic population (100 000 patients, 2019–2023) against what is known of
//! French patients: higher mortality in the year after an acute myocardial infarction, an
//! ischaemic stroke or a hip fracture than in patients of the same sex and age without one;
//! background care for nearly everyone; plausible ALD shares among the patients of each
//! condition; flux dates on or after care dates in the rendered `ER_PRS_F`.
//!
//! Each reference is computed here from the events (never from the generator's parameters), and
//! each bound is a published figure with a stated tolerance.

mod synth_support;

use std::collections::BTreeMap;
use std::sync::OnceLock;

use arrow_array::cast::AsArray;
use arrow_array::types::Date32Type;
use arrow_array::Array;
use cohorte_core::dates::{self, Day};
use cohorte_core::model::{observation, sex, Event, EventKind, Population, Role};
use cohorte_core::synth::SynthConfig;
use cohorte_core::Dataset;
use synth_support::{by_patient, generated};

fn pop() -> &'static Population {
    static POP: OnceLock<Population> = OnceLock::new();
    generated(&POP, 2024, 100_000)
}

fn icd<'a>(pop: &'a Population, e: &Event) -> Option<&'a str> {
    matches!(
        e.kind,
        EventKind::Diagnosis | EventKind::Stay | EventKind::Ald
    )
    .then(|| pop.dicts.icd10.code(e.code))
}

fn atc<'a>(pop: &'a Population, e: &Event) -> Option<&'a str> {
    (e.kind == EventKind::Dispensing).then(|| pop.dicts.drug_atc[e.code as usize].as_str())
}

fn starts(code: &str, prefixes: &[&str]) -> bool {
    prefixes.iter().any(|p| code.starts_with(p))
}

/// 5-year age band (0–19 together, 95+ together) of a person born on `birth` at `at`.
fn band(birth: Day, at: Day) -> i32 {
    (dates::age_at(birth, at) / 5).clamp(3, 19)
}

/// Observed and expected deaths within 365 days of the first admission for one of `prefixes`
/// (main diagnosis of a stay), admissions in 2019–2022 so that the year after is in the data.
/// Expected: for each case, the one-year death risk of the patients of the same sex and 5-year
/// age band never admitted for an acute MI, stroke or hip fracture, measured over the calendar
/// year of the admission among those alive on its first day.
fn observed_expected(prefixes: &[&str]) -> (usize, f64, usize) {
    let pop = pop();
    let patients = by_patient(pop);
    let acute = ["I21", "I63", "S72"];
    let first_stay = |events: &[Event], pre: &[&str]| -> Option<Day> {
        events
            .iter()
            .filter(|e| e.kind == EventKind::Stay && icd(pop, e).is_some_and(|c| starts(c, pre)))
            .map(|e| e.start)
            .min()
    };
    // Controls: one-year risk by (sex, band, year).
    let mut at_risk: BTreeMap<(u8, i32, i32), (usize, usize)> = BTreeMap::new();
    for (p, events) in patients.iter().enumerate() {
        if first_stay(events, &acute).is_some() {
            continue;
        }
        let pat = &pop.patients[p];
        for y in 2019..=2022 {
            let jan1 = dates::from_ymd(y, 1, 1);
            if pat.birth > jan1 || pat.death.is_some_and(|d| d < jan1) {
                continue;
            }
            let e = at_risk
                .entry((pat.sex, band(pat.birth, jan1), y))
                .or_default();
            e.0 += 1;
            if pat.death.is_some_and(|d| d < dates::from_ymd(y + 1, 1, 1)) {
                e.1 += 1;
            }
        }
    }
    let (mut observed, mut expected, mut cases) = (0, 0.0, 0);
    let last = dates::from_ymd(2022, 12, 31);
    for (p, events) in patients.iter().enumerate() {
        let Some(adm) = first_stay(events, prefixes) else {
            continue;
        };
        if adm > last {
            continue;
        }
        let pat = &pop.patients[p];
        let key = (pat.sex, band(pat.birth, adm), dates::year(adm));
        let Some(&(n, d)) = at_risk.get(&key) else {
            continue;
        };
        if n < 30 {
            continue;
        }
        cases += 1;
        expected += d as f64 / n as f64;
        if pat.death.is_some_and(|d| d <= adm + 365) {
            observed += 1;
        }
    }
    (observed, expected, cases)
}

#[test]
fn synth_mortality_after_severe_events_exceeds_matched_patients() {
    // One-year mortality after a first acute MI is about 10–15 % in France (FAST-MI 2015), after
    // an ischaemic stroke about 20 % (AVC registers, Dijon), after a hip fracture about 20–25 %
    // (French hip-fracture cohorts): two to several times that of people of the same sex and
    // age. The test asks for at least 1.5 times the matched risk, with an excess larger than
    // three Poisson standard deviations of the expected count.
    for (name, prefixes, min_cases) in [
        ("acute myocardial infarction", &["I21"][..], 150),
        ("ischaemic stroke", &["I63"][..], 150),
        ("hip fracture", &["S72"][..], 150),
    ] {
        let (o, e, n) = observed_expected(prefixes);
        println!(
            "{name}: {n} cases, {o} deaths within a year, {e:.1} expected ({:.1} % vs {:.1} %)",
            100.0 * o as f64 / n as f64,
            100.0 * e / n as f64
        );
        assert!(n >= min_cases, "{name}: only {n} cases");
        assert!(o as f64 >= 1.5 * e, "{name}: {o} deaths, {e:.1} expected");
        assert!(
            o as f64 - e > 3.0 * e.sqrt(),
            "{name}: {o} deaths, {e:.1} expected"
        );
        // And not absurdly high: one-year mortality under 45 %.
        assert!((o as f64) < 0.45 * n as f64, "{name}: {o} deaths among {n}");
    }
}

/// Visits (GP, home visits) or dispensings of the common acute drugs (paracetamol, amoxicillin,
/// ibuprofen, omeprazole...) of a patient, between two days.
fn background(pop: &Population, events: &[Event], lo: Day, hi: Day) -> bool {
    events.iter().any(|e| {
        e.start >= lo
            && e.start <= hi
            && (e.kind == EventKind::Visit
                || atc(pop, e).is_some_and(|a| starts(a, &["N02BE", "J01C", "M01AE", "A02BC"])))
    })
}

#[test]
fn synth_background_care_for_nearly_everyone() {
    let pop = pop();
    let patients = by_patient(pop);
    // Over the whole observation: nobody observed 5 full years goes without a GP visit or a
    // common drug (in the SNDS, under 1 % of people have no reimbursed care over 5 years).
    let (mut full, mut full_none, mut year, mut year_none) = (0, 0, 0, 0);
    // Per calendar year: DREES reports that about 85 % of people see a GP at least once a
    // year. The generator draws visits from a Poisson rate per age, sex and number of
    // conditions times a yearly frailty (CALIBRATION.md holds it to 85 ± 4 %): the bound here
    // only checks that most people, but not literally everyone, have a visit each year.
    let (mut person_years, mut with_gp) = (0, 0);
    for (p, events) in patients.iter().enumerate() {
        let pat = &pop.patients[p];
        let Some((lo, hi)) = observation(pat.birth, pat.death, pop.data_start, pop.data_end) else {
            continue;
        };
        if hi - lo + 1 >= 365 {
            year += 1;
            if !background(pop, events, lo, hi) {
                year_none += 1;
            }
        }
        if lo == pop.data_start && hi == pop.data_end {
            full += 1;
            if !background(pop, events, lo, hi) {
                full_none += 1;
            }
        }
        for y in dates::year(pop.data_start)..=dates::year(pop.data_end) {
            let (a, b) = (dates::from_ymd(y, 1, 1), dates::from_ymd(y, 12, 31));
            if lo > a || hi < b {
                continue;
            }
            person_years += 1;
            if events
                .iter()
                .any(|e| e.kind == EventKind::Visit && e.start >= a && e.start <= b)
            {
                with_gp += 1;
            }
        }
    }
    let share = |n: usize, d: usize| n as f64 / d as f64;
    println!(
        "no background care: {full_none} of {full} observed 5 years, {year_none} of {year} observed ≥ 1 year; a visit in {:.1} % of person-years",
        100.0 * share(with_gp, person_years)
    );
    assert!(full > 50_000, "{full}");
    assert!(share(full_none, full) < 0.005, "{full_none} of {full}");
    // Observed one year only, a child (2.5 GP visits a year) may have none: under 3 %.
    assert!(share(year_none, year) < 0.03, "{year_none} of {year}");
    let gp = share(with_gp, person_years);
    assert!(
        (0.77..0.995).contains(&gp),
        "visit in {gp:.3} of person-years"
    );
}

/// A condition: name, ICD-10 prefixes, specific ATC prefixes, bounds of its ALD share.
type Condition = (
    &'static str,
    &'static [&'static str],
    &'static [&'static str],
    (f64, f64),
);

#[test]
fn synth_ald_shares_by_condition_are_plausible() {
    let pop = pop();
    let patients = by_patient(pop);
    // Patients of each condition, found without the ALD register: a hospital diagnosis (any
    // role) or a drug specific to the condition. Share of them with an ALD for the condition,
    // against Cnam figures (ALD counts over the people of the « Data pathologies »
    // cartography, 2022), with a tolerance of about 20 points.
    let conditions: &[Condition] = &[
        // ~ 3.3 M ALD 8 for 4.1 M people treated for diabetes.
        (
            "diabetes",
            &["E10", "E11", "E13", "E14"],
            &["A10"],
            (0.55, 0.98),
        ),
        // ALD 5 covers most heart failure patients identified by a hospital stay.
        ("heart failure", &["I50"], &[], (0.4, 0.95)),
        // ALD 30 covers most active breast cancers (5 years after diagnosis).
        ("breast cancer", &["C50"], &["L02B"], (0.5, 1.0)),
        // ALD 15: about 2 in 3 people identified with dementia.
        (
            "dementia",
            &["F00", "F01", "F02", "F03", "G30"],
            &["N06D"],
            (0.35, 0.9),
        ),
        // ALD 1 after an ischaemic stroke, for sequelae: about half.
        ("ischaemic stroke", &["I63", "I69"], &[], (0.25, 0.9)),
        // ALD 13: about 2 in 3 people with coronary disease.
        (
            "coronary disease",
            &["I20", "I21", "I25"],
            &[],
            (0.35, 0.95),
        ),
        // ALD 14 is for chronic respiratory failure: a minority of COPD patients.
        ("COPD", &["J44"], &[], (0.05, 0.6)),
    ];
    for (name, icds, atcs, (lo, hi)) in conditions {
        let (mut n, mut ald) = (0, 0);
        for events in &patients {
            let has = events.iter().any(|e| {
                (e.kind == EventKind::Diagnosis && icd(pop, e).is_some_and(|c| starts(c, icds)))
                    || atc(pop, e).is_some_and(|a| starts(a, atcs))
            });
            if !has {
                continue;
            }
            n += 1;
            if events.iter().any(|e| {
                e.kind == EventKind::Ald
                    && e.role == Role::ALD
                    && icd(pop, e).is_some_and(|c| starts(c, icds))
            }) {
                ald += 1;
            }
        }
        let share = ald as f64 / n as f64;
        println!(
            "{name}: {ald} ALD among {n} patients ({:.1} %)",
            100.0 * share
        );
        assert!(n >= 200, "{name}: {n} patients");
        assert!(
            (*lo..=*hi).contains(&share),
            "{name}: ALD share {share:.3} outside {lo}–{hi}"
        );
    }
    // Hypertension left the ALD list in 2011: no ALD is registered for it.
    let htn = pop
        .events
        .iter()
        .filter(|e| e.kind == EventKind::Ald && icd(pop, e).is_some_and(|c| c.starts_with("I10")))
        .count();
    assert_eq!(htn, 0);
}

#[test]
fn synth_flux_dates_follow_care_dates() {
    // docs/snds-facts.md: the flux month (FLX_DIS_DTD) is on or after the care (EXE_SOI_DTD), up to about
    // six months later; the processing date (FLX_TRT_DTD) too.
    let ds = Dataset::synthetic(&SynthConfig {
        seed: 8,
        patients: 5000,
        ..SynthConfig::default()
    })
    .unwrap();
    let prs = ds.table("ER_PRS_F").unwrap();
    assert!(prs.num_rows() > 100_000, "{}", prs.num_rows());
    let col = |n: &str| {
        prs.column(prs.schema().index_of(n).unwrap())
            .as_primitive::<Date32Type>()
            .clone()
    };
    let (care, flx, trt) = (col("EXE_SOI_DTD"), col("FLX_DIS_DTD"), col("FLX_TRT_DTD"));
    assert_eq!(care.null_count() + flx.null_count() + trt.null_count(), 0);
    let mut lag: BTreeMap<i32, usize> = BTreeMap::new();
    for r in 0..prs.num_rows() {
        let (c, f, t) = (care.value(r), flx.value(r), trt.value(r));
        assert!(f >= c, "row {}: flux {} before care {}", r + 1, f, c);
        assert!(t >= c, "row {}: processing {} before care {}", r + 1, t, c);
        assert!(
            f - c <= 7 * 31,
            "row {}: flux {} days after care",
            r + 1,
            f - c
        );
        *lag.entry((f - c) / 31).or_default() += 1;
    }
    // Lags are spread over the months, not all the same.
    assert!(lag.len() >= 5, "{lag:?}");
    // Patients' sexes are known in the rendered table (1 or 2).
    let sx = prs
        .column(prs.schema().index_of("BEN_SEX_COD").unwrap())
        .as_primitive::<arrow_array::types::Int32Type>();
    assert!((0..sx.len()).all(|r| [sex::MALE as i32, sex::FEMALE as i32].contains(&sx.value(r))));
}
