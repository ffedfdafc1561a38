//! Arrow schemas of the SNDS source tables Cohorte reads and writes, with the real table and
//! column names (docs/snds-facts.md §2–4). Each column is described by a [`Column`]: its name, Arrow type,
//! whether a file must hold it, and its meaning.
//!
//! Types: dates are `Date32`, codes `Utf8`, counts `Int32`, row numbers of the DCIR join key
//! `Int64`, amounts `Float64`. Every column is nullable in Arrow; required columns must be present
//! in a file (their values may still be empty where the SNDS leaves them empty).
//!
//! | Table | Rows | Key |
//! |---|---|---|
//! | `IR_BEN_R` | one per beneficiary | `(BEN_NIR_PSA, BEN_RNG_GEM)` |
//! | `ER_PRS_F` | one per DCIR claim line | the 9-column DCIR join key ([`DCIR_KEY`]) |
//! | `ER_PHA_F` | pharmacy detail of a claim line | DCIR join key |
//! | `ER_CAM_F` | CCAM act detail of a claim line | DCIR join key |
//! | `IR_PHA_R` | one per drug pack (CIP13) | `PHA_CIP_C13` |
//! | `IR_IMB_R` | one per long-term illness (ALD) period | `(BEN_NIR_PSA, BEN_RNG_GEM, IMB_ALD_DTD)` |
//! | `T_MCOaaB` | one per PMSI MCO stay discharged in 20aa | `(ETA_NUM, RSA_NUM)` |
//! | `T_MCOaaC` | patient link of a stay | `(ETA_NUM, RSA_NUM)` |
//! | `T_MCOaaD` | one per associated diagnosis (DAS) | `(ETA_NUM, RSA_NUM)` |
//! | `T_MCOaaA` | one per CCAM act performed in a stay | `(ETA_NUM, RSA_NUM)` |

use std::sync::Arc;

use arrow_schema::{DataType, Field, Schema, SchemaRef};

use crate::error::{Error, Result};

/// One column of a source table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Column {
    /// SNDS column name.
    pub name: &'static str,
    /// Arrow type ([`Ty`]).
    pub ty: Ty,
    /// Whether a file of this table must hold the column ([`Error::MissingColumn`] otherwise).
    pub required: bool,
    /// Meaning of the column.
    pub doc: &'static str,
}

/// The Arrow types used by source tables.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ty {
    /// Text code (`Utf8`).
    Code,
    /// Calendar date (`Date32`).
    Date,
    /// Small integer: count, coded number (`Int32`).
    Int,
    /// Large integer: order numbers of the DCIR join key (`Int64`).
    Long,
    /// Amount in euros (`Float64`).
    Amount,
}

impl Ty {
    /// The Arrow data type.
    pub fn data_type(self) -> DataType {
        match self {
            Ty::Code => DataType::Utf8,
            Ty::Date => DataType::Date32,
            Ty::Int => DataType::Int32,
            Ty::Long => DataType::Int64,
            Ty::Amount => DataType::Float64,
        }
    }
}

const fn c(name: &'static str, ty: Ty, required: bool, doc: &'static str) -> Column {
    Column {
        name,
        ty,
        required,
        doc,
    }
}

/// The 9 columns joining `ER_PRS_F` to its detail tables (`ER_PHA_F`, `ER_CAM_F`...).
pub const DCIR_KEY: [&str; 9] = [
    "DCT_ORD_NUM",
    "FLX_DIS_DTD",
    "FLX_EMT_NUM",
    "FLX_EMT_ORD",
    "FLX_EMT_TYP",
    "FLX_TRT_DTD",
    "ORG_CLE_NUM",
    "PRS_ORD_NUM",
    "REM_TYP_AFF",
];

const KEY_COLUMNS: [Column; 9] = [
    c("DCT_ORD_NUM", Ty::Long, true, "Order number of the claim (décompte) in its flux."),
    c("FLX_DIS_DTD", Ty::Date, true, "Flux date: first day of the month the claim was made available, on or after the care date (up to about 6 months later)."),
    c("FLX_EMT_NUM", Ty::Long, true, "Number of the sender of the flux."),
    c("FLX_EMT_ORD", Ty::Long, true, "Order number of the flux for its sender."),
    c("FLX_EMT_TYP", Ty::Long, true, "Type of sender of the flux."),
    c("FLX_TRT_DTD", Ty::Date, true, "Date the flux was processed."),
    c("ORG_CLE_NUM", Ty::Code, true, "Code of the paying health-insurance fund."),
    c("PRS_ORD_NUM", Ty::Long, true, "Order number of the service line within the claim."),
    c("REM_TYP_AFF", Ty::Long, true, "Type of reimbursement (normal, regularisation...)."),
];

/// `IR_BEN_R`: beneficiaries referential, one row per `(BEN_NIR_PSA, BEN_RNG_GEM)`.
pub const IR_BEN_R: &[Column] = &[
    c(
        "BEN_NIR_PSA",
        Ty::Code,
        true,
        "Pseudonymised beneficiary identifier (17 characters).",
    ),
    c(
        "BEN_RNG_GEM",
        Ty::Int,
        true,
        "Rank of the beneficiary (separates same-sex twins sharing a BEN_NIR_PSA).",
    ),
    c(
        "BEN_NIR_ANO",
        Ty::Code,
        false,
        "Stable pseudonym of the person, when known.",
    ),
    c(
        "BEN_SEX_COD",
        Ty::Int,
        true,
        "Sex: 1 male, 2 female, 0 or 9 unknown.",
    ),
    c("BEN_NAI_ANN", Ty::Code, true, "Birth year (4 characters)."),
    c(
        "BEN_NAI_MOI",
        Ty::Code,
        false,
        "Birth month (01–12); the birth day is not in the SNDS.",
    ),
    c(
        "BEN_RES_DPT",
        Ty::Code,
        false,
        "Département of residence (3 characters: 075, 02A, 971).",
    ),
    c(
        "BEN_RES_COM",
        Ty::Code,
        false,
        "Commune of residence (INSEE code within the département).",
    ),
    c(
        "BEN_DCD_DTE",
        Ty::Date,
        false,
        "Death date (empty when alive).",
    ),
    c(
        "BEN_DCD_AME",
        Ty::Code,
        false,
        "Year and month of death (yyyymm).",
    ),
    c(
        "BEN_CDI_NIR",
        Ty::Code,
        false,
        "Quality of the NIR: 00 real, other values fictitious or provisional.",
    ),
];

/// Columns of `ER_PRS_F` after the join key.
const PRS_REST: [Column; 19] = [
    c(
        "BEN_NIR_PSA",
        Ty::Code,
        true,
        "Pseudonymised beneficiary identifier.",
    ),
    c("BEN_RNG_GEM", Ty::Int, true, "Rank of the beneficiary."),
    c(
        "BEN_SEX_COD",
        Ty::Int,
        false,
        "Sex of the beneficiary (1 male, 2 female, 0/9 unknown).",
    ),
    c(
        "BEN_NAI_ANN",
        Ty::Code,
        false,
        "Birth year of the beneficiary.",
    ),
    c(
        "BEN_RES_DPT",
        Ty::Code,
        false,
        "Département of residence (3 characters).",
    ),
    c(
        "BEN_DCD_DTE",
        Ty::Date,
        false,
        "Death date of the beneficiary.",
    ),
    c("EXE_SOI_DTD", Ty::Date, true, "Start of care (care date)."),
    c("EXE_SOI_DTF", Ty::Date, false, "End of care."),
    c(
        "PRS_NAT_REF",
        Ty::Code,
        true,
        "Nature of the service (e.g. 1111 GP consultation, 3317 pharmacy).",
    ),
    c(
        "PRS_ACT_QTE",
        Ty::Int,
        false,
        "Quantity of the service (number of acts, of boxes).",
    ),
    c(
        "PSE_SPE_COD",
        Ty::Int,
        false,
        "Speciality of the executing professional.",
    ),
    c(
        "PSP_SPE_COD",
        Ty::Int,
        false,
        "Speciality of the prescribing professional.",
    ),
    c(
        "EXO_MTF",
        Ty::Int,
        false,
        "Reason for exemption from co-payment (41–46: long-term illness).",
    ),
    c("PRS_PAI_MNT", Ty::Amount, false, "Amount paid (euros)."),
    c(
        "BSE_REM_MNT",
        Ty::Amount,
        false,
        "Amount reimbursed on the base (euros).",
    ),
    c(
        "BSE_PRS_NAT",
        Ty::Int,
        false,
        "Nature of the base service (0: no base service; such lines are dropped).",
    ),
    c(
        "DPN_QLF",
        Ty::Int,
        false,
        "Qualifier of the expense (71: line sent for information only; dropped).",
    ),
    c(
        "CPL_MAJ_TOP",
        Ty::Int,
        false,
        "Surcharge flag (visits are kept when below 2).",
    ),
    c(
        "PRS_DPN_QLP",
        Ty::Int,
        false,
        "Qualifier of the service line (informative).",
    ),
];

/// `ER_PHA_F` columns after the join key.
const PHA_REST: [Column; 3] = [
    c(
        "PHA_PRS_C13",
        Ty::Code,
        true,
        "CIP13 code of the dispensed pack (13 digits starting 3400).",
    ),
    c(
        "PHA_ACT_QSN",
        Ty::Int,
        true,
        "Signed number of boxes (negative: regularisation).",
    ),
    c(
        "PHA_ACT_PRU",
        Ty::Amount,
        false,
        "Unit price of the pack (euros).",
    ),
];

/// `ER_CAM_F` columns after the join key.
const CAM_REST: [Column; 2] = [
    c(
        "CAM_PRS_IDE",
        Ty::Code,
        true,
        "CCAM act code (7 characters: 4 letters and 3 digits).",
    ),
    c(
        "CAM_ACT_COD",
        Ty::Code,
        false,
        "Activity code of the act (1 main activity, 4 anaesthesia...).",
    ),
];

/// `IR_PHA_R`: drug referential, one row per CIP13 pack.
pub const IR_PHA_R: &[Column] = &[
    c("PHA_CIP_C13", Ty::Code, true, "CIP13 pack code."),
    c(
        "PHA_ATC_C07",
        Ty::Code,
        true,
        "ATC level-5 code of the substance (7 characters).",
    ),
    c(
        "PHA_ATC_C03",
        Ty::Code,
        false,
        "ATC level-3 code (4 characters).",
    ),
    c(
        "PHA_ATC_L07",
        Ty::Code,
        false,
        "Label of the ATC level-5 code.",
    ),
    c(
        "PHA_NOM_COURT",
        Ty::Code,
        false,
        "Short name of the pack (brand or generic, strength, form).",
    ),
];

/// `IR_IMB_R`: long-term illness (ALD) register, one row per ALD period.
pub const IR_IMB_R: &[Column] = &[
    c("BEN_NIR_PSA", Ty::Code, true, "Pseudonymised beneficiary identifier."),
    c("BEN_RNG_GEM", Ty::Int, true, "Rank of the beneficiary."),
    c("IMB_ALD_NUM", Ty::Int, false, "Number in the ALD list (1 stroke, 5 heart failure, 8 diabetes, 30 cancer, 31 off-list, 32 polypathology)."),
    c("IMB_ALD_DTD", Ty::Date, true, "Start of the ALD period."),
    c("IMB_ALD_DTF", Ty::Date, false, "End of the ALD period (empty: open)."),
    c("IMB_ETM_NAT", Ty::Code, false, "Nature of the exemption (41 on-list, 43 off-list, 45 polypathology; 11/12/13 work accident, occupational disease, invalidity: dropped)."),
    c("MED_MTF_COD", Ty::Code, true, "ICD-10 code motivating the ALD (without the dot)."),
];

/// `T_MCOaaB` (stay) columns.
pub const MCO_B: &[Column] = &[
    c(
        "ETA_NUM",
        Ty::Code,
        true,
        "FINESS number of the establishment.",
    ),
    c(
        "RSA_NUM",
        Ty::Code,
        true,
        "Number of the anonymous discharge summary (stay) in its establishment.",
    ),
    c("DGN_PAL", Ty::Code, true, "Main diagnosis (ICD-10)."),
    c(
        "DGN_REL",
        Ty::Code,
        false,
        "Related diagnosis (ICD-10), when any.",
    ),
    c(
        "GRG_GHM",
        Ty::Code,
        false,
        "Diagnosis-related group (GHM); groups starting 90 are errors and dropped.",
    ),
    c("AGE_ANN", Ty::Int, false, "Age in years at admission."),
    c("COD_SEX", Ty::Code, false, "Sex (1 male, 2 female)."),
    c("BDI_DEP", Ty::Code, false, "Département of residence."),
    c("SEJ_NBJ", Ty::Int, false, "Length of stay in days."),
    c(
        "ENT_MOD",
        Ty::Code,
        false,
        "Mode of entry (8 home, 7 transfer...).",
    ),
    c(
        "SOR_MOD",
        Ty::Code,
        false,
        "Mode of discharge (8 home, 9 death...).",
    ),
    c("SOR_ANN", Ty::Code, false, "Year of discharge."),
    c("SOR_MOI", Ty::Code, false, "Month of discharge."),
];

/// `T_MCOaaC` (patient link) columns.
pub const MCO_C: &[Column] = &[
    c("ETA_NUM", Ty::Code, true, "FINESS number of the establishment."),
    c("RSA_NUM", Ty::Code, true, "Number of the stay in its establishment."),
    c("NIR_ANO_17", Ty::Code, true, "Pseudonymised patient identifier, equal to BEN_NIR_PSA."),
    c("EXE_SOI_DTD", Ty::Date, true, "Admission date."),
    c("EXE_SOI_DTF", Ty::Date, true, "Discharge date."),
    c("NIR_RET", Ty::Code, false, "Return code of the identifier check (0 = fine; stays with any non-zero return code are dropped)."),
    c("NAI_RET", Ty::Code, false, "Return code of the birth-date check."),
    c("SEX_RET", Ty::Code, false, "Return code of the sex check."),
    c("SEJ_RET", Ty::Code, false, "Return code of the stay-number check."),
    c("FHO_RET", Ty::Code, false, "Return code of the hospital-link check."),
    c("PMS_RET", Ty::Code, false, "Return code of the PMSI link check."),
    c("DAT_RET", Ty::Code, false, "Return code of the date check."),
];

/// `T_MCOaaD` (associated diagnoses) columns.
pub const MCO_D: &[Column] = &[
    c(
        "ETA_NUM",
        Ty::Code,
        true,
        "FINESS number of the establishment.",
    ),
    c(
        "RSA_NUM",
        Ty::Code,
        true,
        "Number of the stay in its establishment.",
    ),
    c(
        "ASS_DGN",
        Ty::Code,
        true,
        "Associated diagnosis (DAS, ICD-10).",
    ),
];

/// `T_MCOaaA` (CCAM acts in a stay) columns.
pub const MCO_A: &[Column] = &[
    c(
        "ETA_NUM",
        Ty::Code,
        true,
        "FINESS number of the establishment.",
    ),
    c(
        "RSA_NUM",
        Ty::Code,
        true,
        "Number of the stay in its establishment.",
    ),
    c("CDC_ACT", Ty::Code, true, "CCAM act code."),
    c(
        "ENT_DAT_DEL",
        Ty::Int,
        false,
        "Days between admission and the act.",
    ),
    c(
        "NBR_EXE_ACT",
        Ty::Int,
        false,
        "Number of times the act was performed.",
    ),
];

/// The kind of a source table (yearly PMSI tables share a kind).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum TableKind {
    /// `IR_BEN_R`.
    Ben,
    /// `ER_PRS_F`.
    Prs,
    /// `ER_PHA_F`.
    Pha,
    /// `ER_CAM_F`.
    Cam,
    /// `IR_PHA_R`.
    PhaRef,
    /// `IR_IMB_R`.
    Imb,
    /// `T_MCOaaB` of a year (4 digits).
    McoB(i32),
    /// `T_MCOaaC`.
    McoC(i32),
    /// `T_MCOaaD`.
    McoD(i32),
    /// `T_MCOaaA`.
    McoA(i32),
}

impl TableKind {
    /// Parse a table name (case-insensitive): `IR_BEN_R`, `T_MCO19B`...; two-digit PMSI years
    /// are read as 20aa.
    pub fn parse(name: &str) -> Result<TableKind> {
        let n = name.trim().to_ascii_uppercase();
        Ok(match n.as_str() {
            "IR_BEN_R" => TableKind::Ben,
            "ER_PRS_F" => TableKind::Prs,
            "ER_PHA_F" => TableKind::Pha,
            "ER_CAM_F" => TableKind::Cam,
            "IR_PHA_R" => TableKind::PhaRef,
            "IR_IMB_R" => TableKind::Imb,
            _ => {
                let b = n.as_bytes();
                if b.len() == 8
                    && n.starts_with("T_MCO")
                    && b[5].is_ascii_digit()
                    && b[6].is_ascii_digit()
                {
                    let year = 2000 + ((b[5] - b'0') * 10 + (b[6] - b'0')) as i32;
                    match b[7] {
                        b'B' => TableKind::McoB(year),
                        b'C' => TableKind::McoC(year),
                        b'D' => TableKind::McoD(year),
                        b'A' => TableKind::McoA(year),
                        _ => return Err(Error::UnknownTable(name.to_string())),
                    }
                } else {
                    return Err(Error::UnknownTable(name.to_string()));
                }
            }
        })
    }

    /// Canonical name of the table.
    pub fn name(self) -> String {
        let mco = |y: i32, l: char| format!("T_MCO{:02}{l}", y.rem_euclid(100));
        match self {
            TableKind::Ben => "IR_BEN_R".into(),
            TableKind::Prs => "ER_PRS_F".into(),
            TableKind::Pha => "ER_PHA_F".into(),
            TableKind::Cam => "ER_CAM_F".into(),
            TableKind::PhaRef => "IR_PHA_R".into(),
            TableKind::Imb => "IR_IMB_R".into(),
            TableKind::McoB(y) => mco(y, 'B'),
            TableKind::McoC(y) => mco(y, 'C'),
            TableKind::McoD(y) => mco(y, 'D'),
            TableKind::McoA(y) => mco(y, 'A'),
        }
    }

    /// The columns of the table, in canonical order.
    pub fn columns(self) -> Vec<Column> {
        match self {
            TableKind::Ben => IR_BEN_R.to_vec(),
            TableKind::Prs => KEY_COLUMNS.iter().chain(PRS_REST.iter()).copied().collect(),
            TableKind::Pha => KEY_COLUMNS.iter().chain(PHA_REST.iter()).copied().collect(),
            TableKind::Cam => KEY_COLUMNS.iter().chain(CAM_REST.iter()).copied().collect(),
            TableKind::PhaRef => IR_PHA_R.to_vec(),
            TableKind::Imb => IR_IMB_R.to_vec(),
            TableKind::McoB(_) => MCO_B.to_vec(),
            TableKind::McoC(_) => MCO_C.to_vec(),
            TableKind::McoD(_) => MCO_D.to_vec(),
            TableKind::McoA(_) => MCO_A.to_vec(),
        }
    }

    /// The Arrow schema of the table (every field nullable).
    pub fn schema(self) -> SchemaRef {
        Arc::new(Schema::new(
            self.columns()
                .iter()
                .map(|c| Field::new(c.name, c.ty.data_type(), true))
                .collect::<Vec<_>>(),
        ))
    }
}

/// The Arrow schema of a table by name ([`Error::UnknownTable`] for a name Cohorte does not know).
pub fn schema(name: &str) -> Result<SchemaRef> {
    Ok(TableKind::parse(name)?.schema())
}
