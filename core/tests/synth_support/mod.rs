//! Helpers shared by the tests that read a generated population.

use std::sync::OnceLock;

use cohorte_core::model::{Event, Population};
use cohorte_core::synth::{generate, SynthConfig};

/// A population generated once per test binary and shared by its tests.
pub fn generated(
    cell: &'static OnceLock<Population>,
    seed: u64,
    patients: u32,
) -> &'static Population {
    cell.get_or_init(|| {
        generate(&SynthConfig {
            seed,
            patients,
            ..SynthConfig::default()
        })
        .expect("generation succeeds")
    })
}

/// Each patient's events (the generator returns them grouped by patient, in patient order).
pub fn by_patient(pop: &Population) -> Vec<&[Event]> {
    let mut out = Vec::with_capacity(pop.patients.len());
    let mut i = 0;
    for p in 0..pop.patients.len() as u32 {
        let start = i;
        while i < pop.events.len() && pop.events[i].patient == p {
            i += 1;
        }
        out.push(&pop.events[start..i]);
    }
    assert_eq!(
        i,
        pop.events.len(),
        "events are grouped by patient in order"
    );
    out
}
