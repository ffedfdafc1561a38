//! Small results (summaries, attrition steps) cross as plain Python values: the core serialises
//! them with serde to JSON text (fields in declaration order) and `json.loads` builds the dicts.
//! Going through `serde_json::Value` instead would sort the keys (its map is a BTreeMap unless
//! the `preserve_order` feature is on, which would also change the core's own maps when the
//! workspace builds this crate).

use pyo3::prelude::*;

/// Any serialisable core value as a Python object.
pub fn to_py<'py, T: serde::Serialize>(py: Python<'py>, value: &T) -> PyResult<Bound<'py, PyAny>> {
    let text = serde_json::to_string(value).map_err(|e| {
        crate::errors::to_py(
            py,
            cohorte_core::Error::invalid(format!("serialising a result: {e}")),
        )
    })?;
    py.import("json")?.call_method1("loads", (text,))
}
