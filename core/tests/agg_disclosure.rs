//! Disclosure control: primary and complementary suppression, derived values, hierarchies, and
//! attackers that try to rebuild masked cells from what is published.

use std::collections::BTreeMap;
use std::sync::Arc;

use arrow_array::{Array, ArrayRef, Float64Array, Int64Array, RecordBatch, StringArray};
use arrow_schema::{DataType, Field, Schema};
use cohorte_core::aggregate::{Aggregate, Derived};
use cohorte_core::disclosure::{audit, protect, protect_one, Hierarchy, ParentRule, Protection};
use proptest::prelude::*;

/// An aggregate with string strata `dims` (None = margin), a `persons` count and a derived
/// `share` (= persons / 1000).
fn table(name: &str, dims: &[&str], rows: &[(Vec<Option<String>>, i64)]) -> Aggregate {
    let mut fields = vec![];
    let mut cols: Vec<ArrayRef> = vec![];
    for (j, d) in dims.iter().enumerate() {
        fields.push(Field::new(*d, DataType::Utf8, true));
        let v: Vec<Option<String>> = rows.iter().map(|r| r.0[j].clone()).collect();
        cols.push(Arc::new(StringArray::from(v)));
    }
    fields.push(Field::new("persons", DataType::Int64, true));
    cols.push(Arc::new(Int64Array::from(
        rows.iter().map(|r| Some(r.1)).collect::<Vec<_>>(),
    )));
    fields.push(Field::new("share", DataType::Float64, true));
    cols.push(Arc::new(Float64Array::from(
        rows.iter()
            .map(|r| Some(r.1 as f64 / 1000.0))
            .collect::<Vec<_>>(),
    )));
    Aggregate {
        name: name.into(),
        batch: RecordBatch::try_new(Arc::new(Schema::new(fields)), cols).unwrap(),
        dims: dims.iter().map(|d| d.to_string()).collect(),
        patient_counts: vec!["persons".into()],
        derived: vec![Derived {
            column: "share".into(),
            from: vec!["persons".into()],
        }],
        complements: vec![],
        notes: vec![],
        protected_k: None,
    }
}

fn s(x: &str) -> Option<String> {
    Some(x.to_string())
}

/// A 2-D table with row, column and grand margins.
fn grid(g: &[Vec<i64>]) -> Aggregate {
    let mut rows = vec![];
    for (i, r) in g.iter().enumerate() {
        for (j, v) in r.iter().enumerate() {
            rows.push((vec![s(&format!("r{i}")), s(&format!("c{j}"))], *v));
        }
        rows.push((vec![s(&format!("r{i}")), None], r.iter().sum()));
    }
    for j in 0..g[0].len() {
        rows.push((
            vec![None, s(&format!("c{j}"))],
            g.iter().map(|r| r[j]).sum(),
        ));
    }
    rows.push((vec![None, None], g.iter().flatten().sum()));
    table("grid", &["row", "col"], &rows)
}

/// Published cells of a protected table: strata → value (None = masked).
fn published(a: &Aggregate) -> BTreeMap<Vec<Option<String>>, Option<i64>> {
    let dims: Vec<Vec<Option<String>>> = a.dims.iter().map(|d| a.strings(d).unwrap()).collect();
    let v = a.ints("persons").unwrap();
    let flags = a
        .masked("persons")
        .unwrap_or_else(|| vec![false; a.num_rows()]);
    (0..a.num_rows())
        .map(|r| {
            assert_eq!(v[r].is_none(), flags[r], "null iff flagged");
            (dims.iter().map(|d| d[r].clone()).collect(), v[r])
        })
        .collect()
}

/// The attacker: additive equations (total, parts) over cell keys; repeatedly solves any
/// equation with a single unknown (subtraction across margins and levels), then tries an
/// independent floating-point rank test for combinations of equations. Returns every masked
/// cell it rebuilt.
fn attack(
    cells: &BTreeMap<String, Option<i64>>,
    equations: &[(String, Vec<String>)],
) -> Vec<String> {
    let mut known: BTreeMap<String, i64> = cells
        .iter()
        .filter_map(|(k, v)| v.map(|v| (k.clone(), v)))
        .collect();
    let mut rebuilt = vec![];
    loop {
        let mut progress = false;
        for (t, parts) in equations {
            let all: Vec<(&String, f64)> = std::iter::once((t, 1.0))
                .chain(parts.iter().map(|p| (p, -1.0)))
                .collect();
            let unknown: Vec<&(&String, f64)> = all
                .iter()
                .filter(|(k, _)| !known.contains_key(*k))
                .collect();
            if unknown.len() == 1 {
                let (k, c) = unknown[0];
                let rest: f64 = all
                    .iter()
                    .filter(|(x, _)| known.contains_key(*x))
                    .map(|(x, c)| c * known[*x] as f64)
                    .sum();
                known.insert((*k).clone(), (-rest / c) as i64);
                rebuilt.push((*k).clone());
                progress = true;
            }
        }
        if !progress {
            break;
        }
    }
    // Rank test: a masked cell is determined iff adding its unit row does not raise the rank
    // of the equations' matrix over the unknowns.
    let unknowns: Vec<&String> = cells.keys().filter(|k| !known.contains_key(*k)).collect();
    let col: BTreeMap<&String, usize> = unknowns.iter().enumerate().map(|(i, k)| (*k, i)).collect();
    let mut m: Vec<Vec<f64>> = vec![];
    for (t, parts) in equations {
        let mut row = vec![0.0; unknowns.len()];
        for (k, c) in std::iter::once((t, 1.0)).chain(parts.iter().map(|p| (p, -1.0))) {
            if let Some(&i) = col.get(k) {
                row[i] += c;
            }
        }
        if row.iter().any(|x| *x != 0.0) {
            m.push(row);
        }
    }
    let r0 = rank(m.clone());
    for (i, k) in unknowns.iter().enumerate() {
        let mut m2 = m.clone();
        let mut e = vec![0.0; unknowns.len()];
        e[i] = 1.0;
        m2.push(e);
        if rank(m2) == r0 {
            rebuilt.push((*k).clone());
        }
    }
    rebuilt
}

fn rank(mut m: Vec<Vec<f64>>) -> usize {
    let mut r = 0;
    let cols = m.first().map_or(0, |x| x.len());
    for c in 0..cols {
        let Some(p) = (r..m.len()).find(|&i| m[i][c].abs() > 1e-9) else {
            continue;
        };
        m.swap(r, p);
        for i in 0..m.len() {
            if i != r && m[i][c].abs() > 1e-9 {
                let f = m[i][c] / m[r][c];
                let pivot = m[r].clone();
                for (x, y) in m[i].iter_mut().zip(&pivot) {
                    *x -= f * y;
                }
            }
        }
        r += 1;
    }
    r
}

fn key(prefix: &str, k: &[Option<String>]) -> String {
    format!("{prefix}{k:?}")
}

/// Equations of a 2-D grid with margins.
fn grid_equations(nr: usize, nc: usize) -> Vec<(String, Vec<String>)> {
    let k = |r: Option<usize>, c: Option<usize>| {
        key(
            "",
            &[r.map(|r| format!("r{r}")), c.map(|c| format!("c{c}"))],
        )
    };
    let mut eq = vec![];
    for i in 0..nr {
        eq.push((
            k(Some(i), None),
            (0..nc).map(|j| k(Some(i), Some(j))).collect(),
        ));
    }
    for j in 0..nc {
        eq.push((
            k(None, Some(j)),
            (0..nr).map(|i| k(Some(i), Some(j))).collect(),
        ));
    }
    eq.push((k(None, None), (0..nr).map(|i| k(Some(i), None)).collect()));
    eq.push((k(None, None), (0..nc).map(|j| k(None, Some(j))).collect()));
    eq
}

fn check_grid(g: &[Vec<i64>], k: u32) {
    let mut a = grid(g);
    let report = protect_one(&mut a, k).unwrap();
    assert!(report.audit.passed(), "{:?}", report.audit);
    let pubd = published(&a);
    // Every small non-zero cell is masked, published values are the true ones, shares follow
    // their counts.
    let raw = published(&grid(g));
    let share = a.floats("share").unwrap();
    for (kk, v) in pubd.iter() {
        let truth = raw[kk].unwrap();
        if (1..k as i64).contains(&truth) {
            assert_eq!(*v, None, "{kk:?} = {truth} must be masked");
        }
        if let Some(v) = v {
            assert_eq!(*v, truth);
        }
    }
    let n = a.num_rows();
    let flags = a.masked("persons").unwrap();
    for r in 0..n {
        assert_eq!(share[r].is_none(), flags[r]);
    }
    let cells: BTreeMap<String, Option<i64>> =
        pubd.iter().map(|(kk, v)| (key("", kk), *v)).collect();
    let rebuilt = attack(&cells, &grid_equations(g.len(), g[0].len()));
    assert!(
        rebuilt.is_empty(),
        "attacker rebuilt {rebuilt:?} from {pubd:?}"
    );
}

#[test]
fn agg_disclosure_hand_two_by_two() {
    // 3 is small: its row mate (20), its column mate (15) and then the last cell (30) are masked;
    // the margins stay published.
    let mut a = grid(&[vec![3, 20], vec![15, 30]]);
    let rep = protect_one(&mut a, 10).unwrap();
    let p = published(&a);
    let get = |r: Option<&str>, c: Option<&str>| p[&vec![r.map(String::from), c.map(String::from)]];
    assert_eq!(get(Some("r0"), Some("c0")), None);
    assert_eq!(get(Some("r0"), Some("c1")), None);
    assert_eq!(get(Some("r1"), Some("c0")), None);
    assert_eq!(get(Some("r1"), Some("c1")), None);
    assert_eq!(get(Some("r0"), None), Some(23));
    assert_eq!(get(None, None), Some(68));
    assert_eq!((rep.primary, rep.complementary), (1, 3));
    assert!(rep.audit.passed());
    assert!(a.notes.iter().any(|n| n.contains("masked")));
    assert_eq!(a.protected_k, Some(10));
}

#[test]
fn agg_disclosure_masked_values_are_not_left_in_the_buffers() {
    // A null hides a value from arrow's readers, but not from whoever reads the raw buffers
    // (pyarrow's `buffers()`, an IPC dump): a masked cell's slot must not hold its value.
    let mut a = grid(&[vec![3, 20], vec![15, 30]]);
    protect_one(&mut a, 10).unwrap();
    for column in ["persons", "share"] {
        let col = a.batch.column_by_name(column).unwrap();
        let flags = a.batch.column_by_name(&format!("{column}_masked")).unwrap();
        let flags = flags
            .as_any()
            .downcast_ref::<arrow_array::BooleanArray>()
            .unwrap();
        let raw = col.to_data().buffers()[0].clone();
        let n_masked = (0..flags.len()).filter(|&i| flags.value(i)).count();
        assert_eq!(n_masked, 4, "{column}: the four inner cells are masked");
        for i in 0..flags.len() {
            let slot = &raw.as_slice()[i * 8..(i + 1) * 8];
            if flags.value(i) {
                assert!(col.is_null(i), "{column} row {i}");
                assert_eq!(
                    slot, &[0u8; 8],
                    "{column} row {i}: value left behind the null"
                );
            } else {
                assert!(col.is_valid(i), "{column} row {i}");
            }
        }
    }
}

#[test]
fn agg_disclosure_zero_is_published_and_k_configurable() {
    // Zero is not a small cell; with k = 11 a 10 is masked, with k = 10 it is not.
    let mut a = grid(&[vec![0, 40], vec![10, 50]]);
    protect_one(&mut a, 10).unwrap();
    assert!(published(&a).values().all(|v| v.is_some()));
    let mut b = grid(&[vec![0, 40], vec![10, 50]]);
    protect_one(&mut b, 11).unwrap();
    let p = published(&b);
    assert_eq!(p[&vec![s("r1"), s("c0")]], None);
    // Its column holds a 0 and the 10: the complement is the non-zero margin-side cell, never
    // a published zero that would give the 10 away... and the attacker still fails.
    let cells: BTreeMap<String, Option<i64>> = p.iter().map(|(k, v)| (key("", k), *v)).collect();
    assert!(attack(&cells, &grid_equations(2, 2)).is_empty());
}

#[test]
fn agg_disclosure_bridge_needs_more_than_the_single_cell_rule() {
    // Two 2×2 blocks of small cells (rows 0–1 × columns 0–1, rows 2–3 × columns 2–3) joined by
    // one more small cell (row 1, column 2): every row and column then holds two or more masked
    // cells, so the single-cell rule adds nothing, yet the joining cell is rebuilt by summing
    // rows 0–1 minus columns 0–1 of the masked cells. The exact audit must catch and fix it.
    let g = vec![
        vec![5, 5, 0, 100, 100],
        vec![5, 5, 5, 100, 100],
        vec![0, 0, 5, 5, 100],
        vec![100, 100, 5, 5, 100],
        vec![100, 100, 100, 100, 100],
    ];
    check_grid(&g, 10);
}

#[test]
fn agg_disclosure_audit_finds_exposures() {
    // Only primary suppression in a row with a published margin: subtraction rebuilds it.
    let mut a = grid(&[vec![3, 20], vec![15, 30]]);
    let flags = vec![true, false, false, false, false, false, false, false, false];
    // Publish by hand: null the first cell, flag it.
    let mut v = a.ints("persons").unwrap();
    v[0] = None;
    let mut cols: Vec<ArrayRef> = a.batch.columns().to_vec();
    let mut fields: Vec<Field> = a
        .batch
        .schema()
        .fields()
        .iter()
        .map(|f| f.as_ref().clone())
        .collect();
    cols[2] = Arc::new(Int64Array::from(v));
    fields.push(Field::new("persons_masked", DataType::Boolean, false));
    cols.push(Arc::new(arrow_array::BooleanArray::from(flags)));
    a.batch = RecordBatch::try_new(Arc::new(Schema::new(fields)), cols).unwrap();
    let rep = audit(std::slice::from_ref(&a), &[]).unwrap();
    assert!(!rep.passed());
    assert_eq!(rep.exposed.len(), 1);
    assert_eq!(rep.exposed[0].value, 3);
    assert_eq!(rep.exposed[0].row, 0);

    // Non-negativity: a zero margin over two masked cells gives both away (0 + 0), which no
    // linear combination shows.
    let mut b = table(
        "zero",
        &["row"],
        &[(vec![s("a")], 0), (vec![s("b")], 0), (vec![None], 0)],
    );
    let mut cols: Vec<ArrayRef> = b.batch.columns().to_vec();
    let mut fields: Vec<Field> = b
        .batch
        .schema()
        .fields()
        .iter()
        .map(|f| f.as_ref().clone())
        .collect();
    cols[1] = Arc::new(Int64Array::from(vec![None, None, Some(0)]));
    fields.push(Field::new("persons_masked", DataType::Boolean, false));
    cols.push(Arc::new(arrow_array::BooleanArray::from(vec![
        true, true, false,
    ])));
    b.batch = RecordBatch::try_new(Arc::new(Schema::new(fields)), cols).unwrap();
    let rep = audit(std::slice::from_ref(&b), &[]).unwrap();
    assert_eq!(rep.exposed.len(), 2);
    assert!(rep
        .exposed
        .iter()
        .all(|e| e.method == "bounds" && e.value == 0));
}

#[test]
fn agg_disclosure_rejects_double_protection() {
    let mut a = grid(&[vec![3, 20], vec![15, 30]]);
    protect_one(&mut a, 10).unwrap();
    assert!(protect_one(&mut a, 10).is_err());
    assert!(protect_one(&mut grid(&[vec![1]]), 0).is_err());
}

/// Two levels (ATC2 ⊃ ATC3) by sex, each with margins, published together.
fn levels(children: &[Vec<[i64; 2]>]) -> (Aggregate, Aggregate) {
    let sexes = ["1", "2"];
    let mut top = vec![];
    let mut fine = vec![];
    let mut grand = [0i64; 2];
    for (p, kids) in children.iter().enumerate() {
        let parent = format!("A0{p}");
        let mut sum = [0i64; 2];
        for (c, v) in kids.iter().enumerate() {
            let child = format!("{parent}{}", (b'A' + c as u8) as char);
            for x in 0..2 {
                fine.push((vec![s(&child), s(sexes[x])], v[x]));
                sum[x] += v[x];
            }
            fine.push((vec![s(&child), None], v[0] + v[1]));
        }
        for x in 0..2 {
            top.push((vec![s(&parent), s(sexes[x])], sum[x]));
            grand[x] += sum[x];
        }
        top.push((vec![s(&parent), None], sum[0] + sum[1]));
    }
    for x in 0..2 {
        top.push((vec![None, s(sexes[x])], grand[x]));
        fine.push((vec![None, s(sexes[x])], grand[x]));
    }
    top.push((vec![None, None], grand[0] + grand[1]));
    fine.push((vec![None, None], grand[0] + grand[1]));
    (
        table("atc2", &["atc2", "sex"], &top),
        table("atc3", &["atc3", "sex"], &fine),
    )
}

fn level_attack(a: &Aggregate, b: &Aggregate, children: &[Vec<[i64; 2]>]) -> Vec<String> {
    let pa = published(a);
    let pb = published(b);
    let mut cells = BTreeMap::new();
    // Cells keyed by (level value or "*", sex or "*"); the grand margins are shared.
    for (k, v) in pa.iter().chain(pb.iter()) {
        cells.insert(key("", k), *v);
    }
    let k = |code: Option<String>, sex: Option<&str>| key("", &[code, sex.map(String::from)]);
    let mut eq = vec![];
    let sexes = [Some("1"), Some("2"), None];
    for (p, kids) in children.iter().enumerate() {
        let parent = format!("A0{p}");
        let kid = |c: usize| format!("{parent}{}", (b'A' + c as u8) as char);
        for sx in sexes {
            // Parent = Σ children (levels).
            eq.push((
                k(s(&parent), sx),
                (0..kids.len()).map(|c| k(s(&kid(c)), sx)).collect(),
            ));
        }
        // Margins over sex at both levels.
        eq.push((
            k(s(&parent), None),
            vec![k(s(&parent), Some("1")), k(s(&parent), Some("2"))],
        ));
        for c in 0..kids.len() {
            eq.push((
                k(s(&kid(c)), None),
                vec![k(s(&kid(c)), Some("1")), k(s(&kid(c)), Some("2"))],
            ));
        }
    }
    for sx in sexes {
        let parents = (0..children.len())
            .map(|p| k(s(&format!("A0{p}")), sx))
            .collect();
        eq.push((k(None, sx), parents));
        let kids = children
            .iter()
            .enumerate()
            .flat_map(|(p, kids)| {
                (0..kids.len()).map(move |c| format!("A0{p}{}", (b'A' + c as u8) as char))
            })
            .map(|c| k(s(&c), sx))
            .collect();
        eq.push((k(None, sx), kids));
    }
    eq.push((k(None, None), vec![k(None, Some("1")), k(None, Some("2"))]));
    attack(&cells, &eq)
}

#[test]
fn agg_disclosure_hand_levels_protected_jointly() {
    // ATC3 A00A = 3 is small. Alone, the ATC3 table masks it and, for its total, the smallest
    // other cell (A01A = 20); the ATC2 table has nothing small. Published side by side,
    // A00 (53) − A00B (50) gives A00A = 3 away. Protected together, the levels are relations too.
    let fine_rows = vec![
        (vec![s("A00A")], 3),
        (vec![s("A00B")], 50),
        (vec![s("A01A")], 20),
        (vec![s("A01B")], 30),
        (vec![None], 103),
    ];
    let top_rows = vec![
        (vec![s("A00")], 53),
        (vec![s("A01")], 50),
        (vec![None], 103),
    ];
    let hier = vec![Hierarchy {
        child: "atc3".into(),
        parent: "atc2".into(),
        rule: ParentRule::Prefix(3),
    }];
    let eqs: Vec<(String, Vec<String>)> = vec![
        (
            key("", &[None]),
            vec![key("", &[s("A00")]), key("", &[s("A01")])],
        ),
        (
            key("", &[None]),
            ["A00A", "A00B", "A01A", "A01B"]
                .iter()
                .map(|c| key("", &[s(c)]))
                .collect(),
        ),
        (
            key("", &[s("A00")]),
            vec![key("", &[s("A00A")]), key("", &[s("A00B")])],
        ),
        (
            key("", &[s("A01")]),
            vec![key("", &[s("A01A")]), key("", &[s("A01B")])],
        ),
    ];
    let cells_of = |ts: &[&Aggregate]| -> BTreeMap<String, Option<i64>> {
        ts.iter()
            .flat_map(|t| published(t).into_iter().map(|(k, v)| (key("", &k), v)))
            .collect()
    };
    let mut top = table("atc2", &["atc2"], &top_rows);
    let mut fine = table("atc3", &["atc3"], &fine_rows);
    protect_one(&mut top, 10).unwrap();
    protect_one(&mut fine, 10).unwrap();
    assert_eq!(
        published(&fine)[&vec![s("A01A")]],
        None,
        "complement of the total"
    );
    let rebuilt = attack(&cells_of(&[&top, &fine]), &eqs);
    assert!(
        rebuilt.contains(&key("", &[s("A00A")])),
        "separate protection leaks"
    );
    assert!(!audit(&[top, fine], &hier).unwrap().passed());

    let mut both = [
        table("atc2", &["atc2"], &top_rows),
        table("atc3", &["atc3"], &fine_rows),
    ];
    let rep = protect(
        &mut both,
        &Protection {
            k: 10,
            hierarchies: hier,
        },
    )
    .unwrap();
    assert!(rep.audit.passed(), "{:?}", rep.audit);
    let cells = cells_of(&[&both[0], &both[1]]);
    assert!(attack(&cells, &eqs).is_empty());
    assert_eq!(cells[&key("", &[s("A00A")])], None);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, .. ProptestConfig::default() })]

    #[test]
    fn agg_disclosure_prop_grid_attacker_fails(
        g in (2usize..6, 2usize..6).prop_flat_map(|(r, c)| {
            prop::collection::vec(
                prop::collection::vec(prop_oneof![3 => 0i64..12, 2 => 10i64..80], c),
                r,
            )
        }),
        k in prop_oneof![Just(10u32), Just(11u32), Just(5u32)],
    ) {
        check_grid(&g, k);
    }

    #[test]
    fn agg_disclosure_prop_levels_attacker_fails(
        kids in prop::collection::vec(
            prop::collection::vec([prop_oneof![2 => 0i64..12, 1 => 10i64..60], prop_oneof![2 => 0i64..12, 1 => 10i64..60]], 1..4),
            1..4,
        ),
    ) {
        let (a, b) = levels(&kids);
        let opts = Protection {
            k: 10,
            hierarchies: vec![Hierarchy {
                child: "atc3".into(),
                parent: "atc2".into(),
                rule: ParentRule::Prefix(3),
            }],
        };
        let mut both = [a, b];
        let rep = protect(&mut both, &opts).unwrap();
        prop_assert!(rep.audit.passed());
        let [a, b] = both;
        let rebuilt = level_attack(&a, &b, &kids);
        prop_assert!(rebuilt.is_empty(), "rebuilt {:?}", rebuilt);
        // Every small cell at either level is masked.
        for t in [&a, &b] {
            let v = t.ints("persons").unwrap();
            let f = t.masked("persons").unwrap();
            for r in 0..v.len() {
                prop_assert!(f[r] || !(1..10).contains(&v[r].unwrap()));
            }
        }
    }
}

#[test]
fn agg_disclosure_departements_within_regions() {
    // Rhône (3) is small. Alone, the département table hides it with Hauts-de-Seine (12, the
    // smallest other); the region table then gives it away: 84 (25) − Isère (22) = 3.
    let dept_rows = vec![
        (vec![s("69")], 3),
        (vec![s("38")], 22),
        (vec![s("75")], 30),
        (vec![s("92")], 12),
        (vec![s("13")], 40),
        (vec![None], 107),
    ];
    let region_rows = vec![
        (vec![s("84")], 25),
        (vec![s("11")], 42),
        (vec![s("93")], 40),
        (vec![None], 107),
    ];
    let hier = vec![Hierarchy::dept_in_region()];
    let mut d = table("dept", &["dept"], &dept_rows);
    let mut r = table("region", &["region"], &region_rows);
    protect_one(&mut d, 10).unwrap();
    protect_one(&mut r, 10).unwrap();
    let leak = audit(&[r, d], &hier).unwrap();
    assert!(!leak.passed());
    assert!(leak
        .exposed
        .iter()
        .any(|e| e.value == 3 && e.table == "dept"));

    let mut both = [
        table("region", &["region"], &region_rows),
        table("dept", &["dept"], &dept_rows),
    ];
    let rep = protect(
        &mut both,
        &Protection {
            k: 10,
            hierarchies: hier,
        },
    )
    .unwrap();
    assert!(rep.audit.passed(), "{:?}", rep.audit);
    let p = published(&both[1]);
    assert_eq!(p[&vec![s("69")]], None);
    assert_eq!(p[&vec![s("38")]], None, "Isère protects Rhône within 84");
    assert!(Hierarchy::atc("atc3", 3, "atc2", 2).is_ok());
    assert!(Hierarchy::atc("atc2", 2, "atc3", 3).is_err());
}

#[test]
fn agg_disclosure_batch_carries_provenance() {
    let mut a = grid(&[vec![3, 20], vec![15, 30]]);
    protect_one(&mut a, 11).unwrap();
    let md = a.batch.schema().metadata().clone();
    assert_eq!(md.get("cohorte.k").map(String::as_str), Some("11"));
    assert_eq!(
        md.get("cohorte.aggregate").map(String::as_str),
        Some("grid")
    );
    let notes: Vec<String> = serde_json::from_str(&md["cohorte.notes"]).unwrap();
    assert!(notes.iter().any(|n| n.contains("under 11 patients")));
    // Flags follow each masked-able column.
    let names: Vec<String> = a
        .batch
        .schema()
        .fields()
        .iter()
        .map(|f| f.name().clone())
        .collect();
    assert_eq!(
        names,
        [
            "row",
            "col",
            "persons",
            "persons_masked",
            "share",
            "share_masked"
        ]
    );
}
