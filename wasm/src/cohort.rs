//! `Cohort`: the rows and attrition of an evaluated definition, its set operations and its
//! aggregates. Every aggregate leaves through the disclosure layer
//! (`cohorte_core::disclosure`) with the caller's `k` (default 10): no unprotected table
//! reaches JavaScript.

use std::rc::Rc;

use cohorte_core::aggregate::{
    self, Aggregate, BaselineOptions, CountOptions, Dim, IncidenceOptions, Outcome, PathwayOptions,
    PrevalenceOptions, SurvivalOptions,
};
use cohorte_core::disclosure::{self, Protection};
use cohorte_core::engine::{self, Attrition};
use cohorte_core::model::{CodeSystem, CohortRows, EventKind};
use cohorte_core::store::EventStore;
use cohorte_core::{dates, Error};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use wasm_bindgen::prelude::*;

use crate::dataset::Inner;
use crate::{convert, errors};

/// Disclosure threshold when the caller gives none (docs/decisions.md: cells under 10 patients hidden).
const DEFAULT_K: u32 = 10;

/// A cohort: one row per entry (person, index date, exit date) and its attrition.
#[wasm_bindgen(js_name = Cohort)]
pub struct JsCohort {
    data: Rc<Inner>,
    rows: CohortRows,
    attrition: Attrition,
}

impl JsCohort {
    pub(crate) fn new(data: Rc<Inner>, rows: CohortRows, attrition: Attrition) -> JsCohort {
        JsCohort {
            data,
            rows,
            attrition,
        }
    }

    fn baseline(
        &self,
        other: Option<&JsCohort>,
        options: JsValue,
        k: Option<u32>,
    ) -> Result<JsValue, JsValue> {
        let mut json: serde_json::Map<String, Value> = convert::options(options, "table1 options")?;
        let mut label = |key: &str, default: &str| match json.remove(key) {
            None | Some(Value::Null) => Ok(default.to_string()),
            Some(Value::String(s)) => Ok(s),
            Some(v) => Err(errors::to_js(Error::invalid(format!(
                "table1 options: {key}: expected a string, found {v}"
            )))),
        };
        let name = label("name", "cohort")?;
        let other_name = label("other_name", "other")?;
        let opts: BaselineOptions = merge_defaults(json, "table1 options")?;
        let mut cohorts: Vec<(&str, &CohortRows)> = vec![(name.as_str(), &self.rows)];
        if let Some(o) = other {
            if !Rc::ptr_eq(&self.data, &o.data) {
                return Err(errors::to_js(Error::invalid(
                    "table1: the other cohort was evaluated on another dataset",
                )));
            }
            cohorts.push((other_name.as_str(), &o.rows));
        }
        protected(aggregate::baseline(self.store(), &cohorts, &opts), k)
    }

    fn store(&self) -> &EventStore {
        &self.data.store
    }

    fn set_op(
        &self,
        other: &JsCohort,
        op: fn(&CohortRows, &CohortRows) -> CohortRows,
    ) -> Result<JsCohort, JsValue> {
        if !Rc::ptr_eq(&self.data, &other.data) {
            return Err(errors::to_js(Error::invalid(
                "set operations need two cohorts of the same dataset",
            )));
        }
        Ok(JsCohort::new(
            Rc::clone(&self.data),
            op(&self.rows, &other.rows),
            Attrition::default(),
        ))
    }
}

/// One outcome code, as an object `{event, system, code}` or a triple `[event, system, code]`.
#[derive(Deserialize)]
#[serde(untagged)]
enum OutcomeCode {
    Object {
        event: EventKind,
        system: String,
        code: String,
    },
    Triple(EventKind, String, String),
}

/// An outcome: `"death"` or a list of codes.
#[derive(Deserialize)]
#[serde(untagged)]
enum OutcomeSpec {
    Named(String),
    Codes(Vec<OutcomeCode>),
}

fn outcome(store: &EventStore, value: JsValue) -> Result<Outcome<'static>, JsValue> {
    let json = convert::js_to_json(value, "outcome")?;
    let spec: OutcomeSpec = serde_json::from_value(json).map_err(|_| {
        errors::to_js(Error::invalid(
            "outcome: expected \"death\" or a list of {event, system, code} \
             (event: dispensing, diagnosis, stay, act, ald)",
        ))
    })?;
    let codes = match spec {
        OutcomeSpec::Named(n) if n == "death" => return Ok(Outcome::death()),
        OutcomeSpec::Named(n) => {
            return Err(errors::to_js(Error::invalid(format!(
                "outcome: expected \"death\" or a list of codes, found {n:?}"
            ))))
        }
        OutcomeSpec::Codes(codes) => codes,
    };
    let mut parsed = Vec::with_capacity(codes.len());
    for c in &codes {
        let (event, system, code) = match c {
            OutcomeCode::Object {
                event,
                system,
                code,
            }
            | OutcomeCode::Triple(event, system, code) => (*event, system, code),
        };
        let system = CodeSystem::parse(system).map_err(errors::to_js)?;
        parsed.push((event, system, code.as_str()));
    }
    Outcome::from_codes(store, &parsed).map_err(errors::to_js)
}

/// Options over the core's defaults: every key the defaults serialise may be given, any other
/// is an error naming it.
fn with_defaults<T: Serialize + DeserializeOwned + Default>(
    value: JsValue,
    what: &str,
) -> Result<T, JsValue> {
    merge_defaults(convert::options(value, what)?, what)
}

fn merge_defaults<T: Serialize + DeserializeOwned + Default>(
    given: serde_json::Map<String, Value>,
    what: &str,
) -> Result<T, JsValue> {
    let Value::Object(mut merged) = serde_json::to_value(T::default())
        .map_err(|e| errors::error("internal", &format!("{what}: {e}")))?
    else {
        return Err(errors::error("internal", &format!("{what}: not an object")));
    };
    for (k, v) in given {
        if !merged.contains_key(&k) {
            let known: Vec<&str> = merged.keys().map(String::as_str).collect();
            return Err(errors::to_js(Error::invalid(format!(
                "{what}: unknown option {k:?} (expected one of {})",
                known.join(", ")
            ))));
        }
        merged.insert(k, v);
    }
    serde_json::from_value(Value::Object(merged))
        .map_err(|e| errors::to_js(Error::invalid(format!("{what}: {e}"))))
}

/// Strata and the usual knobs of rate-like aggregates.
#[derive(Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
struct RateOptions {
    dims: Vec<Dim>,
    margins: bool,
    per: Option<f64>,
    level: Option<f64>,
    first_entry_only: Option<bool>,
}

/// Options of `km`.
#[derive(Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
struct KmOptions {
    times: Vec<i64>,
    level: Option<f64>,
    first_entry_only: Option<bool>,
}

/// A protected aggregate as a plain object `{name, k, columns, rows, notes}`.
fn aggregate_js(agg: &Aggregate) -> Result<Value, JsValue> {
    let columns: Vec<Value> = agg
        .batch
        .schema()
        .fields()
        .iter()
        .map(|f| Value::String(f.name().clone()))
        .collect();
    Ok(serde_json::json!({
        "name": agg.name,
        "k": agg.protected_k,
        "columns": columns,
        "rows": convert::records(&agg.batch)?,
        "notes": agg.notes,
    }))
}

fn protected(agg: cohorte_core::Result<Aggregate>, k: Option<u32>) -> Result<JsValue, JsValue> {
    let mut agg = agg.map_err(errors::to_js)?;
    disclosure::protect_one(&mut agg, k.unwrap_or(DEFAULT_K)).map_err(errors::to_js)?;
    convert::json_to_js(&aggregate_js(&agg)?)
}

#[wasm_bindgen(js_class = Cohort)]
impl JsCohort {
    /// Number of distinct persons.
    #[wasm_bindgen(getter, js_name = nPersons)]
    pub fn n_persons(&self) -> u32 {
        self.rows.n_persons() as u32
    }

    /// Number of entries (rows).
    #[wasm_bindgen(getter, js_name = nEntries)]
    pub fn n_entries(&self) -> u32 {
        self.rows.len() as u32
    }

    /// The rows as an Arrow IPC stream: `person_id` (Utf8, the `BEN_NIR_PSA`), `BEN_RNG_GEM`
    /// (UInt8: twins share `BEN_NIR_PSA`), `index_date`, `exit_date` (Date32, exit inclusive). `tableFromIPC(bytes)` of apache-arrow reads it.
    pub fn persons(&self) -> Result<Vec<u8>, JsValue> {
        let batch =
            engine::rows_to_record_batch(self.store(), &self.rows).map_err(errors::to_js)?;
        convert::ipc(&batch)
    }

    /// Patient index (in the dataset) of each row.
    #[wasm_bindgen(js_name = personIndices)]
    pub fn person_indices(&self) -> Vec<u32> {
        self.rows.person.clone()
    }

    /// `BEN_NIR_PSA` of each row.
    #[wasm_bindgen(js_name = personIds)]
    pub fn person_ids(&self) -> Vec<String> {
        let nir = &self.store().patients.nir;
        self.rows
            .person
            .iter()
            .map(|&p| nir.get(p as usize).cloned().unwrap_or_default())
            .collect()
    }

    /// Index date of each row, in days since 1970-01-01 (Arrow's Date32).
    #[wasm_bindgen(js_name = indexDates)]
    pub fn index_dates(&self) -> Vec<i32> {
        self.rows.start.clone()
    }

    /// Exit date (inclusive) of each row, in days since 1970-01-01.
    #[wasm_bindgen(js_name = exitDates)]
    pub fn exit_dates(&self) -> Vec<i32> {
        self.rows.end.clone()
    }

    /// The attrition: the entry, then one step per inclusion rule (empty for the result of a
    /// set operation).
    #[wasm_bindgen(unchecked_return_type = "AttritionStep[]")]
    pub fn attrition(&self) -> Result<JsValue, JsValue> {
        convert::to_js(&self.attrition.steps)
    }

    /// The attrition after disclosure control with threshold `k` (default 10): no count shown,
    /// nor any difference of two counts shown (the dataset's number of patients included), is
    /// from 1 to k − 1; a masked cell is `null` with its `*Masked` flag set
    /// (`cohorte_core::disclosure::attrition`). The public view shows only this one.
    #[wasm_bindgen(js_name = protectedAttrition, unchecked_return_type = "ProtectedAttrition")]
    pub fn protected_attrition(&self, k: Option<u32>) -> Result<JsValue, JsValue> {
        let population = Some(self.store().n_patients() as u64);
        let p = disclosure::attrition::protect_attrition(
            &self.attrition,
            k.unwrap_or(DEFAULT_K),
            population,
        )
        .map_err(errors::to_js)?;
        convert::to_js(&p)
    }

    /// The attrition as an Arrow IPC stream (columns of `Attrition::to_record_batch`).
    #[wasm_bindgen(js_name = attritionIpc)]
    pub fn attrition_ipc(&self) -> Result<Vec<u8>, JsValue> {
        convert::ipc(&self.attrition.to_record_batch().map_err(errors::to_js)?)
    }

    /// Entries of either cohort (overlapping periods merged).
    pub fn union(&self, other: &JsCohort) -> Result<JsCohort, JsValue> {
        self.set_op(other, engine::union)
    }

    /// Periods common to both cohorts.
    pub fn intersection(&self, other: &JsCohort) -> Result<JsCohort, JsValue> {
        self.set_op(other, engine::intersection)
    }

    /// Periods of this cohort outside the other's.
    pub fn difference(&self, other: &JsCohort) -> Result<JsCohort, JsValue> {
        self.set_op(other, engine::difference)
    }

    /// Counts of persons and entries by strata at index.
    #[wasm_bindgen(unchecked_return_type = "Aggregate")]
    pub fn counts(
        &self,
        #[wasm_bindgen(unchecked_param_type = "CountOptions | undefined")] options: JsValue,
        k: Option<u32>,
    ) -> Result<JsValue, JsValue> {
        let opts: CountOptions = with_defaults(options, "counts options")?;
        protected(aggregate::counts(self.store(), &self.rows, &opts), k)
    }

    /// Incidence of an outcome during follow-up, per `per` person-years.
    #[wasm_bindgen(unchecked_return_type = "Aggregate")]
    pub fn incidence(
        &self,
        #[wasm_bindgen(unchecked_param_type = "OutcomeSpec")] outcome: JsValue,
        #[wasm_bindgen(unchecked_param_type = "RateOptions | undefined")] options: JsValue,
        k: Option<u32>,
    ) -> Result<JsValue, JsValue> {
        let args: RateOptions = convert::options(options, "incidence options")?;
        let mut opts = IncidenceOptions::new(self::outcome(self.store(), outcome)?);
        opts.dims = args.dims;
        opts.margins = args.margins;
        opts.per = args.per.unwrap_or(opts.per);
        opts.level = args.level.unwrap_or(opts.level);
        opts.first_entry_only = args.first_entry_only.unwrap_or(opts.first_entry_only);
        protected(aggregate::incidence(self.store(), &self.rows, &opts), k)
    }

    /// Prevalence of the cohort at a date (`YYYY-MM-DD`) among the persons observed that day.
    #[wasm_bindgen(unchecked_return_type = "Aggregate")]
    pub fn prevalence(
        &self,
        date: &str,
        #[wasm_bindgen(unchecked_param_type = "RateOptions | undefined")] options: JsValue,
        k: Option<u32>,
    ) -> Result<JsValue, JsValue> {
        let args: RateOptions = convert::options(options, "prevalence options")?;
        let mut opts =
            PrevalenceOptions::at(dates::parse_arg("date", date).map_err(errors::to_js)?);
        opts.dims = args.dims;
        opts.margins = args.margins;
        opts.level = args.level.unwrap_or(opts.level);
        protected(aggregate::prevalence(self.store(), &self.rows, &opts), k)
    }

    /// Kaplan–Meier analysis of the time to an outcome: `{curve, atRisk, summary}`, protected
    /// together.
    #[wasm_bindgen(unchecked_return_type = "KaplanMeier")]
    pub fn km(
        &self,
        #[wasm_bindgen(unchecked_param_type = "OutcomeSpec")] outcome: JsValue,
        #[wasm_bindgen(unchecked_param_type = "KmOptions | undefined")] options: JsValue,
        k: Option<u32>,
    ) -> Result<JsValue, JsValue> {
        let args: KmOptions = convert::options(options, "km options")?;
        let mut opts = SurvivalOptions::new(self::outcome(self.store(), outcome)?);
        opts.times = args.times;
        opts.level = args.level.unwrap_or(opts.level);
        opts.first_entry_only = args.first_entry_only.unwrap_or(opts.first_entry_only);
        opts.min_step = k.unwrap_or(DEFAULT_K);
        let km = aggregate::kaplan_meier(self.store(), &self.rows, &opts).map_err(errors::to_js)?;
        let mut aggs = vec![km.curve, km.at_risk, km.summary];
        disclosure::protect(&mut aggs, &Protection::k(k.unwrap_or(DEFAULT_K)))
            .map_err(errors::to_js)?;
        convert::json_to_js(&serde_json::json!({
            "curve": aggregate_js(&aggs[0])?,
            "atRisk": aggregate_js(&aggs[1])?,
            "summary": aggregate_js(&aggs[2])?,
        }))
    }

    /// Baseline characteristics ("Table 1") of this cohort. `options.name` labels its column
    /// (default `cohort`).
    #[wasm_bindgen(unchecked_return_type = "Aggregate")]
    pub fn table1(
        &self,
        #[wasm_bindgen(unchecked_param_type = "Table1Options | undefined")] options: JsValue,
        k: Option<u32>,
    ) -> Result<JsValue, JsValue> {
        self.baseline(None, options, k)
    }

    /// Baseline characteristics of this cohort and `other` (a cohort of the same dataset) side
    /// by side. `options.name` / `options.otherName` label the columns (default `cohort` /
    /// `other`).
    #[wasm_bindgen(js_name = table1With, unchecked_return_type = "Aggregate")]
    pub fn table1_with(
        &self,
        other: &JsCohort,
        #[wasm_bindgen(unchecked_param_type = "Table1Options | undefined")] options: JsValue,
        k: Option<u32>,
    ) -> Result<JsValue, JsValue> {
        self.baseline(Some(other), options, k)
    }

    /// Treatment pathways after index: sequences of drug classes.
    #[wasm_bindgen(unchecked_return_type = "Aggregate")]
    pub fn pathways(
        &self,
        #[wasm_bindgen(unchecked_param_type = "PathwayOptions | undefined")] options: JsValue,
        k: Option<u32>,
    ) -> Result<JsValue, JsValue> {
        let mut opts: PathwayOptions = with_defaults(options, "pathways options")?;
        opts.min_count = k.unwrap_or(DEFAULT_K);
        protected(aggregate::pathways(self.store(), &self.rows, &opts), k)
    }
}
