//! Open-data layouts: clear errors, and exports of protected aggregates written in the real
//! layouts and read back. The fixtures of `fixtures/opendata` are checked in
//! `agg_opendata_files.rs`.

mod agg_support;

use agg_support::*;
use arrow_array::{Array, Float64Array, Int64Array, StringArray};
use cohorte_core::aggregate::*;
use cohorte_core::dates::from_ymd;
use cohorte_core::disclosure::protect_one;
use cohorte_core::model::sex;
use cohorte_core::opendata::*;
use cohorte_core::referential::dept_index;
use cohorte_core::Error;

fn fixture(name: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../fixtures/opendata")
        .join(name)
}

fn strs(b: &arrow_array::RecordBatch, c: &str) -> Vec<Option<String>> {
    let a = b
        .column_by_name(c)
        .unwrap()
        .as_any()
        .downcast_ref::<StringArray>()
        .unwrap();
    (0..a.len())
        .map(|i| a.is_valid(i).then(|| a.value(i).to_string()))
        .collect()
}
fn ints(b: &arrow_array::RecordBatch, c: &str) -> Vec<Option<i64>> {
    let a = b
        .column_by_name(c)
        .unwrap()
        .as_any()
        .downcast_ref::<Int64Array>()
        .unwrap();
    (0..a.len())
        .map(|i| a.is_valid(i).then(|| a.value(i)))
        .collect()
}
fn floats(b: &arrow_array::RecordBatch, c: &str) -> Vec<Option<f64>> {
    let a = b
        .column_by_name(c)
        .unwrap()
        .as_any()
        .downcast_ref::<Float64Array>()
        .unwrap();
    (0..a.len())
        .map(|i| a.is_valid(i).then(|| a.value(i)))
        .collect()
}

#[test]
fn agg_opendata_errors_name_file_column_row() {
    let text = "annee;patho_niv1;patho_niv2;patho_niv3;top;cla_age_5;sexe;region;dept;Ntop;Npop\n";
    let e = read_data_pathologies(text.as_bytes(), "effectifs.csv").unwrap_err();
    match &e {
        Error::MissingColumn { table, column } => {
            assert_eq!(table, "effectifs.csv");
            assert_eq!(column, "prev");
        }
        other => panic!("{other}"),
    }
    let text =
        "annee;patho_niv1;patho_niv2;patho_niv3;top;cla_age_5;sexe;region;dept;Ntop;Npop;prev\n\
                2022;a;b;c;t;tsage;9;99;999;12;100;1,5\n\
                2022;a;b;c;t;tsage;9;99;999;12;100;abc\n";
    let e = read_data_pathologies(text.as_bytes(), "x.csv").unwrap_err();
    match &e {
        Error::BadValue {
            table, column, row, ..
        } => {
            assert_eq!(
                (table.as_str(), column.as_str(), *row),
                ("x.csv", "prev", 2)
            );
        }
        other => panic!("{other}"),
    }
    assert!(e.to_string().contains("x.csv"));
    let e = read_open_medic(b"", "OPEN_MEDIC_2023.CSV").unwrap_err();
    assert!(e.to_string().contains("OPEN_MEDIC_2023.CSV"), "{e}");
    let e = read_open_medic_file(fixture("missing.CSV")).unwrap_err();
    assert_eq!(e.code(), "file_not_found");
}

fn small_world() -> (cohorte_core::EventStore, cohorte_core::model::CohortRows) {
    let mut pop = population();
    let lyon = dept_index("69").unwrap();
    let ajaccio = dept_index("2A").unwrap();
    let mut r = vec![];
    for i in 0..30u32 {
        let (sx, dept) = if i < 20 {
            (sex::FEMALE, lyon)
        } else {
            (sex::MALE, ajaccio)
        };
        let birth = if i % 3 == 0 {
            from_ymd(1950, 1, 15)
        } else {
            from_ymd(1990, 1, 15)
        };
        let p = patient(&mut pop, sx, birth, None, dept);
        if i < 25 {
            dispense(&mut pop, p, from_ymd(2021, 3, 1), "C09AA05", 2);
        }
        r.push((p, from_ymd(2021, 1, 1), from_ymd(2021, 12, 31)));
    }
    (store(&pop), rows(r))
}

#[test]
fn agg_opendata_open_medic_export_round_trip() {
    let (s, r) = small_world();
    let mut a = dispensings(&s, &r, &DispensingOptions::default()).unwrap();
    assert!(write_open_medic(&a).is_err(), "unprotected export refused");
    protect_one(&mut a, 5).unwrap();
    let bytes = write_open_medic(&a).unwrap();
    let b = read_open_medic(&bytes, "export.CSV").unwrap();
    // Women of Lyon (84): ages 1950 → 60+ (i = 0, 3, ..., 18: 7), 1990 → 20-59 (13).
    // Men of Corse (94), i = 20..24 dispensed: 1950-born i = 21, 24 (2, masked), 3 others.
    let age = ints(&b, "age");
    let reg = ints(&b, "BEN_REG");
    let boxes = ints(&b, "BOITES");
    let find = |a: i64, g: i64, sx: i64| {
        (0..b.num_rows())
            .find(|&i| age[i] == Some(a) && reg[i] == Some(g) && ints(&b, "sexe")[i] == Some(sx))
            .unwrap()
    };
    assert_eq!(boxes[find(60, 84, 2)], Some(14));
    assert_eq!(boxes[find(20, 84, 2)], Some(26));
    assert_eq!(boxes[find(60, 94, 1)], None);
    assert_eq!(boxes[find(20, 94, 1)], None, "3 persons < 5: masked");
    assert_eq!(strs(&b, "ATC3")[0].as_deref(), Some("C09A"));
    assert_eq!(strs(&b, "ATC5")[0].as_deref(), Some("C09AA05"));
    assert_eq!(strs(&b, "CIP13")[0].as_deref(), Some("CIP-C09AA05"));
    assert_eq!(ints(&b, "PSP_SPE")[0], Some(99));
}

#[test]
fn agg_opendata_data_pathologies_export_round_trip() {
    let (s, _) = small_world();
    let mut o = PrevalenceOptions::at(from_ymd(2021, 6, 1));
    o.dims = vec![
        Dim::AgeBand(AgeBands::Five),
        Dim::Sex,
        Dim::Region,
        Dim::Dept,
    ];
    o.margins = true;
    // Cohort = 10 women of Lyon (of 20) and 5 men of Corse (of 10).
    let treated = rows(
        (0..10u32)
            .chain(20..25)
            .map(|p| (p, from_ymd(2021, 1, 1), from_ymd(2021, 12, 31)))
            .collect(),
    );
    let mut a = prevalence(&s, &treated, &o).unwrap();
    protect_one(&mut a, 10).unwrap();
    let p = Pathology {
        year: 2021,
        levels: [
            "Maladies cardioneurovasculaires".into(),
            "Hypertension artérielle".into(),
            String::new(),
        ],
        top: "COH_HTA".into(),
    };
    let bytes = write_data_pathologies(&a, &p).unwrap();
    // As data.gouv.fr publishes it: UTF-8 ('é' is C3 A9), LF, the labels header.
    assert!(bytes.windows(2).any(|w| w == [0xC3, 0xA9]));
    assert!(!bytes.contains(&b'\r'));
    let text = std::str::from_utf8(&bytes).unwrap();
    assert!(text.starts_with(
        "annee;patho_niv1;patho_niv2;patho_niv3;top;cla_age_5;sexe;region;dept;Ntop;Npop;prev;\
         Niveau prioritaire;libelle_classe_age;libelle_sexe;tri\n"
    ));
    // France: 15 of 30 → prev 50.0 with a decimal point.
    assert!(
        text.contains(";99;999;15;30;50.0;;tous âges;tous sexes;\n"),
        "{text}"
    );
    let b = read_data_pathologies(&bytes, "effectifs.csv").unwrap();
    let cla = strs(&b, "cla_age_5");
    let sexe = ints(&b, "sexe");
    let region = ints(&b, "region");
    let dept = strs(&b, "dept");
    let ntop = ints(&b, "Ntop");
    let npop = ints(&b, "Npop");
    let prev = floats(&b, "prev");
    let france = (0..b.num_rows())
        .find(|&i| {
            cla[i].as_deref() == Some("tsage")
                && sexe[i] == Some(9)
                && region[i] == Some(99)
                && dept[i].as_deref() == Some("999")
        })
        .unwrap();
    assert_eq!((ntop[france], npop[france]), (Some(15), Some(30)));
    assert!((prev[france].unwrap() - 50.0).abs() < 1e-9);
    // Auvergne-Rhône-Alpes: 10 of 20, masked as the complement of Corse within France.
    let ara = (0..b.num_rows())
        .find(|&i| {
            cla[i].as_deref() == Some("tsage")
                && sexe[i] == Some(9)
                && region[i] == Some(84)
                && dept[i].as_deref() == Some("999")
        })
        .unwrap();
    assert_eq!((ntop[ara], npop[ara]), (None, Some(20)));
    // Corse (94): 5 of 10 → masked, and the region's département 2A too.
    let corse: Vec<usize> = (0..b.num_rows())
        .filter(|&i| {
            cla[i].as_deref() == Some("tsage") && sexe[i] == Some(9) && region[i] == Some(94)
        })
        .collect();
    assert!(!corse.is_empty());
    for i in corse {
        assert_eq!(ntop[i], None);
        assert_eq!(prev[i], None);
    }
    assert!(cla.iter().any(|c| c.as_deref() == Some("30-34")));
    assert_eq!(
        strs(&b, "patho_niv2")[0].as_deref(),
        Some("Hypertension artérielle")
    );
}

#[test]
fn agg_opendata_open_medic_export_is_windows_1252() {
    // The ATC label of A02B holds `œ` ("reflux gastro-œsophagien"), which Latin-1 lacks and
    // Windows-1252 writes as the byte 0x9C.
    let mut pop = population();
    let lyon = dept_index("69").unwrap();
    let mut r = vec![];
    for _ in 0..12u32 {
        let p = patient(&mut pop, sex::FEMALE, from_ymd(1960, 1, 15), None, lyon);
        dispense(&mut pop, p, from_ymd(2021, 3, 1), "A02BC01", 1);
        r.push((p, from_ymd(2021, 1, 1), from_ymd(2021, 12, 31)));
    }
    let (s, r) = (store(&pop), rows(r));
    let mut a = dispensings(&s, &r, &DispensingOptions::default()).unwrap();
    protect_one(&mut a, 10).unwrap();
    let bytes = write_open_medic(&a).unwrap();
    let b = read_open_medic(&bytes, "export.CSV").unwrap();
    let label = strs(&b, "L_ATC3")[0].clone().unwrap_or_default();
    assert!(
        label.contains("gastro-œsophagien"),
        "label written as {label:?}"
    );
    assert!(bytes.contains(&0x9C));
    assert_eq!(ints(&b, "BOITES")[0], Some(12));
    // Latin-1 letters stay themselves: é is the single byte 0xE9; lines end with CRLF.
    assert!(bytes.contains(&0xE9));
    assert!(
        !bytes.windows(2).any(|w| w == [0xC3, 0xA9]),
        "no UTF-8 in the export"
    );
    let header_end = bytes.iter().position(|b| *b == b'\n').unwrap();
    assert_eq!(bytes[header_end - 1], b'\r');
    assert_eq!(
        &bytes[..header_end - 1],
        b"ATC1;l_ATC1;ATC2;L_ATC2;ATC3;L_ATC3;ATC4;L_ATC4;ATC5;L_ATC5;CIP13;l_cip13;TOP_GEN;\
          GEN_NUM;age;sexe;BEN_REG;PSP_SPE;BOITES;REM;BSE"
    );
}

#[test]
fn agg_opendata_cp1252_encode_refuses_what_it_cannot_spell() {
    // œ 0x9C, – 0x96, € 0x80, ’ 0x92 (Windows-1252 code chart); ‑ (U+2011) spelled '-'.
    assert_eq!(
        cp1252_encode("cœur – 5 € l’a\u{2011}b", "t").unwrap(),
        b"c\x9Cur \x96 5 \x80 l\x92a-b".to_vec()
    );
    assert_eq!(cp1252_decode(b"l\x92a \x9C \x80 \xE9"), "l’a œ € é");
    let e = cp1252_encode("patient 患者", "Open Medic export").unwrap_err();
    assert!(e.to_string().contains("Open Medic export"), "{e}");
    assert!(e.to_string().contains('患'), "{e}");
}

#[test]
fn agg_opendata_short_or_long_rows_are_errors() {
    let header =
        "annee;patho_niv1;patho_niv2;patho_niv3;top;cla_age_5;sexe;region;dept;Ntop;Npop;prev\n";
    // Row 2 lost its last two separators: its prevalence would silently be empty.
    let short =
        format!("{header}2022;a;b;c;t;tsage;9;99;999;12;100;1,5\n2022;a;b;c;t;tsage;9;99;999;12\n");
    match read_data_pathologies(short.as_bytes(), "effectifs.csv").unwrap_err() {
        Error::BadValue {
            table,
            row,
            message,
            ..
        } => {
            assert_eq!((table.as_str(), row), ("effectifs.csv", 2));
            assert!(
                message.contains("10 fields") && message.contains("12"),
                "{message}"
            );
        }
        other => panic!("{other}"),
    }
    // A value beyond the header's columns.
    let long = format!("{header}2022;a;b;c;t;tsage;9;99;999;12;100;1,5;7\n");
    let e = read_data_pathologies(long.as_bytes(), "effectifs.csv").unwrap_err();
    assert!(matches!(e, Error::BadValue { row: 1, .. }), "{e}");
    // A trailing separator (an empty field past the header) is accepted.
    let trailing = format!("{header}2022;a;b;c;t;tsage;9;99;999;12;100;1,5;\n");
    let b = read_data_pathologies(trailing.as_bytes(), "effectifs.csv").unwrap();
    assert_eq!(b.num_rows(), 1);
}

#[test]
fn agg_opendata_utf8_files_are_read_as_utf8() {
    // The same row saved in Latin-1 (as published) and in UTF-8 with a byte-order mark (as a
    // spreadsheet re-saves it) reads to the same label.
    let header =
        "annee;patho_niv1;patho_niv2;patho_niv3;top;cla_age_5;sexe;region;dept;Ntop;Npop;prev\n";
    let row = "2022;Maladies cardioneurovasculaires;Accident vasculaire cérébral;c;t;tsage;9;99;999;12;100;1,5\n";
    let text = format!("{header}{row}");
    let latin1: Vec<u8> = text.chars().map(|c| c as u32 as u8).collect();
    let mut utf8 = vec![0xEF, 0xBB, 0xBF];
    utf8.extend_from_slice(text.as_bytes());
    for bytes in [latin1, utf8] {
        let b = read_data_pathologies(&bytes, "effectifs.csv").unwrap();
        assert_eq!(
            strs(&b, "patho_niv2")[0].as_deref(),
            Some("Accident vasculaire cérébral")
        );
        assert_eq!(ints(&b, "Ntop")[0], Some(12));
    }
}

#[test]
fn agg_opendata_data_pathologies_export_leaves_unknown_sex_out() {
    // `sexe` 9 means "both sexes" in the layout: a row of patients of unknown sex must not be
    // written as a second, different "9" row beside the total.
    let mut pop = population();
    let lyon = dept_index("69").unwrap();
    let mut treated = vec![];
    for i in 0..40u32 {
        let sx = if i < 20 { sex::FEMALE } else { sex::UNKNOWN };
        let p = patient(&mut pop, sx, from_ymd(1970, 1, 15), None, lyon);
        if i % 2 == 0 {
            treated.push((p, from_ymd(2021, 1, 1), from_ymd(2021, 12, 31)));
        }
    }
    let s = store(&pop);
    let mut o = PrevalenceOptions::at(from_ymd(2021, 6, 1));
    o.dims = vec![Dim::Sex];
    o.margins = true;
    let mut a = prevalence(&s, &rows(treated), &o).unwrap();
    protect_one(&mut a, 10).unwrap();
    let p = Pathology {
        year: 2021,
        levels: ["a".into(), "b".into(), String::new()],
        top: "T".into(),
    };
    let b = read_data_pathologies(&write_data_pathologies(&a, &p).unwrap(), "e.csv").unwrap();
    let sexe = ints(&b, "sexe");
    let nines: Vec<usize> = (0..b.num_rows()).filter(|&i| sexe[i] == Some(9)).collect();
    assert_eq!(nines.len(), 1, "one row for both sexes");
    // 10 women and 10 of unknown sex treated, of 20 and 20.
    assert_eq!(ints(&b, "Ntop")[nines[0]], Some(20));
    assert_eq!(ints(&b, "Npop")[nines[0]], Some(40));
    let women: Vec<usize> = (0..b.num_rows()).filter(|&i| sexe[i] == Some(2)).collect();
    assert_eq!(women.len(), 1);
    assert_eq!(ints(&b, "Npop")[women[0]], Some(20));
    assert_eq!(b.num_rows(), 2);
}
