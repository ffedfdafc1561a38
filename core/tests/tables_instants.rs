//! Date columns given as instants (pandas `datetime64[ns]`, polars `Datetime`, Arrow `Date64`)
//! are read as the days they fall on, when they are at midnight.

use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::types::Date32Type;
use arrow_array::{
    Array, ArrayRef, Date64Array, RecordBatch, TimestampMicrosecondArray, TimestampNanosecondArray,
};
use arrow_schema::{DataType, Field, Schema};
use cohorte_core::synth::SynthConfig;
use cohorte_core::tables::conform;
use cohorte_core::{Dataset, Error};

const NS_PER_DAY: i64 = 86_400_000_000_000;

/// `batch` with every Date32 column replaced by `to(column)`.
fn with_instants(
    batch: &RecordBatch,
    mut to: impl FnMut(&arrow_array::Date32Array) -> ArrayRef,
) -> RecordBatch {
    let mut fields = Vec::new();
    let mut columns = Vec::new();
    for (f, c) in batch.schema().fields().iter().zip(batch.columns()) {
        if *c.data_type() == DataType::Date32 {
            let converted = to(c.as_primitive::<Date32Type>());
            fields.push(Field::new(f.name(), converted.data_type().clone(), true));
            columns.push(converted);
        } else {
            fields.push(f.as_ref().clone());
            columns.push(c.clone());
        }
    }
    RecordBatch::try_new(Arc::new(Schema::new(fields)), columns).unwrap()
}

#[test]
fn timestamps_and_date64_at_midnight_read_as_their_days() {
    let ds = Dataset::synthetic(&SynthConfig {
        patients: 300,
        seed: 5,
        ..SynthConfig::default()
    })
    .unwrap();
    let tables = ds.tables().unwrap();
    let mut converted_dates = 0;
    for (name, batch) in &tables {
        let ns = with_instants(batch, |d| {
            converted_dates += d.len() - d.null_count();
            Arc::new(TimestampNanosecondArray::from_iter(
                d.iter().map(|v| v.map(|x| x as i64 * NS_PER_DAY)),
            ))
        });
        assert_eq!(
            &conform(name, &ns).unwrap(),
            &conform(name, batch).unwrap(),
            "{name}"
        );
        let us = with_instants(batch, |d| {
            Arc::new(
                TimestampMicrosecondArray::from_iter(
                    d.iter().map(|v| v.map(|x| x as i64 * 86_400_000_000)),
                )
                .with_timezone("UTC"),
            )
        });
        assert_eq!(
            &conform(name, &us).unwrap(),
            &conform(name, batch).unwrap(),
            "{name}"
        );
        let ms = with_instants(batch, |d| {
            Arc::new(Date64Array::from_iter(
                d.iter().map(|v| v.map(|x| x as i64 * 86_400_000)),
            ))
        });
        assert_eq!(
            &conform(name, &ms).unwrap(),
            &conform(name, batch).unwrap(),
            "{name}"
        );
    }
    assert!(converted_dates > 1000, "{converted_dates} dates converted");
    // The whole dataset reads back from instants to the population its tables load to (the
    // loader nets same-day dispensings of one pack, so that population is compared, not the
    // generated one).
    let loaded = Dataset::from_tables(tables.clone()).unwrap();
    let back = Dataset::from_tables(
        tables
            .iter()
            .map(|(n, b)| {
                let t = with_instants(b, |d| {
                    Arc::new(TimestampNanosecondArray::from_iter(
                        d.iter().map(|v| v.map(|x| x as i64 * NS_PER_DAY)),
                    ))
                });
                (n.clone(), t)
            })
            .collect(),
    )
    .unwrap();
    assert_eq!(back.population().patients, loaded.population().patients);
    assert_eq!(back.population().events, loaded.population().events);
}

#[test]
fn a_time_of_day_in_a_date_column_names_table_column_and_row() {
    let ds = Dataset::synthetic(&SynthConfig {
        patients: 50,
        seed: 5,
        ..SynthConfig::default()
    })
    .unwrap();
    let tables = ds.tables().unwrap();
    let (name, batch) = tables.iter().find(|(n, _)| n == "ER_PHA_F").unwrap();
    // Row 3 of the first date column gets 10:30 added; 1970-01-01 is day 0, so the shift alone
    // would not be noticed by a day count.
    let ns = with_instants(batch, |d| {
        Arc::new(TimestampNanosecondArray::from_iter(
            d.iter().enumerate().map(|(i, v)| {
                v.map(|x| x as i64 * NS_PER_DAY + if i == 2 { 37_800_000_000_000 } else { 0 })
            }),
        ))
    });
    let first_date = batch
        .schema()
        .fields()
        .iter()
        .find(|f| *f.data_type() == DataType::Date32)
        .unwrap()
        .name()
        .clone();
    match conform(name, &ns) {
        Err(Error::BadValue {
            table,
            column,
            row,
            message,
        }) => {
            assert_eq!(table, "ER_PHA_F");
            assert_eq!(column, first_date);
            assert_eq!(row, 3);
            assert!(message.contains("time of day"), "{message}");
        }
        other => panic!("expected a bad value, got {other:?}"),
    }
}
