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
        let fresh = definition::generate_json_schema();
        assert_eq!(
            definition::json_schema(),
            std::fs::read_to_string(path).unwrap_or_default()
        );
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

    // -----------------------------------------------------------------------------------------
    // Every message of validation, one case each.

    use serde_json::{json, Value};

    const E: Severity = Severity::Error;
    const W: Severity = Severity::Warning;

    /// A valid document without any warning; each case below changes it.
    fn base() -> Value {
        json!({
          "version": 2,
          "name": "base",
          "concept_sets": [
            { "name": "met", "system": "ATC", "codes": ["A10BA02"] },
            { "name": "mi", "system": "ICD10", "codes": ["I21"] }
          ],
          "entry": { "events": [{ "event": "dispensing", "concept_set": "met" }] },
          "inclusion": [{ "name": "adult", "demographics": { "age": { "min": 18 } } }]
        })
    }

    fn with(f: impl FnOnce(&mut Value)) -> Value {
        let mut v = base();
        f(&mut v);
        v
    }

    fn push(v: &mut Value, k: &str, item: Value) {
        v[k].as_array_mut().unwrap().push(item);
    }

    /// One more inclusion rule.
    fn rule(item: Value) -> Value {
        with(|v| push(v, "inclusion", item))
    }

    /// The base document with a nested cohort `inner` and `extra` fields in it.
    fn nested(extra: Value) -> Value {
        let mut inner = json!({
          "version": 2, "name": "inner",
          "concept_sets": [{ "name": "mi", "system": "ICD10", "codes": ["I21"] }],
          "entry": { "events": [{ "event": "stay", "concept_set": "mi" }] }
        });
        for (k, x) in extra.as_object().unwrap() {
            inner[k] = x.clone();
        }
        with(|v| {
            v["cohorts"] = json!([inner]);
            push(
                v,
                "inclusion",
                json!({ "name": "in", "in_cohort": "inner" }),
            );
        })
    }

    type Want = &'static [(Severity, &'static str, &'static str)];

    /// Every problem of `doc`, errors and warnings.
    fn problems_of(doc: &Value) -> Vec<Problem> {
        definition::validate_value(doc.clone()).problems
    }

    /// `got` is exactly `want`: as many problems, each matching a distinct one.
    fn assert_exactly(label: &str, got: &[Problem], want: &[(Severity, &str, &str)]) {
        let mut used = vec![false; got.len()];
        for (sev, path, needle) in want {
            let hit = got.iter().enumerate().position(|(i, p)| {
                !used[i] && p.severity == *sev && p.path == *path && p.message.contains(needle)
            });
            match hit {
                Some(i) => used[i] = true,
                None => panic!("{label}: no {sev:?} at {path:?} containing {needle:?} in {got:#?}"),
            }
        }
        assert_eq!(
            got.len(),
            want.len(),
            "{label}: unexpected problems in {got:#?}"
        );
    }

    fn cases() -> Vec<(&'static str, Value, Want)> {
        let many_rules: Vec<Value> = (0..65)
            .map(|i| json!({ "name": format!("r{i}"), "demographics": { "sex": "female" } }))
            .collect();
        vec![
            // ---- Checks of meaning (check.rs).
            ("ATC code of 6 characters", with(|v| v["concept_sets"][0]["codes"] = json!(["A10BA2"])),
             &[(E, "concept_sets[0].codes[0]", "expected an ATC code of 1, 3, 4, 5 or 7 characters such as \"A10BA02\", found \"A10BA2\"")]),
            ("CIP13 code of 3 digits", with(|v| v["concept_sets"][0] = json!({ "name": "met", "system": "CIP13", "codes": ["340"] })),
             &[(E, "concept_sets[0].codes[0]", "expected a CIP13 pack code of 13 digits")]),
            ("ICD-10 code starting with a digit", with(|v| v["concept_sets"][1]["codes"] = json!(["1E1"])),
             &[(E, "concept_sets[1].codes[0]", "expected an ICD-10 code without dot")]),
            ("CCAM code with a digit among the letters", with(|v| v["concept_sets"][1] = json!({ "name": "mi", "system": "CCAM", "codes": ["DDA1"] })),
             &[(E, "concept_sets[1].codes[0]", "expected a CCAM code (4 letters and 3 digits)")]),
            ("code absent from the referential", with(|v| v["concept_sets"][0]["codes"] = json!(["A10BA99"])),
             &[(W, "concept_sets[0].codes[0]", "ATC code \"A10BA99\" is not in Cohorte's referential")]),
            ("concept set with an empty name", with(|v| push(v, "concept_sets", json!({ "name": " ", "system": "ATC", "codes": ["A10"] }))),
             &[(E, "concept_sets[2].name", "expected a non-empty name")]),
            ("concept set without codes", with(|v| v["concept_sets"][1]["codes"] = json!([])),
             &[(E, "concept_sets[1].codes", "expected at least one code")]),
            ("exclusion outside the set", with(|v| v["concept_sets"][0]["exclude"] = json!(["C10AA01"])),
             &[(W, "concept_sets[0].exclude[0]", "\"C10AA01\" is not under any code of the set: it excludes nothing")]),
            ("concept set defined twice", with(|v| push(v, "concept_sets", json!({ "name": "met", "system": "ATC", "codes": ["A10BA"] }))),
             &[(E, "concept_sets[2].name", "concept set \"met\" is defined twice")]),
            ("death entry with a concept set", with(|v| v["entry"]["events"] = json!([{ "event": "death", "concept_set": "mi" }])),
             &[(E, "entry.events[0].concept_set", "death events have no code: remove the concept set")]),
            ("unknown concept set", with(|v| v["entry"]["events"][0]["concept_set"] = json!("statins")),
             &[(E, "entry.events[0].concept_set", "unknown concept set \"statins\" (known: \"met\", \"mi\")")]),
            ("unknown concept set, none defined", with(|v| {
                v.as_object_mut().unwrap().remove("concept_sets");
                v["entry"]["events"] = json!([{ "event": "stay", "concept_set": "mi" }]);
             }),
             &[(E, "entry.events[0].concept_set", "unknown concept set \"mi\" (none is defined in `concept_sets`)")]),
            ("ICD-10 set for dispensings", with(|v| v["entry"]["events"][0]["concept_set"] = json!("mi")),
             &[(E, "entry.events[0].concept_set", "concept set \"mi\" holds ICD10 codes but dispensing events are coded in ATC or CIP13")]),
            ("roles on dispensings", with(|v| v["entry"]["events"][0]["roles"] = json!(["DP"])),
             &[(E, "entry.events[0].roles", "roles apply to diagnosis events only, not to dispensing")]),
            ("window start after its end", rule(json!({ "name": "w", "event": "diagnosis", "concept_set": "mi", "window": { "start": 10, "end": -10 } })),
             &[(E, "inclusion[1].window.start", "the window starts on day 10, after its end (day -10)")]),
            ("count with exactly and at_least", rule(json!({ "name": "c", "event": "death", "count": { "exactly": 1, "at_least": 1 } })),
             &[(E, "inclusion[1].count", "expected either `exactly` or `at_least`/`at_most`, not both")]),
            ("count with none of its fields", rule(json!({ "name": "c", "event": "death", "count": {} })),
             &[(E, "inclusion[1].count", "expected one of `at_least`, `at_most`, `exactly`")]),
            ("count with at_least above at_most", rule(json!({ "name": "c", "in_cohort": "inner", "count": { "at_least": 3, "at_most": 2 } }))
                .pipe(|mut v| { v["cohorts"] = nested(json!({}))["cohorts"].clone(); v }),
             &[(E, "inclusion[1].count", "at_least (3) is above at_most (2): no count satisfies it")]),
            ("empty group", rule(json!({ "name": "g", "any": [] })),
             &[(E, "inclusion[1].any", "expected at least one criterion")]),
            ("at_least above the number of criteria", rule(json!({ "name": "g", "at_least": 3, "of": [
                { "event": "death" }, { "demographics": { "sex": "male" } } ] })),
             &[(E, "inclusion[1].at_least", "at_least 3 of 2 criteria can never hold")]),
            ("at_most that always holds", rule(json!({ "name": "g", "at_most": 2, "of": [
                { "event": "death" }, { "demographics": { "sex": "male" } } ] })),
             &[(W, "inclusion[1].at_most", "at_most 2 of 2 criteria always holds")]),
            ("minimum age above the maximum", rule(json!({ "name": "a", "demographics": { "age": { "min": 80, "max": 18 } } })),
             &[(E, "inclusion[1].demographics.age.min", "minimum age 80 is above maximum age 18")]),
            ("unknown département", rule(json!({ "name": "d", "demographics": { "departements": ["75", "2A", "99"] } })),
             &[(E, "inclusion[1].demographics.departements[2]", "unknown département \"99\"")]),
            ("unknown region", rule(json!({ "name": "d", "demographics": { "regions": [11, 12] } })),
             &[(E, "inclusion[1].demographics.regions[1]", "unknown region 12; expected a 2016 INSEE region code")]),
            ("demographics without a condition", rule(json!({ "name": "d", "demographics": {} })),
             &[(W, "inclusion[1].demographics", "no condition given: every index event satisfies it")]),
            ("unknown nested cohort", rule(json!({ "name": "n", "in_cohort": "nowhere" })),
             &[(E, "inclusion[1].in_cohort", "unknown nested cohort \"nowhere\" (none is defined in `cohorts`)")]),
            ("unknown nested cohort, others known", nested(json!({})).pipe(|mut v| { v["inclusion"][1]["in_cohort"] = json!("outer"); v }),
             &[(E, "inclusion[1].in_cohort", "unknown nested cohort \"outer\" (known: \"inner\")")]),
            ("empty cohort name", with(|v| v["name"] = json!("")),
             &[(E, "name", "expected a non-empty name")]),
            ("no entry event", with(|v| v["entry"]["events"] = json!([])),
             &[(E, "entry.events", "expected at least one event filter")]),
            ("inverted date range", with(|v| v["entry"]["date_range"] = json!({ "from": "2022-01-01", "to": "2021-12-31" })),
             &[(E, "entry.date_range.from", "the date range starts after it ends")]),
            ("65 rules", with(|v| v["inclusion"] = json!(many_rules)),
             &[(E, "inclusion", "expected at most 64 rules, found 65 (group criteria with `all`)")]),
            ("empty rule name", rule(json!({ "name": "", "event": "death" })),
             &[(E, "inclusion[1].name", "expected a non-empty rule name (it labels the attrition step)")]),
            ("two rules with the same name", rule(json!({ "name": "adult", "event": "death" })),
             &[(W, "inclusion[1].name", "two rules are named \"adult\": the attrition will be ambiguous")]),
            ("drug exposure exit on an unknown set", with(|v| v["exit"] = json!({ "type": "drug_exposure", "concept_set": "insulin" })),
             &[(E, "exit.concept_set", "the drug_exposure exit needs a drug concept set: unknown concept set \"insulin\"")]),
            ("drug exposure exit on an ICD-10 set", with(|v| v["exit"] = json!({ "type": "drug_exposure", "concept_set": "mi" })),
             &[(E, "exit.concept_set", "needs a drug concept set (ATC or CIP13), but \"mi\" holds ICD10 codes")]),
            ("0 days per box", with(|v| v["exit"] = json!({ "type": "drug_exposure", "concept_set": "met", "days_per_box": 0 })),
             &[(E, "exit.days_per_box", "expected at least 1 day per box")]),
            ("nested cohort defined twice", nested(json!({})).pipe(|mut v| { let c = v["cohorts"][0].clone(); push(&mut v, "cohorts", c); v }),
             &[(E, "cohorts[1].name", "nested cohort \"inner\" is defined twice")]),
            ("problem inside a nested cohort", nested(json!({ "entry": { "events": [{ "event": "stay", "concept_set": "met" }] } })),
             &[(E, "cohorts[0].entry.events[0].concept_set", "unknown concept set \"met\" (known: \"mi\")")]),
            // ---- Structure (walk.rs).
            ("unknown field", with(|v| v["colour"] = json!("red")),
             &[(E, "colour", "unknown field in a cohort definition; expected one of: version, name")]),
            ("entry not an object", with(|v| v["entry"] = json!([])),
             &[(E, "entry", "expected the entry (an object), found a list")]),
            ("name missing", with(|v| { v.as_object_mut().unwrap().remove("name"); }),
             &[(E, "name", "missing; expected the cohort's name")]),
            ("name not a string", with(|v| v["name"] = json!(3)),
             &[(E, "name", "expected a name (a string), found 3")]),
            ("negative collapse days", with(|v| v["collapse_days"] = json!(-1)),
             &[(E, "collapse_days", "expected an integer number of days (0 or more), found -1")]),
            ("window bound beyond 32 bits", rule(json!({ "name": "w", "event": "death", "window": { "end": 3000000000u64 } })),
             &[(E, "inclusion[1].window.end", "expected an integer number of days, found 3000000000")]),
            ("distinct_dates not a boolean", rule(json!({ "name": "w", "event": "death", "distinct_dates": "yes" })),
             &[(E, "inclusion[1].distinct_dates", "expected true or false, found the string \"yes\"")]),
            ("unknown occurrence", with(|v| v["entry"]["occurrence"] = json!("second")),
             &[(E, "entry.occurrence", "expected one of \"first\", \"all\", \"last\", found the string \"second\"")]),
            ("rules not a list", with(|v| v["inclusion"] = json!({})),
             &[(E, "inclusion", "expected a list of inclusion rules, found an object")]),
            ("date that is no date", with(|v| v["entry"]["date_range"] = json!({ "from": "next monday" })),
             &[(E, "entry.date_range.from", "expected a date such as 2021-03-09 or 09/03/2021, found \"next monday\"")]),
            ("date that is not in the calendar", with(|v| v["entry"]["date_range"] = json!({ "from": "2021-02-29" })),
             &[(E, "entry.date_range.from", "\"2021-02-29\" is not a valid calendar date")]),
            ("date that is not a string", with(|v| v["entry"]["date_range"] = json!({ "to": 20211231 })),
             &[(E, "entry.date_range.to", "expected a date such as \"2021-03-09\", found 20211231")]),
            ("unknown code system", with(|v| v["concept_sets"][1]["system"] = json!("LOINC")),
             &[(E, "concept_sets[1].system", "unknown code system \"LOINC\"; expected one of ATC, CIP13, ICD10, CCAM")]),
            ("code system not a string", with(|v| v["concept_sets"][1]["system"] = json!(10)),
             &[(E, "concept_sets[1].system", "expected a code system (ATC, CIP13, ICD10, CCAM), found 10")]),
            ("code not a string", with(|v| v["concept_sets"][0]["codes"] = json!(["A10BA02", 12])),
             &[(E, "concept_sets[0].codes[1]", "expected a code such as \"E11\" (a string), found 12")]),
            ("rule not an object", rule(json!("adult")),
             &[(E, "inclusion[1]", "expected an inclusion rule (an object with a name), found the string \"adult\"")]),
            ("rule without a name", rule(json!({ "event": "death" })),
             &[(E, "inclusion[1].name", "missing; expected the rule's name")]),
            ("criterion not an object", rule(json!({ "name": "g", "all": [[]] })),
             &[(E, "inclusion[1].all[0]", "expected a criterion (an object), found a list")]),
            ("rule without a criterion", rule(json!({ "name": "g" })),
             &[(E, "inclusion[1]", "expected a criterion: one of `event` (count events in a window), `in_cohort`, `demographics`")]),
            ("two criteria in one object", rule(json!({ "name": "g", "event": "death", "demographics": { "sex": "male" } })),
             &[(E, "inclusion[1]", "expected one criterion per object, found several (demographics, event); group them with `all`")]),
            ("region not a number", rule(json!({ "name": "d", "demographics": { "regions": ["11"] } })),
             &[(E, "inclusion[1].demographics.regions[0]", "expected a region INSEE code such as 11, found the string \"11\"")]),
            ("exit without a type", with(|v| v["exit"] = json!({ "days": 30 })),
             &[(E, "exit.days", "unknown field in an exit; expected one of: type"),
               (E, "exit.type", "missing; expected one of \"end_of_observation\", \"fixed\", \"drug_exposure\", \"death\"")]),
            ("unknown set inside a malformed rule", rule(json!({ "name": "s", "event": "dispensing", "concept_set": "statins", "window": { "start": "-30" } })),
             &[(E, "inclusion[1].window.start", "expected an integer number of days, found the string \"-30\""),
               (E, "inclusion[1].concept_set", "unknown concept set \"statins\"")]),
            ("unknown nested cohort inside a malformed rule", rule(json!({ "name": "s", "in_cohort": "nowhere", "count": { "at_least": -1 } })),
             &[(E, "inclusion[1].count.at_least", "expected an integer count (0 or more), found -1"),
               (E, "inclusion[1].in_cohort", "unknown nested cohort \"nowhere\"")]),
            // ---- Versions (mod.rs).
            ("version missing", with(|v| { v.as_object_mut().unwrap().remove("version"); }),
             &[(E, "version", "missing; expected the format version (current: 2)")]),
            ("version not an integer", with(|v| v["version"] = json!("2")),
             &[(E, "version", "expected an integer format version (1 to 2), found \"2\"")]),
            ("version from the future", with(|v| v["version"] = json!(7)),
             &[(E, "version", "version 7 is not known to this version of Cohorte (expected 1 to 2)")]),
            ("not an object", json!([1, 2]),
             &[(E, "", "expected an object (a cohort definition)")]),
        ]
    }

    #[test]
    fn structure_and_meaning_are_reported_together() {
        // Type errors, errors of meaning of the well-formed parts, and a missing version.
        let doc = json!({
          "name": "several kinds of mistakes",
          "concept_sets": [
            { "name": "met", "system": "ATC", "codes": ["A10BA2"] },
            { "name": "mi", "system": "ICD10", "codes": ["I21"] },
            { "name": "bad", "system": "LOINC", "codes": ["X"] }
          ],
          "entry": { "events": [{ "event": "dispensing", "concept_set": "met" }], "prior_observation": "365" },
          "inclusion": [
            { "name": "w", "event": "diagnosis", "concept_set": "mi", "window": { "start": 10, "end": -10 } },
            { "name": "t", "event": "dispensing", "concept_set": "met", "window": { "start": "-30" } },
            { "name": "place", "demographics": { "departements": ["99"] } },
            // A malformed set is reported once, not again where it is used.
            { "name": "uses bad", "event": "diagnosis", "concept_set": "bad" },
            { "name": "g", "any": [
              { "event": "death", "window": { "end": "x" } },
              { "event": "stay", "concept_set": "met" }
            ] }
          ],
          "exit": { "type": "drug_exposure", "concept_set": "mi" }
        });
        let got = problems_of(&doc);
        assert_exactly(
            "several kinds",
            &got,
            &[
                (E, "version", "missing; expected the format version"),
                (E, "concept_sets[0].codes[0]", "expected an ATC code"),
                (E, "concept_sets[2].system", "unknown code system"),
                (
                    E,
                    "entry.prior_observation",
                    "expected an integer number of days",
                ),
                (E, "inclusion[0].window.start", "after its end"),
                (
                    E,
                    "inclusion[1].window.start",
                    "expected an integer number of days",
                ),
                (
                    E,
                    "inclusion[2].demographics.departements[0]",
                    "unknown département \"99\"",
                ),
                (
                    E,
                    "inclusion[4].any[0].window.end",
                    "expected an integer number of days",
                ),
                (
                    E,
                    "inclusion[4].any[1].concept_set",
                    "stay events are coded in ICD10",
                ),
                (
                    E,
                    "exit.concept_set",
                    "needs a drug concept set (ATC or CIP13)",
                ),
            ],
        );
        // The error carries them all too.
        match Definition::from_value(doc) {
            Err(Error::Definition(p)) => assert_eq!(p.len(), 10, "{p:?}"),
            other => panic!("expected a definition error, got {other:?}"),
        }

        // An exit with a wrong optional number is still checked.
        let doc = with(|v| {
            v["exit"] = json!({ "type": "drug_exposure", "concept_set": "mi", "gap": "30" })
        });
        assert_exactly(
            "exit",
            &problems_of(&doc),
            &[
                (
                    E,
                    "exit.gap",
                    "expected an integer number of days (0 or more), found the string \"30\"",
                ),
                (
                    E,
                    "exit.concept_set",
                    "needs a drug concept set (ATC or CIP13), but \"mi\" holds ICD10 codes",
                ),
            ],
        );
        // A malformed exit type: the exit is not checked further.
        let doc = with(|v| v["exit"] = json!({ "type": "drug", "concept_set": "mi" }));
        assert_exactly(
            "exit type",
            &problems_of(&doc),
            &[
                (
                    E,
                    "exit.concept_set",
                    "unknown field in an exit; expected one of: type",
                ),
                (E, "exit.type", "expected one of \"end_of_observation\""),
            ],
        );

        // A lone name: the version and the entry are missing.
        assert_exactly(
            "only a name",
            &problems_of(&json!({ "name": "x" })),
            &[
                (E, "version", "missing"),
                (E, "entry", "missing; expected the entry events"),
            ],
        );

        // An unknown version is read as the current one.
        assert_exactly(
            "version 7",
            &problems_of(&json!({ "version": 7, "name": "x", "entry": { "events": [] } })),
            &[
                (E, "version", "version 7 is not known"),
                (E, "entry.events", "expected at least one event filter"),
            ],
        );

        // A nested cohort that is not an object, and a malformed concept set: neither is listed
        // among the known names.
        assert_exactly(
            "not a cohort",
            &problems_of(&json!({
              "version": 2, "name": "outer",
              "concept_sets": [{ "name": 7, "system": "ATC", "codes": ["A10"] }],
              "entry": { "events": [{ "event": "dispensing", "concept_set": "met" }] },
              "inclusion": [{ "name": "n", "in_cohort": "inner" }],
              "cohorts": [5]
            })),
            &[
                (
                    E,
                    "concept_sets[0].name",
                    "expected a name (a string), found 7",
                ),
                (
                    E,
                    "entry.events[0].concept_set",
                    "unknown concept set \"met\" (none is defined in `concept_sets`)",
                ),
                (
                    E,
                    "cohorts[0]",
                    "expected a cohort definition (an object), found 5",
                ),
                (
                    E,
                    "inclusion[0].in_cohort",
                    "unknown nested cohort \"inner\" (none is defined in `cohorts`)",
                ),
            ],
        );

        // Inside a nested cohort: a type error and an error of meaning; outside, another one.
        let doc = json!({
          "version": 2, "name": "outer",
          "entry": { "events": [{ "event": "death" }] },
          "inclusion": [{ "name": "n", "in_cohort": "inner", "window": { "start": 5, "end": 0 } }],
          "cohorts": [{
            "name": "inner",
            "concept_sets": [{ "name": "mi", "system": "ICD10", "codes": ["I21"] }],
            "entry": { "events": [
              { "event": "diagnosis", "concept_set": "mi", "roles": "DP" },
              { "event": "act", "concept_set": "mi" }
            ] },
            "inclusion": [{ "name": "", "event": "death" }]
          }]
        });
        assert_exactly(
            "nested",
            &problems_of(&doc),
            &[
                (E, "inclusion[0].window.start", "after its end"),
                (
                    E,
                    "cohorts[0].entry.events[0].roles",
                    "expected a list of diagnosis roles",
                ),
                (
                    E,
                    "cohorts[0].entry.events[1].concept_set",
                    "act events are coded in CCAM",
                ),
                (
                    E,
                    "cohorts[0].inclusion[0].name",
                    "expected a non-empty rule name",
                ),
            ],
        );
    }

    trait Pipe: Sized {
        fn pipe(self, f: impl FnOnce(Self) -> Self) -> Self {
            f(self)
        }
    }
    impl Pipe for Value {}

    #[test]
    fn every_validation_message_has_a_case() {
        assert!(
            problems_of(&base()).is_empty(),
            "{:?}",
            problems_of(&base())
        );
        assert!(problems_of(&nested(json!({}))).is_empty());
        let mut all: Vec<Problem> = Vec::new();
        for (label, doc, want) in cases() {
            let got = problems_of(&doc);
            assert_exactly(label, &got, want);
            all.extend(got);
        }
        // A definition built in code at another version.
        let mut d = Definition::from_value(base()).unwrap();
        d.version = 1;
        let got = d.check();
        assert_exactly(
            "version 1 in memory",
            &got,
            &[(E, "version", "expected version 2")],
        );
        assert!(d.ensure_valid().is_err());
        all.extend(got);
        // Not JSON at all.
        let got = definition::validate_json("{ not json").problems;
        assert_exactly("not JSON", &got, &[(E, "", "not valid JSON")]);
        all.extend(got);

        // Every message template of the validation sources appears in some case's problems:
        // a new message without a case fails here.
        let mut templates = Vec::new();
        for (file, src) in [
            ("check.rs", include_str!("../src/definition/check.rs")),
            ("walk.rs", include_str!("../src/definition/walk.rs")),
        ] {
            for t in message_templates(src) {
                templates.push((file, t));
            }
        }
        assert!(
            templates.len() >= 50,
            "found only {} templates",
            templates.len()
        );
        let missing: Vec<_> = templates
            .iter()
            .filter(|(_, t)| !all.iter().any(|p| p.message.contains(t.as_str())))
            .collect();
        assert!(missing.is_empty(), "messages without a case: {missing:#?}");
    }

    /// The fixed text of every message the source can emit: for each `.err(` / `.warn(` call
    /// and `message: format!(` field, the longest literal piece of its message (between the
    /// `{}` placeholders), and each literal of the `Err(match system { .. })` of `well_formed`.
    fn message_templates(src: &str) -> Vec<String> {
        let mut out = Vec::new();
        let b = src.as_bytes();
        for token in [".err(", ".warn(", "message: format!("] {
            let mut from = 0;
            while let Some(k) = src[from..].find(token) {
                let start = from + k + token.len();
                from = start;
                let args = call_args(&b[start..]);
                // The message is the last argument of err/warn, the only one of format!.
                let msg = if token.starts_with("message") {
                    args.first()
                } else {
                    args.get(1)
                };
                if let Some(m) = msg.and_then(|a| literals(a).into_iter().next()) {
                    out.push(longest_piece(&m));
                }
            }
        }
        if let Some(k) = src.find("Err(match system {") {
            let end = k + src[k..].find("\n        })").unwrap();
            for l in literals(&src[k..end]) {
                out.push(longest_piece(&l));
            }
        }
        out.retain(|t| t.len() >= 5);
        out
    }

    /// The top-level arguments of a call whose text starts after its `(`.
    fn call_args(b: &[u8]) -> Vec<String> {
        let (mut depth, mut in_str, mut esc) = (0i32, false, false);
        let mut args = vec![String::new()];
        for &c in b {
            let ch = c as char;
            if in_str {
                if esc {
                    esc = false;
                } else if ch == '\\' {
                    esc = true;
                } else if ch == '"' {
                    in_str = false;
                }
            } else {
                match ch {
                    '"' => in_str = true,
                    '(' | '[' | '{' => depth += 1,
                    ')' | ']' | '}' if depth == 0 => break,
                    ')' | ']' | '}' => depth -= 1,
                    ',' if depth == 0 => {
                        args.push(String::new());
                        continue;
                    }
                    _ => {}
                }
            }
            args.last_mut().unwrap().push(c as char);
        }
        args
    }

    /// The string literals of a piece of source, unescaped (`\` + newline continues a line).
    fn literals(s: &str) -> Vec<String> {
        let mut out = Vec::new();
        let mut it = s.chars().peekable();
        while let Some(c) = it.next() {
            if c != '"' {
                continue;
            }
            let mut lit = String::new();
            while let Some(c) = it.next() {
                match c {
                    '"' => break,
                    '\\' => match it.next() {
                        Some('\n') => {
                            while it.peek().is_some_and(|c| c.is_whitespace()) {
                                it.next();
                            }
                        }
                        Some('n') => lit.push('\n'),
                        Some(o) => lit.push(o),
                        None => {}
                    },
                    o => lit.push(o),
                }
            }
            out.push(lit);
        }
        out
    }

    /// The longest piece of a format string between its `{...}` placeholders.
    fn longest_piece(f: &str) -> String {
        let mut pieces = vec![String::new()];
        let mut depth = 0;
        for c in f.chars() {
            match c {
                '{' => {
                    depth += 1;
                    pieces.push(String::new());
                }
                '}' => depth -= 1,
                o if depth == 0 => pieces.last_mut().unwrap().push(o),
                _ => {}
            }
        }
        pieces
            .into_iter()
            .max_by_key(|p| p.len())
            .unwrap_or_default()
    }
}
