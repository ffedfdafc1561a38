//! Source tables: Population → tables → Population, file round trips in every format, CSV
//! specifics, quality filters and bad-input errors.

use std::path::PathBuf;

use arrow_array::cast::AsArray;
use arrow_array::types::Float64Type;
use arrow_array::Array;
use cohorte_core::dates::{from_ymd, Day, MAX_DAY};
use cohorte_core::model::{Dictionaries, Event, EventKind, Patient, Population, Role};
use cohorte_core::synth::SynthConfig;
use cohorte_core::tables::{self, Format};
use cohorte_core::{Dataset, Error};

fn tmp(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("cohorte-tables-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

#[allow(clippy::too_many_arguments)]
fn ev(
    patient: u32,
    kind: EventKind,
    role: Role,
    start: Day,
    end: Day,
    code: u32,
    value: i32,
    stay: u32,
) -> Event {
    Event {
        patient,
        kind,
        role,
        start,
        end,
        code,
        value,
        stay,
    }
}

/// Two patients covering every event kind: dispensings (positive: regularisations are netted on
/// load, see `tables_regularisation_lines_netted_by_hand`), a visit, a city
/// act, two stays in different discharge years (DP, DR, DAS, hospital act), an open and a closed
/// ALD, a death.
fn hand_population() -> Population {
    let mut d = Dictionaries::default();
    let metformin = d.intern_drug("3400930000001", "A10BA02");
    let unknown = d.intern_drug("3400999999999", "");
    let e11 = d.icd10.intern("E119");
    let i21 = d.icd10.intern("I214");
    let i10 = d.icd10.intern("I10");
    let n18 = d.icd10.intern("N183");
    let ddaf = d.ccam.intern("DDAF001");
    let ecg = d.ccam.intern("DEQP003");
    let gp = d.nature.intern("1111");
    let day = from_ymd;
    let patients = vec![
        Patient {
            nir: "A0000000000000001".into(),
            rank: 1,
            sex: 1,
            birth: day(1950, 6, 15),
            death: Some(day(2021, 3, 2)),
            dept: 74,
        },
        Patient {
            nir: "B0000000000000002".into(),
            rank: 2,
            sex: 2,
            birth: day(1980, 1, 15),
            death: None,
            dept: 0,
        },
    ];
    let events = vec![
        ev(
            0,
            EventKind::Dispensing,
            Role::None,
            day(2019, 2, 3),
            day(2019, 2, 3),
            metformin,
            2,
            0,
        ),
        ev(
            0,
            EventKind::Dispensing,
            Role::None,
            day(2019, 2, 10),
            day(2019, 2, 10),
            metformin,
            1,
            0,
        ),
        ev(
            0,
            EventKind::Visit,
            Role::None,
            day(2019, 1, 20),
            day(2019, 1, 20),
            gp,
            1,
            0,
        ),
        ev(
            0,
            EventKind::Act,
            Role::None,
            day(2019, 4, 1),
            day(2019, 4, 1),
            ecg,
            1,
            0,
        ),
        // Stay 1: admitted 2019-12-28, discharged 2020-01-04 (in T_MCO20*).
        ev(
            0,
            EventKind::Stay,
            Role::None,
            day(2019, 12, 28),
            day(2020, 1, 4),
            i21,
            7,
            1,
        ),
        ev(
            0,
            EventKind::Diagnosis,
            Role::DP,
            day(2019, 12, 28),
            day(2020, 1, 4),
            i21,
            0,
            1,
        ),
        ev(
            0,
            EventKind::Diagnosis,
            Role::DR,
            day(2019, 12, 28),
            day(2020, 1, 4),
            e11,
            0,
            1,
        ),
        ev(
            0,
            EventKind::Diagnosis,
            Role::DAS,
            day(2019, 12, 28),
            day(2020, 1, 4),
            i10,
            0,
            1,
        ),
        ev(
            0,
            EventKind::Diagnosis,
            Role::DAS,
            day(2019, 12, 28),
            day(2020, 1, 4),
            n18,
            0,
            1,
        ),
        ev(
            0,
            EventKind::Act,
            Role::None,
            day(2019, 12, 29),
            day(2019, 12, 29),
            ddaf,
            1,
            1,
        ),
        ev(
            0,
            EventKind::Ald,
            Role::ALD,
            day(2015, 5, 1),
            MAX_DAY,
            e11,
            0,
            0,
        ),
        ev(
            0,
            EventKind::Death,
            Role::None,
            day(2021, 3, 2),
            day(2021, 3, 2),
            0,
            0,
            0,
        ),
        // Stay 2 (patient 1), discharged in 2021, no DR, no act.
        ev(
            1,
            EventKind::Stay,
            Role::None,
            day(2021, 6, 1),
            day(2021, 6, 3),
            i10,
            2,
            2,
        ),
        ev(
            1,
            EventKind::Diagnosis,
            Role::DP,
            day(2021, 6, 1),
            day(2021, 6, 3),
            i10,
            0,
            2,
        ),
        ev(
            1,
            EventKind::Dispensing,
            Role::None,
            day(2021, 7, 1),
            day(2021, 7, 1),
            unknown,
            1,
            0,
        ),
        ev(
            1,
            EventKind::Ald,
            Role::ALD,
            day(2018, 1, 1),
            day(2020, 12, 31),
            i10,
            0,
            0,
        ),
    ];
    Population {
        patients,
        events,
        dicts: d,
        data_start: day(2019, 1, 1),
        data_end: day(2021, 12, 31),
    }
}

type Canon = (String, EventKind, Role, Day, Day, String, i32, u32);

/// Events as comparable text tuples (patient pseudonym, code text), sorted.
fn canon(p: &Population) -> Vec<Canon> {
    let mut v: Vec<Canon> = p
        .events
        .iter()
        .map(|e| {
            (
                p.patients[e.patient as usize].nir.clone(),
                e.kind,
                e.role,
                e.start,
                e.end,
                p.dicts.code_of(e).to_string(),
                e.value,
                e.stay,
            )
        })
        .collect();
    v.sort_by(|a, b| format!("{a:?}").cmp(&format!("{b:?}")));
    v
}

fn drugs(p: &Population) -> Vec<(String, String)> {
    p.dicts
        .drug
        .codes()
        .iter()
        .cloned()
        .zip(p.dicts.drug_atc.iter().cloned())
        .collect()
}

fn assert_same(a: &Population, b: &Population) {
    assert_eq!(a.patients, b.patients);
    assert_eq!(canon(a), canon(b));
    assert_eq!(drugs(a), drugs(b));
    assert_eq!((a.data_start, a.data_end), (b.data_start, b.data_end));
}

#[test]
fn tables_population_round_trip() {
    let pop = hand_population();
    let ds = Dataset::from_population(pop.clone());
    let t = ds.tables().unwrap();
    let names: Vec<&str> = t.iter().map(|(n, _)| n.as_str()).collect();
    for n in [
        "IR_BEN_R", "IR_PHA_R", "IR_IMB_R", "ER_PRS_F", "ER_PHA_F", "ER_CAM_F", "T_MCO20B",
        "T_MCO20C", "T_MCO20D", "T_MCO20A", "T_MCO21B", "T_MCO21C",
    ] {
        assert!(names.contains(&n), "{n} missing from {names:?}");
    }
    let back = Dataset::from_tables(t).unwrap();
    assert_same(&pop, back.population());
}

#[test]
fn tables_hand_rows_are_the_expected_ones() {
    let ds = Dataset::from_population(hand_population());
    // 3 dispensings, 1 visit, 1 city act = 5 DCIR lines; line 1 (the first in canonical order,
    // the visit of 2019-01-20) gets a "for information" duplicate, and the first visit a
    // surcharge line: 7 rows.
    let prs = ds.table("ER_PRS_F").unwrap();
    assert_eq!(prs.num_rows(), 7);
    assert_eq!(ds.table("er_pha_f").unwrap().num_rows(), 3);
    assert_eq!(ds.table("ER_CAM_F").unwrap().num_rows(), 1);
    // Stay 1 (number % 40 == 1) gets two erroneous copies in B and C, none in D/A.
    assert_eq!(ds.table("T_MCO20B").unwrap().num_rows(), 3);
    assert_eq!(ds.table("T_MCO20C").unwrap().num_rows(), 3);
    assert_eq!(ds.table("T_MCO20D").unwrap().num_rows(), 2);
    assert_eq!(ds.table("T_MCO20A").unwrap().num_rows(), 1);
    assert_eq!(ds.table("T_MCO21B").unwrap().num_rows(), 1);
    // A valid year without stays is empty; an unknown table is an error.
    assert_eq!(ds.table("T_MCO05B").unwrap().num_rows(), 0);
    assert!(matches!(ds.table("ER_XYZ_F"), Err(Error::UnknownTable(_))));
    // Flux dates: first of a month after the care date, at most 6 months later.
    let c = tables::schema("ER_PRS_F").unwrap();
    let (dtd, flx) = (
        c.index_of("EXE_SOI_DTD").unwrap(),
        c.index_of("FLX_DIS_DTD").unwrap(),
    );
    let dtd = prs
        .column(dtd)
        .as_primitive::<arrow_array::types::Date32Type>();
    let flx = prs
        .column(flx)
        .as_primitive::<arrow_array::types::Date32Type>();
    for r in 0..prs.num_rows() {
        let (f, d) = (flx.value(r), dtd.value(r));
        assert!(f > d && f - d <= 7 * 31, "row {r}");
        assert_eq!(cohorte_core::dates::to_ymd(f).2, 1);
    }
    // Filters on load: one DPN_QLF/BSE_PRS_NAT line, one surcharge line, one return code, one
    // GHM 90.
    let back = Dataset::from_tables(ds.tables().unwrap()).unwrap();
    let rep = |t: &str, f: &str| {
        back.filter_report()
            .iter()
            .find(|r| r.table == t && r.filter.starts_with(f))
            .map(|r| r.rows_removed)
    };
    assert_eq!(rep("ER_PRS_F", "BSE_PRS_NAT = 0"), Some(1));
    assert_eq!(rep("ER_PRS_F", "DPN_QLF = 71"), Some(0));
    assert_eq!(rep("ER_PRS_F", "CPL_MAJ_TOP >= 2"), Some(1));
    assert_eq!(rep("T_MCO20C", "NIR_RET"), Some(1));
    assert_eq!(rep("T_MCO20B", "GRG_GHM starts with 90"), Some(1));
    assert_eq!(rep("T_MCO21C", "NIR_RET"), Some(0));
}

#[test]
fn tables_file_round_trip_every_format() {
    let ds = Dataset::from_population(hand_population());
    let t = ds.tables().unwrap();
    for f in [Format::Parquet, Format::Csv, Format::Ipc] {
        let dir = tmp(&format!("rt-{}", f.extension()));
        let paths = ds.write_dir(&dir, f).unwrap();
        assert_eq!(paths.len(), t.len());
        let back = tables::read_dir(&dir).unwrap();
        assert_eq!(back.len(), t.len(), "{f:?}");
        for (name, batch) in &t {
            let (_, b) = back.iter().find(|(n, _)| n == name).unwrap();
            assert_eq!(b, batch, "{f:?} {name}");
        }
        // No temporary file left behind.
        let left: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .filter_map(|e| e.ok())
            .filter(|e| e.file_name().to_string_lossy().contains(".tmp"))
            .collect();
        assert!(left.is_empty());
        let again = Dataset::read_dir(&dir).unwrap();
        assert_same(ds.population(), again.population());
        let _ = std::fs::remove_dir_all(&dir);
    }
}

#[test]
fn tables_synthetic_round_trip() {
    let ds = Dataset::synthetic(&SynthConfig {
        patients: 1000,
        seed: 7,
        ..SynthConfig::default()
    })
    .unwrap();
    let kinds: std::collections::BTreeSet<EventKind> =
        ds.population().events.iter().map(|e| e.kind).collect();
    assert!(kinds.len() >= 6, "{kinds:?}");
    let back = Dataset::from_tables(ds.tables().unwrap()).unwrap();
    let (a, b) = (ds.population(), back.population());
    assert_eq!(a.patients, b.patients);
    // Diagnoses with role ALD and diagnoses outside stays cannot be written.
    // The PMSI has no rank: stays of persons sharing a BEN_NIR_PSA (same-sex twins) go to the
    // lowest rank, and stays are renumbered by (patient, admission). Compare the others, each
    // stay-linked event identified by its stay's admission and discharge.
    let mut nirs: Vec<&str> = a.patients.iter().map(|p| p.nir.as_str()).collect();
    nirs.sort_unstable();
    let shared: std::collections::BTreeSet<String> = nirs
        .windows(2)
        .filter(|w| w[0] == w[1])
        .map(|w| w[0].to_string())
        .collect();
    let loose = |p: &Population| -> Vec<Canon> {
        let span: std::collections::HashMap<u32, (Day, Day)> = p
            .events
            .iter()
            .filter(|e| e.kind == EventKind::Stay)
            .map(|e| (e.stay, (e.start, e.end)))
            .collect();
        let mut v = canon(p);
        v.retain(|e| !shared.contains(&e.0));
        for e in &mut v {
            if e.7 != 0 {
                let (s, d) = span[&e.7];
                e.7 = (s - 10_000) as u32 * 1000 + (d - s) as u32;
            }
        }
        v.sort_by(|a, b| format!("{a:?}").cmp(&format!("{b:?}")));
        v
    };
    let mut ca = loose(a);
    ca.retain(|e| !(e.1 == EventKind::Diagnosis && (e.2 == Role::ALD || e.7 == 0)));
    // Dispensings of one pack to one person on one day come back as one, of their boxes summed
    // (the netting of regularisation lines), dropped when the sum is not positive.
    let mut net: std::collections::BTreeMap<(String, Day, String), (i32, Day)> =
        std::collections::BTreeMap::new();
    for e in ca.iter().filter(|e| e.1 == EventKind::Dispensing) {
        let n = net
            .entry((e.0.clone(), e.3, e.5.clone()))
            .or_insert((0, e.4));
        n.0 += e.6;
        n.1 = n.1.max(e.4);
    }
    ca.retain(|e| e.1 != EventKind::Dispensing);
    for ((nir, start, code), (boxes, end)) in net {
        if boxes > 0 {
            ca.push((
                nir,
                EventKind::Dispensing,
                Role::None,
                start,
                end,
                code,
                boxes,
                0,
            ));
        }
    }
    ca.sort_by(|a, b| format!("{a:?}").cmp(&format!("{b:?}")));
    let cb = loose(b);
    let first = ca.iter().zip(&cb).position(|(x, y)| x != y);
    assert!(
        first.is_none() && ca.len() == cb.len(),
        "lengths {} {}; first difference {:?}",
        ca.len(),
        cb.len(),
        first.map(|i| (&ca[i], &cb[i]))
    );
    assert_eq!(drugs(a), drugs(b));
    assert_eq!(a.data_start, b.data_start);
    let s = back.summary().unwrap();
    assert_eq!(s.patients, 1000);
    assert!(serde_json::to_string(&s).unwrap().contains("\"IR_BEN_R\""));
    assert_eq!(back.store().n_patients(), 1000);
}

fn csv_err(table: &str, text: &[u8]) -> Error {
    tables::csv::read_csv(table, text, "test.csv").unwrap_err()
}

#[test]
fn tables_csv_latin1_decimal_comma_any_order() {
    // Latin-1 é = 0xE9; extra column, columns in another order, ISO and French dates.
    let mut bytes = b"PHA_NOM_COURT;EXTRA;PHA_ATC_C07;PHA_CIP_C13\n".to_vec();
    bytes.extend_from_slice(b"M\xe9tformine 500;x;A10BA02;3400930000001\n");
    let b = tables::csv::read_csv("IR_PHA_R", &bytes, "IR_PHA_R.csv").unwrap();
    let nom = b
        .column(b.schema().index_of("PHA_NOM_COURT").unwrap())
        .as_string::<i32>();
    assert_eq!(nom.value(0), "Métformine 500");
    assert!(b
        .column(b.schema().index_of("PHA_ATC_L07").unwrap())
        .is_null(0));

    let prs = "DCT_ORD_NUM;FLX_DIS_DTD;FLX_EMT_NUM;FLX_EMT_ORD;FLX_EMT_TYP;FLX_TRT_DTD;ORG_CLE_NUM;PRS_ORD_NUM;REM_TYP_AFF;BEN_NIR_PSA;BEN_RNG_GEM;EXE_SOI_DTD;PRS_NAT_REF;PRS_PAI_MNT\n\
                1;01/03/2021;1;0;1;2021-03-01;01C;1;1;A;1;09/02/2021;1111;25,5\n";
    let b = tables::csv::read_csv("ER_PRS_F", prs.as_bytes(), "ER_PRS_F.csv").unwrap();
    let amt = b
        .column(b.schema().index_of("PRS_PAI_MNT").unwrap())
        .as_primitive::<Float64Type>();
    assert_eq!(amt.value(0), 25.5);
    let d = b
        .column(b.schema().index_of("EXE_SOI_DTD").unwrap())
        .as_primitive::<arrow_array::types::Date32Type>();
    assert_eq!(d.value(0), from_ymd(2021, 2, 9));
    // Written back with a decimal comma and a French date.
    let out = String::from_utf8(tables::csv::write_csv(&b).unwrap()).unwrap();
    assert!(out.contains(";25,5"), "{out}");
    assert!(out.contains(";09/02/2021;"), "{out}");
}

#[test]
fn tables_bad_inputs_name_table_column_row() {
    // Missing required column.
    let e = csv_err(
        "IR_BEN_R",
        b"BEN_NIR_PSA;BEN_SEX_COD;BEN_NAI_ANN\nA;1;1950\n",
    );
    match &e {
        Error::MissingColumn { table, column } => assert_eq!(
            (table.as_str(), column.as_str()),
            ("IR_BEN_R", "BEN_RNG_GEM")
        ),
        e => panic!("{e:?}"),
    }
    assert!(e.to_string().contains("BEN_RNG_GEM"));
    // Bad date on the second data row.
    let e = csv_err("IR_IMB_R", b"BEN_NIR_PSA;BEN_RNG_GEM;IMB_ALD_DTD;MED_MTF_COD\nA;1;01/02/2020;E11\nA;1;31/02/2020;E11\n");
    match &e {
        Error::BadValue {
            table, column, row, ..
        } => {
            assert_eq!(
                (table.as_str(), column.as_str(), *row),
                ("IR_IMB_R", "IMB_ALD_DTD", 2)
            )
        }
        e => panic!("{e:?}"),
    }
    assert!(e.to_string().contains("row 2"), "{e}");
    // Non-numeric count on the first data row.
    let e = csv_err(
        "IR_BEN_R",
        b"BEN_NIR_PSA;BEN_RNG_GEM;BEN_SEX_COD;BEN_NAI_ANN\nA;un;1;1950\n",
    );
    match &e {
        Error::BadValue {
            table,
            column,
            row,
            message,
        } => {
            assert_eq!(
                (table.as_str(), column.as_str(), *row),
                ("IR_BEN_R", "BEN_RNG_GEM", 1)
            );
            assert!(message.contains("\"un\""), "{message}");
        }
        e => panic!("{e:?}"),
    }
    // Unknown table names, from a name and from a file.
    assert!(matches!(
        tables::schema("T_XYZ"),
        Err(Error::UnknownTable(_))
    ));
    let dir = tmp("bad");
    let p = dir.join("NOT_A_TABLE.csv");
    std::fs::write(&p, "A;B\n1;2\n").unwrap();
    assert!(
        matches!(tables::read_file(&p), Err(Error::UnknownTable(m)) if m.contains("NOT_A_TABLE"))
    );
    // Corrupt Parquet names the file.
    let p = dir.join("IR_BEN_R.parquet");
    std::fs::write(&p, b"PAR1 this is not parquet at all PAR1").unwrap();
    match tables::read_file(&p) {
        Err(Error::Format { path, .. }) => assert!(path.ends_with("IR_BEN_R.parquet")),
        other => panic!("{other:?}"),
    }
    // Upper-case .CSV extension is accepted; the table name comes from the stem.
    let p = dir.join("ir_ben_r.CSV");
    std::fs::remove_file(dir.join("IR_BEN_R.parquet")).unwrap();
    std::fs::remove_file(dir.join("NOT_A_TABLE.csv")).unwrap();
    std::fs::write(
        &p,
        "BEN_NIR_PSA;BEN_RNG_GEM;BEN_SEX_COD;BEN_NAI_ANN;BEN_NAI_MOI\nA;1;2;1960;03\n",
    )
    .unwrap();
    let ds = Dataset::read_dir(&dir).unwrap();
    assert_eq!(ds.population().patients[0].birth, from_ymd(1960, 3, 15));
    let _ = std::fs::remove_dir_all(&dir);
}

/// The 9 columns of the DCIR join key, as a CSV header.
const DCIR_KEY: &str = "DCT_ORD_NUM;FLX_DIS_DTD;FLX_EMT_NUM;FLX_EMT_ORD;FLX_EMT_TYP;FLX_TRT_DTD;ORG_CLE_NUM;PRS_ORD_NUM;REM_TYP_AFF";
/// An `IR_BEN_R` of one man born in 1950, `A`.
const ONE_BENEFICIARY: &str = "BEN_NIR_PSA;BEN_RNG_GEM;BEN_SEX_COD;BEN_NAI_ANN\nA;1;1;1950\n";

#[test]
fn tables_quality_filters_count_by_hand() {
    let (key, ben) = (DCIR_KEY, ONE_BENEFICIARY);
    // 5 lines: 1 kept visit, 2 with DPN_QLF = 71 (one with a pharmacy detail), 1 with
    // BSE_PRS_NAT = 0, 1 kept dispensing.
    let prs = format!(
        "{key};BEN_NIR_PSA;BEN_RNG_GEM;EXE_SOI_DTD;PRS_NAT_REF;DPN_QLF;BSE_PRS_NAT\n\
         1;01/02/2020;1;0;1;01/02/2020;01C;1;1;A;1;05/01/2020;1111;0;1111\n\
         2;01/02/2020;1;0;1;01/02/2020;01C;1;1;A;1;06/01/2020;3317;71;3317\n\
         3;01/02/2020;1;0;1;01/02/2020;01C;1;1;A;1;07/01/2020;1111;71;1111\n\
         4;01/02/2020;1;0;1;01/02/2020;01C;1;1;A;1;08/01/2020;1111;;0\n\
         5;01/02/2020;1;0;1;01/02/2020;01C;1;1;A;1;09/01/2020;3317;;3317\n"
    );
    let pha = format!(
        "{key};PHA_PRS_C13;PHA_ACT_QSN\n\
         2;01/02/2020;1;0;1;01/02/2020;01C;1;1;3400930000001;1\n\
         5;01/02/2020;1;0;1;01/02/2020;01C;1;1;3400930000001;3\n"
    );
    // 3 stays: one kept, one with SEJ_RET = 1, one with GHM 90Z00Z.
    let b = "ETA_NUM;RSA_NUM;DGN_PAL;GRG_GHM\nE;1;I10;05M101\nE;2;I10;05M101\nE;3;I10;90Z00Z\n";
    let c = "ETA_NUM;RSA_NUM;NIR_ANO_17;EXE_SOI_DTD;EXE_SOI_DTF;SEJ_RET;NIR_RET\nE;1;A;01/03/2020;03/03/2020;0;0\nE;2;A;01/04/2020;03/04/2020;1;0\nE;3;A;01/05/2020;03/05/2020;0;0\n";
    let imb = "BEN_NIR_PSA;BEN_RNG_GEM;IMB_ALD_DTD;MED_MTF_COD;IMB_ETM_NAT\nA;1;01/01/2019;E11;41\nA;1;01/01/2019;S72;11\n";
    let read = |t: &str, s: &str| {
        (
            t.to_string(),
            tables::csv::read_csv(t, s.as_bytes(), t).unwrap(),
        )
    };
    let ds = Dataset::from_tables(vec![
        read("IR_BEN_R", ben),
        read("ER_PRS_F", &prs),
        read("ER_PHA_F", &pha),
        read("T_MCO20B", b),
        read("T_MCO20C", c),
        read("IR_IMB_R", imb),
    ])
    .unwrap();
    let rep = |t: &str, f: &str| {
        ds.filter_report()
            .iter()
            .find(|r| r.table == t && r.filter.starts_with(f))
            .map(|r| r.rows_removed)
    };
    assert_eq!(rep("ER_PRS_F", "DPN_QLF = 71"), Some(2));
    assert_eq!(rep("ER_PRS_F", "BSE_PRS_NAT = 0"), Some(1));
    assert_eq!(rep("ER_PHA_F", "no ER_PRS_F line"), Some(1));
    assert_eq!(rep("T_MCO20C", "NIR_RET"), Some(1));
    assert_eq!(rep("T_MCO20B", "GRG_GHM starts with 90"), Some(1));
    assert_eq!(rep("IR_IMB_R", "IMB_ETM_NAT"), Some(1));
    let p = ds.population();
    let count = |k: EventKind| p.events.iter().filter(|e| e.kind == k).count();
    assert_eq!(count(EventKind::Visit), 1);
    assert_eq!(count(EventKind::Dispensing), 1);
    assert_eq!(count(EventKind::Stay), 1);
    assert_eq!(count(EventKind::Ald), 1);
    let disp = p
        .events
        .iter()
        .find(|e| e.kind == EventKind::Dispensing)
        .unwrap();
    assert_eq!((disp.value, disp.start), (3, from_ymd(2020, 1, 9)));
    // The pack is absent from IR_PHA_R: ATC from the built-in referential when it knows it.
    let want = cohorte_core::referential::pack("3400930000001").map_or("", |p| p.atc7);
    assert_eq!(p.dicts.drug_atc[0], want);
}

#[test]
fn tables_csv_quotes_nulls_and_foreign_types() {
    use arrow_array::{ArrayRef, Int64Array, RecordBatch, StringArray};
    use std::sync::Arc;
    // IR_PHA_R with a separator, a quote, surrounding spaces, an empty text and a null.
    let schema = tables::schema("IR_PHA_R").unwrap();
    let col = |v: Vec<Option<&str>>| Arc::new(StringArray::from(v)) as ArrayRef;
    let b = RecordBatch::try_new(
        schema,
        vec![
            col(vec![Some("3400930000001"), Some("3400930000002")]),
            col(vec![Some("A10BA02"), Some("")]),
            col(vec![None, Some(" A10B ")]),
            col(vec![Some("a;b"), Some("dit \"x\"")]),
            col(vec![Some("line\nbreak"), None]),
        ],
    )
    .unwrap();
    let bytes = tables::csv::write_csv(&b).unwrap();
    let back = tables::csv::read_csv("IR_PHA_R", &bytes, "IR_PHA_R.csv").unwrap();
    assert_eq!(back, b);
    // An IPC file holding BEN_RNG_GEM as Int64 and BEN_DCD_DTE as text is converted on read;
    // a bad text date there names its row.
    let mk = |dcd: &str| {
        let s = arrow_schema::Schema::new(vec![
            arrow_schema::Field::new("ben_nir_psa", arrow_schema::DataType::Utf8, false),
            arrow_schema::Field::new("BEN_RNG_GEM", arrow_schema::DataType::Int64, false),
            arrow_schema::Field::new("BEN_SEX_COD", arrow_schema::DataType::Int64, false),
            arrow_schema::Field::new("BEN_NAI_ANN", arrow_schema::DataType::Utf8, false),
            arrow_schema::Field::new("BEN_DCD_DTE", arrow_schema::DataType::Utf8, true),
        ]);
        RecordBatch::try_new(
            Arc::new(s),
            vec![
                col(vec![Some("A"), Some("B")]),
                Arc::new(Int64Array::from(vec![1, 2])) as ArrayRef,
                Arc::new(Int64Array::from(vec![1, 2])) as ArrayRef,
                col(vec![Some("1950"), Some("1960")]),
                col(vec![None, Some(dcd)]),
            ],
        )
        .unwrap()
    };
    for f in [Format::Ipc, Format::Parquet] {
        let bytes = tables::io::write_bytes(&mk("2021-03-09"), f).unwrap();
        let t = tables::io::read_bytes("IR_BEN_R", f, &bytes, "IR_BEN_R").unwrap();
        let ds = Dataset::from_tables(vec![("IR_BEN_R".into(), t)]).unwrap();
        assert_eq!(
            ds.population().patients[1].death,
            Some(from_ymd(2021, 3, 9))
        );
        let bytes = tables::io::write_bytes(&mk("2021-13-09"), f).unwrap();
        match tables::io::read_bytes("IR_BEN_R", f, &bytes, "IR_BEN_R") {
            Err(Error::BadValue { column, row, .. }) => {
                assert_eq!((column.as_str(), row), ("BEN_DCD_DTE", 2))
            }
            other => panic!("{f:?}: {other:?}"),
        }
    }
}

#[test]
fn tables_render_rejects_dangling_ids() {
    let mut p = hand_population();
    p.events[0].patient = 9;
    let e = Dataset::from_population(p).tables().unwrap_err();
    assert!(e.to_string().contains("events[0]: patient 9"), "{e}");
    let mut p = hand_population();
    p.events[2].code = 99;
    let e = Dataset::from_population(p).tables().unwrap_err();
    assert!(e.to_string().contains("events[2]: code id 99"), "{e}");
}

#[test]
fn tables_visit_surcharge_filter_count_by_hand() {
    let (key, ben) = (DCIR_KEY, ONE_BENEFICIARY);
    // 8 lines of patient A, one of an unknown patient Z:
    // 1 visit CPL 0 (kept), 2 its surcharge CPL 2 (dropped), 3 visit CPL 1 (kept), 4 visit CPL
    // empty (kept), 5 visit CPL 3 (dropped), 6 pharmacy line CPL 2 with its ER_PHA_F detail (kept:
    // the filter is for visits), 7 visit CPL 2 and DPN_QLF 71 (dropped as DPN_QLF = 71 only),
    // 8 a CCAM act line CPL 2 with its ER_CAM_F detail (kept), 9 visit CPL 2 of patient Z (reported
    // as an unknown patient only).
    let prs = format!(
        "{key};BEN_NIR_PSA;BEN_RNG_GEM;EXE_SOI_DTD;PRS_NAT_REF;DPN_QLF;CPL_MAJ_TOP\n\
         1;01/02/2020;1;0;1;01/02/2020;01C;1;1;A;1;05/01/2020;1111;0;0\n\
         1;01/02/2020;1;0;1;01/02/2020;01C;2;1;A;1;05/01/2020;1111;0;2\n\
         3;01/02/2020;1;0;1;01/02/2020;01C;1;1;A;1;06/01/2020;1111;0;1\n\
         4;01/02/2020;1;0;1;01/02/2020;01C;1;1;A;1;07/01/2020;1112;;\n\
         5;01/02/2020;1;0;1;01/02/2020;01C;1;1;A;1;08/01/2020;1111;0;3\n\
         6;01/02/2020;1;0;1;01/02/2020;01C;1;1;A;1;09/01/2020;3317;0;2\n\
         7;01/02/2020;1;0;1;01/02/2020;01C;1;1;A;1;10/01/2020;1111;71;2\n\
         8;01/02/2020;1;0;1;01/02/2020;01C;1;1;A;1;11/01/2020;1351;0;2\n\
         9;01/02/2020;1;0;1;01/02/2020;01C;1;1;Z;1;12/01/2020;1111;0;2\n"
    );
    let pha = format!(
        "{key};PHA_PRS_C13;PHA_ACT_QSN\n6;01/02/2020;1;0;1;01/02/2020;01C;1;1;3400930000001;1\n"
    );
    let cam = format!("{key};CAM_PRS_IDE\n8;01/02/2020;1;0;1;01/02/2020;01C;1;1;DEQP003\n");
    let read = |t: &str, s: &str| {
        (
            t.to_string(),
            tables::csv::read_csv(t, s.as_bytes(), t).unwrap(),
        )
    };
    let ds = Dataset::from_tables(vec![
        read("IR_BEN_R", ben),
        read("ER_PRS_F", &prs),
        read("ER_PHA_F", &pha),
        read("ER_CAM_F", &cam),
    ])
    .unwrap();
    let rep = |f: &str| {
        ds.filter_report()
            .iter()
            .find(|r| r.table == "ER_PRS_F" && r.filter.starts_with(f))
            .map(|r| r.rows_removed)
    };
    assert_eq!(rep("CPL_MAJ_TOP >= 2"), Some(2));
    assert_eq!(rep("DPN_QLF = 71"), Some(1));
    assert_eq!(rep("patient not in IR_BEN_R"), Some(1));
    let p = ds.population();
    let days = |k: EventKind| -> Vec<Day> {
        p.events
            .iter()
            .filter(|e| e.kind == k)
            .map(|e| e.start)
            .collect()
    };
    assert_eq!(
        days(EventKind::Visit),
        vec![
            from_ymd(2020, 1, 5),
            from_ymd(2020, 1, 6),
            from_ymd(2020, 1, 7)
        ]
    );
    assert_eq!(days(EventKind::Dispensing), vec![from_ymd(2020, 1, 9)]);
    assert_eq!(days(EventKind::Act), vec![from_ymd(2020, 1, 11)]);
    // Nothing removed: the filter is still reported, with 0 rows.
    let ds = Dataset::from_tables(vec![read("IR_BEN_R", ben)]).unwrap();
    assert!(ds
        .filter_report()
        .iter()
        .any(|r| r.filter.starts_with("CPL_MAJ_TOP >= 2") && r.rows_removed == 0));
}

#[test]
fn tables_regularisation_lines_netted_by_hand() {
    let key = DCIR_KEY;
    // Twins A rank 1 and A rank 2 (two persons).
    let ben = "BEN_NIR_PSA;BEN_RNG_GEM;BEN_SEX_COD;BEN_NAI_ANN\nA;1;1;1950\nA;2;1;1950\n";
    // Dispensing lines (claim number, flux date, rank, care start, pack, boxes), packs X and Y:
    // 09/01 X: +3 (flux 02) then −3 (flux 03): cancelled, both lines dropped;
    // 10/01 X: +2 then −1: one dispensing of 1 box (1 line removed);
    // 10/01 Y: +1: kept as is;
    // 11/01 X: −1 alone: dropped;
    // 12/01 X: +1 and +1 on two claims of the same flux: one dispensing of 2 boxes (1 removed);
    // 12/01 X of the twin of rank 2: +1, another person, kept;
    // 13/01 X: +1, −1, +1 over three fluxes: one dispensing of 1 box (2 removed);
    // a line with DPN_QLF = 71 (−1 on 10/01 X): removed by that filter, not netted.
    let x = "3400930000001";
    let y = "3400930000002";
    let lines: [(u32, &str, u32, &str, &str, i32, &str); 12] = [
        (1, "01/02/2020", 1, "09/01/2020", x, 3, "0"),
        (2, "01/03/2020", 1, "09/01/2020", x, -3, "0"),
        (3, "01/02/2020", 1, "10/01/2020", x, 2, "0"),
        (4, "01/03/2020", 1, "10/01/2020", x, -1, "0"),
        (5, "01/02/2020", 1, "10/01/2020", y, 1, "0"),
        (6, "01/02/2020", 1, "11/01/2020", x, -1, "0"),
        (7, "01/02/2020", 1, "12/01/2020", x, 1, "0"),
        (8, "01/02/2020", 1, "12/01/2020", x, 1, "0"),
        (9, "01/02/2020", 2, "12/01/2020", x, 1, "0"),
        (10, "01/02/2020", 1, "13/01/2020", x, 1, "0"),
        (11, "01/03/2020", 1, "13/01/2020", x, -1, "0"),
        (12, "01/04/2020", 1, "13/01/2020", x, 1, "0"),
    ];
    let mut prs = format!("{key};BEN_NIR_PSA;BEN_RNG_GEM;EXE_SOI_DTD;PRS_NAT_REF;DPN_QLF\n");
    let mut pha = format!("{key};PHA_PRS_C13;PHA_ACT_QSN\n");
    let info = (13, "01/03/2020", 1, "10/01/2020", x, -1, "71");
    for (n, flx, rank, day, cip, boxes, dpn) in lines.iter().copied().chain([info]) {
        let k = format!("{n};{flx};1;0;1;{flx};01C;1;1");
        prs.push_str(&format!("{k};A;{rank};{day};3317;{dpn}\n"));
        pha.push_str(&format!("{k};{cip};{boxes}\n"));
    }
    let read = |t: &str, s: &str| {
        (
            t.to_string(),
            tables::csv::read_csv(t, s.as_bytes(), t).unwrap(),
        )
    };
    let ds = Dataset::from_tables(vec![
        read("IR_BEN_R", ben),
        read("ER_PRS_F", &prs),
        read("ER_PHA_F", &pha),
    ])
    .unwrap();
    let rep = |t: &str, f: &str| {
        ds.filter_report()
            .iter()
            .find(|r| r.table == t && r.filter.starts_with(f))
            .map(|r| r.rows_removed)
    };
    assert_eq!(
        rep("ER_PHA_F", "PHA_ACT_QSN netted"),
        Some(2 + 1 + 1 + 1 + 2)
    );
    assert_eq!(rep("ER_PRS_F", "DPN_QLF = 71"), Some(1));
    let p = ds.population();
    let mut got: Vec<(u32, Day, String, i32)> = p
        .events
        .iter()
        .filter(|e| e.kind == EventKind::Dispensing)
        .map(|e| {
            let cip = p.dicts.drug.code(e.code).to_string();
            (
                p.patients[e.patient as usize].rank as u32,
                e.start,
                cip,
                e.value,
            )
        })
        .collect();
    got.sort();
    let d = |day: u32| from_ymd(2020, 1, day);
    assert_eq!(
        got,
        vec![
            (1, d(10), x.to_string(), 1),
            (1, d(10), y.to_string(), 1),
            (1, d(12), x.to_string(), 2),
            (1, d(13), x.to_string(), 1),
            (2, d(12), x.to_string(), 1),
        ]
    );
    // No dispensing line: the netting is still reported, with 0 rows.
    let ds = Dataset::from_tables(vec![read("IR_BEN_R", ben)]).unwrap();
    assert!(ds
        .filter_report()
        .iter()
        .any(|r| r.filter.starts_with("PHA_ACT_QSN netted") && r.rows_removed == 0));
}
