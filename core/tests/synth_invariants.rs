//! Coherence invariants of a synthetic population (50 000 patients): dates ordered and inside
//! observation, nothing after death, stays well formed, condition-specific drugs only after the
//! condition is recorded, guideline treatment sequences, codes known to the referentials, and
//! each followed condition present in plausible numbers.

mod synth_support;

use std::sync::OnceLock;

use cohorte_core::dates::{self, Day};
use cohorte_core::model::{observation, CodeSystem, Event, EventKind, Population, Role};
use cohorte_core::referential;
use cohorte_core::synth::{ald_number, generate, SynthConfig};
use synth_support::{by_patient, generated};

fn pop() -> &'static Population {
    static POP: OnceLock<Population> = OnceLock::new();
    generated(&POP, 7, 50_000)
}

fn icd<'a>(pop: &'a Population, e: &Event) -> Option<&'a str> {
    match e.kind {
        EventKind::Diagnosis | EventKind::Stay | EventKind::Ald => {
            Some(pop.dicts.icd10.code(e.code))
        }
        _ => None,
    }
}

fn atc<'a>(pop: &'a Population, e: &Event) -> Option<&'a str> {
    (e.kind == EventKind::Dispensing).then(|| pop.dicts.drug_atc[e.code as usize].as_str())
}

#[test]
fn synth_dates_inside_observation_and_nothing_after_death() {
    let pop = pop();
    for (p, events) in by_patient(pop).iter().enumerate() {
        let pat = &pop.patients[p];
        let (lo, hi) = observation(pat.birth, pat.death, pop.data_start, pop.data_end)
            .expect("every registered patient has an observation period");
        for e in *events {
            assert!(e.start <= e.end, "patient {p}: start after end in {e:?}");
            if e.kind == EventKind::Ald {
                // ALD periods may start before the data (registered earlier), never before birth.
                assert!(e.start >= pat.birth && e.start <= hi, "patient {p}: {e:?}");
                assert!(
                    e.end >= pop.data_start,
                    "patient {p}: ALD ended before the data"
                );
                if let Some(d) = pat.death {
                    assert!(e.end <= d, "patient {p}: ALD open after death");
                }
            } else {
                assert!(
                    e.start >= lo && e.end <= hi,
                    "patient {p}: {e:?} outside observation {lo}..{hi}"
                );
            }
        }
        let deaths: Vec<&Event> = events
            .iter()
            .filter(|e| e.kind == EventKind::Death)
            .collect();
        match pat.death {
            Some(d) => {
                assert_eq!(deaths.len(), 1, "patient {p}: one death event");
                assert_eq!(deaths[0].start, d);
                assert_eq!(events.last().map(|e| e.kind), Some(EventKind::Death));
            }
            None => assert!(
                deaths.is_empty(),
                "patient {p}: death event of a living patient"
            ),
        }
    }
}

#[test]
fn synth_ages_and_birth_dates() {
    let pop = pop();
    for (p, pat) in pop.patients.iter().enumerate() {
        let last = pat.death.unwrap_or(pop.data_end);
        let age = dates::age_at(pat.birth, last);
        assert!((0..=110).contains(&age), "patient {p} aged {age}");
        assert!(pat.birth <= pop.data_end, "patient {p} born after the data");
        assert_eq!(
            dates::to_ymd(pat.birth).2,
            15,
            "birth on the 15th (SNDS gives the month)"
        );
        assert_eq!(pat.nir.len(), 17);
        assert!(pat.nir.bytes().all(|b| b.is_ascii_hexdigit()));
        assert!(pat.rank == 1 || pat.rank == 2);
        if pat.rank == 2 {
            // A second twin shares the pseudonym, birth and sex of the patient before it.
            let first = &pop.patients[p - 1];
            assert_eq!(
                (&first.nir, first.birth, first.sex),
                (&pat.nir, pat.birth, pat.sex)
            );
        }
    }
    let twins = pop.patients.iter().filter(|p| p.rank == 2).count();
    assert!(
        (50..600).contains(&twins),
        "{twins} second twins among 50 000"
    );
}

#[test]
fn synth_stays_are_well_formed() {
    let pop = pop();
    for events in by_patient(pop) {
        for stay in events.iter().filter(|e| e.kind == EventKind::Stay) {
            assert!(stay.stay > 0);
            assert_eq!(
                stay.value,
                stay.end - stay.start,
                "value is the length of stay"
            );
            assert!((0..120).contains(&stay.value), "{stay:?}");
            // No city care while in hospital (strictly between admission and discharge).
            assert!(
                !events.iter().any(|e| e.stay == 0
                    && matches!(
                        e.kind,
                        EventKind::Dispensing | EventKind::Visit | EventKind::Act
                    )
                    && e.start > stay.start
                    && e.start < stay.end),
                "city care during {stay:?}"
            );
            let linked: Vec<&Event> = events.iter().filter(|e| e.stay == stay.stay).collect();
            let dp: Vec<&&Event> = linked.iter().filter(|e| e.role == Role::DP).collect();
            assert_eq!(dp.len(), 1, "one main diagnosis per stay");
            assert_eq!(
                dp[0].code, stay.code,
                "the stay's code is its main diagnosis"
            );
            for e in &linked {
                assert!(
                    e.start >= stay.start && e.end <= stay.end,
                    "{e:?} outside {stay:?}"
                );
                match e.kind {
                    EventKind::Diagnosis => {
                        assert!(matches!(e.role, Role::DP | Role::DR | Role::DAS))
                    }
                    EventKind::Act | EventKind::Stay => {}
                    k => panic!("{k:?} linked to a stay"),
                }
            }
        }
        for e in events {
            match e.kind {
                EventKind::Dispensing => assert!((1..=6).contains(&e.value), "{e:?}"),
                EventKind::Diagnosis => assert!(e.stay > 0, "hospital diagnoses belong to stays"),
                EventKind::Ald => {
                    assert_eq!(e.role, Role::ALD);
                    let code = pop.dicts.icd10.code(e.code);
                    assert!(
                        ald_number(code).is_some(),
                        "ALD code {code} has no list number"
                    );
                }
                _ => {}
            }
        }
    }
    // Stay numbers are 1..=n, each used by exactly one stay event.
    let mut numbers: Vec<u32> = pop
        .events
        .iter()
        .filter(|e| e.kind == EventKind::Stay)
        .map(|e| e.stay)
        .collect();
    numbers.sort_unstable();
    let expected: Vec<u32> = (1..=numbers.len() as u32).collect();
    assert_eq!(numbers, expected);
}

/// Condition-specific drug classes and the diagnoses that must be recorded first.
const RULES: &[(&str, &[&str], &[&str])] = &[
    ("diabetes", &["A10"], &["E10", "E11", "E12", "E13", "E14"]),
    ("atrial fibrillation", &["B01AA", "B01AF"], &["I48"]),
    ("heart failure", &["C03CA", "C09DX04"], &["I50"]),
    (
        "antiplatelets",
        &["B01AC"],
        &[
            "I20", "I21", "I22", "I23", "I24", "I25", "I63", "I64", "I69",
        ],
    ),
    ("dementia", &["N06D"], &["F00", "F01", "F02", "F03", "G30"]),
    ("breast cancer", &["L02B"], &["C50"]),
];

#[test]
fn synth_specific_drugs_follow_their_diagnosis() {
    let pop = pop();
    let mut treated = vec![0usize; RULES.len()];
    for (p, events) in by_patient(pop).iter().enumerate() {
        for (r, (name, drugs, diags)) in RULES.iter().enumerate() {
            let first_drug = events
                .iter()
                .filter(|e| atc(pop, e).is_some_and(|a| drugs.iter().any(|d| a.starts_with(d))))
                .map(|e| e.start)
                .min();
            let first_diag = events
                .iter()
                .filter(|e| icd(pop, e).is_some_and(|c| diags.iter().any(|d| c.starts_with(d))))
                .map(|e| e.start)
                .min();
            if let Some(d) = first_drug {
                treated[r] += 1;
                let diag = first_diag
                    .unwrap_or_else(|| panic!("patient {p}: {name} drug on {d} without diagnosis"));
                assert!(
                    diag <= d,
                    "patient {p}: {name} drug on {d} before diagnosis on {diag}"
                );
            }
        }
    }
    for (r, n) in treated.iter().enumerate() {
        // Anti-dementia drugs are not reimbursed since August 2018: none in 2019–2023.
        if RULES[r].0 == "dementia" {
            assert_eq!(*n, 0);
        } else {
            assert!(*n > 100, "{}: only {n} treated", RULES[r].0);
        }
    }
}

#[test]
fn synth_diabetes_treatment_starts_with_metformin() {
    let pop = pop();
    let late = pop.data_start + 365;
    let (mut incident, mut metformin_first, mut insulin_first) = (0, 0, 0);
    for events in by_patient(pop) {
        let first_diag = events
            .iter()
            .filter(|e| icd(pop, e).is_some_and(|c| c.starts_with("E11")))
            .map(|e| e.start)
            .min();
        let first_a10 = events
            .iter()
            .find(|e| atc(pop, e).is_some_and(|a| a.starts_with("A10")));
        // New diagnoses during the data, first treated after a year of observation.
        if let (Some(d), Some(e)) = (first_diag, first_a10) {
            if d >= pop.data_start && e.start >= late {
                incident += 1;
                let a = atc(pop, e).unwrap_or("");
                metformin_first += (a == "A10BA02") as usize;
                insulin_first += a.starts_with("A10A") as usize;
            }
        }
    }
    assert!(incident > 50, "{incident} incident treated diabetics");
    let share = metformin_first as f64 / incident as f64;
    assert!(share > 0.85, "metformin first in {share}");
    assert!(
        insulin_first * 50 < incident,
        "insulin first in {insulin_first}/{incident}"
    );
}

#[test]
fn synth_myocardial_infarction_is_followed_by_secondary_prevention() {
    let pop = pop();
    let (mut mi, mut bb, mut statin, mut antiplatelet) = (0, 0, 0, 0);
    for (p, events) in by_patient(pop).iter().enumerate() {
        let Some(stay) = events
            .iter()
            .find(|e| e.kind == EventKind::Stay && pop.dicts.icd10.code(e.code).starts_with("I21"))
        else {
            continue;
        };
        let acts: Vec<&str> = events
            .iter()
            .filter(|e| e.kind == EventKind::Act && e.stay == stay.stay)
            .map(|e| pop.dicts.ccam.code(e.code))
            .collect();
        assert!(
            acts.contains(&"DDQH009"),
            "patient {p}: MI without coronary angiography"
        );
        let alive_until = pop.patients[p].death.unwrap_or(Day::MAX);
        if alive_until < stay.end + 60 || stay.end + 60 > pop.data_end {
            continue;
        }
        mi += 1;
        let within = |prefix: &str| {
            events.iter().any(|e| {
                e.start >= stay.end
                    && e.start <= stay.end + 30
                    && atc(pop, e).is_some_and(|a| a.starts_with(prefix))
            })
        };
        bb += within("C07") as usize;
        statin += within("C10") as usize;
        antiplatelet += within("B01A") as usize;
    }
    assert!(mi > 30, "{mi} infarctions followed 60 days");
    for (name, n) in [
        ("beta-blocker", bb),
        ("statin", statin),
        ("antiplatelet", antiplatelet),
    ] {
        assert!(n as f64 > 0.8 * mi as f64, "{name} after MI: {n}/{mi}");
    }
}

#[test]
fn synth_codes_exist_in_the_referentials() {
    let pop = pop();
    let d = &pop.dicts;
    for (i, cip) in d.drug.codes().iter().enumerate() {
        assert!(referential::contains(CodeSystem::Cip13, cip), "CIP13 {cip}");
        assert!(
            referential::contains(CodeSystem::Atc, &d.drug_atc[i]),
            "ATC {}",
            d.drug_atc[i]
        );
    }
    for c in d.icd10.codes() {
        assert!(referential::contains(CodeSystem::Icd10, c), "ICD-10 {c}");
    }
    for c in d.ccam.codes() {
        assert!(referential::contains(CodeSystem::Ccam, c), "CCAM {c}");
    }
    for c in d.nature.codes() {
        let n: u16 = c.parse().expect("natures are numbers");
        assert!(referential::nature_label(n).is_some(), "nature {c}");
    }
    // Every dispensed pack's ATC7 is the referential's for that CIP13.
    for (i, cip) in d.drug.codes().iter().enumerate() {
        let pack = referential::pack(cip).expect("pack exists");
        assert_eq!(pack.atc7, d.drug_atc[i]);
    }
}

#[test]
fn synth_every_condition_is_present() {
    let pop = pop();
    // Persons with a hospital diagnosis or ALD of each condition, among 50 000: lower bounds at
    // about a third of the expected counts (CALIBRATION.md), upper bounds at three times.
    let conditions: &[(&str, &[&str], usize)] = &[
        ("type 2 diabetes", &["E11"], 3000),
        ("ischaemic heart disease", &["I20", "I21", "I25"], 1300),
        ("myocardial infarction", &["I21"], 200),
        ("heart failure", &["I50"], 500),
        ("atrial fibrillation", &["I48"], 900),
        ("ischaemic stroke", &["I63", "I69"], 600),
        ("COPD", &["J44"], 300),
        ("asthma", &["J45"], 50),
        ("depression", &["F32", "F33"], 1500),
        ("breast cancer", &["C50"], 500),
        ("dementia", &["F01", "F03", "G30"], 400),
        ("hip fracture", &["S72"], 250),
        ("hypertension", &["I10"], 4500),
        ("osteoporosis", &["M81"], 500),
    ];
    let patients = by_patient(pop);
    for (name, prefixes, expected) in conditions {
        let n = patients
            .iter()
            .filter(|events| {
                events
                    .iter()
                    .any(|e| icd(pop, e).is_some_and(|c| prefixes.iter().any(|p| c.starts_with(p))))
            })
            .count();
        println!("{name}: {n} persons");
        assert!(
            n * 3 >= *expected && n <= expected * 3,
            "{name}: {n} persons, expected about {expected}"
        );
    }
    // Hypertension is recorded by its drugs (no ALD since 2011): first-line classes dispensed.
    let htn_drugs = patients
        .iter()
        .filter(|events| {
            events.iter().any(|e| {
                atc(pop, e).is_some_and(|a| a.starts_with("C09") || a.starts_with("C08CA"))
            })
        })
        .count();
    assert!(htn_drugs > 5000, "{htn_drugs} persons on antihypertensives");
}

#[test]
fn synth_other_spans_respect_reimbursement_dates() {
    // 2008–2019: substances appear when France starts reimbursing them, anti-dementia drugs
    // disappear after 1 August 2018, and the general invariants hold on a longer span.
    let pop = generate(&SynthConfig {
        seed: 3,
        patients: 20_000,
        start_year: 2008,
        years: 12,
        pitfalls: false,
    })
    .expect("generation succeeds");
    let rules: &[(&str, (i32, u32, u32), bool)] = &[
        ("A10BK", (2020, 4, 1), true),
        ("A10BJ06", (2019, 4, 1), true),
        ("B01AF", (2012, 12, 1), true),
        ("C09DX04", (2016, 10, 1), true),
        ("N06D", (2018, 8, 1), false),
    ];
    let mut seen = vec![0usize; rules.len()];
    for e in &pop.events {
        let Some(a) = atc(&pop, e) else { continue };
        for (r, (prefix, (y, m, d), from)) in rules.iter().enumerate() {
            if a.starts_with(prefix) {
                seen[r] += 1;
                let limit = dates::from_ymd(*y, *m, *d);
                let ok = if *from {
                    e.start >= limit
                } else {
                    e.start < limit
                };
                assert!(ok, "{a} dispensed on {}", dates::format(e.start));
            }
        }
    }
    // Anti-dementia drugs and DOACs are dispensed in this span; SGLT2 inhibitors are not yet.
    assert!(seen[2] > 0 && seen[3] > 0 && seen[4] > 0, "{seen:?}");
    assert_eq!(seen[0], 0);
    for (p, events) in by_patient(&pop).iter().enumerate() {
        let pat = &pop.patients[p];
        let (lo, hi) = observation(pat.birth, pat.death, pop.data_start, pop.data_end)
            .expect("observation period");
        for e in *events {
            assert!(e.start <= e.end);
            if e.kind != EventKind::Ald {
                assert!(e.start >= lo && e.end <= hi, "patient {p}: {e:?}");
            }
        }
    }
}
