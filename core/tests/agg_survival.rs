//! Kaplan–Meier against the textbook 6-MP leukaemia data (Freireich et al. 1963, as printed in
//! Kleinbaum & Klein, *Survival Analysis*, ch. 2), built as a store and cohort.

mod agg_support;

use agg_support::*;
use cohorte_core::aggregate::{kaplan_meier, Outcome, SurvivalOptions};
use cohorte_core::disclosure::protect_one;
use cohorte_core::model::{sex, EventKind};

/// Remission times in weeks of the 6-MP group: relapses, then censored.
const RELAPSE: [i32; 9] = [6, 6, 6, 7, 10, 13, 16, 22, 23];
const CENSORED: [i32; 12] = [6, 9, 10, 11, 17, 19, 20, 25, 32, 32, 34, 35];

fn close(a: f64, b: f64, tol: f64) {
    assert!((a - b).abs() <= tol, "{a} vs {b} (tolerance {tol})");
}

/// One patient per subject; index day 1000, one day per week; relapse = a diagnosis C91.
fn six_mp() -> (cohorte_core::EventStore, cohorte_core::model::CohortRows) {
    let mut pop = population();
    let index = pop.data_start + 100;
    let mut r = vec![];
    for &t in &RELAPSE {
        let p = patient(&mut pop, sex::MALE, index - 10_000, None, 0);
        diagnose(&mut pop, p, index + t, "C910");
        // Follow-up would continue past the relapse.
        r.push((p, index, index + 60));
    }
    for &t in &CENSORED {
        let p = patient(&mut pop, sex::FEMALE, index - 10_000, None, 0);
        // An outcome after exit must not count.
        diagnose(&mut pop, p, index + t + 1, "C910");
        r.push((p, index, index + t));
    }
    (store(&pop), rows(r))
}

#[test]
fn agg_km_six_mp_textbook() {
    let (s, r) = six_mp();
    let outcome = Outcome::Codes(vec![(EventKind::Diagnosis, s.icd10.prefix_range("C91"))]);
    let mut opts = SurvivalOptions::new(outcome);
    opts.times = vec![0, 10, 20];
    let km = kaplan_meier(&s, &r, &opts).unwrap();
    let time = km.curve.ints("time").unwrap();
    let surv = km.curve.floats("survival").unwrap();
    let se = km.curve.floats("std_err").unwrap();
    let lo = km.curve.floats("lower").unwrap();
    let hi = km.curve.floats("upper").unwrap();
    let n_risk = km.curve.ints("n_risk").unwrap();
    // Kleinbaum & Klein table: S(t) and Greenwood SE at each relapse time; band as printed by
    // R `survfit(..., conf.type = "log-log")` for these data.
    let expected = [
        (6, 21, 0.8571, 0.0764, 0.620, 0.952),
        (7, 17, 0.8067, 0.0869, 0.563, 0.923),
        (10, 15, 0.7529, 0.0963, 0.503, 0.889),
        (13, 12, 0.6902, 0.1068, 0.432, 0.849),
        (16, 11, 0.6275, 0.1141, 0.368, 0.805),
        (22, 7, 0.5378, 0.1282, 0.268, 0.747),
        (23, 6, 0.4482, 0.1346, 0.188, 0.680),
    ];
    for (t, n, sv, sev, l, h) in expected {
        let i = time
            .iter()
            .position(|x| *x == Some(t))
            .expect("relapse time present");
        assert_eq!(n_risk[i], Some(n), "at risk at {t}");
        close(surv[i].unwrap(), sv, 5e-5);
        close(se[i].unwrap(), sev, 5e-5);
        close(lo[i].unwrap(), l, 5e-4);
        close(hi[i].unwrap(), h, 5e-4);
    }
    // Survival stays at 0.4482 after the last relapse (censorings only).
    assert_eq!(time.last().copied().flatten(), Some(35));
    close(surv.last().copied().flatten().unwrap(), 0.4482, 5e-5);
    // Median remission 23 weeks (Kleinbaum & Klein).
    let med = km.summary.floats("median").unwrap()[0];
    assert_eq!(med, Some(23.0));
    assert_eq!(km.summary.ints("persons").unwrap()[0], Some(21));
    assert_eq!(km.summary.ints("events").unwrap()[0], Some(9));
    // Median interval: lower limit = first time the lower band ≤ 0.5: 13 (0.432); upper limit =
    // first time the upper band ≤ 0.5: never (0.680 at 23, then flat) → null.
    assert_eq!(km.summary.floats("median_lower").unwrap()[0], Some(13.0));
    assert_eq!(km.summary.floats("median_upper").unwrap()[0], None);
    // At risk: 21 at 0, 15 at 10 (times ≥ 10), 8 at 20 (20,22,23,25,32,32,34,35).
    assert_eq!(
        km.at_risk.ints("n_risk").unwrap(),
        vec![Some(21), Some(15), Some(8)]
    );
    close(
        km.at_risk.floats("survival").unwrap()[1].unwrap(),
        0.7529,
        5e-5,
    );
}

#[test]
fn agg_km_protection_masks_small_risk_sets() {
    let (s, r) = six_mp();
    let outcome = || Outcome::Codes(vec![(EventKind::Diagnosis, s.icd10.prefix_range("C91"))]);
    // The default options give the exact curve (21 rows of 1 person or so); protected, it is
    // gathered to k = 10 whatever the options: 9 events among 21 persons cannot make a step of
    // 10, so one step is left, its events and censorings masked.
    let km = kaplan_meier(&s, &r, &SurvivalOptions::new(outcome())).unwrap();
    assert!(km.curve.num_rows() > 1);
    let mut curve = km.curve.clone();
    protect_one(&mut curve, 10).unwrap();
    assert_eq!(curve.ints("n_risk").unwrap(), [Some(21)]);
    assert_eq!(curve.ints("n_event").unwrap(), [None]);
    assert_eq!(curve.masked("n_event").unwrap(), [true]);
    assert_eq!(curve.floats("survival").unwrap(), [None]);
    // As the faces publish it (steps gathered at k = 10): 9 events among 21 persons cannot make
    // a step of 10, so only the number at risk at the start is published.
    let mut opts = SurvivalOptions::new(outcome());
    opts.min_step = 10;
    let km = kaplan_meier(&s, &r, &opts).unwrap();
    let mut tables = [km.curve, km.at_risk, km.summary];
    cohorte_core::disclosure::protect(&mut tables, &cohorte_core::disclosure::Protection::k(10))
        .unwrap();
    let [curve, _, summary] = &tables;
    assert_eq!(curve.ints("n_risk").unwrap(), [Some(21)]);
    assert_eq!(curve.ints("n_event").unwrap(), [None]);
    assert_eq!(curve.ints("n_censor").unwrap(), [None]);
    assert_eq!(curve.floats("survival").unwrap(), [None]);
    assert_eq!(summary.floats("median").unwrap()[0], None);
    assert_eq!(summary.ints("persons").unwrap()[0], Some(21));
    assert_eq!(summary.ints("events").unwrap()[0], None);
}
