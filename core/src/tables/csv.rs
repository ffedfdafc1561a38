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

/// Text encoding of a CSV file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Encoding {
    /// UTF-8 when the bytes are valid UTF-8, else Latin-1 (CNAM extracts are often Latin-1).
    #[default]
    Auto,
    /// UTF-8 only: invalid bytes are an error naming their offset.
    Utf8,
    /// Latin-1 (ISO-8859-1), whatever the bytes: for Latin-1 files that happen to be valid UTF-8.
    Latin1,
}

impl Encoding {
    /// Parse `auto`, `utf-8` / `utf8`, `latin-1` / `latin1` / `iso-8859-1` (any case).
    pub fn parse(name: &str) -> Result<Encoding> {
        match name.trim().to_ascii_lowercase().replace('_', "-").as_str() {
            "auto" => Ok(Encoding::Auto),
            "utf-8" | "utf8" => Ok(Encoding::Utf8),
            "latin-1" | "latin1" | "iso-8859-1" | "iso8859-1" => Ok(Encoding::Latin1),
            other => Err(Error::invalid(format!(
                "encoding: expected \"auto\", \"utf-8\" or \"latin-1\", found {other:?}"
            ))),
        }
    }
}

/// Options of the CSV reader. The defaults read CNAM extracts: `;` between fields, UTF-8 or
/// Latin-1 detected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CsvOptions {
    /// Field separator (`;` in CNAM extracts; `,`, `|` or a tab elsewhere).
    pub separator: char,
    /// Text encoding.
    pub encoding: Encoding,
}

impl Default for CsvOptions {
    fn default() -> Self {
        CsvOptions {
            separator: ';',
            encoding: Encoding::Auto,
        }
    }
}

impl CsvOptions {
    /// Check the options: a separator cannot be a quote, a line break or a decimal mark.
    pub fn validate(&self) -> Result<()> {
        if matches!(self.separator, '"' | '\n' | '\r' | '.') || self.separator.is_alphanumeric() {
            return Err(Error::invalid(format!(
                "separator: {:?} cannot separate fields (use ';', ',', '|' or a tab)",
                self.separator
            )));
        }
        Ok(())
    }
}

fn decode_with(bytes: &[u8], encoding: Encoding, path: &str) -> Result<String> {
    match encoding {
        Encoding::Auto => Ok(decode(bytes)),
        Encoding::Latin1 => Ok(bytes.iter().map(|&b| b as char).collect()),
        Encoding::Utf8 => match std::str::from_utf8(bytes) {
            Ok(s) => Ok(s.strip_prefix('\u{feff}').unwrap_or(s).to_string()),
            Err(e) => Err(Error::Format {
                path: path.to_string(),
                message: format!(
                    "not UTF-8 (invalid byte at offset {}): read it as Latin-1",
                    e.valid_up_to()
                ),
            }),
        },
    }
}

/// Decode bytes: UTF-8 when valid (a leading byte-order mark is skipped), else Latin-1.
pub fn decode(bytes: &[u8]) -> String {
    match std::str::from_utf8(bytes) {
        Ok(s) => s.strip_prefix('\u{feff}').unwrap_or(s).to_string(),
        Err(_) => bytes.iter().map(|&b| b as char).collect(),
    }
}

/// Split CSV text into records of (field, quoted) pairs. Quotes follow RFC 4180 (`""` inside a
/// quoted field is one quote); records end at `\n` or `\r\n` outside quotes.
fn records(text: &str, path: &str, separator: char) -> Result<Vec<Vec<(String, bool)>>> {
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
            c if c == separator => {
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
    read_csv_with(table, bytes, path, &CsvOptions::default())
}

/// [`read_csv`] with a separator and an encoding of the user's choice.
pub fn read_csv_with(
    table: &str,
    bytes: &[u8],
    path: &str,
    options: &CsvOptions,
) -> Result<RecordBatch> {
    options.validate()?;
    let kind = TableKind::parse(table)?;
    let name = kind.name();
    let text = decode_with(bytes, options.encoding, path)?;
    let recs = records(&text, path, options.separator)?;
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
                0,
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
