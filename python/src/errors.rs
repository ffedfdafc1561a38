//! The one mapping from `cohorte_core::Error` to Python exceptions, and the guard every core call
//! goes through: the GIL is released, a panic is caught and turned into `InternalError`, and a core
//! error becomes the exception class of `cohorte.exceptions` that matches its code.
//!
//! The classes live in Python (`cohorte/exceptions.py`) so they can inherit from two bases
//! (`CohorteError` and `ValueError`/`FileNotFoundError`), which `create_exception!` cannot do.

use std::panic::AssertUnwindSafe;

use cohorte_core::Error;
use pyo3::exceptions::PyRuntimeError;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};

/// Exception class name (in `cohorte.exceptions`) of each stable error code. A code missing here
/// falls back to the base class `CohorteError`, still carrying its `.code`.
fn class_of(code: &str) -> &'static str {
    match code {
        "file_not_found" => "MissingFileError",
        "io" => "FileError",
        "missing_column" => "MissingColumnError",
        "bad_value" => "BadValueError",
        "format" => "FormatError",
        "unknown_table" => "UnknownTableError",
        "unknown_code_system" => "UnknownCodeSystemError",
        "invalid_definition" => "DefinitionError",
        "invalid_argument" => "InvalidArgumentError",
        "aggregate" => "AggregateError",
        "sql" => "SqlError",
        "arrow" => "ArrowError",
        "parquet" => "ParquetError",
        "internal" => "InternalError",
        _ => "CohorteError",
    }
}

/// Build the Python exception of `class_of(code)` with `.code` set; `extra` attributes are set
/// on the instance too (the problem list of a definition error).
fn make(
    py: Python<'_>,
    code: &str,
    message: String,
    extra: Option<(&str, Bound<'_, PyAny>)>,
) -> PyErr {
    let build = || -> PyResult<PyErr> {
        let module = py.import("cohorte.exceptions")?;
        let class = module.getattr(class_of(code))?;
        let exc = class.call1((message.clone(),))?;
        exc.setattr("code", code)?;
        if let Some((name, value)) = extra {
            exc.setattr(name, value)?;
        }
        Ok(PyErr::from_value(exc))
    };
    // The exceptions module ships in the same wheel: failing to import it means a broken install.
    build().unwrap_or_else(|e| {
        PyRuntimeError::new_err(format!("{message} (cohorte.exceptions unavailable: {e})"))
    })
}

/// Convert a core error into its Python exception.
pub fn to_py(py: Python<'_>, err: Error) -> PyErr {
    let code = err.code();
    let extra = match &err {
        Error::Definition(problems) => problems_list(py, problems).ok().map(|l| ("problems", l)),
        _ => None,
    };
    make(py, code, err.to_string(), extra)
}

/// An `InvalidArgumentError` raised by the binding itself (a Python value of the wrong shape).
pub fn invalid(py: Python<'_>, message: impl Into<String>) -> PyErr {
    make(py, "invalid_argument", message.into(), None)
}

fn problems_list<'py>(
    py: Python<'py>,
    problems: &[cohorte_core::error::Problem],
) -> PyResult<Bound<'py, PyAny>> {
    let list = PyList::empty(py);
    for p in problems {
        let d = PyDict::new(py);
        d.set_item("path", &p.path)?;
        d.set_item("message", &p.message)?;
        let severity = match p.severity {
            cohorte_core::error::Severity::Error => "error",
            cohorte_core::error::Severity::Warning => "warning",
        };
        d.set_item("severity", severity)?;
        list.append(d)?;
    }
    Ok(list.into_any())
}

fn panic_text(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "unknown panic".to_string()
    }
}

/// Run one core call with the GIL released; a core error or a panic comes back as a Python
/// exception of the `cohorte.exceptions` hierarchy (a panic never unwinds into the interpreter).
pub fn run<T, F>(py: Python<'_>, f: F) -> PyResult<T>
where
    T: Send,
    F: FnOnce() -> cohorte_core::Result<T> + Send,
{
    let out = py.detach(|| std::panic::catch_unwind(AssertUnwindSafe(f)));
    match out {
        Ok(Ok(v)) => Ok(v),
        Ok(Err(e)) => Err(to_py(py, e)),
        Err(payload) => Err(make(
            py,
            "internal",
            format!(
                "internal error in cohorte (please report it with the input that caused it): {}",
                panic_text(payload.as_ref())
            ),
            None,
        )),
    }
}
