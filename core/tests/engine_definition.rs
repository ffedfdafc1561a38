//! Cohort definitions: JSON Schema freshness, validation with paths, migration of version 1,
//! round trips of the example library.

// Inside `mod engine` so that `cargo test -p cohorte-core engine` selects these tests.
mod engine {
    use cohorte_core::definition::{self, Definition};
    use cohorte_core::error::{Problem, Severity};
    use cohorte_core::Error;

    fn errors_of(json: &str) -> Vec<Problem> {
        match Definition::from_json(json) {
            Err(Error::Definition(p)) => p,
            Err(e) => panic!("expected a definition error, got {e}"),
            Ok(_) => panic!("expected a definition error, the document was accepted"),
        }
    }

    fn has(problems: &[Problem], path: &str, needle: &str) -> bool {
        problems
            .iter()
            .any(|p| p.path == path && p.message.contains(needle))
    }

    #[test]
    fn schema_is_up_to_date() {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/schema/cohort-definition.schema.json"
        );
        let fresh = definition::json_schema();
        if std::env::var_os("UPDATE_SCHEMA").is_some() {
            std::fs::create_dir_all(concat!(env!("CARGO_MANIFEST_DIR"), "/schema")).unwrap();
            std::fs::write(path, &fresh).unwrap();
        }
        let committed = std::fs::read_to_string(path).unwrap_or_default();
        assert!(
            committed == fresh,
            "core/schema/cohort-definition.schema.json is stale: regenerate it with \
             `UPDATE_SCHEMA=1 cargo test -p cohorte-core --test engine_definition schema`"
        );
    }

    #[test]
    fn every_example_validates_and_round_trips() {
        let ex = definition::examples();
        assert!(ex.len() >= 6);
        for (name, json) in ex {
            let v = definition::validate_json(json);
            let errors: Vec<_> = v
                .problems
                .iter()
                .filter(|p| p.severity == Severity::Error)
                .collect();
            assert!(errors.is_empty(), "{name}: {errors:?}");
            let def = v.definition.unwrap();
            assert!(
                def.description.len() > 200,
                "{name}: explain it to a student"
            );
            let again = Definition::from_json(&def.to_json()).unwrap();
            assert_eq!(def, again, "{name}");
            // The example codes are all in the shipped referential: no warning either.
            assert!(v.problems.is_empty(), "{name}: {:?}", v.problems);
        }
    }

    #[test]
    fn type_errors_are_all_reported_with_paths() {
        let json = r#"{
          "version": 2,
          "name": "bad",
          "concept_sets": [
            { "name": "met", "system": "ATC", "codes": ["A10BA02"] },
            { "name": "x", "system": "LOINC", "codes": [12] }
          ],
          "entry": { "events": [{ "event": "dispensing", "concept_set": "met" }],
                     "occurrence": "second", "prior_observation": -3 },
          "inclusion": [
            { "name": "a", "demographics": { "age": { "min": 18 } } },
            { "name": "b", "event": "dispensing", "concept_set": "met", "window": { "start": "-30", "end": 0 } },
            { "name": "c", "event": "dispensing", "concept_set": "met", "window": { "start": 1.5 }, "colour": "red" },
            { "name": "d" },
            { "name": "e", "event": "dispensing", "concept_set": "statin" }
          ],
          "exit": { "type": "fixed" },
          "collapse_days": "none"
        }"#;
        let p = errors_of(json);
        assert!(
            has(&p, "concept_sets[1].system", "unknown code system"),
            "{p:?}"
        );
        assert!(
            has(&p, "concept_sets[1].codes[0]", "expected a code"),
            "{p:?}"
        );
        assert!(has(&p, "entry.occurrence", "\"first\""), "{p:?}");
        assert!(
            has(&p, "entry.prior_observation", "integer number of days"),
            "{p:?}"
        );
        assert!(
            has(
                &p,
                "inclusion[1].window.start",
                "expected an integer number of days, found the string \"-30\""
            ),
            "{p:?}"
        );
        assert!(
            has(&p, "inclusion[2].window.start", "integer number of days"),
            "{p:?}"
        );
        assert!(has(&p, "inclusion[2].colour", "unknown field"), "{p:?}");
        assert!(has(&p, "inclusion[3]", "expected a criterion"), "{p:?}");
        assert!(has(&p, "exit.days", "missing"), "{p:?}");
        assert!(has(&p, "collapse_days", "integer number of days"), "{p:?}");
        // A reference to an unknown concept set is reported in the same pass.
        assert!(
            has(
                &p,
                "inclusion[4].concept_set",
                "unknown concept set \"statin\""
            ),
            "{p:?}"
        );
        assert_eq!(p.len(), 11, "{p:?}");
        // The error message lists the problems with their paths.
        let msg = Error::Definition(p).to_string();
        assert!(msg.contains("inclusion[1].window.start: expected an integer number of days"));
    }

    #[test]
    fn meaning_errors_and_warnings() {
        let json = r#"{
          "version": 2,
          "name": "meaning",
          "concept_sets": [
            { "name": "mi", "system": "icd-10", "codes": ["i21", "Z99999X"] },
            { "name": "unknown drug", "system": "ATC", "codes": ["A10BA99"] }
          ],
          "entry": { "events": [{ "event": "stay", "concept_set": "mi" }] },
          "inclusion": [
            { "name": "a", "event": "dispensing", "concept_set": "statins" },
            { "name": "b", "event": "dispensing", "concept_set": "mi" },
            { "name": "c", "event": "diagnosis", "concept_set": "mi", "window": { "start": 10, "end": -10 } },
            { "name": "d", "event": "act", "roles": ["DP"] },
            { "name": "e", "in_cohort": "nowhere" },
            { "name": "f", "demographics": { "departements": ["75", "99"], "regions": [12] } },
            { "name": "g", "event": "death", "count": { "exactly": 1, "at_least": 1 } }
          ],
          "exit": { "type": "drug_exposure", "concept_set": "mi" }
        }"#;
        let v = definition::validate_json(json);
        let p = &v.problems;
        let err = |path: &str, needle: &str| {
            p.iter().any(|x| {
                x.severity == Severity::Error && x.path == path && x.message.contains(needle)
            })
        };
        let warn = |path: &str, needle: &str| {
            p.iter().any(|x| {
                x.severity == Severity::Warning && x.path == path && x.message.contains(needle)
            })
        };
        assert!(err("concept_sets[0].codes[1]", "ICD-10"), "{p:?}");
        assert!(
            warn("concept_sets[1].codes[0]", "not in Cohorte's referential"),
            "{p:?}"
        );
        assert!(
            err(
                "inclusion[0].concept_set",
                "unknown concept set \"statins\""
            ),
            "{p:?}"
        );
        assert!(
            err("inclusion[1].concept_set", "coded in ATC or CIP13"),
            "{p:?}"
        );
        assert!(err("inclusion[2].window.start", "after its end"), "{p:?}");
        assert!(err("inclusion[3].roles", "diagnosis events only"), "{p:?}");
        assert!(
            err("inclusion[4].in_cohort", "unknown nested cohort"),
            "{p:?}"
        );
        assert!(
            err(
                "inclusion[5].demographics.departements[1]",
                "unknown département"
            ),
            "{p:?}"
        );
        assert!(
            err("inclusion[5].demographics.regions[0]", "unknown region"),
            "{p:?}"
        );
        assert!(err("inclusion[6].count", "either `exactly`"), "{p:?}");
        assert!(err("exit.concept_set", "needs a drug concept set"), "{p:?}");
        // Normalisation: `icd-10` and lower-case codes are read as ICD10 / I21.
        let d = v.definition.unwrap();
        assert_eq!(d.concept_sets[0].codes[0], "I21");
        assert!(Definition::from_json(json).is_err());
    }

    #[test]
    fn warnings_do_not_block() {
        let json = r#"{ "version": 2, "name": "w",
          "concept_sets": [{ "name": "rare", "system": "ICD10", "codes": ["Q871"] }],
          "entry": { "events": [{ "event": "diagnosis", "concept_set": "rare" }] } }"#;
        let d = Definition::from_json(json).unwrap();
        let w = d.warnings();
        assert_eq!(w.len(), 1);
        assert_eq!(w[0].path, "concept_sets[0].codes[0]");
    }

    #[test]
    fn version_1_documents_load() {
        let v1 = r#"{
          "version": 1,
          "name": "old style",
          "concepts": [{ "name": "met", "system": "ATC", "codes": ["A10BA02"] }],
          "entry": { "events": [{ "event": "dispensing", "concept_set": "met" }] },
          "inclusion": [
            { "name": "prior", "event": "dispensing", "concept_set": "met",
              "window": { "from": -365, "to": -1 }, "count": { "at_most": 0 } }
          ]
        }"#;
        let d = Definition::from_json(v1).unwrap();
        assert_eq!(d.version, definition::CURRENT_VERSION);
        assert_eq!(d.concept_sets[0].name, "met");
        match &d.inclusion[0].criterion {
            definition::Criterion::Events(e) => {
                assert_eq!(e.window.start, Some(-365));
                assert_eq!(e.window.end, Some(-1));
            }
            other => panic!("unexpected {other:?}"),
        }
        // A nested cohort without `version` follows its parent (here version 1: `from`/`to`).
        let nested = r#"{ "version": 1, "name": "outer",
          "entry": { "events": [{ "event": "death" }] },
          "inclusion": [{ "name": "n", "in_cohort": "inner" }],
          "cohorts": [{ "name": "inner",
            "concepts": [{ "name": "c", "system": "ICD10", "codes": ["I21"] }],
            "entry": { "events": [{ "event": "stay", "concept_set": "c" }] },
            "inclusion": [{ "name": "w", "event": "death", "window": { "from": 0, "to": 30 } }] }] }"#;
        let d = Definition::from_json(nested).unwrap();
        assert_eq!(d.cohorts[0].version, definition::CURRENT_VERSION);
        assert_eq!(d.cohorts[0].concept_sets[0].name, "c");
        let p = errors_of(r#"{ "version": 7, "name": "x", "entry": { "events": [] } }"#);
        assert!(has(&p, "version", "not known"), "{p:?}");
        let p = errors_of(r#"{ "name": "x" }"#);
        assert!(has(&p, "version", "missing"), "{p:?}");
        let p = errors_of("{ not json");
        assert!(p[0].message.contains("not valid JSON"));
    }
}
