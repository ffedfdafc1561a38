//! Arrow across the Python boundary through the PyCapsule interface
//! (<https://arrow.apache.org/docs/format/CDataInterface/PyCapsuleInterface.html>): tables leave
//! as an object with `__arrow_c_stream__` (polars, pyarrow, pandas and duckdb read it without
//! copying the buffers), and enter from anything that has `__arrow_c_stream__`.

use std::ffi::CStr;

use arrow_array::ffi_stream::{FFI_ArrowArrayStream, RecordBatchStreamReader};
use arrow_array::{RecordBatch, RecordBatchIterator};
use arrow_schema::SchemaRef;
use pyo3::prelude::*;
use pyo3::types::PyCapsule;

use crate::errors;

const STREAM_CAPSULE: &CStr = c"arrow_array_stream";

/// A table (schema + record batches) exported to Python. `polars.DataFrame(table)`,
/// `pyarrow.table(table)` and any other reader of the Arrow PyCapsule interface take it.
#[pyclass(module = "cohorte._native", name = "ArrowTable", frozen)]
pub struct ArrowTable {
    schema: SchemaRef,
    batches: Vec<RecordBatch>,
}

impl ArrowTable {
    /// A table of one record batch.
    pub fn from_batch(batch: RecordBatch) -> Self {
        ArrowTable {
            schema: batch.schema(),
            batches: vec![batch],
        }
    }
}

#[pymethods]
impl ArrowTable {
    /// Export the table as an Arrow C stream. A requested schema is ignored, as the protocol
    /// allows: the consumer casts if it needs to.
    #[pyo3(signature = (requested_schema=None))]
    fn __arrow_c_stream__<'py>(
        &self,
        py: Python<'py>,
        requested_schema: Option<Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyCapsule>> {
        let _ = requested_schema;
        let reader = RecordBatchIterator::new(
            self.batches.clone().into_iter().map(Ok),
            self.schema.clone(),
        );
        let stream = FFI_ArrowArrayStream::new(Box::new(reader));
        PyCapsule::new_with_value(py, stream, STREAM_CAPSULE)
    }

    /// Number of rows.
    #[getter]
    fn num_rows(&self) -> usize {
        self.batches.iter().map(|b| b.num_rows()).sum()
    }

    /// Column names.
    #[getter]
    fn column_names(&self) -> Vec<String> {
        self.schema
            .fields()
            .iter()
            .map(|f| f.name().clone())
            .collect()
    }

    fn __repr__(&self) -> String {
        format!(
            "ArrowTable({} rows, columns {:?})",
            self.num_rows(),
            self.column_names()
        )
    }
}

/// Read a table from any object with `__arrow_c_stream__` into one record batch. `what` names
/// the table in error messages.
pub fn import_table(py: Python<'_>, obj: &Bound<'_, PyAny>, what: &str) -> PyResult<RecordBatch> {
    if !obj.hasattr("__arrow_c_stream__")? {
        let type_name = obj.get_type().name()?.to_string();
        return Err(errors::invalid(
            py,
            format!(
                "table {what}: expected a polars, pandas or pyarrow table (an object with \
                 __arrow_c_stream__), found {type_name}"
            ),
        ));
    }
    let capsule = obj.call_method0("__arrow_c_stream__")?;
    let capsule = capsule.cast_into::<PyCapsule>().map_err(|_| {
        errors::invalid(
            py,
            format!("table {what}: __arrow_c_stream__ did not return a PyCapsule"),
        )
    })?;
    let ptr = capsule.pointer_checked(Some(STREAM_CAPSULE))?;
    // SAFETY: the capsule is named "arrow_array_stream", so by the PyCapsule protocol it points to
    // a valid ArrowArrayStream; `from_raw` moves it out and marks the original as released, so the
    // capsule's destructor does not release it a second time.
    let stream = unsafe { FFI_ArrowArrayStream::from_raw(ptr.cast().as_ptr()) };
    let what = what.to_string();
    errors::run(py, move || {
        let reader = RecordBatchStreamReader::try_new(stream)?;
        let schema = arrow_array::RecordBatchReader::schema(&reader);
        let batches = reader.collect::<Result<Vec<_>, _>>()?;
        let batch = arrow_select::concat::concat_batches(&schema, &batches)
            .map_err(|e| cohorte_core::Error::Arrow(format!("table {what}: {e}")))?;
        Ok(batch)
    })
}
