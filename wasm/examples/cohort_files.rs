//! Evaluate a cohort definition on SNDS tables read from a folder (natively, with the same core
//! reader `Dataset.fromFiles` uses in the page) and print `{ "patients": n, "steps": [...] }`,
//! the number of patients read and the attrition: the reference the explorer's end-to-end test
//! compares the attrition of opened files with.
//!
//! ```sh
//! cargo run --release -p cohorte-wasm --example cohort_files -- --dir tables --definition def.json
//! ```

use cohorte_core::definition::Definition;
use cohorte_core::engine;

fn run() -> Result<String, String> {
    let mut dir = None;
    let mut definition = None;
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        match a.as_str() {
            "--dir" => dir = Some(it.next().ok_or("--dir: expected a folder")?),
            "--definition" => definition = Some(it.next().ok_or("--definition: expected a file")?),
            other => return Err(format!("unknown argument {other}")),
        }
    }
    let dir = dir.ok_or("--dir: required (a folder of SNDS table files)")?;
    let path = definition.ok_or("--definition: required (a JSON file)")?;
    let text = std::fs::read_to_string(&path).map_err(|e| format!("{path}: {e}"))?;
    let def = Definition::from_json(&text).map_err(|e| format!("definition: {e}"))?;
    let data = cohorte_core::Dataset::read_dir(&dir).map_err(|e| e.to_string())?;
    let result = engine::evaluate(data.store(), &def).map_err(|e| e.to_string())?;
    let out = serde_json::json!({
        "patients": data.store().n_patients(),
        "steps": result.attrition.steps,
    });
    Ok(out.to_string())
}

fn main() {
    match run() {
        Ok(json) => println!("{json}"),
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(2);
        }
    }
}
