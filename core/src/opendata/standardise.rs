//! Direct standardisation of Data pathologies prevalences by age and sex: each place's (or
//! year's) prevalence in 5-year bands and by sex, weighted by a reference population's share of
//! each band and sex, so places of different age structures compare. Confidence intervals are
//! Fay and Feuer's gamma intervals (Statistics in Medicine 16:791–801, 1997), which keep their
//! level for small counts.

use std::collections::BTreeMap;
use std::sync::Arc;

use arrow_array::{Array, ArrayRef, Float64Array, Int64Array, RecordBatch, StringArray};
use arrow_schema::{DataType, Field, Schema};

use crate::error::{Error, Result};
use crate::stats::gamma_p_inv;

/// A reference population by 5-year age band (`00-04` ... `90-94`, `95et+`, the Data
/// pathologies bands) and sex.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ReferencePopulation {
    /// What it is and where it comes from.
    pub source: &'static str,
    /// `(band, men, women)` for the 20 bands.
    pub bands: &'static [(&'static str, u64, u64); 20],
}

/// France (whole country, overseas départements included) by sex and 5-year age band: INSEE,
/// census 2018 (RP2018 exploitation principale, géographie au 01/01/2021), table POP1B "Âge
/// quinquennal", https://www.insee.fr/fr/statistiques/5397445?geo=FE-1&sommaire=5397467 ;
/// `95et+` is the sum of the published 95–99 and 100-or-more rows.
pub const FRANCE_RP2018: ReferencePopulation = ReferencePopulation {
    source: "Insee, RP2018 exploitation principale, population de la France par sexe et âge \
             quinquennal (POP1B), géographie au 01/01/2021",
    bands: &[
        ("00-04", 1_912_032, 1_834_890),
        ("05-09", 2_103_205, 2_012_989),
        ("10-14", 2_118_169, 2_023_976),
        ("15-19", 2_121_599, 2_007_360),
        ("20-24", 1_891_915, 1_841_407),
        ("25-29", 1_894_988, 1_939_465),
        ("30-34", 1_977_553, 2_080_811),
        ("35-39", 2_047_307, 2_132_161),
        ("40-44", 2_078_773, 2_131_118),
        ("45-49", 2_230_818, 2_280_135),
        ("50-54", 2_193_469, 2_277_705),
        ("55-59", 2_090_242, 2_218_884),
        ("60-64", 1_947_372, 2_136_018),
        ("65-69", 1_861_206, 2_079_172),
        ("70-74", 1_406_107, 1_625_770),
        ("75-79", 962_304, 1_216_917),
        ("80-84", 758_101, 1_125_544),
        ("85-89", 464_287, 871_288),
        ("90-94", 180_987, 463_804),
        ("95et+", 36_409 + 3_736, 135_150 + 17_392),
    ],
};

/// One stratum of a place: its band, sex (1 men, 2 women), cases (`None` when masked at source)
/// and population.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stratum {
    /// `00-04` ... `95et+`.
    pub age_band: String,
    /// 1 or 2.
    pub sex: i64,
    /// `Ntop` (None: masked at source).
    pub cases: Option<i64>,
    /// `Npop`.
    pub population: i64,
}

/// A standardised rate (proportions, not percent) with its interval.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Standardised {
    /// Directly standardised rate, masked strata counted as 0 cases.
    pub rate: f64,
    /// Lower bound of the interval (Fay–Feuer).
    pub lower: f64,
    /// Upper bound of the interval (Fay–Feuer), masked strata counted as `masked_max` cases, so
    /// the interval covers every value the masked cells may hide.
    pub upper: f64,
    /// The standardised rate with masked strata counted as `masked_max` cases.
    pub rate_masked_max: f64,
    /// Crude rate: cases over population, masked strata counted as 0.
    pub crude: f64,
    /// Cases summed (masked strata counted as 0).
    pub cases: i64,
    /// Population summed.
    pub population: i64,
    /// Strata whose cases are masked at source.
    pub masked_strata: usize,
}

fn interval(strata: &[(f64, f64, f64)], level: f64) -> (f64, f64, f64) {
    // (weight, cases, population) → DSR y, variance v, and w_M = max weight / population.
    let mut y = 0.0;
    let mut v = 0.0;
    let mut wm: f64 = 0.0;
    for &(w, d, n) in strata {
        y += w * d / n;
        v += (w / n) * (w / n) * d;
        wm = wm.max(w / n);
    }
    let alpha = 1.0 - level;
    let lower = if y > 0.0 && v > 0.0 {
        (v / y) * gamma_p_inv(y * y / v, alpha / 2.0)
    } else {
        0.0
    };
    let (yu, vu) = (y + wm, v + wm * wm);
    let upper = (vu / yu) * gamma_p_inv(yu * yu / vu, 1.0 - alpha / 2.0);
    (y, lower, upper)
}

/// Standardise one place's strata to `reference` at confidence `level` (0.95). Every band and
/// sex of the reference must be present once, with a positive population; cases masked at
/// source count as 0 in the rate and as `masked_max` (9 in Data pathologies: counts under 10
/// are masked) in the upper bound.
pub fn standardise(
    strata: &[Stratum],
    reference: &ReferencePopulation,
    level: f64,
    masked_max: i64,
) -> Result<Standardised> {
    if !(0.0..1.0).contains(&level) || level <= 0.0 {
        return Err(Error::invalid(format!(
            "confidence level {level} is not between 0 and 1"
        )));
    }
    let total: u64 = reference.bands.iter().map(|(_, m, w)| m + w).sum();
    let mut low = vec![];
    let mut high = vec![];
    let (mut cases, mut population, mut masked) = (0i64, 0i64, 0usize);
    for (band, men, women) in reference.bands {
        for (sex, n_ref) in [(1i64, *men), (2, *women)] {
            let found: Vec<&Stratum> = strata
                .iter()
                .filter(|s| s.sex == sex && s.age_band == *band)
                .collect();
            let s = match found.as_slice() {
                [s] => *s,
                [] => {
                    return Err(Error::invalid(format!(
                        "no row for age band {band}, sex {sex}: standardisation needs every band \
                         of both sexes"
                    )))
                }
                _ => {
                    return Err(Error::invalid(format!(
                        "{} rows for age band {band}, sex {sex}: group the rows by every column \
                         that tells them apart",
                        found.len()
                    )))
                }
            };
            if s.population <= 0 {
                return Err(Error::invalid(format!(
                    "age band {band}, sex {sex}: population {} (a rate needs a positive \
                     population)",
                    s.population
                )));
            }
            let w = n_ref as f64 / total as f64;
            let n = s.population as f64;
            let d = s.cases.unwrap_or(0);
            if s.cases.is_none() {
                masked += 1;
            }
            cases += d;
            population += s.population;
            low.push((w, d as f64, n));
            high.push((w, s.cases.unwrap_or(masked_max) as f64, n));
        }
    }
    let (rate, lower, _) = interval(&low, level);
    let (rate_masked_max, _, upper) = interval(&high, level);
    Ok(Standardised {
        rate,
        lower,
        upper,
        rate_masked_max,
        crude: cases as f64 / population as f64,
        cases,
        population,
        masked_strata: masked,
    })
}

fn strings(b: &RecordBatch, name: &str) -> Result<Vec<Option<String>>> {
    let a = b.column_by_name(name).ok_or_else(|| Error::MissingColumn {
        table: "Data pathologies".into(),
        column: name.into(),
    })?;
    let cast = arrow_cast_string(a.as_ref());
    Ok(cast)
}

fn arrow_cast_string(a: &dyn Array) -> Vec<Option<String>> {
    if let Some(s) = a.as_any().downcast_ref::<StringArray>() {
        (0..s.len())
            .map(|i| s.is_valid(i).then(|| s.value(i).to_string()))
            .collect()
    } else if let Some(s) = a.as_any().downcast_ref::<Int64Array>() {
        (0..s.len())
            .map(|i| s.is_valid(i).then(|| s.value(i).to_string()))
            .collect()
    } else {
        vec![None; a.len()]
    }
}

fn ints(b: &RecordBatch, name: &str) -> Result<Vec<Option<i64>>> {
    let a = b.column_by_name(name).ok_or_else(|| Error::MissingColumn {
        table: "Data pathologies".into(),
        column: name.into(),
    })?;
    let a = a
        .as_any()
        .downcast_ref::<Int64Array>()
        .ok_or_else(|| Error::invalid(format!("column {name} is not an integer column")))?;
    Ok((0..a.len())
        .map(|i| a.is_valid(i).then(|| a.value(i)))
        .collect())
}

/// Standardise a Data pathologies table (as read by the readers): the rows of one sex (1, 2)
/// and one 5-year band are grouped by `by` (e.g. `["annee", "top", "region", "dept"]`), each
/// group standardised to `reference`. Returns the groups (the `by` columns as text) with
/// `Ntop`, `Npop`, `masked_strata`, and in percent, as `prev`: `crude_prev`, `std_prev`,
/// `std_prev_lower`, `std_prev_upper`, `std_prev_masked_max`.
pub fn standardise_data_pathologies(
    batch: &RecordBatch,
    by: &[String],
    reference: &ReferencePopulation,
    level: f64,
) -> Result<RecordBatch> {
    let band = strings(batch, "cla_age_5")?;
    let sex = ints(batch, "sexe")?;
    let ntop = ints(batch, "Ntop")?;
    let npop = ints(batch, "Npop")?;
    let keys: Vec<Vec<Option<String>>> = by
        .iter()
        .map(|n| strings(batch, n))
        .collect::<Result<_>>()?;
    let mut groups: BTreeMap<Vec<Option<String>>, Vec<Stratum>> = BTreeMap::new();
    for r in 0..batch.num_rows() {
        let (Some(b), Some(s)) = (&band[r], sex[r]) else {
            continue;
        };
        if !(s == 1 || s == 2) || !reference.bands.iter().any(|(rb, _, _)| rb == b) {
            continue;
        }
        let key: Vec<Option<String>> = keys.iter().map(|k| k[r].clone()).collect();
        let population = npop[r].ok_or_else(|| {
            Error::invalid(format!(
                "row {}: Npop is empty (masked) where a population is needed",
                r + 1
            ))
        })?;
        groups.entry(key).or_default().push(Stratum {
            age_band: b.clone(),
            sex: s,
            cases: ntop[r],
            population,
        });
    }
    let mut fields = vec![];
    let mut arrays: Vec<ArrayRef> = vec![];
    for (k, name) in by.iter().enumerate() {
        fields.push(Field::new(name, DataType::Utf8, true));
        arrays.push(Arc::new(StringArray::from(
            groups.keys().map(|g| g[k].clone()).collect::<Vec<_>>(),
        )));
    }
    let mut results = vec![];
    for (key, strata) in &groups {
        let s = standardise(strata, reference, level, 9).map_err(|e| {
            let place: Vec<String> = by
                .iter()
                .zip(key)
                .map(|(n, v)| format!("{n}={}", v.as_deref().unwrap_or("")))
                .collect();
            Error::invalid(format!("{}: {e}", place.join(", ")))
        })?;
        results.push(s);
    }
    let int_col = |f: &dyn Fn(&Standardised) -> i64| -> ArrayRef {
        Arc::new(Int64Array::from(results.iter().map(f).collect::<Vec<_>>()))
    };
    let pct_col = |f: &dyn Fn(&Standardised) -> f64| -> ArrayRef {
        Arc::new(Float64Array::from(
            results.iter().map(|s| 100.0 * f(s)).collect::<Vec<_>>(),
        ))
    };
    for (name, arr) in [
        ("Ntop", int_col(&|s| s.cases)),
        ("Npop", int_col(&|s| s.population)),
        ("masked_strata", int_col(&|s| s.masked_strata as i64)),
    ] {
        fields.push(Field::new(name, DataType::Int64, false));
        arrays.push(arr);
    }
    for (name, arr) in [
        ("crude_prev", pct_col(&|s| s.crude)),
        ("std_prev", pct_col(&|s| s.rate)),
        ("std_prev_lower", pct_col(&|s| s.lower)),
        ("std_prev_upper", pct_col(&|s| s.upper)),
        ("std_prev_masked_max", pct_col(&|s| s.rate_masked_max)),
    ] {
        fields.push(Field::new(name, DataType::Float64, false));
        arrays.push(arr);
    }
    Ok(RecordBatch::try_new(Arc::new(Schema::new(fields)), arrays)?)
}
