//! Twins of the same insured parent share `BEN_NIR_PSA`: the cohort table keeps them apart by
//! `BEN_RNG_GEM`, as the SNDS does.

use arrow_array::{Array, StringArray, UInt8Array};
use cohorte_core::definition::Definition;
use cohorte_core::engine;
use cohorte_core::fixture::load_population;
use cohorte_core::store::EventStore;

#[test]
fn twins_are_two_persons_in_the_cohort_table() {
    let mut pop = load_population(
        r#"{ "data_start": "2019-01-01", "data_end": "2023-12-31", "patients": [
          { "id": "T", "sex": "female", "birth": "1950-06-15", "departement": "75",
            "events": [ { "type": "dispensing", "date": "2020-03-01", "code": "A10BA02" } ] },
          { "id": "T2", "sex": "male", "birth": "1950-06-15", "departement": "75",
            "events": [ { "type": "dispensing", "date": "2021-05-01", "code": "A10BA02" } ] },
          { "id": "U", "sex": "male", "birth": "1960-01-01", "departement": "13",
            "events": [ { "type": "dispensing", "date": "2022-01-01", "code": "A10BA02" } ] }
        ] }"#,
    )
    .expect("population");
    // The second twin: same pseudonym, second birth rank.
    pop.patients[1].nir = pop.patients[0].nir.clone();
    pop.patients[1].rank = 2;
    let store = EventStore::build(&pop);
    let def = Definition::from_json(
        r#"{ "version": 2, "name": "metformin",
             "concept_sets": [ { "name": "metformin", "system": "ATC", "codes": ["A10BA02"] } ],
             "entry": { "events": [ { "event": "dispensing", "concept_set": "metformin" } ] } }"#,
    )
    .expect("definition");
    let result = engine::evaluate(&store, &def).expect("evaluation");
    let batch = result.to_record_batch(&store).expect("batch");
    let names: Vec<_> = batch
        .schema()
        .fields()
        .iter()
        .map(|f| f.name().clone())
        .collect();
    assert_eq!(
        names,
        ["person_id", "BEN_RNG_GEM", "index_date", "exit_date"]
    );
    let ids = batch
        .column(0)
        .as_any()
        .downcast_ref::<StringArray>()
        .expect("utf8");
    let ranks = batch
        .column(1)
        .as_any()
        .downcast_ref::<UInt8Array>()
        .expect("u8");
    let mut people: Vec<(String, u8)> = (0..batch.num_rows())
        .map(|i| (ids.value(i).to_string(), ranks.value(i)))
        .collect();
    people.sort();
    assert_eq!(
        people,
        [
            ("T".to_string(), 1),
            ("T".to_string(), 2),
            ("U".to_string(), 1)
        ]
    );
    assert_eq!(ranks.null_count(), 0);
}
