//! `Dataset`: the native object wrapped by `cohorte._api.Dataset`. Each method converts its
//! arguments, calls one core function through [`errors::run`] (GIL released, panics caught) and
//! converts the result.

use std::sync::Arc;

use cohorte_core::store::EventStore;
use cohorte_core::synth::{self, SynthConfig};
use cohorte_core::Population;
use pyo3::prelude::*;

use crate::errors;

/// The population and its event store.
struct Data {
    population: Population,
    store: EventStore,
}

/// Native dataset, shared with the cohorts evaluated on it.
#[pyclass(module = "cohorte._native", name = "Dataset", frozen)]
pub struct PyDataset {
    inner: Arc<Data>,
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
        let data = errors::run(py, move || {
            let population = synth::generate(&config)?;
            let store = EventStore::build(&population);
            Ok(Data { population, store })
        })?;
        Ok(PyDataset {
            inner: Arc::new(data),
        })
    }

    /// SHA-256 hex digest of the population's canonical serialisation.
    fn digest(&self, py: Python<'_>) -> PyResult<String> {
        let data = Arc::clone(&self.inner);
        errors::run(py, move || Ok(synth::population_digest(&data.population)))
    }

    /// Number of patients.
    #[getter]
    fn n_patients(&self) -> usize {
        self.inner.store.n_patients()
    }

    /// Number of events.
    #[getter]
    fn n_events(&self) -> usize {
        self.inner.store.n_events()
    }
}
