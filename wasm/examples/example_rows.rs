//! Evaluate every example definition on a synthetic population natively (one thread, the
//! evaluator the wasm build runs) and print, per definition, its cohort rows as
//! `{ "name": [[patient index, index date, exit date], ...], ... }` (days since 1970-01-01):
//! the reference the node tests compare the wasm package's rows with.
//!
//! ```sh
//! cargo run --release -p cohorte-wasm --example example_rows -- --patients 30000 --seed 11
//! ```

use cohorte_core::definition::{self, Definition};
use cohorte_core::engine;
use cohorte_core::store::EventStore;
use cohorte_core::synth::{self, SynthConfig};

fn run() -> Result<String, String> {
    let mut cfg = SynthConfig::default();
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        let mut value = |name: &str| it.next().ok_or(format!("{name}: expected a value"));
        match a.as_str() {
            "--patients" => {
                cfg.patients = value("--patients")?
                    .parse()
                    .map_err(|e| format!("--patients: {e}"))?
            }
            "--seed" => {
                cfg.seed = value("--seed")?
                    .parse()
                    .map_err(|e| format!("--seed: {e}"))?
            }
            other => return Err(format!("unknown argument {other}")),
        }
    }
    let population = synth::generate(&cfg).map_err(|e| e.to_string())?;
    let store = EventStore::build(&population);
    let mut out = serde_json::Map::new();
    for (name, text) in definition::examples() {
        let def = Definition::from_json(text).map_err(|e| format!("{name}: {e}"))?;
        let result = engine::evaluate(&store, &def).map_err(|e| format!("{name}: {e}"))?;
        let rows = &result.rows;
        let list: Vec<serde_json::Value> = (0..rows.len())
            .map(|i| serde_json::json!([rows.person[i], rows.start[i], rows.end[i]]))
            .collect();
        out.insert(name.to_string(), serde_json::Value::Array(list));
    }
    Ok(serde_json::Value::Object(out).to_string())
}

fn main() {
    match run() {
        Ok(text) => println!("{text}"),
        Err(e) => {
            eprintln!("example_rows: {e}");
            std::process::exit(2);
        }
    }
}
