//! Aggregate arguments as the faces send them (JSON values: Python's `json.dumps`, JavaScript
//! objects through `serde_json`), read once here so that Python and JavaScript accept the same
//! arguments and report the same errors.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{Dim, IncidenceOptions, Outcome, PrevalenceOptions, SurvivalOptions};
use crate::dates;
use crate::error::{Error, Result};
use crate::model::{CodeSystem, EventKind};
use crate::store::EventStore;

/// Options over the defaults of `T`: every key the defaults serialise may be given (null or
/// absent keeps the default), any other key is an error naming it and the known ones.
pub fn over_defaults<T: Serialize + DeserializeOwned + Default>(
    given: Value,
    what: &str,
) -> Result<T> {
    let given = match given {
        Value::Null => serde_json::Map::new(),
        Value::Object(m) => m,
        other => {
            return Err(Error::invalid(format!(
                "{what}: expected an object, found {other}"
            )))
        }
    };
    let Value::Object(mut merged) =
        serde_json::to_value(T::default()).map_err(|e| Error::invalid(format!("{what}: {e}")))?
    else {
        return Err(Error::invalid(format!("{what}: not an object")));
    };
    for (k, v) in given {
        if !merged.contains_key(&k) {
            let known: Vec<&str> = merged.keys().map(String::as_str).collect();
            return Err(Error::invalid(format!(
                "{what}: unknown option {k:?} (expected one of {})",
                known.join(", ")
            )));
        }
        if !v.is_null() {
            merged.insert(k, v);
        }
    }
    serde_json::from_value(Value::Object(merged))
        .map_err(|e| Error::invalid(format!("{what}: {e}")))
}

/// One outcome code: `{event, system, code}` or `[event, system, code]`.
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

/// An outcome from `"death"` or a list of `{event, system, code}` (or `[event, system, code]`)
/// codes, each code meaning itself and its descendants.
pub fn outcome(store: &EventStore, value: Value) -> Result<Outcome<'static>> {
    let spec: OutcomeSpec = serde_json::from_value(value).map_err(|_| {
        Error::invalid(
            "outcome: expected \"death\" or a list of {event, system, code} \
             (event: dispensing, diagnosis, stay, act, ald)",
        )
    })?;
    let codes = match spec {
        OutcomeSpec::Named(n) if n == "death" => return Ok(Outcome::death()),
        OutcomeSpec::Named(n) => {
            return Err(Error::invalid(format!(
                "outcome: expected \"death\" or a list of codes, found {n:?}"
            )))
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
        parsed.push((event, CodeSystem::parse(system)?, code.as_str()));
    }
    Outcome::from_codes(store, &parsed)
}

/// Strata and the usual knobs of rate-like aggregates.
#[derive(Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
struct RateArgs {
    dims: Vec<Dim>,
    margins: bool,
    per: Option<f64>,
    level: Option<f64>,
    first_entry_only: Option<bool>,
}

fn rate_args(value: Value, what: &str) -> Result<RateArgs> {
    if value.is_null() {
        return Ok(RateArgs::default());
    }
    serde_json::from_value(value).map_err(|e| Error::invalid(format!("{what} options: {e}")))
}

/// Incidence options `{dims, margins, per, level, first_entry_only}` over the defaults of
/// [`IncidenceOptions::new`].
pub fn incidence_options(
    outcome: Outcome<'static>,
    value: Value,
) -> Result<IncidenceOptions<'static>> {
    let args = rate_args(value, "incidence")?;
    let mut opts = IncidenceOptions::new(outcome);
    opts.dims = args.dims;
    opts.margins = args.margins;
    opts.per = args.per.unwrap_or(opts.per);
    opts.level = args.level.unwrap_or(opts.level);
    opts.first_entry_only = args.first_entry_only.unwrap_or(opts.first_entry_only);
    Ok(opts)
}

/// Prevalence options at `date` (`YYYY-MM-DD`) with `{dims, margins, level}` over the defaults
/// of [`PrevalenceOptions::at`].
pub fn prevalence_options(date: &str, value: Value) -> Result<PrevalenceOptions> {
    // per and first_entry_only are accepted with the incidence's keys and do not apply.
    let args = rate_args(value, "prevalence")?;
    let mut opts = PrevalenceOptions::at(dates::parse_arg("date", date)?);
    opts.dims = args.dims;
    opts.margins = args.margins;
    opts.level = args.level.unwrap_or(opts.level);
    Ok(opts)
}

/// Options of a Kaplan–Meier analysis.
#[derive(Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
struct KmArgs {
    times: Vec<i64>,
    level: Option<f64>,
    first_entry_only: Option<bool>,
}

/// Survival options `{times, level, first_entry_only}` over the defaults of
/// [`SurvivalOptions::new`].
pub fn survival_options(
    outcome: Outcome<'static>,
    value: Value,
) -> Result<SurvivalOptions<'static>> {
    let args: KmArgs = if value.is_null() {
        KmArgs::default()
    } else {
        serde_json::from_value(value).map_err(|e| Error::invalid(format!("km options: {e}")))?
    };
    let mut opts = SurvivalOptions::new(outcome);
    opts.times = args.times;
    opts.level = args.level.unwrap_or(opts.level);
    opts.first_entry_only = args.first_entry_only.unwrap_or(opts.first_entry_only);
    Ok(opts)
}
