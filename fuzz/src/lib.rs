//! What the fuzz targets share (see `FUZZING.md`): the small population definitions are
//! evaluated on, the valid source tables a fuzzed table is read beside, and the seed corpus
//! written from `fixtures/`.
//!
//! Each target calls the core functions the faces call on user input, in the same order
//! (`wasm/src/dataset.rs` `fromFiles`, `python/src/dataset.rs` `read_files`...), and asserts
//! only what must hold for every input: no panic, and memory bounded by libFuzzer's limits.

use std::path::Path;
use std::sync::OnceLock;

use arrow_array::RecordBatch;
use cohorte_core::definition::{self, Definition};
use cohorte_core::synth::SynthConfig;
use cohorte_core::tables::io::{read_bytes, table_of_path};
use cohorte_core::tables::Format;
use cohorte_core::{engine, Dataset, EventStore};

/// The population the fuzzed definitions and tables are evaluated against: small, so that an
/// evaluation takes well under a millisecond, and synthetic, so that it holds the codes of the
/// example definitions (metformin, insulins, myocardial infarction...).
fn population_config() -> SynthConfig {
    SynthConfig {
        seed: 1,
        patients: 60,
        start_year: 2019,
        years: 5,
        pitfalls: false,
    }
}

/// The event store of [`population_config`], built once.
pub fn store() -> &'static EventStore {
    static STORE: OnceLock<EventStore> = OnceLock::new();
    STORE.get_or_init(|| {
        let data = Dataset::synthetic(&population_config()).expect("a valid configuration");
        EventStore::build(data.population())
    })
}

/// The source tables rendered from the population of [`population_config`], built once.
pub fn base_tables() -> &'static [(String, RecordBatch)] {
    static TABLES: OnceLock<Vec<(String, RecordBatch)>> = OnceLock::new();
    TABLES.get_or_init(|| {
        Dataset::synthetic(&population_config())
            .and_then(|d| d.tables())
            .expect("the synthetic population renders")
    })
}

/// The example definitions of the core's library, parsed once: evaluated on the populations
/// the fuzzed files and JSON describe.
pub fn examples() -> &'static [Definition] {
    static EXAMPLES: OnceLock<Vec<Definition>> = OnceLock::new();
    EXAMPLES.get_or_init(|| {
        definition::examples()
            .into_iter()
            .map(|(_, json)| Definition::from_json(json).expect("the examples are valid"))
            .collect()
    })
}

/// A fuzz input for a table reader: the file's name on the first line (`T_MCO21B.csv`), its
/// bytes after. `None` when there is no line break or the name is not UTF-8 (a face always gets
/// a file name as text).
pub fn split_named(data: &[u8]) -> Option<(&str, &[u8])> {
    let end = data.iter().position(|b| *b == b'\n')?;
    let name = std::str::from_utf8(&data[..end]).ok()?;
    Some((name, &data[end + 1..]))
}

/// One source table file opened by a user, as the wasm package's `Dataset.fromFiles` and the
/// Python `Dataset.read_files` read it: the table named by the file's stem, read in `format`,
/// then flattened together with the other (valid) tables into a population, whose store is built
/// and on which the example definitions are evaluated. Errors are the expected outcome of most
/// inputs; a panic is a bug.
pub fn open_table(format: Format, data: &[u8]) {
    let Some((name, bytes)) = split_named(data) else {
        return;
    };
    let Ok(table) = table_of_path(Path::new(name)) else {
        return;
    };
    let Ok(batch) = read_bytes(&table, format, bytes, name) else {
        return;
    };
    let mut tables: Vec<(String, RecordBatch)> = base_tables()
        .iter()
        .filter(|(n, _)| *n != table)
        .cloned()
        .collect();
    tables.push((table, batch));
    let Ok(data) = Dataset::from_tables(tables) else {
        return;
    };
    evaluate_examples(data.store());
}

/// Every example definition evaluated on `store` (errors allowed, panics not).
pub fn evaluate_examples(store: &EventStore) {
    for def in examples() {
        std::hint::black_box(engine::evaluate(store, def).is_ok());
    }
}
