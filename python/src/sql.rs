//! `cohorte.sql`: a definition compiled to SQL by the core (`cohorte_core::sql`).

use std::collections::BTreeMap;

use cohorte_core::definition::Definition;
use cohorte_core::sql::{self, Dialect, SqlOptions, SqlResult};
use pyo3::prelude::*;

use crate::errors;

/// The SQL text of one result (`entries` or `attrition`) of a definition (JSON text) in a
/// dialect; `flux` bounds `FLX_DIS_DTD` (ISO dates, inclusive).
#[pyfunction]
#[pyo3(signature = (text, dialect, pmsi_years, tables, result, flux))]
pub fn sql_text(
    py: Python<'_>,
    text: String,
    dialect: String,
    pmsi_years: Option<Vec<i32>>,
    tables: Option<BTreeMap<String, String>>,
    result: String,
    flux: Option<(String, String)>,
) -> PyResult<String> {
    errors::run(py, move || {
        let mut opts = SqlOptions::new(Dialect::parse(&dialect)?);
        opts.pmsi_years = pmsi_years;
        opts.tables = tables;
        if let Some((a, b)) = flux {
            let day = |s: &str| {
                cohorte_core::dates::parse(s)
                    .map_err(|e| cohorte_core::Error::Sql(format!("flux: {s:?}: {e}")))
            };
            opts.flux = Some((day(&a)?, day(&b)?));
        }
        let result = SqlResult::parse(&result)?;
        sql::to_sql(&Definition::from_json(&text)?, &opts, result)
    })
}
