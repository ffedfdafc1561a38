//! Set operations on cohorts against sets of (person, day), and exposure-gap boundaries.

mod engine {
    use std::collections::BTreeSet;

    use cohorte_core::definition::Definition;
    use cohorte_core::engine::{self, difference, intersection, union};
    use cohorte_core::fixture::load_population;
    use cohorte_core::model::CohortRows;
    use cohorte_core::store::EventStore;
    use proptest::prelude::*;

    fn rows(v: &[(u32, i32, i32)]) -> CohortRows {
        let mut c = CohortRows::default();
        for &(p, a, len) in v {
            c.person.push(p);
            c.start.push(a);
            c.end.push(a + len);
        }
        c
    }

    fn days(c: &CohortRows) -> BTreeSet<(u32, i32)> {
        (0..c.len())
            .flat_map(|k| (c.start[k]..=c.end[k]).map(move |d| (c.person[k], d)))
            .collect()
    }

    /// Maximal runs of consecutive days, per person, sorted.
    fn runs(s: &BTreeSet<(u32, i32)>) -> Vec<(u32, i32, i32)> {
        let mut out: Vec<(u32, i32, i32)> = Vec::new();
        for &(p, d) in s {
            match out.last_mut() {
                Some(l) if l.0 == p && l.2 + 1 == d => l.2 = d,
                _ => out.push((p, d, d)),
            }
        }
        out
    }

    fn as_runs(c: &CohortRows) -> Vec<(u32, i32, i32)> {
        (0..c.len())
            .map(|k| (c.person[k], c.start[k], c.end[k]))
            .collect()
    }

    fn arb_rows() -> impl Strategy<Value = Vec<(u32, i32, i32)>> {
        prop::collection::vec((0u32..4, 0i32..60, 0i32..12), 0..8)
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]
        #[test]
        fn set_operations_match_day_sets(a in arb_rows(), b in arb_rows()) {
            let (ra, rb) = (rows(&a), rows(&b));
            let (da, db) = (days(&ra), days(&rb));
            prop_assert_eq!(as_runs(&union(&ra, &rb)), runs(&da.union(&db).copied().collect()));
            prop_assert_eq!(as_runs(&intersection(&ra, &rb)), runs(&da.intersection(&db).copied().collect()));
            prop_assert_eq!(as_runs(&difference(&ra, &rb)), runs(&da.difference(&db).copied().collect()));
        }
    }

    #[test]
    fn set_operations_by_hand() {
        // P0: A = 1..5 and 10..12, B = 4..10. Union 1..12; intersection 4..5 and 10..10;
        // difference 1..3 and 11..12. P1 only in B.
        let a = rows(&[(0, 1, 4), (0, 10, 2)]);
        let b = rows(&[(0, 4, 6), (1, 0, 0)]);
        assert_eq!(as_runs(&union(&a, &b)), vec![(0, 1, 12), (1, 0, 0)]);
        assert_eq!(as_runs(&intersection(&a, &b)), vec![(0, 4, 5), (0, 10, 10)]);
        assert_eq!(as_runs(&difference(&a, &b)), vec![(0, 1, 3), (0, 11, 12)]);
        assert_eq!(as_runs(&difference(&b, &a)), vec![(0, 6, 9), (1, 0, 0)]);
    }

    /// Two 30-day boxes: the second dispensed exactly `gap` uncovered days after the first box
    /// ends joins the exposure; one day later it does not.
    #[test]
    fn exposure_gap_boundary() {
        let pop = |second: &str| {
            load_population(&format!(
                r#"{{ "data_start": "2020-01-01", "data_end": "2021-12-31", "patients": [
                  {{ "id": "P", "sex": "male", "birth": "1950-01-15", "events": [
                    {{ "type": "dispensing", "date": "2020-01-01", "code": "C07AB07" }},
                    {{ "type": "dispensing", "date": "{second}", "code": "C07AB07" }} ] }} ] }}"#
            ))
            .unwrap()
        };
        let def = Definition::from_json(
            r#"{ "version": 2, "name": "bb",
              "concept_sets": [{ "name": "bb", "system": "ATC", "codes": ["C07"] }],
              "entry": { "events": [{ "event": "dispensing", "concept_set": "bb" }] },
              "exit": { "type": "drug_exposure", "concept_set": "bb", "days_per_box": 30, "gap": 5 } }"#,
        )
        .unwrap();
        // First box covers 2020-01-01..01-30. Uncovered 01-31..02-04 = 5 days: 02-05 joins and
        // covers to 03-05 (2020 is a leap year). 02-06 leaves 6 uncovered days: no join.
        let exit = |second: &str| {
            let store = EventStore::build(&pop(second));
            let r = engine::evaluate(&store, &def).unwrap();
            cohorte_core::dates::format(r.rows.end[0])
        };
        assert_eq!(exit("2020-02-05"), "2020-03-05");
        assert_eq!(exit("2020-02-06"), "2020-01-30");
    }

    #[test]
    fn evaluate_rejects_invalid_definitions_and_rows() {
        let pop = load_population(
            r#"{ "data_start": "2020-01-01", "data_end": "2020-12-31", "patients": [
              { "id": "P", "sex": "female", "birth": "1950-01-15", "events": [] } ] }"#,
        )
        .unwrap();
        let store = EventStore::build(&pop);
        // Built in Rust without going through JSON: evaluate still checks it.
        let mut def = Definition::from_json(
            r#"{ "version": 2, "name": "x",
              "concept_sets": [{ "name": "a", "system": "ATC", "codes": ["A10"] }],
              "entry": { "events": [{ "event": "dispensing", "concept_set": "a" }] } }"#,
        )
        .unwrap();
        def.entry.events[0].concept_set = Some("b".into());
        match engine::evaluate(&store, &def) {
            Err(cohorte_core::Error::Definition(p)) => {
                assert_eq!(p[0].path, "entry.events[0].concept_set")
            }
            other => panic!("expected a definition error, got {other:?}"),
        }
        // Rows naming a person the store does not hold are an error, not a panic.
        let rows = CohortRows {
            person: vec![3],
            start: vec![0],
            end: vec![0],
        };
        let err = engine::rows_to_record_batch(&store, &rows).unwrap_err();
        assert!(err.to_string().contains("person 3"), "{err}");
        // The attrition batch has one row per step and the documented columns.
        def.entry.events[0].concept_set = Some("a".into());
        let r = engine::evaluate(&store, &def).unwrap();
        let b = r.attrition.to_record_batch().unwrap();
        let names: Vec<String> = b
            .schema()
            .fields()
            .iter()
            .map(|f| f.name().clone())
            .collect();
        assert_eq!(
            names,
            [
                "step",
                "name",
                "persons",
                "events",
                "lost_persons",
                "lost_events",
                "alone_persons",
                "alone_events"
            ]
        );
        assert_eq!(b.num_rows(), 1);
    }
}
