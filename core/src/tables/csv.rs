//! CNAM-style CSV: `;` separated, a header line, UTF-8 written; on read, text that is not valid
//! UTF-8 is decoded as Latin-1, decimal commas and points are accepted, dates as `dd/mm/yyyy`, ISO
//! or the other forms of [`crate::dates::parse`]. Dates are written `dd/mm/yyyy`, amounts with a
//! decimal comma. An unquoted empty field is null; a quoted empty field (`""`) is an empty text.

use arrow_array::cast::AsArray;
use arrow_array::types::{Date32Type, Float64Type, Int32Type, Int64Type};
use arrow_array::{Array, ArrayRef, RecordBatch};
use arrow_schema::DataType;

use super::conform::column_from_text;
use super::schema::TableKind;
use crate::error::{Error, Result};

/// Decode bytes: UTF-8 when valid (a leading byte-order mark is skipped), else Latin-1.
pub fn decode(bytes: &[u8]) -> String {
    match std::str::from_utf8(bytes) {
        Ok(s) => s.strip_prefix('\u{feff}').unwrap_or(s).to_string(),
        Err(_) => bytes.iter().map(|&b| b as char).collect(),
    }
}

/// Split CSV text into records of (field, quoted) pairs. Quotes follow RFC 4180 (`""` inside a
/// quoted field is one quote); records end at `\n` or `\r\n` outside quotes.
fn records(text: &str, path: &str) -> Result<Vec<Vec<(String, bool)>>> {
    let mut out = Vec::new();
    let mut rec: Vec<(String, bool)> = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut in_q = false;
    let mut chars = text.chars().peekable();
    let mut any = false;
    while let Some(ch) = chars.next() {
        if in_q {
            if ch == '"' {
                if chars.peek() == Some(&'"') {
                    chars.next();
                    field.push('"');
                } else {
                    in_q = false;
                }
            } else {
                field.push(ch);
            }
            continue;
        }
        match ch {
            '"' if field.trim().is_empty() && !quoted => {
                field.clear();
                quoted = true;
                in_q = true;
                any = true;
            }
            ';' => {
                rec.push((std::mem::take(&mut field), quoted));
                quoted = false;
                any = true;
            }
            '\r' if chars.peek() == Some(&'\n') => {}
            '\n' => {
                if any || !field.is_empty() {
                    rec.push((std::mem::take(&mut field), quoted));
                    out.push(std::mem::take(&mut rec));
                }
                quoted = false;
                any = false;
            }
            c => {
                field.push(c);
                any = true;
            }
        }
    }
    if in_q {
        return Err(Error::Format {
            path: path.to_string(),
            message: "unterminated quoted field".into(),
        });
    }
    if any || !field.is_empty() {
        rec.push((field, quoted));
        out.push(rec);
    }
    Ok(out)
}

/// Read CSV bytes of `table` into a batch conformed to the table's schema (`path` names the
/// file in errors).
pub fn read_csv(table: &str, bytes: &[u8], path: &str) -> Result<RecordBatch> {
    let kind = TableKind::parse(table)?;
    let name = kind.name();
    let text = decode(bytes);
    let recs = records(&text, path)?;
    let Some((header, rows)) = recs.split_first() else {
        return Err(Error::Format {
            path: path.to_string(),
            message: "empty file: a header line is expected".into(),
        });
    };
    for (r, rec) in rows.iter().enumerate() {
        if rec.len() != header.len() {
            return Err(Error::Format {
                path: path.to_string(),
                message: format!(
                    "data row {} has {} fields, the header has {}",
                    r + 1,
                    rec.len(),
                    header.len()
                ),
            });
        }
    }
    let mut arrays: Vec<ArrayRef> = Vec::new();
    for col in kind.columns() {
        let pos = header
            .iter()
            .position(|(h, _)| h.trim().eq_ignore_ascii_case(col.name));
        match pos {
            None if col.required => {
                return Err(Error::MissingColumn {
                    table: name,
                    column: col.name.to_string(),
                })
            }
            None => arrays.push(arrow_array::new_null_array(&col.ty.data_type(), rows.len())),
            Some(i) => arrays.push(column_from_text(
                &name,
                col.name,
                col.ty,
                rows.iter().map(|rec| {
                    let (f, q) = &rec[i];
                    if *q {
                        Some(f.as_str())
                    } else if f.trim().is_empty() {
                        None
                    } else {
                        Some(f.trim())
                    }
                }),
            )?),
        }
    }
    Ok(RecordBatch::try_new(kind.schema(), arrays)?)
}

fn quote(s: &str) -> String {
    if s.is_empty() || s.contains([';', '"', '\n', '\r']) || s.trim() != s {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// Write a batch as CNAM-style CSV (UTF-8).
pub fn write_csv(batch: &RecordBatch) -> Result<Vec<u8>> {
    let schema = batch.schema();
    let mut out = String::new();
    let names: Vec<String> = schema.fields().iter().map(|f| quote(f.name())).collect();
    out.push_str(&names.join(";"));
    out.push('\n');
    let cols = batch.columns();
    for r in 0..batch.num_rows() {
        for (j, a) in cols.iter().enumerate() {
            if j > 0 {
                out.push(';');
            }
            out.push_str(&cell(a, r)?);
        }
        out.push('\n');
    }
    Ok(out.into_bytes())
}

fn cell(a: &ArrayRef, r: usize) -> Result<String> {
    if a.is_null(r) {
        return Ok(String::new());
    }
    Ok(match a.data_type() {
        DataType::Utf8 => quote(a.as_string::<i32>().value(r)),
        DataType::Date32 => {
            let (y, m, d) = crate::dates::to_ymd(a.as_primitive::<Date32Type>().value(r));
            format!("{d:02}/{m:02}/{y:04}")
        }
        DataType::Int32 => a.as_primitive::<Int32Type>().value(r).to_string(),
        DataType::Int64 => a.as_primitive::<Int64Type>().value(r).to_string(),
        DataType::Float64 => a
            .as_primitive::<Float64Type>()
            .value(r)
            .to_string()
            .replace('.', ","),
        t => return Err(Error::invalid(format!("CSV: unsupported column type {t}"))),
    })
}
