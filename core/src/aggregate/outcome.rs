//! Outcomes for incidence and survival: the first event of a concept set after an index date.

use std::ops::Range;

use crate::dates::Day;
use crate::error::{Error, Result};
use crate::model::{CodeSystem, EventKind};
use crate::store::EventStore;

/// Signature of a custom outcome: `(store, patient, index) -> first outcome date after index`.
pub type OutcomeFn<'a> = dyn Fn(&EventStore, usize, Day) -> Option<Day> + 'a;

/// An outcome: either a set of (event kind, code id range) pairs, as a concept set resolves to
/// in the store's sorted dictionaries, or any function over the store.
pub enum Outcome<'a> {
    /// Events of one of these kinds whose code id falls in the range (death: `0..1`).
    Codes(Vec<(EventKind, Range<u32>)>),
    /// A function returning the first outcome date strictly after the index date.
    Custom(&'a OutcomeFn<'a>),
}

impl std::fmt::Debug for Outcome<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Outcome::Codes(c) => f.debug_tuple("Codes").field(c).finish(),
            Outcome::Custom(_) => f.write_str("Custom(..)"),
        }
    }
}

impl Outcome<'_> {
    /// Feed what identifies the outcome to a fingerprint (a custom outcome by its address).
    pub(crate) fn fingerprint(&self, f: &mut super::Fingerprint) {
        match self {
            Outcome::Codes(c) => {
                f.bytes(format!("{c:?}").as_bytes());
            }
            Outcome::Custom(g) => {
                f.bytes(format!("custom {:p}", *g as *const OutcomeFn<'_>).as_bytes());
            }
        }
    }

    /// Outcome from codes: `(kind, system, code)` triples, each code meaning itself and its
    /// descendants (`I21` = every I21x). ATC and CIP13 codes go with [`EventKind::Dispensing`].
    pub fn from_codes(store: &EventStore, codes: &[(EventKind, CodeSystem, &str)]) -> Result<Self> {
        let mut out = Vec::new();
        for (i, (kind, system, code)) in codes.iter().enumerate() {
            let compatible = matches!(
                (kind, system),
                (EventKind::Dispensing, CodeSystem::Atc | CodeSystem::Cip13)
                    | (
                        EventKind::Diagnosis | EventKind::Stay | EventKind::Ald,
                        CodeSystem::Icd10
                    )
                    | (EventKind::Act, CodeSystem::Ccam)
            );
            if !compatible {
                return Err(Error::invalid(format!(
                    "outcome codes[{i}]: {} events are not coded in {system}",
                    kind.name()
                )));
            }
            out.push((*kind, store.code_ids(*system, code)));
        }
        Ok(Outcome::Codes(out))
    }

    /// Death as the outcome.
    pub fn death() -> Self {
        Outcome::Codes(vec![(EventKind::Death, 0..1)])
    }

    /// First outcome date strictly after `index` for `patient`.
    pub fn first_after(&self, store: &EventStore, patient: usize, index: Day) -> Option<Day> {
        match self {
            Outcome::Custom(f) => f(store, patient, index).filter(|d| *d > index),
            Outcome::Codes(sets) => {
                let r = store.events_of(patient);
                let dates = &store.date[r.clone()];
                let from = r.start + dates.partition_point(|d| *d <= index);
                (from..r.end)
                    .find(|&i| {
                        sets.iter().any(|(k, range)| {
                            store.kind_u8(i) == *k as u8 && range.contains(&store.code[i])
                        })
                    })
                    .map(|i| store.date[i])
            }
        }
    }
}
