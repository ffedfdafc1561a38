//! Native benchmarks: synthetic generation, event-store build, bytes per event, and cohort
//! evaluation on the example definitions (one thread and all threads).
//!
//! `make bench` runs it, then `bench/peers.py` times DuckDB and polars on the data this program
//! exports (`bench-data/`), checks they select the same persons and prints the ratios.
//!
//! ```sh
//! cargo run --profile bench -p cohorte-core --features parallel --example bench -- \
//!     --patients 1000000 --seed 1 --out bench-data
//! ```

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use arrow_array::{
    ArrayRef, Date32Array, Int16Array, RecordBatch, StringArray, UInt32Array, UInt8Array,
};
use cohorte_core::aggregate::{
    self, AgeBands, BaselineOptions, CountOptions, Dim, IncidenceOptions, Outcome, PathwayOptions,
    SurvivalOptions,
};
use cohorte_core::definition::{self, Definition};
use cohorte_core::disclosure;
use cohorte_core::engine;
use cohorte_core::model::{CodeSystem, CohortRows, EventKind};
use cohorte_core::store::EventStore;
use cohorte_core::synth::{self, SynthConfig};
use parquet::arrow::ArrowWriter;
use serde_json::{json, Value};

struct Args {
    patients: u32,
    seed: u64,
    out: PathBuf,
    export: bool,
    repeat: usize,
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        patients: 1_000_000,
        seed: 1,
        out: PathBuf::from("bench-data"),
        export: true,
        repeat: 3,
    };
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        let mut value = |name: &str| it.next().ok_or(format!("{name}: expected a value"));
        match a.as_str() {
            "--patients" => {
                args.patients = value("--patients")?
                    .replace('_', "")
                    .parse()
                    .map_err(|e| format!("--patients: {e}"))?
            }
            "--seed" => {
                args.seed = value("--seed")?
                    .parse()
                    .map_err(|e| format!("--seed: {e}"))?
            }
            "--out" => args.out = PathBuf::from(value("--out")?),
            "--repeat" => {
                args.repeat = value("--repeat")?
                    .parse()
                    .map_err(|e| format!("--repeat: {e}"))?
            }
            "--no-export" => args.export = false,
            "-h" | "--help" => {
                println!("bench [--patients N] [--seed S] [--out DIR] [--repeat R] [--no-export]");
                std::process::exit(0);
            }
            other => return Err(format!("unknown argument {other}")),
        }
    }
    Ok(args)
}

/// Best wall time of `repeat` runs, in seconds, and the last result.
fn best_of<T>(repeat: usize, mut f: impl FnMut() -> T) -> (f64, T) {
    let mut best = f64::INFINITY;
    let mut out = None;
    for _ in 0..repeat.max(1) {
        let t = Instant::now();
        let r = f();
        best = best.min(t.elapsed().as_secs_f64());
        out = Some(r);
    }
    (best, out.expect("at least one run"))
}

/// Run `f` on a pool of one thread. The pool is built once: starting a thread for every run
/// would be counted in the sub-millisecond timings of the smaller definitions.
fn one_thread<T: Send>(f: impl FnOnce() -> T + Send) -> T {
    static POOL: std::sync::OnceLock<rayon::ThreadPool> = std::sync::OnceLock::new();
    POOL.get_or_init(|| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .build()
            .expect("a one-thread pool")
    })
    .install(f)
}

/// The normalised data as the peers see it: integer-coded events, patient table and the code
/// dictionaries (the same information the engine reads, in plain tables).
fn export(store: &EventStore, dir: &Path) -> Result<(), Box<dyn std::error::Error>> {
    fs::create_dir_all(dir)?;
    let n = store.n_events();
    let mut patient = Vec::with_capacity(n);
    for p in 0..store.n_patients() {
        for _ in store.events_of(p) {
            patient.push(p as u32);
        }
    }
    let events = RecordBatch::try_from_iter([
        ("patient", Arc::new(UInt32Array::from(patient)) as ArrayRef),
        (
            "kind",
            Arc::new(UInt8Array::from_iter_values(
                store.tag.iter().map(|&t| cohorte_core::store::tag_kind(t)),
            )) as ArrayRef,
        ),
        (
            "role",
            Arc::new(UInt8Array::from_iter_values(
                store.tag.iter().map(|&t| cohorte_core::store::tag_role(t)),
            )) as ArrayRef,
        ),
        (
            "date",
            Arc::new(Date32Array::from(store.date.clone())) as ArrayRef,
        ),
        (
            "code",
            Arc::new(UInt32Array::from(store.code.clone())) as ArrayRef,
        ),
        (
            "value",
            Arc::new(Int16Array::from(store.value.clone())) as ArrayRef,
        ),
    ])?;
    write_parquet(&dir.join("events.parquet"), &events)?;

    let pt = &store.patients;
    let death: Vec<Option<i32>> = pt
        .death
        .iter()
        .map(|d| (*d != i32::MAX).then_some(*d))
        .collect();
    let patients = RecordBatch::try_from_iter([
        (
            "patient",
            Arc::new(UInt32Array::from_iter_values(0..pt.len() as u32)) as ArrayRef,
        ),
        (
            "sex",
            Arc::new(UInt8Array::from(pt.sex.clone())) as ArrayRef,
        ),
        (
            "birth",
            Arc::new(Date32Array::from(pt.birth.clone())) as ArrayRef,
        ),
        ("death", Arc::new(Date32Array::from(death)) as ArrayRef),
        (
            "dept",
            Arc::new(UInt8Array::from(pt.dept.clone())) as ArrayRef,
        ),
    ])?;
    write_parquet(&dir.join("patients.parquet"), &patients)?;

    // One dictionary table: (dict, code_id, code, atc) where dict is the dictionary of the kind.
    let mut dict = Vec::new();
    let mut id = Vec::new();
    let mut code = Vec::new();
    let mut atc = Vec::new();
    for (i, cip) in store.drug_cip.iter().enumerate() {
        dict.push("drug");
        id.push(i as u32);
        code.push(cip.clone());
        atc.push(store.drug_atc[i].clone());
    }
    for (name, d) in [
        ("icd10", &store.icd10),
        ("ccam", &store.ccam),
        ("nature", &store.nature),
    ] {
        for (i, c) in d.codes().iter().enumerate() {
            dict.push(name);
            id.push(i as u32);
            code.push(c.clone());
            atc.push(String::new());
        }
    }
    let codes = RecordBatch::try_from_iter([
        ("dict", Arc::new(StringArray::from(dict)) as ArrayRef),
        ("code_id", Arc::new(UInt32Array::from(id)) as ArrayRef),
        ("code", Arc::new(StringArray::from(code)) as ArrayRef),
        ("atc", Arc::new(StringArray::from(atc)) as ArrayRef),
    ])?;
    write_parquet(&dir.join("codes.parquet"), &codes)?;
    fs::write(
        dir.join("span.json"),
        json!({"data_start": store.data_start, "data_end": store.data_end}).to_string(),
    )?;
    Ok(())
}

fn write_parquet(path: &Path, batch: &RecordBatch) -> Result<(), Box<dyn std::error::Error>> {
    let file = fs::File::create(path)?;
    let mut w = ArrowWriter::try_new(file, batch.schema(), None)?;
    w.write(batch)?;
    w.close()?;
    Ok(())
}

/// The aggregates the explorer shows for a cohort, through disclosure control (k = 10).
fn aggregates(store: &EventStore, rows: &CohortRows) -> cohorte_core::Result<usize> {
    let mut out = vec![aggregate::counts(
        store,
        rows,
        &CountOptions {
            dims: vec![Dim::AgeBand(AgeBands::Five), Dim::Sex, Dim::Dept],
            margins: true,
        },
    )?];
    let mi = Outcome::from_codes(store, &[(EventKind::Stay, CodeSystem::Icd10, "I21")])?;
    let mut inc = IncidenceOptions::new(mi);
    inc.dims = vec![Dim::AgeBand(AgeBands::Ten), Dim::Sex];
    out.push(aggregate::incidence(store, rows, &inc)?);
    let mut km_opts = SurvivalOptions::new(Outcome::death());
    km_opts.min_step = 10;
    let km = aggregate::kaplan_meier(store, rows, &km_opts)?;
    out.extend([km.curve, km.at_risk, km.summary]);
    out.push(aggregate::baseline(
        store,
        &[("cohort", rows)],
        &BaselineOptions::default(),
    )?);
    out.push(aggregate::pathways(
        store,
        rows,
        &PathwayOptions {
            min_count: 10,
            ..PathwayOptions::default()
        },
    )?);
    // Published together, as the explorer shows them: one protection over the whole set.
    disclosure::protect(&mut out, &disclosure::Protection::k(10))?;
    Ok(out.len())
}

fn main() {
    if let Err(e) = run() {
        eprintln!("bench: {e}");
        std::process::exit(1);
    }
}

fn run() -> Result<(), Box<dyn std::error::Error>> {
    let args = parse_args()?;
    let threads = rayon::current_num_threads();
    let config = SynthConfig {
        seed: args.seed,
        patients: args.patients,
        ..SynthConfig::default()
    };
    println!(
        "== Cohorte native benchmarks: {} patients, seed {}, {} threads available",
        args.patients, args.seed, threads
    );

    // Generation on one thread gives the per-core throughput; all threads, the wall time users see.
    let (gen_1t, pop) = best_of(1, || one_thread(|| synth::generate(&config)));
    let pop = pop?;
    let n_events = pop.events.len();
    let (gen_all, _) = best_of(1, || synth::generate(&config));
    println!(
        "generation: {} events ({:.1} per patient); one thread {:.2} s = {:.1} M events/s per core \
         (budget >= 10); {} threads {:.2} s",
        n_events,
        n_events as f64 / args.patients as f64,
        gen_1t,
        n_events as f64 / gen_1t / 1e6,
        threads,
        gen_all
    );

    // The density the timings are measured on (docs/decisions.md §3.4: about 41 boxes per person-year).
    let person_years: f64 = (0..pop.patients.len())
        .filter_map(|i| pop.observation(i))
        .map(|(a, b)| (b - a + 1) as f64 / 365.2425)
        .sum();
    let (mut lines, mut boxes) = (0u64, 0i64);
    for e in &pop.events {
        if e.kind == EventKind::Dispensing {
            lines += 1;
            boxes += i64::from(e.value);
        }
    }
    let boxes_py = boxes as f64 / person_years;
    println!(
        "density: {:.1} reimbursed boxes per person-year (target about 41), {:.1} dispensing \
         lines, {:.1} events",
        boxes_py,
        lines as f64 / person_years,
        n_events as f64 / person_years
    );

    let (build_s, store) = best_of(args.repeat, || EventStore::build(&pop));
    let offsets_per_event = 4.0 * (store.n_patients() + 1) as f64 / n_events.max(1) as f64;
    println!(
        "event store: built in {:.2} s ({:.1} M events/s, with its code postings); {:.2} bytes per \
         event in the event columns + {:.2} of patient offsets = {:.2} (budget <= 12); code \
         postings beside it: {:.2} bytes per event",
        build_s,
        n_events as f64 / build_s / 1e6,
        store.bytes_per_event() - offsets_per_event,
        offsets_per_event,
        store.bytes_per_event(),
        store.postings.bytes() as f64 / n_events.max(1) as f64
    );
    drop(pop);

    let mut results = json!({
        "patients": args.patients,
        "seed": args.seed,
        "threads": threads,
        "events": n_events,
        "generation_one_thread_s": gen_1t,
        "generation_all_threads_s": gen_all,
        "generation_events_per_s_per_core": n_events as f64 / gen_1t,
        "boxes_per_person_year": boxes_py,
        "dispensing_lines_per_person_year": lines as f64 / person_years,
        "store_build_s": build_s,
        "bytes_per_event": store.bytes_per_event(),
        "postings_bytes_per_event": store.postings.bytes() as f64 / n_events.max(1) as f64,
    });

    if args.export {
        let t = Instant::now();
        export(&store, &args.out)?;
        println!(
            "exported the normalised tables to {} in {:.1} s",
            args.out.display(),
            t.elapsed().as_secs_f64()
        );
    }
    // Cohort evaluation on the example definitions: one thread, then all threads.
    println!(
        "{:<32}{:>10}{:>12}{:>14}{:>14}{:>12}",
        "definition", "persons", "entries", "one thread", "all threads", "M events/s"
    );
    let mut cohorts = Vec::new();
    for (name, text) in definition::examples() {
        // Timed from the definition's JSON text to the cohort, as the wasm package and the Python
        // package are called (reading the definition is 10–30 µs here: a tenth of the smaller
        // evaluations).
        Definition::from_json(text)?;
        let run = || -> Result<_, String> {
            let def = Definition::from_json(text).map_err(|e| e.to_string())?;
            engine::evaluate(&store, &def).map_err(|e| e.to_string())
        };
        let (t1, r1) = best_of(args.repeat, || one_thread(run));
        let (ta, ra) = best_of(args.repeat, run);
        let (r1, ra) = (r1?, ra?);
        if r1 != ra {
            return Err(format!("{name}: one thread and all threads disagree").into());
        }
        let mut persons: Vec<u32> = r1.rows.person.clone();
        persons.dedup();
        println!(
            "{:<32}{:>10}{:>12}{:>12.1}ms{:>12.1}ms{:>12.0}",
            name,
            persons.len(),
            r1.rows.len(),
            t1 * 1e3,
            ta * 1e3,
            n_events as f64 / t1 / 1e6
        );
        let text: Vec<String> = persons.iter().map(|p| p.to_string()).collect();
        fs::create_dir_all(&args.out)?;
        fs::write(
            args.out.join(format!("persons_{name}.txt")),
            text.join("\n"),
        )?;
        cohorts.push(json!({
            "name": name,
            "persons": persons.len(),
            "entries": r1.rows.len(),
            "one_thread_s": t1,
            "all_threads_s": ta,
        }));
    }
    results["cohorts"] = Value::Array(cohorts);

    // A full set of aggregates, protected, on the largest example cohort.
    let mut largest: Option<(&str, CohortRows)> = None;
    for (name, text) in definition::examples() {
        let rows = engine::evaluate(&store, &Definition::from_json(text)?)?.rows;
        if largest.as_ref().is_none_or(|(_, r)| rows.len() > r.len()) {
            largest = Some((name, rows));
        }
    }
    // And on a cohort the size of the population: everyone with a dispensing of any drug (the
    // fourteen ATC main groups), indexed at the first one.
    let everyone = Definition::from_json(
        r#"{"version": 2, "name": "every drug user",
            "concept_sets": [{"name": "any drug", "system": "ATC",
              "codes": ["A","B","C","D","G","H","J","L","M","N","P","R","S","V"]}],
            "entry": {"events": [{"event": "dispensing", "concept_set": "any drug"}]}}"#,
    )?;
    let everyone = ("every_drug_user", engine::evaluate(&store, &everyone)?.rows);
    let mut sets = vec![];
    for (name, rows) in largest.into_iter().chain([everyone]) {
        let (t, n) = best_of(args.repeat, || aggregates(&store, &rows));
        let n = n?;
        println!(
            "aggregates: {n} tables protected together (counts by age x sex x département with \
             margins, incidence, Kaplan-Meier, Table 1, pathways) on {name} ({} persons): {:.1} ms",
            rows.n_persons(),
            t * 1e3
        );
        sets.push(json!({"cohort": name, "persons": rows.n_persons(), "seconds": t}));
    }
    results["aggregates"] = Value::Array(sets);
    match peak_memory_bytes() {
        Some(b) => {
            println!(
                "peak memory (resident): {:.2} GB for {} patients",
                b as f64 / 1e9,
                args.patients
            );
            results["peak_memory_bytes"] = json!(b);
        }
        None => println!("peak memory: not available on this system"),
    }
    fs::create_dir_all(&args.out)?;
    fs::write(
        args.out.join("native.json"),
        serde_json::to_string_pretty(&results)?,
    )?;
    Ok(())
}

/// Peak resident memory of this process (`VmHWM` of `/proc/self/status`), where Linux gives it.
fn peak_memory_bytes() -> Option<u64> {
    let status = fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}
