//! The one error type of the core. Every face maps it once: Python to an exception class under
//! `cohorte.exceptions.CohorteError`, JavaScript to an `Error` carrying [`Error::code`].
//!
//! Messages name what and where (table, column, row, JSON path, file) so a user can fix the input
//! without reading code.

use std::fmt;

/// Result alias used across the core.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// One problem found while validating a cohort definition: where (a JSON path such as
/// `inclusion[2].window.start`) and what was expected.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Problem {
    /// JSON path of the offending value, e.g. `inclusion[2].window.start`.
    pub path: String,
    /// What is wrong and what was expected.
    pub message: String,
    /// `error` or `warning`.
    pub severity: Severity,
}

/// How serious a validation [`Problem`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// The definition cannot be evaluated.
    Error,
    /// The definition can be evaluated but is probably not what was meant.
    Warning,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_empty() {
            write!(f, "{}", self.message)
        } else {
            write!(f, "{}: {}", self.path, self.message)
        }
    }
}

/// Every error the core can return.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A file could not be opened, read or written.
    #[error("{path}: {message}")]
    Io {
        /// The file concerned.
        path: String,
        /// What the operating system said.
        message: String,
        /// Whether the file does not exist (mapped to `FileNotFoundError` in Python).
        not_found: bool,
    },
    /// A source table lacks a required column.
    #[error("table {table}: missing required column {column}")]
    MissingColumn {
        /// SNDS table name, e.g. `ER_PRS_F`.
        table: String,
        /// Column name, e.g. `BEN_NIR_PSA`.
        column: String,
    },
    /// A value in a source table cannot be read (bad date, non-numeric count, wrong type...).
    #[error("table {table}, column {column}, row {row}: {message}")]
    BadValue {
        /// SNDS table name.
        table: String,
        /// Column name.
        column: String,
        /// 1-based data row (the header is not counted).
        row: usize,
        /// What is wrong with the value and what was expected.
        message: String,
    },
    /// A file is not in the expected format (corrupt Parquet, CSV without header, unknown layout).
    #[error("{path}: {message}")]
    Format {
        /// The file or table concerned.
        path: String,
        /// What is wrong.
        message: String,
    },
    /// A table name that is not one of the SNDS source tables Cohorte knows.
    #[error("unknown table {0:?}")]
    UnknownTable(String),
    /// A code system name that Cohorte does not know.
    #[error("unknown code system {0:?} (expected one of ATC, CIP13, ICD10, CCAM)")]
    UnknownCodeSystem(String),
    /// A cohort definition that does not validate: every problem, each with its path.
    #[error("invalid cohort definition: {}", join_problems(.0))]
    Definition(Vec<Problem>),
    /// An argument out of its domain (a negative number of patients, a date out of range...).
    #[error("{0}")]
    InvalidArgument(String),
    /// An aggregate request that cannot be computed on this cohort.
    #[error("{0}")]
    Aggregate(String),
    /// A definition or options the SQL compiler cannot render: an unknown dialect or result, a
    /// table missing from the mapping, no PMSI year. The message names the option at fault.
    #[error("sql: {0}")]
    Sql(String),
    /// An error raised by the Arrow library.
    #[error("arrow: {0}")]
    Arrow(String),
    /// An error raised by the Parquet library.
    #[error("parquet: {0}")]
    Parquet(String),
}

fn join_problems(problems: &[Problem]) -> String {
    problems
        .iter()
        .map(|p| p.to_string())
        .collect::<Vec<_>>()
        .join("; ")
}

impl Error {
    /// A stable, machine-readable code for the error kind (`"missing_column"`, `"bad_value"`...).
    /// JavaScript errors carry it as `error.code`; Python exceptions as `exc.code`.
    pub fn code(&self) -> &'static str {
        match self {
            Error::Io {
                not_found: true, ..
            } => "file_not_found",
            Error::Io { .. } => "io",
            Error::MissingColumn { .. } => "missing_column",
            Error::BadValue { .. } => "bad_value",
            Error::Format { .. } => "format",
            Error::UnknownTable(_) => "unknown_table",
            Error::UnknownCodeSystem(_) => "unknown_code_system",
            Error::Definition(_) => "invalid_definition",
            Error::InvalidArgument(_) => "invalid_argument",
            Error::Aggregate(_) => "aggregate",
            Error::Sql(_) => "sql",
            Error::Arrow(_) => "arrow",
            Error::Parquet(_) => "parquet",
        }
    }

    /// Shorthand for an [`Error::InvalidArgument`].
    pub fn invalid(message: impl Into<String>) -> Self {
        Error::InvalidArgument(message.into())
    }

    /// An [`Error::Io`] from a `std::io::Error` on `path`.
    pub fn io(path: impl AsRef<std::path::Path>, err: &std::io::Error) -> Self {
        Error::Io {
            path: path.as_ref().display().to_string(),
            message: err.to_string(),
            not_found: err.kind() == std::io::ErrorKind::NotFound,
        }
    }
}

impl From<arrow_schema::ArrowError> for Error {
    fn from(e: arrow_schema::ArrowError) -> Self {
        Error::Arrow(e.to_string())
    }
}

#[cfg(feature = "parquet")]
impl From<parquet::errors::ParquetError> for Error {
    fn from(e: parquet::errors::ParquetError) -> Self {
        Error::Parquet(e.to_string())
    }
}
