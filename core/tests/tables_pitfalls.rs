//! The "real-world pitfalls" mode: each trap of real extracts, alone, is present in the rendered
//! tables, and the population loaded from them is the one loaded from the clean tables (so any
//! cohort is the same). Each test fails if the loader ignores its trap: the population read back
//! would hold another person, other events, or loading would fail.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::OnceLock;

use arrow_array::cast::AsArray;
use arrow_array::types::{Date32Type, Int64Type};
use arrow_array::{Array, RecordBatch};
use cohorte_core::dates::{self, SENTINEL};
use cohorte_core::definition::Definition;
use cohorte_core::model::Population;
use cohorte_core::synth::{generate, SynthConfig};
use cohorte_core::tables::flatten::{
    FilterReport, FICTITIOUS_FILTER, FINESS_FILTER, PSEUDONYM_FILTER, REGULARISATION_FILTER,
    SENTINEL_FILTER,
};
use cohorte_core::tables::render::{
    DUPLICATE_FINESS, FICTITIOUS_EVERY, PSEUDONYM_EVERY, WORK_ALD_EVERY,
};
use cohorte_core::tables::{self, Format, Pitfalls};
use cohorte_core::Dataset;

type Tables = Vec<(String, RecordBatch)>;

fn population() -> &'static Population {
    static POP: OnceLock<Population> = OnceLock::new();
    POP.get_or_init(|| {
        generate(&SynthConfig {
            seed: 4,
            patients: 1500,
            ..SynthConfig::default()
        })
        .expect("generation succeeds")
    })
}

/// Panics with the first difference between two populations (a readable message instead of
/// two whole populations).
fn same(a: &Population, b: &Population) {
    assert_eq!(a.patients.len(), b.patients.len(), "patients");
    for (x, y) in a.patients.iter().zip(&b.patients) {
        assert_eq!(x, y);
    }
    assert_eq!(a.dicts, b.dicts, "dictionaries");
    for (x, y) in a.events.iter().zip(&b.events) {
        assert_eq!(x, y);
    }
    assert_eq!(a.events.len(), b.events.len(), "events");
    assert_eq!(a, b);
}

fn load(t: &Tables) -> (Population, Vec<FilterReport>) {
    let conformed = tables::conform_tables(t).expect("tables conform");
    tables::flatten(&conformed).expect("tables load")
}

/// The population read back from the clean tables.
fn clean() -> &'static Population {
    static POP: OnceLock<Population> = OnceLock::new();
    POP.get_or_init(|| load(&tables::render(population()).expect("render")).0)
}

fn with(f: impl Fn(&mut Pitfalls)) -> Tables {
    let mut p = Pitfalls::default();
    f(&mut p);
    tables::render_with(population(), p).expect("render")
}

fn table<'a>(t: &'a Tables, name: &str) -> &'a RecordBatch {
    &t.iter().find(|(n, _)| n == name).expect("table rendered").1
}

fn strings(b: &RecordBatch, col: &str) -> Vec<String> {
    let a = b
        .column(b.schema().index_of(col).expect("column"))
        .as_string::<i32>();
    (0..a.len())
        .map(|i| {
            if a.is_null(i) {
                String::new()
            } else {
                a.value(i).to_string()
            }
        })
        .collect()
}

fn days(b: &RecordBatch, col: &str) -> Vec<Option<i32>> {
    let a = b
        .column(b.schema().index_of(col).expect("column"))
        .as_primitive::<Date32Type>();
    (0..a.len())
        .map(|i| (!a.is_null(i)).then(|| a.value(i)))
        .collect()
}

fn removed(reports: &[FilterReport], table: &str, filter: &str) -> usize {
    reports
        .iter()
        .filter(|r| r.table == table && r.filter == filter)
        .map(|r| r.rows_removed)
        .sum()
}

/// Rows of every PMSI table of one letter (`B`, `C`, `D`, `A`).
fn pmsi_rows(t: &Tables, letter: char) -> usize {
    t.iter()
        .filter(|(n, _)| n.starts_with("T_MCO") && n.ends_with(letter))
        .map(|(_, b)| b.num_rows())
        .sum()
}

#[test]
fn pitfalls_off_the_tables_are_the_clean_ones() {
    assert_eq!(with(|_| {}), tables::render(population()).unwrap());
}

#[test]
fn reused_document_numbers_are_told_apart_by_the_whole_key() {
    let t = with(|p| p.reused_document_numbers = true);
    let prs = table(&t, "ER_PRS_F");
    let col = |n: &str| {
        prs.column(prs.schema().index_of(n).unwrap())
            .as_primitive::<Int64Type>()
            .values()
            .to_vec()
    };
    let (dct, emt) = (col("DCT_ORD_NUM"), col("FLX_EMT_NUM"));
    // The same document number on lines of several emitters.
    let mut emitters: BTreeMap<i64, BTreeSet<i64>> = BTreeMap::new();
    for (d, e) in dct.iter().zip(&emt) {
        emitters.entry(*d).or_default().insert(*e);
    }
    assert!(emitters.len() <= 1000, "{}", emitters.len());
    assert!(emitters.values().all(|e| e.len() > 1));
    assert!(prs.num_rows() > 10 * emitters.len());
    let (pop, _) = load(&t);
    same(&pop, clean());
}

#[test]
fn late_fluxes_do_not_move_the_care() {
    let t = with(|p| p.late_fluxes = true);
    let prs = table(&t, "ER_PRS_F");
    let (care, flux) = (days(prs, "EXE_SOI_DTD"), days(prs, "FLX_DIS_DTD"));
    let months = |c: i32, f: i32| {
        let ((cy, cm, _), (fy, fm, _)) = (dates::to_ymd(c), dates::to_ymd(f));
        (fy - cy) * 12 + fm as i32 - cm as i32
    };
    let lags: Vec<i32> = care
        .iter()
        .zip(&flux)
        .map(|(c, f)| months(c.unwrap(), f.unwrap()))
        .collect();
    let late = lags.iter().filter(|m| **m > 6).count();
    assert!(
        late * 30 > lags.len(),
        "{late} late lines of {}",
        lags.len()
    );
    assert_eq!(lags.iter().max(), Some(&27));
    assert!(lags.iter().all(|m| (1..=27).contains(m)));
    let (pop, _) = load(&t);
    same(&pop, clean());
}

#[test]
fn several_pseudonyms_of_a_person_are_merged() {
    let t = with(|p| p.several_pseudonyms = true);
    let ben = table(&t, "IR_BEN_R");
    let (psa, ano) = (strings(ben, "BEN_NIR_PSA"), strings(ben, "BEN_NIR_ANO"));
    let n = population().patients.len();
    assert_eq!(ben.num_rows() - n, psa[n..].len());
    // The extra rows: new pseudonyms of persons listed before, by their stable BEN_NIR_ANO.
    let extra = ben.num_rows() - n;
    assert!(extra * PSEUDONYM_EVERY >= n / 2, "{extra}");
    for k in n..ben.num_rows() {
        assert_ne!(psa[k], ano[k]);
        assert!(psa[..n].contains(&ano[k]));
    }
    // The care of these persons uses both pseudonyms.
    let second: BTreeSet<&String> = psa[n..].iter().collect();
    let prs = strings(table(&t, "ER_PRS_F"), "BEN_NIR_PSA");
    let used: BTreeSet<&String> = prs.iter().filter(|p| second.contains(p)).collect();
    assert!(
        used.len() * 2 >= second.len(),
        "{} of {}",
        used.len(),
        second.len()
    );
    let (pop, reports) = load(&t);
    assert_eq!(removed(&reports, "IR_BEN_R", PSEUDONYM_FILTER), extra);
    same(&pop, clean());
}

#[test]
fn fictitious_nirs_are_dropped_with_their_rows() {
    let t = with(|p| p.fictitious_nirs = true);
    let ben = table(&t, "IR_BEN_R");
    let cdi = strings(ben, "BEN_CDI_NIR");
    let n = population().patients.len();
    let fictitious = cdi.iter().filter(|c| *c != "00").count();
    assert_eq!(
        fictitious,
        (0..n).filter(|i| i % FICTITIOUS_EVERY == 11).count()
    );
    assert!(cdi[..n].iter().all(|c| c == "00"));
    let (pop, reports) = load(&t);
    assert_eq!(removed(&reports, "IR_BEN_R", FICTITIOUS_FILTER), fictitious);
    // Each fictitious beneficiary holds a copy of one city-care line.
    assert!(removed(&reports, "ER_PRS_F", FICTITIOUS_FILTER) >= fictitious / 2);
    same(&pop, clean());
}

#[test]
fn sentinel_dates_read_as_empty_in_memory_and_in_files() {
    let t = with(|p| p.sentinel_dates = true);
    let ben = table(&t, "IR_BEN_R");
    let death = days(ben, "BEN_DCD_DTE");
    let living = population()
        .patients
        .iter()
        .filter(|p| p.death.is_none())
        .count();
    assert_eq!(
        death.iter().filter(|d| **d == Some(SENTINEL)).count(),
        living
    );
    let imb = table(&t, "IR_IMB_R");
    assert!(days(imb, "IMB_ALD_DTF").contains(&Some(SENTINEL)));
    let (pop, reports) = load(&t);
    assert_eq!(removed(&reports, "IR_BEN_R", SENTINEL_FILTER), living);
    same(&pop, clean());
    // Through CSV files (dates written as text) and Parquet.
    for format in [Format::Csv, Format::Parquet] {
        let dir = std::env::temp_dir().join(format!(
            "cohorte-pitfalls-{format:?}-{}",
            std::process::id()
        ));
        let _ = std::fs::remove_dir_all(&dir);
        tables::write_dir(&dir, &t, format).expect("write");
        let back = Dataset::read_dir(&dir).expect("read");
        let _ = std::fs::remove_dir_all(&dir);
        assert_eq!(back.population(), clean(), "{format:?}");
    }
}

#[test]
fn stays_of_duplicated_finess_are_dropped() {
    let t = with(|p| p.duplicate_finess = true);
    let clean_t = tables::render(population()).unwrap();
    let extra = pmsi_rows(&t, 'B') - pmsi_rows(&clean_t, 'B');
    assert!(extra > 10, "{extra}");
    assert_eq!(pmsi_rows(&t, 'C') - pmsi_rows(&clean_t, 'C'), extra);
    let finess: usize = t
        .iter()
        .filter(|(n, _)| n.starts_with("T_MCO") && n.ends_with('B'))
        .map(|(_, b)| {
            strings(b, "ETA_NUM")
                .iter()
                .filter(|e| DUPLICATE_FINESS.contains(&e.as_str()))
                .count()
        })
        .sum();
    assert_eq!(finess, extra);
    let (pop, reports) = load(&t);
    let dropped: usize = reports
        .iter()
        .filter(|r| r.table.ends_with('B') && r.filter == FINESS_FILTER)
        .map(|r| r.rows_removed)
        .sum();
    assert_eq!(dropped, extra);
    same(&pop, clean());
}

#[test]
fn regularisation_lines_are_netted() {
    let t = with(|p| p.regularisations = true);
    let clean_t = tables::render(population()).unwrap();
    let qsn = |t: &Tables| {
        let b = table(t, "ER_PHA_F");
        b.column(b.schema().index_of("PHA_ACT_QSN").unwrap())
            .as_primitive::<arrow_array::types::Int32Type>()
            .values()
            .to_vec()
    };
    let (with_reg, without) = (qsn(&t), qsn(&clean_t));
    let negative = with_reg.iter().filter(|q| **q < 0).count();
    assert!(negative > 100, "{negative}");
    assert!(without.iter().all(|q| *q > 0));
    // The boxes sum to the same total: every regularisation nets to the dispensing.
    let sum = |v: &[i32]| v.iter().map(|q| i64::from(*q)).sum::<i64>();
    let (pop, reports) = load(&t);
    let (_, clean_reports) = load(&clean_t);
    // Every negative line is netted away (with the re-sent lines).
    let netted = removed(&reports, "ER_PHA_F", REGULARISATION_FILTER)
        - removed(&clean_reports, "ER_PHA_F", REGULARISATION_FILTER);
    assert!(
        netted >= negative,
        "{netted} lines netted, {negative} negative"
    );
    // The same boxes in the populations read back.
    let boxes = |p: &Population| {
        p.events
            .iter()
            .filter(|e| e.kind == cohorte_core::model::EventKind::Dispensing)
            .map(|e| i64::from(e.value))
            .sum::<i64>()
    };
    assert_eq!(boxes(&pop), boxes(clean()));
    assert!(sum(&with_reg) > sum(&without) - sum(&without) / 10);
    same(&pop, clean());
}

#[test]
fn work_accident_ald_natures_are_dropped() {
    let t = with(|p| p.work_ald_natures = true);
    let nat = strings(table(&t, "IR_IMB_R"), "IMB_ETM_NAT");
    let work = nat
        .iter()
        .filter(|n| matches!(n.as_str(), "11" | "12" | "13"))
        .count();
    assert!(
        work * WORK_ALD_EVERY >= population().patients.len() / 2,
        "{work}"
    );
    let (pop, reports) = load(&t);
    assert_eq!(
        removed(&reports, "IR_IMB_R", "IMB_ETM_NAT in 11, 12, 13"),
        work
    );
    same(&pop, clean());
}

#[test]
fn every_pitfall_at_once_through_the_dataset() {
    let ds = Dataset::synthetic(&SynthConfig {
        seed: 4,
        patients: 1500,
        pitfalls: true,
        ..SynthConfig::default()
    })
    .unwrap();
    // The population is the one generated without pitfalls; only the tables differ.
    assert_eq!(ds.population(), population());
    let t = ds.tables().unwrap();
    assert_eq!(
        t,
        tables::render_with(population(), Pitfalls::all()).unwrap()
    );
    let (pop, reports) = load(&t);
    same(&pop, clean());
    assert!(removed(&reports, "ER_PHA_F", REGULARISATION_FILTER) > 0);
    for filter in [FICTITIOUS_FILTER, PSEUDONYM_FILTER, SENTINEL_FILTER] {
        assert!(removed(&reports, "IR_BEN_R", filter) > 0, "{filter}");
    }
    // Cohorts of the pitfall data are those of the clean data.
    let (a, b) = (
        Dataset::from_population(pop),
        Dataset::from_population(clean().clone()),
    );
    for name in [
        "incident_metformin",
        "af_anticoagulant",
        "hip_fracture_benzodiazepines",
    ] {
        let path = format!("{}/definitions/{name}.json", env!("CARGO_MANIFEST_DIR"));
        let text = std::fs::read_to_string(&path).unwrap();
        let def = Definition::from_json(&text).unwrap();
        let (x, y) = (a.cohort(&def).unwrap(), b.cohort(&def).unwrap());
        assert!(!x.rows.is_empty(), "{name}");
        assert_eq!(x.rows, y.rows, "{name}");
    }
}
