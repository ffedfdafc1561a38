//! Random small populations and definitions, shared by the tests that compare the engine with
//! an independent evaluation (the reference evaluator of `engine_reference.rs`, the SQL of
//! `sql_differential.rs`).

#![allow(dead_code)]

use cohorte_core::dates;
use cohorte_core::definition::*;
use cohorte_core::model::{CodeSystem, Event, EventKind, Patient, Population, Role, DEPT_UNKNOWN};
use cohorte_core::referential;
use cohorte_core::rng::Rng;

// ---------------------------------------------------------------------------------------
// Random populations and definitions.

pub const DRUGS: [(&str, &str); 6] = [
    ("3400000000011", "A10BA02"),
    ("3400000000028", "A10BA02"),
    ("3400000000035", "A10BB09"),
    ("3400000000042", "C07AB07"),
    ("3400000000059", "A10AB05"),
    ("3400937224116", "B01AF01"),
];
pub const ICD: [&str; 7] = ["E11", "E119", "E110", "I21", "I214", "I500", "J441"];
pub const CCAM: [&str; 3] = ["DDAF008", "DDAF006", "DDQH009"];
pub const DEPTS: [&str; 4] = ["75", "69", "13", "2A"];

pub fn pick<T: Copy>(r: &mut Rng, v: &[T]) -> T {
    v[r.below(v.len() as u64) as usize]
}

pub fn population(r: &mut Rng, n: usize) -> Population {
    let d0 = dates::from_ymd(2019, 1, 1);
    let mut pop = Population {
        data_start: d0,
        data_end: d0 + 1000,
        ..Default::default()
    };
    for (cip, atc) in DRUGS {
        pop.dicts.intern_drug(cip, atc);
    }
    for p in 0..n {
        let birth = if r.chance(0.2) {
            r.range_i32(d0 - 100, d0 + 600)
        } else {
            r.range_i32(d0 - 33_000, d0 - 3000)
        };
        let death = r
            .chance(0.3)
            .then(|| r.range_i32(birth.max(d0 - 50), d0 + 1100));
        let dept = if r.chance(0.1) {
            DEPT_UNKNOWN
        } else {
            referential::dept_index(pick(r, &DEPTS)).unwrap()
        };
        pop.patients.push(Patient {
            nir: format!("P{p}"),
            rank: 1,
            sex: pick(r, &[1u8, 2, 2, 1, 9]),
            birth,
            death,
            dept,
        });
        if let Some(d) = death {
            pop.events.push(Event {
                patient: p as u32,
                kind: EventKind::Death,
                role: Role::None,
                start: d,
                end: d,
                code: 0,
                value: 0,
                stay: 0,
            });
        }
        let centre = r.range_i32(d0, d0 + 900);
        for _ in 0..r.below(14) {
            // Most events cluster around one period so windows, gaps and overlaps meet.
            let start = if r.chance(0.7) {
                centre + r.range_i32(-40, 80)
            } else {
                r.range_i32(d0 - 50, d0 + 1050)
            };
            let kind = pick(
                r,
                &[
                    EventKind::Dispensing,
                    EventKind::Dispensing,
                    EventKind::Diagnosis,
                    EventKind::Stay,
                    EventKind::Act,
                    EventKind::Ald,
                    EventKind::Visit,
                ],
            );
            let mut e = Event {
                patient: p as u32,
                kind,
                role: Role::None,
                start,
                end: start,
                code: 0,
                value: 0,
                stay: 0,
            };
            match kind {
                EventKind::Dispensing => {
                    e.code = r.below(DRUGS.len() as u64) as u32;
                    e.value = r.range_i32(-1, 3);
                }
                EventKind::Diagnosis => {
                    e.code = pop.dicts.icd10.intern(pick(r, &ICD));
                    e.role = Role::from_u8(r.below(5) as u8).unwrap();
                }
                EventKind::Stay => {
                    e.code = pop.dicts.icd10.intern(pick(r, &ICD));
                    e.end = start + r.range_i32(0, 20);
                    e.value = e.end - start;
                }
                EventKind::Act => e.code = pop.dicts.ccam.intern(pick(r, &CCAM)),
                EventKind::Ald => {
                    e.code = pop.dicts.icd10.intern(pick(r, &ICD));
                    e.end = if r.chance(0.5) {
                        dates::MAX_DAY
                    } else {
                        start + r.range_i32(0, 400)
                    };
                }
                _ => e.code = pop.dicts.nature.intern("1111"),
            }
            pop.events.push(e);
        }
    }
    pop
}

pub fn concept_sets() -> Vec<ConceptSet> {
    let cs = |name: &str, system, codes: &[&str], exclude: &[&str]| ConceptSet {
        name: name.into(),
        system,
        codes: codes.iter().map(|s| s.to_string()).collect(),
        exclude: exclude.iter().map(|s| s.to_string()).collect(),
    };
    vec![
        cs("met", CodeSystem::Atc, &["A10BA02"], &[]),
        cs("diab", CodeSystem::Atc, &["A10"], &["A10A"]),
        cs(
            "cip",
            CodeSystem::Cip13,
            &["3400000000028", "3400937224116"],
            &[],
        ),
        cs("t2d", CodeSystem::Icd10, &["E11"], &["E110"]),
        cs("cardio", CodeSystem::Icd10, &["I21", "I5"], &[]),
        cs("ccam", CodeSystem::Ccam, &["DDAF"], &[]),
    ]
}

pub fn filter(r: &mut Rng, allow_death: bool) -> EventFilter {
    let types: &[EventType] = if allow_death {
        &EventType::ALL
    } else {
        &EventType::ALL[..5]
    };
    let event = pick(r, types);
    let concept_set = match event {
        EventType::Death => None,
        _ if r.chance(0.15) => None,
        EventType::Dispensing => Some(pick(r, &["met", "diab", "cip"]).to_string()),
        EventType::Act => Some("ccam".to_string()),
        _ => Some(pick(r, &["t2d", "cardio"]).to_string()),
    };
    let roles = if event == EventType::Diagnosis && r.chance(0.4) {
        [
            DiagnosisRole::DP,
            DiagnosisRole::DR,
            DiagnosisRole::DAS,
            DiagnosisRole::ALD,
        ]
        .into_iter()
        .filter(|_| r.chance(0.5))
        .collect()
    } else {
        vec![]
    };
    EventFilter {
        event,
        concept_set,
        roles,
    }
}

pub fn window(r: &mut Rng) -> Window {
    let a = r.chance(0.8).then(|| r.range_i32(-400, 100));
    let b = r.chance(0.8).then(|| r.range_i32(-100, 400));
    match (a, b) {
        (Some(x), Some(y)) if x > y => Window {
            start: Some(y),
            end: Some(x),
        },
        _ => Window { start: a, end: b },
    }
}

pub fn count(r: &mut Rng) -> Count {
    match r.below(4) {
        0 => Count::default(),
        1 => Count {
            at_least: None,
            at_most: Some(r.below(3) as u32),
            exactly: None,
        },
        2 => Count {
            at_least: None,
            at_most: None,
            exactly: Some(r.below(3) as u32),
        },
        _ => {
            let a = r.below(3) as u32;
            Count {
                at_least: Some(a),
                at_most: Some(a + r.below(3) as u32),
                exactly: None,
            }
        }
    }
}

pub fn anchor(r: &mut Rng) -> Anchor {
    if r.chance(0.3) {
        Anchor::IndexEnd
    } else {
        Anchor::IndexStart
    }
}

pub fn criterion(r: &mut Rng, depth: u32, nested: bool) -> Criterion {
    let k = if depth >= 2 {
        4 + r.below(3)
    } else {
        r.below(7)
    };
    let list = |r: &mut Rng| {
        (0..1 + r.below(3))
            .map(|_| criterion(r, depth + 1, nested))
            .collect::<Vec<_>>()
    };
    match k {
        0 => Criterion::All { all: list(r) },
        1 => Criterion::Any { any: list(r) },
        2 => {
            let of = list(r);
            Criterion::AtLeast {
                at_least: r.below(of.len() as u64 + 1) as u32,
                of,
            }
        }
        3 => {
            let of = list(r);
            Criterion::AtMost {
                at_most: r.below(of.len() as u64 + 1) as u32,
                of,
            }
        }
        4 => {
            let lo = r.below(90) as u32;
            Criterion::Demographics {
                demographics: Demographics {
                    age: r.chance(0.5).then(|| AgeRange {
                        min: r.chance(0.7).then_some(lo),
                        max: r.chance(0.5).then(|| lo + r.below(40) as u32),
                    }),
                    sex: r.chance(0.4).then(|| pick(r, &[Sex::Male, Sex::Female])),
                    departements: if r.chance(0.3) {
                        vec![pick(r, &DEPTS).to_string()]
                    } else {
                        vec![]
                    },
                    regions: if r.chance(0.3) {
                        vec![pick(r, &[84u8, 11, 93, 94])]
                    } else {
                        vec![]
                    },
                },
            }
        }
        5 if nested => Criterion::InCohort(Box::new(CohortCount {
            in_cohort: "nested".into(),
            window: window(r),
            relative_to: anchor(r),
            count: count(r),
        })),
        _ => Criterion::Events(Box::new(EventCount {
            filter: filter(r, true),
            window: window(r),
            relative_to: anchor(r),
            count: count(r),
            distinct_dates: r.chance(0.3),
        })),
    }
}

pub fn definition(r: &mut Rng, depth: u32) -> Definition {
    let nested: Vec<Definition> = if depth == 0 && r.chance(0.3) {
        let mut d = definition(r, 1);
        d.name = "nested".into();
        vec![d]
    } else {
        vec![]
    };
    let d0 = dates::from_ymd(2019, 1, 1);
    let range = r.chance(0.3).then(|| {
        let a = r.range_i32(d0, d0 + 600);
        DateRange {
            from: r.chance(0.7).then_some(Date(a)),
            to: r.chance(0.7).then(|| Date(a + r.range_i32(0, 500))),
        }
    });
    let exit = match r.below(5) {
        0 => Exit::EndOfObservation,
        1 => Exit::Death,
        2 => Exit::Fixed {
            days: r.below(200) as u32,
            from: anchor(r),
        },
        _ => Exit::DrugExposure {
            concept_set: pick(r, &["met", "diab", "cip"]).to_string(),
            days_per_box: r.chance(0.5).then(|| 1 + r.below(40) as u32),
            gap: r.below(30) as u32,
            extension: r.below(20) as u32,
        },
    };
    let has_nested = !nested.is_empty();
    let mut entry_events: Vec<EventFilter> = (0..1 + r.below(2))
        .map(|_| {
            let death = r.chance(0.2);
            filter(r, death)
        })
        .collect();
    // Exposure exits matter when the index is a dispensing of the drug itself.
    if let Exit::DrugExposure { concept_set, .. } = &exit {
        if r.chance(0.6) {
            entry_events[0] = EventFilter {
                event: EventType::Dispensing,
                concept_set: Some(concept_set.clone()),
                roles: vec![],
            };
        }
    }
    Definition {
        version: CURRENT_VERSION,
        name: "random".into(),
        description: String::new(),
        concept_sets: concept_sets(),
        entry: Entry {
            events: entry_events,
            date_range: range,
            occurrence: pick(r, &[Occurrence::First, Occurrence::All, Occurrence::Last]),
            prior_observation: if r.chance(0.5) {
                0
            } else {
                r.below(200) as u32
            },
            post_observation: if r.chance(0.6) {
                0
            } else {
                r.below(200) as u32
            },
        },
        inclusion: (0..r.below(4))
            .map(|i| Rule {
                name: format!("rule {i}"),
                description: String::new(),
                criterion: criterion(r, 0, has_nested),
            })
            .collect(),
        exit,
        censoring: (0..r.below(3)).map(|_| filter(r, true)).collect(),
        collapse_days: if r.chance(0.5) { 0 } else { r.below(40) as u32 },
        cohorts: nested,
    }
}
