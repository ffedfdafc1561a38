//! Kaplan–Meier tables under disclosure control, attacked: no published count, no difference
//! between published numbers at risk, no step's events or censorings may reveal 1 to k - 1
//! persons; the exact curve (one step per time) fails the same attacks.

use arrow_array::cast::AsArray;
use arrow_array::types::{Float64Type, Int64Type};
use std::sync::Arc;

use arrow_array::{Array, ArrayRef, Int64Array, RecordBatch};
use cohorte_core::aggregate::survival::{gather_steps, km_steps, km_tables_min};
use cohorte_core::aggregate::Aggregate;
use cohorte_core::aggregate::KaplanMeier;
use cohorte_core::disclosure::{protect, Protection};
use cohorte_core::rng::Rng;

/// Published integers of a column (None = masked or null).
fn ints(a: &Aggregate, c: &str) -> Vec<Option<i64>> {
    let col = a
        .batch
        .column_by_name(c)
        .unwrap()
        .as_primitive::<Int64Type>();
    (0..col.len())
        .map(|i| col.is_valid(i).then(|| col.value(i)))
        .collect()
}

fn floats(a: &Aggregate, c: &str) -> Vec<Option<f64>> {
    let col = a
        .batch
        .column_by_name(c)
        .unwrap()
        .as_primitive::<Float64Type>();
    (0..col.len())
        .map(|i| col.is_valid(i).then(|| col.value(i)))
        .collect()
}

/// Every way this adversary knows to get a small group from the published KM tables; the
/// first one found, as a description.
fn attack(tables: &[Aggregate], k: i64) -> Option<String> {
    let small = |v: i64| (1..k).contains(&v);
    let (curve, at_risk, summary) = (&tables[0], &tables[1], &tables[2]);
    let (n, d, c) = (
        ints(curve, "n_risk"),
        ints(curve, "n_event"),
        ints(curve, "n_censor"),
    );
    let surv = floats(curve, "survival");
    let mut risks: Vec<i64> = vec![0];
    for (t, col) in [
        (curve, "n_risk"),
        (at_risk, "n_risk"),
        (summary, "persons"),
        (summary, "n_risk_at_median"),
        (summary, "events"),
        (curve, "n_event"),
        (curve, "n_censor"),
    ] {
        for v in ints(t, col).into_iter().flatten() {
            if small(v) {
                return Some(format!("{}.{col} = {v} published", t.name));
            }
            if col == "n_risk" || col == "persons" || col == "n_risk_at_median" {
                risks.push(v);
            }
        }
    }
    // Numbers at risk at two times differ by the persons who left between them.
    for a in &risks {
        for b in &risks {
            if small(a - b) {
                return Some(format!("numbers at risk {a} - {b}"));
            }
        }
    }
    let rows = n.len();
    for r in 0..rows {
        let next = if r + 1 < rows { n[r + 1] } else { Some(0) };
        // Within a step: n - d, n - c, n - d - c (those still at risk).
        if let (Some(nr), Some(dr)) = (n[r], d[r]) {
            if small(nr - dr) {
                return Some(format!("row {r}: n_risk - n_event = {}", nr - dr));
            }
        }
        if let (Some(nr), Some(cr)) = (n[r], c[r]) {
            if small(nr - cr) {
                return Some(format!("row {r}: n_risk - n_censor = {}", nr - cr));
            }
        }
        // A masked count rebuilt from its row and the next number at risk.
        if let (Some(nr), Some(nx)) = (n[r], next) {
            match (d[r], c[r]) {
                (None, Some(cr)) if small(nr - nx - cr) => {
                    return Some(format!("row {r}: n_event rebuilt = {}", nr - nx - cr))
                }
                (Some(dr), None) if small(nr - nx - dr) => {
                    return Some(format!("row {r}: n_censor rebuilt = {}", nr - nx - dr))
                }
                _ => {}
            }
        }
        // Events of a step from the survival ratio when the step's counts are masked.
        if d[r].is_none() && surv[r].is_some() {
            let before = if r == 0 { Some(1.0) } else { surv[r - 1] };
            if let (Some(b), Some(s), Some(nr)) = (before, surv[r], n[r]) {
                let events = ((1.0 - s / b) * nr as f64).round() as i64;
                if small(events) {
                    return Some(format!("row {r}: events from survival = {events}"));
                }
            }
        }
    }
    let (p, e) = (ints(summary, "persons")[0], ints(summary, "events")[0]);
    if let (Some(p), Some(e)) = (p, e) {
        if small(p - e) {
            return Some(format!("censored = persons - events = {}", p - e));
        }
        let sum: i64 = d.iter().flatten().sum();
        if d.iter().filter(|x| x.is_none()).count() == 1 && small(e - sum) {
            return Some(format!("a masked step's events = {}", e - sum));
        }
    }
    None
}

fn protected(subj: &[(i64, bool)], times: &[i64], k: u32, min_step: u32) -> Vec<Aggregate> {
    let km = km_tables_min(subj, times, 0.95, min_step).unwrap();
    let mut aggs = vec![km.curve, km.at_risk, km.summary];
    protect(&mut aggs, &Protection::k(k)).unwrap();
    aggs
}

/// The exact tables with only their small counts nulled: what cell suppression alone gives.
fn plain_suppression(km: KaplanMeier, k: i64) -> Vec<Aggregate> {
    [km.curve, km.at_risk, km.summary]
        .into_iter()
        .map(|mut a| {
            let schema = a.batch.schema();
            let cols: Vec<ArrayRef> = a
                .batch
                .columns()
                .iter()
                .zip(schema.fields())
                .map(|(c, f)| match c.as_primitive_opt::<Int64Type>() {
                    Some(v) if a.patient_counts.contains(f.name()) => Arc::new(Int64Array::from(
                        v.iter()
                            .map(|x| x.filter(|x| !(1..k).contains(x)))
                            .collect::<Vec<_>>(),
                    ))
                        as ArrayRef,
                    _ => c.clone(),
                })
                .collect();
            a.batch = RecordBatch::try_new(schema, cols).unwrap();
            a
        })
        .collect()
}

fn random_subjects(rng: &mut Rng) -> Vec<(i64, bool)> {
    let n = 1 + rng.below(400) as usize;
    let horizon = 1 + rng.below(60) as i64;
    let p = rng.f64();
    (0..n)
        .map(|_| (rng.below(horizon as u64) as i64, rng.chance(p)))
        .collect()
}

#[test]
fn gathered_curves_resist_every_attack() {
    let mut rng = Rng::new(20261123);
    let mut exact_broken = 0;
    for case in 0..1500 {
        let subj = random_subjects(&mut rng);
        let k = [5u32, 10, 11][case % 3];
        let times: Vec<i64> = (0..6).map(|_| rng.below(70) as i64).collect();
        let safe = protected(&subj, &times, k, k);
        if let Some(how) = attack(&safe, k as i64) {
            panic!("case {case} (k = {k}, {} subjects): {how}", subj.len());
        }
        // The default options publish the exact curve: protect() gathers it all the same.
        let default = protected(&subj, &times, k, 1);
        if let Some(how) = attack(&default, k as i64) {
            panic!("case {case} (k = {k}, default curve): {how}");
        }
        let exact = km_tables_min(&subj, &times, 0.95, 1).unwrap();
        if attack(&plain_suppression(exact, k as i64), k as i64).is_some() {
            exact_broken += 1;
        }
    }
    // The attacks are real: they break most exact curves under cell suppression alone.
    assert!(
        exact_broken > 750,
        "only {exact_broken} exact curves broken"
    );
}

#[test]
fn gathered_steps_by_hand() {
    // t = 1: 3 events; t = 2: 1 censored; t = 3: 1 event; t = 4: 2 events; t = 5: 3 censored;
    // t = 6: 2 events and 1 censored. 13 subjects, k = 3.
    let mut subj = vec![(1, true); 3];
    subj.push((2, false));
    subj.push((3, true));
    subj.extend([(4, true); 2]);
    subj.extend([(5, false); 3]);
    subj.extend([(6, true), (6, true), (6, false)]);
    let (steps, masked) = gather_steps(&km_steps(&subj), 3);
    assert!(!masked);
    let got: Vec<(i64, u64, u64, u64)> = steps
        .iter()
        .map(|s| (s.time, s.n_risk, s.n_event, s.n_censor))
        .collect();
    // Step 1 stands alone (3 events, 10 left); times 2–5 gather to 3 events and 4 censored
    // (3 left), but the last time (2 events, 1 censored) cannot stand: it joins them.
    assert_eq!(got, [(1, 13, 3, 0), (6, 10, 5, 5)]);
    assert!((steps[0].survival - 10.0 / 13.0).abs() < 1e-12);
    let s6 = 10.0 / 13.0 * (8.0 / 9.0) * (6.0 / 8.0) * (1.0 / 3.0);
    assert!((steps[1].survival - s6).abs() < 1e-12);
    // k = 1 is the exact curve.
    assert_eq!(gather_steps(&km_steps(&subj), 1).0, km_steps(&subj));
}

#[test]
fn too_few_events_mask_the_whole_curve() {
    // 20 persons, 2 events: no step can publish them.
    let mut subj: Vec<(i64, bool)> = (0..18).map(|i| (i as i64, false)).collect();
    subj.extend([(3, true), (9, true)]);
    let t = protected(&subj, &[0, 5, 30], 5, 5);
    let curve = &t[0];
    assert_eq!(ints(curve, "n_risk"), [Some(20)]);
    assert_eq!(ints(curve, "n_event"), [None]);
    assert_eq!(ints(curve, "n_censor"), [None]);
    assert_eq!(curve.masked("n_event").unwrap(), [true]);
    assert_eq!(curve.masked("n_censor").unwrap(), [true]);
    assert_eq!(floats(curve, "survival"), [None]);
    let summary = &t[2];
    assert_eq!(ints(summary, "persons"), [Some(20)]);
    assert_eq!(ints(summary, "events"), [None]);
    assert_eq!(floats(&t[1], "survival")[2], None);
    assert!(attack(&t, 5).is_none());
}
