//! Disclosure control attacked by an adversary that is complete for additive equalities: it
//! writes down every additive relation it knows between the published cells (margins, levels,
//! the sex rows of Table 1, the same persons counted by several aggregates), eliminates exactly
//! over the rationals (a masked cell is exposed iff the published system determines it) and
//! bounds the masked cells with their non-negativity. The adversary is written here, from the
//! meaning of the tables, independently of the library's own audit.

mod agg_support;

use std::collections::BTreeMap;
use std::sync::Arc;

use agg_support::*;
use arrow_array::{ArrayRef, Int64Array, RecordBatch, StringArray};
use arrow_schema::{DataType, Field, Schema};
use cohorte_core::aggregate::*;
use cohorte_core::dates::{from_ymd, Day};
use cohorte_core::disclosure::{audit, protect, protect_one, Hierarchy, ParentRule, Protection};
use cohorte_core::model::{sex, CohortRows};
use cohorte_core::referential::dept_index;
use cohorte_core::rng::Rng;
use cohorte_core::EventStore;

// ---------------------------------------------------------------------------------------------
// The adversary.

/// What is published: cells by name (None = masked) and the equations `total = Σ parts` the
/// adversary knows. A name in an equation that is not among the cells is unknown too.
#[derive(Default)]
struct Published {
    cells: BTreeMap<String, Option<i64>>,
    equations: Vec<(String, Vec<String>)>,
}

fn gcd(a: i128, b: i128) -> i128 {
    let (mut a, mut b) = (a.abs(), b.abs());
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

/// The masked cells the system determines, with their value, by exact Gauss–Jordan elimination
/// of a dense integer matrix (rows scaled by their gcd), then by bounds from x ≥ 0.
fn exposed(p: &Published) -> BTreeMap<String, (i128, i128)> {
    let known = |c: &String| p.cells.get(c).copied().flatten();
    let mut unknowns: Vec<String> = vec![];
    let mut col: BTreeMap<String, usize> = BTreeMap::new();
    let mut rows: Vec<(Vec<i128>, i128)> = vec![];
    let mut sparse: Vec<(BTreeMap<usize, i128>, i128)> = vec![];
    for (t, parts) in &p.equations {
        let mut terms: BTreeMap<usize, i128> = BTreeMap::new();
        let mut rhs = 0i128;
        for (c, a) in std::iter::once((t, 1i128)).chain(parts.iter().map(|x| (x, -1i128))) {
            match known(c) {
                Some(v) => rhs -= a * v as i128,
                None => {
                    let n = unknowns.len();
                    let j = *col.entry(c.clone()).or_insert(n);
                    if j == n {
                        unknowns.push(c.clone());
                    }
                    *terms.entry(j).or_default() += a;
                }
            }
        }
        terms.retain(|_, a| *a != 0);
        if !terms.is_empty() {
            sparse.push((terms, rhs));
        }
    }
    let n = unknowns.len();
    for (terms, rhs) in &sparse {
        let mut r = vec![0i128; n];
        for (j, a) in terms {
            r[*j] = *a;
        }
        rows.push((r, *rhs));
    }
    // Gauss–Jordan, column by column.
    let mut lead = 0;
    for c in 0..n {
        let Some(piv) = (lead..rows.len()).find(|&i| rows[i].0[c] != 0) else {
            continue;
        };
        rows.swap(lead, piv);
        let (pr, pb) = rows[lead].clone();
        for (i, row) in rows.iter_mut().enumerate() {
            if i == lead || row.0[c] == 0 {
                continue;
            }
            let a = row.0[c];
            let p = pr[c];
            let mut g = 0;
            for (x, y) in row.0.iter_mut().zip(&pr) {
                *x = *x * p - y * a;
                g = gcd(g, *x);
            }
            row.1 = row.1 * p - pb * a;
            g = gcd(g, row.1);
            if g > 1 {
                row.0.iter_mut().for_each(|x| *x /= g);
                row.1 /= g;
            }
        }
        lead += 1;
    }
    let mut out = BTreeMap::new();
    for (r, b) in &rows {
        let nz: Vec<usize> = (0..n).filter(|&j| r[j] != 0).collect();
        if let [j] = nz.as_slice() {
            out.insert(unknowns[*j].clone(), (*b, r[*j]));
        }
    }
    // Bounds: lo ≥ 0, hi unknown; each equation bounds each of its unknowns.
    let mut lo = vec![0i128; n];
    let mut hi: Vec<Option<i128>> = vec![None; n];
    for _ in 0..100 {
        let mut changed = false;
        for (terms, b) in &sparse {
            for (&i, &ai) in terms {
                // ai x_i = b - Σ_{j≠i} a_j x_j.
                let (mut smin, mut smax) = (Some(0i128), Some(0i128));
                for (&j, &aj) in terms {
                    if j == i {
                        continue;
                    }
                    let (l, h) = (Some(aj * lo[j]), hi[j].map(|h| aj * h));
                    let (mn, mx) = if aj > 0 { (l, h) } else { (h, l) };
                    smin = smin.zip(mn).map(|(x, y)| x + y);
                    smax = smax.zip(mx).map(|(x, y)| x + y);
                }
                let (vmin, vmax) = (smax.map(|m| b - m), smin.map(|m| b - m));
                // a_i x_i in [vmin, vmax]; floor and ceiling of a quotient by b > 0.
                let floor = |a: i128, b: i128| a.div_euclid(b);
                let ceil = |a: i128, b: i128| -(-a).div_euclid(b);
                let (xmin, xmax) = if ai > 0 {
                    (vmin.map(|v| ceil(v, ai)), vmax.map(|v| floor(v, ai)))
                } else {
                    (vmax.map(|v| ceil(-v, -ai)), vmin.map(|v| floor(-v, -ai)))
                };
                if let Some(x) = xmin {
                    if x > lo[i] {
                        lo[i] = x;
                        changed = true;
                    }
                }
                if let Some(x) = xmax {
                    if hi[i].is_none_or(|h| x < h) {
                        hi[i] = Some(x);
                        changed = true;
                    }
                }
            }
        }
        if !changed {
            break;
        }
    }
    for j in 0..n {
        if hi[j] == Some(lo[j]) {
            out.entry(unknowns[j].clone()).or_insert((lo[j], 1));
        }
    }
    // Only cells that are published as masked count (an equation may name a cell nobody
    // publishes, e.g. a zero row left out).
    out.retain(|c, _| p.cells.get(c).is_some_and(|v| v.is_none()));
    out
}

// ---------------------------------------------------------------------------------------------
// Reading published tables.

/// Cell name from a measure and strata (null strata left out, names sorted).
fn name(measure: &str, strata: &[(&str, Option<String>)]) -> String {
    let mut s: Vec<String> = strata
        .iter()
        .filter_map(|(d, v)| v.as_ref().map(|v| format!("{d}={v}")))
        .collect();
    s.sort();
    format!("{measure}|{}", s.join(","))
}

/// A published cell: its name, the strata of its row and its value (None = masked).
type ReadCell = (String, Vec<(String, Option<String>)>, Option<i64>);

/// Published cells of a stratified table's count column: name → value (None = masked), and
/// the strata of each row.
fn read(a: &Aggregate, measure: &str, col: &str) -> Vec<ReadCell> {
    let dims: Vec<Vec<Option<String>>> = a.dims.iter().map(|d| a.strings(d).unwrap()).collect();
    let v = a.ints(col).unwrap();
    let flags = a.masked(col).unwrap_or_else(|| vec![false; a.num_rows()]);
    (0..a.num_rows())
        .map(|r| {
            assert_eq!(v[r].is_none(), flags[r], "{}: null iff flagged", a.name);
            let strata: Vec<(String, Option<String>)> = a
                .dims
                .iter()
                .zip(&dims)
                .map(|(d, c)| (d.clone(), c[r].clone()))
                .collect();
            let refs: Vec<(&str, Option<String>)> = strata
                .iter()
                .map(|(d, v)| (d.as_str(), v.clone()))
                .collect();
            (name(measure, &refs), strata, v[r])
        })
        .collect()
}

/// Add a stratified table with margins: its cells and, for each row and each null stratum,
/// the equation `row = Σ rows that split it along that stratum` (rows absent count 0).
fn add_table(p: &mut Published, a: &Aggregate, measure: &str, col: &str) {
    let cells = read(a, measure, col);
    for (n, _, v) in &cells {
        add_cell(p, n, *v);
    }
    for (n, strata, _) in &cells {
        for (j, (d, v)) in strata.iter().enumerate() {
            if v.is_some() {
                continue;
            }
            let parts: Vec<String> = cells
                .iter()
                .filter(|(_, s, _)| {
                    s.iter().enumerate().all(|(i, (_, x))| {
                        if i == j {
                            x.is_some()
                        } else {
                            *x == strata[i].1
                        }
                    })
                })
                .map(|(m, _, _)| m.clone())
                .collect();
            let _ = d;
            if !parts.is_empty() {
                p.equations.push((n.clone(), parts));
            }
        }
    }
}

/// Record a published cell; the same cell published twice must agree.
fn add_cell(p: &mut Published, n: &str, v: Option<i64>) {
    match p.cells.get(n).copied() {
        Some(Some(old)) if v.is_some() => {
            assert_eq!(Some(old), v, "{n} published twice differently")
        }
        Some(None) => {}
        _ => {
            p.cells.insert(n.to_string(), v);
        }
    }
    if v.is_none() {
        p.cells.insert(n.to_string(), None);
    }
}

// ---------------------------------------------------------------------------------------------
// Hand-built 3-D tables: age × sex × département with region margins and totals.

const DEPTS: [(&str, &str); 5] = [
    ("69", "84"),
    ("38", "84"),
    ("01", "84"),
    ("75", "11"),
    ("92", "11"),
];
const AGES: [&str; 3] = ["0-19", "20-59", "60+"];
const SEXES: [&str; 2] = ["1", "2"];

/// A table with string strata `dims` and one count column `persons`, every margin included.
fn cube(name: &str, dims: [&str; 3], values: &BTreeMap<[String; 3], i64>) -> Aggregate {
    let mut sums: BTreeMap<[Option<String>; 3], i64> = BTreeMap::new();
    for (k, v) in values {
        for set in 0..8u32 {
            let key: [Option<String>; 3] =
                std::array::from_fn(|i| (set & (1 << i) != 0).then(|| k[i].clone()));
            *sums.entry(key).or_default() += v;
        }
    }
    let mut fields = vec![];
    let mut cols: Vec<ArrayRef> = vec![];
    for (i, d) in dims.iter().enumerate() {
        fields.push(Field::new(*d, DataType::Utf8, true));
        cols.push(Arc::new(StringArray::from(
            sums.keys().map(|k| k[i].clone()).collect::<Vec<_>>(),
        )));
    }
    fields.push(Field::new("persons", DataType::Int64, true));
    cols.push(Arc::new(Int64Array::from(
        sums.values().map(|v| Some(*v)).collect::<Vec<_>>(),
    )));
    Aggregate {
        name: name.into(),
        batch: RecordBatch::try_new(Arc::new(Schema::new(fields)), cols).unwrap(),
        dims: dims.iter().map(|d| d.to_string()).collect(),
        patient_counts: vec!["persons".into()],
        derived: vec![],
        complements: vec![],
        notes: vec![],
        protected_k: None,
    }
}

fn small_or_large(rng: &mut Rng) -> i64 {
    if rng.chance(0.5) {
        rng.below(12) as i64
    } else {
        10 + rng.below(70) as i64
    }
}

/// Random age × sex × département counts, and the same counts summed by region.
fn random_cubes(rng: &mut Rng) -> (BTreeMap<[String; 3], i64>, BTreeMap<[String; 3], i64>) {
    let mut by_dept = BTreeMap::new();
    let mut by_region = BTreeMap::new();
    for a in AGES {
        for s in SEXES {
            for (d, r) in DEPTS {
                let v = small_or_large(rng);
                by_dept.insert([a.to_string(), s.to_string(), d.to_string()], v);
                *by_region
                    .entry([a.to_string(), s.to_string(), r.to_string()])
                    .or_insert(0) += v;
            }
        }
    }
    (by_dept, by_region)
}

/// Each region the sum of its départements, at every age band and sex (margins included).
fn region_equations(p: &mut Published) {
    for r in ["84", "11"] {
        for a in AGES.iter().map(|a| Some(a.to_string())).chain([None]) {
            for s in SEXES.iter().map(|s| Some(s.to_string())).chain([None]) {
                let total = name(
                    "persons",
                    &[
                        ("age_band", a.clone()),
                        ("sex", s.clone()),
                        ("region", Some(r.into())),
                    ],
                );
                let parts = DEPTS
                    .iter()
                    .filter(|(_, rr)| *rr == r)
                    .map(|(d, _)| {
                        name(
                            "persons",
                            &[
                                ("age_band", a.clone()),
                                ("sex", s.clone()),
                                ("dept", Some(d.to_string())),
                            ],
                        )
                    })
                    .collect();
                p.equations.push((total, parts));
            }
        }
    }
}

#[test]
fn disclosure_random_cubes_with_regions_resist_the_complete_attacker() {
    let mut rng = Rng::new(4);
    for case in 0..40 {
        let k = [5u32, 10, 11][case % 3];
        let (by_dept, by_region) = random_cubes(&mut rng);
        let mut tables = [
            cube("by_dept", ["age_band", "sex", "dept"], &by_dept),
            cube("by_region", ["age_band", "sex", "region"], &by_region),
        ];
        let raw: Vec<Vec<Option<i64>>> =
            tables.iter().map(|t| t.ints("persons").unwrap()).collect();
        let opts = Protection {
            k,
            hierarchies: vec![Hierarchy::dept_in_region()],
        };
        let rep = protect(&mut tables, &opts).unwrap();
        assert!(rep.audit.passed());

        // The adversary's system: both tables' margins, and each region the sum of its
        // départements at every age and sex (margins included). A cell without geography is
        // the same cell in both tables.
        let mut p = Published::default();
        for t in &tables {
            add_table(&mut p, t, "persons", "persons");
        }
        region_equations(&mut p);
        let found = exposed(&p);
        assert!(found.is_empty(), "case {case} (k = {k}): rebuilt {found:?}");
        // Every small cell is masked and every published cell is the true one.
        for (t, raw) in tables.iter().zip(&raw) {
            let v = t.ints("persons").unwrap();
            for (r, x) in raw.iter().enumerate() {
                let x = x.unwrap();
                if (1..k as i64).contains(&x) {
                    assert_eq!(v[r], None, "case {case}: small cell {x} published");
                }
                assert!(v[r].is_none() || v[r] == Some(x));
            }
        }
    }
}

#[test]
fn disclosure_the_attacker_breaks_tables_protected_one_by_one() {
    // The same cubes protected separately: the region table gives département cells away
    // in some cases; the adversary must see it (it is not blind).
    let mut rng = Rng::new(5);
    let mut broken = 0;
    for _ in 0..30 {
        let (by_dept, by_region) = random_cubes(&mut rng);
        let mut t1 = cube("by_dept", ["age_band", "sex", "dept"], &by_dept);
        let mut t2 = cube("by_region", ["age_band", "sex", "region"], &by_region);
        protect_one(&mut t1, 10).unwrap();
        protect_one(&mut t2, 10).unwrap();
        let mut p = Published::default();
        add_table(&mut p, &t1, "persons", "persons");
        add_table(&mut p, &t2, "persons", "persons");
        region_equations(&mut p);
        if !exposed(&p).is_empty() {
            broken += 1;
        }
    }
    assert!(
        broken >= 10,
        "only {broken} of 30 separately protected pairs broken"
    );
}

#[test]
fn disclosure_attacker_by_hand() {
    // a + b = 10 (published), a + c = 12, b + c = 14: a = 4, b = 6, c = 8 although no equation
    // has a single unknown. And 0 = x + y gives x = y = 0 by bounds only.
    let mut p = Published::default();
    for (n, v) in [
        ("t1", Some(10)),
        ("t2", Some(12)),
        ("t3", Some(14)),
        ("a", None),
        ("b", None),
        ("c", None),
        ("z", Some(0)),
        ("x", None),
        ("y", None),
        ("u", None),
        ("w", None),
        ("t4", Some(30)),
    ] {
        p.cells.insert(n.into(), v);
    }
    p.equations = vec![
        ("t1".into(), vec!["a".into(), "b".into()]),
        ("t2".into(), vec!["a".into(), "c".into()]),
        ("t3".into(), vec!["b".into(), "c".into()]),
        ("z".into(), vec!["x".into(), "y".into()]),
        ("t4".into(), vec!["u".into(), "w".into()]),
    ];
    let e = exposed(&p);
    assert_eq!(e["a"], (4, 1));
    assert_eq!(e["b"].0 / e["b"].1, 6);
    assert_eq!(e["c"].0 / e["c"].1, 8);
    assert_eq!(e["x"], (0, 1));
    assert_eq!(e["y"], (0, 1));
    assert!(!e.contains_key("u") && !e.contains_key("w"));
}

// ---------------------------------------------------------------------------------------------
// Real aggregates on a synthetic cohort.

const DEPT_CODES: [&str; 5] = ["69", "38", "75", "92", "13"];

/// `n` patients with random sex (a few unknown), birth and département; a cohort of about half
/// of them, one entry each (so every margin is a partition of its cells).
fn world(seed: u64, n: usize, unknown_sex: usize) -> (EventStore, CohortRows) {
    let mut rng = Rng::new(seed);
    let mut pop = population();
    let mut entries = vec![];
    for i in 0..n {
        let sx = if i < unknown_sex {
            sex::UNKNOWN
        } else if rng.chance(0.5) {
            sex::MALE
        } else {
            sex::FEMALE
        };
        let birth = from_ymd(1930 + rng.below(80) as i32, 1 + rng.below(12) as u32, 1);
        let dept = dept_index(DEPT_CODES[rng.below(5) as usize]).unwrap();
        let p = patient(&mut pop, sx, birth, None, dept);
        if i < unknown_sex || rng.chance(0.5) {
            let start: Day = from_ymd(2019, 1, 1) + rng.below(700) as Day;
            entries.push((p, start, start + 365));
        }
    }
    (store(&pop), rows(entries))
}

fn sexes_of(a: &Aggregate, col: &str) -> Vec<(String, Option<i64>)> {
    let var = a.strings("variable").unwrap();
    let level = a.strings("level").unwrap();
    let v = a.ints(col).unwrap();
    (0..a.num_rows())
        .filter(|&r| var[r].as_deref() == Some("sex"))
        .map(|r| (level[r].clone().unwrap(), v[r]))
        .collect()
}

/// The adversary's system for Table 1 (one cohort, column `n_1`): the sex rows sum to the
/// persons row, which is the cohort size, as is `total_1` on every row.
fn add_baseline(p: &mut Published, b: &Aggregate) {
    let var = b.strings("variable").unwrap();
    let n = b.ints("n_1").unwrap();
    let total = b.ints("total_1").unwrap();
    let all = name("persons", &[]);
    for r in 0..b.num_rows() {
        add_cell(p, "t1|total", total[r]);
        match var[r].as_deref() {
            Some("persons") | Some("age") => add_cell(p, "t1|n", n[r]),
            _ => {}
        }
    }
    p.equations.push(("t1|total".into(), vec!["t1|n".into()]));
    p.equations.push((all, vec!["t1|n".into()]));
    let sexes: Vec<String> = sexes_of(b, "n_1")
        .into_iter()
        .map(|(s, v)| {
            let c = name("persons", &[("sex", Some(s))]);
            add_cell(p, &c, v);
            c
        })
        .collect();
    p.equations.push(("t1|n".into(), sexes));
}

#[test]
fn disclosure_table1_unknown_sex_cannot_be_rebuilt() {
    // 3 persons of unknown sex: masked, and so must be another sex row (or the cohort size),
    // else cohort − men − women gives them away.
    let (s, r) = world(7, 400, 3);
    let mut b = baseline(&s, &[("c", &r)], &BaselineOptions::default()).unwrap();
    let raw = sexes_of(&b, "n_1");
    assert_eq!(raw.iter().find(|(x, _)| x == "9").unwrap().1, Some(3));
    protect_one(&mut b, 10).unwrap();
    let published = sexes_of(&b, "n_1");
    assert_eq!(published.iter().find(|(x, _)| x == "9").unwrap().1, None);
    let masked = published.iter().filter(|(_, v)| v.is_none()).count()
        + usize::from(b.ints("total_1").unwrap()[0].is_none());
    assert!(masked >= 2, "{published:?}");
    let mut p = Published::default();
    add_baseline(&mut p, &b);
    assert!(exposed(&p).is_empty(), "{:?}", exposed(&p));
    // The share of unknown sex (a derived value) is masked with its count.
    let var = b.strings("variable").unwrap();
    let level = b.strings("level").unwrap();
    let row = (0..b.num_rows())
        .find(|&i| var[i].as_deref() == Some("sex") && level[i].as_deref() == Some("9"))
        .unwrap();
    assert_eq!(b.floats("value_1").unwrap()[row], None);
}

#[test]
fn disclosure_real_aggregates_published_together_resist_the_attacker() {
    for seed in 0..6u64 {
        let (s, r) = world(
            100 + seed,
            160 + 40 * seed as usize,
            (seed % 3) as usize * 2 + 1,
        );
        let by_age_sex_region = counts(
            &s,
            &r,
            &CountOptions {
                dims: vec![Dim::AgeBand(AgeBands::OpenMedic), Dim::Sex, Dim::Region],
                margins: true,
            },
        )
        .unwrap();
        let by_sex_dept = counts(
            &s,
            &r,
            &CountOptions {
                dims: vec![Dim::Sex, Dim::Dept],
                margins: true,
            },
        )
        .unwrap();
        let by_dept = counts(
            &s,
            &r,
            &CountOptions {
                dims: vec![Dim::Dept],
                margins: false,
            },
        )
        .unwrap();
        let total = counts(&s, &r, &CountOptions::default()).unwrap();
        let t1 = baseline(&s, &[("c", &r)], &BaselineOptions::default()).unwrap();
        // Incidence by sex: its persons are the cohort's persons (one entry each), its cases a
        // measure of their own, within the persons.
        let case = |_: &EventStore, p: usize, index: Day| (p % 7 < 2).then_some(index + 40);
        let inc = incidence(
            &s,
            &r,
            &IncidenceOptions {
                dims: vec![Dim::Sex],
                margins: true,
                ..IncidenceOptions::new(Outcome::Custom(&case))
            },
        )
        .unwrap();
        let mut tables = vec![by_age_sex_region, by_sex_dept, by_dept, total, t1, inc];
        let raw: Vec<Vec<Option<i64>>> = tables[..4]
            .iter()
            .map(|t| t.ints("persons").unwrap())
            .collect();
        let rep = protect(
            &mut tables,
            &Protection {
                k: 10,
                hierarchies: vec![Hierarchy::dept_in_region()],
            },
        )
        .unwrap();
        assert!(rep.audit.passed());
        let mut p = Published::default();
        for t in &tables[..4] {
            add_table(&mut p, t, "persons", "persons");
        }
        // A table of départements without margins still sums to the total.
        let depts: Vec<String> = read(&tables[2], "persons", "persons")
            .into_iter()
            .map(|c| c.0)
            .collect();
        p.equations.push((name("persons", &[]), depts));
        // Regions are sums of their départements, overall and by sex.
        let regions: BTreeMap<String, Vec<String>> = {
            let h = Hierarchy::dept_in_region();
            let mut m: BTreeMap<String, Vec<String>> = BTreeMap::new();
            for d in DEPT_CODES {
                m.entry(h.parent_of(d).unwrap())
                    .or_default()
                    .push(d.to_string());
            }
            m
        };
        for (reg, ds) in &regions {
            for sx in [None, Some("1"), Some("2"), Some("9")] {
                let sx = sx.map(String::from);
                let total = name(
                    "persons",
                    &[("sex", sx.clone()), ("region", Some(reg.clone()))],
                );
                let parts: Vec<String> = ds
                    .iter()
                    .map(|d| name("persons", &[("sex", sx.clone()), ("dept", Some(d.clone()))]))
                    .filter(|c| p.cells.contains_key(c))
                    .collect();
                if p.cells.contains_key(&total) {
                    p.equations.push((total, parts));
                }
            }
        }
        add_baseline(&mut p, &tables[4]);
        add_table(&mut p, &tables[5], "persons", "persons");
        add_table(&mut p, &tables[5], "cases", "cases");
        // persons = cases + the persons without the outcome (never published, a cell all the
        // same: exposed when small).
        for ((pn, _, _), (cn, _, _)) in read(&tables[5], "persons", "persons")
            .into_iter()
            .zip(read(&tables[5], "cases", "cases"))
        {
            let without = format!("without {cn}");
            p.cells.insert(without.clone(), None);
            p.equations.push((pn, vec![cn, without]));
        }
        let found: BTreeMap<String, (i128, i128)> = exposed(&p)
            .into_iter()
            .filter(|(c, (v, d))| !c.starts_with("without ") || (1..10).contains(&(v / d)))
            .collect();
        assert!(found.is_empty(), "seed {seed}: rebuilt {found:?}");
        for (t, raw) in tables.iter().zip(&raw) {
            let v = t.ints("persons").unwrap();
            for (i, x) in raw.iter().enumerate() {
                let x = x.unwrap();
                assert!(v[i].is_none() || v[i] == Some(x));
                assert!(
                    !(1..10).contains(&x) || v[i].is_none(),
                    "small {x} published"
                );
            }
        }
    }
}

#[test]
fn disclosure_total_beside_stratified_table_is_linked() {
    // Persons by sex (no margins) and the total in a table of its own: masking one sex alone
    // would let total − the other sexes rebuild it.
    let (s, r) = world(11, 300, 4);
    let by_sex = counts(
        &s,
        &r,
        &CountOptions {
            dims: vec![Dim::Sex],
            margins: false,
        },
    )
    .unwrap();
    let total = counts(&s, &r, &CountOptions::default()).unwrap();
    let mut tables = [by_sex, total];
    protect(&mut tables, &Protection::k(10)).unwrap();
    let sexes = tables[0].ints("persons").unwrap();
    let masked = sexes.iter().filter(|v| v.is_none()).count()
        + usize::from(tables[1].ints("persons").unwrap()[0].is_none());
    assert!(masked >= 2, "{sexes:?}");
    let mut p = Published::default();
    add_table(&mut p, &tables[0], "persons", "persons");
    add_table(&mut p, &tables[1], "persons", "persons");
    let cells: Vec<String> = read(&tables[0], "persons", "persons")
        .into_iter()
        .map(|c| c.0)
        .collect();
    p.equations.push((name("persons", &[]), cells));
    assert!(exposed(&p).is_empty());
}

#[test]
fn disclosure_two_cohorts_protected_together_keep_their_own_cells() {
    // Two cohorts counted by sex: the same strata, different persons. Protected together, each
    // table must come out exactly as protected alone (no cell of one is taken for the other's).
    let (s, r) = world(21, 300, 0);
    let half = rows(
        (0..r.len())
            .filter(|i| i % 2 == 0)
            .map(|i| (r.person[i], r.start[i], r.end[i]))
            .collect(),
    );
    let opts = CountOptions {
        dims: vec![Dim::Sex, Dim::AgeBand(AgeBands::OpenMedic)],
        margins: true,
    };
    let a = counts(&s, &r, &opts).unwrap();
    let b = counts(&s, &half, &opts).unwrap();
    let raw = [a.ints("persons").unwrap(), b.ints("persons").unwrap()];
    assert_ne!(raw[0], raw[1]);
    let mut alone = [a.clone(), b.clone()];
    for t in alone.iter_mut() {
        protect_one(t, 10).unwrap();
    }
    let mut together = [a, b];
    protect(&mut together, &Protection::k(10)).unwrap();
    for i in 0..2 {
        assert_eq!(
            together[i].ints("persons").unwrap(),
            alone[i].ints("persons").unwrap()
        );
        assert_eq!(together[i].masked("persons"), alone[i].masked("persons"));
        // Published values are the table's own.
        for (x, y) in together[i].ints("persons").unwrap().iter().zip(&raw[i]) {
            assert!(x.is_none() || x == y);
        }
    }
}

#[test]
fn disclosure_incidence_masks_the_persons_without_the_outcome() {
    // 50 persons followed, 45 cases: the 5 without the outcome are a small group.
    let (s, _) = world(31, 60, 0);
    let r = rows(
        (0..50)
            .map(|p| (p, from_ymd(2019, 1, 1), from_ymd(2020, 12, 31)))
            .collect(),
    );
    let case = |_: &EventStore, p: usize, index: Day| (p < 45).then_some(index + 30);
    let mut inc = incidence(&s, &r, &IncidenceOptions::new(Outcome::Custom(&case))).unwrap();
    assert_eq!(inc.ints("persons").unwrap(), [Some(50)]);
    assert_eq!(inc.ints("cases").unwrap(), [Some(45)]);
    protect_one(&mut inc, 10).unwrap();
    assert_eq!(inc.ints("persons").unwrap(), [Some(50)]);
    assert_eq!(inc.ints("cases").unwrap(), [None]);
    assert_eq!(inc.floats("rate").unwrap(), [None]);
    // 40 cases leave 10 without: published.
    let case = |_: &EventStore, p: usize, index: Day| (p < 40).then_some(index + 30);
    let mut inc = incidence(&s, &r, &IncidenceOptions::new(Outcome::Custom(&case))).unwrap();
    protect_one(&mut inc, 10).unwrap();
    assert_eq!(inc.ints("cases").unwrap(), [Some(40)]);
}

#[test]
fn disclosure_threshold_below_two_is_refused() {
    assert_eq!(Protection::default().k, 10);
    let (s, r) = world(41, 50, 0);
    for k in [0, 1] {
        let mut c = counts(&s, &r, &CountOptions::default()).unwrap();
        let e = protect_one(&mut c, k).unwrap_err().to_string();
        assert!(e.contains("k must be at least 2"), "{e}");
        assert_eq!(c.protected_k, None);
    }
    let mut c = counts(&s, &r, &CountOptions::default()).unwrap();
    assert!(protect_one(&mut c, 2).is_ok());
}

#[test]
fn disclosure_fails_closed_when_nothing_protects() {
    // A hierarchy mapping B into A within one column makes "A = A + B" a relation: B = 0 is then
    // known whatever is masked. The small B (3) can never be protected: protect() must fail and
    // leave the table unprotected, never return it with a rebuildable cell.
    let strata = Arc::new(StringArray::from(vec![Some("A"), Some("B"), None]));
    let persons = Arc::new(Int64Array::from(vec![Some(40), Some(3), Some(43)]));
    let batch = RecordBatch::try_new(
        Arc::new(Schema::new(vec![
            Field::new("g", DataType::Utf8, true),
            Field::new("persons", DataType::Int64, true),
        ])),
        vec![strata as ArrayRef, persons as ArrayRef],
    )
    .unwrap();
    let agg = Aggregate {
        name: "odd".into(),
        batch,
        dims: vec!["g".into()],
        patient_counts: vec!["persons".into()],
        derived: vec![],
        complements: vec![],
        notes: vec![],
        protected_k: None,
    };
    let opts = Protection {
        k: 10,
        hierarchies: vec![Hierarchy {
            child: "g".into(),
            parent: "g".into(),
            rule: ParentRule::Map(vec![("A".into(), "A".into()), ("B".into(), "A".into())]),
        }],
    };
    let mut set = [agg.clone()];
    let e = protect(&mut set, &opts).unwrap_err().to_string();
    assert!(e.contains("cannot be protected"), "{e}");
    assert_eq!(set[0].protected_k, None);
    assert_eq!(
        set[0].ints("persons").unwrap(),
        [Some(40), Some(3), Some(43)]
    );
    // Without the odd hierarchy the same table protects fine and passes its audit.
    let mut set = [agg];
    let rep = protect(&mut set, &Protection::k(10)).unwrap();
    assert!(rep.audit.passed());
    assert!(audit(&set, &[]).unwrap().passed());
}

#[test]
fn disclosure_age_bandings_published_together_are_linked() {
    // The same cohort by 10-year and by 5-year age band (and sex): a 10-year band is the sum of
    // its two 5-year bands, so a small 5-year band masked alone within its 10-year band would
    // be the difference.
    for seed in 0..4u64 {
        let (s, r) = world(200 + seed, 250, 2);
        let by = |bands: AgeBands| {
            counts(
                &s,
                &r,
                &CountOptions {
                    dims: vec![Dim::AgeBand(bands), Dim::Sex],
                    margins: true,
                },
            )
            .unwrap()
        };
        let mut tables = [by(AgeBands::Ten), by(AgeBands::Five)];
        let mut alone = tables.clone();
        protect(&mut tables, &Protection::k(10)).unwrap();
        for t in alone.iter_mut() {
            protect_one(t, 10).unwrap();
        }
        assert!(
            band_attack(&alone).is_some(),
            "seed {seed}: protected apart, the bands leak"
        );
        if let Some(found) = band_attack(&tables) {
            panic!("seed {seed}: rebuilt {found:?}");
        }
    }
}

/// The complete adversary on a 10-year and a 5-year table (with sex and margins): what it
/// rebuilds, if anything.
fn band_attack(tables: &[Aggregate]) -> Option<BTreeMap<String, (i128, i128)>> {
    {
        let mut p = Published::default();
        for t in tables {
            add_table(&mut p, t, "persons", "persons");
        }
        let ten = read(&tables[0], "persons", "persons");
        let five = read(&tables[1], "persons", "persons");
        for (n, strata, _) in &ten {
            let (Some(band), sx) = (strata[0].1.clone(), strata[1].1.clone()) else {
                continue;
            };
            // "20-29" holds "20-24" and "25-29"; "90+" holds "90-94" and "95+".
            let lo: u32 = band[..2].parse().unwrap();
            let tiles = if band.ends_with('+') {
                vec![format!("{lo:02}-{:02}", lo + 4), format!("{:02}+", lo + 5)]
            } else {
                vec![
                    format!("{lo:02}-{:02}", lo + 4),
                    format!("{:02}-{:02}", lo + 5, lo + 9),
                ]
            };
            let parts: Vec<String> = tiles
                .iter()
                .map(|b| {
                    name(
                        "persons",
                        &[("age_band", Some(b.clone())), ("sex", sx.clone())],
                    )
                })
                .filter(|c| five.iter().any(|(m, _, _)| m == c))
                .collect();
            p.equations.push((n.clone(), parts));
        }
        let found = exposed(&p);
        (!found.is_empty()).then_some(found)
    }
}
