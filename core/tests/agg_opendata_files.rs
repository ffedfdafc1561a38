//! The open-data fixtures (`fixtures/opendata`, real excerpts and hand-made files) read with the
//! values worked out by hand in `expected.json`; bad input refused with the file, line and
//! column; chunked and summarised readings agreeing with whole ones; direct standardisation
//! checked against hand computations and the exact Poisson interval.

use arrow_array::{Array, Float64Array, Int64Array, RecordBatch, StringArray};
use cohorte_core::opendata::*;
use cohorte_core::stats::poisson_ci;
use cohorte_core::Error;
use serde_json::Value;

fn dir() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/opendata")
}

fn expected() -> Value {
    serde_json::from_str(&std::fs::read_to_string(dir().join("expected.json")).unwrap()).unwrap()
}

/// A column as JSON values (null for null), for comparison with `expected.json`.
fn column(b: &RecordBatch, name: &str) -> Vec<Value> {
    let a = b
        .column_by_name(name)
        .unwrap_or_else(|| panic!("no column {name}"));
    (0..a.len())
        .map(|i| {
            if a.is_null(i) {
                Value::Null
            } else if let Some(s) = a.as_any().downcast_ref::<StringArray>() {
                Value::from(s.value(i))
            } else if let Some(s) = a.as_any().downcast_ref::<Int64Array>() {
                Value::from(s.value(i))
            } else {
                Value::from(a.as_any().downcast_ref::<Float64Array>().unwrap().value(i))
            }
        })
        .collect()
}

fn same(got: &[Value], want: &[Value], what: &str) {
    assert_eq!(got.len(), want.len(), "{what}: {got:?} vs {want:?}");
    for (g, w) in got.iter().zip(want) {
        match (g.as_f64(), w.as_f64()) {
            (Some(a), Some(b)) => assert!((a - b).abs() < 1e-9, "{what}: {got:?} vs {want:?}"),
            _ => assert_eq!(g, w, "{what}: {got:?} vs {want:?}"),
        }
    }
}

fn check(data: &OpenData, e: &Value, name: &str) {
    assert_eq!(data.layout.name(), e["layout"], "{name}");
    if let Some(enc) = e.get("encoding") {
        assert_eq!(data.encoding.name(), enc, "{name}");
    }
    assert_eq!(data.batch.num_rows() as u64, e["rows"], "{name}");
    for (col, values) in e["columns"].as_object().unwrap() {
        same(
            &column(&data.batch, col),
            values.as_array().unwrap(),
            &format!("{name} {col}"),
        );
    }
    for (col, total) in e["sums"].as_object().unwrap() {
        let sum: f64 = column(&data.batch, col)
            .iter()
            .filter_map(Value::as_f64)
            .sum();
        assert!(
            (sum - total.as_f64().unwrap()).abs() < 1e-6,
            "{name} {col}: {sum}"
        );
    }
    if let Some(rep) = e.get("repaired") {
        let want: Vec<(String, usize)> = rep
            .as_object()
            .unwrap()
            .iter()
            .map(|(k, v)| (k.clone(), v.as_u64().unwrap() as usize))
            .collect();
        let mut got = data.repaired.clone();
        got.sort();
        let mut want = want;
        want.sort();
        assert_eq!(got, want, "{name}");
        assert_eq!(data.notes.len(), want.len(), "{name}: {:?}", data.notes);
    }
}

#[test]
fn agg_opendata_files_every_fixture_reads_with_its_expected_values() {
    let e = expected();
    for (name, want) in e["files"].as_object().unwrap() {
        let data = read_open_data_file(dir().join(name)).unwrap_or_else(|err| panic!("{err}"));
        check(&data, want, name);
        // The same bytes fed in chunks of 1 and 7 bytes read to the same table.
        let bytes = std::fs::read(dir().join(name)).unwrap();
        for size in [1, 7] {
            let mut r = OpenDataReader::new(name);
            for c in bytes.chunks(size) {
                r.push(c).unwrap();
            }
            assert_eq!(r.bytes_read(), bytes.len() as u64);
            let chunked = r.finish().unwrap();
            assert_eq!(chunked.batch, data.batch, "{name} in chunks of {size}");
            assert_eq!(chunked.encoding, data.encoding);
        }
    }
    let c = &e["combined"];
    let parts: Vec<OpenData> = c["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| read_open_data_file(dir().join(f.as_str().unwrap())).unwrap())
        .collect();
    let mut both = combine(parts).unwrap();
    // `file` holds the full path read: keep the file names for the comparison.
    let names: Vec<Option<String>> = column(&both.batch, "file")
        .iter()
        .map(|v| {
            v.as_str()
                .and_then(|p| p.rsplit('/').next())
                .map(str::to_string)
        })
        .collect();
    let mut cols: Vec<arrow_array::ArrayRef> = both.batch.columns().to_vec();
    cols[0] = std::sync::Arc::new(StringArray::from(names));
    both.batch = RecordBatch::try_new(both.batch.schema(), cols).unwrap();
    check(&both, c, "combined");
}

#[test]
fn agg_opendata_files_notes_say_what_was_restored() {
    let d = read_open_data_file(dir().join("effectifs_2020_excel_resaved.csv")).unwrap();
    assert_eq!(
        d.notes,
        vec![
            "3 cells of column cla_age_5 restored (age bands read as dates by a spreadsheet, \
             e.g. 05-sept → 05-09)"
                .to_string(),
            "3 cells of column dept restored (codes that lost their leading zero, e.g. 9 → 09)"
                .to_string(),
        ]
    );
    // `oct-14` (October 2014) is the band 10-14; `5-9` lost its zeros.
    let text =
        "annee;patho_niv1;patho_niv2;patho_niv3;top;cla_age_5;sexe;region;dept;Ntop;Npop;prev\n\
                2020;a;;;T;oct-14;1;84;7;;100;\n2020;a;;;T;5-9;1;84;69;;100;\n";
    let d = read_open_data(text.as_bytes(), "e.csv").unwrap();
    same(
        &column(&d.batch, "cla_age_5"),
        &[Value::from("10-14"), Value::from("05-09")],
        "bands",
    );
    assert_eq!(
        d.repaired,
        vec![("cla_age_5".to_string(), 2), ("dept".to_string(), 1)]
    );
}

#[test]
fn agg_opendata_files_open_medic_headers_of_every_year() {
    // 2016 spells some columns in upper case; 2014–2015 have no labels: the same columns read.
    let upper = "ATC1;L_ATC1;ATC2;L_ATC2;ATC3;L_ATC3;ATC4;L_ATC4;ATC5;L_ATC5;CIP13;L_CIP13;TOP_GEN;\
                 GEN_NUM;AGE;SEXE;BEN_REG;PSP_SPE;BOITES;REM;BSE\r\n\
                 A;X;A01;X;A01A;X;A01AA;X;A01AA01;X;3400931911999;X;0;0;0;1;5;1;113;53,31;191,53\r\n";
    let d = read_open_data(upper.as_bytes(), "OPEN_MEDIC_2016.CSV").unwrap();
    assert_eq!(d.layout, Layout::OpenMedic);
    assert_eq!(d.batch.num_columns(), 21);
    assert_eq!(column(&d.batch, "age"), vec![Value::from(0)]);
    assert_eq!(column(&d.batch, "l_cip13"), vec![Value::from("X")]);
    let d = read_open_data_file(dir().join("OPEN_MEDIC_2019_printed_rows.CSV")).unwrap();
    assert_eq!(d.batch.num_columns(), 15);
    assert!(d.batch.column_by_name("l_ATC1").is_none());
}

fn err_text(bytes: &[u8], file: &str) -> (Error, String) {
    let e = read_open_data(bytes, file).unwrap_err();
    let t = e.to_string();
    (e, t)
}

#[test]
fn agg_opendata_files_bad_input_names_file_line_and_column() {
    let head = "ATC1;ATC2;ATC3;ATC4;ATC5;CIP13;TOP_GEN;GEN_NUM;age;sexe;BEN_REG;PSP_SPE;BOITES;REM;BSE\r\n";
    let row = "A;A01;A01A;A01AA;A01AA01;3400931911999;0;0;0;1;5;1;113;53,31;191,53\r\n";
    // A lone quote: the error names the line and column where it opens, not the last one.
    let lone = format!(
        "{head}{row}A;A01;A01A;\"A01AA;A01AA01;3400931911999;0;0;0;1;5;1;1;1,0;1,0\r\n{row}"
    );
    let (e, t) = err_text(lone.as_bytes(), "OPEN_MEDIC_2019.CSV");
    assert_eq!(e.code(), "format");
    assert!(
        t.contains("OPEN_MEDIC_2019.CSV") && t.contains("line 3, column 4 (ATC4)"),
        "{t}"
    );
    // A truncated file: its last line cut short.
    let cut = format!("{head}{row}A;A01;A01A;A01AA;A01AA01;34009");
    let (e, t) = err_text(cut.as_bytes(), "OPEN_MEDIC_2019.CSV");
    match e {
        Error::BadValue { row, column, .. } => assert_eq!((row, column.as_str()), (2, "TOP_GEN")),
        other => panic!("{other}"),
    }
    assert!(t.contains("line 3") && t.contains("truncated"), "{t}");
    // A file ending inside a quoted value.
    let open = format!("{head}{row}A;\"A01");
    let (_, t) = err_text(open.as_bytes(), "x.CSV");
    assert!(
        t.contains("line 3, column 2 (ATC2)") && t.contains("never closed"),
        "{t}"
    );
    // Mixed encodings: a Windows-1252 line after a UTF-8 one.
    let mut mixed =
        b"annee;patho_niv1;patho_niv2;patho_niv3;top;cla_age_5;sexe;region;dept;Ntop;Npop;prev\n"
            .to_vec();
    mixed.extend_from_slice("2020;Diabète;;;T;tsage;9;99;999;10;100;10.0\n".as_bytes());
    mixed.extend_from_slice(b"2020;Diab\xE8te;;;T;tsage;9;99;999;10;100;10.0\n");
    let (e, t) = err_text(&mixed, "effectifs.csv");
    assert_eq!(e.code(), "format");
    assert!(
        t.contains("line 3, column 2 (patho_niv1)") && t.contains("mixed encodings"),
        "{t}"
    );
    // A header with a missing column.
    let (e, _) = err_text(
        head.replace("BEN_REG;", "").as_bytes(),
        "OPEN_MEDIC_2019.CSV",
    );
    match e {
        Error::MissingColumn { table, column } => {
            assert_eq!(
                (table.as_str(), column.as_str()),
                ("OPEN_MEDIC_2019.CSV", "BEN_REG")
            )
        }
        other => panic!("{other}"),
    }
    // None of the layouts.
    let (e, t) = err_text(b"nom;prenom\nDupont;Jean\n", "contacts.csv");
    assert_eq!(e.code(), "format");
    assert!(
        t.contains("contacts.csv") && t.contains("line 1") && t.contains("not an open-data file"),
        "{t}"
    );
    // A value of the wrong type names its line and field.
    let bad = format!("{head}{row}{}", row.replace(";113;", ";cent;"));
    let (e, t) = err_text(bad.as_bytes(), "OPEN_MEDIC_2019.CSV");
    assert_eq!(e.code(), "bad_value");
    assert!(
        t.contains("BOITES") && t.contains("row 2") && t.contains("line 3, field 13"),
        "{t}"
    );
    // A reader that failed keeps nothing and refuses more input.
    let mut r = OpenDataReader::new("x.CSV");
    assert!(r.push(bad.as_bytes()).is_err());
    assert!(r.push(row.as_bytes()).is_err());
    assert!(r.finish().is_err());
}

#[test]
fn agg_opendata_files_decimals_as_the_files_write_them() {
    let head =
        "ATC1;ATC2;ATC3;ATC4;ATC5;CIP13;TOP_GEN;GEN_NUM;age;sexe;BEN_REG;PSP_SPE;BOITES;REM;BSE\n";
    let cases = [
        ("1.293,64", Some(1293.64)),
        ("17.739,10", Some(17739.10)),
        ("1.234.567,8", Some(1234567.8)),
        ("-16,02", Some(-16.02)),
        ("0.169", Some(0.169)),
        ("51.0", Some(51.0)),
        ("12", Some(12.0)),
        ("12,34,5", None),
        ("1.29,64", None),
        ("1,2e3", None),
    ];
    for (text, want) in cases {
        let file = format!("{head}A;A01;A01A;A01AA;A01AA01;1;0;0;0;1;5;1;1;{text};0\n");
        match (read_open_data(file.as_bytes(), "m.CSV"), want) {
            (Ok(d), Some(v)) => same(&column(&d.batch, "REM"), &[Value::from(v)], text),
            (Err(e), None) => assert_eq!(e.code(), "bad_value", "{text}"),
            (got, want) => panic!("{text}: {:?} vs {want:?}", got.map(|d| d.batch)),
        }
    }
}

#[test]
fn agg_opendata_files_summary_agrees_with_the_whole_table() {
    let path = dir().join("OPEN_MEDIC_2019_printed_rows.CSV");
    let s = Summary {
        by: vec!["age".into()],
        sum: vec!["BOITES".into(), "REM".into()],
        filter: vec![],
    };
    let mut calls = 0;
    let d = summarise_open_data_file(&path, &s, &mut |p| {
        calls += 1;
        assert!(p.bytes_read <= p.bytes_total.unwrap());
    })
    .unwrap();
    assert!(calls >= 1);
    let e = expected();
    let by_age = &e["files"]["OPEN_MEDIC_2019_printed_rows.CSV"]["by_age_boxes"];
    assert_eq!(
        column(&d.batch, "age"),
        vec![Value::from("0"), Value::from("60"), Value::from("99")]
    );
    same(
        &column(&d.batch, "BOITES"),
        &[
            by_age["0"].clone(),
            by_age["60"].clone(),
            by_age["99"].clone(),
        ],
        "boxes by age",
    );
    same(
        &column(&d.batch, "rows"),
        &[Value::from(5), Value::from(4), Value::from(1)],
        "rows",
    );
    // ATC level 2 by prefix, one region: V08 in region 93 = 19 + 260 + 125 + 27 boxes.
    let s = Summary {
        by: vec![],
        sum: vec!["BOITES".into()],
        filter: vec![
            Filter {
                column: "ATC5".into(),
                values: vec!["V08".into()],
                prefix: true,
            },
            Filter {
                column: "BEN_REG".into(),
                values: vec!["93".into()],
                prefix: false,
            },
        ],
    };
    let d = summarise_open_data_file(&path, &s, &mut |_| {}).unwrap();
    same(
        &column(&d.batch, "BOITES"),
        &[Value::from(431)],
        "V08 in 93",
    );
    // Masked cells are counted apart, never as zero.
    let s = Summary {
        by: vec!["sexe".into()],
        sum: vec!["Ntop".into()],
        filter: vec![],
    };
    let d = summarise_open_data_file(dir().join("effectifs_datagouv_sample.csv"), &s, &mut |_| {})
        .unwrap();
    // sexe 1: 20 + 50 + 500 (3 masked); sexe 9: 60 + 20 (1 masked).
    same(
        &column(&d.batch, "Ntop"),
        &[Value::from(570), Value::from(80)],
        "Ntop",
    );
    same(
        &column(&d.batch, "Ntop_masked"),
        &[Value::from(3), Value::from(1)],
        "masked",
    );
}

fn france_weight(band: &str, sex: i64) -> f64 {
    let total: u64 = FRANCE_RP2018.bands.iter().map(|(_, m, w)| m + w).sum();
    let (_, m, w) = FRANCE_RP2018.bands.iter().find(|b| b.0 == band).unwrap();
    (if sex == 1 { *m } else { *w }) as f64 / total as f64
}

fn strata(f: impl Fn(&str, i64) -> (Option<i64>, i64)) -> Vec<Stratum> {
    let mut out = vec![];
    for (band, _, _) in FRANCE_RP2018.bands {
        for sex in [1, 2] {
            let (cases, population) = f(band, sex);
            out.push(Stratum {
                age_band: band.to_string(),
                sex,
                cases,
                population,
            });
        }
    }
    out
}

#[test]
fn agg_opendata_files_reference_population_as_published() {
    // The table's "Ensemble" column, transcribed apart from the men and women: each published
    // figure is a rounded weighted count, so a band's men + women may differ from its
    // "Ensemble" by 1, and the totals (32 280 580 men, 34 451 958 women) by a few units.
    let ensemble: [u64; 20] = [
        3_746_923,
        4_116_194,
        4_142_145,
        4_128_959,
        3_733_322,
        3_834_453,
        4_058_365,
        4_179_467,
        4_209_891,
        4_510_953,
        4_471_175,
        4_309_126,
        4_083_391,
        3_940_378,
        3_031_877,
        2_179_222,
        1_883_645,
        1_335_575,
        644_792,
        171_559 + 21_128,
    ];
    for ((band, m, w), e) in FRANCE_RP2018.bands.iter().zip(ensemble) {
        assert!((m + w).abs_diff(e) <= 1, "{band}: {m} + {w} vs {e}");
    }
    let men: u64 = FRANCE_RP2018.bands.iter().map(|b| b.1).sum();
    let women: u64 = FRANCE_RP2018.bands.iter().map(|b| b.2).sum();
    assert!(men.abs_diff(32_280_580) <= 10 && women.abs_diff(34_451_958) <= 10);
    assert!((men + women).abs_diff(66_732_538) <= 10);
}

#[test]
fn agg_opendata_files_standardisation_by_hand() {
    // The same rate everywhere: the standardised rate is that rate, whatever the weights.
    let s = strata(|_, _| (Some(30), 1000));
    let r = standardise(&s, &FRANCE_RP2018, 0.95, 9).unwrap();
    assert!((r.rate - 0.03).abs() < 1e-12 && (r.crude - 0.03).abs() < 1e-12);
    assert!(r.lower < 0.03 && r.upper > 0.03);
    // Cases in one stratum only (women 80-84, 50 of 2000): rate = weight × 50 / 2000, and the
    // Fay–Feuer interval's lower bound is the exact Poisson one scaled by weight / population.
    let s = strata(|b, sex| {
        if b == "80-84" && sex == 2 {
            (Some(50), 2000)
        } else {
            (Some(0), 1000)
        }
    });
    let r = standardise(&s, &FRANCE_RP2018, 0.95, 9).unwrap();
    let w = france_weight("80-84", 2);
    assert!((r.rate - w * 50.0 / 2000.0).abs() < 1e-15, "{r:?}");
    let (lo, _) = poisson_ci(50, 0.95);
    assert!(
        (r.lower - w / 2000.0 * lo).abs() < 1e-9 * r.rate,
        "{r:?} vs {lo}"
    );
    assert_eq!(
        (r.cases, r.population, r.masked_strata),
        (50, 2000 + 39 * 1000, 0)
    );
    // A masked stratum counts as 0 in the rate and as 9 in the bound above.
    let s = strata(|b, sex| {
        if b == "00-04" && sex == 1 {
            (None, 500)
        } else {
            (Some(10), 1000)
        }
    });
    let r = standardise(&s, &FRANCE_RP2018, 0.95, 9).unwrap();
    let w0 = france_weight("00-04", 1);
    assert!((r.rate - (1.0 - w0) * 0.01).abs() < 1e-12, "{r:?}");
    assert!((r.rate_masked_max - ((1.0 - w0) * 0.01 + w0 * 9.0 / 500.0)).abs() < 1e-12);
    assert_eq!(r.masked_strata, 1);
    assert!(r.upper > r.rate_masked_max);
    // A missing stratum is an error naming it.
    let mut s = strata(|_, _| (Some(1), 10));
    s.retain(|x| !(x.age_band == "95et+" && x.sex == 2));
    let e = standardise(&s, &FRANCE_RP2018, 0.95, 9).unwrap_err();
    assert!(e.to_string().contains("95et+, sex 2"), "{e}");
}

#[test]
fn agg_opendata_files_standardise_a_data_pathologies_table() {
    // Two départements, each with every band and sex: 69 at 1 % everywhere, 2A at 2 % for men
    // and 0 for women. Standardised: 1 % and 2 % × (share of men in the reference).
    let mut text = String::from(
        "annee;patho_niv1;patho_niv2;patho_niv3;top;cla_age_5;sexe;region;dept;Ntop;Npop;prev\n",
    );
    for (band, _, _) in FRANCE_RP2018.bands {
        for sex in [1, 2] {
            text.push_str(&format!("2022;a;;;T;{band};{sex};84;69;10;1000;1.0\n"));
            let n = if sex == 1 { 20 } else { 0 };
            text.push_str(&format!("2022;a;;;T;{band};{sex};94;2A;{n};1000;\n"));
        }
        // Rows for both sexes and all ages are left out of the strata.
        text.push_str(&format!("2022;a;;;T;{band};9;84;69;20;2000;1.0\n"));
    }
    text.push_str("2022;a;;;T;tsage;9;84;69;400;40000;1.0\n");
    let d = read_open_data(text.as_bytes(), "effectifs.csv").unwrap();
    let out = standardise_data_pathologies(&d.batch, &["dept".to_string()], &FRANCE_RP2018, 0.95)
        .unwrap();
    assert_eq!(
        column(&out, "dept"),
        vec![Value::from("2A"), Value::from("69")]
    );
    let men: u64 = FRANCE_RP2018.bands.iter().map(|b| b.1).sum();
    let total: u64 = FRANCE_RP2018.bands.iter().map(|b| b.1 + b.2).sum();
    let share = men as f64 / total as f64;
    same(
        &column(&out, "std_prev"),
        &[Value::from(2.0 * share), Value::from(1.0)],
        "std_prev",
    );
    same(
        &column(&out, "crude_prev"),
        &[Value::from(1.0), Value::from(1.0)],
        "crude",
    );
    same(
        &column(&out, "Ntop"),
        &[Value::from(400), Value::from(400)],
        "Ntop",
    );
}
