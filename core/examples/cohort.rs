//! Evaluate a cohort definition on a synthetic population and print its attrition as JSON: the
//! native reference the explorer's end-to-end test compares the browser's numbers with. With
//! `--rows`, print the cohort's rows instead, `[[patient index, index date, exit date], ...]`
//! (days since 1970-01-01): the reference the wasm package's node tests compare its rows with.
//! The evaluation time goes to stderr.
//!
//! ```sh
//! cargo run --release -p cohorte-core --example cohort -- --patients 50000 --seed 7 --definition def.json [--rows]
//! ```

use cohorte_core::definition::Definition;
use cohorte_core::engine;
use cohorte_core::store::EventStore;
use cohorte_core::synth::{self, SynthConfig};

fn parse_args() -> Result<(SynthConfig, String, bool), String> {
    let mut cfg = SynthConfig::default();
    let mut definition = None;
    let mut rows = false;
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        let mut value = |name: &str| it.next().ok_or(format!("{name}: expected a value"));
        match a.as_str() {
            "--patients" => {
                cfg.patients = value("--patients")?
                    .replace('_', "")
                    .parse()
                    .map_err(|e| format!("--patients: {e}"))?
            }
            "--seed" => {
                cfg.seed = value("--seed")?
                    .parse()
                    .map_err(|e| format!("--seed: {e}"))?
            }
            "--years" => {
                cfg.years = value("--years")?
                    .parse()
                    .map_err(|e| format!("--years: {e}"))?
            }
            "--start-year" => {
                cfg.start_year = value("--start-year")?
                    .parse()
                    .map_err(|e| format!("--start-year: {e}"))?
            }
            "--definition" => definition = Some(value("--definition")?),
            "--rows" => rows = true,
            other => return Err(format!("unknown argument {other}")),
        }
    }
    let path = definition.ok_or("--definition: required (a JSON file)")?;
    let text = std::fs::read_to_string(&path).map_err(|e| format!("{path}: {e}"))?;
    Ok((cfg, text, rows))
}

fn main() {
    let run = || -> Result<String, String> {
        let (cfg, text, rows) = parse_args()?;
        let def = Definition::from_json(&text).map_err(|e| format!("definition: {e}"))?;
        let population = synth::generate(&cfg).map_err(|e| e.to_string())?;
        let store = EventStore::build(&population);
        let t0 = std::time::Instant::now();
        let result = engine::evaluate(&store, &def).map_err(|e| e.to_string())?;
        // on stderr, so stdout stays the attrition JSON; read by `make bench-web`
        eprintln!("evaluation_ms {:.3}", t0.elapsed().as_secs_f64() * 1000.0);
        if rows {
            let r = &result.rows;
            let list: Vec<(u32, i32, i32)> = (0..r.len())
                .map(|i| (r.person[i], r.start[i], r.end[i]))
                .collect();
            return serde_json::to_string(&list).map_err(|e| e.to_string());
        }
        serde_json::to_string(&result.attrition.steps).map_err(|e| e.to_string())
    };
    match run() {
        Ok(json) => println!("{json}"),
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(2);
        }
    }
}
