//! Tables whose safety does not come from masking cells alone: the threshold is enforced on
//! their shape before suppression, whatever options built them.
//!
//! - A Kaplan–Meier curve (`km_curve`) is gathered into steps of 0 or at least k events, 0 or at
//!   least k censorings, leaving 0 or at least k persons at risk
//!   ([`crate::aggregate::survival::gather_rows`]); the numbers at risk (`km_at_risk`) and the
//!   median (`km_summary`) of the same population are read again from the gathered curve. A
//!   `km_at_risk` without its curve in the set is refused: its differences are not protected.
//! - A pathways table (`pathways`) has its sequences of 1 to k − 1 persons cut back
//!   ([`crate::aggregate::pathways::gather_rare`]).

use std::sync::Arc;

use arrow_array::{ArrayRef, Int64Array, RecordBatch};

use super::select_rows;
use crate::aggregate::pathways::{gather_rare, pathway_columns, read_groups};
use crate::aggregate::{make_batch, Aggregate, Col};
use crate::error::{Error, Result};

fn same_schema(old: &RecordBatch, new: RecordBatch) -> Result<RecordBatch> {
    let md = old.schema().metadata().clone();
    let schema = Arc::new(new.schema().as_ref().clone().with_metadata(md));
    Ok(new.with_schema(schema)?)
}

fn required(agg: &Aggregate, c: &str) -> Result<Vec<i64>> {
    agg.ints(c)?
        .into_iter()
        .enumerate()
        .map(|(r, v)| {
            v.ok_or_else(|| {
                Error::Aggregate(format!("aggregate {}: {c} is null at row {r}", agg.name))
            })
        })
        .collect()
}

/// A gathered curve: per published step, its time, number at risk, events, survival and band.
struct Curve {
    time: Vec<i64>,
    n_risk: Vec<i64>,
    n_event: Vec<i64>,
    survival: Vec<Option<f64>>,
    lower: Vec<Option<f64>>,
    upper: Vec<Option<f64>>,
    /// The one step left has too few events or censorings: no survival may be read from it.
    masked: bool,
}

/// Gather a curve in place to threshold `k`.
fn gather_curve(agg: &mut Aggregate, k: u32) -> Result<Curve> {
    let time = required(agg, "time")?;
    let n_risk = required(agg, "n_risk")?;
    let n_event = required(agg, "n_event")?;
    let n_censor = required(agg, "n_censor")?;
    if let Some(w) = time.windows(2).position(|w| w[0] >= w[1]) {
        return Err(Error::Aggregate(format!(
            "aggregate {}: times must increase, row {} is not after row {w}",
            agg.name,
            w + 1
        )));
    }
    let mut rows = Vec::with_capacity(time.len());
    for r in 0..time.len() {
        if n_risk[r] < 0 || n_event[r] < 0 || n_censor[r] < 0 {
            return Err(Error::Aggregate(format!(
                "aggregate {}: negative count at row {r}",
                agg.name
            )));
        }
        rows.push((n_risk[r] as u64, n_event[r] as u64, n_censor[r] as u64));
    }
    let (groups, masked) = crate::aggregate::survival::gather_rows(&rows, u64::from(k));
    if groups.len() < time.len() {
        let first: Vec<Option<usize>> = groups.iter().map(|g| Some(g.start)).collect();
        let last: Vec<Option<usize>> = groups.iter().map(|g| Some(g.end - 1)).collect();
        let schema = agg.batch.schema();
        let what = |c: &str| format!("aggregate {}, column {c}", agg.name);
        let mut cols: Vec<ArrayRef> = vec![];
        for (i, f) in schema.fields().iter().enumerate() {
            let col = agg.batch.column(i);
            let c: ArrayRef = match f.name().as_str() {
                "n_risk" => select_rows(col, &first, &what(f.name()))?,
                "n_event" | "n_censor" => {
                    let v = if f.name() == "n_event" {
                        &n_event
                    } else {
                        &n_censor
                    };
                    Arc::new(Int64Array::from(
                        groups
                            .iter()
                            .map(|g| v[g.clone()].iter().sum::<i64>())
                            .collect::<Vec<_>>(),
                    ))
                }
                // The survival, its error and band at a step's last time are the exact curve's.
                _ => select_rows(col, &last, &what(f.name()))?,
            };
            cols.push(c);
        }
        agg.batch = RecordBatch::try_new(schema, cols)?;
        agg.notes.push(format!(
            "disclosure: steps gathered so that each has 0 or at least {k} events, 0 or at least \
             {k} censorings, and leaves 0 or at least {k} persons at risk"
        ));
    }
    Ok(Curve {
        time: required(agg, "time")?,
        n_risk: required(agg, "n_risk")?,
        n_event: required(agg, "n_event")?,
        survival: agg.floats("survival")?,
        lower: agg.floats("lower")?,
        upper: agg.floats("upper")?,
        masked,
    })
}

/// Numbers at risk and survival at the requested times, read from the gathered curve.
fn at_risk_from(agg: &mut Aggregate, c: &Curve) -> Result<()> {
    let times = required(agg, "time")?;
    let (mut r_col, mut s_col, mut lo_col, mut hi_col) = (vec![], vec![], vec![], vec![]);
    for &t in &times {
        let j = c.time.partition_point(|x| *x < t);
        r_col.push(Some(c.n_risk.get(j).copied().unwrap_or(0)));
        let kk = c.time.partition_point(|x| *x <= t);
        if c.masked && c.time.first().is_some_and(|x| *x <= t) {
            s_col.push(None);
            lo_col.push(None);
            hi_col.push(None);
        } else if kk == 0 {
            s_col.push(Some(1.0));
            lo_col.push(Some(1.0));
            hi_col.push(Some(1.0));
        } else {
            s_col.push(c.survival[kk - 1]);
            lo_col.push(c.lower[kk - 1]);
            hi_col.push(c.upper[kk - 1]);
        }
    }
    let batch = make_batch(vec![
        (
            "time".into(),
            Col::Int(times.into_iter().map(Some).collect()),
        ),
        ("n_risk".into(), Col::Int(r_col)),
        ("survival".into(), Col::Float(s_col)),
        ("lower".into(), Col::Float(lo_col)),
        ("upper".into(), Col::Float(hi_col)),
    ])?;
    agg.batch = same_schema(&agg.batch, batch)?;
    Ok(())
}

/// The median and its interval, read from the gathered curve.
fn summary_from(agg: &mut Aggregate, c: &Curve) -> Result<()> {
    let persons = agg.ints("persons")?;
    let events = agg.ints("events")?;
    let first = |v: &[Option<f64>]| -> Option<usize> {
        (0..c.time.len()).find(|&j| c.n_event[j] > 0 && v[j].is_some_and(|x| x <= 0.5))
    };
    let (med, lo, hi) = if c.masked {
        (None, None, None)
    } else {
        (first(&c.survival), first(&c.lower), first(&c.upper))
    };
    let n = agg.num_rows();
    let time = |j: Option<usize>| vec![j.map(|j| c.time[j] as f64); n];
    let batch = make_batch(vec![
        ("persons".into(), Col::Int(persons)),
        ("events".into(), Col::Int(events)),
        ("median".into(), Col::Float(time(med))),
        ("median_lower".into(), Col::Float(time(lo))),
        ("median_upper".into(), Col::Float(time(hi))),
        (
            "n_risk_at_median".into(),
            Col::Int(vec![med.map(|j| c.n_risk[j]); n]),
        ),
    ])?;
    agg.batch = same_schema(&agg.batch, batch)?;
    Ok(())
}

/// Enforce threshold `k` on the shape of the Kaplan–Meier and pathways tables of a set.
pub(crate) fn enforce(aggs: &mut [Aggregate], k: u32) -> Result<()> {
    for t in 0..aggs.len() {
        match aggs[t].name.as_str() {
            "pathways" if aggs[t].dims == ["sequence"] => {
                let (counts, total, max_lines) = read_groups(&aggs[t])?;
                let gathered = gather_rare(counts.clone(), i64::from(k));
                if gathered != counts {
                    let batch = make_batch(pathway_columns(gathered, total, max_lines))?;
                    aggs[t].batch = same_schema(&aggs[t].batch, batch)?;
                    aggs[t].notes.push(format!(
                        "disclosure: sequences of fewer than {k} persons cut back to their \
                         first lines, the rest shown as {}",
                        crate::aggregate::pathways::OTHER
                    ));
                }
            }
            "km_curve" if aggs[t].dims.is_empty() => {
                let pop = aggs[t].population();
                if aggs[..t]
                    .iter()
                    .any(|a| a.name == "km_curve" && a.population() == pop)
                {
                    return Err(Error::Aggregate(format!(
                        "aggregate km_curve (table {t}): two Kaplan–Meier curves of the same \
                         population in one set"
                    )));
                }
                let curve = gather_curve(&mut aggs[t], k)?;
                for a in aggs.iter_mut() {
                    if a.population() != pop || !a.dims.is_empty() {
                        continue;
                    }
                    match a.name.as_str() {
                        "km_at_risk" => at_risk_from(a, &curve)?,
                        "km_summary" => summary_from(a, &curve)?,
                        _ => {}
                    }
                }
            }
            _ => {}
        }
    }
    for a in aggs.iter() {
        if a.name == "km_at_risk"
            && a.num_rows() > 0
            && !aggs
                .iter()
                .any(|c| c.name == "km_curve" && c.population() == a.population())
        {
            return Err(Error::Aggregate(
                "aggregate km_at_risk: protect it together with its km_curve (the differences \
                 between numbers at risk are protected through the curve's steps)"
                    .into(),
            ));
        }
    }
    Ok(())
}
