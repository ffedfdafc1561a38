//! Hand-written populations of the worked cohort fixtures (`fixtures/cohorts/*/population.json`,
//! format in `fixtures/README.md`), read into a [`Population`]. Public so the Python and
//! WebAssembly faces load the very same populations as the Rust tests.
//!
//! ```json
//! { "data_start": "2019-01-01", "data_end": "2023-12-31",
//!   "patients": [ { "id": "P1", "sex": "male", "birth": "1950-06-15", "death": null,
//!                   "departement": "75",
//!                   "events": [ { "type": "dispensing", "date": "2020-01-10", "code": "A10BA02",
//!                                 "boxes": 1 } ] } ] }
//! ```
//!
//! Dispensings give the ATC7 in `code` and optionally the pack in `cip13`; without a pack the
//! loader uses a pseudo pack `<ATC7>-PACK` (absent from the referential, so a drug exposure
//! exit without `days_per_box` counts 30 days per box). A stay's `code` is its main diagnosis
//! and `end` its discharge date; an ALD period may have an `end`. A patient's `death` adds a
//! death event.

use serde_json::{Map, Value};

use crate::dates::Day;
use crate::error::{Error, Result};
use crate::model::{sex, Event, EventKind, Patient, Population, Role, DEPT_UNKNOWN};

fn bad(path: &str, message: impl std::fmt::Display) -> Error {
    Error::Format {
        path: format!("population.json: {path}"),
        message: message.to_string(),
    }
}

fn date(v: Option<&Value>, path: &str) -> Result<Day> {
    let s = v
        .and_then(|v| v.as_str())
        .ok_or_else(|| bad(path, "expected a date such as \"2021-03-09\""))?;
    crate::dates::parse(s).map_err(|m| bad(path, m))
}

fn opt_date(m: &Map<String, Value>, k: &str, path: &str) -> Result<Option<Day>> {
    match m.get(k) {
        None | Some(Value::Null) => Ok(None),
        v => date(v, &format!("{path}.{k}")).map(Some),
    }
}

fn string<'a>(m: &'a Map<String, Value>, k: &str, path: &str) -> Result<&'a str> {
    m.get(k)
        .and_then(|v| v.as_str())
        .ok_or_else(|| bad(&format!("{path}.{k}"), "expected a string"))
}

/// Read a fixture population from its JSON text.
pub fn load_population(json: &str) -> Result<Population> {
    let root: Value = crate::json::parse(json).map_err(|m| bad("", m))?;
    let root = root
        .as_object()
        .ok_or_else(|| bad("", "expected an object"))?;
    let mut pop = Population {
        data_start: date(root.get("data_start"), "data_start")?,
        data_end: date(root.get("data_end"), "data_end")?,
        ..Default::default()
    };
    let patients = root
        .get("patients")
        .and_then(|v| v.as_array())
        .ok_or_else(|| bad("patients", "expected a list of patients"))?;
    for (pi, pv) in patients.iter().enumerate() {
        let path = format!("patients[{pi}]");
        let pm = pv
            .as_object()
            .ok_or_else(|| bad(&path, "expected an object"))?;
        let sex_code = match pm.get("sex").and_then(|v| v.as_str()) {
            Some("male") => sex::MALE,
            Some("female") => sex::FEMALE,
            None | Some("unknown") => sex::UNKNOWN,
            Some(other) => {
                return Err(bad(
                    &format!("{path}.sex"),
                    format!("expected \"male\", \"female\" or \"unknown\", found {other:?}"),
                ))
            }
        };
        let dept = match pm.get("departement").and_then(|v| v.as_str()) {
            None => DEPT_UNKNOWN,
            Some(code) => crate::referential::dept_index(code).ok_or_else(|| {
                bad(
                    &format!("{path}.departement"),
                    format!("unknown département {code:?}"),
                )
            })?,
        };
        let death = opt_date(pm, "death", &path)?;
        let id = pop.patients.len() as u32;
        pop.patients.push(Patient {
            nir: string(pm, "id", &path)?.to_string(),
            rank: 1,
            sex: sex_code,
            birth: date(pm.get("birth"), &format!("{path}.birth"))?,
            death,
            dept,
        });
        let ev = |kind, start, end, code, value, role| Event {
            patient: id,
            kind,
            role,
            start,
            end,
            code,
            value,
            stay: 0,
        };
        if let Some(d) = death {
            pop.events
                .push(ev(EventKind::Death, d, d, 0, 0, Role::None));
        }
        let events = match pm.get("events") {
            None => continue,
            Some(v) => v
                .as_array()
                .ok_or_else(|| bad(&format!("{path}.events"), "expected a list"))?,
        };
        for (ei, e) in events.iter().enumerate() {
            let epath = format!("{path}.events[{ei}]");
            let em = e
                .as_object()
                .ok_or_else(|| bad(&epath, "expected an object"))?;
            let start = date(em.get("date"), &format!("{epath}.date"))?;
            let end = opt_date(em, "end", &epath)?;
            let ty = string(em, "type", &epath)?;
            let int = |k: &str, default: i64| -> Result<i64> {
                match em.get(k) {
                    None => Ok(default),
                    Some(v) => v
                        .as_i64()
                        .ok_or_else(|| bad(&format!("{epath}.{k}"), "expected an integer")),
                }
            };
            let event = match ty {
                "dispensing" => {
                    let atc = string(em, "code", &epath)?;
                    let cip = match em.get("cip13").and_then(|v| v.as_str()) {
                        Some(c) => c.to_string(),
                        None => format!("{atc}-PACK"),
                    };
                    let code = pop.dicts.intern_drug(&cip, atc);
                    let boxes = int("boxes", 1)?;
                    ev(
                        EventKind::Dispensing,
                        start,
                        start,
                        code,
                        boxes as i32,
                        Role::None,
                    )
                }
                "diagnosis" => {
                    let code = pop.dicts.icd10.intern(string(em, "code", &epath)?);
                    let role = match em.get("role").and_then(|v| v.as_str()) {
                        Some("DP") => Role::DP,
                        Some("DR") => Role::DR,
                        Some("DAS") => Role::DAS,
                        Some("ALD") => Role::ALD,
                        None => Role::None,
                        Some(o) => {
                            return Err(bad(
                                &format!("{epath}.role"),
                                format!("expected DP, DR, DAS or ALD, found {o:?}"),
                            ))
                        }
                    };
                    ev(EventKind::Diagnosis, start, start, code, 0, role)
                }
                "stay" => {
                    let code = pop.dicts.icd10.intern(string(em, "code", &epath)?);
                    let end = end.unwrap_or(start);
                    ev(EventKind::Stay, start, end, code, end - start, Role::None)
                }
                "act" => {
                    let code = pop.dicts.ccam.intern(string(em, "code", &epath)?);
                    ev(EventKind::Act, start, start, code, 1, Role::None)
                }
                "ald" => {
                    let code = pop.dicts.icd10.intern(string(em, "code", &epath)?);
                    let end = end.unwrap_or(crate::dates::MAX_DAY);
                    ev(EventKind::Ald, start, end, code, 0, Role::None)
                }
                other => {
                    return Err(bad(
                        &format!("{epath}.type"),
                        format!(
                            "expected dispensing, diagnosis, stay, act or ald, found {other:?}"
                        ),
                    ))
                }
            };
            if event.end < event.start {
                return Err(bad(&format!("{epath}.end"), "ends before it starts"));
            }
            pop.events.push(event);
        }
    }
    Ok(pop)
}
