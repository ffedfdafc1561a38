//! `Dataset`: a population and its event store, generated in the page or read from files.

use std::cell::OnceCell;
use std::rc::Rc;

use cohorte_core::engine;
use cohorte_core::synth::SynthConfig;
use cohorte_core::{EventStore, Population};
use wasm_bindgen::prelude::*;

use crate::cohort::JsCohort;
use crate::{convert, errors};

/// Options of `Dataset.synthetic`: the core's `SynthConfig` (keys arrive in snake_case, converted
/// from JavaScript's camelCase by [`convert::options`]).
#[derive(Debug, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
struct SynthOptions {
    patients: u32,
    seed: u64,
    years: u32,
    start_year: i32,
}

impl Default for SynthOptions {
    fn default() -> Self {
        let c = SynthConfig::default();
        SynthOptions {
            patients: c.patients,
            seed: c.seed,
            years: c.years,
            start_year: c.start_year,
        }
    }
}

/// What a dataset holds, shared with the cohorts evaluated on it.
pub(crate) struct Inner {
    pub(crate) population: Population,
    pub(crate) store: EventStore,
    /// Rows removed on load by the quality filters (empty for a generated population).
    pub(crate) filters: Vec<cohorte_core::tables::FilterReport>,
    /// The digest, computed on first request: hashing is about half the generation time
    /// (1.1 s against 2.2 s for 100 000 patients in node), so it is not paid up front.
    digest: OnceCell<String>,
}

impl JsDataset {
    fn new(population: Population) -> JsDataset {
        let store = EventStore::build(&population);
        JsDataset {
            inner: Rc::new(Inner {
                population,
                store,
                filters: Vec::new(),
                digest: OnceCell::new(),
            }),
        }
    }
}

/// A population of patients and their events.
#[wasm_bindgen(js_name = Dataset)]
pub struct JsDataset {
    pub(crate) inner: Rc<Inner>,
}

#[wasm_bindgen(js_class = Dataset)]
impl JsDataset {
    /// A deterministic synthetic population: the same options give the same data (and
    /// `digest()`) in every face and on every platform. `onProgress(done, total)`, when given,
    /// is called every 4096 patients and at the end (its return value is ignored; an exception
    /// it throws stops nothing).
    pub fn synthetic(
        #[wasm_bindgen(unchecked_param_type = "SynthOptions | undefined")] options: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "(done: number, total: number) => void")]
        on_progress: Option<js_sys::Function>,
    ) -> Result<JsDataset, JsValue> {
        let o: SynthOptions = convert::options(options, "Dataset.synthetic options")?;
        let config = SynthConfig {
            seed: o.seed,
            patients: o.patients,
            start_year: o.start_year,
            years: o.years,
            // The pitfalls are traps of the source tables, which the browser face does not
            // render: its populations are generated straight into events.
            pitfalls: false,
        };
        let population = match on_progress {
            None => cohorte_core::synth::generate(&config),
            Some(f) => {
                let total = JsValue::from(config.patients);
                cohorte_core::synth::generate_with_progress(&config, &mut |done| {
                    let _ = f.call2(&JsValue::NULL, &JsValue::from(done), &total);
                })
            }
        }
        .map_err(errors::to_js)?;
        Ok(JsDataset::new(population))
    }

    /// SNDS source tables read from files the user opened: `files` is a list of
    /// `{ name, bytes }` (`bytes` a `Uint8Array`), one table per file named after it
    /// (`ER_PHA_F.parquet`, `IR_BEN_R.csv`, `T_MCO19B.arrow`). Parquet, CNAM-style CSV (`;`,
    /// UTF-8 or Latin-1) and Arrow IPC; the quality filters run on load and are reported in
    /// `summary().filters`.
    #[wasm_bindgen(js_name = fromFiles)]
    pub fn from_files(
        #[wasm_bindgen(unchecked_param_type = "FileInput[]")] files: JsValue,
    ) -> Result<JsDataset, JsValue> {
        use cohorte_core::tables::io::{read_bytes, table_of_path};
        use cohorte_core::tables::Format;
        let bad = |m: String| errors::to_js(cohorte_core::Error::invalid(m));
        if !js_sys::Array::is_array(&files) {
            return Err(bad(
                "files: expected an array of { name, bytes } objects".into()
            ));
        }
        // Names first: a wrong name or a table given twice is reported before any reading.
        let mut inputs: Vec<(String, String, Format, js_sys::Uint8Array)> = Vec::new();
        for (i, f) in js_sys::Array::from(&files).iter().enumerate() {
            let get = |k: &str| js_sys::Reflect::get(&f, &JsValue::from_str(k)).ok();
            let name = get("name")
                .and_then(|v| v.as_string())
                .ok_or_else(|| bad(format!("files[{i}].name: expected a file name")))?;
            let bytes = get("bytes")
                .filter(|v| v.is_instance_of::<js_sys::Uint8Array>())
                .map(js_sys::Uint8Array::from)
                .ok_or_else(|| bad(format!("files[{i}].bytes ({name}): expected a Uint8Array")))?;
            let path = std::path::Path::new(&name);
            let format = Format::of_path(path).ok_or_else(|| {
                bad(format!(
                    "{name}: unknown file extension (expected .parquet, .csv or .arrow)"
                ))
            })?;
            let table = table_of_path(path).map_err(errors::to_js)?;
            if let Some((other, ..)) = inputs.iter().find(|(_, t, ..)| *t == table) {
                return Err(bad(format!("{name}: table {table} is also in {other}")));
            }
            inputs.push((name, table, format, bytes));
        }
        let mut tables: Vec<(String, arrow_array::RecordBatch)> = Vec::new();
        for (name, table, format, bytes) in inputs {
            let batch =
                read_bytes(&table, format, &bytes.to_vec(), &name).map_err(errors::to_js)?;
            tables.push((table, batch));
        }
        let data = cohorte_core::Dataset::from_tables(tables).map_err(errors::to_js)?;
        let (population, filters) = data.into_parts();
        let mut ds = JsDataset::new(population);
        if let Some(inner) = Rc::get_mut(&mut ds.inner) {
            inner.filters = filters;
        }
        Ok(ds)
    }

    /// A small hand-written population in the JSON format of the shared cohort fixtures
    /// (`fixtures/README.md`).
    #[wasm_bindgen(js_name = fromPopulationJson)]
    pub fn from_population_json(text: &str) -> Result<JsDataset, JsValue> {
        let population = cohorte_core::fixture::load_population(text).map_err(errors::to_js)?;
        Ok(JsDataset::new(population))
    }

    /// Evaluate a cohort definition (JSON text or the parsed object) on this dataset.
    pub fn cohort(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string | object")] definition: JsValue,
    ) -> Result<JsCohort, JsValue> {
        let def = crate::definition::parse(definition)?;
        let result = engine::evaluate(&self.inner.store, &def).map_err(errors::to_js)?;
        Ok(JsCohort::new(
            Rc::clone(&self.inner),
            result.rows,
            result.attrition,
        ))
    }

    /// SHA-256 (hex) of the population's canonical serialisation: equal digests, equal data.
    pub fn digest(&self) -> String {
        self.inner
            .digest
            .get_or_init(|| cohorte_core::synth::population_digest(&self.inner.population))
            .clone()
    }

    /// Number of patients.
    #[wasm_bindgen(getter)]
    pub fn patients(&self) -> u32 {
        self.inner.store.n_patients() as u32
    }

    /// Number of events.
    #[wasm_bindgen(getter)]
    pub fn events(&self) -> u32 {
        self.inner.store.n_events() as u32
    }

    /// What the dataset holds: patients, events, period.
    #[wasm_bindgen(unchecked_return_type = "Summary")]
    pub fn summary(&self) -> Result<JsValue, JsValue> {
        let s = &self.inner.store;
        let summary = serde_json::json!({
            "patients": s.n_patients(),
            "events": s.n_events(),
            "data_start": cohorte_core::dates::format(s.data_start),
            "data_end": cohorte_core::dates::format(s.data_end),
            "filters": self.inner.filters,
        });
        convert::to_js(&summary)
    }
}
