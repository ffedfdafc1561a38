//! `Cohort`: the rows and attrition of an evaluated definition, its set operations and its
//! aggregates. Every aggregate leaves through the disclosure layer
//! (`cohorte_core::disclosure::protect`) with the caller's `k`: no unprotected table reaches
//! Python.

use std::sync::Arc;

use cohorte_core::aggregate::{
    self, Aggregate, BaselineOptions, CountOptions, Dim, DispensingOptions, IncidenceOptions,
    Outcome, PathwayOptions, PrevalenceOptions, SurvivalOptions,
};
use cohorte_core::disclosure::{self, Protection};
use cohorte_core::engine::{self, Attrition};
use cohorte_core::model::{CodeSystem, CohortRows, EventKind};
use cohorte_core::opendata::{self, Pathology};
use cohorte_core::store::EventStore;
use cohorte_core::{dates, Error, Result};
use pyo3::prelude::*;
use pyo3::types::PyBytes;
use serde::de::DeserializeOwned;
use serde::Deserialize;

use crate::arrow::ArrowTable;
use crate::dataset::Data;
use crate::{convert, errors};

/// Native cohort: its rows, its attrition and the dataset it was evaluated on.
#[pyclass(module = "cohorte._native", name = "Cohort", frozen)]
pub struct PyCohort {
    data: Arc<Data>,
    rows: Arc<CohortRows>,
    attrition: Attrition,
    core_seconds: f64,
}

impl PyCohort {
    /// Wrap an evaluation result.
    pub fn new(data: Arc<Data>, rows: CohortRows, attrition: Attrition, seconds: f64) -> Self {
        PyCohort {
            data,
            rows: Arc::new(rows),
            attrition,
            core_seconds: seconds,
        }
    }
}

/// A protected aggregate handed to Python: its table, name, notes and strata, and the core
/// aggregate itself, kept unchanged so the open-data exports write exactly what was protected.
#[pyclass(module = "cohorte._native", name = "Aggregate", frozen)]
pub struct PyAggregate {
    inner: Arc<Aggregate>,
}

type AggOut = PyAggregate;

fn out(agg: Aggregate) -> AggOut {
    PyAggregate {
        inner: Arc::new(agg),
    }
}

#[pymethods]
impl PyAggregate {
    /// Short name (`counts`, `incidence`, `km_curve`...).
    #[getter]
    fn name(&self) -> String {
        self.inner.name.clone()
    }

    /// Notes on method and masking.
    #[getter]
    fn notes(&self) -> Vec<String> {
        self.inner.notes.clone()
    }

    /// Strata columns (a null stratum marks a margin row).
    #[getter]
    fn dims(&self) -> Vec<String> {
        self.inner.dims.clone()
    }

    /// The threshold it was protected with.
    #[getter]
    fn k(&self) -> Option<u32> {
        self.inner.protected_k
    }

    /// The protected table (masked cells null, `<column>_masked` flags).
    fn table(&self) -> ArrowTable {
        ArrowTable::from_batch(self.inner.batch.clone())
    }

    /// The aggregate as an Open Medic file (Latin-1 bytes); see `opendata::write_open_medic`.
    fn open_medic<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyBytes>> {
        let agg = Arc::clone(&self.inner);
        let bytes = errors::run(py, move || opendata::write_open_medic(&agg))?;
        Ok(PyBytes::new(py, &bytes))
    }

    /// The aggregate as a Data pathologies `effectifs.csv` file (Latin-1 bytes); `pathology` is
    /// the JSON of `opendata::Pathology` (`{"year", "levels", "top"}`).
    fn data_pathologies<'py>(
        &self,
        py: Python<'py>,
        pathology: String,
    ) -> PyResult<Bound<'py, PyBytes>> {
        let agg = Arc::clone(&self.inner);
        let bytes = errors::run(py, move || {
            let patho: Pathology = self::options("data pathologies", &pathology)?;
            opendata::write_data_pathologies(&agg, &patho)
        })?;
        Ok(PyBytes::new(py, &bytes))
    }
}

/// Options arrive as JSON text written by `cohorte._api` (the serde form of the core's options).
fn options<T: DeserializeOwned>(what: &str, text: &str) -> Result<T> {
    serde_json::from_str(text).map_err(|e| Error::invalid(format!("{what} options: {e}")))
}

fn protect_one(mut agg: Aggregate, k: u32) -> Result<Aggregate> {
    disclosure::protect_one(&mut agg, k)?;
    Ok(agg)
}

/// One outcome code: `[event, system, code]` as sent by `cohorte._api`.
#[derive(Deserialize)]
struct OutcomeCode(EventKind, String, String);

/// An outcome: `"death"` or a list of codes.
#[derive(Deserialize)]
#[serde(untagged)]
enum OutcomeSpec {
    Named(String),
    Codes(Vec<OutcomeCode>),
}

fn outcome<'a>(store: &EventStore, text: &str) -> Result<Outcome<'a>> {
    let spec: OutcomeSpec = serde_json::from_str(text)
        .map_err(|e| Error::invalid(format!("outcome: expected \"death\" or codes ({e})")))?;
    match spec {
        OutcomeSpec::Named(n) if n == "death" => Ok(Outcome::death()),
        OutcomeSpec::Named(n) => Err(Error::invalid(format!(
            "outcome: expected \"death\" or codes, found {n:?}"
        ))),
        OutcomeSpec::Codes(codes) => {
            let mut parsed = Vec::with_capacity(codes.len());
            for OutcomeCode(kind, system, code) in &codes {
                parsed.push((*kind, CodeSystem::parse(system)?, code.as_str()));
            }
            Outcome::from_codes(store, &parsed)
        }
    }
}

/// Strata and the usual knobs of rate-like aggregates, as `cohorte._api` sends them.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RateArgs {
    #[serde(default)]
    dims: Vec<Dim>,
    #[serde(default)]
    margins: bool,
    per: Option<f64>,
    level: Option<f64>,
    first_entry_only: Option<bool>,
}

#[pymethods]
impl PyCohort {
    /// Cohort rows: `person_id`, `BEN_RNG_GEM`, `index_date`, `exit_date`.
    fn persons(&self, py: Python<'_>) -> PyResult<ArrowTable> {
        let (data, rows) = (Arc::clone(&self.data), Arc::clone(&self.rows));
        errors::run(py, move || {
            engine::rows_to_record_batch(data.store(), &rows)
        })
        .map(ArrowTable::from_batch)
    }

    /// The attrition table (empty for the result of a set operation).
    fn attrition(&self, py: Python<'_>) -> PyResult<ArrowTable> {
        errors::run(py, || self.attrition.to_record_batch()).map(ArrowTable::from_batch)
    }

    /// The attrition steps as dicts.
    fn attrition_steps<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        convert::to_py(py, &self.attrition.steps)
    }

    /// Entries of either cohort.
    fn union(&self, py: Python<'_>, other: &PyCohort) -> PyResult<PyCohort> {
        self.set_op(py, other, engine::union)
    }

    /// Periods common to both cohorts.
    fn intersection(&self, py: Python<'_>, other: &PyCohort) -> PyResult<PyCohort> {
        self.set_op(py, other, engine::intersection)
    }

    /// Periods of this cohort outside the other's.
    fn difference(&self, py: Python<'_>, other: &PyCohort) -> PyResult<PyCohort> {
        self.set_op(py, other, engine::difference)
    }

    /// Number of distinct persons.
    #[getter]
    fn n_persons(&self) -> usize {
        self.rows.n_persons()
    }

    /// Number of entries.
    #[getter]
    fn n_entries(&self) -> usize {
        self.rows.len()
    }

    /// Seconds the core spent evaluating the definition (0 for set operations).
    #[getter]
    fn core_seconds(&self) -> f64 {
        self.core_seconds
    }

    /// Counts of persons and entries by strata (`options`: JSON of the core's `CountOptions`).
    fn counts(&self, py: Python<'_>, options: String, k: u32) -> PyResult<AggOut> {
        let (data, rows) = (Arc::clone(&self.data), Arc::clone(&self.rows));
        errors::run(py, move || {
            let opts: CountOptions = self::options("counts", &options)?;
            protect_one(aggregate::counts(data.store(), &rows, &opts)?, k)
        })
        .map(out)
    }

    /// Incidence of an outcome during follow-up, per `per` person-years.
    fn incidence(
        &self,
        py: Python<'_>,
        outcome: String,
        options: String,
        k: u32,
    ) -> PyResult<AggOut> {
        let (data, rows) = (Arc::clone(&self.data), Arc::clone(&self.rows));
        errors::run(py, move || {
            let args: RateArgs = self::options("incidence", &options)?;
            let mut opts = IncidenceOptions::new(self::outcome(data.store(), &outcome)?);
            opts.dims = args.dims;
            opts.margins = args.margins;
            opts.per = args.per.unwrap_or(opts.per);
            opts.level = args.level.unwrap_or(opts.level);
            opts.first_entry_only = args.first_entry_only.unwrap_or(opts.first_entry_only);
            protect_one(aggregate::incidence(data.store(), &rows, &opts)?, k)
        })
        .map(out)
    }

    /// Prevalence of the cohort at a date (`YYYY-MM-DD`).
    fn prevalence(
        &self,
        py: Python<'_>,
        date: String,
        options: String,
        k: u32,
    ) -> PyResult<AggOut> {
        let (data, rows) = (Arc::clone(&self.data), Arc::clone(&self.rows));
        errors::run(py, move || {
            let args: RateArgs = self::options("prevalence", &options)?;
            let mut opts = PrevalenceOptions::at(dates::parse_arg("date", &date)?);
            opts.dims = args.dims;
            opts.margins = args.margins;
            opts.level = args.level.unwrap_or(opts.level);
            protect_one(aggregate::prevalence(data.store(), &rows, &opts)?, k)
        })
        .map(out)
    }

    /// Kaplan–Meier curve, numbers at risk and summary of the time to an outcome, protected
    /// together.
    #[pyo3(signature = (outcome, times, level, first_entry_only, k))]
    fn km(
        &self,
        py: Python<'_>,
        outcome: String,
        times: Vec<i64>,
        level: f64,
        first_entry_only: bool,
        k: u32,
    ) -> PyResult<Vec<AggOut>> {
        let (data, rows) = (Arc::clone(&self.data), Arc::clone(&self.rows));
        let aggs = errors::run(py, move || {
            let mut opts = SurvivalOptions::new(self::outcome(data.store(), &outcome)?);
            opts.times = times;
            opts.level = level;
            opts.first_entry_only = first_entry_only;
            opts.min_step = k;
            let km = aggregate::kaplan_meier(data.store(), &rows, &opts)?;
            let mut aggs = vec![km.curve, km.at_risk, km.summary];
            disclosure::protect(&mut aggs, &Protection::k(k))?;
            Ok(aggs)
        })?;
        Ok(aggs.into_iter().map(out).collect())
    }

    /// Baseline characteristics ("Table 1") of this cohort and `others`, side by side.
    fn table1(
        &self,
        py: Python<'_>,
        name: String,
        others: Vec<(String, PyRef<'_, PyCohort>)>,
        options: String,
        k: u32,
    ) -> PyResult<AggOut> {
        let mut cohorts = vec![(name, Arc::clone(&self.rows))];
        for (n, c) in &others {
            if !Arc::ptr_eq(&c.data, &self.data) {
                return Err(errors::invalid(
                    py,
                    format!("table1: cohort {n:?} was evaluated on another dataset"),
                ));
            }
            cohorts.push((n.clone(), Arc::clone(&c.rows)));
        }
        let data = Arc::clone(&self.data);
        errors::run(py, move || {
            let opts: BaselineOptions = self::options("table1", &options)?;
            let refs: Vec<(&str, &CohortRows)> = cohorts
                .iter()
                .map(|(n, r)| (n.as_str(), r.as_ref()))
                .collect();
            protect_one(aggregate::baseline(data.store(), &refs, &opts)?, k)
        })
        .map(out)
    }

    /// Boxes dispensed during follow-up by pack, age band, sex and region (the Open Medic shape).
    fn dispensings(&self, py: Python<'_>, options: String, k: u32) -> PyResult<AggOut> {
        let (data, rows) = (Arc::clone(&self.data), Arc::clone(&self.rows));
        errors::run(py, move || {
            let opts: DispensingOptions = self::options("dispensings", &options)?;
            protect_one(aggregate::dispensings(data.store(), &rows, &opts)?, k)
        })
        .map(out)
    }

    /// Treatment pathways after index.
    fn pathways(&self, py: Python<'_>, options: String, k: u32) -> PyResult<AggOut> {
        let (data, rows) = (Arc::clone(&self.data), Arc::clone(&self.rows));
        errors::run(py, move || {
            let mut opts: PathwayOptions = self::options("pathways", &options)?;
            opts.min_count = k;
            protect_one(aggregate::pathways(data.store(), &rows, &opts)?, k)
        })
        .map(out)
    }
}

impl PyCohort {
    fn set_op(
        &self,
        py: Python<'_>,
        other: &PyCohort,
        op: fn(&CohortRows, &CohortRows) -> CohortRows,
    ) -> PyResult<PyCohort> {
        if !Arc::ptr_eq(&self.data, &other.data) {
            return Err(errors::invalid(
                py,
                "set operations need two cohorts of the same dataset",
            ));
        }
        let (a, b) = (Arc::clone(&self.rows), Arc::clone(&other.rows));
        let rows = errors::run(py, move || Ok(op(&a, &b)))?;
        Ok(PyCohort::new(
            Arc::clone(&self.data),
            rows,
            Attrition::default(),
            0.0,
        ))
    }
}
