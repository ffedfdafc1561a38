//! Cohort definitions (docs/decisions.md §4): the JSON document a student or an analyst writes, its
//! serde model, its JSON Schema, its validation and the example library.
//!
//! The semantics follow the OHDSI cohort expression (circe), adapted to SNDS codes:
//!
//! - **Concept sets** name a list of codes of one system (`ATC`, `CIP13`, `ICD10`, `CCAM`); each
//!   code means itself and its descendants (prefix: `E11` covers `E119`), minus the `exclude`d
//!   codes (and their descendants). Codes are written as in SNDS tables: upper case, no dot
//!   (`e11.9` is read as `E119`).
//! - **Entry**: events of one or more [`EventFilter`]s. `occurrence` picks, for each person,
//!   the first, the last or all matching events **over the whole data** (so `first` means
//!   "first ever seen", the incident-user reading); the `date_range` and the observation
//!   requirements (`prior_observation`, `post_observation` days inside the observation period)
//!   then filter the picked events. An index event has a start (the event's date) and an end
//!   (discharge for a stay, end of an ALD period, else the start), clamped to the observation
//!   period. Same-day duplicates (same start and end) count once.
//! - **Observation period** of a person: from the later of birth and the first day of the data
//!   to the earlier of death and the last day of the data.
//! - **Inclusion rules**, each named, are applied in order to every index event; an event is
//!   kept when it satisfies every rule. A rule is a [`Criterion`]: demographics at the index
//!   start, a count of events in a window around the index, a count of entries of a nested
//!   cohort overlapping a window, or a group (`all`, `any`, `at_least` n of, `at_most` n of).
//!   Windows are in days relative to the index start (or end), both bounds inclusive, and are
//!   clipped to the observation period; a missing bound is unbounded.
//! - **Exit** ([`Exit`]): end of observation (default), a fixed number of days after the index,
//!   the end of continuous exposure to a drug concept set, or death. The exit is then cut at
//!   the first **censoring** event on or after the index start, and at the end of observation.
//! - **Era collapse**: a person's entries that overlap, or start at most `collapse_days` days
//!   after the previous one ends, are merged into one.
//!
//! # Validation
//! [`Definition::from_json`] parses the document as plain JSON first and walks it, so every
//! type error is reported with its path (`inclusion[2].window.start: expected an integer number
//! of days, found "30"`), then checks the meaning (unknown concept set, unknown code system, a
//! concept set of the wrong system for an event, a window whose start is after its end...).
//! Every problem is reported at once in [`crate::Error::Definition`], the type errors and the
//! errors of meaning together: a part with a type error (a concept set, an entry filter, a rule
//! or one criterion of a group, the exit, a censoring filter, a nested cohort) is reported and
//! left out of the checks of meaning, which run on every other part. References to unknown
//! concept sets and nested cohorts are reported even from inside a malformed part. A missing,
//! malformed or unknown `version` is reported and the document is then read as the current
//! version, so its other problems are listed too.
//!
//! A code absent from Cohorte's shipped referential ([`crate::referential::contains`]) is a
//! **warning**, not an error: the referential covers the conditions of the examples and of the
//! synthetic population only, and real SNDS extracts hold many more valid codes. A malformed code
//! (wrong length or characters for its system) is an error. Warnings are returned by
//! [`validate_json`] and [`Definition::warnings`] and never block evaluation.
//!
//! # Versions
//! The current version is [`CURRENT_VERSION`]. Version 1 documents (the first published form,
//! where concept sets were called `concepts` and windows had `from`/`to` bounds) are migrated on
//! load by [`migrate`].

mod check;
mod examples;
mod salvage;
mod walk;

use std::borrow::Cow;

use schemars::{JsonSchema, Schema, SchemaGenerator};
use serde::{Deserialize, Serialize};

use crate::dates::Day;
use crate::error::{Error, Problem, Result, Severity};
use crate::model::CodeSystem;

pub use examples::examples;

/// Version written by [`Definition::to_json`] and expected by the engine.
pub const CURRENT_VERSION: u32 = 2;

/// Most inclusion rules a definition may hold (the engine keeps one bit per rule).
pub const MAX_RULES: usize = 64;

/// A cohort definition.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[schemars(title = "Cohorte cohort definition")]
pub struct Definition {
    /// Format version of the document (current: 2). Older versions are migrated on load.
    pub version: u32,
    /// Short name of the cohort.
    pub name: String,
    /// What the cohort is, in plain words, for the person who reads it next.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
    /// Named lists of codes, referred to by name from the entry, rules, exit and censoring.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub concept_sets: Vec<ConceptSet>,
    /// The events that put a person in the cohort (index events).
    pub entry: Entry,
    /// Named rules every index event must satisfy, applied in order (the attrition steps).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub inclusion: Vec<Rule>,
    /// When a person leaves the cohort (default: end of observation).
    #[serde(default, skip_serializing_if = "Exit::is_default")]
    pub exit: Exit,
    /// Events that end a cohort entry early: the first one on or after the index start.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub censoring: Vec<EventFilter>,
    /// Entries of a person separated by at most this many days are merged (era collapse pad).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub collapse_days: u32,
    /// Nested cohort definitions, usable in rules with `in_cohort` (by their `name`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cohorts: Vec<Definition>,
}

fn is_zero(v: &u32) -> bool {
    *v == 0
}

/// A named list of codes of one system: each code means itself and its descendants.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct ConceptSet {
    /// Name used to refer to it (`metformin`, `type 2 diabetes`).
    pub name: String,
    /// Code system: `ATC`, `CIP13`, `ICD10` or `CCAM` (`ICD-10`, `CIM10`, `cip`... are read as
    /// these).
    pub system: CodeSystem,
    /// Codes as in SNDS tables (`A10BA02`, `E11`, `I21`, `DDAF001`); a code covers its
    /// descendants (`E11` covers `E119`), except CIP13 pack codes, which name one pack.
    pub codes: Vec<String>,
    /// Codes (and their descendants) to leave out.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub exclude: Vec<String>,
}

/// Spellings of the code systems read by [`CodeSystem::parse`], once its punctuation is dropped
/// and its letters are upper-cased: the schema's pattern accepts the same ones.
const SYSTEM_SPELLINGS: [&str; 8] = [
    "ATC", "CIP13", "CIP", "ICD10", "CIM10", "ICD", "CIM", "CCAM",
];

/// A JSON Schema (ECMA 262) pattern matching the strings [`CodeSystem::parse`] accepts: one of
/// [`SYSTEM_SPELLINGS`] in any case, with any characters other than ASCII letters and digits
/// around and between its characters (`icd-10`, `Cim 10`).
fn system_pattern() -> String {
    const SEP: &str = "[^A-Za-z0-9]*";
    format!("^{SEP}(?:{}){SEP}$", any_case(&SYSTEM_SPELLINGS, SEP))
}

/// A pattern alternative of `words` in any ASCII case (`[Dd][Pp]|...`), `sep` between the
/// characters of a word.
fn any_case(words: &[&str], sep: &str) -> String {
    let words: Vec<String> = words
        .iter()
        .map(|w| {
            w.chars()
                .map(|c| {
                    if c.is_ascii_alphabetic() {
                        format!("[{}{}]", c.to_ascii_uppercase(), c.to_ascii_lowercase())
                    } else {
                        c.to_string()
                    }
                })
                .collect::<Vec<_>>()
                .join(sep)
        })
        .collect();
    words.join("|")
}

/// The schema of a closed list of names, each `(name, description)`, that the loader also reads
/// in any case with spaces around (it trims them and fixes the case).
fn names_schema(description: &str, names: &[(&str, &str)], other: &str) -> Schema {
    let consts: Vec<serde_json::Value> = names
        .iter()
        .map(|(n, d)| serde_json::json!({ "description": d, "type": "string", "const": n }))
        .collect();
    let words: Vec<&str> = names.iter().map(|(n, _)| *n).collect();
    schemars::json_schema!({
        "description": description,
        "anyOf": [
            { "oneOf": consts },
            {
                "description": other,
                "type": "string",
                "pattern": format!("^\\s*(?:{})\\s*$", any_case(&words, ""))
            }
        ]
    })
}

impl JsonSchema for CodeSystem {
    fn schema_name() -> Cow<'static, str> {
        "CodeSystem".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        schemars::json_schema!({
            "description": "Code system: `ATC`, `CIP13`, `ICD10` or `CCAM`, the canonical names (Cohorte writes these). Other spellings are read as them: any case, with or without punctuation or spaces, and `CIP` for CIP13, `ICD-10`, `CIM10`, `CIM-10`, `ICD`, `CIM` for ICD10.",
            "anyOf": [
                { "type": "string", "enum": ["ATC", "CIP13", "ICD10", "CCAM"] },
                {
                    "description": "Another spelling of a code system (`icd-10`, `CIM10`, `cip`).",
                    "type": "string",
                    "pattern": system_pattern()
                }
            ]
        })
    }
}

/// Type of event a filter selects.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum EventType {
    /// A pharmacy dispensing (concept set of ATC or CIP13 codes).
    Dispensing,
    /// A diagnosis: PMSI main (DP), related (DR), associated (DAS) or ALD motive (ICD-10).
    Diagnosis,
    /// A hospital stay, selected by its main diagnosis (ICD-10); no concept set = any stay.
    Stay,
    /// A CCAM act, in city care or in hospital.
    Act,
    /// A long-term illness (ALD) period, by its ICD-10 code.
    Ald,
    /// Death (no concept set).
    Death,
}

impl EventType {
    /// Every type, in a fixed order.
    pub const ALL: [EventType; 6] = [
        EventType::Dispensing,
        EventType::Diagnosis,
        EventType::Stay,
        EventType::Act,
        EventType::Ald,
        EventType::Death,
    ];

    /// Name as written in definitions.
    pub fn name(self) -> &'static str {
        match self {
            EventType::Dispensing => "dispensing",
            EventType::Diagnosis => "diagnosis",
            EventType::Stay => "stay",
            EventType::Act => "act",
            EventType::Ald => "ald",
            EventType::Death => "death",
        }
    }

    /// The event kind of the store.
    pub fn kind(self) -> crate::model::EventKind {
        use crate::model::EventKind;
        match self {
            EventType::Dispensing => EventKind::Dispensing,
            EventType::Diagnosis => EventKind::Diagnosis,
            EventType::Stay => EventKind::Stay,
            EventType::Act => EventKind::Act,
            EventType::Ald => EventKind::Ald,
            EventType::Death => EventKind::Death,
        }
    }

    /// Code systems a concept set used with this event type may have.
    pub fn systems(self) -> &'static [CodeSystem] {
        match self {
            EventType::Dispensing => &[CodeSystem::Atc, CodeSystem::Cip13],
            EventType::Diagnosis | EventType::Stay | EventType::Ald => &[CodeSystem::Icd10],
            EventType::Act => &[CodeSystem::Ccam],
            EventType::Death => &[],
        }
    }
}

/// Role of a diagnosis.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum DiagnosisRole {
    /// Main diagnosis of a stay (`DGN_PAL`).
    DP,
    /// Related diagnosis (`DGN_REL`).
    DR,
    /// Associated diagnosis (`ASS_DGN`).
    DAS,
    /// Motive of a long-term illness registration (`IR_IMB_R`).
    ALD,
}

impl JsonSchema for DiagnosisRole {
    fn schema_name() -> Cow<'static, str> {
        "DiagnosisRole".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        names_schema(
            "Role of a diagnosis.",
            &[
                ("DP", "Main diagnosis of a stay (`DGN_PAL`)."),
                ("DR", "Related diagnosis (`DGN_REL`)."),
                ("DAS", "Associated diagnosis (`ASS_DGN`)."),
                (
                    "ALD",
                    "Motive of a long-term illness registration (`IR_IMB_R`).",
                ),
            ],
            "The same role in lower case or with spaces around (`dp`), read as written above.",
        )
    }
}

impl DiagnosisRole {
    /// The store's role.
    pub fn role(self) -> crate::model::Role {
        use crate::model::Role;
        match self {
            DiagnosisRole::DP => Role::DP,
            DiagnosisRole::DR => Role::DR,
            DiagnosisRole::DAS => Role::DAS,
            DiagnosisRole::ALD => Role::ALD,
        }
    }
}

/// Selects events: a type, optionally a concept set and (diagnoses) roles.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct EventFilter {
    /// Event type.
    pub event: EventType,
    /// Name of a concept set; absent: any event of this type.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub concept_set: Option<String>,
    /// Diagnosis roles accepted (`DP`, `DR`, `DAS`, `ALD`); empty: any role. Diagnoses only.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub roles: Vec<DiagnosisRole>,
}

/// A calendar date, written `YYYY-MM-DD` in JSON.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Date(pub Day);

impl Serialize for Date {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_str(&crate::dates::format(self.0))
    }
}

impl<'de> Deserialize<'de> for Date {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        walk::parse_iso(&s)
            .map(Date)
            .map_err(serde::de::Error::custom)
    }
}

impl JsonSchema for Date {
    fn schema_name() -> Cow<'static, str> {
        "Date".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        schemars::json_schema!({
            "description": "A calendar date, `YYYY-MM-DD` (the form Cohorte writes).",
            "anyOf": [
                { "type": "string", "format": "date" },
                {
                    "description": "The other forms of SNDS extracts, read as the same date: `09/03/2021`, `20210309`, `09MAR2021`, optionally followed by a midnight time (`2021-03-09 00:00:00`).",
                    "type": "string"
                }
            ]
        })
    }
}

/// Inclusive calendar range.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
pub struct DateRange {
    /// First date (inclusive); absent: unbounded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<Date>,
    /// Last date (inclusive); absent: unbounded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<Date>,
}

/// Which of a person's matching entry events become index events.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Occurrence {
    /// The earliest ever seen in the data (default); of several that day, the one ending first.
    #[default]
    First,
    /// Every one (events with the same start and end count once).
    All,
    /// The latest seen in the data; of several that day, the one ending last.
    Last,
}

/// The entry of the cohort.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Entry {
    /// Events that can be index events (any of them).
    pub events: Vec<EventFilter>,
    /// Keep index events starting in this range (applied after `occurrence`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date_range: Option<DateRange>,
    /// `first` (default), `all` or `last`.
    #[serde(default)]
    pub occurrence: Occurrence,
    /// Days of observation required before the index date.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub prior_observation: u32,
    /// Days of observation required after the index date.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub post_observation: u32,
}

/// A named inclusion rule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Rule {
    /// Name shown in the attrition.
    pub name: String,
    /// Optional explanation.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
    /// The criterion (its fields sit beside `name`).
    #[serde(flatten)]
    pub criterion: Criterion,
}

/// A criterion evaluated on one index event.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum Criterion {
    /// Every sub-criterion holds.
    All {
        /// Sub-criteria.
        all: Vec<Criterion>,
    },
    /// At least one sub-criterion holds.
    Any {
        /// Sub-criteria.
        any: Vec<Criterion>,
    },
    /// At least `at_least` sub-criteria hold.
    AtLeast {
        /// Minimum number of sub-criteria that hold.
        at_least: u32,
        /// Sub-criteria.
        of: Vec<Criterion>,
    },
    /// At most `at_most` sub-criteria hold.
    AtMost {
        /// Maximum number of sub-criteria that hold.
        at_most: u32,
        /// Sub-criteria.
        of: Vec<Criterion>,
    },
    /// Age, sex and place at the index date.
    Demographics {
        /// The conditions.
        demographics: Demographics,
    },
    /// A count of events in a window.
    Events(Box<EventCount>),
    /// A count of a nested cohort's entries overlapping a window.
    InCohort(Box<CohortCount>),
}

/// Conditions on the person at the index date (each absent one holds). When `departements`
/// or `regions` are given, the person must live in one of the départements or in one of the
/// regions listed; an unknown residence matches neither.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
pub struct Demographics {
    /// Age in completed years at the index start.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub age: Option<AgeRange>,
    /// `male` or `female`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sex: Option<Sex>,
    /// Départements of residence (INSEE codes: `75`, `2A`, `971`); any of them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub departements: Vec<String>,
    /// Regions of residence (2016 INSEE codes: 11 Île-de-France, 84...); any of them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub regions: Vec<u8>,
}

/// Inclusive age range in years.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
pub struct AgeRange {
    /// Minimum age (inclusive).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min: Option<u32>,
    /// Maximum age (inclusive).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<u32>,
}

/// Sex.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Sex {
    /// `BEN_SEX_COD` 1.
    Male,
    /// `BEN_SEX_COD` 2.
    Female,
}

impl JsonSchema for Sex {
    fn schema_name() -> Cow<'static, str> {
        "Sex".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        names_schema(
            "Sex.",
            &[("male", "`BEN_SEX_COD` 1."), ("female", "`BEN_SEX_COD` 2.")],
            "The same in upper case or with spaces around (`Male`), read as written above.",
        )
    }
}

impl Sex {
    /// SNDS code.
    pub fn code(self) -> u8 {
        match self {
            Sex::Male => crate::model::sex::MALE,
            Sex::Female => crate::model::sex::FEMALE,
        }
    }
}

/// Days relative to the index, both inclusive; a missing bound is unbounded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
pub struct Window {
    /// First day (negative = before the index), inclusive.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start: Option<i32>,
    /// Last day, inclusive.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end: Option<i32>,
}

/// Which date of the index event a window or a fixed exit counts from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Anchor {
    /// The index event's start (default).
    #[default]
    IndexStart,
    /// The index event's end (discharge of a stay, end of an ALD period).
    IndexEnd,
}

impl Anchor {
    fn is_default(&self) -> bool {
        *self == Anchor::IndexStart
    }
}

/// How many occurrences are required (default: at least 1). `exactly` excludes the others.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Count {
    /// At least this many.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at_least: Option<u32>,
    /// At most this many.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at_most: Option<u32>,
    /// Exactly this many.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exactly: Option<u32>,
}

impl Default for Count {
    fn default() -> Self {
        Count {
            at_least: Some(1),
            at_most: None,
            exactly: None,
        }
    }
}

impl Count {
    fn is_default(&self) -> bool {
        *self == Count::default()
    }
    /// Inclusive bounds `(min, max)` of the accepted count.
    pub fn bounds(&self) -> (u32, u32) {
        match self.exactly {
            Some(n) => (n, n),
            None => (self.at_least.unwrap_or(0), self.at_most.unwrap_or(u32::MAX)),
        }
    }
}

/// Events of a filter counted in a window around the index.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct EventCount {
    /// The events counted.
    #[serde(flatten)]
    pub filter: EventFilter,
    /// The window (default: the whole observation period).
    #[serde(default, skip_serializing_if = "is_unbounded")]
    pub window: Window,
    /// Index date the window counts from.
    #[serde(default, skip_serializing_if = "Anchor::is_default")]
    pub relative_to: Anchor,
    /// Required count (default: at least 1).
    #[serde(default, skip_serializing_if = "Count::is_default")]
    pub count: Count,
    /// Count distinct dates rather than events.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub distinct_dates: bool,
}

fn is_unbounded(w: &Window) -> bool {
    w.start.is_none() && w.end.is_none()
}

/// Entries of a nested cohort (one of the definition's `cohorts`) overlapping a window.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct CohortCount {
    /// Name of the nested cohort.
    pub in_cohort: String,
    /// The window (default: the whole observation period).
    #[serde(default, skip_serializing_if = "is_unbounded")]
    pub window: Window,
    /// Index date the window counts from.
    #[serde(default, skip_serializing_if = "Anchor::is_default")]
    pub relative_to: Anchor,
    /// Required number of overlapping entries (default: at least 1).
    #[serde(default, skip_serializing_if = "Count::is_default")]
    pub count: Count,
}

/// When a cohort entry ends (before censoring and the end of observation cut it).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Exit {
    /// At the end of the observation period (default).
    #[default]
    EndOfObservation,
    /// A fixed number of days after the index.
    Fixed {
        /// Days after the anchor (0 = the same day).
        days: u32,
        /// Index date the days count from.
        #[serde(default, skip_serializing_if = "Anchor::is_default")]
        from: Anchor,
    },
    /// At the end of continuous exposure to a drug concept set covering the index date. Each
    /// dispensing covers `boxes × days_per_box` days from its date; exposures separated by at
    /// most `gap` uncovered days join; `extension` days are added at the end. When no exposure
    /// covers the index date the entry ends on its index date.
    DrugExposure {
        /// Concept set of ATC or CIP13 codes.
        concept_set: String,
        /// Days one box covers; absent: the pack's own (`referential::packs()`), 30 if unknown.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        days_per_box: Option<u32>,
        /// Uncovered days allowed between two exposures (default 30).
        #[serde(default = "default_gap")]
        gap: u32,
        /// Days added after the last covered day.
        #[serde(default, skip_serializing_if = "is_zero")]
        extension: u32,
    },
    /// At death; the same date as the end of observation for people who die during the data,
    /// the end of the data for the others.
    Death,
}

fn default_gap() -> u32 {
    30
}

impl Exit {
    fn is_default(&self) -> bool {
        *self == Exit::EndOfObservation
    }
}

impl Definition {
    /// Parse and validate a JSON document. On failure returns [`Error::Definition`] listing every
    /// error (warnings do not block: see [`validate_json`]).
    pub fn from_json(text: &str) -> Result<Definition> {
        let v = validate_json(text);
        match v.definition {
            Some(d) if !v.problems.iter().any(|p| p.severity == Severity::Error) => Ok(d),
            _ => Err(Error::Definition(
                v.problems
                    .into_iter()
                    .filter(|p| p.severity == Severity::Error)
                    .collect(),
            )),
        }
    }

    /// Validate a JSON value (already parsed), as [`Definition::from_json`].
    pub fn from_value(value: serde_json::Value) -> Result<Definition> {
        let v = validate_value(value);
        match v.definition {
            Some(d) if !v.problems.iter().any(|p| p.severity == Severity::Error) => Ok(d),
            _ => Err(Error::Definition(
                v.problems
                    .into_iter()
                    .filter(|p| p.severity == Severity::Error)
                    .collect(),
            )),
        }
    }

    /// The document, pretty-printed, at the current version.
    pub fn to_json(&self) -> String {
        // Serialising these plain data types cannot fail (no maps with non-string keys).
        serde_json::to_string_pretty(self).unwrap_or_default()
    }

    /// Every problem of the meaning (errors and warnings), with paths.
    pub fn check(&self) -> Vec<Problem> {
        let mut problems = Vec::new();
        check::check(self, "", &salvage::Holes::new(), &mut problems);
        problems
    }

    /// Only the warnings of [`Definition::check`].
    pub fn warnings(&self) -> Vec<Problem> {
        self.check()
            .into_iter()
            .filter(|p| p.severity == Severity::Warning)
            .collect()
    }

    /// Errors of [`Definition::check`] as an [`Error::Definition`], or `Ok(())`.
    pub fn ensure_valid(&self) -> Result<()> {
        let errors: Vec<Problem> = self
            .check()
            .into_iter()
            .filter(|p| p.severity == Severity::Error)
            .collect();
        if errors.is_empty() {
            Ok(())
        } else {
            Err(Error::Definition(errors))
        }
    }

    /// The concept set named `name`.
    pub fn concept_set(&self, name: &str) -> Option<&ConceptSet> {
        self.concept_sets.iter().find(|c| c.name == name)
    }
}

/// The outcome of validating a document: the definition when it could be read, and every problem
/// (errors and warnings).
#[derive(Debug, Clone, Serialize)]
pub struct Validation {
    /// The definition, when its structure (and its version) is valid; it may still have errors
    /// of meaning.
    #[serde(skip)]
    pub definition: Option<Definition>,
    /// Every problem found.
    pub problems: Vec<Problem>,
}

impl Validation {
    /// Whether there is no error (warnings allowed).
    pub fn is_valid(&self) -> bool {
        self.definition.is_some() && !self.problems.iter().any(|p| p.severity == Severity::Error)
    }
}

/// Validate a JSON document, returning the definition (when readable) and every problem.
pub fn validate_json(text: &str) -> Validation {
    match crate::json::parse(text) {
        Ok(v) => validate_value(v),
        Err(message) => Validation {
            definition: None,
            problems: vec![Problem {
                path: String::new(),
                message,
                severity: Severity::Error,
            }],
        },
    }
}

/// Validate a parsed JSON value, as [`validate_json`].
pub fn validate_value(mut value: serde_json::Value) -> Validation {
    let mut problems = Vec::new();
    if !value.is_object() {
        problems.push(Problem {
            path: String::new(),
            message: "expected an object (a cohort definition)".into(),
            severity: Severity::Error,
        });
        return Validation {
            definition: None,
            problems,
        };
    }
    migrate_at(&mut value, "", None, &mut problems);
    let unknown_refs = walk::walk_definition(&mut value, "", &mut problems);
    let structure_ok = problems.is_empty();
    // With structural errors, the malformed parts become placeholders (holes) and the checks of
    // meaning run on the rest.
    let (readable, holes) = if structure_ok {
        (Some(value), salvage::Holes::new())
    } else {
        match salvage::salvage(&value, &problems) {
            Some((v, h)) => (Some(v), h),
            None => (None, salvage::Holes::new()),
        }
    };
    let mut definition = None;
    match readable.map(serde_json::from_value::<Definition>) {
        Some(Ok(d)) => {
            check::check(&d, "", &holes, &mut problems);
            if structure_ok {
                definition = Some(d);
            }
        }
        Some(Err(e)) if structure_ok => problems.push(Problem {
            path: String::new(),
            message: format!("cannot read the definition: {e}"),
            severity: Severity::Error,
        }),
        _ => {}
    }
    // Unknown references inside malformed parts (the others were just reported, at their path).
    for r in unknown_refs {
        if !problems.iter().any(|p| p.path == r.path) {
            problems.push(r);
        }
    }
    Validation {
        definition,
        problems,
    }
}

/// Bring a document of an older version to [`CURRENT_VERSION`], in place (nested cohorts too,
/// each by its own `version`, or by the enclosing document's when it has none).
///
/// Version 1 called concept sets `concepts` and bounded windows with `from`/`to`; version 2
/// says `concept_sets` and `start`/`end`. A document without `version` is an error (the field
/// says which rules to read it with); a version newer than this library is an error too. On an
/// error the first problem is returned and the document is left as the current version would
/// read it (the validation goes on that way to report the other problems).
pub fn migrate(value: &mut serde_json::Value) -> std::result::Result<(), Problem> {
    if !value.is_object() {
        return Err(Problem {
            path: String::new(),
            message: "expected an object (a cohort definition)".into(),
            severity: Severity::Error,
        });
    }
    let mut problems = Vec::new();
    migrate_at(value, "", None, &mut problems);
    match problems.into_iter().next() {
        Some(p) => Err(p),
        None => Ok(()),
    }
}

/// `inherited`: the version of the enclosing document, which a nested cohort without its own
/// `version` follows. A missing (at the top), malformed or unknown version is reported and the
/// current version assumed. Nested cohorts that are not objects are left to the walk.
fn migrate_at(
    value: &mut serde_json::Value,
    path: &str,
    inherited: Option<u64>,
    problems: &mut Vec<Problem>,
) {
    let vpath = format!("{path}version");
    let mut err = |message: String| {
        problems.push(Problem {
            path: vpath.clone(),
            message,
            severity: Severity::Error,
        })
    };
    let Some(obj) = value.as_object_mut() else {
        return;
    };
    let current = u64::from(CURRENT_VERSION);
    let version = match (obj.get("version"), inherited) {
        (None, Some(v)) => v,
        (None, None) => {
            err(format!(
                "missing; expected the format version (current: {CURRENT_VERSION})"
            ));
            current
        }
        (Some(v), _) => match v.as_u64() {
            Some(n) if (1..=current).contains(&n) => n,
            Some(n) => {
                err(format!(
                    "version {n} is not known to this version of Cohorte (expected 1 to {CURRENT_VERSION}); read as version {CURRENT_VERSION}"
                ));
                current
            }
            None => {
                err(format!(
                    "expected an integer format version (1 to {CURRENT_VERSION}), found {v}"
                ));
                current
            }
        },
    };
    obj.insert("version".into(), serde_json::Value::from(version));
    if version == 1 {
        migrate_v1(value);
    }
    if let Some(cohorts) = value.get_mut("cohorts").and_then(|c| c.as_array_mut()) {
        for (i, c) in cohorts.iter_mut().enumerate() {
            migrate_at(c, &format!("{path}cohorts[{i}]."), Some(version), problems);
        }
    }
}

/// Version 1 to 2: `concepts` becomes `concept_sets`, window `from`/`to` become `start`/`end`.
fn migrate_v1(value: &mut serde_json::Value) {
    use serde_json::Value;
    fn windows(v: &mut Value) {
        match v {
            Value::Object(m) => {
                if let Some(Value::Object(w)) = m.get_mut("window") {
                    if let Some(f) = w.remove("from") {
                        w.insert("start".into(), f);
                    }
                    if let Some(t) = w.remove("to") {
                        w.insert("end".into(), t);
                    }
                }
                for (k, child) in m.iter_mut() {
                    // Nested cohorts are migrated by their own version.
                    if k != "cohorts" {
                        windows(child);
                    }
                }
            }
            Value::Array(a) => a.iter_mut().for_each(windows),
            _ => {}
        }
    }
    windows(value);
    if let Some(m) = value.as_object_mut() {
        if let Some(c) = m.remove("concepts") {
            m.insert("concept_sets".into(), c);
        }
        m.insert("version".into(), Value::from(CURRENT_VERSION));
    }
}

/// The JSON Schema of a definition (draft 2020-12): the committed
/// `core/schema/cohort-definition.schema.json`, which a test keeps equal to
/// [`generate_json_schema`]. Returning the committed text keeps the schema generator out of the
/// bindings (about 28 KB of the gzipped wasm module).
pub fn json_schema() -> String {
    include_str!("../../schema/cohort-definition.schema.json").to_string()
}

/// The JSON Schema of a definition generated from the types (what the committed file must equal).
pub fn generate_json_schema() -> String {
    let schema = schemars::schema_for!(Definition);
    let mut s = serde_json::to_string_pretty(&schema).unwrap_or_default();
    s.push('\n');
    s
}
