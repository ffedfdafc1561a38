//! Calibration of the synthetic population against published French figures: every target of
//! `core/CALIBRATION.md` is measured here on 200 000 patients (seed 1) and must lie within its
//! stated tolerance. Measures are computed from the events with claims-style algorithms (the
//! way the Cnam identifies conditions), not from the generator's internals.
//!
//! `cargo test -p cohorte-core --profile test-fast --test synth_calibration -- --nocapture`
//! prints the table of measured values.

use std::sync::OnceLock;

use cohorte_core::dates::{self, Day};
use cohorte_core::model::{sex, CodeSystem, EventKind, Population};
use cohorte_core::referential;
use cohorte_core::store::EventStore;
use cohorte_core::synth::{generate, SynthConfig};

const PATIENTS: u32 = 200_000;

fn data() -> &'static (Population, EventStore) {
    static DATA: OnceLock<(Population, EventStore)> = OnceLock::new();
    DATA.get_or_init(|| {
        let pop = generate(&SynthConfig {
            seed: 1,
            patients: PATIENTS,
            ..SynthConfig::default()
        })
        .expect("generation succeeds");
        let store = EventStore::build(&pop);
        (pop, store)
    })
}

/// Where evidence of a condition is looked for.
#[derive(Clone, Copy)]
enum Src {
    /// A dispensing of this ATC prefix in the data's last year.
    Drug(&'static str),
    /// A hospital diagnosis (any role) of this ICD-10 prefix during the data.
    Hosp(&'static str),
    /// A long-term illness registration with this ICD-10 prefix, active in the last year.
    Ald(&'static str),
}

/// Share of the persons alive on 1 January of the data's last year who have evidence of the
/// condition (`women_only`: among women).
fn prevalence(srcs: &[Src], women_only: bool) -> f64 {
    let (pop, s) = data();
    let last_year = dates::year(pop.data_end);
    let r = dates::from_ymd(last_year, 1, 1);
    let drug_from = r;
    let ranges: Vec<(Src, std::ops::Range<u32>)> = srcs
        .iter()
        .map(|src| {
            let range = match src {
                Src::Drug(c) => s.code_ids(CodeSystem::Atc, c),
                Src::Hosp(c) | Src::Ald(c) => s.code_ids(CodeSystem::Icd10, c),
            };
            (*src, range)
        })
        .collect();
    let (mut num, mut den) = (0u64, 0u64);
    for p in 0..s.n_patients() {
        let alive = s.patients.birth[p] <= r && s.patients.death[p] >= r;
        if !alive || (women_only && s.patients.sex[p] != sex::FEMALE) {
            continue;
        }
        den += 1;
        let hit = s.events_of(p).any(|i| {
            let kind = s.kind_of(i);
            ranges.iter().any(|(src, range)| {
                if !range.contains(&s.code[i]) {
                    return false;
                }
                match src {
                    Src::Drug(_) => kind == EventKind::Dispensing && s.date[i] >= drug_from,
                    Src::Hosp(_) => kind == EventKind::Diagnosis,
                    Src::Ald(_) => {
                        kind == EventKind::Ald
                            && s.date[i] <= pop.data_end
                            && s.end_of(i).is_none_or(|e| e >= r)
                    }
                }
            })
        });
        if hit {
            num += 1;
        }
    }
    num as f64 / den as f64
}

/// Person-years lived in the data span.
fn person_years() -> f64 {
    let (pop, _) = data();
    let mut days = 0i64;
    for i in 0..pop.patients.len() {
        if let Some((a, b)) = pop.observation(i) {
            days += (b - a + 1) as i64;
        }
    }
    days as f64 / 365.2425
}

/// Stays with a main diagnosis of this ICD-10 prefix, per person-year.
fn stay_rate(prefix: &str) -> f64 {
    let (_, s) = data();
    let range = s.code_ids(CodeSystem::Icd10, prefix);
    let n = (0..s.n_events())
        .filter(|&i| s.kind_of(i) == EventKind::Stay && range.contains(&s.code[i]))
        .count();
    n as f64 / person_years()
}

/// Share of the persons alive on the first day of the data matching `f`.
fn share_at_start(f: impl Fn(u8, i32) -> bool) -> f64 {
    let (pop, _) = data();
    let alive: Vec<_> = pop
        .patients
        .iter()
        .filter(|p| p.birth < pop.data_start)
        .collect();
    let n = alive
        .iter()
        .filter(|p| f(p.sex, dates::age_at(p.birth, pop.data_start)))
        .count();
    n as f64 / alive.len() as f64
}

struct Target {
    name: &'static str,
    target: f64,
    tolerance: f64,
    value: f64,
}

fn check(targets: &[Target]) {
    let mut bad = Vec::new();
    for t in targets {
        let ok = (t.value - t.target).abs() <= t.tolerance;
        println!(
            "| {} | {:.4} | ±{:.4} | {:.4} | {}",
            t.name,
            t.target,
            t.tolerance,
            t.value,
            if ok { "ok" } else { "OUT" }
        );
        if !ok {
            bad.push(t.name);
        }
    }
    assert!(bad.is_empty(), "out of tolerance: {bad:?}");
}

#[test]
fn synth_demography() {
    let (pop, _) = data();
    let py = person_years();
    let deaths = pop.patients.iter().filter(|p| p.death.is_some()).count() as f64;
    let born: Vec<_> = pop
        .patients
        .iter()
        .filter(|p| p.birth >= pop.data_start)
        .collect();
    let boys = born.iter().filter(|p| p.sex == sex::MALE).count() as f64;
    let old_deaths = pop
        .patients
        .iter()
        .filter(|p| p.death.is_some_and(|d| dates::age_at(p.birth, d) >= 65))
        .count() as f64;
    check(&[
        Target {
            name: "women, share on day 1",
            target: 0.5151,
            tolerance: 0.006,
            value: share_at_start(|s, _| s == sex::FEMALE),
        },
        Target {
            name: "aged 0-19 on day 1",
            target: 0.2303,
            tolerance: 0.006,
            value: share_at_start(|_, a| a < 20),
        },
        Target {
            name: "aged 20-59 on day 1",
            target: 0.4925,
            tolerance: 0.006,
            value: share_at_start(|_, a| (20..60).contains(&a)),
        },
        Target {
            name: "aged 60-74 on day 1",
            target: 0.1742,
            tolerance: 0.005,
            value: share_at_start(|_, a| (60..75).contains(&a)),
        },
        Target {
            name: "aged 75+ on day 1",
            target: 0.1030,
            tolerance: 0.004,
            value: share_at_start(|_, a| a >= 75),
        },
        Target {
            name: "deaths per person-year",
            target: 0.0099,
            tolerance: 0.0012,
            value: deaths / py,
        },
        Target {
            name: "share of deaths at 65+",
            target: 0.85,
            tolerance: 0.04,
            value: old_deaths / deaths,
        },
        Target {
            name: "births per person-year",
            target: 0.0107,
            tolerance: 0.0012,
            value: born.len() as f64 / py,
        },
        Target {
            name: "boys among births",
            target: 0.512,
            tolerance: 0.02,
            value: boys / born.len() as f64,
        },
    ]);
}

#[test]
fn synth_departements() {
    // Target: INSEE legal populations (2021) of the referential; each share is compared with
    // its binomial standard error at 200 000 patients.
    let (pop, _) = data();
    let depts = referential::departements();
    let total: f64 = depts.iter().map(|d| d.population as f64).sum();
    let mut counts = vec![0u64; depts.len()];
    for p in &pop.patients {
        counts[p.dept as usize] += 1;
    }
    let n = pop.patients.len() as f64;
    let share = |f: &dyn Fn(&referential::Departement) -> bool| {
        let target: f64 = depts
            .iter()
            .filter(|d| f(d))
            .map(|d| d.population as f64)
            .sum::<f64>()
            / total;
        let value: f64 = depts
            .iter()
            .zip(&counts)
            .filter(|(d, _)| f(d))
            .map(|(_, c)| *c as f64)
            .sum::<f64>()
            / n;
        (target, value)
    };
    let (idf_t, idf_v) = share(&|d| d.region == 11);
    let (nord_t, nord_v) = share(&|d| d.code == "59");
    let (dom_t, dom_v) = share(&|d| d.code.len() == 3);
    check(&[
        Target {
            name: "Île-de-France residents",
            target: idf_t,
            tolerance: 0.004,
            value: idf_v,
        },
        Target {
            name: "Nord residents",
            target: nord_t,
            tolerance: 0.0015,
            value: nord_v,
        },
        Target {
            name: "overseas residents",
            target: dom_t,
            tolerance: 0.002,
            value: dom_v,
        },
    ]);
    for (d, c) in depts.iter().zip(&counts) {
        let p = d.population as f64 / total;
        let se = (p * (1.0 - p) / n).sqrt();
        let v = *c as f64 / n;
        assert!(
            (v - p).abs() <= 4.5 * se + 1e-4,
            "département {}: {v} vs {p}",
            d.code
        );
    }
}

#[test]
fn synth_conditions() {
    use Src::*;
    check(&[
        Target {
            name: "type 2 diabetes",
            target: 0.060,
            tolerance: 0.008,
            value: prevalence(&[Drug("A10"), Hosp("E11"), Ald("E11")], false),
        },
        Target {
            name: "treated hypertension",
            target: 0.175,
            tolerance: 0.025,
            value: prevalence(
                &[Drug("C09"), Drug("C08CA"), Drug("C03AA"), Drug("C07AB")],
                false,
            ),
        },
        Target {
            name: "ischaemic heart disease",
            target: 0.027,
            tolerance: 0.006,
            value: prevalence(&[Hosp("I2"), Ald("I2")], false),
        },
        Target {
            name: "heart failure",
            target: 0.011,
            tolerance: 0.003,
            value: prevalence(&[Hosp("I50"), Ald("I50"), Drug("C03CA")], false),
        },
        Target {
            name: "atrial fibrillation",
            target: 0.019,
            tolerance: 0.005,
            value: prevalence(
                &[Hosp("I48"), Ald("I48"), Drug("B01AF"), Drug("B01AA")],
                false,
            ),
        },
        Target {
            name: "ischaemic stroke",
            target: 0.012,
            tolerance: 0.004,
            value: prevalence(&[Hosp("I63"), Hosp("I693"), Ald("I63"), Ald("I693")], false),
        },
        Target {
            name: "COPD",
            target: 0.020,
            tolerance: 0.006,
            value: prevalence(
                &[Hosp("J44"), Ald("J44"), Drug("R03BB"), Drug("R03AL")],
                false,
            ),
        },
        Target {
            name: "treated with an R03 drug",
            target: 0.060,
            tolerance: 0.015,
            value: prevalence(&[Drug("R03")], false),
        },
        Target {
            name: "depression (antidepressant or F32/F33)",
            target: 0.065,
            tolerance: 0.015,
            value: prevalence(&[Drug("N06A"), Hosp("F32"), Hosp("F33"), Ald("F33")], false),
        },
        Target {
            name: "breast cancer, women",
            target: 0.021,
            tolerance: 0.005,
            value: prevalence(&[Hosp("C50"), Ald("C50"), Drug("L02B")], true),
        },
        Target {
            name: "dementia",
            target: 0.009,
            tolerance: 0.003,
            value: prevalence(&[Hosp("F0"), Hosp("G30"), Ald("F0"), Ald("G30")], false),
        },
        Target {
            name: "hip fracture stays per person-year",
            target: 0.0012,
            tolerance: 0.0003,
            value: stay_rate("S72"),
        },
        Target {
            name: "myocardial infarction stays per person-year",
            target: 0.0009,
            tolerance: 0.0003,
            value: stay_rate("I21"),
        },
        Target {
            name: "ischaemic stroke stays per person-year",
            target: 0.0012,
            tolerance: 0.0004,
            value: stay_rate("I63"),
        },
    ]);
}

#[test]
fn synth_diabetes_is_more_frequent_in_men() {
    // Cnam 2022: 7.1 % of men, 5.1 % of women. Measured on ALD E11 active on the last day.
    let (pop, s) = data();
    let range = s.code_ids(CodeSystem::Icd10, "E11");
    let mut n = [0u64; 2];
    let mut d = [0u64; 2];
    for p in 0..s.n_patients() {
        if s.patients.death[p] <= pop.data_end {
            continue;
        }
        let k = (s.patients.sex[p] == sex::FEMALE) as usize;
        d[k] += 1;
        if s.events_of(p)
            .any(|i| s.kind_of(i) == EventKind::Ald && range.contains(&s.code[i]))
        {
            n[k] += 1;
        }
    }
    let men = n[0] as f64 / d[0] as f64;
    let women = n[1] as f64 / d[1] as f64;
    let ratio = men / women;
    println!("diabetes ALD men {men:.4} women {women:.4} ratio {ratio:.2}");
    assert!((1.15..1.8).contains(&ratio), "men/women ratio {ratio}");
}

/// Share of women and mean age at admission among stays with this main diagnosis prefix.
fn stay_profile(prefix: &str) -> (f64, f64) {
    let (_, s) = data();
    let range = s.code_ids(CodeSystem::Icd10, prefix);
    let (mut n, mut women, mut ages) = (0.0, 0.0, 0.0);
    for p in 0..s.n_patients() {
        for i in s.events_of(p) {
            if s.kind_of(i) == EventKind::Stay && range.contains(&s.code[i]) {
                n += 1.0;
                women += (s.patients.sex[p] == sex::FEMALE) as u8 as f64;
                ages += dates::age_at(s.patients.birth[p], s.date[i]) as f64;
            }
        }
    }
    (women / n, ages / n)
}

#[test]
fn synth_acute_events_by_age_and_sex() {
    let (hip_women, hip_age) = stay_profile("S72");
    let (mi_women, mi_age) = stay_profile("I21");
    let (stroke_women, stroke_age) = stay_profile("I63");
    check(&[
        Target {
            name: "hip fracture stays: share of women",
            target: 0.75,
            tolerance: 0.07,
            value: hip_women,
        },
        Target {
            name: "hip fracture stays: mean age",
            target: 83.0,
            tolerance: 3.0,
            value: hip_age,
        },
        Target {
            name: "myocardial infarction stays: share of women",
            target: 0.32,
            tolerance: 0.08,
            value: mi_women,
        },
        Target {
            name: "myocardial infarction stays: mean age",
            target: 68.0,
            tolerance: 5.0,
            value: mi_age,
        },
        Target {
            name: "ischaemic stroke stays: share of women",
            target: 0.5,
            tolerance: 0.08,
            value: stroke_women,
        },
        Target {
            name: "ischaemic stroke stays: mean age",
            target: 74.0,
            tolerance: 4.0,
            value: stroke_age,
        },
    ]);
}

#[test]
fn synth_antibiotics_peak_in_winter() {
    // Santé publique France: antibiotic dispensings in winter (December–March) run at about
    // twice the summer level (June–September).
    let (_, s) = data();
    let range = s.code_ids(CodeSystem::Atc, "J01C");
    let (mut winter, mut summer) = (0.0, 0.0);
    for i in 0..s.n_events() {
        if s.kind_of(i) == EventKind::Dispensing && range.contains(&s.code[i]) {
            match dates::to_ymd(s.date[i]).1 {
                12 | 1..=3 => winter += 1.0,
                6..=9 => summer += 1.0,
                _ => {}
            }
        }
    }
    check(&[Target {
        name: "antibiotics, winter / summer",
        target: 2.1,
        tolerance: 0.5,
        value: winter / summer,
    }]);
}

#[test]
fn synth_day_in_period() {
    // Guard for the measures above: the data span is the default five years.
    let (pop, _) = data();
    let span: Day = pop.data_end - pop.data_start + 1;
    assert_eq!(span, 365 * 5 + 1);
}
