//! Building record batches row by row, and reading typed columns of a conformed batch.

use std::sync::Arc;

use arrow_array::{
    Array, ArrayRef, Date32Array, Float64Array, Int32Array, Int64Array, RecordBatch, StringArray,
};

use super::schema::{TableKind, Ty};
use crate::dates::Day;
use crate::error::{Error, Result};

/// A value of a cell.
#[derive(Debug, Clone)]
pub(crate) enum Val {
    /// Text.
    S(String),
    /// Date.
    D(Day),
    /// Int32.
    I(i32),
    /// Int64.
    L(i64),
    /// Float64.
    F(f64),
}

enum Buf {
    Code(Vec<Option<String>>),
    Date(Vec<Option<i32>>),
    Int(Vec<Option<i32>>),
    Long(Vec<Option<i64>>),
    Amount(Vec<Option<f64>>),
}

/// Row-by-row builder of one table.
pub(crate) struct Builder {
    kind: TableKind,
    names: Vec<&'static str>,
    bufs: Vec<Buf>,
    rows: usize,
}

impl Builder {
    pub(crate) fn new(kind: TableKind) -> Builder {
        let cols = kind.columns();
        Builder {
            kind,
            names: cols.iter().map(|c| c.name).collect(),
            bufs: cols
                .iter()
                .map(|c| match c.ty {
                    Ty::Code => Buf::Code(Vec::new()),
                    Ty::Date => Buf::Date(Vec::new()),
                    Ty::Int => Buf::Int(Vec::new()),
                    Ty::Long => Buf::Long(Vec::new()),
                    Ty::Amount => Buf::Amount(Vec::new()),
                })
                .collect(),
            rows: 0,
        }
    }

    /// Append a row; columns not named are null. A name or type that does not match the schema
    /// is a programming error of the renderer, reported as [`Error::InvalidArgument`].
    pub(crate) fn row(&mut self, cells: Vec<(&str, Val)>) -> Result<()> {
        for b in &mut self.bufs {
            match b {
                Buf::Code(v) => v.push(None),
                Buf::Date(v) => v.push(None),
                Buf::Int(v) => v.push(None),
                Buf::Long(v) => v.push(None),
                Buf::Amount(v) => v.push(None),
            }
        }
        let r = self.rows;
        self.rows += 1;
        // Cells mostly come in schema order: search from after the previous match.
        let n = self.names.len();
        let mut from = 0;
        for (name, val) in cells {
            let i = (0..n)
                .map(|k| (from + k) % n)
                .find(|&k| self.names[k] == name)
                .ok_or_else(|| Error::invalid(format!("{}: no column {name}", self.kind.name())))?;
            from = i + 1;
            match (&mut self.bufs[i], val) {
                (Buf::Code(v), Val::S(s)) => v[r] = (!s.is_empty()).then_some(s),
                (Buf::Date(v), Val::D(d)) => v[r] = Some(d),
                (Buf::Int(v), Val::I(x)) => v[r] = Some(x),
                (Buf::Long(v), Val::L(x)) => v[r] = Some(x),
                (Buf::Amount(v), Val::F(x)) => v[r] = Some(x),
                _ => {
                    return Err(Error::invalid(format!(
                        "{}: wrong type for column {name}",
                        self.kind.name()
                    )))
                }
            }
        }
        Ok(())
    }

    pub(crate) fn finish(self) -> Result<RecordBatch> {
        let arrays: Vec<ArrayRef> = self
            .bufs
            .into_iter()
            .map(|b| -> ArrayRef {
                match b {
                    Buf::Code(v) => Arc::new(StringArray::from(v)),
                    Buf::Date(v) => Arc::new(Date32Array::from(v)),
                    Buf::Int(v) => Arc::new(Int32Array::from(v)),
                    Buf::Long(v) => Arc::new(Int64Array::from(v)),
                    Buf::Amount(v) => Arc::new(Float64Array::from(v)),
                }
            })
            .collect();
        Ok(RecordBatch::try_new(self.kind.schema(), arrays)?)
    }
}

/// Typed access to the columns of a batch conformed to its table's schema. The batch may be one
/// of several of its table: `first_row` rows of the table come before it, so the row numbers of
/// errors are those of the whole table.
pub(crate) struct Cols<'a> {
    pub(crate) table: String,
    pub(crate) batch: &'a RecordBatch,
    pub(crate) first_row: usize,
}

impl<'a> Cols<'a> {
    /// Columns of `batch`, preceded in its table by `first_row` rows of earlier batches.
    pub(crate) fn at(table: &str, batch: &'a RecordBatch, first_row: usize) -> Cols<'a> {
        Cols {
            table: table.to_string(),
            batch,
            first_row,
        }
    }

    /// 1-based row number in the table of the 0-based row `row` of this batch.
    pub(crate) fn row(&self, row: usize) -> usize {
        self.first_row + row + 1
    }

    /// An [`Error::BadValue`] at the 0-based row `row` of this batch.
    pub(crate) fn bad(&self, column: &str, row: usize, message: String) -> Error {
        Error::BadValue {
            table: self.table.clone(),
            column: column.to_string(),
            row: self.row(row),
            message,
        }
    }

    fn col(&self, name: &str) -> Result<&'a ArrayRef> {
        self.batch
            .schema_ref()
            .index_of(name)
            .map(|i| self.batch.column(i))
            .map_err(|_| Error::MissingColumn {
                table: self.table.clone(),
                column: name.to_string(),
            })
    }

    fn typed<T: 'static>(&self, name: &str) -> Result<&'a T> {
        self.col(name)?
            .as_any()
            .downcast_ref::<T>()
            .ok_or_else(|| Error::Format {
                path: self.table.clone(),
                message: format!("column {name} does not have the expected type"),
            })
    }

    pub(crate) fn code(&self, name: &str) -> Result<&'a StringArray> {
        self.typed(name)
    }
    pub(crate) fn date(&self, name: &str) -> Result<&'a Date32Array> {
        self.typed(name)
    }
    pub(crate) fn int(&self, name: &str) -> Result<&'a Int32Array> {
        self.typed(name)
    }
    pub(crate) fn long(&self, name: &str) -> Result<&'a Int64Array> {
        self.typed(name)
    }

    /// A required value: null is a [`Error::BadValue`] at the 0-based row `row` of this batch.
    pub(crate) fn need<T>(&self, name: &str, row: usize, v: Option<T>) -> Result<T> {
        v.ok_or_else(|| self.bad(name, row, "empty value where one is required".into()))
    }
}

/// Text of a nullable string cell (`""` when null).
pub(crate) fn s(a: &StringArray, i: usize) -> &str {
    if a.is_null(i) {
        ""
    } else {
        a.value(i)
    }
}

/// Value of a nullable primitive cell.
pub(crate) fn opt<T: arrow_array::ArrowPrimitiveType>(
    a: &arrow_array::PrimitiveArray<T>,
    i: usize,
) -> Option<T::Native> {
    (!a.is_null(i)).then(|| a.value(i))
}
