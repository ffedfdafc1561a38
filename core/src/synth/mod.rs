//! The synthetic population generator (docs/decisions.md §3.4).
//!
//! A seeded, deterministic generator of SNDS-shaped histories whose marginals follow published
//! French figures (`core/CALIBRATION.md`) and whose histories are medically coherent
//! (`history.rs` lists the rules). Modules: `demography` (pyramid, births, deaths,
//! départements), `conditions` (prevalence, incidence, risk factors), `history` (one person's
//! life over the data span), `care` (the event sink that keeps events inside observation),
//! `codes` (the codes emitted, interned once per population).
//!
//! How the generator fills [`Event`]s (what the SNDS tables are written from):
//!
//! | kind | code | start / end | value | other |
//! |---|---|---|---|---|
//! | `Stay` | main diagnosis (ICD-10, `DGN_PAL`) | admission / discharge | length of stay (days) | `stay` number |
//! | `Diagnosis` | ICD-10 | admission / discharge of its stay | 0 | role DP, DR or DAS; `stay` number |
//! | `Act` | CCAM | day of the act | 1 | `stay` number in hospital, 0 in city care |
//! | `Dispensing` | CIP13 pack (ATC7 in `drug_atc`) | dispensing day | boxes (1–6) | |
//! | `Ald` | ICD-10 (`MED_MTF_COD`) | ALD start (may precede the data) / end, `dates::MAX_DAY` when open | 0 | role ALD; list number from [`ald_number`] |
//! | `Visit` | nature of service (`PRS_NAT_REF`: 1111 GP, 1112 specialist, 1211 home visit) | visit day | 1 | |
//! | `Death` | 0 | death day | 0 | the patient's last event |
//!
//! Every event but ALD periods lies within the patient's observation period; a stay is kept
//! only when discharged by the end of the data (a PMSI year is a discharge year) and ends at
//! death when the patient dies in hospital.

mod care;
mod codes;
mod conditions;
mod demography;
mod history;

use crate::dates::Day;
use crate::error::{Error, Result};
use crate::hash::Digester;
use crate::model::{Event, Patient, Population};

/// Knobs of the synthetic generator. The same configuration gives the same population, byte for
/// byte, on every platform.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SynthConfig {
    /// Seed of the pseudo-random streams.
    pub seed: u64,
    /// Number of patients.
    pub patients: u32,
    /// First calendar year covered by the data.
    pub start_year: i32,
    /// Number of calendar years covered (default 5).
    pub years: u32,
    /// "Real-world pitfalls" mode (off by default): the source tables of the population
    /// ([`crate::Dataset::tables`]) hold the traps of real extracts listed in
    /// [`crate::tables::render::Pitfalls`], which the loader's quality filters undo. The
    /// population itself (and its digest) is the same either way.
    pub pitfalls: bool,
}

impl Default for SynthConfig {
    fn default() -> Self {
        SynthConfig {
            seed: 0,
            patients: 10_000,
            start_year: 2019,
            years: 5,
            pitfalls: false,
        }
    }
}

impl SynthConfig {
    /// Check the configuration's ranges.
    pub fn validate(&self) -> Result<()> {
        if self.patients == 0 || self.patients > 20_000_000 {
            return Err(Error::invalid(format!(
                "patients: expected 1 to 20000000, found {}",
                self.patients
            )));
        }
        if self.years == 0 || self.years > 30 {
            return Err(Error::invalid(format!(
                "years: expected 1 to 30, found {}",
                self.years
            )));
        }
        if !(1990..=2090).contains(&self.start_year) {
            return Err(Error::invalid(format!(
                "start_year: expected 1990 to 2090, found {}",
                self.start_year
            )));
        }
        Ok(())
    }

    /// First day of the data.
    pub fn data_start(&self) -> Day {
        crate::dates::from_ymd(self.start_year, 1, 1)
    }

    /// Last day of the data.
    pub fn data_end(&self) -> Day {
        crate::dates::from_ymd(self.start_year + self.years as i32 - 1, 12, 31)
    }
}

/// Number in the long-term illness list (`IMB_ALD_NUM`, 1–32) under which the generator
/// registers an ALD motivated by this ICD-10 code (`MED_MTF_COD`), for writing `IR_IMB_R`:
/// 1 stroke, 5 heart failure and arrhythmias, 8 diabetes, 13 coronary disease, 14 chronic
/// respiratory failure (COPD), 15 Alzheimer's disease and other dementias, 23 severe
/// psychiatric disorders, 30 malignant tumours. `None` for a code outside these.
pub fn ald_number(icd10: &str) -> Option<u8> {
    let c = icd10.trim().to_ascii_uppercase();
    let cat = c.get(..3)?;
    Some(match cat {
        "I60" | "I61" | "I62" | "I63" | "I64" | "I69" | "G45" => 1,
        "I48" | "I49" | "I50" => 5,
        "E10" | "E11" | "E12" | "E13" | "E14" => 8,
        "I20" | "I21" | "I22" | "I23" | "I24" | "I25" => 13,
        "J44" | "J96" => 14,
        "F00" | "F01" | "F02" | "F03" | "G30" => 15,
        "F32" | "F33" => 23,
        _ if cat.starts_with('C') => 30,
        _ => return None,
    })
}

/// Patients generated per work unit. Each unit is generated alone (one stream per patient), so
/// the output is the same whether units run in sequence or on several threads.
#[cfg(feature = "parallel")]
const CHUNK: u64 = 512;

/// Generate a synthetic population.
///
/// Every patient draws from its own random stream (`stream_seed(seed, index)`), so the result
/// does not depend on the order or the threads in which patients are generated. Events come
/// sorted by patient then date (the order [`population_digest`] hashes); stays are numbered in
/// that order from 1. The code dictionaries hold every code the generator can emit, in a fixed
/// order, whether or not it occurs.
pub fn generate(config: &SynthConfig) -> Result<Population> {
    generate_units(config, cfg!(feature = "parallel"))
}

/// Patients between two calls of the progress callback of [`generate_with_progress`].
pub const PROGRESS_EVERY: u32 = 4096;

/// [`generate`] on one thread, calling `progress(done)` with the number of patients generated
/// every [`PROGRESS_EVERY`] patients and once at the end. The population is the same as
/// [`generate`]'s.
pub fn generate_with_progress(
    config: &SynthConfig,
    progress: &mut dyn FnMut(u32),
) -> Result<Population> {
    generate_reporting(config, false, progress)
}

/// [`generate`], on several threads or not (the result is the same).
fn generate_units(config: &SynthConfig, threads: bool) -> Result<Population> {
    generate_reporting(config, threads, &mut |_| {})
}

/// [`generate_units`]; `progress` is called on one thread only.
fn generate_reporting(
    config: &SynthConfig,
    threads: bool,
    progress: &mut dyn FnMut(u32),
) -> Result<Population> {
    config.validate()?;
    let cat = codes::Catalogue::new();
    let start = config.data_start();
    let end = config.data_end();
    let ctx = history::Ctx::new(
        config.seed,
        config.start_year,
        config.years,
        start,
        end,
        &cat.packs,
    );
    let n = config.patients as u64;
    #[cfg(feature = "parallel")]
    let (patients, events) = if threads {
        parallel(&ctx, n)?
    } else {
        sequential(&ctx, n, config.years, progress)
    };
    #[cfg(not(feature = "parallel"))]
    let (patients, events) = {
        let _ = threads;
        sequential(&ctx, n, config.years, progress)
    };
    drop(ctx);
    Ok(Population {
        patients,
        events,
        dicts: cat.dicts,
        data_start: start,
        data_end: end,
    })
}

/// Generation on several threads: units of [`CHUNK`] patients, concatenated in order, their
/// stays renumbered to follow each other.
#[cfg(feature = "parallel")]
fn parallel(ctx: &history::Ctx, n: u64) -> Result<(Vec<Patient>, Vec<Event>)> {
    use rayon::prelude::*;
    let units: Vec<(u64, u64)> = (0..n)
        .step_by(CHUNK as usize)
        .map(|a| (a, (a + CHUNK).min(n)))
        .collect();
    let run = |(a, b): (u64, u64)| {
        let mut events = Vec::with_capacity(((b - a) * 176) as usize);
        let mut patients = Vec::with_capacity((b - a) as usize);
        let mut stays = 0u32;
        let mut scratch = care::Scratch::default();
        for i in a..b {
            patients.push(history::patient(
                ctx,
                i,
                &mut events,
                &mut stays,
                &mut scratch,
            ));
        }
        (patients, events, stays)
    };
    let parts: Vec<_> = units.into_par_iter().map(run).collect();
    let total: usize = parts.iter().map(|p| p.1.len()).sum();
    let mut patients = Vec::with_capacity(n as usize);
    let mut events = Vec::with_capacity(total);
    let mut offset = 0u32;
    for (p, mut ev, stays) in parts {
        if offset > 0 {
            for e in &mut ev {
                if e.stay != 0 {
                    e.stay += offset;
                }
            }
        }
        offset = offset
            .checked_add(stays)
            .ok_or_else(|| Error::invalid("patients: too many hospital stays to number"))?;
        patients.extend(p);
        events.append(&mut ev);
    }
    Ok((patients, events))
}

/// Generation on one thread, straight into the population's vectors: no per-unit buffers to
/// concatenate (measured at 1 M patients: the copy and its page faults were a fifth of the time).
/// The events' capacity is reserved from the generator's mean (about 32 events per
/// patient-year at the default settings, see CALIBRATION.md) with a margin, so it rarely grows.
fn sequential(
    ctx: &history::Ctx,
    n: u64,
    years: u32,
    progress: &mut dyn FnMut(u32),
) -> (Vec<Patient>, Vec<Event>) {
    let mut events = Vec::with_capacity(n as usize * (34 * years as usize + 6));
    let mut patients = Vec::with_capacity(n as usize);
    let mut stays = 0u32;
    let mut scratch = care::Scratch::default();
    for i in 0..n {
        patients.push(history::patient(
            ctx,
            i,
            &mut events,
            &mut stays,
            &mut scratch,
        ));
        if (i + 1) % u64::from(PROGRESS_EVERY) == 0 {
            progress((i + 1) as u32);
        }
    }
    progress(n as u32);
    (patients, events)
}

/// SHA-256 (hex) of a canonical little-endian serialisation of a population: the data span,
/// the patients (pseudonym, rank, sex, birth, death, département), the dictionaries (drug packs
/// with their ATC7, ICD-10, CCAM, natures, in id order) and the events in canonical order (by
/// patient, day, kind with death last on its day, role, code, end, value, stay). The same
/// population gives the same digest on every platform; the order of `events` does not matter.
pub fn population_digest(pop: &Population) -> String {
    let mut w = DigestWriter::default();
    w.str("cohorte-population-v1");
    w.bytes(&pop.data_start.to_le_bytes());
    w.bytes(&pop.data_end.to_le_bytes());
    w.bytes(&(pop.patients.len() as u64).to_le_bytes());
    for p in &pop.patients {
        w.str(&p.nir);
        w.bytes(&[p.rank, p.sex]);
        w.bytes(&p.birth.to_le_bytes());
        match p.death {
            Some(d) => {
                w.bytes(&[1]);
                w.bytes(&d.to_le_bytes());
            }
            None => w.bytes(&[0, 0, 0, 0, 0]),
        }
        w.bytes(&[p.dept]);
    }
    let d = &pop.dicts;
    w.bytes(&(d.drug.len() as u64).to_le_bytes());
    for (i, code) in d.drug.codes().iter().enumerate() {
        w.str(code);
        w.str(d.drug_atc.get(i).map_or("", |s| s.as_str()));
    }
    for dict in [&d.icd10, &d.ccam, &d.nature] {
        w.bytes(&(dict.len() as u64).to_le_bytes());
        for code in dict.codes() {
            w.str(code);
        }
    }
    w.bytes(&(pop.events.len() as u64).to_le_bytes());
    let sorted = pop
        .events
        .windows(2)
        .all(|x| care::canonical_key(&x[0]) <= care::canonical_key(&x[1]));
    let mut put = |e: &Event| {
        w.bytes(&e.patient.to_le_bytes());
        w.bytes(&[e.kind as u8, e.role as u8]);
        w.bytes(&e.start.to_le_bytes());
        w.bytes(&e.end.to_le_bytes());
        w.bytes(&e.code.to_le_bytes());
        w.bytes(&e.value.to_le_bytes());
        w.bytes(&e.stay.to_le_bytes());
    };
    if sorted {
        pop.events.iter().for_each(&mut put);
    } else {
        let mut order: Vec<u32> = (0..pop.events.len() as u32).collect();
        order.sort_unstable_by_key(|i| care::canonical_key(&pop.events[*i as usize]));
        order.iter().for_each(|i| put(&pop.events[*i as usize]));
    }
    w.finish()
}

/// Buffers small writes before hashing them (hashing field by field is several times slower).
#[derive(Default)]
struct DigestWriter {
    digest: Digester,
    buf: Vec<u8>,
}

impl DigestWriter {
    #[inline]
    fn bytes(&mut self, b: &[u8]) {
        self.buf.extend_from_slice(b);
        if self.buf.len() >= 1 << 16 {
            self.digest.update(&self.buf);
            self.buf.clear();
        }
    }
    fn str(&mut self, s: &str) {
        self.bytes(&(s.len() as u64).to_le_bytes());
        self.bytes(s.as_bytes());
    }
    fn finish(mut self) -> String {
        self.digest.update(&self.buf);
        self.digest.finish()
    }
}

#[cfg(test)]
mod tests {
    use super::care::{Out, NONE};
    use super::codes::{Atc, Availability, Icd, Packs, N_ATC};
    use super::conditions::curve_at;
    use super::demography::{PYRAMID_FEMALE, PYRAMID_MALE};
    use crate::model::{Event, EventKind, Role};
    use crate::rng::Rng;

    fn out<'a>(
        ev: &'a mut Vec<Event>,
        stays: &'a mut u32,
        packs: &'a [Packs],
        available: &'a Availability,
    ) -> Out<'a> {
        Out {
            ev,
            first: 0,
            patient: 0,
            lo: 0,
            hi: 1000,
            data_start: 0,
            death: NONE,
            birth: -10_000,
            stays,
            packs,
            available,
            busy: [i32::MIN; N_ATC],
        }
    }

    #[test]
    fn threads_do_not_change_the_population() {
        // Several work units (512 patients each), run on threads when `parallel` is on.
        let cfg = super::SynthConfig {
            seed: 11,
            patients: 1500,
            ..super::SynthConfig::default()
        };
        let one = super::generate_units(&cfg, false).expect("generation succeeds");
        let many = super::generate_units(&cfg, true).expect("generation succeeds");
        assert_eq!(one, many);
        // Stay numbers run on across units: 1..=n, in order of appearance.
        let stays: Vec<u32> = one
            .events
            .iter()
            .filter(|e| e.kind == EventKind::Stay)
            .map(|e| e.stay)
            .collect();
        assert_eq!(stays, (1..=stays.len() as u32).collect::<Vec<_>>());
    }

    #[test]
    fn ald_numbers_of_the_list() {
        // Décret 2011-77 list: diabetes 8, heart failure 5, stroke 1, breast cancer 30.
        assert_eq!(super::ald_number("E119"), Some(8));
        assert_eq!(super::ald_number("i509"), Some(5));
        assert_eq!(super::ald_number("I693"), Some(1));
        assert_eq!(super::ald_number("C504"), Some(30));
        assert_eq!(super::ald_number("G309"), Some(15));
        assert_eq!(super::ald_number("K802"), None);
        assert_eq!(super::ald_number("E1"), None);
    }

    #[test]
    fn recent_substances_are_replaced_before_their_listing() {
        // Dapagliflozin is reimbursed from April 2020: a DPP-4 inhibitor is prescribed before,
        // and before 2008 (no DPP-4 inhibitor yet) a sulfonylurea.
        let a = Availability::new();
        let day = crate::dates::from_ymd;
        assert_eq!(a.on(Atc::A10BK01, day(2020, 4, 1)), Atc::A10BK01);
        assert_eq!(a.on(Atc::A10BK01, day(2020, 3, 31)), Atc::A10BH01);
        assert_eq!(a.on(Atc::A10BK01, day(2005, 1, 1)), Atc::A10BB09);
        assert_eq!(a.on(Atc::A10BA02, day(1990, 1, 1)), Atc::A10BA02);
    }

    #[test]
    fn curve_interpolates_between_nodes() {
        let c = [(10.0, 0.0, 0.2), (20.0, 1.0, 0.4)];
        assert_eq!(curve_at(&c, 5.0, false), 0.0);
        assert_eq!(curve_at(&c, 15.0, false), 0.5);
        assert!((curve_at(&c, 12.5, true) - 0.25).abs() < 1e-12);
        assert_eq!(curve_at(&c, 80.0, true), 0.4);
    }

    #[test]
    fn pyramid_totals_match_insee() {
        // INSEE, 1 January 2023: 33.1 M men, 35.2 M women (thousands in the tables).
        let men: f64 = PYRAMID_MALE.iter().sum();
        let women: f64 = PYRAMID_FEMALE.iter().sum();
        assert_eq!(men, 33_088.0);
        assert_eq!(women, 35_153.0);
    }

    #[test]
    fn monthly_course_refills_about_every_month() {
        let mut packs = vec![Packs::default(); N_ATC];
        packs[Atc::A10BA02 as usize].monthly = vec![(7, 30)];
        let available = Availability::new();
        let (mut ev, mut stays) = (Vec::new(), 0);
        let mut o = out(&mut ev, &mut stays, &packs, &available);
        let mut rng = Rng::new(1);
        o.course(&mut rng, Atc::A10BA02, 100, 464, 0.0);
        // A second course of the same substance overlapping the first adds nothing.
        let n = o.ev.len();
        o.course(&mut rng, Atc::A10BA02, 200, 300, 0.0);
        assert_eq!(o.ev.len(), n);
        let days: Vec<i32> = ev.iter().map(|e| e.start).collect();
        assert_eq!(days[0], 100);
        assert!(days.iter().all(|d| (100..=464).contains(d)));
        assert!(ev
            .iter()
            .all(|e| e.code == 7 && e.kind == EventKind::Dispensing));
        for (w, e) in days.windows(2).zip(&ev) {
            // The next refill comes when the boxes run out, a few days early or late.
            assert!(w[1] - w[0] >= 30 * e.value - 3, "{days:?}");
        }
        // Over many patients, a year of 30-day boxes is about 12 boxes (gaps make it fewer).
        let mut total = 0;
        for seed in 0..500 {
            let (mut ev, mut stays) = (Vec::new(), 0);
            let mut o = out(&mut ev, &mut stays, &packs, &available);
            o.course(&mut Rng::new(seed), Atc::A10BA02, 0, 364, 0.0);
            total += ev.iter().map(|e| e.value).sum::<i32>();
        }
        let mean = total as f64 / 500.0;
        assert!((10.0..12.5).contains(&mean), "{mean} boxes a year");
    }

    #[test]
    fn stays_end_at_death_and_need_a_discharge_in_the_data() {
        let packs = vec![Packs::default(); N_ATC];
        let available = Availability::new();
        let (mut ev, mut stays) = (Vec::new(), 0);
        let mut o = out(&mut ev, &mut stays, &packs, &available);
        // Discharged after the end of the data: not in the PMSI of the period.
        assert_eq!(o.stay(995, 10, Icd::I214, None, &[Icd::I10], &[]), None);
        assert!(o.ev.is_empty());
        // Death on day 503 during a stay admitted on day 500.
        o.death = 503;
        o.hi = 503;
        assert_eq!(
            o.stay(500, 10, Icd::I214, None, &[Icd::I10], &[]),
            Some(503)
        );
        let kinds: Vec<(EventKind, Role)> = o.ev.iter().map(|e| (e.kind, e.role)).collect();
        assert_eq!(
            kinds,
            vec![
                (EventKind::Stay, Role::None),
                (EventKind::Diagnosis, Role::DP),
                (EventKind::Diagnosis, Role::DAS)
            ]
        );
        assert!(o.ev.iter().all(|e| e.stay == 1 && e.end == 503));
        assert_eq!(o.ev[0].value, 3);
    }
}
