//! Reading open-data files: bytes fed in chunks of any size (a file read piece by piece natively,
//! `File` slices in the browser), the layout told by the header, every cell typed and checked,
//! and either the whole table built or rows filtered and summed as they pass (bounded memory).

use std::collections::BTreeMap;
use std::sync::Arc;

use arrow_array::{ArrayRef, Float64Array, Int64Array, RecordBatch, StringArray};
use arrow_schema::{DataType, Field, Schema};

use super::csv::{CsvError, Record, Tokenizer};
use super::layout::{
    header_matches, parse_decimal, parse_int, repair, Column, Kind, Layout, Repair, Value,
};
use super::text::{Decoder, Encoding};
use crate::error::{Error, Result};

/// A file read whole: its layout, encoding, typed columns and what was restored.
#[derive(Debug, Clone)]
pub struct OpenData {
    /// The file's name, as given to the reader.
    pub file: String,
    /// Its layout.
    pub layout: Layout,
    /// The encoding it was read in.
    pub encoding: Encoding,
    /// The layout's columns found in the file, in layout order, with the layout's names
    /// (Utf8, Int64 or Float64; an empty cell, a count masked at source, is null). A table
    /// combined from several files ([`combine`]) starts with a `file` column.
    pub batch: RecordBatch,
    /// Cells restored from spreadsheet damage, by column (only columns with some).
    pub repaired: Vec<(String, usize)>,
    /// Sentences for the user: how many cells were restored and how.
    pub notes: Vec<String>,
}

/// How far a reading has got.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Progress {
    /// Bytes consumed so far.
    pub bytes_read: u64,
    /// Size of the file, when known.
    pub bytes_total: Option<u64>,
    /// Data rows read so far.
    pub rows: usize,
}

/// Rows kept by a [`Summary`]: those whose `column` is one of `values` (or starts with one of
/// them when `prefix` is set: `ATC5` starting with `C09` keeps ATC level 2 `C09`).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Filter {
    /// A column of the layout.
    pub column: String,
    /// Accepted values, as written in the file after repair (`07`, `05-09`, `60`, `C09AA05`).
    pub values: Vec<String>,
    /// Match the start of the value instead of the whole value.
    #[serde(default)]
    pub prefix: bool,
}

/// A summary computed while reading: rows kept by every filter, grouped by the `by` columns,
/// the `sum` columns summed. Memory holds one entry per group, whatever the size of the file.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Summary {
    /// Grouping columns (none: one group of all kept rows).
    #[serde(default)]
    pub by: Vec<String>,
    /// Integer or decimal columns to sum.
    pub sum: Vec<String>,
    /// Filters, all of which a row must pass.
    #[serde(default)]
    pub filter: Vec<Filter>,
}

#[derive(Debug, Clone)]
enum Builder {
    Text(Vec<Option<String>>),
    Int(Vec<Option<i64>>),
    Float(Vec<Option<f64>>),
}

#[derive(Debug, Clone, Default)]
struct Acc {
    rows: i64,
    ints: Vec<i64>,
    floats: Vec<f64>,
    masked: Vec<i64>,
}

#[derive(Debug, Clone)]
struct SummaryState {
    spec: Summary,
    /// For each `by` column, its index among the present columns.
    by: Vec<usize>,
    /// For each `sum` column, its index among the present columns and whether it is decimal.
    sum: Vec<(usize, bool)>,
    /// For each filter, its index among the present columns.
    filter: Vec<usize>,
    groups: BTreeMap<Vec<Option<String>>, Acc>,
}

#[derive(Debug, Clone)]
enum Sink {
    Table(Vec<Builder>),
    Summary(Box<SummaryState>),
}

/// An error of the tokenizer (named once the header is known) or of the typed layer.
enum Fail {
    Csv(CsvError),
    Core(Error),
}

#[derive(Debug, Clone)]
struct Header {
    layout: Layout,
    names: Vec<String>,
    /// The layout's columns found, in layout order, with their field index in the file.
    present: Vec<(Column, usize)>,
}

/// A reader fed chunk by chunk. Nothing is returned before [`OpenDataReader::finish`], and an
/// error in any chunk leaves nothing behind: a file is read whole or not at all.
#[derive(Debug)]
pub struct OpenDataReader {
    file: String,
    forced: Option<Layout>,
    tokenizer: Tokenizer,
    decoder: Option<Decoder>,
    start: Vec<u8>,
    header: Option<Header>,
    sink: Sink,
    bytes: u64,
    rows: usize,
    repaired: Vec<usize>,
    example: Vec<Option<(String, String)>>,
    values: Vec<Value>,
    failed: bool,
}

impl OpenDataReader {
    /// A reader building the whole table of `file` (the name errors give), its layout told by
    /// its header.
    pub fn new(file: &str) -> Self {
        Self::with_sink(file, Sink::Table(vec![]))
    }

    /// A reader summing rows as they pass ([`Summary`]); the result's batch holds the groups.
    pub fn summarising(file: &str, summary: Summary) -> Self {
        Self::with_sink(
            file,
            Sink::Summary(Box::new(SummaryState {
                spec: summary,
                by: vec![],
                sum: vec![],
                filter: vec![],
                groups: BTreeMap::new(),
            })),
        )
    }

    /// Require a layout instead of telling it from the header.
    pub fn expecting(mut self, layout: Layout) -> Self {
        self.forced = Some(layout);
        self
    }

    fn with_sink(file: &str, sink: Sink) -> Self {
        OpenDataReader {
            file: file.to_string(),
            forced: None,
            tokenizer: Tokenizer::new(),
            decoder: None,
            start: vec![],
            header: None,
            sink,
            bytes: 0,
            rows: 0,
            repaired: vec![],
            example: vec![],
            values: vec![],
            failed: false,
        }
    }

    /// Bytes consumed so far.
    pub fn bytes_read(&self) -> u64 {
        self.bytes
    }

    /// Data rows read so far (kept or not by a summary's filters).
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// The layout, once the header has been read.
    pub fn layout(&self) -> Option<Layout> {
        self.header.as_ref().map(|h| h.layout)
    }

    /// Feed the next chunk of the file.
    pub fn push(&mut self, chunk: &[u8]) -> Result<()> {
        if self.failed {
            return Err(self.poisoned());
        }
        self.bytes += chunk.len() as u64;
        let result = if self.decoder.is_none() {
            // The byte-order mark may straddle the first chunks.
            self.start.extend_from_slice(chunk);
            if self.start.len() < 3 {
                return Ok(());
            }
            let start = std::mem::take(&mut self.start);
            self.begin(&start)
        } else {
            self.feed(chunk)
        };
        if result.is_err() {
            self.failed = true;
            self.release();
        }
        result
    }

    /// End of the file: the table (or the summary), or the error that stopped the reading.
    pub fn finish(mut self) -> Result<OpenData> {
        if self.failed {
            return Err(self.poisoned());
        }
        if self.decoder.is_none() {
            let start = std::mem::take(&mut self.start);
            self.begin(&start)?;
        }
        let mut tokenizer = std::mem::replace(&mut self.tokenizer, Tokenizer::new());
        let result = tokenizer.finish(
            &mut |r: Record<'_>| self.record(r).map_err(Fail::Core),
            &Fail::Csv,
        );
        result.map_err(|f| self.fail(f))?;
        let header = self.header.take().ok_or_else(|| Error::Format {
            path: self.file.clone(),
            message: "empty file: expected a header line".into(),
        })?;
        let encoding = self
            .decoder
            .as_ref()
            .map_or(Encoding::Ascii, |d| d.encoding);
        let mut repaired = vec![];
        let mut notes = vec![];
        for (j, (c, _)) in header.present.iter().enumerate() {
            let n = self.repaired.get(j).copied().unwrap_or(0);
            if n > 0 {
                repaired.push((c.name.to_string(), n));
                let (from, to) = self.example[j].clone().unwrap_or_default();
                let what = match c.repair {
                    Repair::AgeBand => "age bands read as dates by a spreadsheet",
                    _ => "codes that lost their leading zero",
                };
                notes.push(format!(
                    "{n} {} of column {} restored ({what}, e.g. {from} → {to})",
                    if n == 1 { "cell" } else { "cells" },
                    c.name
                ));
            }
        }
        let batch = match std::mem::replace(&mut self.sink, Sink::Table(vec![])) {
            Sink::Table(builders) => table_batch(&header, builders)?,
            Sink::Summary(state) => summary_batch(&header, *state)?,
        };
        Ok(OpenData {
            file: self.file,
            layout: header.layout,
            encoding,
            batch,
            repaired,
            notes,
        })
    }

    fn poisoned(&self) -> Error {
        Error::Format {
            path: self.file.clone(),
            message: "the reading stopped at an earlier error".into(),
        }
    }

    /// Drop what was accumulated (a failed reading keeps nothing).
    fn release(&mut self) {
        match &mut self.sink {
            Sink::Table(b) => b.clear(),
            Sink::Summary(s) => s.groups.clear(),
        }
    }

    fn begin(&mut self, start: &[u8]) -> Result<()> {
        let bom = start.starts_with(&[0xEF, 0xBB, 0xBF]);
        self.decoder = Some(Decoder::new(bom));
        self.feed(if bom { &start[3..] } else { start })
    }

    fn feed(&mut self, chunk: &[u8]) -> Result<()> {
        let mut tokenizer = std::mem::replace(&mut self.tokenizer, Tokenizer::new());
        let result = tokenizer.feed(
            chunk,
            &mut |r: Record<'_>| self.record(r).map_err(Fail::Core),
            &Fail::Csv,
        );
        self.tokenizer = tokenizer;
        result.map_err(|f| self.fail(f))
    }

    /// A quoting error named with the header's column names (known once the header is read).
    fn fail(&self, f: Fail) -> Error {
        match f {
            Fail::Core(e) => e,
            Fail::Csv(e) => {
                let names = self.header.as_ref().map(|h| h.names.as_slice());
                csv_error(&self.file, names, e)
            }
        }
    }

    fn decode(&mut self, r: &Record<'_>, i: usize, names: &[String]) -> Result<String> {
        let bytes = r.get(i).unwrap_or_default();
        let decoder = self.decoder.get_or_insert_with(|| Decoder::new(false));
        decoder.decode(bytes).map_err(|message| Error::Format {
            path: self.file.clone(),
            message: format!(
                "line {}, column {}{}: {message}",
                r.line,
                i + 1,
                names.get(i).map_or(String::new(), |n| format!(" ({n})"))
            ),
        })
    }

    fn record(&mut self, r: Record<'_>) -> Result<()> {
        let Some(header) = self.header.take() else {
            return self.read_header(&r);
        };
        let result = self.data_row(&r, &header);
        self.header = Some(header);
        result
    }

    fn data_row(&mut self, r: &Record<'_>, header: &Header) -> Result<()> {
        self.rows += 1;
        let row = self.rows;
        let (width, present, names) = (header.names.len(), &header.present, &header.names);
        // A row must hold the header's fields: a truncated line or a lost separator would
        // otherwise shift or empty its last cells without a word. A trailing empty field is
        // accepted.
        let extra = (width..r.len()).any(|i| !r.get(i).unwrap_or_default().is_empty());
        if r.len() < width || extra {
            let at = r.len().min(width.saturating_sub(1));
            return Err(Error::BadValue {
                table: self.file.clone(),
                column: names.get(at).cloned().unwrap_or_default(),
                row,
                message: format!(
                    "line {}: the row has {} fields, the header {}{}",
                    r.line,
                    r.len(),
                    width,
                    if r.len() < width {
                        " (a truncated line, or a lost separator)"
                    } else {
                        ""
                    }
                ),
            });
        }
        self.values.clear();
        for (j, (c, i)) in present.iter().enumerate() {
            let text = self.decode(r, *i, names)?;
            let t = text.trim();
            let value =
                if t.is_empty() {
                    Value::Null
                } else {
                    match c.kind {
                        Kind::Text => match repair(c.repair, t) {
                            Some(fixed) => {
                                self.repaired[j] += 1;
                                if self.example[j].is_none() {
                                    self.example[j] = Some((t.to_string(), fixed.clone()));
                                }
                                Value::Text(fixed)
                            }
                            None => Value::Text(t.to_string()),
                        },
                        Kind::Int => Value::Int(parse_int(t).ok_or_else(|| {
                            bad(&self.file, c, row, r.line, *i, "an integer", &text)
                        })?),
                        Kind::Decimal => Value::Float(parse_decimal(t).ok_or_else(|| {
                            bad(
                                &self.file,
                                c,
                                row,
                                r.line,
                                *i,
                                "a decimal number (1.293,64 or 0.169)",
                                &text,
                            )
                        })?),
                    }
                };
            self.values.push(value);
        }
        let values = std::mem::take(&mut self.values);
        let result = match &mut self.sink {
            Sink::Table(builders) => {
                push_row(builders, &values);
                Ok(())
            }
            Sink::Summary(state) => {
                add_row(state, &values);
                Ok(())
            }
        };
        self.values = values;
        result
    }

    fn read_header(&mut self, r: &Record<'_>) -> Result<()> {
        let mut names = vec![];
        for i in 0..r.len() {
            names.push(self.decode(r, i, &[])?.trim().to_string());
        }
        let layout = match self.forced {
            Some(l) => l,
            None => sniff_best(&names).ok_or_else(|| Error::Format {
                path: self.file.clone(),
                message: format!(
                    "line {}: not an open-data file: the header ({}) is none of Open Medic \
                     (BOITES, CIP13, BEN_REG), its consumer counts (NBC), Open PHMEV (BOITES, \
                     etb_rgt), Open Bio (ACTE, DNB), Open LPP (CODE_LPP, QTE), Open DAMIR \
                     (AGE_BEN_SNDS, BEN_SEX_COD) or Data pathologies (Ntop, Npop, cla_age_5)",
                    r.line,
                    abbreviate(&names.join(";"))
                ),
            })?,
        };
        let mut present = vec![];
        for c in layout.columns() {
            match names.iter().position(|h| header_matches(c, h)) {
                Some(i) => present.push((*c, i)),
                None if c.required => {
                    return Err(Error::MissingColumn {
                        table: self.file.clone(),
                        column: c.name.to_string(),
                    })
                }
                None => {}
            }
        }
        if layout == Layout::OpenMedicConsumers
            && !present.iter().any(|(c, _)| c.name.starts_with("ATC"))
        {
            return Err(Error::MissingColumn {
                table: self.file.clone(),
                column: "ATC1..ATC5 (one ATC level)".into(),
            });
        }
        self.repaired = vec![0; present.len()];
        self.example = vec![None; present.len()];
        match &mut self.sink {
            Sink::Table(builders) => {
                *builders = present
                    .iter()
                    .map(|(c, _)| match c.kind {
                        Kind::Text => Builder::Text(vec![]),
                        Kind::Int => Builder::Int(vec![]),
                        Kind::Decimal => Builder::Float(vec![]),
                    })
                    .collect();
            }
            Sink::Summary(state) => {
                let find = |name: &str| -> Result<usize> {
                    present
                        .iter()
                        .position(|(c, _)| c.name.eq_ignore_ascii_case(name))
                        .ok_or_else(|| Error::MissingColumn {
                            table: self.file.clone(),
                            column: name.to_string(),
                        })
                };
                state.by = state
                    .spec
                    .by
                    .iter()
                    .map(|n| find(n))
                    .collect::<Result<_>>()?;
                state.filter = state
                    .spec
                    .filter
                    .iter()
                    .map(|f| find(&f.column))
                    .collect::<Result<_>>()?;
                let mut sum = vec![];
                for n in &state.spec.sum {
                    let j = find(n)?;
                    match present[j].0.kind {
                        Kind::Int => sum.push((j, false)),
                        Kind::Decimal => sum.push((j, true)),
                        Kind::Text => {
                            return Err(Error::invalid(format!(
                                "{}: column {n} holds text and cannot be summed",
                                self.file
                            )))
                        }
                    }
                }
                state.sum = sum;
            }
        }
        self.header = Some(Header {
            layout,
            names,
            present,
        });
        Ok(())
    }
}

/// The layout of a header: the one of which the most columns are present (at least two).
fn sniff_best(names: &[String]) -> Option<Layout> {
    if let Some(l) = Layout::sniff(names) {
        return Some(l);
    }
    let mut best: Option<(usize, Layout)> = None;
    for l in Layout::ALL {
        let n = l
            .columns()
            .iter()
            .filter(|c| names.iter().any(|h| header_matches(c, h)))
            .count();
        if n >= 2 && best.is_none_or(|(b, _)| n > b) {
            best = Some((n, l));
        }
    }
    best.map(|(_, l)| l)
}

fn abbreviate(s: &str) -> String {
    if s.chars().count() > 120 {
        let head: String = s.chars().take(117).collect();
        format!("{head}...")
    } else {
        s.to_string()
    }
}

fn bad(
    file: &str,
    c: &Column,
    row: usize,
    line: usize,
    field: usize,
    what: &str,
    text: &str,
) -> Error {
    Error::BadValue {
        table: file.to_string(),
        column: c.name.to_string(),
        row,
        message: format!(
            "line {line}, field {}: expected {what}, found {text:?}",
            field + 1
        ),
    }
}

fn csv_error(file: &str, names: Option<&[String]>, e: CsvError) -> Error {
    let name = names
        .and_then(|n| n.get(e.at.field - 1))
        .map_or(String::new(), |n| format!(" ({n})"));
    Error::Format {
        path: file.to_string(),
        message: format!(
            "line {}, column {}{name}: {}",
            e.at.line, e.at.field, e.message
        ),
    }
}

fn push_row(builders: &mut [Builder], values: &[Value]) {
    for (b, v) in builders.iter_mut().zip(values) {
        match (b, v) {
            (Builder::Text(col), Value::Text(s)) => col.push(Some(s.clone())),
            (Builder::Int(col), Value::Int(x)) => col.push(Some(*x)),
            (Builder::Float(col), Value::Float(x)) => col.push(Some(*x)),
            (Builder::Text(col), _) => col.push(None),
            (Builder::Int(col), _) => col.push(None),
            (Builder::Float(col), _) => col.push(None),
        }
    }
}

fn key_text(v: &Value) -> Option<String> {
    match v {
        Value::Null => None,
        Value::Int(x) => Some(x.to_string()),
        Value::Float(x) => Some(x.to_string()),
        Value::Text(s) => Some(s.clone()),
    }
}

fn add_row(state: &mut SummaryState, values: &[Value]) {
    for (f, &j) in state.spec.filter.iter().zip(&state.filter) {
        let Some(v) = key_text(&values[j]) else {
            return;
        };
        let ok = if f.prefix {
            f.values.iter().any(|p| v.starts_with(p.as_str()))
        } else {
            f.values.contains(&v)
        };
        if !ok {
            return;
        }
    }
    let key: Vec<Option<String>> = state.by.iter().map(|&j| key_text(&values[j])).collect();
    let n = state.sum.len();
    let acc = state.groups.entry(key).or_insert_with(|| Acc {
        rows: 0,
        ints: vec![0; n],
        floats: vec![0.0; n],
        masked: vec![0; n],
    });
    acc.rows += 1;
    for (k, &(j, _)) in state.sum.iter().enumerate() {
        match &values[j] {
            Value::Int(x) => acc.ints[k] += x,
            Value::Float(x) => acc.floats[k] += x,
            _ => acc.masked[k] += 1,
        }
    }
}

fn table_batch(header: &Header, builders: Vec<Builder>) -> Result<RecordBatch> {
    let mut fields = vec![];
    let mut arrays: Vec<ArrayRef> = vec![];
    for ((c, _), b) in header.present.iter().zip(builders) {
        let (dt, arr): (DataType, ArrayRef) = match b {
            Builder::Text(v) => (DataType::Utf8, Arc::new(StringArray::from(v))),
            Builder::Int(v) => (DataType::Int64, Arc::new(Int64Array::from(v))),
            Builder::Float(v) => (DataType::Float64, Arc::new(Float64Array::from(v))),
        };
        fields.push(Field::new(c.name, dt, true));
        arrays.push(arr);
    }
    Ok(RecordBatch::try_new(Arc::new(Schema::new(fields)), arrays)?)
}

fn summary_batch(header: &Header, state: SummaryState) -> Result<RecordBatch> {
    let mut fields = vec![];
    let mut arrays: Vec<ArrayRef> = vec![];
    for (k, &j) in state.by.iter().enumerate() {
        let col: Vec<Option<String>> = state.groups.keys().map(|key| key[k].clone()).collect();
        fields.push(Field::new(header.present[j].0.name, DataType::Utf8, true));
        arrays.push(Arc::new(StringArray::from(col)));
    }
    fields.push(Field::new("rows", DataType::Int64, false));
    arrays.push(Arc::new(Int64Array::from(
        state.groups.values().map(|a| a.rows).collect::<Vec<_>>(),
    )));
    for (k, &(j, decimal)) in state.sum.iter().enumerate() {
        let name = header.present[j].0.name;
        if decimal {
            fields.push(Field::new(name, DataType::Float64, false));
            arrays.push(Arc::new(Float64Array::from(
                state
                    .groups
                    .values()
                    .map(|a| a.floats[k])
                    .collect::<Vec<_>>(),
            )));
        } else {
            fields.push(Field::new(name, DataType::Int64, false));
            arrays.push(Arc::new(Int64Array::from(
                state.groups.values().map(|a| a.ints[k]).collect::<Vec<_>>(),
            )));
        }
        fields.push(Field::new(format!("{name}_masked"), DataType::Int64, false));
        arrays.push(Arc::new(Int64Array::from(
            state
                .groups
                .values()
                .map(|a| a.masked[k])
                .collect::<Vec<_>>(),
        )));
    }
    Ok(RecordBatch::try_new(Arc::new(Schema::new(fields)), arrays)?)
}

/// Read a whole file held in memory (`file` names it in errors), its layout told by its header.
pub fn read_open_data(bytes: &[u8], file: &str) -> Result<OpenData> {
    let mut r = OpenDataReader::new(file);
    r.push(bytes)?;
    r.finish()
}

/// Read a file held in memory, requiring `layout`.
pub fn read_open_data_as(bytes: &[u8], file: &str, layout: Layout) -> Result<OpenData> {
    let mut r = OpenDataReader::new(file).expecting(layout);
    r.push(bytes)?;
    r.finish()
}

/// Feed a file from disk to `reader` in chunks of 1 MiB, reporting progress after each chunk.
/// Memory holds one chunk and what the reader keeps.
pub fn read_path(
    reader: OpenDataReader,
    path: impl AsRef<std::path::Path>,
    progress: &mut dyn FnMut(Progress),
) -> Result<OpenData> {
    use std::io::Read;
    let p = path.as_ref();
    let mut f = std::fs::File::open(p).map_err(|e| Error::io(p, &e))?;
    let total = f.metadata().ok().map(|m| m.len());
    let mut reader = reader;
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = f.read(&mut buf).map_err(|e| Error::io(p, &e))?;
        if n == 0 {
            break;
        }
        reader.push(&buf[..n])?;
        progress(Progress {
            bytes_read: reader.bytes_read(),
            bytes_total: total,
            rows: reader.rows(),
        });
    }
    reader.finish()
}

/// Read a whole file from disk, its layout told by its header.
pub fn read_open_data_file(path: impl AsRef<std::path::Path>) -> Result<OpenData> {
    let p = path.as_ref();
    read_path(
        OpenDataReader::new(&p.display().to_string()),
        p,
        &mut |_| {},
    )
}

/// Filter and sum a file from disk as it is read ([`Summary`]): memory holds one chunk and the
/// groups, so a 600 MB Open Medic year is summarised without being loaded.
pub fn summarise_open_data_file(
    path: impl AsRef<std::path::Path>,
    summary: &Summary,
    progress: &mut dyn FnMut(Progress),
) -> Result<OpenData> {
    let p = path.as_ref();
    read_path(
        OpenDataReader::summarising(&p.display().to_string(), summary.clone()),
        p,
        progress,
    )
}

/// Several files of one layout (the months of an Open DAMIR year, Open Medic years) as one
/// table: a first `file` column names each row's file; a column some files lack (the labels
/// of 2014–2015 Open Medic files) is null in their rows. Files of different layouts are an
/// error naming both.
pub fn combine(parts: Vec<OpenData>) -> Result<OpenData> {
    let first = parts
        .first()
        .ok_or_else(|| Error::invalid("no open-data file to combine"))?;
    let layout = first.layout;
    if let Some(other) = parts.iter().find(|p| p.layout != layout) {
        return Err(Error::Format {
            path: other.file.clone(),
            message: format!(
                "a {} file cannot be combined with {} ({})",
                other.layout.name(),
                first.file,
                layout.name()
            ),
        });
    }
    let columns: Vec<&Column> = layout
        .columns()
        .iter()
        .filter(|c| {
            parts
                .iter()
                .any(|p| p.batch.schema().column_with_name(c.name).is_some())
        })
        .collect();
    let mut fields = vec![Field::new("file", DataType::Utf8, false)];
    for c in &columns {
        let dt = match c.kind {
            Kind::Text => DataType::Utf8,
            Kind::Int => DataType::Int64,
            Kind::Decimal => DataType::Float64,
        };
        fields.push(Field::new(c.name, dt, true));
    }
    let schema = Arc::new(Schema::new(fields));
    let mut batches = vec![];
    for p in &parts {
        let n = p.batch.num_rows();
        let mut arrays: Vec<ArrayRef> = vec![Arc::new(StringArray::from(vec![p.file.as_str(); n]))];
        for (k, c) in columns.iter().enumerate() {
            arrays.push(match p.batch.column_by_name(c.name) {
                Some(a) => a.clone(),
                None => arrow_array::new_null_array(schema.field(k + 1).data_type(), n),
            });
        }
        batches.push(RecordBatch::try_new(schema.clone(), arrays)?);
    }
    let batch = arrow_select::concat::concat_batches(&schema, &batches)?;
    let mut repaired: BTreeMap<String, usize> = BTreeMap::new();
    for p in &parts {
        for (c, n) in &p.repaired {
            *repaired.entry(c.clone()).or_default() += n;
        }
    }
    let encodings: Vec<Encoding> = parts.iter().map(|p| p.encoding).collect();
    let encoding = encodings
        .iter()
        .copied()
        .find(|e| *e != Encoding::Ascii)
        .unwrap_or(Encoding::Ascii);
    let notes = parts
        .iter()
        .flat_map(|p| p.notes.iter().map(move |n| format!("{}: {n}", p.file)))
        .collect();
    let file = parts
        .iter()
        .map(|p| p.file.as_str())
        .collect::<Vec<_>>()
        .join(", ");
    Ok(OpenData {
        file,
        layout,
        encoding,
        batch,
        repaired: repaired.into_iter().collect(),
        notes,
    })
}
