//! Cohort definitions: parsing (JSON text or a parsed object), validation, the example library
//! and the JSON Schema. The core does the work; this file only converts.

use cohorte_core::definition::{self, Definition};
use wasm_bindgen::prelude::*;

use crate::{convert, errors};

/// A definition from JSON text or a plain object (errors: `invalid_definition` with every
/// problem).
pub(crate) fn parse(value: JsValue) -> Result<Definition, JsValue> {
    match value.as_string() {
        Some(text) => Definition::from_json(&text),
        None => Definition::from_value(convert::js_to_json(value, "definition")?),
    }
    .map_err(errors::to_js)
}

/// The example definitions of the core's library, in its order.
#[wasm_bindgen(js_name = exampleDefinitions, unchecked_return_type = "ExampleDefinition[]")]
pub fn example_definitions() -> Result<JsValue, JsValue> {
    let examples: Vec<serde_json::Value> = definition::examples()
        .into_iter()
        .map(|(name, json)| serde_json::json!({ "name": name, "json": json }))
        .collect();
    convert::json_to_js(&serde_json::Value::Array(examples))
}

/// Every problem of a definition (errors and warnings), each `{path, message, severity}`;
/// empty when the definition is valid and clean. Never throws for a bad definition.
#[wasm_bindgen(js_name = validateDefinition, unchecked_return_type = "Problem[]")]
pub fn validate_definition(
    #[wasm_bindgen(unchecked_param_type = "string | object")] definition: JsValue,
) -> Result<JsValue, JsValue> {
    let validation = match definition.as_string() {
        Some(text) => definition::validate_json(&text),
        None => definition::validate_value(convert::js_to_json(definition, "definition")?),
    };
    convert::to_js(&validation.problems)
}

/// The definition as the core writes it (current version, defaults left out), as JSON text.
#[wasm_bindgen(js_name = normalizeDefinition)]
pub fn normalize_definition(
    #[wasm_bindgen(unchecked_param_type = "string | object")] definition: JsValue,
) -> Result<String, JsValue> {
    Ok(parse(definition)?.to_json())
}

/// The JSON Schema of cohort definitions, as JSON text.
#[wasm_bindgen(js_name = definitionSchema)]
pub fn definition_schema() -> String {
    definition::json_schema()
}
