//! The SQL compiled from definitions (`cohorte_core::sql`), the engine being the oracle.
//!
//! - Golden SQL: the SQL of every example definition in every dialect is committed under
//!   `core/tests/sql/golden/`; a test fails when it is stale. Refresh after a deliberate change
//!   with `COHORTE_BLESS=1 cargo nextest run -p cohorte-core --cargo-profile test-fast --test
//!   sql_differential` (then read the diff).
//! - Typed errors of the options.
//! - `write_sql_cases` (ignored; run by `make test-sql`): writes cases for the SQL engines to
//!   `$SQL_CASES_DIR`, each a directory of SNDS source tables (Parquet) and a `case.json`
//!   holding the SQL of each dialect with the entries and attrition the engine computes on the
//!   same tables (loaded by the loader, as a user would). `core/tests/sql/run_cases.py` runs
//!   them on DuckDB, PostgreSQL and Spark and compares. Cases: random definitions on random
//!   small populations (the generators of `engine_support`, with twins sharing a
//!   `BEN_NIR_PSA`, packs missing from `IR_PHA_R` and regularisation lines), every example
//!   definition on a synthetic population, every fixture of `fixtures/cohorts/`.

mod engine_support;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use arrow_array::RecordBatch;
use cohorte_core::dates;
use cohorte_core::definition::{examples, Definition};
use cohorte_core::engine;
use cohorte_core::rng::Rng;
use cohorte_core::sql::{self, Dialect, SetOp, SqlOptions, SqlResult};
use cohorte_core::store::EventStore;
use cohorte_core::tables::{self, Format, TableKind};
use cohorte_core::Error;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn golden_dir() -> PathBuf {
    root().join("core/tests/sql/golden")
}

/// PMSI years of the golden files.
const GOLDEN_YEARS: [i32; 2] = [2020, 2021];

#[test]
fn sql_golden_files_of_the_examples() {
    let bless = std::env::var_os("COHORTE_BLESS").is_some();
    let mut stale = Vec::new();
    for (name, json) in examples() {
        let def = Definition::from_json(json).unwrap();
        for d in Dialect::ALL {
            for (result, tag) in [
                (SqlResult::Entries, "entries"),
                (SqlResult::Attrition, "attrition"),
            ] {
                let opts = SqlOptions::new(d).with_pmsi_years(GOLDEN_YEARS.to_vec());
                let text = sql::to_sql(&def, &opts, result).unwrap();
                let path = golden_dir().join(format!("{name}.{tag}.{}.sql", d.name()));
                if bless {
                    std::fs::create_dir_all(golden_dir()).unwrap();
                    std::fs::write(&path, &text).unwrap();
                } else if std::fs::read_to_string(&path).ok().as_deref() != Some(text.as_str()) {
                    stale.push(path.display().to_string());
                }
            }
        }
    }
    assert!(
        stale.is_empty(),
        "stale golden SQL (refresh with COHORTE_BLESS=1 cargo nextest run -p cohorte-core \
         --cargo-profile test-fast --test sql_differential, then read the diff): {stale:?}"
    );
}

fn example(name: &str) -> Definition {
    let json = examples()
        .into_iter()
        .find(|(n, _)| *n == name)
        .map(|(_, j)| j)
        .unwrap();
    Definition::from_json(json).unwrap()
}

#[test]
fn sql_options_errors_name_what_is_wrong() {
    let def = example("incident_metformin");
    let msg = |e: Error| {
        assert_eq!(e.code(), "sql", "{e}");
        e.to_string()
    };
    let e = Dialect::parse("mysql").unwrap_err();
    assert!(msg(e).contains("unknown dialect \"mysql\""));
    assert_eq!(Dialect::parse(" PostgreSQL ").unwrap(), Dialect::Postgres);
    assert!(msg(SqlResult::parse("rows").unwrap_err()).contains("unknown result \"rows\""));
    // No PMSI year: neither given nor in a mapping.
    let e = sql::to_sql(&def, &SqlOptions::new(Dialect::DuckDb), SqlResult::Entries).unwrap_err();
    assert!(msg(e).contains("pmsi_years: no PMSI year given"));
    let opts = SqlOptions::new(Dialect::DuckDb).with_pmsi_years(vec![]);
    let e = sql::to_sql(&def, &opts, SqlResult::Entries).unwrap_err();
    assert!(msg(e).contains("pmsi_years"));
    let opts = SqlOptions::new(Dialect::DuckDb).with_pmsi_years(vec![1999]);
    let e = sql::to_sql(&def, &opts, SqlResult::Entries).unwrap_err();
    assert!(msg(e).contains("year 1999 out of range"));
    // A mapping must name every table read; the PMSI years then come from it.
    let mut map: BTreeMap<String, String> = BTreeMap::new();
    for t in [
        "IR_BEN_R", "ER_PRS_F", "ER_PHA_F", "ER_CAM_F", "IR_PHA_R", "IR_IMB_R", "T_MCO21B",
        "T_MCO21C", "T_MCO21D",
    ] {
        map.insert(t.into(), format!("proj.{t}"));
    }
    let opts = SqlOptions::new(Dialect::Spark).with_tables(map.clone());
    let e = sql::to_sql(&def, &opts, SqlResult::Entries).unwrap_err();
    assert!(msg(e).contains("no name given for table T_MCO21A"));
    map.insert("T_MCO21A".into(), "proj.T_MCO21A".into());
    let opts = SqlOptions::new(Dialect::Spark).with_tables(map);
    let text = sql::to_sql(&def, &opts, SqlResult::Entries).unwrap();
    assert!(text.contains("FROM proj.T_MCO21A x"));
    assert!(text.contains("FROM proj.IR_BEN_R t"));
    assert!(!text.contains("T_MCO20"));
    assert_eq!(
        sql::tables_read(&opts).unwrap().len(),
        6 + 4,
        "six tables and four per PMSI year"
    );
    // An invalid definition is a definition error, as for the engine.
    let mut bad = def.clone();
    bad.entry.events[0].concept_set = Some("nothing".into());
    let opts = SqlOptions::new(Dialect::DuckDb).with_pmsi_years(vec![2020]);
    let e = sql::to_sql(&bad, &opts, SqlResult::Entries).unwrap_err();
    assert_eq!(e.code(), "invalid_definition");
}

#[test]
fn sql_flux_window_and_literal_tables() {
    let def = example("af_anticoagulant");
    let opts = SqlOptions::new(Dialect::Postgres)
        .with_pmsi_years(vec![2020])
        .with_flux(dates::from_ymd(2020, 1, 1), dates::from_ymd(2021, 6, 30));
    let text = sql::to_sql(&def, &opts, SqlResult::Entries).unwrap();
    assert!(
        text.contains("p.FLX_DIS_DTD >= DATE '2020-01-01' AND p.FLX_DIS_DTD <= DATE '2021-06-30'")
    );
    // Oracle has no VALUES table constructor: literal tables are SELECTs from DUAL, and no
    // table alias takes AS.
    let opts = SqlOptions::new(Dialect::Oracle).with_pmsi_years(vec![2020]);
    for (name, json) in examples() {
        let def = Definition::from_json(json).unwrap();
        let text = sql::to_sql(&def, &opts, SqlResult::Entries).unwrap();
        assert!(!text.contains("VALUES"), "{name}");
        assert!(!text.contains(") AS t"), "{name}");
    }
}

// -------------------------------------------------------------------------------------------
// Cases for the SQL engines.

/// One attrition step: `step, name, persons, events, lost_persons, lost_events,
/// alone_persons, alone_events`.
type Step = (u32, String, u64, u64, u64, u64, u64, u64);

/// Everything a runner needs for one case.
#[derive(serde::Serialize)]
struct CaseFile {
    name: String,
    years: Vec<i32>,
    definition: String,
    /// `[person_id, BEN_RNG_GEM, index_date, exit_date]`, sorted.
    entries: Vec<(String, u8, String, String)>,
    /// `[step, name, persons, events, lost_persons, lost_events, alone_persons, alone_events]`.
    attrition: Vec<Step>,
    /// Dialect → result (`entries`, `attrition`) → SQL.
    sql: BTreeMap<String, BTreeMap<String, String>>,
}

fn years_of(tables: &[(String, RecordBatch)]) -> Vec<i32> {
    let mut y: Vec<i32> = tables
        .iter()
        .filter_map(|(n, _)| match TableKind::parse(n) {
            Ok(TableKind::McoB(y)) => Some(y),
            _ => None,
        })
        .collect();
    y.sort_unstable();
    y.dedup();
    if y.is_empty() {
        y.push(2020);
    }
    y
}

/// The PMSI tables of every year of `years` (empty ones where the render wrote none).
fn with_all_years(
    mut tables: Vec<(String, RecordBatch)>,
    years: &[i32],
) -> Vec<(String, RecordBatch)> {
    for y in years {
        for k in [
            TableKind::McoB(*y),
            TableKind::McoC(*y),
            TableKind::McoD(*y),
            TableKind::McoA(*y),
        ] {
            if !tables.iter().any(|(n, _)| *n == k.name()) {
                let schema = tables::schema(&k.name()).unwrap();
                tables.push((k.name(), RecordBatch::new_empty(schema)));
            }
        }
    }
    for t in ["ER_CAM_F", "ER_PHA_F", "IR_PHA_R", "IR_IMB_R", "ER_PRS_F"] {
        if !tables.iter().any(|(n, _)| n == t) {
            let schema = tables::schema(t).unwrap();
            tables.push((t.to_string(), RecordBatch::new_empty(schema)));
        }
    }
    tables
}

/// The sorted entries of cohort rows.
fn entries_of(
    store: &EventStore,
    rows: &cohorte_core::model::CohortRows,
) -> Vec<(String, u8, String, String)> {
    let mut entries: Vec<(String, u8, String, String)> = (0..rows.len())
        .map(|k| {
            let p = rows.person[k] as usize;
            (
                store.patients.nir[p].clone(),
                store.patients.rank[p],
                dates::format(rows.start[k]),
                dates::format(rows.end[k]),
            )
        })
        .collect();
    entries.sort();
    entries
}

/// Writes the case `name`: its tables, and one file per definition (and, with `sets`, one per
/// set operation on the first two definitions).
fn write_case(
    dir: &Path,
    name: &str,
    tables: Vec<(String, RecordBatch)>,
    defs: &[(String, Definition)],
    sets: bool,
) {
    let years = years_of(&tables);
    let tables = with_all_years(tables, &years);
    let (pop, _) = tables::flatten(&tables).unwrap();
    let store = EventStore::build(&pop);
    let case_dir = dir.join(name);
    tables::io::write_dir(&case_dir.join("tables"), &tables, Format::Parquet).unwrap();
    for (dname, def) in defs {
        let res = engine::evaluate(&store, def).unwrap();
        let entries = entries_of(&store, &res.rows);
        let attrition = res
            .attrition
            .steps
            .iter()
            .enumerate()
            .map(|(k, s)| {
                (
                    k as u32,
                    s.name.clone(),
                    s.persons,
                    s.events,
                    s.lost_persons,
                    s.lost_events,
                    s.alone_persons,
                    s.alone_events,
                )
            })
            .collect();
        let mut sqls = BTreeMap::new();
        for d in Dialect::ALL {
            let opts = SqlOptions::new(d).with_pmsi_years(years.clone());
            let mut m = BTreeMap::new();
            for (r, tag) in [
                (SqlResult::Entries, "entries"),
                (SqlResult::Attrition, "attrition"),
            ] {
                m.insert(tag.to_string(), sql::to_sql(def, &opts, r).unwrap());
            }
            sqls.insert(d.name().to_string(), m);
        }
        let case = CaseFile {
            name: format!("{name}/{dname}"),
            years: years.clone(),
            definition: def.to_json(),
            entries,
            attrition,
            sql: sqls,
        };
        std::fs::write(
            case_dir.join(format!("{dname}.json")),
            serde_json::to_string(&case).unwrap(),
        )
        .unwrap();
    }
    if sets && defs.len() >= 2 {
        let (a, b) = (&defs[0].1, &defs[1].1);
        let ra = engine::evaluate(&store, a).unwrap().rows;
        let rb = engine::evaluate(&store, b).unwrap().rows;
        for (op, tag, rows) in [
            (SetOp::Union, "union", engine::union(&ra, &rb)),
            (
                SetOp::Intersection,
                "intersection",
                engine::intersection(&ra, &rb),
            ),
            (
                SetOp::Difference,
                "difference",
                engine::difference(&ra, &rb),
            ),
        ] {
            let mut sqls = BTreeMap::new();
            for d in Dialect::ALL {
                let opts = SqlOptions::new(d).with_pmsi_years(years.clone());
                let mut m = BTreeMap::new();
                m.insert(
                    "entries".to_string(),
                    sql::set_operation(op, a, b, &opts).unwrap(),
                );
                sqls.insert(d.name().to_string(), m);
            }
            let case = CaseFile {
                name: format!("{name}/{tag}"),
                years: years.clone(),
                definition: String::new(),
                entries: entries_of(&store, &rows),
                attrition: Vec::new(),
                sql: sqls,
            };
            std::fs::write(
                case_dir.join(format!("set_{tag}.json")),
                serde_json::to_string(&case).unwrap(),
            )
            .unwrap();
        }
    }
}

/// Random twins (a person taking the `BEN_NIR_PSA` of the previous one with rank 2), and
/// `IR_PHA_R` rows dropped at random (those packs take the referential's ATC, or none).
fn pitfalls(r: &mut Rng, pop: &mut cohorte_core::model::Population) {
    for i in 1..pop.patients.len() {
        if r.chance(0.15) && pop.patients[i - 1].rank == 1 {
            pop.patients[i].nir = pop.patients[i - 1].nir.clone();
            pop.patients[i].rank = 2;
        }
    }
}

fn drop_pha_rows(r: &mut Rng, tables: &mut [(String, RecordBatch)]) {
    for (name, b) in tables.iter_mut() {
        if name == "IR_PHA_R" && b.num_rows() > 0 {
            let keep: Vec<bool> = (0..b.num_rows()).map(|_| !r.chance(0.3)).collect();
            let mask = arrow_array::BooleanArray::from(keep);
            *b = arrow_select::filter::filter_record_batch(b, &mask).unwrap();
        }
    }
}

/// Writes the cases of `make test-sql` (see the module documentation): `SQL_CASES_DIR` (the
/// directory, emptied first), `SQL_CASES_RANDOM` (how many random cases), `SQL_CASES_SEED`.
#[test]
#[ignore = "writes the cases of make test-sql"]
fn write_sql_cases() {
    let dir = PathBuf::from(std::env::var("SQL_CASES_DIR").expect("SQL_CASES_DIR"));
    let n: u64 = std::env::var("SQL_CASES_RANDOM")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(200);
    let seed: u64 = std::env::var("SQL_CASES_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();

    // Random definitions on random populations: several definitions per population.
    let per_pop = 4;
    for c in 0..n.div_ceil(per_pop) {
        let mut r = Rng::new(seed.wrapping_mul(1_000_003).wrapping_add(c));
        let size = 5 + r.below(40) as usize;
        let mut pop = engine_support::population(&mut r, size);
        pitfalls(&mut r, &mut pop);
        let mut tables = tables::render(&pop).unwrap();
        drop_pha_rows(&mut r, &mut tables);
        let defs: Vec<(String, Definition)> = (0..per_pop)
            .map(|k| {
                let d = engine_support::definition(&mut r, 0);
                let d = Definition::from_json(&d.to_json()).unwrap();
                (format!("def{k}"), d)
            })
            .collect();
        write_case(&dir, &format!("random{c:05}"), tables, &defs, true);
    }

    // The example definitions on a synthetic population.
    let config = cohorte_core::synth::SynthConfig {
        seed: 11,
        patients: 3000,
        ..Default::default()
    };
    let pop = cohorte_core::synth::generate(&config).unwrap();
    let defs: Vec<(String, Definition)> = examples()
        .into_iter()
        .map(|(n, j)| (n.to_string(), Definition::from_json(j).unwrap()))
        .collect();
    write_case(
        &dir,
        "examples",
        tables::render(&pop).unwrap(),
        &defs,
        false,
    );

    // Every fixture with a valid definition, on its population.
    let fx = root().join("fixtures/cohorts");
    let mut names: Vec<_> = std::fs::read_dir(&fx)
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.path().join("population.json").exists())
        .map(|e| e.file_name().to_string_lossy().to_string())
        .collect();
    names.sort();
    for name in names {
        let p = fx.join(&name);
        let Ok(def) =
            Definition::from_json(&std::fs::read_to_string(p.join("definition.json")).unwrap())
        else {
            continue;
        };
        let pop = cohorte_core::fixture::load_population(
            &std::fs::read_to_string(p.join("population.json")).unwrap(),
        )
        .unwrap();
        write_case(
            &dir,
            &format!("fixture_{name}"),
            tables::render(&pop).unwrap(),
            &[("definition".to_string(), def)],
            false,
        );
    }
}
