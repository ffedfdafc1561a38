//! Demography of the synthetic population: age–sex pyramid, births, deaths, département of
//! residence. Figures are published French ones; `core/CALIBRATION.md` lists each with its source
//! and the value the generator reaches.

use crate::dates::{self, Day};
use crate::hash::{mix64, stream_seed};
use crate::model::sex;
use crate::rng::Rng;

/// INSEE population estimate at 1 January 2023 (France including overseas départements), in
/// thousands, by 5-year band (0–4 … 90–94, 95+). Source: INSEE, « Pyramide des âges au
/// 1er janvier 2023 », bilan démographique 2022 (rounded to the thousand).
pub(crate) const PYRAMID_MALE: [f64; 20] = [
    1808.0, 1969.0, 2133.0, 2127.0, 1975.0, 1877.0, 1993.0, 2101.0, 2117.0, 2108.0, 2237.0, 2181.0,
    2030.0, 1878.0, 1722.0, 1217.0, 814.0, 522.0, 226.0, 53.0,
];
/// Women, same bands as [`PYRAMID_MALE`].
pub(crate) const PYRAMID_FEMALE: [f64; 20] = [
    1729.0, 1887.0, 2037.0, 2024.0, 1929.0, 1925.0, 2072.0, 2183.0, 2172.0, 2146.0, 2301.0, 2293.0,
    2198.0, 2084.0, 1974.0, 1515.0, 1138.0, 874.0, 496.0, 176.0,
];

/// Annual death probability per 1000, by 5-year band (0–4 … 95+), men. INSEE, deaths 2022 by
/// age and sex over the population at 1 January 2022 (675 000 deaths: 9.9 ‰).
pub(crate) const DEATH_MALE: [f64; 20] = [
    0.9, 0.08, 0.10, 0.35, 0.60, 0.70, 0.85, 1.15, 1.7, 2.7, 4.3, 6.8, 10.0, 14.5, 21.0, 33.0,
    58.0, 108.0, 200.0, 350.0,
];
/// Women, same bands as [`DEATH_MALE`].
pub(crate) const DEATH_FEMALE: [f64; 20] = [
    0.75, 0.07, 0.08, 0.15, 0.22, 0.25, 0.35, 0.55, 0.9, 1.5, 2.3, 3.4, 4.9, 6.8, 10.5, 18.0, 35.0,
    74.0, 155.0, 300.0,
];

/// Births per inhabitant per year: INSEE 2022, 726 000 births for 68.0 M inhabitants.
pub(crate) const BIRTH_RATE: f64 = 726.0 / 68_000.0;
/// Share of boys among births: INSEE, 105 boys per 100 girls.
pub(crate) const MALE_BIRTH_SHARE: f64 = 105.0 / 205.0;
/// Share of persons who are the second of a same-sex twin pair (rank 2 sharing the first's
/// pseudonym): 1.7 % of births are twins (INSEE), about two thirds same-sex, one twin in two
/// is the second.
pub(crate) const TWIN_SHARE: f64 = 0.006;

/// Average length of a year in days.
pub(crate) const YEAR: f64 = 365.2425;

/// Everything the demography of one person needs, computed once per population.
pub(crate) struct Demography {
    /// Cumulative weights of the 40 (sex, band) cells: men bands 0..20 then women.
    cells: [f64; 40],
    /// Cumulative population weights of the départements (index = referential index).
    depts: Vec<f64>,
    /// Probability that a registered person is born during the span.
    newborn_share: f64,
}

/// A person's demographic draw.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Person {
    pub sex: u8,
    pub birth: Day,
    pub dept: u8,
}

impl Demography {
    pub(crate) fn new(years: u32) -> Self {
        let mut cells = [0.0; 40];
        let mut acc = 0.0;
        for (i, c) in cells.iter_mut().enumerate() {
            acc += if i < 20 {
                PYRAMID_MALE[i]
            } else {
                PYRAMID_FEMALE[i - 20]
            };
            *c = acc;
        }
        let mut depts = Vec::new();
        let mut acc = 0.0;
        for d in crate::referential::departements() {
            acc += d.population as f64;
            depts.push(acc);
        }
        // Births over the span relative to everyone registered at some time in it.
        let b = BIRTH_RATE * years as f64;
        Demography {
            cells,
            depts,
            newborn_share: b / (1.0 + b),
        }
    }

    /// Draw a person registered during `[start, end]`: either alive at `start` (age from the
    /// pyramid) or born during the span.
    pub(crate) fn draw(&self, rng: &mut Rng, start_year: i32, start: Day, end: Day) -> Person {
        let dept = if self.depts.is_empty() {
            crate::model::DEPT_UNKNOWN
        } else {
            rng.from_cumulative(&self.depts) as u8
        };
        if rng.chance(self.newborn_share) {
            let sex = if rng.chance(MALE_BIRTH_SHARE) {
                sex::MALE
            } else {
                sex::FEMALE
            };
            let d = rng.range_i32(start, end);
            let (y, m, _) = dates::to_ymd(d);
            return Person {
                sex,
                birth: dates::from_ymd(y, m, 15),
                dept,
            };
        }
        let cell = rng.from_cumulative(&self.cells);
        let sex = if cell < 20 { sex::MALE } else { sex::FEMALE };
        let band = (cell % 20) as i32;
        let age = if band == 19 {
            // 95+: geometric decline (INSEE counts ~30 % fewer people at each year past 95).
            let mut a = 95;
            while a < 108 && rng.chance(0.7) {
                a += 1;
            }
            a
        } else {
            band * 5 + rng.range_i32(0, 4)
        };
        // Born in year start_year - age - 1 (month m): aged `age` on 1 January of start_year.
        let month = rng.range_i32(1, 12) as u32;
        Person {
            sex,
            birth: dates::from_ymd(start_year - age - 1, month, 15),
            dept,
        }
    }
}

/// Whether patient `index` is the second of a same-sex twin pair with `index - 1` (pairs are
/// (2k, 2k + 1), decided from the pair's own hash so it does not depend on other streams).
pub(crate) fn is_twin(seed: u64, index: u64) -> bool {
    if index % 2 == 0 {
        return false;
    }
    let h = mix64(stream_seed(seed, index - 1) ^ 0x7477_696E_7377_6170);
    (h >> 11) as f64 * (1.0 / (1u64 << 53) as f64) < TWIN_SHARE
}

/// Pseudonym `BEN_NIR_PSA` of patient `index`: 17 upper-case hex digits derived from the seed.
pub(crate) fn nir(seed: u64, index: u64) -> String {
    let s = stream_seed(seed, index);
    let a = mix64(s ^ 0x4E49_5250_5341_0001);
    let b = mix64(s ^ 0x4E49_5250_5341_0002);
    format!("{:016X}{:X}", a, b & 0xF)
}

/// Age in (fractional) years at `day`.
#[inline]
pub(crate) fn age(birth: Day, day: Day) -> f64 {
    (day - birth) as f64 / YEAR
}

/// 5-year band index (0..=19) of an age in years.
#[inline]
pub(crate) fn band(age: f64) -> usize {
    if age <= 0.0 {
        0
    } else {
        ((age / 5.0) as usize).min(19)
    }
}

/// Annual death probability of the general population at `age`.
#[inline]
pub(crate) fn death_rate(sex_code: u8, age: f64) -> f64 {
    let b = band(age);
    let per_mille = if sex_code == sex::MALE {
        DEATH_MALE[b]
    } else {
        DEATH_FEMALE[b]
    };
    per_mille / 1000.0
}
