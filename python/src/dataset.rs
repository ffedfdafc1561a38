//! `Dataset`: the native object wrapped by `cohorte._api.Dataset`. Each method converts its
//! arguments, calls one core function through `errors::run` (GIL released, panics caught) and
//! converts the result.

use std::sync::Arc;
use std::time::Instant;

use cohorte_core::definition::Definition;
use cohorte_core::engine;
use cohorte_core::store::EventStore;
use cohorte_core::synth::{self, SynthConfig};
use cohorte_core::{fixture, Population};
use pyo3::prelude::*;

use crate::cohort::PyCohort;
use crate::errors;

/// The population and its event store.
pub struct Data {
    population: Population,
    store: EventStore,
}

impl Data {
    fn new(population: Population) -> Data {
        let store = EventStore::build(&population);
        Data { population, store }
    }

    /// The event store.
    pub fn store(&self) -> &EventStore {
        &self.store
    }
}

/// Native dataset, shared with the cohorts evaluated on it.
#[pyclass(module = "cohorte._native", name = "Dataset", frozen)]
pub struct PyDataset {
    pub(crate) inner: Arc<Data>,
}

fn wrap(data: Data) -> PyDataset {
    PyDataset {
        inner: Arc::new(data),
    }
}

fn to_u32(py: Python<'_>, name: &str, value: i64) -> PyResult<u32> {
    u32::try_from(value).map_err(|_| {
        errors::invalid(
            py,
            format!("{name}: expected 0 to {}, found {value}", u32::MAX),
        )
    })
}

#[pymethods]
impl PyDataset {
    /// Generate a synthetic population (see `cohorte.synthetic`).
    #[staticmethod]
    fn synthetic(
        py: Python<'_>,
        patients: i64,
        seed: u64,
        years: i64,
        start_year: i32,
    ) -> PyResult<Self> {
        let config = SynthConfig {
            seed,
            patients: to_u32(py, "patients", patients)?,
            start_year,
            years: to_u32(py, "years", years)?,
        };
        errors::run(py, move || Ok(Data::new(synth::generate(&config)?))).map(wrap)
    }

    /// A hand-written population in the JSON format of the shared cohort fixtures
    /// (`fixtures/README.md`).
    #[staticmethod]
    fn from_population_json(py: Python<'_>, text: String) -> PyResult<Self> {
        errors::run(py, move || Ok(Data::new(fixture::load_population(&text)?))).map(wrap)
    }

    /// SHA-256 hex digest of the population's canonical serialisation.
    fn digest(&self, py: Python<'_>) -> PyResult<String> {
        let data = Arc::clone(&self.inner);
        errors::run(py, move || Ok(synth::population_digest(&data.population)))
    }

    /// Number of patients.
    #[getter]
    fn n_patients(&self) -> usize {
        self.inner.store().n_patients()
    }

    /// Number of events.
    #[getter]
    fn n_events(&self) -> usize {
        self.inner.store().n_events()
    }

    /// Parse a JSON definition and evaluate it.
    fn cohort(&self, py: Python<'_>, definition: String) -> PyResult<PyCohort> {
        let data = Arc::clone(&self.inner);
        let (result, seconds) = errors::run(py, move || {
            let def = Definition::from_json(&definition)?;
            let t0 = Instant::now();
            let result = engine::evaluate(data.store(), &def)?;
            Ok((result, t0.elapsed().as_secs_f64()))
        })?;
        Ok(PyCohort::new(
            Arc::clone(&self.inner),
            result.rows,
            result.attrition,
            seconds,
        ))
    }
}
