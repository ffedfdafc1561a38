//! Writes the seed corpus of the fuzz targets into `fuzz/seeds/<target>/` from the repository's
//! own data (`make fuzz-seeds`; the output is committed):
//!
//! - `definition`: every `fixtures/cohorts/*/definition.json` (the invalid ones too) and the
//!   core's example definitions (`core/definitions/`);
//! - `population_json`: every `fixtures/cohorts/*/population.json`;
//! - `table_csv`, `table_parquet`, `table_ipc`: the source tables rendered from the fixture
//!   populations, one seed per table name (the fixture rendering it with the most rows), each
//!   prefixed with its file name and a line break, as the targets read them;
//! - `open_medic`, `data_pathologies`: the samples of `fixtures/opendata/`.
//!
//!   cargo run -p cohorte-fuzz --example seeds -- [REPOSITORY_ROOT]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use arrow_array::RecordBatch;
use cohorte_core::tables::io::write_bytes;
use cohorte_core::tables::Format;
use cohorte_core::{definition, fixture, Dataset};

type Fail = Box<dyn std::error::Error>;

fn write(dir: &Path, name: &str, bytes: &[u8]) -> Result<(), Fail> {
    std::fs::create_dir_all(dir)?;
    std::fs::write(dir.join(name), bytes)?;
    Ok(())
}

fn main() -> Result<(), Fail> {
    let root = std::env::args()
        .nth(1)
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(".."));
    let seeds = root.join("fuzz").join("seeds");
    if seeds.exists() {
        std::fs::remove_dir_all(&seeds)?;
    }
    let mut cases: Vec<PathBuf> = std::fs::read_dir(root.join("fixtures").join("cohorts"))?
        .map(|e| e.map(|e| e.path()))
        .collect::<Result<_, _>>()?;
    cases.sort();

    // the largest rendering of each table name over the fixture populations
    let mut tables: BTreeMap<String, RecordBatch> = BTreeMap::new();
    for case in &cases {
        let case_name = case
            .file_name()
            .and_then(|n| n.to_str())
            .ok_or("a fixture directory's name is not UTF-8")?;
        let definition = std::fs::read(case.join("definition.json"))?;
        write(
            &seeds.join("definition"),
            &format!("{case_name}.json"),
            &definition,
        )?;
        let population = std::fs::read_to_string(case.join("population.json"))?;
        write(
            &seeds.join("population_json"),
            &format!("{case_name}.json"),
            population.as_bytes(),
        )?;
        for (name, batch) in
            Dataset::from_population(fixture::load_population(&population)?).tables()?
        {
            if tables
                .get(&name)
                .is_none_or(|b| b.num_rows() < batch.num_rows())
            {
                tables.insert(name, batch);
            }
        }
    }
    for (name, json) in definition::examples() {
        write(
            &seeds.join("definition"),
            &format!("example_{name}.json"),
            json.as_bytes(),
        )?;
    }
    for (target, format) in [
        ("table_csv", Format::Csv),
        ("table_parquet", Format::Parquet),
        ("table_ipc", Format::Ipc),
    ] {
        for (name, batch) in &tables {
            let file = format!("{name}.{}", format.extension());
            let mut bytes = format!("{file}\n").into_bytes();
            bytes.extend(write_bytes(batch, format)?);
            write(&seeds.join(target), &file, &bytes)?;
        }
    }
    let opendata = root.join("fixtures").join("opendata");
    for (target, file) in [
        ("open_medic", "OPEN_MEDIC_2023_SAMPLE.CSV"),
        ("data_pathologies", "effectifs_sample.csv"),
    ] {
        write(
            &seeds.join(target),
            file,
            &std::fs::read(opendata.join(file))?,
        )?;
    }
    println!("seed corpus written into {}", seeds.display());
    Ok(())
}
