//! Incidence rates of an outcome during cohort follow-up, and prevalence of the cohort at a date.

use std::collections::BTreeMap;

use super::{
    check_rows, entries, follow_up_end, grouping_sets, make_batch, persons_measure, project,
    validate_dims, with_persons, with_population, Aggregate, Col, Derived, Dim, Fingerprint,
    GroupKey, Outcome,
};
use crate::dates::{self, Day};
use crate::error::{Error, Result};
use crate::model::{observation, CohortRows};
use crate::stats;
use crate::store::EventStore;

/// Days per year used to turn person-days into person-years (Julian year).
pub const DAYS_PER_YEAR: f64 = 365.25;

/// Options of [`incidence`].
#[derive(Debug)]
pub struct IncidenceOptions<'a> {
    /// The outcome: its first occurrence strictly after the index date is an incident case.
    pub outcome: Outcome<'a>,
    /// Strata, evaluated at the index date (all the entry's person-time goes to them).
    pub dims: Vec<Dim>,
    /// Add margins (one row per subset of the strata).
    pub margins: bool,
    /// Rates per this many person-years (100,000 by default).
    pub per: f64,
    /// Confidence level of the intervals (0.95 by default).
    pub level: f64,
    /// Keep only each person's first entry (default true).
    pub first_entry_only: bool,
}

impl<'a> IncidenceOptions<'a> {
    /// Defaults for an outcome: no strata, per 100,000 person-years, 95 % intervals, first
    /// entries only.
    pub fn new(outcome: Outcome<'a>) -> Self {
        IncidenceOptions {
            outcome,
            dims: vec![],
            margins: false,
            per: 100_000.0,
            level: 0.95,
            first_entry_only: true,
        }
    }
}

fn check_level(level: f64) -> Result<()> {
    if !(level > 0.0 && level < 1.0) {
        return Err(Error::invalid(format!(
            "level: expected a confidence level between 0 and 1 (e.g. 0.95), found {level}"
        )));
    }
    Ok(())
}

/// Incidence rate of an outcome per `per` person-years, with exact Poisson (Garwood) intervals.
///
/// Each kept entry is followed from its index date to the first of: the outcome (a case), its
/// exit, death, the end of the data. Person-time is `(last day - index)` days / 365.25.
///
/// Columns: strata (Utf8, null = margin), `persons` (Int64, distinct patients followed),
/// `cases` (Int64, distinct patients with the outcome), `person_years` (Float64), `rate`,
/// `lower`, `upper` (Float64, per `per` person-years). Counts are patient counts; the rest is
/// derived from `persons` and `cases`.
pub fn incidence(
    store: &EventStore,
    rows: &CohortRows,
    opts: &IncidenceOptions<'_>,
) -> Result<Aggregate> {
    check_rows(store, rows)?;
    validate_dims(&opts.dims)?;
    check_level(opts.level)?;
    if opts.per.is_nan() || opts.per <= 0.0 {
        return Err(Error::invalid(format!(
            "per: expected a positive number of person-years, found {}",
            opts.per
        )));
    }
    let sets = grouping_sets(opts.dims.len(), opts.margins);
    type Cell = (Vec<u32>, Vec<u32>, i64, u64);
    let mut cells: BTreeMap<GroupKey, Cell> = BTreeMap::new();
    for i in entries(rows, opts.first_entry_only) {
        let p = rows.person[i] as usize;
        let index = rows.start[i];
        let last = follow_up_end(store, p, rows.end[i]);
        let event = opts
            .outcome
            .first_after(store, p, index)
            .filter(|d| *d <= last);
        let days = (event.unwrap_or(last) - index).max(0) as i64;
        let key: Vec<String> = opts.dims.iter().map(|d| d.value(store, p, index)).collect();
        for (order, set) in sets.iter().enumerate() {
            let c = cells
                .entry((order as u32, project(&key, *set)))
                .or_default();
            c.0.push(p as u32);
            if event.is_some() {
                c.1.push(p as u32);
            }
            c.2 += days;
            c.3 += u64::from(event.is_some());
        }
    }
    let n = opts.dims.len();
    if cells.is_empty() && n == 0 {
        cells.insert((0, vec![]), Default::default());
    }
    let mut dim_cols: Vec<Vec<Option<String>>> = vec![Vec::new(); n];
    let (mut persons, mut cases, mut py) = (vec![], vec![], vec![]);
    let (mut rate, mut lower, mut upper) = (vec![], vec![], vec![]);
    for ((_, key), (mut ps, mut cs, days, case_entries)) in cells {
        ps.sort_unstable();
        ps.dedup();
        cs.sort_unstable();
        cs.dedup();
        // Cases are counted per entry for the rate (a person re-entering can be a case twice
        // when all entries are kept); distinct patients for the published count.
        for (j, v) in key.into_iter().enumerate() {
            dim_cols[j].push(v);
        }
        let years = days as f64 / DAYS_PER_YEAR;
        let k = case_entries;
        let (lo, hi) = stats::poisson_ci(k, opts.level);
        persons.push(Some(ps.len() as i64));
        cases.push(Some(cs.len() as i64));
        py.push(Some(years));
        if years > 0.0 {
            rate.push(Some(k as f64 / years * opts.per));
            lower.push(Some(lo / years * opts.per));
            upper.push(Some(hi / years * opts.per));
        } else {
            rate.push(None);
            lower.push(None);
            upper.push(None);
        }
    }
    let mut cols: Vec<(String, Col)> = opts
        .dims
        .iter()
        .zip(dim_cols)
        .map(|(d, v)| (d.column().to_string(), Col::Str(v)))
        .collect();
    cols.push(("persons".into(), Col::Int(persons)));
    cols.push(("cases".into(), Col::Int(cases)));
    cols.push(("person_years".into(), Col::Float(py)));
    cols.push(("rate".into(), Col::Float(rate)));
    cols.push(("lower".into(), Col::Float(lower)));
    cols.push(("upper".into(), Col::Float(upper)));
    let both = vec!["persons".to_string(), "cases".to_string()];
    let derived = ["person_years", "rate", "lower", "upper"]
        .iter()
        .map(|c| Derived {
            column: c.to_string(),
            from: both.clone(),
        })
        .collect();
    Ok(Aggregate {
        name: "incidence".into(),
        batch: with_persons(
            with_population(make_batch(cols)?, &{
                let mut f = Fingerprint::new("incidence");
                f.rows(store, rows).int(i64::from(opts.first_entry_only));
                opts.outcome.fingerprint(&mut f);
                f.finish()
            }),
            &[(
                "persons",
                persons_measure(store, rows, &opts.dims, opts.first_entry_only),
            )],
        ),
        dims: opts.dims.iter().map(|d| d.column().to_string()).collect(),
        patient_counts: both,
        derived,
        // persons - cases are the persons followed without the outcome.
        complements: vec![("cases".into(), "persons".into())],
        notes: vec![format!(
            "rate per {} person-years; exact Poisson (Garwood) {}% intervals; first outcome \
             strictly after index, follow-up to exit, death or end of data",
            opts.per,
            opts.level * 100.0
        )],
        protected_k: None,
    })
}

/// Options of [`prevalence`].
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct PrevalenceOptions {
    /// The date (days since 1970-01-01).
    pub date: Day,
    /// Strata, evaluated at the date (age at the date).
    #[serde(default)]
    pub dims: Vec<Dim>,
    /// Add margins.
    #[serde(default)]
    pub margins: bool,
    /// Confidence level of the Wilson intervals (0.95 by default).
    #[serde(default = "default_level")]
    pub level: f64,
}

fn default_level() -> f64 {
    0.95
}

impl PrevalenceOptions {
    /// Defaults: no strata, 95 % intervals.
    pub fn at(date: Day) -> Self {
        PrevalenceOptions {
            date,
            dims: vec![],
            margins: false,
            level: 0.95,
        }
    }
}

/// Prevalence of the cohort at a date: persons in the cohort that day (an entry with
/// `start ≤ date ≤ end`) over persons of the dataset observed that day (alive, born, within the
/// data's span), with Wilson score intervals.
///
/// Columns: strata (Utf8, null = margin), `cases` (Int64, patients in the cohort),
/// `population` (Int64, patients observed), `prevalence`, `lower`, `upper` (Float64,
/// proportions in 0–1, derived from both counts).
pub fn prevalence(
    store: &EventStore,
    rows: &CohortRows,
    opts: &PrevalenceOptions,
) -> Result<Aggregate> {
    check_rows(store, rows)?;
    validate_dims(&opts.dims)?;
    check_level(opts.level)?;
    let date = opts.date;
    let mut in_cohort = vec![false; store.n_patients()];
    for i in 0..rows.len() {
        if rows.start[i] <= date && date <= rows.end[i] {
            in_cohort[rows.person[i] as usize] = true;
        }
    }
    let sets = grouping_sets(opts.dims.len(), opts.margins);
    let mut cells: BTreeMap<GroupKey, (i64, i64)> = BTreeMap::new();
    for (p, &cohort) in in_cohort.iter().enumerate() {
        let death = store.patients.death[p];
        let death = (death != Day::MAX).then_some(death);
        let observed = observation(
            store.patients.birth[p],
            death,
            store.data_start,
            store.data_end,
        )
        .is_some_and(|(s, e)| s <= date && date <= e);
        if !observed {
            continue;
        }
        let key: Vec<String> = opts.dims.iter().map(|d| d.value(store, p, date)).collect();
        for (order, set) in sets.iter().enumerate() {
            let c = cells
                .entry((order as u32, project(&key, *set)))
                .or_default();
            c.1 += 1;
            if cohort {
                c.0 += 1;
            }
        }
    }
    let n = opts.dims.len();
    if cells.is_empty() && n == 0 {
        cells.insert((0, vec![]), (0, 0));
    }
    let mut dim_cols: Vec<Vec<Option<String>>> = vec![Vec::new(); n];
    let (mut cases, mut pop, mut prev, mut lower, mut upper) =
        (vec![], vec![], vec![], vec![], vec![]);
    for ((_, key), (c, n)) in cells {
        for (j, v) in key.into_iter().enumerate() {
            dim_cols[j].push(v);
        }
        cases.push(Some(c));
        pop.push(Some(n));
        let (lo, hi) = stats::wilson_ci(c as u64, n as u64, opts.level);
        prev.push((n > 0).then(|| c as f64 / n as f64));
        lower.push(Some(lo));
        upper.push(Some(hi));
    }
    let mut cols: Vec<(String, Col)> = opts
        .dims
        .iter()
        .zip(dim_cols)
        .map(|(d, v)| (d.column().to_string(), Col::Str(v)))
        .collect();
    cols.push(("cases".into(), Col::Int(cases)));
    cols.push(("population".into(), Col::Int(pop)));
    cols.push(("prevalence".into(), Col::Float(prev)));
    cols.push(("lower".into(), Col::Float(lower)));
    cols.push(("upper".into(), Col::Float(upper)));
    let both = vec!["cases".to_string(), "population".to_string()];
    Ok(Aggregate {
        name: "prevalence".into(),
        batch: with_population(
            make_batch(cols)?,
            &Fingerprint::new("prevalence")
                .rows(store, rows)
                .int(i64::from(date))
                .finish(),
        ),
        dims: opts.dims.iter().map(|d| d.column().to_string()).collect(),
        patient_counts: both.clone(),
        derived: ["prevalence", "lower", "upper"]
            .iter()
            .map(|c| Derived {
                column: c.to_string(),
                from: both.clone(),
            })
            .collect(),
        complements: vec![("cases".into(), "population".into())],
        notes: vec![format!(
            "prevalence on {}; Wilson {}% intervals",
            dates::format(date),
            opts.level * 100.0
        )],
        protected_k: None,
    })
}
