//! The worked fixtures of `fixtures/cohorts/` (format: `fixtures/README.md`): each population,
//! definition and hand-computed expectation, evaluated by the engine and by `Dataset::cohort`.
//!
//! [`engine::evaluate`] has one path per build: with the `parallel` feature (on in the workspace
//! build, where the Python crate asks for it) the candidates are shared out among rayon's
//! threads; without it (`cargo test -p cohorte-core`, the build of the wasm package) one thread
//! evaluates them all. `make cargo-test` runs this test in both builds.

mod engine {
    use std::path::PathBuf;

    use cohorte_core::dataset::Dataset;
    use cohorte_core::dates;
    use cohorte_core::definition::Definition;
    use cohorte_core::engine;
    use cohorte_core::fixture::load_population;
    use cohorte_core::store::EventStore;
    use serde_json::Value;

    fn dir() -> PathBuf {
        PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../fixtures/cohorts"))
    }

    fn read(p: &std::path::Path) -> String {
        std::fs::read_to_string(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
    }

    #[test]
    fn worked_fixtures() {
        let mut cases: Vec<PathBuf> = std::fs::read_dir(dir())
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.is_dir())
            .collect();
        cases.sort();
        assert!(
            cases.len() >= 8,
            "expected at least 8 fixtures, found {}",
            cases.len()
        );
        for case in cases {
            let name = case.file_name().unwrap().to_string_lossy().to_string();
            let pop = load_population(&read(&case.join("population.json"))).unwrap();
            let expected: Value = serde_json::from_str(&read(&case.join("expected.json"))).unwrap();
            let parsed = Definition::from_json(&read(&case.join("definition.json")));
            if let Some(errors) = expected.get("errors").and_then(|e| e.as_array()) {
                // A rejected definition: exactly these problems, each at its path.
                let problems = match parsed {
                    Err(cohorte_core::Error::Definition(p)) => p,
                    other => panic!("{name}: expected a definition error, got {other:?}"),
                };
                assert_eq!(problems.len(), errors.len(), "{name}: {problems:?}");
                for e in errors {
                    let path = e["path"].as_str().unwrap();
                    let needle = e["message_contains"].as_str().unwrap();
                    assert!(
                        problems
                            .iter()
                            .any(|p| p.path == path && p.message.contains(needle)),
                        "{name}: no problem at {path} containing {needle:?} in {problems:?}"
                    );
                }
                continue;
            }
            let def = parsed.unwrap_or_else(|e| panic!("{name}: {e}"));
            assert!(
                expected["why"].as_str().is_some_and(|w| w.len() > 50),
                "{name}: explain the expectation in `why`"
            );
            let store = EventStore::build(&pop);
            let result = engine::evaluate(&store, &def).unwrap();
            // The dataset entry point gives the same cohort.
            let via_dataset = Dataset::from_population(pop.clone()).cohort(&def).unwrap();
            assert_eq!(via_dataset, result, "{name}: Dataset::cohort");
            let got: Vec<(String, String, String)> = (0..result.rows.len())
                .map(|k| {
                    (
                        store.patients.nir[result.rows.person[k] as usize].clone(),
                        dates::format(result.rows.start[k]),
                        dates::format(result.rows.end[k]),
                    )
                })
                .collect();
            let want: Vec<(String, String, String)> = expected["rows"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| {
                    (
                        r["person_id"].as_str().unwrap().to_string(),
                        r["index_date"].as_str().unwrap().to_string(),
                        r["exit_date"].as_str().unwrap().to_string(),
                    )
                })
                .collect();
            assert_eq!(got, want, "{name}: rows");
            let attrition = serde_json::to_value(&result.attrition.steps).unwrap();
            assert_eq!(attrition, expected["attrition"], "{name}: attrition");

            // The record batches carry the same rows.
            let batch = result.to_record_batch(&store).unwrap();
            assert_eq!(batch.num_rows(), want.len(), "{name}");
            assert_eq!(batch.schema().field(2).name(), "index_date");
            let ab = result.attrition.to_record_batch().unwrap();
            assert_eq!(ab.num_rows(), def.inclusion.len() + 1, "{name}");
        }
    }
}
