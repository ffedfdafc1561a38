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
mod types;

use wasm_bindgen::prelude::*;

pub use cohort::JsCohort;
pub use dataset::JsDataset;
pub use definition::{
    definition_schema, example_definitions, normalize_definition, validate_definition,
};

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

/// Search the referentials (ATC, ICD-10, CCAM, CIP13 packs) by code prefix or label words.
/// `system` is a code system name (`ATC`, `ICD10`, `CCAM`, `CIP13` and the usual spellings) or
/// `null`/`undefined` for all of them.
#[wasm_bindgen(js_name = searchCodes, unchecked_return_type = "CodeHit[]")]
pub fn search_codes(
    system: Option<String>,
    query: &str,
    limit: Option<u32>,
) -> Result<JsValue, JsValue> {
    let system = match system.as_deref() {
        None | Some("") => None,
        Some(name) => Some(cohorte_core::model::CodeSystem::parse(name).map_err(errors::to_js)?),
    };
    let hits = cohorte_core::referential::search(system, query, limit.unwrap_or(20) as usize);
    convert::to_js(&hits)
}

/// Raise a panic on purpose: lets the tests check that the panic hook reports panics as
/// `CohorteError`s with code `panic`. Not part of the typed API.
#[doc(hidden)]
#[wasm_bindgen(js_name = __panicForTests, skip_typescript)]
pub fn panic_for_tests() {
    panic!("deliberate panic raised by __panicForTests");
}
