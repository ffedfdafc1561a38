//! The synthetic population generator (PRODUCT.md §3.4).
//!
//! A seeded, deterministic generator of SNDS-shaped histories whose marginals follow published
//! French figures (`core/CALIBRATION.md`) and whose histories are medically coherent
//! (`history.rs` lists the rules). Modules: `demography` (pyramid, births, deaths,
//! départements), `conditions` (prevalence, incidence, risk factors), `history` (one person's
//! life over the data span), `care` (the event sink that keeps events inside observation),
//! `codes` (the codes emitted, interned once per population).

mod care;
mod codes;
mod conditions;
mod demography;
mod history;

use crate::dates::Day;
use crate::error::{Error, Result};
use crate::hash::Digester;
use crate::model::{Event, Population};

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
}

impl Default for SynthConfig {
    fn default() -> Self {
        SynthConfig {
            seed: 0,
            patients: 10_000,
            start_year: 2019,
            years: 5,
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

/// Patients generated per work unit. Each unit is generated alone (one stream per patient), so
/// the output is the same whether units run in sequence or on several threads.
const CHUNK: u64 = 512;

/// Generate a synthetic population.
///
/// Every patient draws from its own random stream (`stream_seed(seed, index)`), so the result
/// does not depend on the order or the threads in which patients are generated. Events come
/// sorted by patient then date (the order [`population_digest`] hashes); stays are numbered in
/// that order from 1. The code dictionaries hold every code the generator can emit, in a fixed
/// order, whether or not it occurs.
pub fn generate(config: &SynthConfig) -> Result<Population> {
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
    let units: Vec<(u64, u64)> = (0..n)
        .step_by(CHUNK as usize)
        .map(|a| (a, (a + CHUNK).min(n)))
        .collect();
    let run = |(a, b): (u64, u64)| {
        let mut events = Vec::with_capacity(((b - a) * 64) as usize);
        let mut patients = Vec::with_capacity((b - a) as usize);
        let mut stays = 0u32;
        for i in a..b {
            patients.push(history::patient(&ctx, i, &mut events, &mut stays));
        }
        (patients, events, stays)
    };
    #[cfg(feature = "parallel")]
    let parts: Vec<_> = {
        use rayon::prelude::*;
        units.into_par_iter().map(run).collect()
    };
    #[cfg(not(feature = "parallel"))]
    let parts: Vec<_> = units.into_iter().map(run).collect();

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
    Ok(Population {
        patients,
        events,
        dicts: cat.dicts,
        data_start: start,
        data_end: end,
    })
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
