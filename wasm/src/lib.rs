//! WebAssembly bindings of cohorte-core, consumed by the browser explorer (`web-demo/`) from a
//! Web Worker and by the node tests (`wasm/tests/`).
//!
//! Bindings only translate: each exported function converts its arguments, calls one core
//! function and converts the result or the error. Names follow JavaScript's idiom (`camelCase`)
//! with the same nouns as the other faces: `Dataset`, `Cohort`, `Attrition`, `Aggregate`.
//! Nothing here touches the DOM, so the module runs in a worker.
//!
//! Errors are JavaScript `Error`s named `CohorteError` carrying the core's stable code
//! (`error.code`, see `cohorte_core::Error::code`) and, for invalid definitions, every problem
//! with its JSON path (`error.problems`). A panic is a bug: the hook installed at start-up logs
//! it and throws a `CohorteError` with code `panic` instead of an opaque `unreachable` trap.

mod cohort;
mod convert;
mod dataset;
mod definition;
mod errors;
mod opendata;
mod referential;
mod types;

use wasm_bindgen::prelude::*;

pub use cohort::JsCohort;
pub use dataset::JsDataset;
pub use definition::{
    definition_schema, example_definitions, normalize_definition, validate_definition,
};
pub use opendata::{read_open_data, JsOpenDataReader};
pub use referential::{code_label, departements, regions, search_codes};

/// Install the panic hook when the module is instantiated.
#[wasm_bindgen(start)]
fn start() {
    errors::install_panic_hook();
}

/// Version of the core, shown in the explorer's footer.
#[wasm_bindgen]
pub fn version() -> String {
    cohorte_core::VERSION.to_string()
}

/// Raise a panic on purpose: lets the tests check that the panic hook reports panics as
/// `CohorteError`s with code `panic`. Not part of the typed API.
#[doc(hidden)]
#[wasm_bindgen(js_name = __panicForTests, skip_typescript)]
pub fn panic_for_tests() {
    panic!("deliberate panic raised by __panicForTests");
}
