//! Hand-built populations for the aggregate tests.
#![allow(dead_code)]

use cohorte_core::dates::{from_ymd, Day};
use cohorte_core::model::{CohortRows, Event, EventKind, Patient, Population, Role};
use cohorte_core::EventStore;

/// A population with data from 2015-01-01 to 2022-12-31 and no patients yet.
pub fn population() -> Population {
    Population {
        data_start: from_ymd(2015, 1, 1),
        data_end: from_ymd(2022, 12, 31),
        ..Default::default()
    }
}

/// Add a patient; returns its index.
pub fn patient(pop: &mut Population, sex: u8, birth: Day, death: Option<Day>, dept: u8) -> u32 {
    pop.patients.push(Patient {
        nir: format!("P{:016}", pop.patients.len()),
        rank: 1,
        sex,
        birth,
        death,
        dept,
    });
    pop.patients.len() as u32 - 1
}

/// A point event.
pub fn event(
    pop: &mut Population,
    patient: u32,
    kind: EventKind,
    start: Day,
    code: u32,
    value: i32,
) {
    pop.events.push(Event {
        patient,
        kind,
        role: if kind == EventKind::Diagnosis {
            Role::DP
        } else {
            Role::None
        },
        start,
        end: start,
        code,
        value,
        stay: 0,
    });
}

/// A dispensing of one pack of `atc7` (one made-up pack code per ATC code).
pub fn dispense(pop: &mut Population, patient: u32, start: Day, atc7: &str, boxes: i32) {
    let cip = format!("CIP-{atc7}");
    let code = pop.dicts.intern_drug(&cip, atc7);
    event(pop, patient, EventKind::Dispensing, start, code, boxes);
}

/// A main diagnosis.
pub fn diagnose(pop: &mut Population, patient: u32, start: Day, icd10: &str) {
    let code = pop.dicts.icd10.intern(icd10);
    event(pop, patient, EventKind::Diagnosis, start, code, 0);
}

/// Cohort rows from `(person, start, end)` triples (sorted as the engine sorts them).
pub fn rows(mut r: Vec<(u32, Day, Day)>) -> CohortRows {
    r.sort();
    CohortRows {
        person: r.iter().map(|x| x.0).collect(),
        start: r.iter().map(|x| x.1).collect(),
        end: r.iter().map(|x| x.2).collect(),
    }
}

pub fn store(pop: &Population) -> EventStore {
    EventStore::build(pop)
}
