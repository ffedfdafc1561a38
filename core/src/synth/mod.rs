//! The synthetic population generator (PRODUCT.md §3.4).

use crate::dates::Day;
use crate::error::{Error, Result};
use crate::model::Population;

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

/// Generate a synthetic population.
pub fn generate(config: &SynthConfig) -> Result<Population> {
    config.validate()?;
    Err(Error::invalid("the synthetic generator is being written"))
}
