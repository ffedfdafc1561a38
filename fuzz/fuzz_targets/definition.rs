//! A cohort definition's JSON text, as `cohorte.Definition(...)`, the wasm package's
//! `validateDefinition`/`normalizeDefinition`/`Dataset.cohort` and the explorer's import take
//! it: validated (every problem listed), parsed, written back at the current version (which must
//! read back to the same definition), and evaluated on a small synthetic population.
#![no_main]

use cohorte_core::definition::{self, Definition};
use cohorte_core::engine;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    std::hint::black_box(definition::validate_json(text));
    let Ok(def) = Definition::from_json(text) else {
        return;
    };
    let written = def.to_json();
    match Definition::from_json(&written) {
        Ok(again) => assert_eq!(
            again, def,
            "the written definition reads back unchanged:\n{written}"
        ),
        Err(e) => panic!("the written definition does not read back ({e}):\n{written}"),
    }
    let store = cohorte_fuzz::store();
    std::hint::black_box(engine::evaluate(store, &def).is_ok());
});
