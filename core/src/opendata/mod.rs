//! Open aggregates of the Assurance Maladie (docs/snds-facts.md §6): readers for every published layout,
//! writers that export protected aggregates in the real layouts, and direct standardisation of
//! Data pathologies prevalences.
//!
//! **Reading.** [`OpenDataReader`] is fed a file's bytes in chunks of any size (natively a file
//! read piece by piece, in the browser `File` slices) and tells the layout ([`Layout`]) from the
//! header: Open Medic (2014 to today, with or without label columns, headers in any case), its
//! `NB_` consumer-count files, Open PHMEV, Open Bio, Open LPP, Open DAMIR, Data pathologies (both
//! header spellings; `Niveau prioritaire` is read as `niveau_prioritaire`). It reads:
//! - Windows-1252 (`’` is the byte 0x92) and UTF-8 with or without a byte-order mark, told apart
//!   by the first non-ASCII value; a later value in the other encoding is an error ("mixed
//!   encodings") naming its line and column;
//! - `;`-separated records quoted as RFC 4180 says (`""` in a quoted value is `"`; a `"` inside
//!   an unquoted value is kept); a quote never closed, or followed by anything but `;` or the
//!   end of the line, is an error naming the line and column of the opening quote; LF or CRLF;
//! - integers, and decimals with a decimal comma and dots grouping thousands (`1.293,64`) or a
//!   decimal point (`0.169`); a value with a single dot and no comma is read as a decimal point;
//! - codes as text (`TOP_GEN` `G`, `R`, `S`, `B`, `C`; `dept` `2A`); empty cells (counts masked
//!   at source) as nulls;
//! - spreadsheet damage undone in Data pathologies: `cla_age_5` `05-sept` → `05-09`, `oct-14` →
//!   `10-14`; `dept` `7` → `07`; [`OpenData::notes`] says how many cells were restored.
//!
//! A row with fewer or more fields than the header (a truncated file), a value of the wrong type,
//! a header with a required column missing or of no layout: typed errors ([`Error::BadValue`]
//! with the file, column, data row and line; [`Error::MissingColumn`]; [`Error::Format`] with the
//! line and column), and nothing is returned: a file is read whole or not at all.
//! [`OpenDataReader::summarising`] filters and sums rows as they pass ([`Summary`]), in memory
//! bounded by the number of groups: [`summarise_open_data_file`] reads a 600 MB Open Medic year
//! that way. [`combine`] joins several files of one layout (monthly Open DAMIR files, years).
//!
//! **Writing.** [`write_open_medic`] writes the 2018–2024 Open Medic layout (Windows-1252, CRLF,
//! decimal comma) from a protected [`crate::aggregate::dispensings`] aggregate;
//! [`write_data_pathologies`] the data.gouv.fr `effectifs.csv` layout (UTF-8, LF, decimal point,
//! header with labels) from a protected [`crate::aggregate::prevalence`] aggregate.
//!
//! **Standardisation.** [`standardise_data_pathologies`] standardises prevalences by age and sex
//! to a reference population ([`FRANCE_RP2018`], INSEE) with Fay–Feuer intervals.

mod csv;
mod layout;
mod read;
mod standardise;
mod text;

use arrow_array::RecordBatch;

pub use layout::{
    Column, Kind, Layout, Repair, DATA_PATHOLOGIES, OPEN_BIO, OPEN_DAMIR, OPEN_LPP, OPEN_MEDIC,
    OPEN_MEDIC_CONSUMERS, OPEN_PHMEV,
};
pub use read::{
    combine, read_open_data, read_open_data_as, read_open_data_file, read_path,
    summarise_open_data_file, Filter, OpenData, OpenDataReader, Progress, Summary,
};
pub use standardise::{
    standardise, standardise_data_pathologies, ReferencePopulation, Standardised, Stratum,
    FRANCE_RP2018,
};
pub use text::{cp1252_decode, cp1252_encode, Encoding};

use crate::aggregate::{refs, Aggregate};
use crate::error::{Error, Result};

/// The header of the Data pathologies files of data.gouv.fr (with labels), as
/// [`write_data_pathologies`] writes it.
pub const DATA_PATHOLOGIES_HEADER: &str = "annee;patho_niv1;patho_niv2;patho_niv3;top;cla_age_5;\
sexe;region;dept;Ntop;Npop;prev;Niveau prioritaire;libelle_classe_age;libelle_sexe;tri";

/// Read an Open Medic file (bytes as published). `file` names it in errors. Columns as in
/// [`OPEN_MEDIC`] (those found in the file).
pub fn read_open_medic(bytes: &[u8], file: &str) -> Result<RecordBatch> {
    Ok(read_open_data_as(bytes, file, Layout::OpenMedic)?.batch)
}

/// Read a Data pathologies `effectifs.csv` file. Columns as in [`DATA_PATHOLOGIES`]; masked
/// counts (under 10 patients at source) are nulls.
pub fn read_data_pathologies(bytes: &[u8], file: &str) -> Result<RecordBatch> {
    Ok(read_open_data_as(bytes, file, Layout::DataPathologies)?.batch)
}

fn read_file_as(path: &std::path::Path, layout: Layout) -> Result<RecordBatch> {
    let reader = OpenDataReader::new(&path.display().to_string()).expecting(layout);
    Ok(read_path(reader, path, &mut |_| {})?.batch)
}

/// Read an Open Medic file from disk.
pub fn read_open_medic_file(path: impl AsRef<std::path::Path>) -> Result<RecordBatch> {
    read_file_as(path.as_ref(), Layout::OpenMedic)
}

/// Read a Data pathologies file from disk.
pub fn read_data_pathologies_file(path: impl AsRef<std::path::Path>) -> Result<RecordBatch> {
    read_file_as(path.as_ref(), Layout::DataPathologies)
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

/// A percentage as the Data pathologies files write it: rounded to three decimals, trailing
/// zeros dropped but one (`6.893`, `0.17`, `100.0`).
pub fn decimal_point(v: f64) -> String {
    let t = format!("{v:.3}");
    let t = t.trim_end_matches('0');
    if t.ends_with('.') {
        format!("{t}0")
    } else {
        t.to_string()
    }
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
/// an Open Medic file in the 2018–2024 layout: Windows-1252 bytes (`œ` is 0x9C, `’` 0x92), CRLF
/// line ends. Margin rows are left out; masked boxes are empty cells; `REM` and `BSE` (amounts,
/// not in the event store) are empty; `GEN_NUM` is 0 and `PSP_SPE` 99 (unknown).
pub fn write_open_medic(agg: &Aggregate) -> Result<Vec<u8>> {
    require_protected(agg, "Open Medic export")?;
    let cip = agg.strings("cip13")?;
    let atc = agg.strings("atc7")?;
    let age = agg.strings("age_band")?;
    let sex = agg.strings("sex")?;
    let reg = agg.strings("region")?;
    let boxes = agg.ints("boxes")?;
    let mut out = String::new();
    let header: Vec<&str> = OPEN_MEDIC.iter().map(|c| c.name).collect();
    out.push_str(&header.join(";"));
    out.push_str("\r\n");
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
        out.push_str("\r\n");
    }
    cp1252_encode(&out, "Open Medic export")
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
/// `effectifs.csv` file as data.gouv.fr publishes it: UTF-8 without byte-order mark, LF line
/// ends, the header with labels ([`DATA_PATHOLOGIES_HEADER`]), a decimal point. Strata used when present: `age_band` (5-year bands;
/// null → `tsage`), `sex` (null → 9), `region` (null → 99), `dept` (null → 999). Rows giving a
/// département without its region, an unknown region or département, or an unknown sex (the
/// layout's 9 means both sexes) are left out. `prev` is in percent rounded to three decimals
/// ([`decimal_point`]); masked counts and prevalences are empty cells. `Ntop` and `Npop` are the
/// aggregate's protected counts, not rounded to tens as the Assurance Maladie rounds its own;
/// `Niveau prioritaire` and `tri` (the producer's priority level and sort key) are empty.
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
    out.push_str(DATA_PATHOLOGIES_HEADER);
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
            prev[r].map_or(String::new(), |v| decimal_point(v * 100.0)),
            String::new(),
            lib_age,
            lib_sex.to_string(),
            String::new(),
        ];
        out.push_str(&fields.join(";"));
        out.push('\n');
    }
    Ok(out.into_bytes())
}
