//! The published layouts (docs/snds-facts.md §6): their columns, how a header tells them apart, how their
//! values are read, and how spreadsheet damage is undone.

/// Type of a column in an open-data layout.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Text (codes keep their leading zeros: `01`, `2A`, CIP13; `TOP_GEN` letters).
    Text,
    /// Integer (`BOITES` can be negative).
    Int,
    /// Decimal number: a decimal comma with a dot as thousands separator (`1.293,64`, Open
    /// Medic's amounts) or a decimal point (`0.169`, Data pathologies' `prev`).
    Decimal,
}

/// What is undone in a column's cells when a spreadsheet saved the file again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Repair {
    /// Nothing.
    None,
    /// Five-year age bands read as dates (`05-sept` → `05-09`, `oct-14` → `10-14`).
    AgeBand,
    /// Département codes that lost their leading zero (`7` → `07`).
    Dept,
}

/// One column of a layout.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Column {
    /// The name the reader gives the column (the 2018–2024 Open Medic spelling, `Ntop` and
    /// `niveau_prioritaire` for Data pathologies).
    pub name: &'static str,
    /// Other spellings of the header (matched without regard to case, as is `name`).
    pub aliases: &'static [&'static str],
    /// Its type.
    pub kind: Kind,
    /// Whether a file of the layout must have it.
    pub required: bool,
    /// Spreadsheet damage undone in its cells.
    pub repair: Repair,
}

const fn col(name: &'static str, kind: Kind, required: bool) -> Column {
    Column {
        name,
        aliases: &[],
        kind,
        required,
        repair: Repair::None,
    }
}

use Kind::{Decimal as D, Int as I, Text as T};

/// Open Medic (`OPEN_MEDIC_<year>.CSV`, 2014 to today): the 2018–2024 header. Label columns
/// (`l_ATC1` ... `l_cip13`) are absent from the 2014–2015 files and read when present; 2016
/// spells some columns in upper case, matched as the same columns.
pub const OPEN_MEDIC: &[Column] = &[
    col("ATC1", T, true),
    col("l_ATC1", T, false),
    col("ATC2", T, true),
    col("L_ATC2", T, false),
    col("ATC3", T, true),
    col("L_ATC3", T, false),
    col("ATC4", T, true),
    col("L_ATC4", T, false),
    col("ATC5", T, true),
    col("L_ATC5", T, false),
    col("CIP13", T, true),
    col("l_cip13", T, false),
    col("TOP_GEN", T, true),
    col("GEN_NUM", I, true),
    col("age", I, true),
    col("sexe", I, true),
    col("BEN_REG", I, true),
    col("PSP_SPE", I, true),
    col("BOITES", I, true),
    col("REM", D, true),
    col("BSE", D, true),
];

/// Open Medic consumer counts (`NB_<year>_atc<level>[_age_sexe][_reg][_spe]`): the ATC code of
/// one level (and its label), the strata the file name lists, and `NBC`, the number of
/// consumers.
pub const OPEN_MEDIC_CONSUMERS: &[Column] = &[
    col("ATC1", T, false),
    col("l_ATC1", T, false),
    col("ATC2", T, false),
    col("L_ATC2", T, false),
    col("ATC3", T, false),
    col("L_ATC3", T, false),
    col("ATC4", T, false),
    col("L_ATC4", T, false),
    col("ATC5", T, false),
    col("L_ATC5", T, false),
    col("age", I, false),
    col("sexe", I, false),
    col("BEN_REG", I, false),
    col("PSP_SPE", I, false),
    col("NBC", I, true),
];

/// Open PHMEV (hospital prescriptions dispensed in city pharmacies): Open Medic's referential
/// columns (`TOP_GEN` 0, 1, 4, 9, B, C), the prescribing establishment, `BOITES`, `REM`, `BSE`.
pub const OPEN_PHMEV: &[Column] = &[
    col("ATC1", T, true),
    col("l_ATC1", T, false),
    col("ATC2", T, true),
    col("L_ATC2", T, false),
    col("ATC3", T, true),
    col("L_ATC3", T, false),
    col("ATC4", T, true),
    col("L_ATC4", T, false),
    col("ATC5", T, true),
    col("L_ATC5", T, false),
    col("CIP13", T, true),
    col("l_cip13", T, false),
    col("TOP_GEN", T, true),
    col("GEN_NUM", I, false),
    col("age", I, true),
    col("sexe", I, true),
    col("etb_rgt", T, true),
    col("categorie_jur", T, false),
    col("categorie_jur_rgt", T, false),
    col("code_postal", T, false),
    col("nom_etb", T, false),
    col("nom_ville", T, false),
    col("raison_sociale_etb", T, false),
    col("top_etb_age", I, false),
    col("top_etb_sexe", I, false),
    col("region_etb", I, true),
    col("BOITES", I, true),
    col("REM", D, true),
    col("BSE", D, true),
];

/// Open Bio (medical biology): NABM act, age 0/20/40/60/99, `DNB` acts, amounts.
pub const OPEN_BIO: &[Column] = &[
    col("GRP", T, false),
    col("L_GRP", T, false),
    col("ACTE", T, true),
    col("L_ACTE", T, false),
    col("AGE", I, true),
    col("SEXE", I, true),
    col("BEN_REG", I, true),
    col("PSP_SPE", I, true),
    col("DNB", I, true),
    col("REM", D, true),
    col("BSE", D, true),
];

/// Open LPP (medical devices): LPP code, age 0/20/40/60/99, `QTE`, amounts.
pub const OPEN_LPP: &[Column] = &[
    col("TITRE", T, false),
    col("L_TITRE", T, false),
    col("CHAPITRE", T, false),
    col("L_CHAPITRE", T, false),
    col("CODE_LPP", T, true),
    col("L_CODE_LPP", T, false),
    col("AGE", I, true),
    col("SEXE", I, true),
    col("BEN_REG", I, true),
    col("PSP_SPE", I, true),
    col("QTE", I, true),
    col("REM", D, true),
    col("BSE", D, true),
];

/// Open DAMIR (monthly files): the month of processing, the beneficiary's age band
/// (`AGE_BEN_SNDS` 0, 20, 30, ..., 80, 99), sex and region, the kind of service, and the
/// filtered quantities and amounts. Other columns of the file are not read.
pub const OPEN_DAMIR: &[Column] = &[
    col("FLX_ANN_MOI", T, true),
    col("AGE_BEN_SNDS", I, true),
    col("BEN_SEX_COD", I, true),
    col("BEN_RES_REG", I, true),
    col("PRS_NAT", I, false),
    col("PSP_SPE_SNDS", I, false),
    col("FLT_ACT_QTE", D, true),
    col("FLT_ACT_NBR", D, false),
    col("FLT_PAI_MNT", D, true),
    col("FLT_REM_MNT", D, true),
    col("FLT_DEP_MNT", D, false),
];

/// Data pathologies (`effectifs.csv`), in either header spelling: with labels
/// (`Ntop;Npop;prev;Niveau prioritaire`) or as the portal's field names
/// (`ntop;npop;prev;niveau_prioritaire`).
pub const DATA_PATHOLOGIES: &[Column] = &[
    col("annee", I, true),
    col("patho_niv1", T, true),
    col("patho_niv2", T, true),
    col("patho_niv3", T, true),
    col("top", T, true),
    Column {
        repair: Repair::AgeBand,
        ..col("cla_age_5", T, true)
    },
    col("sexe", I, true),
    col("region", I, true),
    Column {
        repair: Repair::Dept,
        ..col("dept", T, true)
    },
    col("Ntop", I, true),
    col("Npop", I, true),
    col("prev", D, true),
    Column {
        aliases: &["Niveau prioritaire"],
        ..col("niveau_prioritaire", T, false)
    },
    col("libelle_classe_age", T, false),
    col("libelle_sexe", T, false),
    col("tri", D, false),
];

/// The layouts the readers know.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Layout {
    /// [`OPEN_MEDIC`].
    OpenMedic,
    /// [`OPEN_MEDIC_CONSUMERS`].
    OpenMedicConsumers,
    /// [`OPEN_PHMEV`].
    OpenPhmev,
    /// [`OPEN_BIO`].
    OpenBio,
    /// [`OPEN_LPP`].
    OpenLpp,
    /// [`OPEN_DAMIR`].
    OpenDamir,
    /// [`DATA_PATHOLOGIES`].
    DataPathologies,
}

impl Layout {
    /// Every layout, in the order [`Layout::sniff`] tries them.
    pub const ALL: [Layout; 7] = [
        Layout::DataPathologies,
        Layout::OpenMedicConsumers,
        Layout::OpenPhmev,
        Layout::OpenMedic,
        Layout::OpenBio,
        Layout::OpenLpp,
        Layout::OpenDamir,
    ];

    /// The layout's columns.
    pub fn columns(self) -> &'static [Column] {
        match self {
            Layout::OpenMedic => OPEN_MEDIC,
            Layout::OpenMedicConsumers => OPEN_MEDIC_CONSUMERS,
            Layout::OpenPhmev => OPEN_PHMEV,
            Layout::OpenBio => OPEN_BIO,
            Layout::OpenLpp => OPEN_LPP,
            Layout::OpenDamir => OPEN_DAMIR,
            Layout::DataPathologies => DATA_PATHOLOGIES,
        }
    }

    /// Its name: `open_medic`, `open_medic_consumers`, `open_phmev`, `open_bio`, `open_lpp`,
    /// `open_damir`, `data_pathologies`.
    pub fn name(self) -> &'static str {
        match self {
            Layout::OpenMedic => "open_medic",
            Layout::OpenMedicConsumers => "open_medic_consumers",
            Layout::OpenPhmev => "open_phmev",
            Layout::OpenBio => "open_bio",
            Layout::OpenLpp => "open_lpp",
            Layout::OpenDamir => "open_damir",
            Layout::DataPathologies => "data_pathologies",
        }
    }

    /// The layout of that name (see [`Layout::name`]).
    pub fn from_name(name: &str) -> Option<Layout> {
        Layout::ALL.into_iter().find(|l| l.name() == name)
    }

    /// The columns whose presence tells the layout (all of them, without regard to case).
    fn markers(self) -> &'static [&'static str] {
        match self {
            Layout::DataPathologies => &["Ntop", "Npop", "cla_age_5"],
            Layout::OpenMedicConsumers => &["NBC"],
            Layout::OpenPhmev => &["BOITES", "etb_rgt"],
            Layout::OpenMedic => &["BOITES", "CIP13", "BEN_REG"],
            Layout::OpenBio => &["ACTE", "DNB"],
            Layout::OpenLpp => &["CODE_LPP", "QTE"],
            Layout::OpenDamir => &["AGE_BEN_SNDS", "BEN_SEX_COD"],
        }
    }

    /// The layout a header (its column names) belongs to, if any.
    pub fn sniff<S: AsRef<str>>(header: &[S]) -> Option<Layout> {
        let has = |name: &str| header.iter().any(|h| h.as_ref().eq_ignore_ascii_case(name));
        Layout::ALL
            .into_iter()
            .find(|l| l.markers().iter().all(|m| has(m)))
    }
}

/// Whether a header cell spells column `c`.
pub(crate) fn header_matches(c: &Column, header: &str) -> bool {
    c.name.eq_ignore_ascii_case(header) || c.aliases.iter().any(|a| a.eq_ignore_ascii_case(header))
}

/// A parsed cell.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Value {
    Null,
    Int(i64),
    Float(f64),
    Text(String),
}

/// Read an integer: digits with an optional sign.
pub(crate) fn parse_int(t: &str) -> Option<i64> {
    t.parse::<i64>().ok()
}

/// Whether `s` is digits in groups of three after the first (`1`, `12`, `1.293`, `17.739`).
fn grouped(parts: &[&str]) -> bool {
    let mut it = parts.iter();
    let Some(first) = it.next() else {
        return false;
    };
    (1..=3).contains(&first.len())
        && first.bytes().all(|b| b.is_ascii_digit())
        && it.all(|p| p.len() == 3 && p.bytes().all(|b| b.is_ascii_digit()))
}

/// Read a decimal: `1.293,64` and `1293,64` (decimal comma, dots grouping thousands), `0.169`
/// (decimal point), `-16,02`, `51.0`; integers too. `None` for anything else.
pub(crate) fn parse_decimal(t: &str) -> Option<f64> {
    let (neg, body) = match t.as_bytes().first() {
        Some(b'-') => (true, &t[1..]),
        Some(b'+') => (false, &t[1..]),
        _ => (false, t),
    };
    let (int_part, frac) = match body.rsplit_once(',') {
        Some((i, f)) => {
            // A decimal comma: dots in the integer part group thousands.
            let groups: Vec<&str> = i.split('.').collect();
            if groups.len() > 1 && !grouped(&groups) {
                return None;
            }
            (groups.concat(), f.to_string())
        }
        None => match body.split_once('.') {
            Some((i, f)) if !f.contains('.') => (i.to_string(), f.to_string()),
            Some(_) => {
                // Several dots and no comma: dots grouping thousands of an integer.
                let groups: Vec<&str> = body.split('.').collect();
                if !grouped(&groups) {
                    return None;
                }
                (groups.concat(), String::new())
            }
            None => (body.to_string(), String::new()),
        },
    };
    if int_part.is_empty() && frac.is_empty() {
        return None;
    }
    if !int_part.bytes().all(|b| b.is_ascii_digit()) || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let v: f64 = format!("{int_part}.{frac}0").parse().ok()?;
    Some(if neg { -v } else { v })
}

const MONTHS: [(&str, u32); 14] = [
    ("janv", 1),
    ("févr", 2),
    ("fevr", 2),
    ("mars", 3),
    ("avr", 4),
    ("mai", 5),
    ("juin", 6),
    ("juil", 7),
    ("août", 8),
    ("aout", 8),
    ("sept", 9),
    ("oct", 10),
    ("nov", 11),
    ("déc", 12),
];

fn month(s: &str) -> Option<u32> {
    // Spreadsheets write the months in lower case; ASCII case is ignored (no Unicode tables).
    let s = s.trim_end_matches('.').to_ascii_lowercase();
    MONTHS.iter().find(|(m, _)| *m == s).map(|(_, n)| *n)
}

fn small(s: &str) -> Option<u32> {
    if (1..=2).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit()) {
        s.parse().ok()
    } else {
        None
    }
}

/// Undo spreadsheet damage in a cell; `Some` holds the restored text when the cell was damaged.
pub(crate) fn repair(kind: Repair, t: &str) -> Option<String> {
    match kind {
        Repair::None => None,
        Repair::Dept => (t.len() == 1 && t.as_bytes()[0].is_ascii_digit()).then(|| format!("0{t}")),
        Repair::AgeBand => {
            let (a, b) = t.split_once('-')?;
            // `05-sept`: the band 05-09 read as the 5th of September; `oct-14`: 10-14 read as
            // October 2014; `5-9`: the zeros lost.
            let (lo, hi) = match (small(a), month(a), small(b), month(b)) {
                (Some(lo), _, None, Some(hi)) => (lo, hi),
                (None, Some(lo), Some(hi), _) => (lo, hi),
                (Some(lo), _, Some(hi), _) if a.len() == 1 || b.len() == 1 => (lo, hi),
                _ => return None,
            };
            Some(format!("{lo:02}-{hi:02}"))
        }
    }
}
