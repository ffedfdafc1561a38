//! The synthetic population is the same, byte for byte, for a given configuration: on every
//! platform (the golden digest of `fixtures/synthetic_digest.json` is also checked by the wasm and
//! Python builds) and with or
//! without the `parallel` feature (run it both ways: `cargo test -p cohorte-core --features
//! parallel --test synth_digest` gives the same golden digest).

use cohorte_core::model::{Event, EventKind};
use cohorte_core::synth::{generate, population_digest, SynthConfig};

/// The golden digest, its seed and number of patients (`fixtures/synthetic_digest.json`, also
/// read by the wasm and Python tests).
fn golden() -> (u64, u32, String) {
    let v: serde_json::Value =
        serde_json::from_str(include_str!("../../fixtures/synthetic_digest.json"))
            .expect("fixtures/synthetic_digest.json is JSON");
    (
        v["seed"].as_u64().expect("a seed"),
        v["patients"].as_u64().expect("a number of patients") as u32,
        v["digest"].as_str().expect("a digest").to_string(),
    )
}

fn config(seed: u64, patients: u32) -> SynthConfig {
    SynthConfig {
        seed,
        patients,
        ..SynthConfig::default()
    }
}

#[test]
fn synth_golden_digest() {
    let (seed, patients, digest) = golden();
    assert_eq!(digest.len(), 64, "a SHA-256 digest in hexadecimal");
    let pop = generate(&config(seed, patients)).expect("generation succeeds");
    assert_eq!(pop.patients.len(), patients as usize);
    assert_eq!(population_digest(&pop), digest);
}

#[test]
fn synth_same_seed_same_bytes_other_seed_other_bytes() {
    let a = generate(&config(42, 2000)).expect("generation succeeds");
    let b = generate(&config(42, 2000)).expect("generation succeeds");
    let c = generate(&config(43, 2000)).expect("generation succeeds");
    assert_eq!(a, b);
    assert_eq!(population_digest(&a), population_digest(&b));
    assert_ne!(population_digest(&a), population_digest(&c));
}

#[test]
fn synth_patients_do_not_depend_on_population_size() {
    // One stream per patient: the first 1 000 patients of a population of 3 000 are those of a
    // population of 1 000 (stay numbers aside, which count from the first patient).
    let small = generate(&config(5, 1000)).expect("generation succeeds");
    let large = generate(&config(5, 3000)).expect("generation succeeds");
    assert_eq!(small.patients[..], large.patients[..1000]);
    let strip = |e: &Event| Event { stay: 0, ..*e };
    let n = small.events.len();
    let a: Vec<Event> = small.events.iter().map(strip).collect();
    let b: Vec<Event> = large.events[..n].iter().map(strip).collect();
    assert_eq!(a, b);
    assert_ne!(large.events[n].patient, 999);
}

#[test]
fn synth_digest_ignores_event_order_but_not_content() {
    let pop = generate(&config(3, 300)).expect("generation succeeds");
    let d = population_digest(&pop);
    let mut shuffled = pop.clone();
    shuffled.events.reverse();
    assert_eq!(population_digest(&shuffled), d);
    let mut changed = pop.clone();
    let i = changed
        .events
        .iter()
        .position(|e| e.kind == EventKind::Dispensing)
        .expect("some dispensing");
    changed.events[i].value += 1;
    assert_ne!(population_digest(&changed), d);
    let mut renamed = pop.clone();
    renamed.patients[0].nir.replace_range(0..1, "Z");
    assert_ne!(population_digest(&renamed), d);
}

#[test]
fn synth_bad_configurations_are_rejected() {
    assert!(generate(&config(1, 0)).is_err());
    let err = generate(&SynthConfig {
        years: 0,
        ..SynthConfig::default()
    })
    .expect_err("zero years is rejected");
    assert!(err.to_string().contains("years"), "{err}");
}

#[test]
fn synth_extreme_configurations_generate() {
    for (start_year, years, patients) in [(1990, 30, 400), (2090, 30, 400), (2019, 1, 1)] {
        let pop = generate(&SynthConfig {
            seed: 9,
            patients,
            start_year,
            years,
            pitfalls: false,
        })
        .expect("generation succeeds");
        assert_eq!(pop.patients.len(), patients as usize);
        for e in &pop.events {
            assert!(e.start <= e.end, "{start_year}+{years}: {e:?}");
            if e.kind != EventKind::Ald {
                assert!(e.start >= pop.data_start && e.end <= pop.data_end);
            }
        }
    }
}
