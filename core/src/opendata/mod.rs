//! Open aggregates of the Assurance Maladie (docs/SNDS.md §6): readers for the published files and
//! writers that export protected aggregates in the same layouts.
//!
//! The files are `;`-separated, Latin-1 encoded, with decimal commas; masked counts are empty
//! cells. Readers return Arrow record batches with the file's column names and typed columns;
//! a missing column is an [`Error::MissingColumn`] naming the file and the column, a value that
//! is not a number an [`Error::BadValue`] naming the file, the column and the 1-based data row.
//!
//! - **Open Medic** (`OPEN_MEDIC_<year>.CSV`): [`OPEN_MEDIC_COLUMNS`]; read with
//!   [`read_open_medic`], written from a protected [`crate::aggregate::dispensings`] aggregate by
//!   [`write_open_medic`].
//! - **Data pathologies** (`effectifs.csv`): [`DATA_PATHOLOGIES_COLUMNS`]; read with
//!   [`read_data_pathologies`], written from a protected [`crate::aggregate::prevalence`]
//!   aggregate by [`write_data_pathologies`].

use std::sync::Arc;

use arrow_array::{ArrayRef, Float64Array, Int64Array, RecordBatch, StringArray};
use arrow_schema::{DataType, Field, Schema};

use crate::aggregate::{refs, Aggregate};
use crate::error::{Error, Result};

/// Type of a column in an open-data layout.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Text (codes keep their leading zeros: `01`, `2A`, CIP13).
    Text,
    /// Integer (`BOITES` can be negative).
    Int,
    /// Decimal with a comma (`1234,56`).
    Decimal,
}

/// Open Medic columns, in file order, with their types.
pub const OPEN_MEDIC_COLUMNS: [(&str, Kind); 21] = [
    ("ATC1", Kind::Text),
    ("l_ATC1", Kind::Text),
    ("ATC2", Kind::Text),
    ("L_ATC2", Kind::Text),
    ("ATC3", Kind::Text),
    ("L_ATC3", Kind::Text),
    ("ATC4", Kind::Text),
    ("L_ATC4", Kind::Text),
    ("ATC5", Kind::Text),
    ("L_ATC5", Kind::Text),
    ("CIP13", Kind::Text),
    ("l_cip13", Kind::Text),
    ("TOP_GEN", Kind::Int),
    ("GEN_NUM", Kind::Int),
    ("age", Kind::Int),
    ("sexe", Kind::Int),
    ("BEN_REG", Kind::Int),
    ("PSP_SPE", Kind::Int),
    ("BOITES", Kind::Int),
    ("REM", Kind::Decimal),
    ("BSE", Kind::Decimal),
];

/// Data pathologies columns (`effectifs.csv`): the first twelve are required, the last four are
/// read when present.
pub const DATA_PATHOLOGIES_COLUMNS: [(&str, Kind); 16] = [
    ("annee", Kind::Int),
    ("patho_niv1", Kind::Text),
    ("patho_niv2", Kind::Text),
    ("patho_niv3", Kind::Text),
    ("top", Kind::Text),
    ("cla_age_5", Kind::Text),
    ("sexe", Kind::Int),
    ("region", Kind::Int),
    ("dept", Kind::Text),
    ("Ntop", Kind::Int),
    ("Npop", Kind::Int),
    ("prev", Kind::Decimal),
    ("niveau_prioritaire", Kind::Text),
    ("libelle_classe_age", Kind::Text),
    ("libelle_sexe", Kind::Text),
    ("tri", Kind::Decimal),
];

const DATA_PATHOLOGIES_REQUIRED: usize = 12;

/// Decode Latin-1 (ISO-8859-1) bytes: each byte is the code point of the same value.
pub fn latin1_decode(bytes: &[u8]) -> String {
    bytes.iter().map(|b| *b as char).collect()
}

/// Encode text as Latin-1. The French typographic characters Latin-1 lacks are spelled as the
/// open-data files spell them (`œ` as `oe`, `’` as `'`, `€` as `EUR`...: the ATC label of A02B,
/// "gastro-œsophagien", is one); any other character outside Latin-1 is an error naming `what`.
pub fn latin1_encode(text: &str, what: &str) -> Result<Vec<u8>> {
    let mut out = Vec::with_capacity(text.len());
    for c in text.chars() {
        if let Ok(b) = u8::try_from(c as u32) {
            out.push(b);
            continue;
        }
        let spelled: &str = match c {
            'œ' => "oe",
            'Œ' => "OE",
            '\u{2018}' | '\u{2019}' | '\u{201A}' | '\u{2032}' => "'",
            '\u{201C}' | '\u{201D}' | '\u{201E}' => "\"",
            '\u{2010}' | '\u{2011}' | '\u{2012}' | '\u{2013}' | '\u{2014}' | '\u{2212}' => "-",
            '\u{2026}' => "...",
            '\u{20AC}' => "EUR",
            '\u{202F}' | '\u{2009}' => " ",
            _ => {
                return Err(Error::Format {
                    path: what.to_string(),
                    message: format!("character {c:?} cannot be written in Latin-1"),
                })
            }
        };
        out.extend_from_slice(spelled.as_bytes());
    }
    Ok(out)
}

/// Split one `;`-separated line, honouring double quotes (`""` inside quotes is a quote).
fn split_line(line: &str) -> Vec<String> {
    let mut out = vec![];
    let mut cur = String::new();
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' if quoted && chars.peek() == Some(&'"') => {
                cur.push('"');
                chars.next();
            }
            '"' => quoted = !quoted,
            ';' if !quoted => out.push(std::mem::take(&mut cur)),
            _ => cur.push(c),
        }
    }
    out.push(cur);
    out
}

fn parse_number(text: &str, kind: Kind) -> std::result::Result<Option<NumberValue>, String> {
    let t: String = text
        .trim()
        .chars()
        .filter(|c| *c != ' ' && *c != '\u{a0}')
        .collect();
    if t.is_empty() {
        return Ok(None);
    }
    match kind {
        Kind::Int => t
            .parse::<i64>()
            .map(|v| Some(NumberValue::Int(v)))
            .map_err(|_| format!("expected an integer, found {text:?}")),
        Kind::Decimal => {
            let dot = t.replace(',', ".");
            let ok = dot.bytes().all(|b| {
                b.is_ascii_digit() || b == b'.' || b == b'-' || b == b'+' || b == b'e' || b == b'E'
            });
            match dot.parse::<f64>() {
                Ok(v) if ok && v.is_finite() => Ok(Some(NumberValue::Float(v))),
                _ => Err(format!(
                    "expected a decimal number with a comma (1234,56), found {text:?}"
                )),
            }
        }
        Kind::Text => Ok(None),
    }
}

enum NumberValue {
    Int(i64),
    Float(f64),
}

/// Read a `;`-separated Latin-1 file with a header into typed columns: `required` columns must be
/// present, `optional` ones are read when present, others are ignored. Header names match
/// without regard to case.
pub fn read_layout(
    bytes: &[u8],
    file: &str,
    required: &[(&str, Kind)],
    optional: &[(&str, Kind)],
) -> Result<RecordBatch> {
    // Published files are Latin-1; a file re-saved by a spreadsheet is often UTF-8 (with or
    // without a byte-order mark). Valid UTF-8 holding non-ASCII text is read as UTF-8: Latin-1
    // French text is almost never valid UTF-8 (`é` is the lone byte 0xE9), so the two are told
    // apart without a guess at the file's origin.
    let text = match std::str::from_utf8(bytes) {
        Ok(t) if !t.is_ascii() => t.to_string(),
        _ => latin1_decode(bytes),
    };
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
    let mut lines = text.lines().filter(|l| !l.trim().is_empty());
    let header = lines.next().ok_or_else(|| Error::Format {
        path: file.to_string(),
        message: "empty file: expected a header line".into(),
    })?;
    let names: Vec<String> = split_line(header)
        .into_iter()
        .map(|h| h.trim().to_string())
        .collect();
    let find = |name: &str| names.iter().position(|h| h.eq_ignore_ascii_case(name));
    let mut wanted: Vec<(&str, Kind, usize)> = vec![];
    for (name, kind) in required {
        let i = find(name).ok_or_else(|| Error::MissingColumn {
            table: file.to_string(),
            column: name.to_string(),
        })?;
        wanted.push((name, *kind, i));
    }
    for (name, kind) in optional {
        if let Some(i) = find(name) {
            wanted.push((name, *kind, i));
        }
    }
    let mut text_cols: Vec<Vec<Option<String>>> = vec![vec![]; wanted.len()];
    let mut int_cols: Vec<Vec<Option<i64>>> = vec![vec![]; wanted.len()];
    let mut float_cols: Vec<Vec<Option<f64>>> = vec![vec![]; wanted.len()];
    for (row, line) in lines.enumerate() {
        let fields = split_line(line);
        // A row must hold the header's fields: a short row (a line cut in two, a lost
        // separator) would otherwise shift or empty its last cells without a word.
        let extra_filled = fields
            .iter()
            .skip(names.len())
            .any(|f| !f.trim().is_empty());
        if fields.len() < names.len() || extra_filled {
            return Err(Error::BadValue {
                table: file.to_string(),
                column: names
                    .get(fields.len().min(names.len().saturating_sub(1)))
                    .cloned()
                    .unwrap_or_default(),
                row: row + 1,
                message: format!(
                    "the row has {} fields, the header {}",
                    fields.len(),
                    names.len()
                ),
            });
        }
        for (j, (name, kind, i)) in wanted.iter().enumerate() {
            let raw = fields.get(*i).map_or("", |s| s.as_str());
            match kind {
                Kind::Text => {
                    let v = raw.trim();
                    text_cols[j].push((!v.is_empty()).then(|| v.to_string()));
                }
                _ => {
                    let v = parse_number(raw, *kind).map_err(|message| Error::BadValue {
                        table: file.to_string(),
                        column: name.to_string(),
                        row: row + 1,
                        message,
                    })?;
                    match v {
                        Some(NumberValue::Int(x)) => int_cols[j].push(Some(x)),
                        Some(NumberValue::Float(x)) => float_cols[j].push(Some(x)),
                        None if *kind == Kind::Int => int_cols[j].push(None),
                        None => float_cols[j].push(None),
                    }
                }
            }
        }
    }
    let mut fields = vec![];
    let mut arrays: Vec<ArrayRef> = vec![];
    for (j, (name, kind, _)) in wanted.iter().enumerate() {
        let (dt, arr): (DataType, ArrayRef) = match kind {
            Kind::Text => (
                DataType::Utf8,
                Arc::new(StringArray::from(std::mem::take(&mut text_cols[j]))),
            ),
            Kind::Int => (
                DataType::Int64,
                Arc::new(Int64Array::from(std::mem::take(&mut int_cols[j]))),
            ),
            Kind::Decimal => (
                DataType::Float64,
                Arc::new(Float64Array::from(std::mem::take(&mut float_cols[j]))),
            ),
        };
        fields.push(Field::new(*name, dt, true));
        arrays.push(arr);
    }
    Ok(RecordBatch::try_new(Arc::new(Schema::new(fields)), arrays)?)
}

/// Read an Open Medic file (bytes as published: Latin-1, `;`, decimal comma). `file` names it in
/// errors. Columns as in [`OPEN_MEDIC_COLUMNS`] (Utf8, Int64, Float64).
pub fn read_open_medic(bytes: &[u8], file: &str) -> Result<RecordBatch> {
    read_layout(bytes, file, &OPEN_MEDIC_COLUMNS, &[])
}

/// Read a Data pathologies `effectifs.csv` file. Columns as in [`DATA_PATHOLOGIES_COLUMNS`];
/// masked counts (under 10 patients at source) are nulls.
pub fn read_data_pathologies(bytes: &[u8], file: &str) -> Result<RecordBatch> {
    read_layout(
        bytes,
        file,
        &DATA_PATHOLOGIES_COLUMNS[..DATA_PATHOLOGIES_REQUIRED],
        &DATA_PATHOLOGIES_COLUMNS[DATA_PATHOLOGIES_REQUIRED..],
    )
}

/// Read an Open Medic file from disk.
pub fn read_open_medic_file(path: impl AsRef<std::path::Path>) -> Result<RecordBatch> {
    let p = path.as_ref();
    let bytes = std::fs::read(p).map_err(|e| Error::io(p, &e))?;
    read_open_medic(&bytes, &p.display().to_string())
}

/// Read a Data pathologies file from disk.
pub fn read_data_pathologies_file(path: impl AsRef<std::path::Path>) -> Result<RecordBatch> {
    let p = path.as_ref();
    let bytes = std::fs::read(p).map_err(|e| Error::io(p, &e))?;
    read_data_pathologies(&bytes, &p.display().to_string())
}

fn require_protected(agg: &Aggregate, what: &str) -> Result<()> {
    if agg.protected_k.is_none() {
        return Err(Error::Aggregate(format!(
            "{what}: aggregate {} is not protected; pass it through disclosure::protect first",
            agg.name
        )));
    }
    Ok(())
}

/// A decimal with a comma and `digits` decimals.
pub fn decimal_comma(v: f64, digits: usize) -> String {
    format!("{v:.digits$}").replace('.', ",")
}

fn clean(s: &str) -> String {
    s.replace([';', '\n', '\r'], " ")
}

/// Open Medic `BEN_REG` of a 2016 region code: overseas regions are grouped as 5, unknown is 99.
pub fn ben_reg(region: &str) -> i64 {
    match region.parse::<i64>() {
        Ok(1..=6) => 5,
        Ok(r) => r,
        Err(_) => 99,
    }
}

/// Export a protected [`crate::aggregate::dispensings`] aggregate (with Open Medic age bands) as
/// an Open Medic file (Latin-1 bytes). Margin rows are left out; masked boxes are empty cells;
/// `REM` and `BSE` (amounts, not in the event store) are empty; `PSP_SPE` is 99 (unknown).
pub fn write_open_medic(agg: &Aggregate) -> Result<Vec<u8>> {
    require_protected(agg, "Open Medic export")?;
    let cip = agg.strings("cip13")?;
    let atc = agg.strings("atc7")?;
    let age = agg.strings("age_band")?;
    let sex = agg.strings("sex")?;
    let reg = agg.strings("region")?;
    let boxes = agg.ints("boxes")?;
    let mut out = String::new();
    let header: Vec<&str> = OPEN_MEDIC_COLUMNS.iter().map(|c| c.0).collect();
    out.push_str(&header.join(";"));
    out.push('\n');
    for r in 0..agg.num_rows() {
        let (Some(c), Some(a), Some(s), Some(g)) = (&cip[r], &age[r], &sex[r], &reg[r]) else {
            continue;
        };
        let age_code = match a.as_str() {
            "0-19" => 0,
            "20-59" => 20,
            "60+" => 60,
            other => {
                return Err(Error::Aggregate(format!(
                    "Open Medic export: age band {other:?} at row {r} is not an Open Medic band \
                     (0-19, 20-59, 60+): use AgeBands::OpenMedic"
                )))
            }
        };
        let atc7 = atc[r].clone().unwrap_or_default();
        let mut fields: Vec<String> = vec![];
        for len in [1usize, 3, 4, 5, 7] {
            let code = atc7.get(..len).unwrap_or("").to_string();
            let label = refs::atc_label(&code).unwrap_or_default();
            fields.push(code);
            fields.push(clean(&label));
        }
        fields.push(c.clone());
        fields.push(clean(&refs::pack_name(c).unwrap_or_default()));
        fields.push(refs::pack_generic(c).map_or(String::new(), |g| u8::from(g).to_string()));
        fields.push("0".into());
        fields.push(age_code.to_string());
        fields.push(s.clone());
        fields.push(ben_reg(g).to_string());
        fields.push("99".into());
        fields.push(boxes[r].map_or(String::new(), |b| b.to_string()));
        fields.push(String::new());
        fields.push(String::new());
        out.push_str(&fields.join(";"));
        out.push('\n');
    }
    latin1_encode(&out, "Open Medic export")
}

/// Identification of a cohort in a Data pathologies file.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Pathology {
    /// `annee`.
    pub year: i32,
    /// `patho_niv1`, `patho_niv2`, `patho_niv3` (empty when absent).
    pub levels: [String; 3],
    /// `top` (the indicator code, e.g. `TOP_CVAIGU_IDM`).
    pub top: String,
}

fn age_label_5(band: &str) -> Result<(String, String)> {
    if band == "95+" {
        return Ok(("95et+".into(), "plus de 95 ans".into()));
    }
    let bad = || {
        Error::Aggregate(format!(
            "Data pathologies export: age band {band:?} is not a 5-year band: use AgeBands::Five"
        ))
    };
    let (lo, hi) = band.split_once('-').ok_or_else(bad)?;
    let (l, h): (u32, u32) = (
        lo.parse().map_err(|_| bad())?,
        hi.parse().map_err(|_| bad())?,
    );
    if lo.len() != 2 || h != l + 4 || l % 5 != 0 {
        return Err(bad());
    }
    Ok((band.to_string(), format!("de {l} à {h} ans")))
}

/// Export a protected [`crate::aggregate::prevalence`] aggregate as a Data pathologies
/// `effectifs.csv` file (Latin-1 bytes). Strata used when present: `age_band` (5-year bands;
/// null → `tsage`), `sex` (null → 9), `region` (null → 99), `dept` (null → 999). Rows giving a
/// département without its region, an unknown region or département, or an unknown sex (the
/// layout's 9 means both sexes) are left out. `prev` is in percent with three decimals;
/// masked counts and prevalences are empty cells.
pub fn write_data_pathologies(agg: &Aggregate, patho: &Pathology) -> Result<Vec<u8>> {
    require_protected(agg, "Data pathologies export")?;
    let n = agg.num_rows();
    let dim = |name: &str| -> Result<Vec<Option<String>>> {
        if agg.dims.iter().any(|d| d == name) {
            agg.strings(name)
        } else {
            Ok(vec![None; n])
        }
    };
    let (age, sex, reg, dept) = (dim("age_band")?, dim("sex")?, dim("region")?, dim("dept")?);
    let ntop = agg.ints("cases")?;
    let npop = agg.ints("population")?;
    let prev = agg.floats("prevalence")?;
    let mut out = String::new();
    let header: Vec<&str> = DATA_PATHOLOGIES_COLUMNS.iter().map(|c| c.0).collect();
    out.push_str(&header.join(";"));
    out.push('\n');
    for r in 0..n {
        // The layout has no code for an unknown place (99 / 999 mean "all"): such rows are left
        // out rather than mistaken for totals.
        if (dept[r].is_some() && reg[r].is_none())
            || reg[r].as_deref() == Some("99")
            || dept[r].as_deref() == Some("99")
        {
            continue;
        }
        let (cla, lib_age) = match &age[r] {
            Some(a) => age_label_5(a)?,
            None => ("tsage".into(), "tous âges".into()),
        };
        // `sexe` 9 is "both sexes" in the layout, which has no code for an unknown sex: such
        // rows are left out too (their patients are in the 9 rows).
        let (sexe, lib_sex) = match sex[r].as_deref() {
            Some("1") => ("1", "hommes"),
            Some("2") => ("2", "femmes"),
            Some(_) => continue,
            None => ("9", "tous sexes"),
        };
        let region = reg[r].clone().unwrap_or_else(|| "99".into());
        let d = dept[r].clone().unwrap_or_else(|| "999".into());
        let fields = [
            patho.year.to_string(),
            clean(&patho.levels[0]),
            clean(&patho.levels[1]),
            clean(&patho.levels[2]),
            clean(&patho.top),
            cla,
            sexe.to_string(),
            region,
            d,
            ntop[r].map_or(String::new(), |v| v.to_string()),
            npop[r].map_or(String::new(), |v| v.to_string()),
            prev[r].map_or(String::new(), |v| decimal_comma(v * 100.0, 3)),
            String::new(),
            lib_age,
            lib_sex.to_string(),
            (r + 1).to_string(),
        ];
        out.push_str(&fields.join(";"));
        out.push('\n');
    }
    latin1_encode(&out, "Data pathologies export")
}
