//! Bad input in source tables: malformed dates (non-ASCII text included), non-numeric counts and
//! missing required columns, through CSV, Parquet and Arrow IPC, each an error naming the table,
//! the column and (for a value) the row of the table, also when a table comes in several
//! batches. Arbitrary text never makes the readers panic.

use std::sync::Arc;

use arrow_array::{Array, ArrayRef, Float64Array, RecordBatch, StringArray};
use arrow_schema::{Field, Schema};
use cohorte_core::dates;
use cohorte_core::tables::{self, csv::read_csv, io, Format};
use cohorte_core::{Dataset, Error};
use proptest::prelude::*;

const KEY: &str = "DCT_ORD_NUM;FLX_DIS_DTD;FLX_EMT_NUM;FLX_EMT_ORD;FLX_EMT_TYP;FLX_TRT_DTD;ORG_CLE_NUM;PRS_ORD_NUM;REM_TYP_AFF";

/// The 9 key values of DCIR line `n` (flux 2020-02-01).
fn key(n: u32) -> String {
    format!("{n};01/02/2020;1;0;1;01/02/2020;01C;1;1")
}

/// `(table, column, row)` of a [`Error::BadValue`], or a panic naming the error.
fn where_bad(e: &Error) -> (&str, &str, usize) {
    match e {
        Error::BadValue {
            table, column, row, ..
        } => (table.as_str(), column.as_str(), *row),
        e => panic!("expected a bad value, found {e:?}"),
    }
}

fn missing(e: &Error) -> (&str, &str) {
    match e {
        Error::MissingColumn { table, column } => (table.as_str(), column.as_str()),
        e => panic!("expected a missing column, found {e:?}"),
    }
}

fn csv(table: &str, text: &str) -> RecordBatch {
    read_csv(table, text.as_bytes(), table).unwrap()
}

// ---------------------------------------------------------------------------------------------
// Dates.

/// Every malformed date of the list, in the second data row of `IR_IMB_R`, is an error at row 2
/// of `IMB_ALD_DTD`, as UTF-8 and as Latin-1 bytes.
#[test]
fn malformed_dates_name_table_column_row() {
    for bad in [
        "1éMAR2021",
        "2021-03-0é",
        "09/03/202é",
        "2021-03-09 14:30",
        "2021-03-09xyz",
        "09MAR2021:08:00:00",
        "31/02/2020",
        "2021-13-01",
        "1850-01-01",
        "09/03/21",
    ] {
        let text = format!(
            "BEN_NIR_PSA;BEN_RNG_GEM;IMB_ALD_DTD;MED_MTF_COD\nA;1;01/02/2020;E11\nA;1;{bad};E11\n"
        );
        let latin1: Vec<u8> = text.chars().map(|c| c as u32 as u8).collect();
        for (encoding, bytes) in [("UTF-8", text.as_bytes().to_vec()), ("Latin-1", latin1)] {
            let e = read_csv("IR_IMB_R", &bytes, "IR_IMB_R.csv").unwrap_err();
            assert_eq!(
                where_bad(&e),
                ("IR_IMB_R", "IMB_ALD_DTD", 2),
                "{bad:?} ({encoding})"
            );
            let msg = e.to_string();
            assert!(
                msg.contains("table IR_IMB_R, column IMB_ALD_DTD, row 2"),
                "{msg}"
            );
        }
    }
}

/// A bad date in a DCIR key column (`FLX_DIS_DTD`) and in a PMSI date (`EXE_SOI_DTD` of
/// `T_MCOaaC`) are reported the same way.
#[test]
fn malformed_dates_in_other_tables() {
    let prs = format!(
        "{KEY};BEN_NIR_PSA;BEN_RNG_GEM;EXE_SOI_DTD;PRS_NAT_REF\n{};A;1;05/01/2020;1111\n1;2020-02-0é;1;0;1;01/02/2020;01C;1;1;A;1;05/01/2020;1111\n",
        key(1)
    );
    let e = read_csv("ER_PRS_F", prs.as_bytes(), "ER_PRS_F.csv").unwrap_err();
    assert_eq!(where_bad(&e), ("ER_PRS_F", "FLX_DIS_DTD", 2));
    let c = "ETA_NUM;RSA_NUM;NIR_ANO_17;EXE_SOI_DTD;EXE_SOI_DTF\nE;1;A;01/03/2020;03/03/2020\nE;2;A;01/03/2020;03/03/2020\nE;3;A;1éMAR2020;03/03/2020\n";
    let e = read_csv("T_MCO20C", c.as_bytes(), "T_MCO20C.csv").unwrap_err();
    assert_eq!(where_bad(&e), ("T_MCO20C", "EXE_SOI_DTD", 3));
}

/// Every form the reader documents still reads, to the day computed by hand.
#[test]
fn well_formed_dates_still_read() {
    for (text, want) in [
        ("2021-03-09", (2021, 3, 9)),
        ("09/03/2021", (2021, 3, 9)),
        ("20210309", (2021, 3, 9)),
        ("09MAR2021", (2021, 3, 9)),
        ("09mar2021:00:00:00", (2021, 3, 9)),
        ("2021-03-09 00:00:00", (2021, 3, 9)),
        ("29/02/2020", (2020, 2, 29)),
        ("01JAN1900", (1900, 1, 1)),
        ("31DEC2099", (2099, 12, 31)),
    ] {
        let text = format!("BEN_NIR_PSA;BEN_RNG_GEM;IMB_ALD_DTD;MED_MTF_COD\nA;1;{text};E11\n");
        let b = csv("IR_IMB_R", &text);
        let d = b
            .column(b.schema().index_of("IMB_ALD_DTD").unwrap())
            .as_any()
            .downcast_ref::<arrow_array::Date32Array>()
            .unwrap()
            .value(0);
        assert_eq!(dates::to_ymd(d), want, "{text}");
    }
}

fn date_like() -> impl Strategy<Value = String> {
    // Text close to dates (digits, separators, month letters, accents, wide characters) finds
    // more edge cases than uniform text.
    proptest::collection::vec(
        prop_oneof![
            proptest::char::range('0', '9'),
            Just('-'),
            Just('/'),
            Just(':'),
            Just(' '),
            Just('T'),
            Just('.'),
            Just('M'),
            Just('A'),
            Just('R'),
            Just('é'),
            Just('２'),
            Just('\u{feff}'),
            any::<char>(),
        ],
        0..24,
    )
    .prop_map(|v| v.into_iter().collect())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    /// The parser never panics; what it accepts is a day in range whose ISO text parses back
    /// to the same day.
    #[test]
    fn date_parser_never_panics(text in prop_oneof![any::<String>(), date_like()]) {
        if let Ok(d) = dates::parse(&text) {
            prop_assert!((dates::MIN_DAY..=dates::MAX_DAY).contains(&d));
            prop_assert_eq!(dates::parse(&dates::format(d)), Ok(d));
        }
    }

    /// Valid civil dates read to the same day in every form.
    #[test]
    fn every_form_of_a_valid_date_reads(y in 1900i32..=2099, m in 1u32..=12, d in 1u32..=31) {
        prop_assume!(d <= dates::days_in_month(y, m));
        const MON: [&str; 12] = [
            "JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC",
        ];
        let want = dates::from_ymd(y, m, d);
        for t in [
            format!("{y:04}-{m:02}-{d:02}"),
            format!("{d:02}/{m:02}/{y:04}"),
            format!("{y:04}{m:02}{d:02}"),
            format!("{d:02}{}{y:04}", MON[m as usize - 1]),
            format!("{d:02}{}{y:04}:00:00:00", MON[m as usize - 1].to_lowercase()),
            format!("{y:04}-{m:02}-{d:02}T00:00:00"),
        ] {
            prop_assert_eq!(dates::parse(&t), Ok(want), "{}", t);
        }
    }

    /// Any text in a date cell and in a count cell of a CSV file is a table or an error, never a
    /// panic; an error on a value names the row.
    #[test]
    fn csv_reader_never_panics(text in prop_oneof![any::<String>(), date_like()]) {
        let imb = format!("BEN_NIR_PSA;BEN_RNG_GEM;IMB_ALD_DTD;MED_MTF_COD\nA;1;01/01/2020;E11\nA;1;{text};E11\n");
        let pha = format!("{KEY};PHA_PRS_C13;PHA_ACT_QSN\n{};3400930000001;{text}\n", key(1));
        for (table, t) in [("IR_IMB_R", imb), ("ER_PHA_F", pha)] {
            let latin1: Vec<u8> = t.chars().map(|c| c as u32 as u8).collect();
            for bytes in [t.as_bytes().to_vec(), latin1] {
                if let Err(Error::BadValue { row, .. }) = read_csv(table, &bytes, "x.csv") {
                    prop_assert!(row >= 1, "{table}");
                }
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Counts and missing columns, in every format.

/// A valid two-row table, as CSV text (the count is the last field) and as a batch, and the name
/// of its count column.
fn count_texts() -> Vec<(&'static str, &'static str, String)> {
    let pha = format!(
        "{KEY};PHA_PRS_C13;PHA_ACT_QSN\n{};3400930000001;2\n{};3400930000001;-1\n",
        key(1),
        key(2)
    );
    let b = "ETA_NUM;RSA_NUM;DGN_PAL;GRG_GHM;SEJ_NBJ\nE;1;I10;05M101;3\nE;2;I10;05M101;0\n";
    let a = "ETA_NUM;RSA_NUM;CDC_ACT;ENT_DAT_DEL;NBR_EXE_ACT\nE;1;DDAF001;0;1\nE;2;DEQP003;1;2\n";
    vec![
        ("ER_PHA_F", "PHA_ACT_QSN", pha),
        ("T_MCO20B", "SEJ_NBJ", b.to_string()),
        ("T_MCO20A", "NBR_EXE_ACT", a.to_string()),
    ]
}

fn count_tables() -> Vec<(&'static str, &'static str, RecordBatch)> {
    count_texts()
        .into_iter()
        .map(|(t, c, text)| (t, c, csv(t, &text)))
        .collect()
}

/// `batch` with column `name` replaced by `array` (its field typed as the array).
fn replace(batch: &RecordBatch, name: &str, array: ArrayRef) -> RecordBatch {
    let i = batch.schema().index_of(name).unwrap();
    let mut fields: Vec<Field> = batch
        .schema()
        .fields()
        .iter()
        .map(|f| f.as_ref().clone())
        .collect();
    fields[i] = Field::new(name, array.data_type().clone(), true);
    let mut cols = batch.columns().to_vec();
    cols[i] = array;
    RecordBatch::try_new(Arc::new(Schema::new(fields)), cols).unwrap()
}

/// `batch` without column `name`.
fn without(batch: &RecordBatch, name: &str) -> RecordBatch {
    let i = batch.schema().index_of(name).unwrap();
    let keep: Vec<usize> = (0..batch.num_columns()).filter(|&j| j != i).collect();
    batch.project(&keep).unwrap()
}

/// Through CSV: a non-numeric count in row 2 of each count column.
#[test]
fn non_numeric_counts_in_csv() {
    for (table, column, text) in count_texts() {
        // The count is the last field of the last line: replace it.
        let body = text.trim_end_matches('\n');
        let cut = body.rfind(';').unwrap();
        for bad in ["abc", "2,5", "1e3x", "douze"] {
            let t = format!("{};{bad}\n", &body[..cut]);
            let e = read_csv(table, t.as_bytes(), "f.csv").unwrap_err();
            assert_eq!(where_bad(&e), (table, column, 2), "{bad}");
            assert!(e.to_string().contains(&format!("{bad:?}")), "{e}");
        }
    }
}

/// Through Parquet and Arrow IPC: a text column holding "abc" where a count is expected, a
/// float column holding 2.5, and a column of a type that cannot be a count.
#[test]
fn non_numeric_counts_in_parquet_and_ipc() {
    for (table, column, batch) in count_tables() {
        let texts: ArrayRef = Arc::new(StringArray::from(vec![Some("3"), Some("abc")]));
        let floats: ArrayRef = Arc::new(Float64Array::from(vec![Some(3.0), Some(2.5)]));
        let bools: ArrayRef = Arc::new(arrow_array::BooleanArray::from(vec![true, false]));
        for f in [Format::Parquet, Format::Ipc] {
            let path = format!("{table}.{}", f.extension());
            // Text that is a number is converted; "abc" is not.
            let bytes = io::write_bytes(&replace(&batch, column, texts.clone()), f).unwrap();
            let e = io::read_bytes(table, f, &bytes, &path).unwrap_err();
            assert_eq!(where_bad(&e), (table, column, 2), "{f:?}");
            assert!(e.to_string().contains("\"abc\""), "{e}");
            let bytes = io::write_bytes(&replace(&batch, column, floats.clone()), f).unwrap();
            let e = io::read_bytes(table, f, &bytes, &path).unwrap_err();
            assert_eq!(where_bad(&e), (table, column, 2), "{f:?}");
            let bytes = io::write_bytes(&replace(&batch, column, bools.clone()), f).unwrap();
            match io::read_bytes(table, f, &bytes, &path).unwrap_err() {
                Error::Format { path, message } => {
                    assert_eq!(path, table, "{f:?}");
                    assert!(message.contains(column), "{message}");
                    assert!(message.contains("Boolean"), "{message}");
                }
                e => panic!("{f:?}: {e:?}"),
            }
            // The same table as written reads back whole: the errors come from the values.
            let bytes = io::write_bytes(&batch, f).unwrap();
            assert_eq!(io::read_bytes(table, f, &bytes, &path).unwrap(), batch);
        }
    }
}

/// Through a file on disk: the error of a Parquet or IPC table file names its row too.
#[test]
fn non_numeric_count_in_a_table_file() {
    let dir = std::env::temp_dir().join(format!("cohorte-bad-values-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let (table, column, batch) = count_tables().remove(0);
    let bad = replace(
        &batch,
        column,
        Arc::new(StringArray::from(vec![Some("1"), Some("abc")])),
    );
    for f in [Format::Parquet, Format::Ipc] {
        let p = dir.join(format!("{table}.{}", f.extension()));
        std::fs::write(&p, io::write_bytes(&bad, f).unwrap()).unwrap();
        let e = tables::read_file(&p).unwrap_err();
        assert_eq!(where_bad(&e), (table, column, 2), "{f:?}");
        std::fs::remove_file(&p).unwrap();
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// A missing required column is an error naming the table and the column in every format.
#[test]
fn missing_required_columns_in_every_format() {
    let ben = csv(
        "IR_BEN_R",
        "BEN_NIR_PSA;BEN_RNG_GEM;BEN_SEX_COD;BEN_NAI_ANN\nA;1;1;1950\n",
    );
    let mut cases: Vec<(&str, &str, RecordBatch)> = vec![
        ("IR_BEN_R", "BEN_RNG_GEM", ben.clone()),
        ("IR_BEN_R", "BEN_NIR_PSA", ben),
    ];
    let mut optional = Vec::new();
    for (table, column, batch) in count_tables() {
        // PHA_ACT_QSN is required; the length of stay and the number of acts are not (the stay's
        // dates give its length, an act is done once when the count is absent).
        if table == "ER_PHA_F" {
            cases.push((table, column, batch.clone()));
        } else {
            optional.push((table, column, batch.clone()));
        }
        // A key column too.
        let k = if table == "ER_PHA_F" {
            "PRS_ORD_NUM"
        } else {
            "RSA_NUM"
        };
        cases.push((table, k, batch));
    }
    for (table, column, batch) in cases {
        let cut = without(&batch, column);
        for f in [Format::Parquet, Format::Ipc, Format::Csv] {
            let bytes = io::write_bytes(&cut, f).unwrap();
            let e = io::read_bytes(table, f, &bytes, "x").unwrap_err();
            assert_eq!(missing(&e), (table, column), "{f:?}");
            assert!(
                e.to_string()
                    .contains(&format!("table {table}: missing required column {column}")),
                "{e}"
            );
        }
        // The whole table reads.
        let full = io::write_bytes(&batch, Format::Ipc).unwrap();
        assert!(io::read_bytes(table, Format::Ipc, &full, "x").is_ok());
    }
    for (table, column, batch) in optional {
        for f in [Format::Parquet, Format::Ipc, Format::Csv] {
            let bytes = io::write_bytes(&without(&batch, column), f).unwrap();
            let b = io::read_bytes(table, f, &bytes, "x").unwrap();
            let c = b.column(b.schema().index_of(column).unwrap());
            assert_eq!(c.null_count(), 2, "{table} {column} {f:?}");
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Row numbers across batches.

fn ben(rows: &[&str]) -> RecordBatch {
    let mut t = "BEN_NIR_PSA;BEN_RNG_GEM;BEN_SEX_COD;BEN_NAI_ANN\n".to_string();
    for r in rows {
        t.push_str(r);
        t.push('\n');
    }
    csv("IR_BEN_R", &t)
}

fn flatten_err(tables: Vec<(&str, RecordBatch)>) -> Error {
    let t: Vec<(String, RecordBatch)> = tables
        .into_iter()
        .map(|(n, b)| (n.to_string(), b))
        .collect();
    tables::flatten(&t).unwrap_err()
}

/// When a table comes in several batches, the row of an error is its row in the whole table:
/// the rows of the earlier batches of the same table (not of other tables) come before.
#[test]
fn row_numbers_count_across_batches() {
    let b1 = ben(&["A;1;1;1950", "B;1;2;1960", "C;1;1;1970"]);
    let b2 = ben(&["D;1;2;1980", "E;1;1;19x0"]);
    // Birth year of row 2 of the second batch: row 3 + 2 = 5 of IR_BEN_R.
    let e = flatten_err(vec![("IR_BEN_R", b1.clone()), ("IR_BEN_R", b2.clone())]);
    assert_eq!(where_bad(&e), ("IR_BEN_R", "BEN_NAI_ANN", 5));
    // Alone, the second batch gives its own row.
    let e = flatten_err(vec![("IR_BEN_R", b2.clone())]);
    assert_eq!(where_bad(&e), ("IR_BEN_R", "BEN_NAI_ANN", 2));
    // Other tables in between, and given in any order, do not count.
    let imb = |rows: &str| {
        csv(
            "IR_IMB_R",
            &format!("BEN_NIR_PSA;BEN_RNG_GEM;IMB_ALD_DTD;IMB_ALD_DTF;MED_MTF_COD\n{rows}"),
        )
    };
    let i1 = imb("A;1;01/01/2019;;E11\nB;1;01/01/2019;31/12/2019;I10\n");
    let i2 = imb("C;1;01/01/2019;;E11\nA;1;01/06/2020;01/01/2020;I10\n");
    let e = flatten_err(vec![
        ("IR_IMB_R", i1.clone()),
        ("IR_BEN_R", b1.clone()),
        ("IR_IMB_R", i2.clone()),
    ]);
    assert_eq!(where_bad(&e), ("IR_IMB_R", "IMB_ALD_DTF", 4));
    // A required value left empty, in the third batch of ER_PHA_F (1 + 1 rows before).
    let pha = |n: u32, qsn: &str| {
        csv(
            "ER_PHA_F",
            &format!(
                "{KEY};PHA_PRS_C13;PHA_ACT_QSN\n{};3400930000001;{qsn}\n",
                key(n)
            ),
        )
    };
    let prs = csv(
        "ER_PRS_F",
        &format!(
            "{KEY};BEN_NIR_PSA;BEN_RNG_GEM;EXE_SOI_DTD;PRS_NAT_REF\n{k1};A;1;05/01/2020;3317\n{k2};A;1;06/01/2020;3317\n{k3};A;1;07/01/2020;3317\n",
            k1 = key(1),
            k2 = key(2),
            k3 = key(3)
        ),
    );
    let e = flatten_err(vec![
        ("IR_BEN_R", b1.clone()),
        ("ER_PHA_F", pha(1, "1")),
        ("ER_PRS_F", prs),
        ("ER_PHA_F", pha(2, "2")),
        ("ER_PHA_F", pha(3, "")),
    ]);
    assert_eq!(where_bad(&e), ("ER_PHA_F", "PHA_ACT_QSN", 3));
    // PMSI: a discharge before its admission in the second batch of T_MCO20C.
    let c = |rows: &str| {
        csv(
            "T_MCO20C",
            &format!("ETA_NUM;RSA_NUM;NIR_ANO_17;EXE_SOI_DTD;EXE_SOI_DTF\n{rows}"),
        )
    };
    let e = flatten_err(vec![
        ("IR_BEN_R", b1),
        (
            "T_MCO20C",
            c("E;1;A;01/03/2020;03/03/2020\nE;2;A;01/03/2020;03/03/2020\n"),
        ),
        (
            "T_MCO20C",
            c("E;3;A;01/03/2020;03/03/2020\nE;4;A;05/03/2020;03/03/2020\n"),
        ),
    ]);
    assert_eq!(where_bad(&e), ("T_MCO20C", "EXE_SOI_DTF", 4));
}

/// Several batches of a table read without error give the same population as one batch.
#[test]
fn batches_of_a_table_read_as_one() {
    let one = ben(&["A;1;1;1950", "B;1;2;1960", "C;1;1;1970"]);
    let split = [one.slice(0, 1), one.slice(1, 2)];
    let whole = Dataset::from_tables(vec![("IR_BEN_R".into(), one)]).unwrap();
    let parts = Dataset::from_tables(
        split
            .iter()
            .map(|b| ("IR_BEN_R".to_string(), b.clone()))
            .collect(),
    )
    .unwrap();
    assert_eq!(whole.population(), parts.population());
    let p = &parts.population().patients;
    assert_eq!(p.len(), 3);
    assert_eq!((p[2].nir.as_str(), dates::year(p[2].birth)), ("C", 1970));
}

/// Batches not yet conformed (as a face passes them to `Dataset::from_tables`): a value that
/// cannot be converted names its row in the whole table too.
#[test]
fn row_numbers_count_across_batches_before_conversion() {
    let (table, column, batch) = count_tables().remove(0);
    let bad = replace(
        &batch,
        column,
        Arc::new(StringArray::from(vec![Some("1"), Some("abc")])),
    );
    let ben = ben(&["A;1;1;1950"]);
    let Err(e) = Dataset::from_tables(vec![
        ("IR_BEN_R".into(), ben.clone()),
        (table.to_lowercase(), batch.clone()),
        ("IR_BEN_R".into(), ben.clone()),
        (table.into(), bad.clone()),
    ]) else {
        panic!("a bad value is an error");
    };
    assert_eq!(where_bad(&e), (table, column, 4));
    let c = tables::conform_tables(&[(table.into(), bad)]).unwrap_err();
    assert_eq!(where_bad(&c), (table, column, 2));
}
