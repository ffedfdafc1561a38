//! Files of source tables: `<TABLE>.parquet`, `<TABLE>.csv` (or `.CSV`), `<TABLE>.arrow` (Arrow
//! IPC file). The table is named by the file stem (case-insensitive). Writes go to a temporary
//! file in the same directory, renamed when complete, so no half-written file is left behind.

use std::path::{Path, PathBuf};

use arrow_array::RecordBatch;

use super::conform::conform;
use super::schema::TableKind;
use crate::error::{Error, Result};

/// A file format for source tables.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    /// Apache Parquet (snappy compression; zstd with the `zstd` feature).
    Parquet,
    /// CNAM-style CSV (`;`, header, decimal comma).
    Csv,
    /// Arrow IPC file.
    Ipc,
}

impl Format {
    /// File extension written (`parquet`, `csv`, `arrow`).
    pub fn extension(self) -> &'static str {
        match self {
            Format::Parquet => "parquet",
            Format::Csv => "csv",
            Format::Ipc => "arrow",
        }
    }

    /// Format of a file from its extension (case-insensitive; `.ipc` and `.feather` are read as
    /// Arrow IPC); `None` for another extension.
    pub fn of_path(path: &Path) -> Option<Format> {
        let ext = path.extension()?.to_str()?.to_ascii_lowercase();
        match ext.as_str() {
            "parquet" => Some(Format::Parquet),
            "csv" => Some(Format::Csv),
            "arrow" | "ipc" | "feather" => Some(Format::Ipc),
            _ => None,
        }
    }

    /// Parse a format name (`parquet`, `csv`, `ipc`/`arrow`).
    pub fn parse(name: &str) -> Result<Format> {
        match name.trim().to_ascii_lowercase().as_str() {
            "parquet" => Ok(Format::Parquet),
            "csv" => Ok(Format::Csv),
            "ipc" | "arrow" | "feather" => Ok(Format::Ipc),
            _ => Err(Error::invalid(format!(
                "unknown format {name:?} (expected parquet, csv or ipc)"
            ))),
        }
    }
}

fn fmt_err(path: &Path, e: impl std::fmt::Display) -> Error {
    Error::Format {
        path: path.display().to_string(),
        message: e.to_string(),
    }
}

/// Read one table from bytes in `format`; `path` names the source in errors.
pub fn read_bytes(table: &str, format: Format, bytes: &[u8], path: &str) -> Result<RecordBatch> {
    let p = Path::new(path);
    match format {
        Format::Csv => super::csv::read_csv(table, bytes, path),
        Format::Ipc => {
            let reader = arrow_ipc::reader::FileReader::try_new(std::io::Cursor::new(bytes), None)
                .map_err(|e| fmt_err(p, format!("not a readable Arrow IPC file: {e}")))?;
            let schema = reader.schema();
            let batches = reader
                .collect::<std::result::Result<Vec<_>, _>>()
                .map_err(|e| fmt_err(p, e))?;
            let b = arrow_select::concat::concat_batches(&schema, &batches)?;
            conform(table, &b)
        }
        Format::Parquet => read_parquet(table, bytes, p),
    }
}

#[cfg(feature = "parquet")]
fn read_parquet(table: &str, bytes: &[u8], p: &Path) -> Result<RecordBatch> {
    use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
    let builder = ParquetRecordBatchReaderBuilder::try_new(bytes::Bytes::from(bytes.to_vec()))
        .map_err(|e| fmt_err(p, format!("not a readable Parquet file: {e}")))?;
    // The parquet crate panics on a column chunk announcing a negative offset or size (60.1,
    // `ColumnChunkMetaData::byte_range`, found by the `table_parquet` fuzz target): checked
    // here, with the chunk's end against the file's length.
    for (g, group) in builder.metadata().row_groups().iter().enumerate() {
        for c in group.columns() {
            let start = c.dictionary_page_offset().unwrap_or(c.data_page_offset());
            let size = c.compressed_size();
            if start < 0 || size < 0 || start.saturating_add(size) > bytes.len() as i64 {
                return Err(fmt_err(
                    p,
                    format!(
                        "not a readable Parquet file: column {} of row group {g} announces \
                         {size} bytes at offset {start}, outside the file's {} bytes",
                        c.column_path(),
                        bytes.len()
                    ),
                ));
            }
        }
    }
    let schema = builder.schema().clone();
    let reader = builder.build().map_err(|e| fmt_err(p, e))?;
    let batches = reader
        .collect::<std::result::Result<Vec<_>, _>>()
        .map_err(|e| fmt_err(p, e))?;
    let b = arrow_select::concat::concat_batches(&schema, &batches)?;
    conform(table, &b)
}

#[cfg(not(feature = "parquet"))]
fn read_parquet(_table: &str, _bytes: &[u8], p: &Path) -> Result<RecordBatch> {
    Err(fmt_err(
        p,
        "Parquet support is not built in (feature `parquet`)",
    ))
}

/// Encode a batch in `format`.
pub fn write_bytes(batch: &RecordBatch, format: Format) -> Result<Vec<u8>> {
    match format {
        Format::Csv => super::csv::write_csv(batch),
        Format::Ipc => {
            let mut buf = Vec::new();
            let mut w = arrow_ipc::writer::FileWriter::try_new(&mut buf, &batch.schema())?;
            w.write(batch)?;
            w.finish()?;
            drop(w);
            Ok(buf)
        }
        Format::Parquet => write_parquet(batch),
    }
}

#[cfg(feature = "parquet")]
fn write_parquet(batch: &RecordBatch) -> Result<Vec<u8>> {
    use parquet::basic::Compression;
    use parquet::file::properties::WriterProperties;
    #[cfg(feature = "zstd")]
    let compression = Compression::ZSTD(parquet::basic::ZstdLevel::default());
    #[cfg(not(feature = "zstd"))]
    let compression = Compression::SNAPPY;
    let props = WriterProperties::builder()
        .set_compression(compression)
        .build();
    let mut buf = Vec::new();
    let mut w = parquet::arrow::ArrowWriter::try_new(&mut buf, batch.schema(), Some(props))?;
    w.write(batch)?;
    w.close()?;
    Ok(buf)
}

#[cfg(not(feature = "parquet"))]
fn write_parquet(_batch: &RecordBatch) -> Result<Vec<u8>> {
    Err(Error::invalid(
        "Parquet support is not built in (feature `parquet`)",
    ))
}

/// Table name of a file: its stem, checked against the known tables.
pub fn table_of_path(path: &Path) -> Result<String> {
    let stem = path
        .file_stem()
        .and_then(|s| s.to_str())
        .ok_or_else(|| Error::UnknownTable(path.display().to_string()))?;
    TableKind::parse(stem)
        .map(|k| k.name())
        .map_err(|_| Error::UnknownTable(format!("{stem} (file {})", path.display())))
}

/// Read one table file; the table comes from the file stem, the format from the extension.
pub fn read_file(path: &Path) -> Result<(String, RecordBatch)> {
    let format = Format::of_path(path).ok_or_else(|| {
        fmt_err(
            path,
            "unknown file extension (expected .parquet, .csv or .arrow)",
        )
    })?;
    let table = table_of_path(path)?;
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, &e))?;
    let batch = read_bytes(&table, format, &bytes, &path.display().to_string())?;
    Ok((table, batch))
}

/// Write bytes to `path` through a temporary file in the same directory, renamed when complete.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let name = path
        .file_name()
        .and_then(|s| s.to_str())
        .ok_or_else(|| Error::invalid(format!("not a file path: {}", path.display())))?;
    let tmp = path.with_file_name(format!(".{name}.tmp"));
    if let Err(e) = std::fs::write(&tmp, bytes) {
        let _ = std::fs::remove_file(&tmp);
        return Err(Error::io(&tmp, &e));
    }
    std::fs::rename(&tmp, path).map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        Error::io(path, &e)
    })
}

/// Write tables into `dir` (created if needed) as `<TABLE>.<ext>`; returns the paths written.
pub fn write_dir(
    dir: &Path,
    tables: &[(String, RecordBatch)],
    format: Format,
) -> Result<Vec<PathBuf>> {
    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, &e))?;
    let mut out = Vec::new();
    for (name, batch) in tables {
        let name = TableKind::parse(name)?.name();
        let path = dir.join(format!("{name}.{}", format.extension()));
        let bytes = write_bytes(batch, format)?;
        write_atomic(&path, &bytes)?;
        out.push(path);
    }
    Ok(out)
}

/// Read every table file of a directory (files with another extension and hidden files are
/// ignored; a table found twice is an error).
pub fn read_dir(dir: &Path) -> Result<Vec<(String, RecordBatch)>> {
    let entries = std::fs::read_dir(dir).map_err(|e| Error::io(dir, &e))?;
    let mut paths: Vec<PathBuf> = Vec::new();
    for e in entries {
        let e = e.map_err(|e| Error::io(dir, &e))?;
        let p = e.path();
        let hidden = p
            .file_name()
            .and_then(|s| s.to_str())
            .is_some_and(|s| s.starts_with('.'));
        if p.is_file() && !hidden && Format::of_path(&p).is_some() {
            paths.push(p);
        }
    }
    paths.sort();
    if paths.is_empty() {
        return Err(fmt_err(
            dir,
            "no table files (.parquet, .csv, .arrow) in this directory",
        ));
    }
    read_files(&paths)
}

/// Read CSV files with `options`, each `(table, path)`: the table named by the caller, or by
/// the file stem when `None` (a table found twice is an error).
pub fn read_csv_files(
    files: &[(Option<String>, PathBuf)],
    options: &super::csv::CsvOptions,
) -> Result<Vec<(String, RecordBatch)>> {
    options.validate()?;
    let mut out: Vec<(String, RecordBatch)> = Vec::new();
    let mut from: Vec<&PathBuf> = Vec::new();
    for (table, p) in files {
        let t = match table {
            Some(t) => TableKind::parse(t)
                .map(|k| k.name())
                .map_err(|_| Error::UnknownTable(format!("{t} (for file {})", p.display())))?,
            None => table_of_path(p)?,
        };
        let bytes = std::fs::read(p).map_err(|e| Error::io(p, &e))?;
        let b = super::csv::read_csv_with(&t, &bytes, &p.display().to_string(), options)?;
        if let Some(i) = out.iter().position(|(n, _)| *n == t) {
            return Err(fmt_err(
                p,
                format!("table {t} is also in {}", from[i].display()),
            ));
        }
        out.push((t, b));
        from.push(p);
    }
    Ok(out)
}

/// Read the given table files (a table found twice is an error).
pub fn read_files(paths: &[PathBuf]) -> Result<Vec<(String, RecordBatch)>> {
    let mut out: Vec<(String, RecordBatch)> = Vec::new();
    let mut from: Vec<&PathBuf> = Vec::new();
    for p in paths {
        let (t, b) = read_file(p)?;
        if let Some(i) = out.iter().position(|(n, _)| *n == t) {
            return Err(fmt_err(
                p,
                format!("table {t} is also in {}", from[i].display()),
            ));
        }
        out.push((t, b));
        from.push(p);
    }
    Ok(out)
}
