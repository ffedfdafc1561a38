//! A hand-written population in the JSON of the cohort fixtures (`fixtures/README.md`), as the
//! wasm package's `Dataset.fromPopulationJson` and Python's `Dataset.from_population_json` read
//! it: loaded, its event store built, its source tables rendered and its summary made, and the
//! example definitions evaluated on it.
#![no_main]

use cohorte_core::{fixture, Dataset};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(population) = fixture::load_population(text) else {
        return;
    };
    let data = Dataset::from_population(population);
    cohorte_fuzz::evaluate_examples(data.store());
    std::hint::black_box(data.summary().is_ok());
});
