//! Conversions between Rust values and JavaScript values.
//!
//! Plain results (summaries, attrition, hits) go through serde with JSON-compatible settings
//! (maps as plain objects, 64-bit integers as numbers); the snake_case keys of the core's serde
//! types become camelCase, the JavaScript idiom, and option objects take camelCase keys (the
//! snake_case spelling of the core works too). Column names of tables are data and stay as the
//! core writes them (`person_years`, `persons_masked`), the same as in Python. Tables go out as
//! Arrow IPC streams.

use arrow_array::cast::AsArray;
use arrow_array::types::{
    Date32Type, Float32Type, Float64Type, Int16Type, Int32Type, Int64Type, Int8Type, UInt16Type,
    UInt32Type, UInt64Type, UInt8Type,
};
use arrow_array::{Array, RecordBatch};
use arrow_schema::DataType;
use serde::Serialize;
use serde_json::{Map, Value};
use wasm_bindgen::prelude::*;

use crate::errors;

/// A serde value as a plain JavaScript value, object keys in camelCase.
pub(crate) fn to_js<T: Serialize + ?Sized>(value: &T) -> Result<JsValue, JsValue> {
    let json = serde_json::to_value(value)
        .map_err(|e| errors::error("internal", &format!("cannot serialise result: {e}")))?;
    json_to_js(&map_keys(json, &camel))
}

/// A JSON value as a plain JavaScript value (keys unchanged).
pub(crate) fn json_to_js(json: &Value) -> Result<JsValue, JsValue> {
    let ser = serde_wasm_bindgen::Serializer::json_compatible();
    json.serialize(&ser)
        .map_err(|e| errors::error("internal", &format!("cannot convert result: {e}")))
}

/// A plain JavaScript value (object, array, string, number...) as JSON, keys unchanged.
pub(crate) fn js_to_json(value: JsValue, what: &str) -> Result<Value, JsValue> {
    serde_wasm_bindgen::from_value(value)
        .map_err(|e| errors::error("invalid_argument", &format!("{what}: {e}")))
}

/// Apply `f` to every object key, recursively.
fn map_keys(value: Value, f: &dyn Fn(&str) -> String) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.into_iter()
                .map(|(k, v)| (f(&k), map_keys(v, f)))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.into_iter().map(|v| map_keys(v, f)).collect()),
        other => other,
    }
}

/// `snake_case` → `camelCase`.
fn camel(key: &str) -> String {
    let mut out = String::with_capacity(key.len());
    let mut upper = false;
    for c in key.chars() {
        if c == '_' && !out.is_empty() {
            upper = true;
        } else if upper {
            out.extend(c.to_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    out
}

/// `camelCase` → `snake_case` (a snake_case key is left as it is).
fn snake(key: &str) -> String {
    let mut out = String::with_capacity(key.len() + 4);
    for c in key.chars() {
        if c.is_ascii_uppercase() {
            if !out.is_empty() {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// An option object (or `undefined`/`null`: the defaults) deserialised into `T` with camelCase
/// keys turned to the core's snake_case. Unknown keys and bad values become an
/// `invalid_argument` error naming `what` and the field.
pub(crate) fn options<T: serde::de::DeserializeOwned + Default>(
    value: JsValue,
    what: &str,
) -> Result<T, JsValue> {
    if value.is_undefined() || value.is_null() {
        return Ok(T::default());
    }
    // Through serde_json rather than straight from the JsValue: serde-wasm-bindgen reads only
    // the fields a struct names, so a misspelt option would be silently ignored.
    let json = map_keys(js_to_json(value, what)?, &snake);
    serde_json::from_value(json)
        .map_err(|e| errors::error("invalid_argument", &format!("{what}: {e}")))
}

/// A record batch as an array of plain row objects keyed by column name. Dates become
/// `YYYY-MM-DD` strings, nulls (masked cells, margins) `null`, 64-bit integers numbers.
pub(crate) fn records(batch: &RecordBatch) -> Result<Value, JsValue> {
    let schema = batch.schema();
    let mut rows: Vec<Map<String, Value>> = vec![Map::new(); batch.num_rows()];
    for (field, col) in schema.fields().iter().zip(batch.columns()) {
        let name = field.name();
        let values = column_values(col.as_ref()).ok_or_else(|| {
            errors::error(
                "internal",
                &format!("column {name}: type {} not convertible", field.data_type()),
            )
        })?;
        for (row, v) in rows.iter_mut().zip(values) {
            row.insert(name.clone(), v);
        }
    }
    Ok(Value::Array(rows.into_iter().map(Value::Object).collect()))
}

/// A record batch as one array of values per column, keyed by column name (the same values as
/// [`records`]).
pub(crate) fn columns(batch: &RecordBatch) -> Result<Value, JsValue> {
    let schema = batch.schema();
    let mut out = Map::new();
    for (field, col) in schema.fields().iter().zip(batch.columns()) {
        let values = column_values(col.as_ref()).ok_or_else(|| {
            errors::error(
                "internal",
                &format!(
                    "column {}: type {} not convertible",
                    field.name(),
                    field.data_type()
                ),
            )
        })?;
        out.insert(field.name().clone(), Value::Array(values));
    }
    Ok(Value::Object(out))
}

fn column_values(a: &dyn Array) -> Option<Vec<Value>> {
    fn each<F: Fn(usize) -> Value>(a: &dyn Array, f: F) -> Vec<Value> {
        (0..a.len())
            .map(|i| if a.is_null(i) { Value::Null } else { f(i) })
            .collect()
    }
    macro_rules! prim {
        ($t:ty) => {{
            let p = a.as_primitive::<$t>();
            each(a, |i| Value::from(p.value(i)))
        }};
    }
    Some(match a.data_type() {
        DataType::Boolean => {
            let b = a.as_boolean();
            each(a, |i| Value::Bool(b.value(i)))
        }
        DataType::Utf8 => {
            let s = a.as_string::<i32>();
            each(a, |i| Value::String(s.value(i).to_string()))
        }
        DataType::LargeUtf8 => {
            let s = a.as_string::<i64>();
            each(a, |i| Value::String(s.value(i).to_string()))
        }
        DataType::Int8 => prim!(Int8Type),
        DataType::Int16 => prim!(Int16Type),
        DataType::Int32 => prim!(Int32Type),
        DataType::Int64 => prim!(Int64Type),
        DataType::UInt8 => prim!(UInt8Type),
        DataType::UInt16 => prim!(UInt16Type),
        DataType::UInt32 => prim!(UInt32Type),
        DataType::UInt64 => prim!(UInt64Type),
        DataType::Float32 => prim!(Float32Type),
        DataType::Float64 => prim!(Float64Type),
        DataType::Date32 => {
            let d = a.as_primitive::<Date32Type>();
            each(a, |i| {
                Value::String(cohorte_core::dates::format(d.value(i)))
            })
        }
        _ => return None,
    })
}

/// A record batch as the bytes of an Arrow IPC stream (`tableFromIPC` of apache-arrow reads it).
pub(crate) fn ipc(batch: &RecordBatch) -> Result<Vec<u8>, JsValue> {
    let fail = |e: arrow_schema::ArrowError| errors::to_js(e.into());
    let mut out = Vec::new();
    let mut w =
        arrow_ipc::writer::StreamWriter::try_new(&mut out, &batch.schema()).map_err(fail)?;
    w.write(batch).map_err(fail)?;
    w.finish().map_err(fail)?;
    drop(w);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::{camel, snake};

    #[test]
    fn camel_case_keys() {
        assert_eq!(camel("lost_persons"), "lostPersons");
        assert_eq!(camel("persons"), "persons");
        assert_eq!(camel("data_start_year"), "dataStartYear");
        assert_eq!(camel("_private"), "_private");
    }

    #[test]
    fn snake_case_keys() {
        assert_eq!(snake("firstEntryOnly"), "first_entry_only");
        assert_eq!(snake("first_entry_only"), "first_entry_only");
        assert_eq!(snake("ageBand"), "age_band");
        assert_eq!(snake("per"), "per");
    }
}
