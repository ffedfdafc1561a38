//! Kaplan–Meier estimate of the time to an outcome after index, with Greenwood variances and a
//! log–log confidence band (the `conf.type = "log-log"` of R's `survfit`), numbers at risk at
//! chosen times and the median with its interval (Brookmeyer–Crowley: the times where the band
//! crosses 0.5: the lower limit is the first time the lower band reaches 0.5, the upper limit
//! the first time the upper band does).

use super::{check_rows, entries, follow_up_end, make_batch, Aggregate, Col, Derived, Outcome};
use crate::error::{Error, Result};
use crate::model::CohortRows;
use crate::stats;
use crate::store::EventStore;

/// Options of [`kaplan_meier`].
#[derive(Debug)]
pub struct SurvivalOptions<'a> {
    /// The outcome: its first occurrence strictly after the index date is the event.
    pub outcome: Outcome<'a>,
    /// Times (days after index) for the numbers-at-risk table.
    pub times: Vec<i64>,
    /// Confidence level of the band (0.95 by default).
    pub level: f64,
    /// Keep only each person's first entry (default true).
    pub first_entry_only: bool,
    /// Smallest step published (the disclosure threshold k; 1 = the exact curve): consecutive
    /// times are gathered into one step until its events and its censorings are each 0 or at
    /// least this many, and so are the persons still at risk after it. See [`km_tables_min`].
    /// [`crate::disclosure::protect`] gathers the curve again at its own k whatever this is:
    /// the exact curve never leaves the disclosure layer.
    pub min_step: u32,
}

impl<'a> SurvivalOptions<'a> {
    /// Defaults for an outcome: no at-risk times, 95 % band, first entries only.
    pub fn new(outcome: Outcome<'a>) -> Self {
        SurvivalOptions {
            outcome,
            times: vec![],
            level: 0.95,
            first_entry_only: true,
            min_step: 1,
        }
    }
}

/// The three tables of a Kaplan–Meier analysis.
#[derive(Debug, Clone)]
pub struct KaplanMeier {
    /// The curve, one row per distinct time with an event or a censoring. Columns: `time`
    /// (Int64, days after index), `n_risk` (Int64, patients at risk: the patient count),
    /// `n_event`, `n_censor` (Int64), `survival`, `std_err` (Greenwood), `lower`, `upper`
    /// (Float64, log–log band) — all derived from `n_risk`.
    pub curve: Aggregate,
    /// Numbers at risk at the requested times. Columns: `time`, `n_risk` (patient count),
    /// `survival`, `lower`, `upper` (the curve's value at that time; derived from `n_risk`).
    pub at_risk: Aggregate,
    /// One row: `persons` (patient count), `events` (Int64, derived), `median`,
    /// `median_lower`, `median_upper` (Float64, days; null when not reached) and
    /// `n_risk_at_median` (patient count: the median is masked with it).
    pub summary: Aggregate,
}

/// Subjects as `(time, event)` from cohort entries: follow-up ends at the outcome (event) or at
/// exit, death or end of data (censored).
pub fn subjects(
    store: &EventStore,
    rows: &CohortRows,
    outcome: &Outcome<'_>,
    first_entry_only: bool,
) -> Result<Vec<(i64, bool)>> {
    check_rows(store, rows)?;
    let mut out = Vec::new();
    for i in entries(rows, first_entry_only) {
        let p = rows.person[i] as usize;
        let index = rows.start[i];
        let last = follow_up_end(store, p, rows.end[i]);
        let event = outcome.first_after(store, p, index).filter(|d| *d <= last);
        out.push((
            (event.unwrap_or(last) - index).max(0) as i64,
            event.is_some(),
        ));
    }
    Ok(out)
}

/// One step of the curve.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Step {
    /// Time.
    pub time: i64,
    /// At risk just before `time`.
    pub n_risk: u64,
    /// Events at `time`.
    pub n_event: u64,
    /// Censored at `time`.
    pub n_censor: u64,
    /// Survival just after `time`.
    pub survival: f64,
    /// Greenwood sum `Σ d / (n (n - d))` up to `time`.
    pub greenwood: f64,
}

/// Kaplan–Meier steps from `(time, event)` subjects (events before censorings at equal times).
pub fn km_steps(subjects: &[(i64, bool)]) -> Vec<Step> {
    let mut s: Vec<(i64, bool)> = subjects.to_vec();
    s.sort_by_key(|(t, e)| (*t, !*e));
    let mut steps = Vec::new();
    let mut n = s.len() as u64;
    let (mut surv, mut gw) = (1.0f64, 0.0f64);
    let mut i = 0;
    while i < s.len() {
        let t = s[i].0;
        let (mut d, mut c) = (0u64, 0u64);
        while i < s.len() && s[i].0 == t {
            if s[i].1 {
                d += 1;
            } else {
                c += 1;
            }
            i += 1;
        }
        if d > 0 {
            surv *= 1.0 - d as f64 / n as f64;
            gw += if n > d {
                d as f64 / (n as f64 * (n - d) as f64)
            } else {
                f64::INFINITY
            };
        }
        steps.push(Step {
            time: t,
            n_risk: n,
            n_event: d,
            n_censor: c,
            survival: surv,
            greenwood: gw,
        });
        n -= d + c;
    }
    steps
}

/// Log–log confidence bounds `(lower, upper)` for a survival value with Greenwood sum `gw`.
pub fn loglog_band(surv: f64, gw: f64, z: f64) -> (Option<f64>, Option<f64>) {
    if surv >= 1.0 {
        return (Some(1.0), Some(1.0));
    }
    if surv <= 0.0 || !gw.is_finite() {
        return (None, None);
    }
    let l = libm::log(surv);
    let se = gw.sqrt() / l.abs();
    (
        Some(libm::pow(surv, libm::exp(z * se))),
        Some(libm::pow(surv, libm::exp(-z * se))),
    )
}

/// Kaplan–Meier analysis of the time from index to the outcome.
pub fn kaplan_meier(
    store: &EventStore,
    rows: &CohortRows,
    opts: &SurvivalOptions<'_>,
) -> Result<KaplanMeier> {
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
    let subj = subjects(store, rows, &opts.outcome, opts.first_entry_only)?;
    km_tables_min(&subj, &opts.times, opts.level, opts.min_step)
}

/// The tables of [`kaplan_meier`] from `(time, event)` subjects: the exact curve.
pub fn km_tables(subj: &[(i64, bool)], times: &[i64], level: f64) -> Result<KaplanMeier> {
    km_tables_min(subj, times, level, 1)
}

/// Gather consecutive steps so that each published step has 0 or at least `k` events, 0 or at
/// least `k` censorings, and leaves 0 or at least `k` persons at risk. Each step keeps the
/// number at risk before its first time and the survival (and Greenwood sum) at its last time,
/// so the published curve is the exact curve read at fewer times. Consecutive numbers at risk
/// differ by events + censorings of one step: never 1 to k - 1 persons. When the last times
/// cannot reach the threshold they join the step before them; if no step is left to join (fewer
/// than `k` events or censorings in the whole curve), the one step is returned with `true`:
/// its events and censorings must not be published.
pub fn gather_steps(steps: &[Step], k: u64) -> (Vec<Step>, bool) {
    let rows: Vec<(u64, u64, u64)> = steps
        .iter()
        .map(|s| (s.n_risk, s.n_event, s.n_censor))
        .collect();
    let (groups, masked) = gather_rows(&rows, k);
    let out = groups
        .into_iter()
        .map(|g| {
            let (a, b) = (&steps[g.start], &steps[g.end - 1]);
            Step {
                time: b.time,
                n_risk: a.n_risk,
                n_event: steps[g.clone()].iter().map(|s| s.n_event).sum(),
                n_censor: steps[g].iter().map(|s| s.n_censor).sum(),
                survival: b.survival,
                greenwood: b.greenwood,
            }
        })
        .collect();
    (out, masked)
}

/// The rule of [`gather_steps`] over the rows of a curve given as `(n_risk, n_event,
/// n_censor)`, in time order: the ranges of consecutive rows that form each published step,
/// and whether the one step left must have its events and censorings masked.
pub fn gather_rows(rows: &[(u64, u64, u64)], k: u64) -> (Vec<std::ops::Range<usize>>, bool) {
    let ok = |x: u64| x == 0 || x >= k;
    // (first row, n_risk before it, events, censorings) of the step being gathered.
    type Open = (usize, u64, u64, u64);
    let mut out: Vec<(std::ops::Range<usize>, u64, u64, u64)> = Vec::new();
    let mut open: Option<Open> = None;
    for (i, &(n, d, c)) in rows.iter().enumerate() {
        let g = match open.take() {
            Some((a, na, da, ca)) => (a, na, da + d, ca + c),
            None => (i, n, d, c),
        };
        let left = g.1.saturating_sub(g.2 + g.3);
        if ok(g.2) && ok(g.3) && ok(left) {
            out.push((g.0..i + 1, g.1, g.2, g.3));
        } else {
            open = Some(g);
        }
    }
    let mut masked = false;
    if let Some((a, na, da, ca)) = open {
        let mut g = (a..rows.len(), na, da, ca);
        // The tail leaves nobody at risk: only its events and censorings can be short.
        while !(ok(g.2) && ok(g.3)) {
            match out.pop() {
                Some(prev) => g = (prev.0.start..g.0.end, prev.1, prev.2 + g.2, prev.3 + g.3),
                None => {
                    masked = true;
                    break;
                }
            }
        }
        out.push(g);
    }
    (out.into_iter().map(|g| g.0).collect(), masked)
}

/// The tables of [`kaplan_meier`] with steps gathered by [`gather_steps`] at threshold
/// `min_step` (1: the exact curve). The numbers at risk at the requested times are the
/// published curve's: the number at risk at the start of the published step that contains the
/// time (or the next one), an upper bound of the exact number that publishes nothing new.
pub fn km_tables_min(
    subj: &[(i64, bool)],
    times: &[i64],
    level: f64,
    min_step: u32,
) -> Result<KaplanMeier> {
    let z = stats::normal_quantile(1.0 - (1.0 - level) / 2.0);
    // The three tables share one population: the disclosure layer links them.
    let population = {
        let mut f = super::Fingerprint::new("km");
        f.int(subj.len() as i64).int(times.len() as i64);
        for (t, e) in subj {
            f.int(*t).int(i64::from(*e));
        }
        for t in times {
            f.int(*t);
        }
        f.bytes(&level.to_le_bytes()).int(i64::from(min_step));
        f.finish()
    };
    let (steps, masked) = gather_steps(&km_steps(subj), min_step.max(1) as u64);
    let mut c: [Vec<Option<i64>>; 4] = Default::default();
    let mut f: [Vec<Option<f64>>; 4] = Default::default();
    for s in &steps {
        let (lo, hi) = loglog_band(s.survival, s.greenwood, z);
        c[0].push(Some(s.time));
        c[1].push(Some(s.n_risk as i64));
        c[2].push(Some(s.n_event as i64));
        c[3].push(Some(s.n_censor as i64));
        f[0].push(Some(s.survival));
        f[1].push(Some(s.survival * s.greenwood.sqrt()));
        f[2].push(lo);
        f[3].push(hi);
    }
    let [time, n_risk, n_event, n_censor] = c;
    let [survival, std_err, lower, upper] = f;
    let from_risk = |cols: &[&str]| -> Vec<Derived> {
        cols.iter()
            .map(|c| Derived {
                column: c.to_string(),
                from: vec!["n_risk".into()],
            })
            .collect()
    };
    let curve = Aggregate {
        name: "km_curve".into(),
        batch: super::with_population(
            make_batch(vec![
                ("time".into(), Col::Int(time)),
                ("n_risk".into(), Col::Int(n_risk)),
                ("n_event".into(), Col::Int(n_event)),
                ("n_censor".into(), Col::Int(n_censor)),
                ("survival".into(), Col::Float(survival)),
                ("std_err".into(), Col::Float(std_err)),
                ("lower".into(), Col::Float(lower)),
                ("upper".into(), Col::Float(upper)),
            ])?,
            &population,
        ),
        dims: vec![],
        patient_counts: vec!["n_risk".into(), "n_event".into(), "n_censor".into()],
        derived: ["survival", "std_err", "lower", "upper"]
            .iter()
            .map(|c| Derived {
                column: c.to_string(),
                from: vec!["n_risk".into(), "n_event".into(), "n_censor".into()],
            })
            .collect(),
        // Within a step, n_risk - n_event is the censored plus those still at risk, and
        // n_risk - n_censor the events plus those still at risk: either small gives the other
        // count away.
        complements: vec![
            ("n_event".into(), "n_risk".into()),
            ("n_censor".into(), "n_risk".into()),
        ],
        notes: {
            let mut n = vec![format!(
                "Kaplan–Meier, Greenwood variance, log-log {}% band; time in days after index",
                level * 100.0
            )];
            if min_step > 1 {
                n.push(format!(
                    "steps gathered so that each has 0 or at least {min_step} events, 0 or at \
                     least {min_step} censorings, and leaves 0 or at least {min_step} persons at \
                     risk; the survival shown at a step's time is the exact curve's"
                ));
            }
            n
        },
        protected_k: None,
    };

    // Value of the published curve at a time: at risk at the start of the first step ending
    // at or after it (0 past the last), survival of the last step ending at or before it.
    let at = |t: i64| -> (u64, f64, f64) {
        let j = steps.partition_point(|s| s.time < t);
        let n_risk = steps.get(j).map_or(0, |s| s.n_risk);
        let k = steps.partition_point(|s| s.time <= t);
        if k == 0 {
            (n_risk, 1.0, 0.0)
        } else {
            (n_risk, steps[k - 1].survival, steps[k - 1].greenwood)
        }
    };
    let (mut t_col, mut r_col, mut s_col, mut lo_col, mut hi_col) =
        (vec![], vec![], vec![], vec![], vec![]);
    for &t in times {
        let (n, s, gw) = at(t);
        t_col.push(Some(t));
        r_col.push(Some(n as i64));
        // A masked curve's one step: its survival would give its events away.
        if masked && steps.first().is_some_and(|s| s.time <= t) {
            s_col.push(None);
            lo_col.push(None);
            hi_col.push(None);
        } else {
            let (lo, hi) = loglog_band(s, gw, z);
            s_col.push(Some(s));
            lo_col.push(lo);
            hi_col.push(hi);
        }
    }
    let at_risk = Aggregate {
        name: "km_at_risk".into(),
        batch: super::with_population(
            make_batch(vec![
                ("time".into(), Col::Int(t_col)),
                ("n_risk".into(), Col::Int(r_col)),
                ("survival".into(), Col::Float(s_col)),
                ("lower".into(), Col::Float(lo_col)),
                ("upper".into(), Col::Float(hi_col)),
            ])?,
            &population,
        ),
        dims: vec![],
        patient_counts: vec!["n_risk".into()],
        derived: from_risk(&["survival", "lower", "upper"]),
        complements: vec![],
        notes: vec!["numbers at risk and survival at the requested times".into()],
        protected_k: None,
    };

    // Median and its interval: first times where the curve / the band reaches 0.5 or below.
    let first_below = |v: &dyn Fn(&Step) -> Option<f64>| -> Option<&Step> {
        steps
            .iter()
            .find(|s| s.n_event > 0 && v(s).is_some_and(|x| x <= 0.5))
    };
    let med = first_below(&|s| Some(s.survival));
    let med_lo = first_below(&|s| loglog_band(s.survival, s.greenwood, z).0);
    let med_hi = first_below(&|s| loglog_band(s.survival, s.greenwood, z).1);
    let events = subj.iter().filter(|(_, e)| *e).count() as i64;
    let (med, med_lo, med_hi) = if masked {
        (None, None, None)
    } else {
        (med, med_lo, med_hi)
    };
    let summary = Aggregate {
        name: "km_summary".into(),
        batch: super::with_population(
            make_batch(vec![
                ("persons".into(), Col::Int(vec![Some(subj.len() as i64)])),
                ("events".into(), Col::Int(vec![Some(events)])),
                (
                    "median".into(),
                    Col::Float(vec![med.map(|s| s.time as f64)]),
                ),
                (
                    "median_lower".into(),
                    Col::Float(vec![med_lo.map(|s| s.time as f64)]),
                ),
                (
                    "median_upper".into(),
                    Col::Float(vec![med_hi.map(|s| s.time as f64)]),
                ),
                (
                    "n_risk_at_median".into(),
                    Col::Int(vec![med.map(|s| s.n_risk as i64)]),
                ),
            ])?,
            &population,
        ),
        dims: vec![],
        patient_counts: vec!["persons".into(), "events".into(), "n_risk_at_median".into()],
        derived: ["median", "median_lower", "median_upper"]
            .iter()
            .map(|c| Derived {
                column: c.to_string(),
                from: vec!["persons".into(), "events".into(), "n_risk_at_median".into()],
            })
            .collect(),
        // persons - events are the censored: small, they give the events away.
        complements: vec![("events".into(), "persons".into())],
        notes: vec!["median: first time the curve reaches 0.5 or below".into()],
        protected_k: None,
    };
    Ok(KaplanMeier {
        curve,
        at_risk,
        summary,
    })
}
