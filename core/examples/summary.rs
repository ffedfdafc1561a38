//! Print a readable summary of a synthetic population: patients, events by kind, top codes and
//! the generator's throughput.
//!
//! ```sh
//! cargo run --release -p cohorte-core --example summary -- --patients 100000 --seed 1
//! cargo run --release -p cohorte-core --example summary -- --patients 300 --write tables --format csv
//! cargo run --release -p cohorte-core --example summary -- --patients 300 --write tables --pitfalls
//! ```

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::Write as _;
use std::time::Instant;

use cohorte_core::dates;
use cohorte_core::model::{sex, EventKind, Population};
use cohorte_core::synth::{self, SynthConfig};

/// Where to write the source tables instead of printing a summary, and in which format.
type WriteTo = Option<(std::path::PathBuf, cohorte_core::tables::Format)>;

fn parse_args() -> Result<(SynthConfig, Vec<usize>, WriteTo), String> {
    let mut cfg = SynthConfig::default();
    let mut show = Vec::new();
    let mut write: WriteTo = None;
    let mut format = cohorte_core::tables::Format::Parquet;
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        let mut value = |name: &str| it.next().ok_or(format!("{name}: expected a value"));
        match a.as_str() {
            "--patients" => {
                cfg.patients = value("--patients")?
                    .replace('_', "")
                    .parse()
                    .map_err(|e| format!("--patients: {e}"))?
            }
            "--seed" => {
                cfg.seed = value("--seed")?
                    .parse()
                    .map_err(|e| format!("--seed: {e}"))?
            }
            "--start-year" => {
                cfg.start_year = value("--start-year")?
                    .parse()
                    .map_err(|e| format!("--start-year: {e}"))?
            }
            "--years" => {
                cfg.years = value("--years")?
                    .parse()
                    .map_err(|e| format!("--years: {e}"))?
            }
            "--show" => show.push(
                value("--show")?
                    .parse()
                    .map_err(|e| format!("--show: {e}"))?,
            ),
            "--write" => write = Some((value("--write")?.into(), format)),
            "--pitfalls" => cfg.pitfalls = true,
            "--format" => {
                format = cohorte_core::tables::Format::parse(&value("--format")?)
                    .map_err(|e| format!("--format: {e}"))?;
                if let Some((_, f)) = write.as_mut() {
                    *f = format;
                }
            }
            "-h" | "--help" => {
                println!(
                    "summary [--patients N] [--seed S] [--start-year Y] [--years K] [--show INDEX]... \
                     [--write DIR [--format parquet|csv|arrow] [--pitfalls]]"
                );
                std::process::exit(0);
            }
            other => return Err(format!("unknown argument {other}")),
        }
    }
    Ok((cfg, show, write))
}

/// The `n` most frequent codes of a kind, with their counts (dispensings by ATC7 substance).
fn top_codes(pop: &Population, kind: EventKind, n: usize) -> Vec<(String, usize)> {
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for e in &pop.events {
        if e.kind == kind {
            let code = if kind == EventKind::Dispensing {
                pop.dicts.drug_atc[e.code as usize].as_str()
            } else {
                pop.dicts.code_of(e)
            };
            *counts.entry(code).or_default() += 1;
        }
    }
    let mut v: Vec<(String, usize)> = counts
        .into_iter()
        .map(|(code, c)| (code.to_string(), c))
        .collect();
    v.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    v.truncate(n);
    v
}

/// Print one patient's history, one event a line.
fn print_history(out: &mut String, pop: &Population, p: usize) {
    let Some(pat) = pop.patients.get(p) else {
        eprintln!(
            "summary: --show {p}: there are {} patients",
            pop.patients.len()
        );
        return;
    };
    let _ = writeln!(
        out,
        "\nPatient {p}: {} rank {}, sex {}, born {}, died {}, département index {}",
        pat.nir,
        pat.rank,
        pat.sex,
        dates::format(pat.birth),
        pat.death.map_or("-".to_string(), dates::format),
        pat.dept
    );
    for e in pop.events.iter().filter(|e| e.patient as usize == p) {
        let code = pop.dicts.code_of(e);
        let atc = if e.kind == EventKind::Dispensing {
            pop.dicts.drug_atc[e.code as usize].as_str()
        } else {
            ""
        };
        let _ = writeln!(
            out,
            "  {} {} {:<10} {:<5} {:<14} {:<8} value {:<4} stay {}",
            dates::format(e.start),
            dates::format(e.end),
            e.kind.name(),
            format!("{:?}", e.role),
            code,
            atc,
            e.value,
            e.stay
        );
    }
}

fn main() {
    let (cfg, show, write) = match parse_args() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("summary: {e}");
            std::process::exit(2);
        }
    };
    if let Some((dir, format)) = write {
        // The source tables, one file each, as a user would receive them.
        let written =
            cohorte_core::Dataset::synthetic(&cfg).and_then(|d| d.write_dir(&dir, format));
        match written {
            Ok(files) => {
                for f in files {
                    println!("{}", f.display());
                }
                return;
            }
            Err(e) => {
                eprintln!("summary: {e}");
                std::process::exit(1);
            }
        }
    }
    let t = Instant::now();
    let pop = match synth::generate(&cfg) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("summary: {e}");
            std::process::exit(1);
        }
    };
    let secs = t.elapsed().as_secs_f64();
    let mut out = String::new();
    let n = pop.patients.len();
    let m = pop.events.len();
    let _ = writeln!(
        out,
        "Synthetic population: seed {}, {} patients, {} to {}",
        cfg.seed,
        n,
        dates::format(pop.data_start),
        dates::format(pop.data_end)
    );
    let _ = writeln!(
        out,
        "Generated {m} events in {secs:.2} s: {:.1} M events/s, {:.1} events per patient",
        m as f64 / secs / 1e6,
        m as f64 / n.max(1) as f64
    );
    let women = pop.patients.iter().filter(|p| p.sex == sex::FEMALE).count();
    let dead = pop.patients.iter().filter(|p| p.death.is_some()).count();
    let born = pop
        .patients
        .iter()
        .filter(|p| p.birth >= pop.data_start)
        .count();
    let twins = pop.patients.iter().filter(|p| p.rank == 2).count();
    let _ = writeln!(out,
        "Patients: {:.1} % women, {born} born and {dead} dead during the period, {twins} second twins",
        100.0 * women as f64 / n.max(1) as f64
    );
    let mut ages: BTreeMap<i32, usize> = BTreeMap::new();
    for p in &pop.patients {
        if p.birth < pop.data_start {
            let a = dates::age_at(p.birth, pop.data_start);
            *ages.entry((a / 20 * 20).min(80)).or_default() += 1;
        }
    }
    let ages: Vec<String> = ages
        .iter()
        .map(|(a, c)| format!("{a}{}: {c}", if *a == 80 { "+" } else { "–" }))
        .collect();
    let _ = writeln!(out, "Ages on the first day: {}", ages.join(", "));
    let _ = writeln!(out, "\nEvents by kind:");
    for kind in EventKind::ALL {
        let c = pop.events.iter().filter(|e| e.kind == kind).count();
        let _ = writeln!(out, "  {:<12} {:>12}", kind.name(), c);
    }
    for (kind, title) in [
        (EventKind::Dispensing, "Top dispensed substances (ATC7)"),
        (EventKind::Stay, "Top main diagnoses of stays"),
        (EventKind::Ald, "Top long-term illness (ALD) codes"),
        (EventKind::Act, "Top CCAM acts"),
        (
            EventKind::Visit,
            "Visits by nature of service (PRS_NAT_REF)",
        ),
    ] {
        let _ = writeln!(out, "\n{title}:");
        for (code, c) in top_codes(&pop, kind, 8) {
            let _ = writeln!(out, "  {code:<26} {c:>10}");
        }
    }
    for p in show {
        print_history(&mut out, &pop, p);
    }
    let t = Instant::now();
    let digest = synth::population_digest(&pop);
    let _ = writeln!(
        out,
        "\nDigest {digest} ({:.2} s)",
        t.elapsed().as_secs_f64()
    );
    if let Err(e) = std::io::stdout().write_all(out.as_bytes()) {
        if e.kind() != std::io::ErrorKind::BrokenPipe {
            eprintln!("summary: {e}");
            std::process::exit(1);
        }
    }
}
