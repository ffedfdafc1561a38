//! The normalised data model (docs/decisions.md §3.2), the one SCALPEL3 proved on the real SNDS: one
//! patient table and typed events. Source tables are flattened into a [`Population`]; the
//! synthetic generator produces one directly; the [`crate::EventStore`] is built from it.

use std::collections::HashMap;
use std::fmt;

use crate::dates::Day;
use crate::error::{Error, Result};

/// Code systems of the SNDS that cohort definitions can name.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "UPPERCASE")]
pub enum CodeSystem {
    /// WHO Anatomical Therapeutic Chemical classification (`A10BA02`).
    Atc,
    /// 13-digit drug pack codes (`3400930000001`), each mapped to one ATC7.
    Cip13,
    /// ICD-10 (CIM-10), written without the dot as in SNDS tables (`E119`).
    Icd10,
    /// French classification of medical acts (`DDAF001`).
    Ccam,
}

impl CodeSystem {
    /// Every system, in a fixed order.
    pub const ALL: [CodeSystem; 4] = [
        CodeSystem::Atc,
        CodeSystem::Cip13,
        CodeSystem::Icd10,
        CodeSystem::Ccam,
    ];

    /// Canonical name (`ATC`, `CIP13`, `ICD10`, `CCAM`).
    pub fn name(self) -> &'static str {
        match self {
            CodeSystem::Atc => "ATC",
            CodeSystem::Cip13 => "CIP13",
            CodeSystem::Icd10 => "ICD10",
            CodeSystem::Ccam => "CCAM",
        }
    }

    /// Parse a system name; accepts the usual spellings (`ICD-10`, `CIM10`, `cip`...).
    pub fn parse(name: &str) -> Result<Self> {
        let n: String = name
            .chars()
            .filter(|c| c.is_ascii_alphanumeric())
            .collect::<String>()
            .to_ascii_uppercase();
        match n.as_str() {
            "ATC" => Ok(CodeSystem::Atc),
            "CIP13" | "CIP" => Ok(CodeSystem::Cip13),
            "ICD10" | "CIM10" | "ICD" | "CIM" => Ok(CodeSystem::Icd10),
            "CCAM" => Ok(CodeSystem::Ccam),
            _ => Err(Error::UnknownCodeSystem(name.to_string())),
        }
    }
}

impl fmt::Display for CodeSystem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Type of an event.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
#[repr(u8)]
pub enum EventKind {
    /// A drug dispensing in a pharmacy (`ER_PHA_F`); code: CIP13 pack; value: boxes (signed).
    Dispensing = 0,
    /// A diagnosis (PMSI DP/DR/DAS or ALD); code: ICD-10; role says which.
    Diagnosis = 1,
    /// A hospital stay (`T_MCOaaB`/`C`); code: the main diagnosis (ICD-10); value: length of stay.
    Stay = 2,
    /// A CCAM act, in city care (`ER_CAM_F`) or in hospital (`T_MCOaaA`); value: count.
    Act = 3,
    /// A long-term illness (ALD) period (`IR_IMB_R`); code: ICD-10; end: ALD end.
    Ald = 4,
    /// Death (`BEN_DCD_DTE`); no code.
    Death = 5,
    /// A consultation or visit in city care (`ER_PRS_F` without detail row); code: `PRS_NAT_REF`.
    Visit = 6,
}

impl EventKind {
    /// Every kind, in id order.
    pub const ALL: [EventKind; 7] = [
        EventKind::Dispensing,
        EventKind::Diagnosis,
        EventKind::Stay,
        EventKind::Act,
        EventKind::Ald,
        EventKind::Death,
        EventKind::Visit,
    ];

    /// Kind from its `u8` id.
    pub fn from_u8(v: u8) -> Option<Self> {
        Self::ALL.get(v as usize).copied()
    }

    /// The dictionary that holds this kind's codes.
    pub fn dict(self) -> DictKind {
        match self {
            EventKind::Dispensing => DictKind::Drug,
            EventKind::Diagnosis | EventKind::Stay | EventKind::Ald => DictKind::Icd10,
            EventKind::Act => DictKind::Ccam,
            EventKind::Visit => DictKind::Nature,
            EventKind::Death => DictKind::None,
        }
    }

    /// snake_case name, as in definitions (`dispensing`, `diagnosis`...).
    pub fn name(self) -> &'static str {
        match self {
            EventKind::Dispensing => "dispensing",
            EventKind::Diagnosis => "diagnosis",
            EventKind::Stay => "stay",
            EventKind::Act => "act",
            EventKind::Ald => "ald",
            EventKind::Death => "death",
            EventKind::Visit => "visit",
        }
    }
}

/// Role of a diagnosis event.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[repr(u8)]
pub enum Role {
    /// Not a diagnosis (or no role).
    None = 0,
    /// Main diagnosis of a stay (`DGN_PAL`).
    DP = 1,
    /// Related diagnosis of a stay (`DGN_REL`).
    DR = 2,
    /// Associated diagnosis of a stay (`ASS_DGN`).
    DAS = 3,
    /// Diagnosis motivating a long-term illness registration (`MED_MTF_COD`).
    ALD = 4,
}

impl Role {
    /// Every role, in id order.
    pub const ALL: [Role; 5] = [Role::None, Role::DP, Role::DR, Role::DAS, Role::ALD];

    /// Role from its `u8` id.
    pub fn from_u8(v: u8) -> Option<Self> {
        Role::ALL.get(v as usize).copied()
    }
}

/// Which dictionary a code id refers to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DictKind {
    /// Drug packs: CIP13 with their ATC7.
    Drug,
    /// ICD-10 codes.
    Icd10,
    /// CCAM acts.
    Ccam,
    /// Natures of service (`PRS_NAT_REF`).
    Nature,
    /// No code (death).
    None,
}

/// Sex as coded in the SNDS (`BEN_SEX_COD`).
pub mod sex {
    /// Male.
    pub const MALE: u8 = 1;
    /// Female.
    pub const FEMALE: u8 = 2;
    /// Unknown (0 or 9 in the SNDS).
    pub const UNKNOWN: u8 = 9;
}

/// Index of a département in [`crate::referential::departements`] or this value when unknown.
pub const DEPT_UNKNOWN: u8 = u8::MAX;

/// One person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Patient {
    /// Pseudonymised identifier `BEN_NIR_PSA` (17 characters).
    pub nir: String,
    /// Rank `BEN_RNG_GEM` (separates same-sex twins sharing a `BEN_NIR_PSA`).
    pub rank: u8,
    /// [`sex::MALE`], [`sex::FEMALE`] or [`sex::UNKNOWN`].
    pub sex: u8,
    /// Birth date (the SNDS gives year and month: the 15th of the month is used).
    pub birth: Day,
    /// Death date, if any.
    pub death: Option<Day>,
    /// Département of residence: index into the referential, or [`DEPT_UNKNOWN`].
    pub dept: u8,
}

/// One normalised event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Event {
    /// Index of the patient in [`Population::patients`].
    pub patient: u32,
    /// Type.
    pub kind: EventKind,
    /// Diagnosis role ([`Role::None`] for other kinds).
    pub role: Role,
    /// Start (care date, admission, ALD start, death).
    pub start: Day,
    /// End (discharge, ALD end; equals `start` for point events).
    pub end: Day,
    /// Code id in the dictionary of [`EventKind::dict`]; 0 for death.
    pub code: u32,
    /// Boxes for dispensings (negative = regularisation; the loader nets them into positive
    /// dispensings, see [`crate::tables::flatten`]), length of stay, act count; else 0.
    pub value: i32,
    /// Stay number linking a stay's diagnoses and acts to it (1-based within the population);
    /// 0 when the event belongs to no stay.
    pub stay: u32,
}

/// An interned set of codes, in insertion order (ids are stable while it grows).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CodeDict {
    codes: Vec<String>,
    index: HashMap<String, u32>,
}

impl CodeDict {
    /// Empty dictionary.
    pub fn new() -> Self {
        Self::default()
    }
    /// Id of `code`, adding it if new.
    pub fn intern(&mut self, code: &str) -> u32 {
        if let Some(&id) = self.index.get(code) {
            return id;
        }
        let id = self.codes.len() as u32;
        self.codes.push(code.to_string());
        self.index.insert(code.to_string(), id);
        id
    }
    /// Id of `code` if present.
    pub fn get(&self, code: &str) -> Option<u32> {
        self.index.get(code).copied()
    }
    /// Code of an id.
    pub fn code(&self, id: u32) -> &str {
        &self.codes[id as usize]
    }
    /// Number of codes.
    pub fn len(&self) -> usize {
        self.codes.len()
    }
    /// Whether empty.
    pub fn is_empty(&self) -> bool {
        self.codes.is_empty()
    }
    /// Codes in id order.
    pub fn codes(&self) -> &[String] {
        &self.codes
    }
}

/// The dictionaries of a population. Drug packs carry their ATC7 (`""` when unknown).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Dictionaries {
    /// CIP13 pack codes.
    pub drug: CodeDict,
    /// ATC7 of each drug id (same indexing as `drug`).
    pub drug_atc: Vec<String>,
    /// ICD-10 codes.
    pub icd10: CodeDict,
    /// CCAM act codes.
    pub ccam: CodeDict,
    /// Natures of service (`PRS_NAT_REF`).
    pub nature: CodeDict,
}

impl Dictionaries {
    /// Intern a drug pack with its ATC7 (the first ATC seen for a pack is kept).
    pub fn intern_drug(&mut self, cip13: &str, atc7: &str) -> u32 {
        let id = self.drug.intern(cip13);
        if id as usize == self.drug_atc.len() {
            self.drug_atc.push(atc7.to_string());
        }
        id
    }
    /// The dictionary of a kind.
    pub fn get(&self, kind: DictKind) -> Option<&CodeDict> {
        match kind {
            DictKind::Drug => Some(&self.drug),
            DictKind::Icd10 => Some(&self.icd10),
            DictKind::Ccam => Some(&self.ccam),
            DictKind::Nature => Some(&self.nature),
            DictKind::None => None,
        }
    }
    /// Code text of an event (`""` for death).
    pub fn code_of(&self, e: &Event) -> &str {
        match self.get(e.kind.dict()) {
            Some(d) => d.code(e.code),
            None => "",
        }
    }
}

/// A population in the normalised model: what flattening source tables or the synthetic
/// generator produces, and what the event store is built from.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Population {
    /// Patients; an event's `patient` is an index here.
    pub patients: Vec<Patient>,
    /// Events, in any order.
    pub events: Vec<Event>,
    /// Code dictionaries.
    pub dicts: Dictionaries,
    /// First day covered by the data (start of observation for everyone born before it).
    pub data_start: Day,
    /// Last day covered by the data (end of observation for everyone alive then).
    pub data_end: Day,
}

impl Population {
    /// Observation period of a patient: from the later of birth and the data's first date to the
    /// earlier of death and the data's last date. `None` when empty.
    pub fn observation(&self, patient: usize) -> Option<(Day, Day)> {
        let p = &self.patients[patient];
        observation(p.birth, p.death, self.data_start, self.data_end)
    }
}

/// Observation period from birth, death and the data's span; `None` when empty.
pub fn observation(
    birth: Day,
    death: Option<Day>,
    data_start: Day,
    data_end: Day,
) -> Option<(Day, Day)> {
    let start = birth.max(data_start);
    let end = death.map_or(data_end, |d| d.min(data_end));
    (start <= end).then_some((start, end))
}

/// The rows of a cohort: one row per cohort entry (a person may enter several times when a
/// definition keeps all occurrences), sorted by (person, start).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CohortRows {
    /// Patient id (index in the store's patient table).
    pub person: Vec<u32>,
    /// Index date (cohort start).
    pub start: Vec<Day>,
    /// Exit date (cohort end, inclusive).
    pub end: Vec<Day>,
}

impl CohortRows {
    /// Number of rows (cohort entries).
    pub fn len(&self) -> usize {
        self.person.len()
    }
    /// Whether there are no rows.
    pub fn is_empty(&self) -> bool {
        self.person.is_empty()
    }
    /// Number of distinct persons.
    pub fn n_persons(&self) -> usize {
        let mut n = 0;
        let mut last = None;
        for p in &self.person {
            if last != Some(*p) {
                n += 1;
                last = Some(*p);
            }
        }
        n
    }
}
