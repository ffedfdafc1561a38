//! Open aggregates of the Assurance Maladie read in the page: the core's readers
//! (`cohorte_core::opendata`), whole or fed chunk by chunk (`File` slices), the result as plain
//! columns. (Summaries, several files combined and the standardisation are in the native and
//! Python faces; the module's size budget leaves them out of the page.)

use cohorte_core::opendata::{self, OpenData};
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

/// A reading fed chunk by chunk (slices of a `File`), so a large file never sits whole in
/// memory: `push(chunk)` for each slice, `bytesRead` and `rows` for progress, `finish()` for the
/// table.
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
