//! `Dataset`: the native object wrapped by `cohorte._api.Dataset`. Each method converts its
//! arguments, calls one core function through `errors::run` (GIL released, panics caught) and
//! converts the result.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use cohorte_core::dataset::Dataset as CoreDataset;
use cohorte_core::definition::Definition;
use cohorte_core::engine;
use cohorte_core::fixture;
use cohorte_core::synth::SynthConfig;
use cohorte_core::tables::{self, CsvOptions, Encoding, Format};
use pyo3::prelude::*;

use crate::arrow::{import_table, ArrowTable};
use crate::cohort::PyCohort;
use crate::{convert, errors};

/// The core dataset, shared with the cohorts evaluated on it.
pub type Data = CoreDataset;

/// Native dataset.
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
        pitfalls: bool,
    ) -> PyResult<Self> {
        let config = SynthConfig {
            seed,
            patients: to_u32(py, "patients", patients)?,
            start_year,
            years: to_u32(py, "years", years)?,
            pitfalls,
        };
        errors::run(py, move || CoreDataset::synthetic(&config)).map(wrap)
    }

    /// A hand-written population in the JSON format of the shared cohort fixtures.
    #[staticmethod]
    fn from_population_json(py: Python<'_>, text: String) -> PyResult<Self> {
        errors::run(py, move || {
            Ok(CoreDataset::from_population(fixture::load_population(
                &text,
            )?))
        })
        .map(wrap)
    }

    /// Read the given files (Parquet, CSV or Arrow IPC; one table per file, named by the file).
    #[staticmethod]
    fn read_files(py: Python<'_>, paths: Vec<PathBuf>) -> PyResult<Self> {
        errors::run(py, move || CoreDataset::read_files(&paths)).map(wrap)
    }

    /// Read CSV files, each `(table, path)` (`None`: the table is the file's stem), with a field
    /// separator (one character) and an encoding (`auto`, `utf-8`, `latin-1`).
    #[staticmethod]
    fn read_csv_files(
        py: Python<'_>,
        files: Vec<(Option<String>, PathBuf)>,
        separator: String,
        encoding: String,
    ) -> PyResult<Self> {
        errors::run(py, move || {
            let mut chars = separator.chars();
            let separator = match (chars.next(), chars.next()) {
                (Some(c), None) => c,
                _ => {
                    return Err(cohorte_core::Error::invalid(format!(
                        "separator: expected one character, found {separator:?}"
                    )))
                }
            };
            let options = CsvOptions {
                separator,
                encoding: Encoding::parse(&encoding)?,
            };
            CoreDataset::from_tables(tables::read_csv_files(&files, &options)?)
        })
        .map(wrap)
    }

    /// Read every table file of a folder.
    #[staticmethod]
    fn read_dir(py: Python<'_>, path: PathBuf) -> PyResult<Self> {
        errors::run(py, move || CoreDataset::read_dir(&path)).map(wrap)
    }

    /// Build a dataset from `(table name, Arrow stream exporter)` pairs.
    #[staticmethod]
    fn from_tables(py: Python<'_>, tables: Vec<(String, Bound<'_, PyAny>)>) -> PyResult<Self> {
        let mut batches = Vec::with_capacity(tables.len());
        for (name, obj) in &tables {
            batches.push((name.clone(), import_table(py, obj, name)?));
        }
        errors::run(py, move || CoreDataset::from_tables(batches)).map(wrap)
    }

    /// Every source table, as `(name, ArrowTable)` pairs in the core's order.
    fn tables(&self, py: Python<'_>) -> PyResult<Vec<(String, ArrowTable)>> {
        let ds = Arc::clone(&self.inner);
        let tables = errors::run(py, move || ds.tables())?;
        Ok(tables
            .into_iter()
            .map(|(name, batch)| (name, ArrowTable::from_batch(batch)))
            .collect())
    }

    /// One source table.
    fn table(&self, py: Python<'_>, name: String) -> PyResult<ArrowTable> {
        let ds = Arc::clone(&self.inner);
        errors::run(py, move || ds.table(&name)).map(ArrowTable::from_batch)
    }

    /// Write every table into `path` in `format` (`"parquet"`, `"csv"` or `"ipc"`); returns the
    /// files written.
    fn write(&self, py: Python<'_>, path: PathBuf, format: &str) -> PyResult<Vec<String>> {
        let format = match format {
            "parquet" => Format::Parquet,
            "csv" => Format::Csv,
            "ipc" => Format::Ipc,
            other => {
                return Err(errors::invalid(
                    py,
                    format!("format: expected parquet, csv or ipc, found {other:?}"),
                ))
            }
        };
        let ds = Arc::clone(&self.inner);
        let files = errors::run(py, move || ds.write_dir(&path, format))?;
        Ok(files.iter().map(|p| p.display().to_string()).collect())
    }

    /// Patients, events by kind, period, rows per table (a dict).
    fn summary<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let ds = Arc::clone(&self.inner);
        let summary = errors::run(py, move || ds.summary())?;
        convert::to_py(py, &summary)
    }

    /// SHA-256 hex digest of the population's canonical serialisation.
    fn digest(&self, py: Python<'_>) -> PyResult<String> {
        let ds = Arc::clone(&self.inner);
        errors::run(py, move || Ok(ds.digest()))
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
        let ds = Arc::clone(&self.inner);
        let (result, seconds) = errors::run(py, move || {
            let def = Definition::from_json(&definition)?;
            let t0 = Instant::now();
            let result = engine::evaluate(ds.store(), &def)?;
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
