//! The example library on a synthetic population: every example selects somebody, within
//! plausible bounds, with consistent rows and attrition.

mod engine {
    use cohorte_core::definition::{examples, Definition};
    use cohorte_core::engine;
    use cohorte_core::model::observation;
    use cohorte_core::store::EventStore;
    use cohorte_core::synth::{generate, SynthConfig};

    #[test]
    fn examples_on_synthetic_population() {
        let config = SynthConfig {
            seed: 7,
            patients: 40_000,
            ..SynthConfig::default()
        };
        let pop = generate(&config).unwrap();
        let store = EventStore::build(&pop);
        let n = pop.patients.len() as f64;
        for (name, json) in examples() {
            let def = Definition::from_json(json).unwrap();
            let r = engine::evaluate(&store, &def).unwrap();
            let persons = r.rows.n_persons() as f64;
            println!(
                "{name}: {} persons, {} rows, attrition {:?}",
                persons,
                r.rows.len(),
                r.attrition
                    .steps
                    .iter()
                    .map(|s| (s.persons, s.events))
                    .collect::<Vec<_>>()
            );
            // Plausible: somebody, and at most a few percent of the population (these are
            // incident events or treatment starts in five years of data).
            assert!(persons >= 3.0, "{name}: only {persons} persons");
            assert!(persons / n < 0.05, "{name}: {persons} persons of {n}");
            // Attrition: never increasing, last step = persons before era collapse.
            for w in r.attrition.steps.windows(2) {
                assert!(
                    w[1].persons <= w[0].persons && w[1].events <= w[0].events,
                    "{name}"
                );
                assert!(w[1].alone_persons <= r.attrition.steps[0].persons, "{name}");
            }
            let last = r.attrition.steps.last().unwrap();
            assert_eq!(last.persons as usize, r.rows.n_persons(), "{name}");
            // Rows: sorted, inside each person's observation period.
            for k in 0..r.rows.len() {
                let p = r.rows.person[k] as usize;
                let (s, e) = observation(
                    pop.patients[p].birth,
                    pop.patients[p].death,
                    pop.data_start,
                    pop.data_end,
                )
                .unwrap();
                assert!(
                    s <= r.rows.start[k] && r.rows.start[k] <= r.rows.end[k] && r.rows.end[k] <= e,
                    "{name}"
                );
                if k > 0 && r.rows.person[k - 1] as usize == p {
                    assert!(r.rows.start[k] > r.rows.end[k - 1], "{name}: rows overlap");
                }
            }
        }
    }
}
