//! Definition helpers of `cohorte.definition`: the example library, validation with every problem
//! (warnings included), the canonical form of a document and the JSON Schema.

use cohorte_core::definition::{self, Definition};
use pyo3::prelude::*;

use crate::{convert, errors};

/// The example definitions as `(name, JSON text)` pairs, in the core's order.
#[pyfunction]
pub fn examples() -> Vec<(&'static str, &'static str)> {
    definition::examples()
}

/// Every problem of a JSON document (errors and warnings), each a dict with `path`, `message`,
/// `severity`; empty when the document is valid and clean.
#[pyfunction]
pub fn validate_definition<'py>(py: Python<'py>, text: String) -> PyResult<Bound<'py, PyAny>> {
    let validation = errors::run(py, move || Ok(definition::validate_json(&text)))?;
    convert::to_py(py, &validation.problems)
}

/// The document as the core writes it (current version, defaults left out); raises
/// `DefinitionError` when it does not validate.
#[pyfunction]
pub fn normalize_definition(py: Python<'_>, text: String) -> PyResult<String> {
    errors::run(py, move || Ok(Definition::from_json(&text)?.to_json()))
}

/// The JSON Schema of definitions.
#[pyfunction]
pub fn definition_schema() -> String {
    definition::json_schema()
}
