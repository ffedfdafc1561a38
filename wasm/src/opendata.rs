//! Open aggregates of the Assurance Maladie read in the page: the core's readers
//! (`cohorte_core::opendata`), whole or fed chunk by chunk (`File` slices), the result as plain
//! columns; the core's direct standardisation of Data pathologies prevalences.

use cohorte_core::opendata::{self, OpenData, Summary, FRANCE_RP2018};
use wasm_bindgen::prelude::*;

use crate::{convert, errors};

/// `{ layout, file, encoding, rows, columns, data, repaired, notes }` of a reading.
fn to_js(d: &OpenData) -> Result<JsValue, JsValue> {
    let columns: Vec<String> = d
        .batch
        .schema()
        .fields()
        .iter()
        .map(|f| f.name().clone())
        .collect();
    let repaired: serde_json::Map<String, serde_json::Value> = d
        .repaired
        .iter()
        .map(|(c, n)| (c.clone(), serde_json::Value::from(*n)))
        .collect();
    convert::json_to_js(&serde_json::json!({
        "layout": d.layout.name(),
        "file": d.file,
        "encoding": d.encoding.name(),
        "rows": d.batch.num_rows(),
        "columns": columns,
        "data": convert::columns(&d.batch)?,
        "repaired": repaired,
        "notes": d.notes,
    }))
}

/// Read an open-data file the user opened (Open Medic and its `NB_` consumer counts, Open
/// PHMEV, Open Bio, Open LPP, Open DAMIR, Data pathologies), the layout told by the header.
/// `data[column]` is the column's values in file order, an empty cell (a count masked at source)
/// `null`. Errors name the file, the line and the column.
#[wasm_bindgen(js_name = readOpenData, unchecked_return_type = "OpenDataFile")]
pub fn read_open_data(name: &str, bytes: &[u8]) -> Result<JsValue, JsValue> {
    let d = opendata::read_open_data(bytes, name).map_err(errors::to_js)?;
    to_js(&d)
}

/// Several files of one layout (the monthly files of Open DAMIR, years of Open Medic) read as
/// one table whose first column, `file`, names each row's file.
#[wasm_bindgen(js_name = readOpenDataFiles, unchecked_return_type = "OpenDataFile")]
pub fn read_open_data_files(
    #[wasm_bindgen(unchecked_param_type = "FileInput[]")] files: JsValue,
) -> Result<JsValue, JsValue> {
    let bad = |m: String| errors::to_js(cohorte_core::Error::invalid(m));
    if !js_sys::Array::is_array(&files) {
        return Err(bad(
            "files: expected an array of { name, bytes } objects".into()
        ));
    }
    let mut parts = vec![];
    for (i, f) in js_sys::Array::from(&files).iter().enumerate() {
        let get = |k: &str| js_sys::Reflect::get(&f, &JsValue::from_str(k)).ok();
        let name = get("name")
            .and_then(|v| v.as_string())
            .ok_or_else(|| bad(format!("files[{i}].name: expected a file name")))?;
        let bytes = get("bytes")
            .filter(|v| v.is_instance_of::<js_sys::Uint8Array>())
            .map(js_sys::Uint8Array::from)
            .ok_or_else(|| bad(format!("files[{i}].bytes ({name}): expected a Uint8Array")))?;
        parts.push(opendata::read_open_data(&bytes.to_vec(), &name).map_err(errors::to_js)?);
    }
    to_js(&opendata::combine(parts).map_err(errors::to_js)?)
}

/// A reading fed chunk by chunk (slices of a `File`), so a large file never sits whole in
/// memory: `push(chunk)` for each slice, `bytesRead` and `rows` for progress, `finish()` for the
/// table (or the summary, for a reader made by `OpenDataReader.summarising`).
#[wasm_bindgen(js_name = OpenDataReader)]
pub struct JsOpenDataReader {
    inner: Option<opendata::OpenDataReader>,
}

#[wasm_bindgen(js_class = OpenDataReader)]
impl JsOpenDataReader {
    /// A reader of the whole table of file `name`.
    #[wasm_bindgen(constructor)]
    pub fn new(name: &str) -> JsOpenDataReader {
        JsOpenDataReader {
            inner: Some(opendata::OpenDataReader::new(name)),
        }
    }

    /// A reader that filters and sums rows as they pass: `{ by, sum, filter: [{ column, values,
    /// prefix }] }`; the result holds one row per group with `rows`, each summed column and
    /// `<column>_masked` (empty cells, never counted as zero).
    pub fn summarising(
        name: &str,
        #[wasm_bindgen(unchecked_param_type = "OpenDataSummary")] summary: JsValue,
    ) -> Result<JsOpenDataReader, JsValue> {
        let s: Summary = convert::options(summary, "summary")?;
        Ok(JsOpenDataReader {
            inner: Some(opendata::OpenDataReader::summarising(name, s)),
        })
    }

    fn reader(&mut self) -> Result<&mut opendata::OpenDataReader, JsValue> {
        self.inner
            .as_mut()
            .ok_or_else(|| errors::error("invalid_argument", "the reader is already finished"))
    }

    /// Feed the next slice of the file.
    pub fn push(&mut self, chunk: &[u8]) -> Result<(), JsValue> {
        self.reader()?.push(chunk).map_err(errors::to_js)
    }

    /// Bytes consumed so far.
    #[wasm_bindgen(getter, js_name = bytesRead)]
    pub fn bytes_read(&self) -> f64 {
        self.inner.as_ref().map_or(0.0, |r| r.bytes_read() as f64)
    }

    /// Data rows read so far.
    #[wasm_bindgen(getter)]
    pub fn rows(&self) -> usize {
        self.inner.as_ref().map_or(0, |r| r.rows())
    }

    /// The table (an `OpenDataFile`), once every slice is pushed.
    #[wasm_bindgen(unchecked_return_type = "OpenDataFile")]
    pub fn finish(&mut self) -> Result<JsValue, JsValue> {
        let r = self
            .inner
            .take()
            .ok_or_else(|| errors::error("invalid_argument", "the reader is already finished"))?;
        to_js(&r.finish().map_err(errors::to_js)?)
    }
}

/// Age- and sex-standardised prevalences of a Data pathologies file, grouped by `by` (e.g.
/// `["annee", "top", "dept"]`), standardised to France (INSEE, census 2018) with 95 % Fay–Feuer
/// intervals. Returns `{ reference, rows }`: one row per group with the `by` columns, `Ntop`,
/// `Npop`, `masked_strata`, `crude_prev`, `std_prev`, `std_prev_lower`, `std_prev_upper`,
/// `std_prev_masked_max` (percent).
#[wasm_bindgen(js_name = standardiseOpenData, unchecked_return_type = "StandardisedPrevalence")]
pub fn standardise_open_data(
    name: &str,
    bytes: &[u8],
    #[wasm_bindgen(unchecked_param_type = "string[]")] by: JsValue,
) -> Result<JsValue, JsValue> {
    let by: Vec<String> = serde_wasm_bindgen::from_value(by)
        .map_err(|e| errors::error("invalid_argument", &format!("by: {e}")))?;
    let d = opendata::read_open_data_as(bytes, name, opendata::Layout::DataPathologies)
        .map_err(errors::to_js)?;
    let out = opendata::standardise_data_pathologies(&d.batch, &by, &FRANCE_RP2018, 0.95)
        .map_err(errors::to_js)?;
    convert::json_to_js(&serde_json::json!({
        "reference": FRANCE_RP2018.source,
        "rows": convert::records(&out)?,
    }))
}
