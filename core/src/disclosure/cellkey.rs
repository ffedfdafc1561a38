//! The cell-key method (ABS TableBuilder, ONS Census 2021 flexible tables): a consistent
//! perturbation of counts of distinct patients.
//!
//! Each patient has a permanent 32-bit record key ([`crate::aggregate::RecordKeys`], derived by
//! [`crate::release::Release`] from a per-dataset secret); a cell's key is the sum of its
//! patients' record keys modulo 2³², computed alongside the count by the aggregates. The
//! published value of a count `n ≥ k` is `n + p`, where `p` is read from the perturbation table
//! at the row of `n` and the column given by the top 8 bits of the cell key:
//!
//! - the row of `n` is the discrete triangular distribution of half-width
//!   `w = min(max_noise, n − k)`: `P(p = j) ∝ w + 1 − |j|` for `|j| ≤ w`, quantised to 256
//!   slots ([`ptable_row`]): symmetric, so the perturbation is unbiased, and never below `k`
//!   once added (a published count of at least k is never a true small count, nor can it be
//!   read as one);
//! - a count of 0 is published as 0 (zero stays zero);
//! - a count from 1 to k − 1 is suppressed (null, flagged `<column>_masked`).
//!
//! The same cell (the same patients) always has the same key, so it is always published with
//! the same value, in any table, call or face: repeating a query averages nothing away. Two
//! cells that differ by a few patients have keys that differ by the sum of those patients'
//! secret keys: their perturbations are unrelated, so a difference of two published counts is
//! the true difference plus the difference of two independent draws.
//!
//! Integer values derived from counts (entries, boxes, dispensings) are perturbed the same way
//! from the key of the count they come with, mixed with the column's name; floating-point
//! values derived from counts are recomputed from the published counts by the release when
//! their formula is known (shares, rates, prevalences, survival) and otherwise rounded to a few
//! significant digits (means, SDs, medians, person-years).

use std::collections::BTreeMap;
use std::sync::Arc;

use arrow_array::{ArrayRef, Float64Array, Int64Array, RecordBatch};
use arrow_schema::{DataType, Field, Schema};

use crate::aggregate::Aggregate;
use crate::error::{Error, Result};
use crate::hash::mix64;

/// Columns of the perturbation table: the top 8 bits of a cell key select one.
pub const SLOTS: usize = 256;

/// The row of the perturbation table for half-width `w`: 256 perturbations in increasing order,
/// `j` appearing `s(j)` times, where `s(j) = round(256 (w + 1 − |j|) / (w + 1)²)` for `j ≠ 0`
/// and `s(0)` takes the rest. The row is symmetric about 0, so its mean is exactly 0.
pub fn ptable_row(w: u32) -> Vec<i64> {
    let w = i64::from(w);
    let total = ((w + 1) * (w + 1)) as f64;
    let slots = |j: i64| libm::round(SLOTS as f64 * (w + 1 - j.abs()) as f64 / total) as usize;
    let side: usize = (1..=w).map(slots).sum();
    let mut row = Vec::with_capacity(SLOTS);
    for j in -w..=w {
        let n = if j == 0 { SLOTS - 2 * side } else { slots(j) };
        row.resize(row.len() + n, j);
    }
    row
}

/// The perturbation of a count `n ≥ k` with cell key `key` (0 for counts under k).
pub fn perturbation(n: i64, key: u32, k: u32, max_noise: u32) -> i64 {
    let k = i64::from(k);
    if n < k {
        return 0;
    }
    let w = (n - k).min(i64::from(max_noise)) as u32;
    ptable_row(w)[(key >> 24) as usize]
}

/// The published value of a count of distinct patients: `None` (suppressed) from 1 to k − 1,
/// 0 for 0, else the count plus its [`perturbation`].
pub fn publish_count(n: i64, key: u32, k: u32, max_noise: u32) -> Option<i64> {
    if n == 0 {
        Some(0)
    } else if n < i64::from(k) {
        None
    } else {
        Some(n + perturbation(n, key, k, max_noise))
    }
}

/// The key of a value derived from a cell (column `column`): the cell's key mixed with the
/// column's name, so that two derived columns of one cell get unrelated perturbations.
fn derived_key(key: u32, column: &str) -> u32 {
    // FNV-1a of the name, then a 64-bit mix with the key.
    let name = column.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    });
    (mix64(name ^ u64::from(key)) >> 32) as u32
}

/// The published value of an integer derived from a cell with key `key`: the value plus a
/// perturbation of half-width `max_noise` read at the derived key.
pub fn publish_derived(v: i64, key: u32, column: &str, max_noise: u32) -> i64 {
    v + ptable_row(max_noise)[(derived_key(key, column) >> 24) as usize]
}

/// `v` rounded to `digits` significant digits (0 and non-finite values unchanged).
pub fn round_sig(v: f64, digits: u32) -> f64 {
    if v == 0.0 || !v.is_finite() {
        return v;
    }
    let mag = libm::floor(libm::log10(v.abs()));
    let scale = libm::pow(10.0, f64::from(digits.max(1)) - 1.0 - mag);
    libm::round(v * scale) / scale
}

/// Parameters of the cell-key method.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CellKeyParams {
    /// Threshold: counts from 1 to k − 1 are suppressed.
    pub k: u32,
    /// Half-width of the perturbation.
    pub max_noise: u32,
    /// Significant digits of the derived values that are rounded.
    pub digits: u32,
}

/// An aggregate being published by the cell-key method: the published counts and derived
/// values, column by column, and the suppression flags.
pub(crate) struct Perturbed {
    raw: Aggregate,
    /// Published integer columns (counts and derived integers).
    pub ints: BTreeMap<String, Vec<Option<i64>>>,
    /// Published floating-point derived columns.
    pub floats: BTreeMap<String, Vec<Option<f64>>>,
    /// Suppression flags of the counts and of the values derived from them.
    pub masks: BTreeMap<String, Vec<bool>>,
    params: CellKeyParams,
}

impl Perturbed {
    /// Perturb the counts of `agg` (built with record keys), suppress the small ones and their
    /// complements, perturb derived integers and round derived floats.
    pub(crate) fn new(agg: &Aggregate, params: CellKeyParams) -> Result<Self> {
        if agg.protected_k.is_some() {
            return Err(Error::Aggregate(format!(
                "aggregate {}: already protected",
                agg.name
            )));
        }
        let k = i64::from(params.k);
        let small = |v: i64| v >= 1 && v < k;
        let mut ints = BTreeMap::new();
        let mut floats = BTreeMap::new();
        let mut masks: BTreeMap<String, Vec<bool>> = BTreeMap::new();
        let mut keys_of: BTreeMap<String, Vec<u32>> = BTreeMap::new();
        for c in &agg.patient_counts {
            let raw = agg.ints(c)?;
            let keys = agg.cell_keys.get(c).ok_or_else(|| {
                Error::Aggregate(format!(
                    "aggregate {}: column {c} has no cell keys (build it through a Release)",
                    agg.name
                ))
            })?;
            if keys.len() != raw.len() {
                return Err(Error::Aggregate(format!(
                    "aggregate {}: {} cell keys for {} rows of {c}",
                    agg.name,
                    keys.len(),
                    raw.len()
                )));
            }
            let mut flags = vec![false; raw.len()];
            let mut out = vec![None; raw.len()];
            for r in 0..raw.len() {
                if let Some(v) = raw[r] {
                    match publish_count(v, keys[r], params.k, params.max_noise) {
                        Some(p) => out[r] = Some(p),
                        None => flags[r] = true,
                    }
                }
            }
            ints.insert(c.clone(), out);
            masks.insert(c.clone(), flags);
            keys_of.insert(c.clone(), keys.clone());
        }
        for (c, t) in &agg.complements {
            let (cv, tv) = (agg.ints(c)?, agg.ints(t)?);
            if let Some(flags) = masks.get_mut(c) {
                for r in 0..cv.len() {
                    if let (Some(x), Some(y)) = (cv[r], tv[r]) {
                        if small(y - x) {
                            flags[r] = true;
                        }
                    }
                }
            }
        }
        for d in &agg.derived {
            let flags: Vec<bool> = (0..agg.num_rows())
                .map(|r| d.from.iter().any(|f| masks.get(f).is_some_and(|m| m[r])))
                .collect();
            let col = agg.column(&d.column)?;
            match col.data_type() {
                DataType::Int64 => {
                    let raw = agg.ints(&d.column)?;
                    let keys = d.from.first().and_then(|f| keys_of.get(f)).ok_or_else(|| {
                        Error::Aggregate(format!(
                            "aggregate {}: {} is derived from no keyed count",
                            agg.name, d.column
                        ))
                    })?;
                    let out = raw
                        .iter()
                        .zip(keys)
                        .map(|(v, key)| {
                            v.map(|v| publish_derived(v, *key, &d.column, params.max_noise))
                        })
                        .collect();
                    ints.insert(d.column.clone(), out);
                }
                DataType::Float64 => {
                    let out = agg
                        .floats(&d.column)?
                        .into_iter()
                        .map(|v| v.map(|v| round_sig(v, params.digits)))
                        .collect();
                    floats.insert(d.column.clone(), out);
                }
                t => {
                    return Err(Error::Aggregate(format!(
                        "aggregate {}: derived column {} of type {t} cannot be published",
                        agg.name, d.column
                    )))
                }
            }
            masks.insert(d.column.clone(), flags);
        }
        Ok(Perturbed {
            raw: agg.clone(),
            ints,
            floats,
            masks,
            params,
        })
    }

    /// The published value of an integer column at a row (`None`: null or suppressed).
    pub(crate) fn int(&self, column: &str, row: usize) -> Option<i64> {
        let masked = self.masks.get(column).is_some_and(|m| m[row]);
        if masked {
            return None;
        }
        self.ints.get(column).and_then(|v| v[row])
    }

    /// A raw string column of the aggregate (strata are published as they are).
    pub(crate) fn strings(&self, column: &str) -> Result<Vec<Option<String>>> {
        self.raw.strings(column)
    }

    /// Replace a floating-point column's value at a row.
    pub(crate) fn set_float(&mut self, column: &str, row: usize, v: Option<f64>) {
        if let Some(c) = self.floats.get_mut(column) {
            c[row] = v.filter(|x| x.is_finite());
        }
    }

    /// The published aggregate: the new columns, masked cells null and flagged, a note.
    pub(crate) fn finish(self, note: String) -> Result<Aggregate> {
        let batch = &self.raw.batch;
        let schema = batch.schema();
        let mut fields = vec![];
        let mut cols: Vec<ArrayRef> = vec![];
        for (i, f) in schema.fields().iter().enumerate() {
            let col: ArrayRef = if let Some(v) = self.ints.get(f.name()) {
                Arc::new(Int64Array::from(v.clone()))
            } else if let Some(v) = self.floats.get(f.name()) {
                Arc::new(Float64Array::from(v.clone()))
            } else {
                batch.column(i).clone()
            };
            fields.push(Field::new(f.name(), col.data_type().clone(), true));
            cols.push(col);
        }
        let rebuilt = RecordBatch::try_new(
            Arc::new(Schema::new_with_metadata(fields, schema.metadata().clone())),
            cols,
        )?;
        let mut out = self.raw.clone();
        out.batch = super::apply(&rebuilt, &self.masks)?;
        out.cell_keys = BTreeMap::new();
        out.notes.push(note);
        out.protected_k = Some(self.params.k);
        out.batch = super::with_metadata(&out.batch, &out)?;
        Ok(out)
    }
}

/// Kaplan–Meier by the cell-key method: the follow-up is cut into intervals of `grain` days;
/// consecutive intervals are gathered ([`crate::aggregate::survival::gather_rows`]) until each
/// published step has 0 or at least k events, 0 or at least k censorings and leaves at least k
/// persons at risk; the step that would leave nobody at risk (the longest follow-ups) is not
/// published. Each step publishes the perturbed numbers at risk, of events and of censorings
/// (each a cell with its key), and the survival is the product of `1 − d / n` over the
/// published counts, with Greenwood's variance and the log–log band computed from them too.
/// Step times are the ends of the intervals (multiples of `grain`). The numbers at risk at the
/// requested times are read at the times rounded down to a multiple of `grain`, each a cell;
/// the survival there is the published curve's, null past its last step. The median and its
/// interval are step times of the published curve.
pub(crate) fn kaplan_meier(
    store: &crate::store::EventStore,
    rows: &crate::model::CohortRows,
    opts: &crate::aggregate::SurvivalOptions<'_>,
    keys: &crate::aggregate::RecordKeys,
    params: CellKeyParams,
    grain: u32,
) -> Result<crate::aggregate::KaplanMeier> {
    use crate::aggregate::survival::{gather_rows, loglog_band, subjects_of};
    use crate::aggregate::{make_batch, with_population, Col, Derived, KaplanMeier};
    if !(opts.level > 0.0 && opts.level < 1.0) {
        return Err(Error::invalid(format!(
            "level: expected a confidence level between 0 and 1, found {}",
            opts.level
        )));
    }
    if let Some(t) = opts.times.iter().find(|t| **t < 0) {
        return Err(Error::invalid(format!(
            "times: expected days after index (≥ 0), found {t}"
        )));
    }
    let subj = subjects_of(store, rows, &opts.outcome, opts.first_entry_only)?;
    let z = crate::stats::normal_quantile(1.0 - (1.0 - opts.level) / 2.0);
    let g = i64::from(grain.max(1));
    let bins = subj.iter().map(|s| s.0 / g + 1).max().unwrap_or(0) as usize;
    // Per interval: (count, key) of events and of censorings.
    let add = |c: &mut (u64, u32), key: u32| {
        c.0 += 1;
        c.1 = c.1.wrapping_add(key);
    };
    let mut ev = vec![(0u64, 0u32); bins];
    let mut ce = vec![(0u64, 0u32); bins];
    let (mut all, mut events) = ((0u64, 0u32), (0u64, 0u32));
    for &(t, e, p) in &subj {
        let key = keys.of(p as usize);
        let b = (t / g) as usize;
        add(&mut all, key);
        if e {
            add(&mut ev[b], key);
            add(&mut events, key);
        } else {
            add(&mut ce[b], key);
        }
    }
    let sum = |a: (u64, u32), b: (u64, u32)| (a.0 + b.0, a.1.wrapping_add(b.1));
    let mut risk = vec![(0u64, 0u32); bins + 1];
    for b in (0..bins).rev() {
        risk[b] = sum(risk[b + 1], sum(ev[b], ce[b]));
    }
    let table: Vec<(u64, u64, u64)> = (0..bins).map(|b| (risk[b].0, ev[b].0, ce[b].0)).collect();
    let (groups, masked) = gather_rows(&table, u64::from(params.k));
    let publish = |c: (u64, u32)| publish_count(c.0 as i64, c.1, params.k, params.max_noise);
    // Published steps: (time, n_risk, n_event, n_censor, survival, greenwood).
    let mut steps: Vec<(i64, i64, i64, i64, f64, f64)> = vec![];
    let (mut surv, mut gw) = (1.0f64, 0.0f64);
    if !masked {
        for r in &groups {
            let n = risk[r.start];
            let d = r.clone().fold((0, 0), |a, b| sum(a, ev[b]));
            let c = r.clone().fold((0, 0), |a, b| sum(a, ce[b]));
            if n.0 == d.0 + c.0 {
                break; // the step leaving nobody at risk: the longest follow-ups
            }
            let (Some(n), Some(d), Some(c)) = (publish(n), publish(d), publish(c)) else {
                break;
            };
            if n <= 0 {
                break;
            }
            let d = d.min(n);
            surv *= 1.0 - d as f64 / n as f64;
            gw += if n > d {
                d as f64 / (n as f64 * (n - d) as f64)
            } else {
                f64::INFINITY
            };
            steps.push((r.end as i64 * g, n, d, c, surv, gw));
        }
    }
    let population = {
        let mut f = crate::aggregate::Fingerprint::new("km-cell-key");
        f.rows(store, rows)
            .int(i64::from(opts.first_entry_only))
            .int(g);
        opts.outcome.fingerprint(&mut f);
        f.bytes(&opts.level.to_le_bytes());
        f.finish()
    };
    let finish = |name: &str,
                  cols: Vec<(String, Col)>,
                  masks: BTreeMap<String, Vec<bool>>,
                  counts: &[&str],
                  derived: Vec<Derived>,
                  note: String|
     -> Result<Aggregate> {
        let batch = with_population(make_batch(cols)?, &population);
        let mut a = Aggregate {
            name: name.into(),
            batch: super::apply(&batch, &masks)?,
            dims: vec![],
            patient_counts: counts.iter().map(|c| c.to_string()).collect(),
            derived,
            complements: vec![],
            notes: vec![note],
            protected_k: Some(params.k),
            cell_keys: BTreeMap::new(),
        };
        a.batch = super::with_metadata(&a.batch, &a)?;
        Ok(a)
    };
    let derived_of = |cols: &[&str], from: &[&str]| -> Vec<Derived> {
        cols.iter()
            .map(|c| Derived {
                column: c.to_string(),
                from: from.iter().map(|f| f.to_string()).collect(),
            })
            .collect()
    };
    let flags = |names: &[&str], rows: usize| -> BTreeMap<String, Vec<bool>> {
        names
            .iter()
            .map(|c| (c.to_string(), vec![false; rows]))
            .collect()
    };
    let note = format!(
        "Kaplan–Meier by the cell-key method (k = {}): intervals of {g} days gathered until each          step has 0 or at least k events and censorings and leaves at least k persons at risk;          counts perturbed by at most ±{}; survival, Greenwood variance and log-log {}% band          computed from the published counts; the last interval (the longest follow-ups) is not          shown",
        params.k,
        params.max_noise,
        opts.level * 100.0
    );
    let band: Vec<(Option<f64>, Option<f64>)> =
        steps.iter().map(|s| loglog_band(s.4, s.5, z)).collect();
    let n = steps.len();
    let curve = finish(
        "km_curve",
        vec![
            (
                "time".into(),
                Col::Int(steps.iter().map(|s| Some(s.0)).collect()),
            ),
            (
                "n_risk".into(),
                Col::Int(steps.iter().map(|s| Some(s.1)).collect()),
            ),
            (
                "n_event".into(),
                Col::Int(steps.iter().map(|s| Some(s.2)).collect()),
            ),
            (
                "n_censor".into(),
                Col::Int(steps.iter().map(|s| Some(s.3)).collect()),
            ),
            (
                "survival".into(),
                Col::Float(steps.iter().map(|s| Some(s.4)).collect()),
            ),
            (
                "std_err".into(),
                Col::Float(steps.iter().map(|s| Some(s.4 * s.5.sqrt())).collect()),
            ),
            (
                "lower".into(),
                Col::Float(band.iter().map(|b| b.0).collect()),
            ),
            (
                "upper".into(),
                Col::Float(band.iter().map(|b| b.1).collect()),
            ),
        ],
        flags(
            &[
                "n_risk", "n_event", "n_censor", "survival", "std_err", "lower", "upper",
            ],
            n,
        ),
        &["n_risk", "n_event", "n_censor"],
        derived_of(
            &["survival", "std_err", "lower", "upper"],
            &["n_risk", "n_event", "n_censor"],
        ),
        note,
    )?;

    // Numbers at risk at the requested times, rounded down to the grain.
    let mut by_time: Vec<(i64, u32)> = subj
        .iter()
        .map(|&(t, _, p)| (t, keys.of(p as usize)))
        .collect();
    by_time.sort_unstable_by_key(|x| x.0);
    let mut suffix = vec![0u32; by_time.len() + 1];
    for i in (0..by_time.len()).rev() {
        suffix[i] = suffix[i + 1].wrapping_add(by_time[i].1);
    }
    let last_time = steps.last().map_or(0, |s| s.0);
    let (mut tc, mut rc, mut sc, mut lc, mut uc, mut rm, mut sm) =
        (vec![], vec![], vec![], vec![], vec![], vec![], vec![]);
    for &t in &opts.times {
        let t = t / g * g;
        let i = by_time.partition_point(|x| x.0 < t);
        let nr = publish(((by_time.len() - i) as u64, suffix[i]));
        let j = steps.partition_point(|s| s.0 <= t);
        let (s, gw) = if j == 0 {
            (Some(1.0), 0.0)
        } else if t <= last_time {
            (Some(steps[j - 1].4), steps[j - 1].5)
        } else {
            (None, 0.0)
        };
        let (lo, hi) = s.map_or((None, None), |s| loglog_band(s, gw, z));
        tc.push(Some(t));
        rc.push(nr);
        rm.push(nr.is_none());
        sm.push(nr.is_none() || s.is_none());
        sc.push(s);
        lc.push(lo);
        uc.push(hi);
    }
    let mut masks = BTreeMap::new();
    masks.insert("n_risk".to_string(), rm);
    for c in ["survival", "lower", "upper"] {
        masks.insert(c.to_string(), sm.clone());
    }
    let at_risk = finish(
        "km_at_risk",
        vec![
            ("time".into(), Col::Int(tc)),
            ("n_risk".into(), Col::Int(rc)),
            ("survival".into(), Col::Float(sc)),
            ("lower".into(), Col::Float(lc)),
            ("upper".into(), Col::Float(uc)),
        ],
        masks,
        &["n_risk"],
        derived_of(&["survival", "lower", "upper"], &["n_risk"]),
        format!(
            "numbers at risk at the requested times rounded down to a multiple of {g} days;              survival read on the published curve (null past its last step)"
        ),
    )?;

    // Summary: persons, events, median and its interval on the published curve.
    let first_below = |v: &dyn Fn(usize) -> Option<f64>| -> Option<usize> {
        (0..steps.len()).find(|&i| steps[i].2 > 0 && v(i).is_some_and(|x| x <= 0.5))
    };
    let med = first_below(&|i| Some(steps[i].4));
    let med_lo = first_below(&|i| band[i].0);
    let med_hi = first_below(&|i| band[i].1);
    let persons = publish(all);
    let mut ev_pub = publish(events);
    let censored = all.0 - events.0;
    let mut ev_masked = ev_pub.is_none();
    if censored > 0 && censored < u64::from(params.k) {
        ev_pub = None;
        ev_masked = true;
    }
    let time_of = |i: Option<usize>| i.map(|i| steps[i].0 as f64);
    let mut masks = flags(
        &["median", "median_lower", "median_upper", "n_risk_at_median"],
        1,
    );
    masks.insert("persons".into(), vec![persons.is_none()]);
    masks.insert("events".into(), vec![ev_masked]);
    let summary = finish(
        "km_summary",
        vec![
            ("persons".into(), Col::Int(vec![persons])),
            ("events".into(), Col::Int(vec![ev_pub])),
            ("median".into(), Col::Float(vec![time_of(med)])),
            ("median_lower".into(), Col::Float(vec![time_of(med_lo)])),
            ("median_upper".into(), Col::Float(vec![time_of(med_hi)])),
            (
                "n_risk_at_median".into(),
                Col::Int(vec![med.map(|i| steps[i].1)]),
            ),
        ],
        masks,
        &["persons", "events", "n_risk_at_median"],
        derived_of(
            &["median", "median_lower", "median_upper"],
            &["persons", "events", "n_risk_at_median"],
        ),
        "median: the first published step time at which the published curve reaches 0.5 or          below"
            .into(),
    )?;
    Ok(KaplanMeier {
        curve,
        at_risk,
        summary,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_are_symmetric_and_full() {
        for w in 0..=10 {
            let row = ptable_row(w);
            assert_eq!(row.len(), SLOTS);
            assert_eq!(row.iter().sum::<i64>(), 0, "w = {w}");
            assert!(row.iter().all(|p| p.unsigned_abs() <= u64::from(w)));
            assert!(row.windows(2).all(|x| x[0] <= x[1]));
        }
    }

    #[test]
    fn round_sig_by_hand() {
        assert_eq!(round_sig(1234.5, 2), 1200.0);
        assert_eq!(round_sig(0.04567, 2), 0.046);
        assert_eq!(round_sig(-87.0, 1), -90.0);
        assert_eq!(round_sig(0.0, 2), 0.0);
    }
}
