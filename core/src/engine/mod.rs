//! Evaluation of cohort definitions on the event store (semantics: [`crate::definition`]).
//!
//! A definition is first compiled against the store: each concept set becomes a few code-id
//! ranges of the store's sorted dictionaries ([`EventStore::code_ids`]: a prefix is one range),
//! minus the ranges of its exclusions, stored as a bit set over the dictionary so that testing an
//! event is one load. Then every patient is evaluated in one sequential pass over its slice of
//! the patient-major store: a scan for the entry events, then, for each index event and rule, a
//! binary search by date to the window and a scan of the window only. Buffers are reused from
//! patient to patient; nothing is allocated per event. With the `parallel` feature, patients are split in
//! chunks evaluated on rayon's threads and concatenated in patient order, so the output is the
//! same as with one thread.
//!
//! Results are cohort rows ([`CohortRows`]: one row per cohort entry after era collapse) and the
//! [`Attrition`]: for the entry then for each rule in order, the persons and index events still
//! in, what the rule removed, and what the rule would keep alone.
//!
//! ```
//! use cohorte_core::{definition::Definition, engine, fixture, store::EventStore};
//!
//! let pop = fixture::load_population(r#"{
//!   "data_start": "2020-01-01", "data_end": "2022-12-31",
//!   "patients": [
//!     { "id": "P1", "sex": "female", "birth": "1950-06-15", "events": [
//!       { "type": "dispensing", "date": "2021-03-01", "code": "A10BA02" } ] },
//!     { "id": "P2", "sex": "male", "birth": "1990-06-15", "events": [
//!       { "type": "dispensing", "date": "2020-02-01", "code": "A10BA02" } ] } ] }"#)?;
//! let def = Definition::from_json(r#"{
//!   "version": 2, "name": "new metformin users",
//!   "concept_sets": [{ "name": "metformin", "system": "ATC", "codes": ["A10BA02"] }],
//!   "entry": { "events": [{ "event": "dispensing", "concept_set": "metformin" }],
//!              "prior_observation": 365 },
//!   "exit": { "type": "fixed", "days": 30 } }"#)?;
//! let store = EventStore::build(&pop);
//! let cohort = engine::evaluate(&store, &def)?;
//! // P2's first dispensing comes 31 days after the data start: not a new user for sure.
//! assert_eq!(cohort.rows.person, vec![0]);
//! assert_eq!(cohort.attrition.steps[0].persons, 1);
//! let batch = cohort.to_record_batch(&store)?; // person_id, index_date, exit_date
//! assert_eq!(batch.num_rows(), 1);
//! # Ok::<(), cohorte_core::Error>(())
//! ```

mod dataset;
mod eval;
mod plan;
#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
mod scan;
mod sets;

use std::sync::Arc;

use arrow_array::{
    ArrayRef, Date32Array, RecordBatch, StringArray, UInt32Array, UInt64Array, UInt8Array,
};
use arrow_schema::{DataType, Field, Schema};

use crate::definition::Definition;
use crate::error::Result;
use crate::model::CohortRows;
use crate::store::EventStore;

pub use sets::{difference, intersection, union};

/// Patients per work unit of the parallel evaluation: small enough to balance the threads and
/// to be exercised by the tests' populations of a few thousand patients, large enough that the
/// per-chunk buffers cost nothing next to the evaluation. Lists of candidates are shared out
/// by a quarter of this: each candidate costs more than a patient of a plain range.
#[cfg(feature = "parallel")]
const CHUNK: usize = 1024;

/// One step of the attrition: the entry (step 0) or one inclusion rule.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct AttritionStep {
    /// `entry` for step 0, else the rule's name.
    pub name: String,
    /// Persons with at least one index event left after this step (and every earlier one).
    pub persons: u64,
    /// Index events left after this step.
    pub events: u64,
    /// Persons this step removed (0 for the entry).
    pub lost_persons: u64,
    /// Index events this step removed (0 for the entry).
    pub lost_events: u64,
    /// Persons with at least one index event satisfying this rule alone, the other rules
    /// ignored (for the entry: all persons with an index event).
    pub alone_persons: u64,
    /// Index events satisfying this rule alone.
    pub alone_events: u64,
}

/// The attrition of a cohort, step by step.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Attrition {
    /// The entry step, then one step per inclusion rule, in order.
    pub steps: Vec<AttritionStep>,
}

impl Attrition {
    /// As an Arrow record batch with columns `step` (UInt32, 0 = entry), `name` (Utf8),
    /// `persons`, `events`, `lost_persons`, `lost_events`, `alone_persons`, `alone_events`
    /// (UInt64).
    pub fn to_record_batch(&self) -> Result<RecordBatch> {
        let u64s = |f: fn(&AttritionStep) -> u64| -> ArrayRef {
            Arc::new(UInt64Array::from_iter_values(self.steps.iter().map(f)))
        };
        let schema = Schema::new(vec![
            Field::new("step", DataType::UInt32, false),
            Field::new("name", DataType::Utf8, false),
            Field::new("persons", DataType::UInt64, false),
            Field::new("events", DataType::UInt64, false),
            Field::new("lost_persons", DataType::UInt64, false),
            Field::new("lost_events", DataType::UInt64, false),
            Field::new("alone_persons", DataType::UInt64, false),
            Field::new("alone_events", DataType::UInt64, false),
        ]);
        let columns: Vec<ArrayRef> = vec![
            Arc::new(UInt32Array::from_iter_values(0..self.steps.len() as u32)),
            Arc::new(StringArray::from_iter_values(
                self.steps.iter().map(|s| s.name.as_str()),
            )),
            u64s(|s| s.persons),
            u64s(|s| s.events),
            u64s(|s| s.lost_persons),
            u64s(|s| s.lost_events),
            u64s(|s| s.alone_persons),
            u64s(|s| s.alone_events),
        ];
        Ok(RecordBatch::try_new(Arc::new(schema), columns)?)
    }
}

/// The result of evaluating a definition.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CohortResult {
    /// Cohort entries, sorted by (person, start).
    pub rows: CohortRows,
    /// Persons and index events after each step.
    pub attrition: Attrition,
}

impl CohortResult {
    /// The rows as an Arrow record batch (see [`rows_to_record_batch`]).
    pub fn to_record_batch(&self, store: &EventStore) -> Result<RecordBatch> {
        rows_to_record_batch(store, &self.rows)
    }
}

/// Cohort rows as an Arrow record batch: `person_id` (Utf8, the `BEN_NIR_PSA`), `BEN_RNG_GEM`
/// (UInt8, the birth rank that tells twins apart: a person is the pair), `index_date` and
/// `exit_date` (Date32, exit inclusive).
pub fn rows_to_record_batch(store: &EventStore, rows: &CohortRows) -> Result<RecordBatch> {
    let nir = &store.patients.nir;
    let mut ids = Vec::with_capacity(rows.len());
    let mut ranks = Vec::with_capacity(rows.len());
    for (k, &p) in rows.person.iter().enumerate() {
        match nir.get(p as usize) {
            Some(n) => {
                ids.push(n.as_str());
                ranks.push(store.patients.rank.get(p as usize).copied().unwrap_or(1));
            }
            None => {
                return Err(crate::Error::invalid(format!(
                    "cohort row {k}: person {p} is not in this dataset ({} persons)",
                    nir.len()
                )))
            }
        }
    }
    let schema = Schema::new(vec![
        Field::new("person_id", DataType::Utf8, false),
        Field::new("BEN_RNG_GEM", DataType::UInt8, false),
        Field::new("index_date", DataType::Date32, false),
        Field::new("exit_date", DataType::Date32, false),
    ]);
    let columns: Vec<ArrayRef> = vec![
        Arc::new(StringArray::from_iter_values(ids)),
        Arc::new(UInt8Array::from(ranks)),
        Arc::new(Date32Array::from(rows.start.clone())),
        Arc::new(Date32Array::from(rows.end.clone())),
    ];
    Ok(RecordBatch::try_new(Arc::new(schema), columns)?)
}

/// Evaluate a definition on a store. Returns [`crate::Error::Definition`] when the definition
/// has errors (see [`Definition::check`]).
pub fn evaluate(store: &EventStore, def: &Definition) -> Result<CohortResult> {
    let plan = plan::compile(store, def)?;
    let ctx = eval::Ctx {
        store,
        pack_days: if plan.needs_pack_days {
            plan::pack_days(store)
        } else {
            Vec::new()
        },
    };
    let n = store.n_patients();
    #[cfg(feature = "parallel")]
    let (rows, counts) = {
        use rayon::prelude::*;
        // Candidates are listed once for the whole store, then shared out among the threads.
        let parts: Vec<(CohortRows, eval::Counts)> = match eval::candidates(&ctx, &plan, 0..n) {
            Some(list) => list
                .par_chunks(CHUNK / 4)
                .map(|l| eval::run_list(&ctx, &plan, l))
                .collect(),
            None => (0..n.div_ceil(CHUNK))
                .into_par_iter()
                .map(|c| eval::run_range(&ctx, &plan, c * CHUNK..((c + 1) * CHUNK).min(n)))
                .collect(),
        };
        let mut rows = CohortRows::default();
        let mut counts = eval::Counts::new(plan.rules.len());
        for (r, c) in parts {
            rows.person.extend(r.person);
            rows.start.extend(r.start);
            rows.end.extend(r.end);
            counts.add(&c);
        }
        (rows, counts)
    };
    #[cfg(not(feature = "parallel"))]
    let (rows, counts) = eval::run(&ctx, &plan, 0..n);

    let mut steps = Vec::with_capacity(def.inclusion.len() + 1);
    for k in 0..=def.inclusion.len() {
        let (prev_p, prev_e) = if k == 0 {
            (counts.persons[0], counts.events[0])
        } else {
            (counts.persons[k - 1], counts.events[k - 1])
        };
        steps.push(AttritionStep {
            name: if k == 0 {
                "entry".to_string()
            } else {
                def.inclusion[k - 1].name.clone()
            },
            persons: counts.persons[k],
            events: counts.events[k],
            lost_persons: prev_p - counts.persons[k],
            lost_events: prev_e - counts.events[k],
            alone_persons: if k == 0 {
                counts.persons[0]
            } else {
                counts.alone_persons[k - 1]
            },
            alone_events: if k == 0 {
                counts.events[0]
            } else {
                counts.alone_events[k - 1]
            },
        });
    }
    Ok(CohortResult {
        rows,
        attrition: Attrition { steps },
    })
}
