//! Readers of the open aggregates of the Assurance Maladie (`cohorte_core::opendata`): every
//! published layout as Arrow tables, summaries computed while streaming a file, and the direct
//! standardisation of Data pathologies prevalences. The exports live on the protected
//! aggregates (`cohort::PyAggregate`).

use std::path::PathBuf;

use cohorte_core::opendata::{self, Layout, OpenData, OpenDataReader, Summary, FRANCE_RP2018};
use cohorte_core::Error;
use pyo3::prelude::*;

use crate::arrow::ArrowTable;
use crate::errors;

/// Read an Open Medic file (any year's header, Windows-1252 or UTF-8) into its typed columns.
#[pyfunction]
pub fn read_open_medic(py: Python<'_>, path: PathBuf) -> PyResult<ArrowTable> {
    errors::run(py, move || opendata::read_open_medic_file(&path)).map(ArrowTable::from_batch)
}

/// Read a Data pathologies `effectifs.csv` file (either header spelling) into its typed columns.
#[pyfunction]
pub fn read_data_pathologies(py: Python<'_>, path: PathBuf) -> PyResult<ArrowTable> {
    errors::run(py, move || opendata::read_data_pathologies_file(&path)).map(ArrowTable::from_batch)
}

fn read_all(paths: &[PathBuf], layout: Option<&str>) -> Result<OpenData, Error> {
    let layout = match layout {
        None => None,
        Some(name) => Some(Layout::from_name(name).ok_or_else(|| {
            Error::invalid(format!(
                "layout {name:?}: expected one of open_medic, open_medic_consumers, open_phmev, \
                 open_bio, open_lpp, open_damir, data_pathologies"
            ))
        })?),
    };
    let mut parts = vec![];
    for p in paths {
        let mut reader = OpenDataReader::new(&p.display().to_string());
        if let Some(l) = layout {
            reader = reader.expecting(l);
        }
        parts.push(opendata::read_path(reader, p, &mut |_| {})?);
    }
    match parts.len() {
        0 => Err(Error::invalid("no open-data file given")),
        1 => Ok(parts.remove(0)),
        _ => opendata::combine(parts),
    }
}

/// Read one file (or several of one layout, combined with a `file` column): the table, its
/// layout's name, its encoding's name and the notes on restored cells.
#[pyfunction]
#[pyo3(signature = (paths, layout=None))]
pub fn read_open_data(
    py: Python<'_>,
    paths: Vec<PathBuf>,
    layout: Option<String>,
) -> PyResult<(ArrowTable, String, String, Vec<String>)> {
    let d = errors::run(py, move || read_all(&paths, layout.as_deref()))?;
    Ok((
        ArrowTable::from_batch(d.batch),
        d.layout.name().to_string(),
        d.encoding.name().to_string(),
        d.notes,
    ))
}

/// Filter and sum a file while streaming it (`summary_json`: the JSON of
/// `opendata::Summary`); memory holds one chunk and the groups.
#[pyfunction]
pub fn summarise_open_data(
    py: Python<'_>,
    path: PathBuf,
    summary_json: String,
) -> PyResult<ArrowTable> {
    let d = errors::run(py, move || {
        let s: Summary = serde_json::from_str(&summary_json)
            .map_err(|e| Error::invalid(format!("summary: {e}")))?;
        opendata::summarise_open_data_file(&path, &s, &mut |_| {})
    })?;
    Ok(ArrowTable::from_batch(d.batch))
}

/// Age- and sex-standardised prevalences of Data pathologies files grouped by `by`, standardised
/// to France (INSEE, census 2018) at confidence `level`: the table and the reference's source.
#[pyfunction]
pub fn standardise_prevalence(
    py: Python<'_>,
    paths: Vec<PathBuf>,
    by: Vec<String>,
    level: f64,
) -> PyResult<(ArrowTable, String)> {
    let batch = errors::run(py, move || {
        let d = read_all(&paths, Some("data_pathologies"))?;
        opendata::standardise_data_pathologies(&d.batch, &by, &FRANCE_RP2018, level)
    })?;
    Ok((
        ArrowTable::from_batch(batch),
        FRANCE_RP2018.source.to_string(),
    ))
}
