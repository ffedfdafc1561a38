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

/// Boxes dispensed and person-years lived, by age in years (0–109, 110 and over in the last),
/// each box counted at the patient's age on the day it was dispensed; men then women.
struct Density {
    boxes: [[f64; 111]; 2],
    years: [[f64; 111]; 2],
}

fn density() -> &'static Density {
    static D: OnceLock<Density> = OnceLock::new();
    D.get_or_init(|| {
        let (pop, _) = data();
        let mut d = Density {
            boxes: [[0.0; 111]; 2],
            years: [[0.0; 111]; 2],
        };
        let s = |p: &cohorte_core::model::Patient| (p.sex == sex::FEMALE) as usize;
        for (i, p) in pop.patients.iter().enumerate() {
            let Some((lo, hi)) = pop.observation(i) else {
                continue;
            };
            // Split the observation at birthdays (births fall on the 15th: no 29 February).
            let (by, bm, bd) = dates::to_ymd(p.birth);
            let mut age = dates::age_at(p.birth, lo).max(0);
            let mut from = lo;
            while from <= hi {
                let next = dates::from_ymd(by + age + 1, bm, bd);
                let to = (next - 1).min(hi);
                d.years[s(p)][(age as usize).min(110)] += (to - from + 1) as f64 / 365.2425;
                from = to + 1;
                age += 1;
            }
        }
        for e in &pop.events {
            if e.kind == EventKind::Dispensing {
                let p = &pop.patients[e.patient as usize];
                let age = dates::age_at(p.birth, e.start).clamp(0, 110) as usize;
                d.boxes[s(p)][age] += e.value as f64;
            }
        }
        d
    })
}

/// Boxes per person-year at ages `lo..=hi`, for men (`Some(false)`), women or both.
fn boxes_per_year(lo: usize, hi: usize, women: Option<bool>) -> f64 {
    let d = density();
    let sexes: &[usize] = match women {
        None => &[0, 1],
        Some(false) => &[0],
        Some(true) => &[1],
    };
    let (mut b, mut y) = (0.0, 0.0);
    for &s in sexes {
        for a in lo..=hi.min(110) {
            b += d.boxes[s][a];
            y += d.years[s][a];
        }
    }
    b / y
}

/// Share of calendar person-years (people observed the whole year) with at least one event
/// matching `f`.
fn share_of_years_with(f: impl Fn(&cohorte_core::model::Event) -> bool) -> f64 {
    let (pop, _) = data();
    let (mut n, mut with) = (0u64, 0u64);
    let mut events = pop.events.iter().peekable();
    for (i, _) in pop.patients.iter().enumerate() {
        let mut hit = [false; 40];
        while let Some(e) = events.next_if(|e| e.patient as usize == i) {
            if f(e) {
                let k = (dates::year(e.start) - dates::year(pop.data_start)) as usize;
                if k < hit.len() {
                    hit[k] = true;
                }
            }
        }
        let Some((lo, hi)) = pop.observation(i) else {
            continue;
        };
        for y in dates::year(pop.data_start)..=dates::year(pop.data_end) {
            if lo <= dates::from_ymd(y, 1, 1) && hi >= dates::from_ymd(y, 12, 31) {
                n += 1;
                with += hit[(y - dates::year(pop.data_start)) as usize] as u64;
            }
        }
    }
    with as f64 / n as f64
}

/// Boxes dispensed by ATC code prefix of length `level` (1, 3, 4, 5 or 7 characters), with the
/// total.
fn boxes_by_atc(level: usize) -> (Vec<(String, f64)>, f64) {
    let (pop, _) = data();
    let mut by: std::collections::BTreeMap<String, f64> = Default::default();
    let mut total = 0.0;
    for e in &pop.events {
        if e.kind == EventKind::Dispensing {
            let atc = &pop.dicts.drug_atc[e.code as usize];
            *by.entry(atc[..level.min(atc.len())].to_string())
                .or_default() += e.value as f64;
            total += e.value as f64;
        }
    }
    let mut v: Vec<(String, f64)> = by.into_iter().collect();
    v.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    (v, total)
}

#[test]
fn synth_dispensing_density_by_age_and_sex() {
    for (lo, hi) in [
        (0, 19),
        (20, 39),
        (40, 59),
        (60, 64),
        (65, 69),
        (70, 79),
        (80, 110),
    ] {
        println!(
            "boxes per person-year {lo}-{hi}: men {:.1}, women {:.1}",
            boxes_per_year(lo, hi, Some(false)),
            boxes_per_year(lo, hi, Some(true))
        );
    }
    let (pop, _) = data();
    let py: f64 = density().years.iter().flatten().sum();
    let lines = pop
        .events
        .iter()
        .filter(|e| e.kind == EventKind::Dispensing)
        .count();
    println!(
        "per person-year: {:.1} events, {:.1} dispensing lines",
        pop.events.len() as f64 / py,
        lines as f64 / py
    );
    check(&[
        Target {
            name: "boxes per person-year",
            target: 41.0,
            tolerance: 4.0,
            value: boxes_per_year(0, 110, None),
        },
        Target {
            name: "boxes per person-year, aged 65-69",
            target: 75.0,
            tolerance: 10.0,
            value: boxes_per_year(65, 69, None),
        },
        Target {
            name: "boxes per person-year, aged 80+",
            target: 108.0,
            tolerance: 12.0,
            value: boxes_per_year(80, 110, None),
        },
        Target {
            name: "boxes per person-year, women / men",
            target: 1.25,
            tolerance: 0.2,
            value: boxes_per_year(0, 110, Some(true)) / boxes_per_year(0, 110, Some(false)),
        },
        Target {
            name: "person-years with a dispensing",
            target: 0.87,
            tolerance: 0.05,
            value: share_of_years_with(|e| e.kind == EventKind::Dispensing),
        },
        Target {
            name: "person-years with a GP visit",
            target: 0.85,
            tolerance: 0.04,
            value: share_of_years_with(|e| e.kind == EventKind::Visit),
        },
    ]);
}

#[test]
fn synth_drug_mix_follows_open_medic() {
    let (subst, total) = boxes_by_atc(7);
    let (classes, _) = boxes_by_atc(1);
    for (code, b) in subst.iter().take(12) {
        println!("{code}: {:.1} % of boxes", 100.0 * b / total);
    }
    for (code, b) in &classes {
        println!("ATC {code}: {:.1} % of boxes", 100.0 * b / total);
    }
    let share = |v: &[(String, f64)], code: &str| {
        v.iter().find(|(c, _)| c == code).map_or(0.0, |x| x.1) / total
    };
    // Paracetamol first, far ahead of the second substance.
    assert_eq!(subst[0].0, "N02BE01", "{:?}", &subst[..3]);
    check(&[
        Target {
            name: "paracetamol, share of boxes",
            target: 0.15,
            tolerance: 0.05,
            value: share(&subst, "N02BE01"),
        },
        Target {
            name: "paracetamol / second substance",
            target: 4.0,
            tolerance: 2.0,
            value: subst[0].1 / subst[1].1,
        },
        Target {
            name: "nervous system (N), share of boxes",
            target: 0.30,
            tolerance: 0.08,
            value: share(&classes, "N"),
        },
    ]);
    // The nervous system leads the classes.
    assert_eq!(classes[0].0, "N", "{:?}", &classes[..3]);
}

/// One-year mortality after a first stay with a main diagnosis of one of `prefixes`: the
/// patient's first such stay in the data, admitted from the data's second year (a year of
/// look-back without such a stay) to a year before its end, with no earlier ALD of one of
/// `ald` (a condition known before), of patients of one sex (any when `None`) aged `ages` at
/// admission. Returns (deaths within 365 days of admission, stays).
fn one_year_mortality(
    prefixes: &[&str],
    ald: &[&str],
    women: Option<bool>,
    ages: std::ops::Range<i32>,
) -> (u64, u64) {
    let (pop, s) = data();
    let ids = |list: &[&str]| -> Vec<std::ops::Range<u32>> {
        list.iter()
            .map(|p| s.code_ids(CodeSystem::Icd10, p))
            .collect()
    };
    let (stay_ids, ald_ids) = (ids(prefixes), ids(ald));
    let hit = |r: &[std::ops::Range<u32>], code: u32| r.iter().any(|r| r.contains(&code));
    let (first, last) = (pop.data_start + 365, pop.data_end - 365);
    let (mut deaths, mut n) = (0, 0);
    for p in 0..s.n_patients() {
        if women.is_some_and(|w| w != (s.patients.sex[p] == sex::FEMALE)) {
            continue;
        }
        let Some(i) = s
            .events_of(p)
            .find(|&i| s.kind_of(i) == EventKind::Stay && hit(&stay_ids, s.code[i]))
        else {
            continue;
        };
        let day = s.date[i];
        if day < first || day > last {
            continue;
        }
        let known = s
            .events_of(p)
            .any(|j| s.kind_of(j) == EventKind::Ald && hit(&ald_ids, s.code[j]) && s.date[j] < day);
        if known || !ages.contains(&dates::age_at(s.patients.birth[p], day)) {
            continue;
        }
        n += 1;
        deaths += (s.patients.death[p] <= day + 365) as u64;
    }
    (deaths, n)
}

#[test]
fn synth_mortality_after_serious_events() {
    let rate = |(d, n): (u64, u64)| {
        println!("  {d} deaths within a year among {n} first stays");
        d as f64 / n as f64
    };
    check(&[
        Target {
            name: "one-year mortality, ischaemic stroke, women 65+",
            target: 0.29,
            tolerance: 0.05,
            value: rate(one_year_mortality(
                &["I63"],
                &["I63", "I69"],
                Some(true),
                65..200,
            )),
        },
        Target {
            name: "one-year mortality, ischaemic stroke, 75+",
            target: 0.27,
            tolerance: 0.05,
            value: rate(one_year_mortality(&["I63"], &["I63", "I69"], None, 75..200)),
        },
        Target {
            name: "one-year mortality, ischaemic stroke, under 65",
            target: 0.09,
            tolerance: 0.05,
            value: rate(one_year_mortality(&["I63"], &["I63", "I69"], None, 0..65)),
        },
        Target {
            name: "one-year mortality, myocardial infarction",
            target: 0.11,
            tolerance: 0.04,
            value: rate(one_year_mortality(&["I21"], &["I2"], None, 0..200)),
        },
        Target {
            name: "one-year mortality, myocardial infarction, 80+",
            target: 0.30,
            tolerance: 0.08,
            value: rate(one_year_mortality(&["I21"], &["I2"], None, 80..200)),
        },
        Target {
            name: "one-year mortality, first heart failure stay",
            target: 0.29,
            tolerance: 0.06,
            value: rate(one_year_mortality(&["I50"], &["I50"], None, 0..200)),
        },
        Target {
            name: "one-year mortality, hip fracture, 65+",
            target: 0.23,
            tolerance: 0.05,
            value: rate(one_year_mortality(&["S72"], &[], None, 65..200)),
        },
        Target {
            name: "one-year mortality, breast cancer surgery, women",
            target: 0.03,
            tolerance: 0.025,
            value: rate(one_year_mortality(&["C50"], &[], Some(true), 0..200)),
        },
    ]);
}
