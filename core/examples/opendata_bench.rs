//! Benchmark of the open-data reader on a file the size of an Open Medic year (about 600 MB):
//!
//! - `opendata_bench write PATH [--mb N]` writes an Open Medic-shaped file: the core's Open
//!   Medic export (`opendata::write_open_medic`) of a synthetic population's protected
//!   dispensings, its rows repeated with amounts filled in as the published files write them
//!   (`1.293,64`), until the file holds N MB (600 by default). It prints the boxes it wrote by
//!   age band, the reference the reading is checked against.
//! - `opendata_bench read PATH` sums `BOITES` and `REM` by age band while streaming the file
//!   (`opendata::summarise_open_data_file`), then prints the time, the throughput and the
//!   process's peak resident memory, and fails when the peak exceeds the budget (256 MB: the file
//!   is never loaded whole) or when the sums differ from the writer's.
//!
//! `make bench-opendata` runs both, in two processes, so the reading's peak memory is its own.

use std::collections::BTreeMap;
use std::io::{BufWriter, Write};
use std::time::Instant;

use arrow_array::Array;
use cohorte_core::aggregate::{dispensings, DispensingOptions};
use cohorte_core::disclosure::protect_one;
use cohorte_core::model::CohortRows;
use cohorte_core::opendata::{self, Summary};
use cohorte_core::synth::{self, SynthConfig};
use cohorte_core::EventStore;

const BUDGET_MB: f64 = 256.0;

fn main() {
    if let Err(e) = run() {
        eprintln!("opendata_bench: {e}");
        std::process::exit(1);
    }
}

fn run() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (mode, path) = match args.as_slice() {
        [m, p, ..] => (m.as_str(), p.as_str()),
        _ => return Err("usage: opendata_bench write|read PATH [--mb N]".into()),
    };
    let mb: u64 = match args.iter().position(|a| a == "--mb") {
        Some(i) => args.get(i + 1).ok_or("--mb needs a number")?.parse()?,
        None => 600,
    };
    match mode {
        "write" => write(path, mb),
        "read" => read(path),
        other => Err(format!("unknown mode {other:?}").into()),
    }
}

/// The boxes and amounts written, by Open Medic age code, as `age:boxes:rem_cents` lines.
fn write(path: &str, mb: u64) -> Result<(), Box<dyn std::error::Error>> {
    let t = Instant::now();
    let pop = synth::generate(&SynthConfig {
        seed: 7,
        patients: 20_000,
        ..SynthConfig::default()
    })?;
    let store = EventStore::build(&pop);
    let n = store.n_patients();
    let rows = CohortRows {
        person: (0..n as u32).collect(),
        start: vec![pop.data_start; n],
        end: vec![pop.data_end; n],
    };
    let mut agg = dispensings(&store, &rows, &DispensingOptions::default())?;
    protect_one(&mut agg, 10)?;
    let template = opendata::write_open_medic(&agg)?;
    // The export's lines: the header, then data rows ending in `;;` (REM and BSE empty).
    let mut lines = template.split(|b| *b == b'\n').filter(|l| !l.is_empty());
    let header = lines.next().ok_or("empty export")?.to_vec();
    let data: Vec<Vec<u8>> = lines.map(|l| l.to_vec()).collect();
    if data.is_empty() {
        return Err("the export has no rows".into());
    }
    let target = mb * 1_000_000;
    let mut out = BufWriter::with_capacity(1 << 20, std::fs::File::create(path)?);
    out.write_all(&header)?;
    out.write_all(b"\n")?;
    let mut written = header.len() as u64 + 1;
    // Reference sums kept apart from the reader: boxes (masked cells apart) and REM in cents.
    let mut boxes: BTreeMap<String, (i64, i64, i64)> = BTreeMap::new();
    let mut k: u64 = 0;
    while written < target {
        let line = &data[(k % data.len() as u64) as usize];
        // Windows-1252 bytes: fields split on the ASCII separator (the export writes no quotes).
        let body = line.strip_suffix(b"\r").unwrap_or(line);
        let fields: Vec<&[u8]> = body.split(|b| *b == b';').collect();
        let text = |i: usize| String::from_utf8_lossy(fields.get(i).copied().unwrap_or_default());
        let age = text(14).into_owned();
        let b = text(18).into_owned();
        // An amount from 0,00 to 99.999.999,99 written with thousands dots and a decimal comma.
        let cents = (k.wrapping_mul(2_654_435_761) % 10_000_000_000) as i64;
        let rem = amount(cents);
        let stem = body
            .strip_suffix(b";;")
            .ok_or("export row without empty amounts")?;
        out.write_all(stem)?;
        let tail = format!(";{rem};{rem}\r\n");
        out.write_all(tail.as_bytes())?;
        written += (stem.len() + tail.len()) as u64;
        let e = boxes.entry(age).or_default();
        match b.parse::<i64>() {
            Ok(v) => e.0 += v,
            Err(_) => e.1 += 1,
        }
        e.2 += cents;
        k += 1;
    }
    out.flush()?;
    println!(
        "wrote {path}: {:.0} MB, {k} rows from the {} rows of the Open Medic export, in {:.1} s",
        written as f64 / 1e6,
        data.len(),
        t.elapsed().as_secs_f64()
    );
    for (age, (b, masked, cents)) in &boxes {
        println!("reference age {age}: BOITES {b} ({masked} masked), REM cents {cents}");
    }
    std::fs::write(
        format!("{path}.expected"),
        boxes
            .iter()
            .map(|(a, (b, m, c))| format!("{a}:{b}:{m}:{c}\n"))
            .collect::<String>(),
    )?;
    Ok(())
}

fn amount(cents: i64) -> String {
    let units = (cents / 100).to_string();
    let mut grouped = String::new();
    for (i, c) in units.chars().enumerate() {
        if i > 0 && (units.len() - i) % 3 == 0 {
            grouped.push('.');
        }
        grouped.push(c);
    }
    format!("{grouped},{:02}", cents % 100)
}

fn peak_rss_mb() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

fn read(path: &str) -> Result<(), Box<dyn std::error::Error>> {
    let expected = std::fs::read_to_string(format!("{path}.expected"))?;
    let t = Instant::now();
    let mut last = 0u64;
    let summary = Summary {
        by: vec!["age".into()],
        sum: vec!["BOITES".into(), "REM".into()],
        filter: vec![],
    };
    let d = opendata::summarise_open_data_file(path, &summary, &mut |p| {
        // A progress line every 100 MB.
        if p.bytes_read / 100_000_000 > last {
            last = p.bytes_read / 100_000_000;
            eprintln!(
                "  {:.0} / {:.0} MB, {} rows",
                p.bytes_read as f64 / 1e6,
                p.bytes_total.unwrap_or(0) as f64 / 1e6,
                p.rows
            );
        }
    })?;
    let secs = t.elapsed().as_secs_f64();
    let size = std::fs::metadata(path)?.len() as f64;
    let peak = peak_rss_mb().unwrap_or(f64::NAN);
    let col = |name: &str| d.batch.column_by_name(name).cloned();
    let ages = col("age").ok_or("no age column")?;
    let ages = ages
        .as_any()
        .downcast_ref::<arrow_array::StringArray>()
        .ok_or("age is not text")?;
    let boxes = col("BOITES").ok_or("no BOITES")?;
    let boxes = boxes
        .as_any()
        .downcast_ref::<arrow_array::Int64Array>()
        .ok_or("BOITES is not Int64")?;
    let masked = col("BOITES_masked").ok_or("no BOITES_masked")?;
    let masked = masked
        .as_any()
        .downcast_ref::<arrow_array::Int64Array>()
        .ok_or("BOITES_masked is not Int64")?;
    let rem = col("REM").ok_or("no REM")?;
    let rem = rem
        .as_any()
        .downcast_ref::<arrow_array::Float64Array>()
        .ok_or("REM is not Float64")?;
    let mut got = String::new();
    let mut mismatch = vec![];
    for (i, line) in expected.lines().enumerate() {
        let f: Vec<&str> = line.split(':').collect();
        let (a, b, m, c): (&str, i64, i64, f64) =
            (f[0], f[1].parse()?, f[2].parse()?, f[3].parse()?);
        let ok = i < ages.len()
            && ages.value(i) == a
            && boxes.value(i) == b
            && masked.value(i) == m
            && (rem.value(i) * 100.0 - c).abs() <= 1e-6 * c.max(1.0);
        if !ok {
            mismatch.push(a.to_string());
        }
        got.push_str(&format!(
            "age {a}: BOITES {} ({} masked), REM {:.2}\n",
            boxes.value(i.min(boxes.len() - 1)),
            masked.value(i.min(masked.len() - 1)),
            rem.value(i.min(rem.len() - 1))
        ));
    }
    print!("{got}");
    println!(
        "open data: summarised {:.0} MB ({} rows) by age in {secs:.1} s = {:.0} MB/s; peak \
         resident memory {peak:.0} MB (budget <= {BUDGET_MB:.0} MB, the file is {:.0} MB)",
        size / 1e6,
        d.batch
            .column_by_name("rows")
            .and_then(|a| a.as_any().downcast_ref::<arrow_array::Int64Array>())
            .map_or(0, |a| a.values().iter().sum::<i64>()),
        size / 1e6 / secs,
        size / 1e6
    );
    if !mismatch.is_empty() {
        return Err(format!("sums differ from the writer's for age {mismatch:?}").into());
    }
    if peak > BUDGET_MB {
        return Err(
            format!("peak memory {peak:.0} MB over the budget of {BUDGET_MB:.0} MB").into(),
        );
    }
    Ok(())
}
