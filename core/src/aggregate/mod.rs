//! Aggregates over a cohort (docs/decisions.md §5): counts by strata, incidence rates, prevalence,
//! Kaplan–Meier survival, baseline characterisation ("Table 1") and treatment pathways.
//!
//! Every aggregate takes `(&EventStore, &CohortRows, options)` and returns an [`Aggregate`]: an
//! Arrow [`RecordBatch`] whose columns are documented on the function that builds it, plus what
//! the disclosure layer ([`crate::disclosure`]) needs to know to protect it: which columns count
//! distinct patients (primary suppression applies), which values are derived from which counts
//! (masked with them) and which columns are strata (a null stratum marks a margin, the total over
//! that stratum, so margins give the additive relations used for complementary suppression).
//!
//! Dates are days; a cohort entry's follow-up runs from its index (start) to the earliest of its
//! exit (end, inclusive), the patient's death and the end of the data.

use std::sync::Arc;

use arrow_array::{
    Array, ArrayRef, BooleanArray, Float64Array, Int64Array, RecordBatch, StringArray,
};
use arrow_schema::{DataType, Field, Schema};

use crate::dates::{self, Day};
use crate::error::{Error, Result};
use crate::model::CohortRows;
use crate::store::EventStore;

pub mod baseline;
pub mod counts;
pub mod incidence;
pub mod outcome;
pub mod pathways;
pub(crate) mod refs;
pub mod survival;

pub use baseline::{baseline, BaselineOptions};
pub use counts::{counts, dispensings, CountOptions, DispensingOptions};
pub use incidence::{incidence, prevalence, IncidenceOptions, PrevalenceOptions};
pub use outcome::Outcome;
pub use pathways::{pathways, PathwayOptions};
pub use survival::{kaplan_meier, KaplanMeier, SurvivalOptions};

/// A value derived from patient counts of the same row: masked whenever one of them is.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Derived {
    /// The derived column (a rate, a share, a mean, a bound, an event count...).
    pub column: String,
    /// The patient-count columns of the same row it is computed from.
    pub from: Vec<String>,
}

/// One aggregate table, ready for the disclosure layer.
#[derive(Debug, Clone)]
pub struct Aggregate {
    /// Short name (`counts`, `incidence`, `km_curve`...).
    pub name: String,
    /// The table. Once protected, masked cells are null and each count or derived column `c`
    /// is followed by a boolean `c_masked`.
    pub batch: RecordBatch,
    /// Strata columns (strings). A null stratum marks a margin: the row totals over it.
    pub dims: Vec<String>,
    /// Columns counting distinct patients (Int64): primary suppression applies to them.
    pub patient_counts: Vec<String>,
    /// Derived columns and the counts they depend on.
    pub derived: Vec<Derived>,
    /// `(count, total)` pairs: `count` is also masked when `total - count` is a small non-zero
    /// number (the patients *without* a characteristic are a cell too).
    pub complements: Vec<(String, String)>,
    /// Notes on method and masking, in the order they were added.
    pub notes: Vec<String>,
    /// The threshold k it was protected with; `None` while unprotected.
    pub protected_k: Option<u32>,
}

impl Aggregate {
    /// Number of rows.
    pub fn num_rows(&self) -> usize {
        self.batch.num_rows()
    }

    /// Column by name, as an error naming the aggregate and the column when absent.
    pub fn column(&self, name: &str) -> Result<&ArrayRef> {
        self.batch
            .column_by_name(name)
            .ok_or_else(|| Error::Aggregate(format!("aggregate {}: no column {name}", self.name)))
    }

    /// An Int64 column's values (`None` = null or masked).
    pub fn ints(&self, name: &str) -> Result<Vec<Option<i64>>> {
        let c = self.column(name)?;
        let a = c.as_any().downcast_ref::<Int64Array>().ok_or_else(|| {
            Error::Aggregate(format!(
                "aggregate {}: column {name} is not Int64",
                self.name
            ))
        })?;
        Ok(a.iter().collect())
    }

    /// A Float64 column's values (`None` = null or masked).
    pub fn floats(&self, name: &str) -> Result<Vec<Option<f64>>> {
        let c = self.column(name)?;
        let a = c.as_any().downcast_ref::<Float64Array>().ok_or_else(|| {
            Error::Aggregate(format!(
                "aggregate {}: column {name} is not Float64",
                self.name
            ))
        })?;
        Ok(a.iter().collect())
    }

    /// A string column's values (`None` = null: a margin for a stratum).
    pub fn strings(&self, name: &str) -> Result<Vec<Option<String>>> {
        let c = self.column(name)?;
        let a = c.as_any().downcast_ref::<StringArray>().ok_or_else(|| {
            Error::Aggregate(format!(
                "aggregate {}: column {name} is not Utf8",
                self.name
            ))
        })?;
        Ok(a.iter().map(|v| v.map(str::to_string)).collect())
    }

    /// The `<column>_masked` flags of a protected aggregate (`None` when the column has none).
    pub fn masked(&self, name: &str) -> Option<Vec<bool>> {
        let c = self.batch.column_by_name(&format!("{name}_masked"))?;
        let a = c.as_any().downcast_ref::<BooleanArray>()?;
        Some((0..a.len()).map(|i| a.is_valid(i) && a.value(i)).collect())
    }
}

/// A column under construction.
#[derive(Debug, Clone)]
pub(crate) enum Col {
    Str(Vec<Option<String>>),
    Int(Vec<Option<i64>>),
    Float(Vec<Option<f64>>),
}

/// A Float64 column value: non-finite numbers become null.
pub(crate) fn fin(v: f64) -> Option<f64> {
    v.is_finite().then_some(v)
}

/// Build a record batch from named columns (all of the same length).
pub(crate) fn make_batch(cols: Vec<(String, Col)>) -> Result<RecordBatch> {
    let mut fields = Vec::with_capacity(cols.len());
    let mut arrays: Vec<ArrayRef> = Vec::with_capacity(cols.len());
    for (name, col) in cols {
        let (dt, arr): (DataType, ArrayRef) = match col {
            Col::Str(v) => (DataType::Utf8, Arc::new(StringArray::from(v))),
            Col::Int(v) => (DataType::Int64, Arc::new(Int64Array::from(v))),
            Col::Float(v) => (
                DataType::Float64,
                Arc::new(Float64Array::from(
                    v.into_iter().map(|x| x.and_then(fin)).collect::<Vec<_>>(),
                )),
            ),
        };
        fields.push(Field::new(name, dt, true));
        arrays.push(arr);
    }
    Ok(RecordBatch::try_new(Arc::new(Schema::new(fields)), arrays)?)
}

/// Schema metadata key naming what a table counts: the cohort (a fingerprint of its rows) and
/// the measure (the aggregate and the options that change who is counted). The disclosure
/// layer links tables (a cell of one is the margin of another) only when they carry the same
/// value; a table without it is linked with the other tables without it.
pub const METADATA_POPULATION: &str = "cohorte.population";

/// Prefix of the schema metadata keys `cohorte.persons.<column>`: the column counts the
/// distinct persons of a cohort, a measure several aggregates share (counts, incidence, Table 1,
/// pathways). Its value is [`persons_measure`]; the disclosure layer makes cells of such columns
/// with equal values and equal strata one cell, whatever table publishes them.
pub const METADATA_PERSONS: &str = "cohorte.persons.";

/// The distinct persons of a cohort counted with strata taken at each entry (`first_only`
/// false) or at each person's first entry. When every person has one entry, or when the strata
/// do not change from one entry to another (sex, region, département), both are the same
/// measure.
pub(crate) fn persons_measure(
    store: &EventStore,
    rows: &CohortRows,
    dims: &[Dim],
    first_only: bool,
) -> String {
    let constant = dims
        .iter()
        .all(|d| matches!(d, Dim::Sex | Dim::Region | Dim::Dept));
    let one_each = {
        let mut p = rows.person.clone();
        p.sort_unstable();
        p.dedup();
        p.len() == rows.len()
    };
    let first = first_only || constant || one_each;
    Fingerprint::new("persons")
        .rows(store, rows)
        .int(i64::from(first))
        .finish()
}

/// The batch with `cohorte.persons.<column>` set for each `(column, measure)`.
pub(crate) fn with_persons(batch: RecordBatch, columns: &[(&str, String)]) -> RecordBatch {
    let mut md = batch.schema().metadata().clone();
    for (c, m) in columns {
        md.insert(format!("{METADATA_PERSONS}{c}"), m.clone());
    }
    let schema = Arc::new(batch.schema().as_ref().clone().with_metadata(md));
    batch.clone().with_schema(schema).unwrap_or(batch)
}

/// FNV-1a over bytes, as a stable fingerprint.
pub(crate) struct Fingerprint(u64);

impl Fingerprint {
    pub(crate) fn new(what: &str) -> Self {
        let mut f = Fingerprint(0xcbf2_9ce4_8422_2325);
        f.bytes(what.as_bytes());
        f
    }

    pub(crate) fn bytes(&mut self, b: &[u8]) -> &mut Self {
        for x in b {
            self.0 ^= u64::from(*x);
            self.0 = self.0.wrapping_mul(0x0100_0000_01b3);
        }
        self
    }

    pub(crate) fn int(&mut self, v: i64) -> &mut Self {
        self.bytes(&v.to_le_bytes())
    }

    /// The cohort rows and the store they refer to.
    pub(crate) fn rows(&mut self, store: &EventStore, rows: &CohortRows) -> &mut Self {
        self.int(store.n_patients() as i64)
            .int(i64::from(store.data_start))
            .int(i64::from(store.data_end))
            .int(rows.len() as i64);
        for i in 0..rows.len() {
            self.int(i64::from(rows.person[i]))
                .int(i64::from(rows.start[i]))
                .int(i64::from(rows.end[i]));
        }
        self
    }

    pub(crate) fn finish(&self) -> String {
        format!("{:016x}", self.0)
    }
}

/// The batch with its [`METADATA_POPULATION`] set.
pub(crate) fn with_population(batch: RecordBatch, population: &str) -> RecordBatch {
    let mut md = batch.schema().metadata().clone();
    md.insert(METADATA_POPULATION.to_string(), population.to_string());
    let schema = Arc::new(batch.schema().as_ref().clone().with_metadata(md));
    // Same columns, only the metadata changes: cannot fail.
    batch.clone().with_schema(schema).unwrap_or(batch)
}

impl Aggregate {
    /// The [`METADATA_PERSONS`] measure of a column, when it counts the persons of a cohort.
    pub fn persons_measure(&self, column: &str) -> Option<String> {
        self.batch
            .schema()
            .metadata()
            .get(&format!("{METADATA_PERSONS}{column}"))
            .cloned()
    }

    /// The [`METADATA_POPULATION`] of the table (empty when not set).
    pub fn population(&self) -> String {
        self.batch
            .schema()
            .metadata()
            .get(METADATA_POPULATION)
            .cloned()
            .unwrap_or_default()
    }
}

/// Age bandings used by the strata (docs/decisions.md §5, docs/snds-facts.md §6).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AgeBands {
    /// 5-year bands `00-04`, `05-09`, …, `90-94`, `95+` (the Data pathologies banding).
    Five,
    /// 10-year bands `00-09`, …, `80-89`, `90+`.
    Ten,
    /// Open Medic / Open Bio: `0-19`, `20-59`, `60+`.
    OpenMedic,
    /// Open DAMIR (`AGE_BEN_SNDS`): `0-19`, `20-29`, …, `70-79`, `80+`.
    OpenDamir,
    /// Custom lower bounds, increasing (e.g. `[0, 18, 65]`); ages below the first are `<first`.
    Custom(Vec<u32>),
}

impl AgeBands {
    /// Lower bounds of the bands.
    pub fn cuts(&self) -> Vec<u32> {
        match self {
            AgeBands::Five => (0..=95).step_by(5).collect(),
            AgeBands::Ten => (0..=90).step_by(10).collect(),
            AgeBands::OpenMedic => vec![0, 20, 60],
            AgeBands::OpenDamir => vec![0, 20, 30, 40, 50, 60, 70, 80],
            AgeBands::Custom(c) => c.clone(),
        }
    }

    /// Check custom cut points (non-empty, strictly increasing).
    pub fn validate(&self) -> Result<()> {
        let c = self.cuts();
        if c.is_empty() {
            return Err(Error::invalid("age bands: custom cut points are empty"));
        }
        if let Some(w) = c.windows(2).find(|w| w[0] >= w[1]) {
            return Err(Error::invalid(format!(
                "age bands: custom cut points must increase strictly, found {} then {}",
                w[0], w[1]
            )));
        }
        Ok(())
    }

    /// Band label of an age in completed years.
    pub fn label(&self, age: i32) -> String {
        let cuts = self.cuts();
        let pad = matches!(self, AgeBands::Five | AgeBands::Ten);
        let age = age.max(0) as u32;
        let Some(first) = cuts.first() else {
            return "all".into();
        };
        if age < *first {
            return format!("<{first}");
        }
        let i = cuts.partition_point(|c| *c <= age) - 1;
        let lo = cuts[i];
        match cuts.get(i + 1) {
            Some(hi) if pad => format!("{lo:02}-{:02}", hi - 1),
            Some(hi) => format!("{lo}-{}", hi - 1),
            None => format!("{lo}+"),
        }
    }
}

/// A stratum of an aggregate. Each gives one Utf8 column named by [`Dim::column`].
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Dim {
    /// Age band at the reference date (index, or the prevalence date), column `age_band`.
    AgeBand(AgeBands),
    /// Sex code `1` (male), `2` (female), `9` (unknown), column `sex`.
    Sex,
    /// 2016 INSEE region code (`84`), `99` when unknown, column `region`.
    Region,
    /// Département code (`69`, `2A`, `971`), `99` when unknown, column `dept`.
    Dept,
    /// Calendar year of the reference date (`2021`), column `year`.
    Year,
    /// Calendar month of the reference date (`2021-03`), column `month`.
    Month,
}

impl Dim {
    /// Column name of the stratum.
    pub fn column(&self) -> &'static str {
        match self {
            Dim::AgeBand(_) => "age_band",
            Dim::Sex => "sex",
            Dim::Region => "region",
            Dim::Dept => "dept",
            Dim::Year => "year",
            Dim::Month => "month",
        }
    }

    /// Value of the stratum for a patient at a date.
    pub fn value(&self, store: &EventStore, patient: usize, at: Day) -> String {
        match self {
            Dim::AgeBand(b) => b.label(dates::age_at(store.patients.birth[patient], at)),
            Dim::Sex => match store.patients.sex[patient] {
                1 => "1".into(),
                2 => "2".into(),
                _ => "9".into(),
            },
            Dim::Region => refs::region_of_dept(store.patients.dept[patient])
                .map_or_else(|| "99".to_string(), |r| format!("{r:02}")),
            Dim::Dept => {
                refs::dept_code(store.patients.dept[patient]).unwrap_or_else(|| "99".to_string())
            }
            Dim::Year => dates::year(at).to_string(),
            Dim::Month => {
                let (y, m, _) = dates::to_ymd(at);
                format!("{y:04}-{m:02}")
            }
        }
    }
}

/// Check a list of strata: valid age bands, no stratum twice.
pub(crate) fn validate_dims(dims: &[Dim]) -> Result<()> {
    for (i, d) in dims.iter().enumerate() {
        if let Dim::AgeBand(b) = d {
            b.validate()?;
        }
        if dims[..i].iter().any(|e| e.column() == d.column()) {
            return Err(Error::invalid(format!(
                "strata: {} is given twice",
                d.column()
            )));
        }
    }
    if dims.len() > 8 {
        return Err(Error::invalid("strata: at most 8 strata"));
    }
    Ok(())
}

/// Check that cohort rows refer to patients of the store and have start ≤ end.
pub(crate) fn check_rows(store: &EventStore, rows: &CohortRows) -> Result<()> {
    if rows.start.len() != rows.person.len() || rows.end.len() != rows.person.len() {
        return Err(Error::invalid(format!(
            "cohort rows: person, start and end have different lengths ({}, {}, {})",
            rows.person.len(),
            rows.start.len(),
            rows.end.len()
        )));
    }
    let n = store.n_patients();
    for i in 0..rows.len() {
        if rows.person[i] as usize >= n {
            return Err(Error::invalid(format!(
                "cohort rows: row {i} refers to patient {} but the store has {n} patients",
                rows.person[i]
            )));
        }
        if rows.end[i] < rows.start[i] {
            return Err(Error::invalid(format!(
                "cohort rows: row {i} ends ({}) before it starts ({})",
                dates::format(rows.end[i]),
                dates::format(rows.start[i])
            )));
        }
    }
    Ok(())
}

/// Last day of follow-up of a cohort entry: its exit, the patient's death or the end of the
/// data, whichever comes first.
pub(crate) fn follow_up_end(store: &EventStore, patient: usize, exit: Day) -> Day {
    exit.min(store.patients.death[patient]).min(store.data_end)
}

/// Indices of the rows kept: all, or the first entry of each person (rows are sorted by
/// person then start, but this does not rely on it).
pub(crate) fn entries(rows: &CohortRows, first_only: bool) -> Vec<usize> {
    let mut idx: Vec<usize> = (0..rows.len()).collect();
    if first_only {
        idx.sort_by_key(|&i| (rows.person[i], rows.start[i]));
        idx.dedup_by_key(|i| rows.person[*i]);
    }
    idx
}

/// Key of a cell while grouping: (grouping-set order, strata values; None = margin).
pub(crate) type GroupKey = (u32, Vec<Option<String>>);

/// Every subset of `n` strata as a mask (bit i set = stratum i kept), full detail first.
pub(crate) fn grouping_sets(n: usize, margins: bool) -> Vec<u32> {
    let full = (1u32 << n) - 1;
    if !margins {
        return vec![full];
    }
    let mut sets: Vec<u32> = (0..=full).collect();
    sets.sort_by_key(|s| (std::cmp::Reverse(s.count_ones()), std::cmp::Reverse(*s)));
    sets
}

/// Apply a grouping set to a full stratum key (None = margin).
pub(crate) fn project(key: &[String], set: u32) -> Vec<Option<String>> {
    key.iter()
        .enumerate()
        .map(|(i, v)| (set & (1 << i) != 0).then(|| v.clone()))
        .collect()
}
