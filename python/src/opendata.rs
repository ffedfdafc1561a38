//! Readers of the open aggregates of the Assurance Maladie (`cohorte_core::opendata`): Open
//! Medic and Data pathologies files as Arrow tables. The exports live on the protected
//! aggregates (`cohort::PyAggregate`).

use std::path::PathBuf;

use cohorte_core::opendata;
use pyo3::prelude::*;

use crate::arrow::ArrowTable;
use crate::errors;

/// Read an Open Medic file (`;`, Latin-1, decimal commas) into its typed columns.
#[pyfunction]
pub fn read_open_medic(py: Python<'_>, path: PathBuf) -> PyResult<ArrowTable> {
    errors::run(py, move || opendata::read_open_medic_file(&path)).map(ArrowTable::from_batch)
}

/// Read a Data pathologies `effectifs.csv` file into its typed columns.
#[pyfunction]
pub fn read_data_pathologies(py: Python<'_>, path: PathBuf) -> PyResult<ArrowTable> {
    errors::run(py, move || opendata::read_data_pathologies_file(&path)).map(ArrowTable::from_batch)
}
