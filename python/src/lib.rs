//! Python bindings of cohorte-core: the private extension module `cohorte._native`, wrapped by
//! the pure-Python package `cohorte` (python/python/cohorte).
//!
//! Bindings only translate: convert the arguments, call one core function with the GIL released
//! (`errors::run`), convert the result (tables as Arrow PyCapsules, small results as dicts) or
//! the error (one exception class per core error code).

use pyo3::prelude::*;

mod arrow;
mod cohort;
mod convert;
mod dataset;
mod definition;
mod errors;
mod opendata;
mod sql;

/// The extension module.
#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", cohorte_core::VERSION)?;
    // `cohorte/__init__.py` warns on import when this is true: a debug build is 10-50x slower.
    m.add("DEBUG_BUILD", cfg!(debug_assertions))?;
    m.add_class::<arrow::ArrowTable>()?;
    m.add_class::<dataset::PyDataset>()?;
    m.add_class::<cohort::PyCohort>()?;
    m.add_class::<cohort::PyAggregate>()?;
    m.add_function(wrap_pyfunction!(definition::examples, m)?)?;
    m.add_function(wrap_pyfunction!(definition::validate_definition, m)?)?;
    m.add_function(wrap_pyfunction!(definition::normalize_definition, m)?)?;
    m.add_function(wrap_pyfunction!(definition::definition_schema, m)?)?;
    m.add_function(wrap_pyfunction!(sql::sql_text, m)?)?;
    m.add_function(wrap_pyfunction!(opendata::read_open_medic, m)?)?;
    m.add_function(wrap_pyfunction!(opendata::read_data_pathologies, m)?)?;
    m.add_function(wrap_pyfunction!(opendata::read_open_data, m)?)?;
    m.add_function(wrap_pyfunction!(opendata::summarise_open_data, m)?)?;
    m.add_function(wrap_pyfunction!(opendata::standardise_prevalence, m)?)?;
    Ok(())
}
