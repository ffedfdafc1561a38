//! The referentials the explorer shows: code search and labels, départements and regions (the
//! map). Static data of the core, converted once per call.

use cohorte_core::model::CodeSystem;
use cohorte_core::referential;
use wasm_bindgen::prelude::*;

use crate::{convert, errors};

/// Search the referentials (ATC, ICD-10, CCAM, CIP13 packs) by code prefix or label words.
/// `system` is a code system name (`ATC`, `ICD10`, `CCAM`, `CIP13` and the usual spellings) or
/// `null`/`undefined` for all of them; `limit` defaults to 20.
#[wasm_bindgen(js_name = searchCodes, unchecked_return_type = "CodeHit[]")]
pub fn search_codes(
    system: Option<String>,
    query: &str,
    limit: Option<u32>,
) -> Result<JsValue, JsValue> {
    let system = match system.as_deref() {
        None | Some("") => None,
        Some(name) => Some(CodeSystem::parse(name).map_err(errors::to_js)?),
    };
    let hits = referential::search(system, query, limit.unwrap_or(20) as usize);
    convert::to_js(&hits)
}

/// French label of a code (for CIP13, the pack's name), or `undefined` when the referential
/// does not have it.
#[wasm_bindgen(js_name = codeLabel)]
pub fn code_label(system: &str, code: &str) -> Result<Option<String>, JsValue> {
    let label = match CodeSystem::parse(system).map_err(errors::to_js)? {
        CodeSystem::Atc => referential::atc_label(code),
        CodeSystem::Icd10 => referential::icd10_label(code),
        CodeSystem::Ccam => referential::ccam_label(code),
        CodeSystem::Cip13 => referential::pack(code).map(|p| p.name),
    };
    Ok(label.map(str::to_string))
}

/// The départements, in the order of the patients' `dept` index: `{code, name, region,
/// population}`.
#[wasm_bindgen(unchecked_return_type = "Departement[]")]
pub fn departements() -> Result<JsValue, JsValue> {
    convert::to_js(referential::departements())
}

/// The regions (2016 boundaries): `{code, name}`.
#[wasm_bindgen(unchecked_return_type = "Region[]")]
pub fn regions() -> Result<JsValue, JsValue> {
    convert::to_js(referential::regions())
}
