//! A synthetic population through files: its source tables written as Parquet, CSV and Arrow IPC
//! and read back give the same tables, population and event store as the tables in memory; and
//! the CSV rendering of a small seeded population is fixed byte for byte.

use std::path::PathBuf;

use cohorte_core::hash::Digester;
use cohorte_core::synth::SynthConfig;
use cohorte_core::tables::{self, Format};
use cohorte_core::Dataset;

fn tmp(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("cohorte-files-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn synthetic(seed: u64, patients: u32) -> Dataset {
    Dataset::synthetic(&SynthConfig {
        seed,
        patients,
        ..SynthConfig::default()
    })
    .unwrap()
}

#[test]
fn synthetic_tables_through_every_file_format() {
    let ds = synthetic(11, 2000);
    let t = ds.tables().unwrap();
    // The tables in memory, flattened: what every file format must give back.
    let mem = Dataset::from_tables(t.clone()).unwrap();
    assert_eq!(mem.population().patients.len(), 2000);
    assert!(mem.population().events.len() > 50_000);
    for f in [Format::Parquet, Format::Csv, Format::Ipc] {
        let dir = tmp(f.extension());
        let paths = ds.write_dir(&dir, f).unwrap();
        assert_eq!(paths.len(), t.len(), "{f:?}");
        let back = tables::read_dir(&dir).unwrap();
        assert_eq!(back.len(), t.len(), "{f:?}");
        for (name, batch) in &t {
            let (_, b) = back
                .iter()
                .find(|(n, _)| n == name)
                .unwrap_or_else(|| panic!("{f:?}: {name} not read back"));
            assert_eq!(b, batch, "{f:?} {name}");
        }
        let read = Dataset::read_dir(&dir).unwrap();
        assert_eq!(read.population(), mem.population(), "{f:?}");
        assert_eq!(read.filter_report(), mem.filter_report(), "{f:?}");
        let (a, b) = (read.store(), mem.store());
        assert_eq!(
            (a.n_patients(), a.n_events()),
            (b.n_patients(), b.n_events()),
            "{f:?}"
        );
        for p in [0, 1, 999, 1999] {
            let (ra, rb) = (a.events_of(p), b.events_of(p));
            assert_eq!(ra, rb, "{f:?} patient {p}");
            for i in ra {
                assert_eq!(
                    (a.kind_u8(i), a.role_u8(i), a.end_of(i), a.code_text(i)),
                    (b.kind_u8(i), b.role_u8(i), b.end_of(i), b.code_text(i)),
                    "{f:?} event {i}"
                );
            }
        }
        assert_eq!(read.digest(), mem.digest(), "{f:?}");
        let _ = std::fs::remove_dir_all(&dir);
    }
}

/// Digest of the CSV files of a population: for each table in the order written, its name and
/// its bytes (length-prefixed).
fn csv_digest(ds: &Dataset) -> String {
    let mut d = Digester::new();
    for (name, batch) in ds.tables().unwrap() {
        d.update_str(&name);
        let bytes = tables::csv::write_csv(&batch).unwrap();
        d.update(&(bytes.len() as u64).to_le_bytes());
        d.update(&bytes);
    }
    d.finish()
}

/// Regression value: the SHA-256 of the CSV rendering of the population of seed 5 with 300
/// patients (default span), computed once and committed. Any change to the generator, the
/// renderer or the CSV writer changes it; update it on purpose. The independent check of
/// determinism is that this value is the same on every run and platform (CI runs it on Linux;
/// the generator and the writer use no platform-dependent formatting or iteration order).
const GOLDEN_CSV_SEED_5: &str = "747a7f3c72413ca0de457e0823fe797c30ce354f69e4d88a1263879b3f3a4d45";

#[test]
fn synthetic_csv_bytes_are_fixed() {
    let ds = synthetic(5, 300);
    let d = csv_digest(&ds);
    assert_eq!(d, GOLDEN_CSV_SEED_5);
    // Same bytes again, from a new generation and from the population with its events in
    // another order (the renderer sorts them).
    assert_eq!(csv_digest(&synthetic(5, 300)), d);
    let mut pop = ds.population().clone();
    pop.events.reverse();
    assert_eq!(csv_digest(&Dataset::from_population(pop)), d);
    // Another seed gives other bytes.
    assert_ne!(csv_digest(&synthetic(6, 300)), d);
}
