//! Open aggregates of the Assurance Maladie (Open Medic, Data pathologies) read in the page:
//! the core's readers (`cohorte_core::opendata`), the result as plain columns.

use cohorte_core::opendata;
use cohorte_core::Error;
use wasm_bindgen::prelude::*;

use crate::{convert, errors};

/// The layout of an open-data file, from its header line: Open Medic files have a `BOITES`
/// column, Data pathologies files an `Ntop` column.
fn layout_of(bytes: &[u8], file: &str) -> Result<&'static str, Error> {
    let end = bytes
        .iter()
        .position(|b| *b == b'\n')
        .unwrap_or(bytes.len());
    let header = opendata::latin1_decode(&bytes[..end]);
    let has = |name: &str| {
        header
            .split(';')
            .any(|h| h.trim().trim_matches('"').eq_ignore_ascii_case(name))
    };
    if has("BOITES") {
        Ok("open_medic")
    } else if has("Ntop") {
        Ok("data_pathologies")
    } else {
        Err(Error::Format {
            path: file.to_string(),
            message: "not an open-data file: expected the header of an Open Medic file \
                      (with a BOITES column) or of a Data pathologies file (with an Ntop column)"
                .into(),
        })
    }
}

/// Read an open-data file the user opened: Open Medic (`OPEN_MEDIC_<year>.CSV`) or Data
/// pathologies (`effectifs.csv`), as published (`;`, Latin-1, decimal comma), the layout told
/// by the header. Returns `{ layout, file, rows, columns, data }`: `data[column]` is the column's
/// values in file order, an empty cell (a count masked at source) `null`. Errors name the file,
/// the column and the 1-based data row.
#[wasm_bindgen(js_name = readOpenData, unchecked_return_type = "OpenDataFile")]
pub fn read_open_data(name: &str, bytes: &[u8]) -> Result<JsValue, JsValue> {
    let layout = layout_of(bytes, name).map_err(errors::to_js)?;
    let batch = match layout {
        "open_medic" => opendata::read_open_medic(bytes, name),
        _ => opendata::read_data_pathologies(bytes, name),
    }
    .map_err(errors::to_js)?;
    let columns: Vec<String> = batch
        .schema()
        .fields()
        .iter()
        .map(|f| f.name().clone())
        .collect();
    convert::json_to_js(&serde_json::json!({
        "layout": layout,
        "file": name,
        "rows": batch.num_rows(),
        "columns": columns,
        "data": convert::columns(&batch)?,
    }))
}
