#[test]
fn perf() {
    use cohorte_core::definition::{examples, Definition};
    let pop = cohorte_core::synth::generate(&cohorte_core::synth::SynthConfig { seed: 1, patients: 200_000, ..Default::default() }).unwrap();
    let store = cohorte_core::store::EventStore::build(&pop);
    println!("events {}", store.n_events());
    for (name, json) in examples() {
        let def = Definition::from_json(json).unwrap();
        let t = std::time::Instant::now();
        let mut n = 0;
        for _ in 0..5 { n = cohorte_core::engine::evaluate(&store, &def).unwrap().rows.len(); }
        let dt = t.elapsed().as_secs_f64() / 5.0;
        println!("{name}: {:.1} ms, {n} rows, {:.0} M events/s", dt * 1e3, store.n_events() as f64 / dt / 1e6);
    }
}
