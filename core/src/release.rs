//! `Release`: the one way an aggregate leaves the library (docs/PRODUCT.md §6).
//!
//! A release is attached to one dataset (an [`EventStore`]). It holds the protection settings
//! ([`ReleaseOptions`]: the threshold k, the method and its parameters) and a ledger of every
//! table it has published. Each face (Rust, Python, JavaScript) creates one per dataset and
//! builds every published aggregate through it; the same dataset, definition and options give
//! the same published values in every face.
//!
//! Two methods:
//!
//! - **`cell_key`** (the default; ABS TableBuilder, ONS Census 2021): every count of distinct
//!   patients is perturbed consistently ([`crate::disclosure::cellkey`]). Each patient has a
//!   permanent record key derived from a secret that is itself derived from the dataset's
//!   content (a SHA-256 digest of its patients and of their numbers of events), mixed with
//!   [`ReleaseOptions::secret`] when given; the secret never leaves the release. A cell's key is
//!   the sum of its patients' keys, computed by the aggregates with the counts, so the same
//!   cell gets the same published value in every table, call and face, and cells that differ
//!   by a few patients get unrelated perturbations. Counts from 1 to k − 1 are suppressed, 0
//!   stays 0, the others move by at most `max_noise` and never below k. Shares, prevalences,
//!   rates and their intervals are computed from the published counts; means, SDs, medians and
//!   person-years are rounded to `digits` significant digits; the Kaplan–Meier curve is built
//!   from published counts over intervals of `time_grain` days, and no time finer than that
//!   (nor the longest follow-up) is published. Every table of a cohort is thereby protected
//!   jointly with everything the ledger holds: what is consistent cannot be averaged, and what
//!   differs by a few persons differs by noise.
//! - **`suppress`**: today's suppression (primary and complementary, with the exact audit of
//!   [`crate::disclosure::protect`]); each new set of tables is audited together with the
//!   tables of the same cohort and measure already in the ledger, and refused (nothing
//!   published) when the combination would let a masked cell be rebuilt. It does **not**
//!   protect against differencing: two cohorts that differ by a few persons are different
//!   populations, and their published tables subtract to the small group's counts.

use serde::{Deserialize, Serialize};

use crate::aggregate::{
    self, Aggregate, BaselineOptions, CountOptions, DispensingOptions, IncidenceOptions,
    KaplanMeier, PathwayOptions, PrevalenceOptions, RecordKeys, SurvivalOptions,
};
use crate::disclosure::attrition::ProtectedAttrition;
use crate::disclosure::cellkey::{self, CellKeyParams, Perturbed};
use crate::disclosure::{self, Protection};
use crate::engine::Attrition;
use crate::error::{Error, Result};
use crate::hash::{mix64, Digester};
use crate::model::CohortRows;
use crate::stats;
use crate::store::EventStore;

/// How a release protects what it publishes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Method {
    /// Consistent perturbation of every count (cell-key method) and suppression of 1 to k − 1.
    #[default]
    CellKey,
    /// Suppression only (primary and complementary). Does not protect against differencing.
    Suppress,
}

impl Method {
    /// Parse `cell_key` or `suppress`; any other name is an error naming `method`.
    pub fn parse(name: &str) -> Result<Method> {
        match name {
            "cell_key" => Ok(Method::CellKey),
            "suppress" => Ok(Method::Suppress),
            other => Err(Error::invalid(format!(
                "method: expected \"cell_key\" or \"suppress\", found {other:?}"
            ))),
        }
    }
}

/// Protection settings of a [`Release`]. Every field has a default; unknown fields are errors.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ReleaseOptions {
    /// Threshold: counts of 1 to k − 1 distinct patients are never published (at least 2;
    /// 10 by default, 11 for CASD).
    pub k: u32,
    /// The method.
    pub method: Method,
    /// Cell-key method: the largest perturbation of a count (1 to 10; 3 by default).
    pub max_noise: u32,
    /// Cell-key method: significant digits of the derived values that are rounded (means,
    /// SDs, medians, person-years; 1 to 6, 2 by default).
    pub digits: u32,
    /// Cell-key method: width in days of the intervals a survival curve is published over,
    /// and to which its times are coarsened (7 to 365; 30 by default).
    pub time_grain: u32,
    /// Cell-key method: a secret mixed into the record keys, for data whose content a reader
    /// could know. Never serialised, never published.
    #[serde(skip_serializing)]
    pub secret: Option<String>,
}

impl Default for ReleaseOptions {
    fn default() -> Self {
        ReleaseOptions {
            k: disclosure::DEFAULT_K,
            method: Method::CellKey,
            max_noise: 3,
            digits: 2,
            time_grain: 30,
            secret: None,
        }
    }
}

impl ReleaseOptions {
    /// The defaults with threshold `k` and `method`.
    pub fn new(k: u32, method: Method) -> Self {
        ReleaseOptions {
            k,
            method,
            ..Default::default()
        }
    }

    /// Options from JSON text (an object, every field optional); an error names the field.
    pub fn from_json(text: &str) -> Result<Self> {
        let value: serde_json::Value = serde_json::from_str(text)
            .map_err(|e| Error::invalid(format!("release options: {e}")))?;
        Self::from_value(value)
    }

    /// Options from a JSON value (an object, or null for the defaults), checked: an unknown
    /// field, a value of the wrong type or out of range is an error naming the field.
    pub fn from_value(value: serde_json::Value) -> Result<Self> {
        use serde_json::Value;
        let fields = match value {
            Value::Null => return Ok(Self::default()),
            Value::Object(m) => m,
            other => {
                return Err(Error::invalid(format!(
                    "release options: expected an object, found {other}"
                )))
            }
        };
        let mut o = Self::default();
        let int = |name: &str, v: &Value| -> Result<u32> {
            v.as_u64()
                .and_then(|x| u32::try_from(x).ok())
                .ok_or_else(|| {
                    Error::invalid(format!("{name}: expected a whole number ≥ 0, found {v}"))
                })
        };
        for (name, v) in &fields {
            match name.as_str() {
                "k" => o.k = int(name, v)?,
                "max_noise" => o.max_noise = int(name, v)?,
                "digits" => o.digits = int(name, v)?,
                "time_grain" => o.time_grain = int(name, v)?,
                "method" => {
                    o.method = match v {
                        Value::String(s) => Method::parse(s)?,
                        other => {
                            return Err(Error::invalid(format!(
                                "method: expected \"cell_key\" or \"suppress\", found {other}"
                            )))
                        }
                    }
                }
                "secret" => {
                    o.secret = match v {
                        Value::Null => None,
                        Value::String(s) => Some(s.clone()),
                        _ => return Err(Error::invalid("secret: expected a string")),
                    }
                }
                other => {
                    return Err(Error::invalid(format!(
                        "release options: unknown option {other:?} (expected k, method, \
                         max_noise, digits, time_grain or secret)"
                    )))
                }
            }
        }
        o.validate()?;
        Ok(o)
    }

    /// Check the ranges; an error names the field.
    pub fn validate(&self) -> Result<()> {
        if self.k < 2 {
            return Err(Error::invalid(format!(
                "k: expected at least 2 (a threshold of {} masks nothing), found {}",
                self.k, self.k
            )));
        }
        let range = |name: &str, v: u32, lo: u32, hi: u32| {
            if v < lo || v > hi {
                Err(Error::invalid(format!(
                    "{name}: expected {lo} to {hi}, found {v}"
                )))
            } else {
                Ok(())
            }
        };
        range("max_noise", self.max_noise, 1, 10)?;
        range("digits", self.digits, 1, 6)?;
        range("time_grain", self.time_grain, 7, 365)?;
        Ok(())
    }

    fn params(&self) -> CellKeyParams {
        CellKeyParams {
            k: self.k,
            max_noise: self.max_noise,
            digits: self.digits,
        }
    }
}

/// One table in a release's ledger.
#[derive(Debug, Clone)]
pub struct Published {
    /// Order of the call that published it (0 for the first).
    pub call: usize,
    /// The table as published.
    pub aggregate: Aggregate,
}

/// What identifies the dataset a release is attached to, cheaply checked on every call.
#[derive(Debug, Clone, PartialEq, Eq)]
struct StoreId {
    patients: usize,
    events: usize,
    span: (i32, i32),
    sample: String,
}

impl StoreId {
    fn of(store: &EventStore) -> StoreId {
        let n = store.n_patients();
        let mut d = Digester::new();
        // Up to 257 patients spread over the store.
        let step = (n / 256).max(1);
        for p in (0..n).step_by(step) {
            patient_digest(&mut d, store, p);
        }
        StoreId {
            patients: n,
            events: store.n_events(),
            span: (store.data_start, store.data_end),
            sample: d.finish(),
        }
    }
}

fn patient_digest(d: &mut Digester, store: &EventStore, p: usize) {
    let pt = &store.patients;
    d.update_str(&pt.nir[p]);
    d.update(&pt.birth[p].to_le_bytes());
    d.update(&pt.death[p].to_le_bytes());
    d.update(&[pt.sex[p], pt.dept[p]]);
    d.update(&(store.events_of(p).len() as u64).to_le_bytes());
}

/// Record keys from the dataset's content and an optional user secret.
fn record_keys(store: &EventStore, secret: Option<&str>) -> RecordKeys {
    let mut d = Digester::new();
    d.update_str("cohorte-release-record-keys-v1");
    d.update(&(store.n_patients() as u64).to_le_bytes());
    d.update(&store.data_start.to_le_bytes());
    d.update(&store.data_end.to_le_bytes());
    for p in 0..store.n_patients() {
        patient_digest(&mut d, store, p);
    }
    d.update_str(secret.unwrap_or(""));
    let hex = d.finish();
    let word = |i: usize| u64::from_str_radix(&hex[i * 16..(i + 1) * 16], 16).unwrap_or(0);
    let (s0, s1) = (word(0), word(1));
    RecordKeys::new(
        (0..store.n_patients() as u64)
            .map(|p| (mix64(mix64(p ^ s0) ^ s1) >> 32) as u32)
            .collect(),
    )
}

/// The publication layer of one dataset: settings, record keys and ledger.
pub struct Release {
    options: ReleaseOptions,
    store: StoreId,
    keys: RecordKeys,
    ledger: Vec<Published>,
    calls: usize,
}

impl std::fmt::Debug for Release {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Release")
            .field("options", &self.options)
            .field("published", &self.ledger.len())
            .finish()
    }
}

impl Release {
    /// A release for `store` with `options` (checked; an error names the field).
    pub fn new(store: &EventStore, options: ReleaseOptions) -> Result<Release> {
        options.validate()?;
        let keys = match options.method {
            Method::CellKey => record_keys(store, options.secret.as_deref()),
            Method::Suppress => RecordKeys::none(),
        };
        Ok(Release {
            store: StoreId::of(store),
            keys,
            options,
            ledger: vec![],
            calls: 0,
        })
    }

    /// The settings.
    pub fn options(&self) -> &ReleaseOptions {
        &self.options
    }

    /// Every table published so far, in order.
    pub fn ledger(&self) -> &[Published] {
        &self.ledger
    }

    /// Check that `store` is the dataset this release is attached to.
    pub fn check_store(&self, store: &EventStore) -> Result<()> {
        if StoreId::of(store) != self.store {
            return Err(Error::invalid(
                "dataset: the cohort was evaluated on another dataset than the release's",
            ));
        }
        Ok(())
    }

    fn note(&self) -> String {
        let o = &self.options;
        format!(
            "disclosure (cell-key method, k = {}): counts of 1 to {} patients suppressed (null, \
             flagged in <column>_masked), 0 published as 0, other counts perturbed by at most \
             ±{} (never below {}) from a table read at the cell's key: the same patients always \
             give the same value; shares, rates and their intervals computed from the published \
             counts, other derived values rounded to {} significant digits",
            o.k,
            o.k - 1,
            o.max_noise,
            o.k,
            o.digits
        )
    }

    fn record(&mut self, tables: &[Aggregate]) {
        for t in tables {
            self.ledger.push(Published {
                call: self.calls,
                aggregate: t.clone(),
            });
        }
        self.calls += 1;
    }

    /// Suppression: protect the set, then audit it with the linked tables of the ledger.
    fn suppress(&mut self, mut tables: Vec<Aggregate>) -> Result<Vec<Aggregate>> {
        disclosure::protect(&mut tables, &Protection::k(self.options.k))?;
        let linked: Vec<Aggregate> = self
            .ledger
            .iter()
            .map(|p| &p.aggregate)
            .filter(|a| tables.iter().any(|t| linked(a, t)))
            .cloned()
            .collect();
        if !linked.is_empty() {
            let n = linked.len();
            let mut all = linked;
            all.extend(tables.iter().cloned());
            let report = disclosure::audit(&all, &[])?;
            if !report.passed() {
                return Err(Error::Aggregate(format!(
                    "disclosure: with the {n} tables of the same cohort this release already \
                     published, {} masked cells could be rebuilt; nothing is published",
                    report.exposed.len()
                )));
            }
        }
        self.record(&tables);
        Ok(tables)
    }

    /// Publish one raw aggregate by the release's method, `fix` recomputing its derived
    /// values from the published counts (cell-key method).
    fn one(
        &mut self,
        raw: Aggregate,
        fix: impl Fn(&mut Perturbed) -> Result<()>,
    ) -> Result<Aggregate> {
        match self.options.method {
            Method::Suppress => Ok(self.suppress(vec![raw])?.remove(0)),
            Method::CellKey => {
                let mut p = Perturbed::new(&raw, self.options.params())?;
                fix(&mut p)?;
                let out = p.finish(self.note())?;
                self.record(std::slice::from_ref(&out));
                Ok(out)
            }
        }
    }

    /// Counts of persons and entries by strata ([`aggregate::counts`]), published.
    pub fn counts(
        &mut self,
        store: &EventStore,
        rows: &CohortRows,
        opts: &CountOptions,
    ) -> Result<Aggregate> {
        self.check_store(store)?;
        let raw = aggregate::counts::counts_keyed(store, rows, opts, &self.keys)?;
        self.one(raw, |_| Ok(()))
    }

    /// Boxes dispensed by pack ([`aggregate::dispensings`]), published.
    pub fn dispensings(
        &mut self,
        store: &EventStore,
        rows: &CohortRows,
        opts: &DispensingOptions,
    ) -> Result<Aggregate> {
        self.check_store(store)?;
        let raw = aggregate::counts::dispensings_keyed(store, rows, opts, &self.keys)?;
        self.one(raw, |_| Ok(()))
    }

    /// Incidence rates ([`aggregate::incidence`]), published: with the cell-key method the
    /// rate and its exact Poisson interval are computed from the published number of cases
    /// and the rounded person-years.
    pub fn incidence(
        &mut self,
        store: &EventStore,
        rows: &CohortRows,
        opts: &IncidenceOptions<'_>,
    ) -> Result<Aggregate> {
        self.check_store(store)?;
        let raw = aggregate::incidence::incidence_keyed(store, rows, opts, &self.keys)?;
        let (per, level) = (opts.per, opts.level);
        self.one(raw, |p| {
            let py = p.floats.get("person_years").cloned().unwrap_or_default();
            for (r, years) in py.iter().enumerate() {
                let (rate, lo, hi) = match (p.int("cases", r), years) {
                    (Some(c), Some(y)) if *y > 0.0 => {
                        let (lo, hi) = stats::poisson_ci(c.max(0) as u64, level);
                        (
                            Some(c as f64 / y * per),
                            Some(lo / y * per),
                            Some(hi / y * per),
                        )
                    }
                    _ => (None, None, None),
                };
                p.set_float("rate", r, rate);
                p.set_float("lower", r, lo);
                p.set_float("upper", r, hi);
            }
            Ok(())
        })
    }

    /// Prevalence at a date ([`aggregate::prevalence`]), published: with the cell-key method
    /// the proportion and its Wilson interval come from the published counts.
    pub fn prevalence(
        &mut self,
        store: &EventStore,
        rows: &CohortRows,
        opts: &PrevalenceOptions,
    ) -> Result<Aggregate> {
        self.check_store(store)?;
        let raw = aggregate::incidence::prevalence_keyed(store, rows, opts, &self.keys)?;
        let level = opts.level;
        self.one(raw, |p| {
            for r in 0..p.floats.get("prevalence").map_or(0, Vec::len) {
                let (v, lo, hi) = match (p.int("cases", r), p.int("population", r)) {
                    (Some(c), Some(n)) if n > 0 => {
                        let c = c.clamp(0, n);
                        let (lo, hi) = stats::wilson_ci(c as u64, n as u64, level);
                        (Some(c as f64 / n as f64), Some(lo), Some(hi))
                    }
                    _ => (None, None, None),
                };
                p.set_float("prevalence", r, v);
                p.set_float("lower", r, lo);
                p.set_float("upper", r, hi);
            }
            Ok(())
        })
    }

    /// Baseline characteristics of cohorts side by side ([`aggregate::baseline`]), published:
    /// with the cell-key method each share is the published count over the published total, the
    /// age summary is rounded, and the SMDs are computed from the published values.
    pub fn baseline(
        &mut self,
        store: &EventStore,
        cohorts: &[(&str, &CohortRows)],
        opts: &BaselineOptions,
    ) -> Result<Aggregate> {
        self.check_store(store)?;
        let raw = aggregate::baseline::baseline_keyed(store, cohorts, opts, &self.keys)?;
        let n = cohorts.len();
        self.one(raw, |p| {
            let vars = p.strings("variable")?;
            for (r, var) in vars.iter().enumerate() {
                let var = var.as_deref().unwrap_or_default();
                let mut shares = vec![];
                let mut ages = vec![];
                for j in 1..=n {
                    let (vc, sc) = (format!("value_{j}"), format!("sd_{j}"));
                    if var == "age" {
                        let m = p.floats.get(&vc).and_then(|v| v[r]);
                        let s = p.floats.get(&sc).and_then(|v| v[r]);
                        ages.push(m.zip(s));
                    } else if var != "persons" {
                        let share =
                            match (p.int(&format!("n_{j}"), r), p.int(&format!("total_{j}"), r)) {
                                (Some(c), Some(t)) if t > 0 => {
                                    Some((c as f64 / t as f64).clamp(0.0, 1.0))
                                }
                                _ => None,
                            };
                        p.set_float(&vc, r, share);
                        shares.push(share);
                    }
                }
                if n >= 2 {
                    let smd = if var == "age" {
                        match (ages[0], ages[1]) {
                            (Some((m1, s1)), Some((m2, s2))) => {
                                Some(stats::smd_continuous(m1, s1, m2, s2))
                            }
                            _ => None,
                        }
                    } else if var == "persons" {
                        None
                    } else {
                        match (shares[0], shares[1]) {
                            (Some(a), Some(b)) => Some(stats::smd_proportion(a, b)),
                            _ => None,
                        }
                    };
                    p.set_float("smd", r, smd);
                }
            }
            Ok(())
        })
    }

    /// Treatment pathways ([`aggregate::pathways`]), published: sequences followed by fewer
    /// than k persons are cut back to their first lines before anything else.
    pub fn pathways(
        &mut self,
        store: &EventStore,
        rows: &CohortRows,
        opts: &PathwayOptions,
    ) -> Result<Aggregate> {
        self.check_store(store)?;
        let mut opts = opts.clone();
        opts.min_count = self.options.k;
        let raw = aggregate::pathways::pathways_keyed(store, rows, &opts, &self.keys)?;
        self.one(raw, |_| Ok(()))
    }

    /// Kaplan–Meier analysis ([`aggregate::kaplan_meier`]), its three tables published
    /// together. With the cell-key method the curve is computed from published counts over
    /// intervals of `time_grain` days (see the module documentation).
    pub fn kaplan_meier(
        &mut self,
        store: &EventStore,
        rows: &CohortRows,
        opts: &SurvivalOptions<'_>,
    ) -> Result<KaplanMeier> {
        self.check_store(store)?;
        let km = match self.options.method {
            Method::Suppress => {
                let mut o = SurvivalOptions::new(clone_outcome(&opts.outcome));
                o.times = opts.times.clone();
                o.level = opts.level;
                o.first_entry_only = opts.first_entry_only;
                o.min_step = self.options.k;
                let km = aggregate::kaplan_meier(store, rows, &o)?;
                let mut t = self.suppress(vec![km.curve, km.at_risk, km.summary])?;
                let summary = t.remove(2);
                let at_risk = t.remove(1);
                KaplanMeier {
                    curve: t.remove(0),
                    at_risk,
                    summary,
                }
            }
            Method::CellKey => {
                let km = cellkey::kaplan_meier(
                    store,
                    rows,
                    opts,
                    &self.keys,
                    self.options.params(),
                    self.options.time_grain,
                )?;
                self.record(&[km.curve.clone(), km.at_risk.clone(), km.summary.clone()]);
                km
            }
        };
        Ok(km)
    }

    /// The attrition of a definition, published: see
    /// [`disclosure::attrition::protect_attrition`] (suppression of every count and difference
    /// of counts from 1 to k − 1, the dataset's size included). With the cell-key method, the
    /// last step's persons are the cohort's total and are published as such (the value every
    /// table of the cohort publishes for it), when `rows` are the definition's rows.
    pub fn attrition(
        &mut self,
        store: &EventStore,
        attrition: &Attrition,
        rows: Option<&CohortRows>,
    ) -> Result<ProtectedAttrition> {
        self.check_store(store)?;
        let mut p = disclosure::attrition::protect_attrition(
            attrition,
            self.options.k,
            Some(store.n_patients() as u64),
        )?;
        if let (Method::CellKey, Some(rows), Some(last)) =
            (self.options.method, rows, p.steps.last_mut())
        {
            let mut persons = rows.person.clone();
            persons.sort_unstable();
            persons.dedup();
            let total = attrition.steps.last().map_or(0, |s| s.persons);
            if !last.persons_masked && persons.len() as u64 == total {
                let o = &self.options;
                let v = cellkey::publish_count(
                    persons.len() as i64,
                    self.keys.cell(&persons),
                    o.k,
                    o.max_noise,
                );
                last.persons = v.map(|v| v as u64);
                last.persons_masked = v.is_none();
                // A loss next to a perturbed count would give the perturbation away.
                last.lost_persons = None;
                last.lost_persons_masked = true;
            }
        }
        self.calls += 1;
        Ok(p)
    }
}

/// A copy of an outcome made of codes (a custom outcome is shared by reference).
fn clone_outcome<'a>(o: &aggregate::Outcome<'a>) -> aggregate::Outcome<'a> {
    match o {
        aggregate::Outcome::Codes(c) => aggregate::Outcome::Codes(c.clone()),
        aggregate::Outcome::Custom(f) => aggregate::Outcome::Custom(*f),
    }
}

/// Whether two tables share cells: the same population, or columns counting the same persons.
fn linked(a: &Aggregate, b: &Aggregate) -> bool {
    if a.population() == b.population() {
        return true;
    }
    let measures = |t: &Aggregate| -> Vec<String> {
        t.patient_counts
            .iter()
            .filter_map(|c| t.persons_measure(c))
            .collect()
    };
    let mb = measures(b);
    measures(a).iter().any(|m| mb.contains(m))
}
