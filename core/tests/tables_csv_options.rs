//! The CSV reader's options: separator, encoding, tables named by the caller.

use arrow_array::cast::AsArray;
use arrow_array::Array;
use cohorte_core::tables::csv::{read_csv_with, CsvOptions, Encoding};
use cohorte_core::tables::{read_csv_files, TableKind};
use cohorte_core::Error;

fn nom(b: &arrow_array::RecordBatch) -> String {
    b.column(b.schema().index_of("PHA_NOM_COURT").unwrap())
        .as_string::<i32>()
        .value(0)
        .to_string()
}

#[test]
fn other_separators_read_the_same_table() {
    let semi = "PHA_CIP_C13;PHA_ATC_C07;PHA_NOM_COURT\n3400930000001;A10BA02;\"METFORMINE; 500\"\n";
    let base = read_csv_with("IR_PHA_R", semi.as_bytes(), "a.csv", &CsvOptions::default()).unwrap();
    assert_eq!(nom(&base), "METFORMINE; 500");
    for sep in [',', '|', '\t'] {
        let text = format!(
            "PHA_CIP_C13{sep}PHA_ATC_C07{sep}PHA_NOM_COURT\n3400930000001{sep}A10BA02{sep}\"METFORMINE; 500\"\n"
        );
        let opts = CsvOptions {
            separator: sep,
            ..CsvOptions::default()
        };
        let b = read_csv_with("IR_PHA_R", text.as_bytes(), "b.csv", &opts).unwrap();
        assert_eq!(b, base, "separator {sep:?}");
        // Read with the default separator, the fields do not line up: an error, not a table.
        let e = read_csv_with("IR_PHA_R", text.as_bytes(), "b.csv", &CsvOptions::default())
            .unwrap_err();
        assert!(
            matches!(e, Error::MissingColumn { .. } | Error::Format { .. }),
            "{e}"
        );
    }
    for bad in ['"', '\n', 'A', '.'] {
        let opts = CsvOptions {
            separator: bad,
            ..CsvOptions::default()
        };
        let e = read_csv_with("IR_PHA_R", semi.as_bytes(), "a.csv", &opts).unwrap_err();
        assert!(e.to_string().contains("separator"), "{e}");
    }
}

#[test]
fn encodings_can_be_forced() {
    // "Ã©" is valid UTF-8 for "é"; as Latin-1 the same bytes are two characters.
    let bytes = "PHA_CIP_C13;PHA_ATC_C07;PHA_NOM_COURT\n3400930000001;A10BA02;M\u{e9}tformine\n"
        .as_bytes()
        .to_vec();
    let auto = read_csv_with("IR_PHA_R", &bytes, "u.csv", &CsvOptions::default()).unwrap();
    assert_eq!(nom(&auto), "Métformine");
    let latin = CsvOptions {
        encoding: Encoding::Latin1,
        ..CsvOptions::default()
    };
    let forced = read_csv_with("IR_PHA_R", &bytes, "u.csv", &latin).unwrap();
    assert_eq!(nom(&forced), "M\u{c3}\u{a9}tformine");
    // Latin-1 bytes read as UTF-8 only: an error naming the file and the offset.
    let mut l1 = b"PHA_CIP_C13;PHA_ATC_C07;PHA_NOM_COURT\n3400930000001;A10BA02;M".to_vec();
    let offset = l1.len();
    l1.extend_from_slice(b"\xe9tformine\n");
    let utf8 = CsvOptions {
        encoding: Encoding::Utf8,
        ..CsvOptions::default()
    };
    let e = read_csv_with("IR_PHA_R", &l1, "l1.csv", &utf8).unwrap_err();
    let msg = e.to_string();
    assert!(
        msg.contains("l1.csv") && msg.contains(&format!("offset {offset}")),
        "{msg}"
    );
    assert_eq!(Encoding::parse("ISO-8859-1").unwrap(), Encoding::Latin1);
    assert_eq!(Encoding::parse("utf8").unwrap(), Encoding::Utf8);
    assert!(Encoding::parse("cp1252")
        .unwrap_err()
        .to_string()
        .contains("cp1252"));
}

#[test]
fn files_named_by_the_caller() {
    let dir = std::env::temp_dir().join(format!("cohorte-csv-opts-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let a = dir.join("extraction_pharmacie.csv");
    std::fs::write(&a, "PHA_CIP_C13,PHA_ATC_C07\n3400930000001,A10BA02\n").unwrap();
    let opts = CsvOptions {
        separator: ',',
        ..CsvOptions::default()
    };
    let got = read_csv_files(&[(Some("ir_pha_r".into()), a.clone())], &opts).unwrap();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].0, TableKind::parse("IR_PHA_R").unwrap().name());
    assert_eq!(got[0].1.num_rows(), 1);
    // Without a name, the stem must be a table.
    let e = read_csv_files(&[(None, a.clone())], &opts).unwrap_err();
    assert!(e.to_string().contains("extraction_pharmacie"), "{e}");
    // A name that is no SNDS table names the file.
    let e = read_csv_files(&[(Some("PHARMA".into()), a.clone())], &opts).unwrap_err();
    assert!(
        e.to_string().contains("PHARMA") && e.to_string().contains("extraction_pharmacie"),
        "{e}"
    );
    // Twice the same table.
    let e = read_csv_files(
        &[
            (Some("IR_PHA_R".into()), a.clone()),
            (Some("IR_PHA_R".into()), a.clone()),
        ],
        &opts,
    )
    .unwrap_err();
    assert!(e.to_string().contains("also in"), "{e}");
    let _ = std::fs::remove_dir_all(&dir);
    assert!(got[0].1.column(0).null_count() == 0);
}
