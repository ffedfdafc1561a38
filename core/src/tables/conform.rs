//! Bringing a batch read from a file (any column order, extra columns, other Arrow types) to the
//! canonical schema of its table; parsing text cells (CSV) into typed columns.

use std::sync::Arc;

use arrow_array::types::*;
use arrow_array::{
    Array, ArrayRef, Date32Array, Float64Array, Int32Array, Int64Array, RecordBatch, StringArray,
};
use arrow_schema::{DataType, TimeUnit};

use super::schema::{TableKind, Ty};
use crate::error::{Error, Result};

/// Parse one text cell of column type `ty`; `None` for an empty cell. The error message says what
/// was expected.
pub(crate) fn parse_cell(ty: Ty, text: &str) -> std::result::Result<Cell, String> {
    let t = text.trim();
    if t.is_empty() {
        return Ok(Cell::Null);
    }
    Ok(match ty {
        Ty::Code => Cell::S,
        Ty::Date => Cell::D(crate::dates::parse_source(t)?),
        Ty::Int => Cell::I(
            int(t)
                .and_then(|v| i32::try_from(v).ok())
                .ok_or_else(|| format!("expected a whole number, found {t:?}"))?,
        ),
        Ty::Long => Cell::L(int(t).ok_or_else(|| format!("expected a whole number, found {t:?}"))?),
        Ty::Amount => Cell::F(
            t.replace(',', ".")
                .parse::<f64>()
                .map_err(|_| format!("expected a number (decimal comma or point), found {t:?}"))?,
        ),
    })
}

fn int(t: &str) -> Option<i64> {
    if let Ok(v) = t.parse::<i64>() {
        return Some(v);
    }
    // `12,0` or `12.0` as written by some exports: accepted when the fraction is zero.
    let f = t.replace(',', ".").parse::<f64>().ok()?;
    (f.fract() == 0.0 && f.abs() < 9.0e15).then_some(f as i64)
}

/// A parsed cell.
pub(crate) enum Cell {
    Null,
    S,
    D(i32),
    I(i32),
    L(i64),
    F(f64),
}

/// Build a typed column from text cells (`None` = null; `Some("")` = empty text for codes).
/// `first_row` rows of the table come before these cells (in earlier batches): errors name the
/// row of the table.
pub(crate) fn column_from_text<'a>(
    table: &str,
    column: &str,
    ty: Ty,
    first_row: usize,
    cells: impl Iterator<Item = Option<&'a str>>,
) -> Result<ArrayRef> {
    let bad = |row: usize, message: String| Error::BadValue {
        table: table.to_string(),
        column: column.to_string(),
        row: first_row + row,
        message,
    };
    macro_rules! prim {
        ($arr:ty, $var:ident) => {{
            let mut v = Vec::new();
            for (r, c) in cells.enumerate() {
                v.push(match c {
                    None => None,
                    Some(t) => match parse_cell(ty, t).map_err(|m| bad(r + 1, m))? {
                        Cell::$var(x) => Some(x),
                        _ => None,
                    },
                });
            }
            Arc::new(<$arr>::from(v)) as ArrayRef
        }};
    }
    Ok(match ty {
        Ty::Code => Arc::new(StringArray::from(
            cells.map(|c| c.map(|s| s.to_string())).collect::<Vec<_>>(),
        )),
        Ty::Date => prim!(Date32Array, D),
        Ty::Int => prim!(Int32Array, I),
        Ty::Long => prim!(Int64Array, L),
        Ty::Amount => prim!(Float64Array, F),
    })
}

/// Text of a cell of any supported Arrow type (`None` for null); `Err` for an unsupported type.
fn texts(a: &ArrayRef) -> std::result::Result<Vec<Option<String>>, String> {
    use arrow_array::cast::AsArray;
    let n = a.len();
    macro_rules! prim {
        ($t:ty) => {{
            let p = a.as_primitive::<$t>();
            (0..n)
                .map(|i| (!p.is_null(i)).then(|| p.value(i).to_string()))
                .collect()
        }};
    }
    Ok(match a.data_type() {
        DataType::Utf8 => {
            let s = a.as_string::<i32>();
            (0..n)
                .map(|i| (!s.is_null(i)).then(|| s.value(i).to_string()))
                .collect()
        }
        DataType::LargeUtf8 => {
            let s = a.as_string::<i64>();
            (0..n)
                .map(|i| (!s.is_null(i)).then(|| s.value(i).to_string()))
                .collect()
        }
        DataType::Utf8View => {
            let s = a.as_string_view();
            (0..n)
                .map(|i| (!s.is_null(i)).then(|| s.value(i).to_string()))
                .collect()
        }
        DataType::Int8 => prim!(Int8Type),
        DataType::Int16 => prim!(Int16Type),
        DataType::Int32 => prim!(Int32Type),
        DataType::Int64 => prim!(Int64Type),
        DataType::UInt8 => prim!(UInt8Type),
        DataType::UInt16 => prim!(UInt16Type),
        DataType::UInt32 => prim!(UInt32Type),
        DataType::UInt64 => prim!(UInt64Type),
        DataType::Float32 => prim!(Float32Type),
        DataType::Float64 => prim!(Float64Type),
        DataType::Date32 => {
            let p = a.as_primitive::<Date32Type>();
            (0..n)
                .map(|i| (!p.is_null(i)).then(|| crate::dates::format(p.value(i))))
                .collect()
        }
        DataType::Null => vec![None; n],
        t => return Err(format!("unsupported Arrow type {t}")),
    })
}

/// Units per day of an instant type (timestamps, `Date64`): what pandas and polars give for a
/// date column read without care (`datetime64[ns]`, `Datetime`).
fn per_day(t: &DataType) -> Option<i64> {
    Some(match t {
        DataType::Date64 => 86_400_000,
        DataType::Timestamp(TimeUnit::Second, _) => 86_400,
        DataType::Timestamp(TimeUnit::Millisecond, _) => 86_400_000,
        DataType::Timestamp(TimeUnit::Microsecond, _) => 86_400_000_000,
        DataType::Timestamp(TimeUnit::Nanosecond, _) => 86_400_000_000_000,
        _ => return None,
    })
}

/// The dates of an instant column (as text, for the date parser's checks), each at midnight:
/// a time of day is an error naming the row, as a date column holds days.
fn instant_dates(
    table: &str,
    column: &str,
    first_row: usize,
    a: &ArrayRef,
) -> Result<Vec<Option<String>>> {
    use arrow_array::cast::AsArray;
    let t = a.data_type();
    let unit = per_day(t).unwrap_or(1);
    let n = a.len();
    macro_rules! raw {
        ($ty:ty) => {{
            let p = a.as_primitive::<$ty>();
            (0..n)
                .map(|i| (!p.is_null(i)).then(|| p.value(i)))
                .collect::<Vec<Option<i64>>>()
        }};
    }
    let values = match t {
        DataType::Date64 => raw!(Date64Type),
        DataType::Timestamp(TimeUnit::Second, _) => raw!(TimestampSecondType),
        DataType::Timestamp(TimeUnit::Millisecond, _) => raw!(TimestampMillisecondType),
        DataType::Timestamp(TimeUnit::Microsecond, _) => raw!(TimestampMicrosecondType),
        _ => raw!(TimestampNanosecondType),
    };
    let zone = match t {
        DataType::Timestamp(_, Some(z)) => format!(" (time zone {z}: convert the column to dates)"),
        _ => String::new(),
    };
    values
        .into_iter()
        .enumerate()
        .map(|(r, v)| {
            let Some(x) = v else { return Ok(None) };
            if x.rem_euclid(unit) != 0 {
                return Err(Error::BadValue {
                    table: table.to_string(),
                    column: column.to_string(),
                    row: first_row + r + 1,
                    message: format!("expected a date, found a time of day{zone}"),
                });
            }
            let day = i32::try_from(x.div_euclid(unit)).map_err(|_| Error::BadValue {
                table: table.to_string(),
                column: column.to_string(),
                row: first_row + r + 1,
                message: "date out of range".to_string(),
            })?;
            Ok(Some(crate::dates::format(day)))
        })
        .collect()
}

/// Conform a batch to the canonical schema of `table`: columns matched by name
/// (case-insensitive), extra columns dropped, missing optional columns null, other types
/// converted through their text.
pub fn conform(table: &str, batch: &RecordBatch) -> Result<RecordBatch> {
    conform_at(table, batch, 0)
}

/// Conform batches of source tables, each as [`conform()`] does; when a table comes in several
/// batches, the row of an error is the row in the whole table (the rows of the earlier batches
/// of the same table come before). Table names are normalised (`t_mco20b` → `T_MCO20B`).
pub fn conform_tables(tables: &[(String, RecordBatch)]) -> Result<Vec<(String, RecordBatch)>> {
    let mut before: Vec<(String, usize)> = Vec::new();
    let mut out = Vec::with_capacity(tables.len());
    for (name, b) in tables {
        let name = TableKind::parse(name)?.name();
        let first = match before.iter_mut().find(|(n, _)| *n == name) {
            Some((_, rows)) => {
                let first = *rows;
                *rows += b.num_rows();
                first
            }
            None => {
                before.push((name.clone(), b.num_rows()));
                0
            }
        };
        let c = conform_at(&name, b, first)?;
        out.push((name, c));
    }
    Ok(out)
}

/// [`conform()`] of a batch preceded in its table by `first_row` rows.
fn conform_at(table: &str, batch: &RecordBatch, first_row: usize) -> Result<RecordBatch> {
    let kind = TableKind::parse(table)?;
    let name = kind.name();
    let schema = batch.schema();
    let mut out: Vec<ArrayRef> = Vec::new();
    for col in kind.columns() {
        let found = schema
            .fields()
            .iter()
            .position(|f| f.name().trim().eq_ignore_ascii_case(col.name));
        let want = col.ty.data_type();
        match found {
            None if col.required => {
                return Err(Error::MissingColumn {
                    table: name,
                    column: col.name.to_string(),
                })
            }
            None => out.push(arrow_array::new_null_array(&want, batch.num_rows())),
            Some(i) if *batch.column(i).data_type() == want => out.push(batch.column(i).clone()),
            Some(i) if col.ty == Ty::Date && per_day(batch.column(i).data_type()).is_some() => {
                let t = instant_dates(&name, col.name, first_row, batch.column(i))?;
                out.push(column_from_text(
                    &name,
                    col.name,
                    col.ty,
                    first_row,
                    t.iter().map(|x| x.as_deref()),
                )?);
            }
            Some(i) => {
                let t = texts(batch.column(i)).map_err(|m| Error::Format {
                    path: name.clone(),
                    message: format!("column {}: {m}", col.name),
                })?;
                out.push(column_from_text(
                    &name,
                    col.name,
                    col.ty,
                    first_row,
                    t.iter().map(|x| x.as_deref()),
                )?);
            }
        }
    }
    Ok(RecordBatch::try_new(kind.schema(), out)?)
}
