//! Disclosure control (docs/decisions.md §6, docs/snds-facts.md §7): the one layer every aggregate passes through
//! before it is displayed or exported.
//!
//! [`protect`] applies, to a set of tables published together:
//! 0. **shapes**: a Kaplan–Meier curve is gathered into steps of 0 or at least k events,
//!    censorings and persons left at risk, and its numbers at risk and median read again from
//!    it; rare treatment pathways are cut back until every group has 0 or at least k persons —
//!    whatever options built the tables;
//! 1. **primary suppression**: a count of distinct patients from 1 to k − 1 is masked (0 is
//!    publishable); a count is also masked when its complement within a total (`total − count`,
//!    the patients *without* a characteristic: without a class in Table 1, without the outcome
//!    in an incidence table, not in the cohort in a prevalence table) is from 1 to k − 1;
//! 2. **complementary suppression**: any relation (a margin and the cells it sums, within a table,
//!    across tables or across the levels of a [`Hierarchy`]; the sex rows of Table 1 and its
//!    cohort size; the steps of a Kaplan–Meier curve) holding exactly one masked cell gets a
//!    second, the smallest remaining (non-zero when possible), repeated until stable; then the
//!    exact [`audit`] runs and, while some masked cell can still be rebuilt (by a combination of
//!    several relations, or because counts are non-negative), one more cell of a relation holding
//!    it is masked, escalating to every cell of its relations, then of its tables, then of the
//!    set;
//! 3. **derived values** (rates, shares, means, bounds, survival, SMDs) are masked whenever a count
//!    they are computed from is.
//!
//! It **fails closed**: the tables are rewritten only when the audit of the result passes; if no
//! masking can protect them, or k is below 2, an error is returned and nothing is published.
//!
//! Masked cells are set to null and flagged in a boolean `<column>_masked` column that follows
//! the column; a note on the aggregate says how many cells were masked and why. Nothing is zeroed
//! or dropped.
//!
//! **Which tables are linked.** A cell belongs to the population its table counts
//! ([`crate::aggregate::METADATA_POPULATION`]: the cohort and the measure); tables of different
//! cohorts, or of different measures of one cohort (persons and cases, counts and prevalence),
//! never share a cell, so protecting them together changes nothing. The persons of one cohort
//! are one measure wherever they are published ([`crate::aggregate::METADATA_PERSONS`]: counts,
//! incidence, Table 1, pathways). Tables built by hand without this metadata are all taken to
//! count the same population.
//!
//! **When a margin is a sum.** The relations are equalities: a margin is the sum of its cells.
//! For distinct patients that holds when the cells partition the patients: strata that do not
//! change for a patient (sex, région, département), or strata taken once per patient (at the
//! first entry: incidence, Table 1, pathways, Kaplan–Meier; at the prevalence date), or a cohort
//! with one entry per person. It does not hold for counts by age band or calendar period of a
//! cohort whose persons enter several times (a person counted in each cell she entered in) nor
//! for dispensings by age at dispensing: there a margin is at most the sum of its cells and at
//! least each of them. Treating those relations as equalities still never under-protects: every
//! set of values satisfying the equalities satisfies the true inequalities (all counts being
//! non-negative), so the values an attacker cannot tell apart under the equalities he cannot
//! tell apart under the true relations either, and a cell the audit finds undetermined is
//! undetermined. What is lost is exactness the other way: the audit may mask more than needed,
//! and the value it reports for a rebuildable cell is the equalities' value, not necessarily
//! the true one.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::types::{Float64Type, Int32Type, Int64Type};
use arrow_array::{
    Array, ArrayRef, BooleanArray, Float64Array, Int32Array, Int64Array, RecordBatch,
};
use arrow_array::{StringArray, UInt32Array, UInt64Array};
use arrow_schema::{DataType, Field, Schema};

use crate::aggregate::Aggregate;
use crate::error::{Error, Result};

pub mod attrition;
mod shapes;
mod solve;
mod space;

/// Default threshold: counts under 10 patients are masked (Open Data practice; CASD uses 11).
pub const DEFAULT_K: u32 = 10;

/// How the parent of a finer level is found.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ParentRule {
    /// The parent is the first `n` characters (ATC levels: 1, 3, 4, 5).
    Prefix(usize),
    /// Explicit `(child, parent)` pairs (département → region).
    Map(Vec<(String, String)>),
}

/// Two levels of one classification published in different tables (or columns): each `parent`
/// value is the sum of the `child` values under it, the other strata being equal.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Hierarchy {
    /// Stratum column of the finer level (e.g. `atc3`).
    pub child: String,
    /// Stratum column of the coarser level (e.g. `atc2`).
    pub parent: String,
    /// How a child value maps to its parent.
    pub rule: ParentRule,
}

impl Hierarchy {
    /// ATC levels published in two stratum columns: `child` at level `child_level` within
    /// `parent` at level `parent_level` (levels 1–5: `C`, `C09`, `C09A`, `C09AA`, `C09AA05`).
    pub fn atc(child: &str, child_level: u8, parent: &str, parent_level: u8) -> Result<Self> {
        let len = crate::aggregate::baseline::atc_len(parent_level);
        match (len, crate::aggregate::baseline::atc_len(child_level)) {
            (Some(n), Some(_)) if child_level > parent_level => Ok(Hierarchy {
                child: child.into(),
                parent: parent.into(),
                rule: ParentRule::Prefix(n),
            }),
            _ => Err(Error::invalid(format!(
                "ATC hierarchy: expected levels 1 to 5 with the child finer than the parent, \
                 found {child_level} within {parent_level}"
            ))),
        }
    }

    /// Départements (stratum `dept`) within their 2016 regions (stratum `region`), as coded by
    /// [`crate::aggregate::Dim`]; the unknown département `99` falls in the unknown region `99`.
    pub fn dept_in_region() -> Self {
        let mut pairs: Vec<(String, String)> = crate::referential::departements()
            .iter()
            .map(|d| (d.code.to_string(), format!("{:02}", d.region)))
            .collect();
        pairs.push(("99".into(), "99".into()));
        Hierarchy {
            child: "dept".into(),
            parent: "region".into(),
            rule: ParentRule::Map(pairs),
        }
    }

    /// Parent value of a child value.
    pub fn parent_of(&self, child: &str) -> Option<String> {
        match &self.rule {
            ParentRule::Prefix(n) => child.get(..*n).map(str::to_string),
            ParentRule::Map(pairs) => pairs
                .iter()
                .find(|(c, _)| c == child)
                .map(|(_, p)| p.clone()),
        }
    }
}

/// Options of [`protect`].
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Protection {
    /// Threshold: counts from 1 to k − 1 patients are masked.
    pub k: u32,
    /// Levels published together.
    #[serde(default)]
    pub hierarchies: Vec<Hierarchy>,
}

impl Default for Protection {
    fn default() -> Self {
        Protection {
            k: DEFAULT_K,
            hierarchies: vec![],
        }
    }
}

impl Protection {
    /// Threshold `k`, no hierarchies.
    pub fn k(k: u32) -> Self {
        Protection {
            k,
            hierarchies: vec![],
        }
    }
}

/// A masked cell that the published tables let an attacker rebuild.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Exposure {
    /// Aggregate name.
    pub table: String,
    /// Index of the aggregate in the set.
    pub table_index: usize,
    /// 0-based row.
    pub row: usize,
    /// Count column.
    pub column: String,
    /// The value the attacker obtains.
    pub value: i64,
    /// `linear` (a combination of relations) or `bounds` (relations and non-negativity).
    pub method: String,
}

/// Result of an [`audit`].
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct AuditReport {
    /// Distinct count cells in additive relations.
    pub cells: usize,
    /// Masked ones.
    pub masked: usize,
    /// Additive relations checked.
    pub relations: usize,
    /// Masked cells that can be rebuilt (empty when the audit passes).
    pub exposed: Vec<Exposure>,
}

impl AuditReport {
    /// Whether no masked cell can be rebuilt.
    pub fn passed(&self) -> bool {
        self.exposed.is_empty()
    }
}

/// What [`protect`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Report {
    /// Threshold used.
    pub k: u32,
    /// Count cells masked because they are small (or their complement is).
    pub primary: usize,
    /// Count cells masked to protect others.
    pub complementary: usize,
    /// Derived cells masked with their counts.
    pub derived: usize,
    /// The audit of the published result.
    pub audit: AuditReport,
}

/// Mask flags per table and column.
type Masks = Vec<BTreeMap<String, Vec<bool>>>;

fn check(aggs: &[Aggregate]) -> Result<()> {
    for a in aggs {
        if a.protected_k.is_some() {
            return Err(Error::Aggregate(format!(
                "aggregate {}: already protected",
                a.name
            )));
        }
        for c in &a.patient_counts {
            space::int_column(a, c)?;
        }
        for d in &a.derived {
            a.column(&d.column)?;
            for f in &d.from {
                if !a.patient_counts.contains(f) {
                    return Err(Error::Aggregate(format!(
                        "aggregate {}: {} is derived from {f}, which is not a patient count",
                        a.name, d.column
                    )));
                }
            }
        }
        space::dim_strings(a)?;
    }
    Ok(())
}

/// The smallest unmasked cell among `cells` (non-zero first, then by value, then by id).
fn smallest(masked: &[bool], cells: &[usize], raw: &[i64]) -> Option<usize> {
    cells
        .iter()
        .copied()
        .filter(|c| !masked[*c])
        .min_by_key(|c| (raw[*c] == 0, raw[*c], *c))
}

/// Mask every cell of `cells` not masked yet; whether one was.
fn mask_all(masked: &mut [bool], cells: impl IntoIterator<Item = usize>) -> bool {
    let mut added = false;
    for c in cells {
        if !masked[c] {
            masked[c] = true;
            added = true;
        }
    }
    added
}

/// Protect a set of aggregates published together (the same cohort at several levels or with
/// several strata), in place. See the module documentation for the rules.
///
/// Fails closed: the tables are changed only when the audit of the result passes; when no
/// masking pattern can protect them, an error is returned and the tables are left as they were.
pub fn protect(aggs: &mut [Aggregate], opts: &Protection) -> Result<Report> {
    if opts.k < 2 {
        return Err(Error::invalid(format!(
            "k must be at least 2 (a threshold of {} masks nothing)",
            opts.k
        )));
    }
    check(aggs)?;
    let mut work: Vec<Aggregate> = aggs.to_vec();
    shapes::enforce(&mut work, opts.k)?;
    let k = opts.k as i64;
    let small = |v: i64| v >= 1 && v < k;
    let mut report = Report {
        k: opts.k,
        ..Default::default()
    };

    // 1. Primary suppression, per table.
    let mut masks: Masks = vec![];
    for a in work.iter() {
        let mut m = BTreeMap::new();
        for c in &a.patient_counts {
            let v = space::int_column(a, c)?;
            m.insert(
                c.clone(),
                v.iter().map(|x| x.is_some_and(small)).collect::<Vec<_>>(),
            );
        }
        for (c, t) in &a.complements {
            let (cv, tv) = (space::int_column(a, c)?, space::int_column(a, t)?);
            let flags = m.entry(c.clone()).or_default();
            for r in 0..cv.len() {
                if let (Some(x), Some(y)) = (cv[r], tv[r]) {
                    if small(y - x) {
                        flags[r] = true;
                    }
                }
            }
        }
        masks.push(m);
    }
    report.primary = masks
        .iter()
        .flat_map(|m| m.values())
        .map(|v| v.iter().filter(|x| **x).count())
        .sum();

    // 2. Complementary suppression over the additive relations.
    let sp = space::build(&work, &opts.hierarchies, &|_, _, _| true)?;
    let raw: Vec<i64> = sp.value.iter().map(|v| v.unwrap_or(0)).collect();
    let mut masked: Vec<bool> = sp
        .refs
        .iter()
        .map(|refs| refs.iter().any(|r| masks[r.table][&r.column][r.row]))
        .collect();
    let mut rel_of: Vec<Vec<usize>> = vec![vec![]; raw.len()];
    for (i, (t, parts)) in sp.relations.iter().enumerate() {
        rel_of[*t].push(i);
        for p in parts {
            rel_of[*p].push(i);
        }
    }
    let members = |i: usize| -> Vec<usize> {
        let (t, parts) = &sp.relations[i];
        let mut v = parts.clone();
        v.push(*t);
        v
    };
    // How far masking reaches around a rebuilt cell: 0 the smallest neighbour, 1 every cell of
    // its relations, 2 every cell of its tables, 3 every cell.
    let mut reach = 0;
    let mut protected = false;
    for _round in 0..100_000 {
        // Single-masked rule until stable.
        loop {
            let mut changed = false;
            for i in 0..sp.relations.len() {
                let m = members(i);
                if m.iter().filter(|c| masked[**c]).count() == 1 {
                    if let Some(c) = smallest(&masked, &m, &raw) {
                        masked[c] = true;
                        changed = true;
                    }
                }
            }
            if !changed {
                break;
            }
        }
        // Exact check of what the masked pattern still reveals.
        let view = space::Space {
            refs: vec![],
            value: raw
                .iter()
                .zip(&masked)
                .map(|(v, m)| (!m).then_some(*v))
                .collect(),
            relations: sp.relations.clone(),
        };
        let found = solve::rebuildable(&view)?;
        if found.is_empty() {
            protected = true;
            break;
        }
        let mut added = false;
        for f in &found {
            added |= match reach {
                0 => {
                    let near: Vec<usize> =
                        rel_of[f.cell].iter().flat_map(|&i| members(i)).collect();
                    let pick = smallest(&masked, &near, &raw).or_else(|| {
                        // Every neighbour is masked: widen to the relations of the neighbours.
                        let wider: Vec<usize> = near
                            .iter()
                            .flat_map(|&c| rel_of[c].iter().flat_map(|&i| members(i)))
                            .collect();
                        smallest(&masked, &wider, &raw)
                    });
                    pick.is_some_and(|c| mask_all(&mut masked, [c]))
                }
                1 => {
                    let near: Vec<usize> =
                        rel_of[f.cell].iter().flat_map(|&i| members(i)).collect();
                    mask_all(&mut masked, near)
                }
                2 => {
                    let tables: BTreeSet<usize> = sp.refs[f.cell].iter().map(|r| r.table).collect();
                    let cells: Vec<usize> = (0..raw.len())
                        .filter(|&c| sp.refs[c].iter().any(|r| tables.contains(&r.table)))
                        .collect();
                    mask_all(&mut masked, cells)
                }
                _ => mask_all(&mut masked, 0..raw.len()),
            };
        }
        if !added {
            reach += 1;
            if reach > 3 {
                break;
            }
        }
    }
    if !protected {
        return Err(Error::Aggregate(format!(
            "disclosure: the tables cannot be protected at k = {k}: masked cells stay rebuildable \
             from the relations between them even with every count masked; publish fewer tables \
             together"
        )));
    }
    for (id, refs) in sp.refs.iter().enumerate() {
        if masked[id] {
            for r in refs {
                if let Some(flags) = masks[r.table].get_mut(&r.column) {
                    flags[r.row] = true;
                }
            }
        }
    }
    let total_counts: usize = masks
        .iter()
        .flat_map(|m| m.values())
        .map(|v| v.iter().filter(|x| **x).count())
        .sum();
    report.complementary = total_counts - report.primary;

    // 3. Derived values, then rewrite the batches.
    for (t, a) in work.iter_mut().enumerate() {
        let mut m = std::mem::take(&mut masks[t]);
        let n = a.num_rows();
        let mut dmasked = 0;
        for d in &a.derived {
            let flags: Vec<bool> = (0..n)
                .map(|r| d.from.iter().any(|f| m.get(f).is_some_and(|v| v[r])))
                .collect();
            dmasked += flags.iter().filter(|x| **x).count();
            m.insert(d.column.clone(), flags);
        }
        report.derived += dmasked;
        let counts: usize = a
            .patient_counts
            .iter()
            .map(|c| m[c].iter().filter(|x| **x).count())
            .sum();
        a.batch = apply(&a.batch, &m)?;
        a.notes.push(format!(
            "disclosure: counts under {k} patients masked (0 published); {counts} count cells and \
             {dmasked} derived cells masked (null, flagged in <column>_masked), including \
             complementary cells protecting margins and levels"
        ));
        a.protected_k = Some(opts.k);
        a.batch = with_metadata(&a.batch, a)?;
    }
    report.audit = audit(&work, &opts.hierarchies)?;
    if !report.audit.passed() {
        return Err(Error::Aggregate(format!(
            "disclosure: the audit of the protected tables found {} rebuildable masked cells; \
             nothing is published",
            report.audit.exposed.len()
        )));
    }
    aggs.clone_from_slice(&work);
    Ok(report)
}

/// Protect a single aggregate with threshold `k` (no hierarchies).
pub fn protect_one(agg: &mut Aggregate, k: u32) -> Result<Report> {
    protect(std::slice::from_mut(agg), &Protection::k(k))
}

/// Keys of the schema metadata a protected batch carries, so that an exported Arrow table
/// (IPC, Parquet) keeps its provenance: aggregate name, threshold and notes (a JSON array).
pub const METADATA_NAME: &str = "cohorte.aggregate";
/// See [`METADATA_NAME`].
pub const METADATA_K: &str = "cohorte.k";
/// See [`METADATA_NAME`].
pub const METADATA_NOTES: &str = "cohorte.notes";

fn with_metadata(batch: &RecordBatch, agg: &Aggregate) -> Result<RecordBatch> {
    let mut md = batch.schema().metadata().clone();
    md.insert(METADATA_NAME.to_string(), agg.name.clone());
    md.insert(
        METADATA_K.to_string(),
        agg.protected_k.map_or(String::new(), |k| k.to_string()),
    );
    md.insert(
        METADATA_NOTES.to_string(),
        serde_json::to_string(&agg.notes).map_err(|e| Error::Aggregate(e.to_string()))?,
    );
    let schema = Arc::new(batch.schema().as_ref().clone().with_metadata(md));
    Ok(batch.clone().with_schema(schema)?)
}

/// A column built from the rows `rows` of `col` (`None`: a null). Used to null masked cells and
/// to gather curve steps: the column is rebuilt, so a masked value is not left in the Arrow
/// buffer behind a null (a reader of the raw buffers would see it). Written for the column types
/// aggregates hold rather than with arrow's generic `zip` and `take`, whose kernels for every
/// Arrow type weigh about 90 KiB gzipped in the wasm module (measured by `make wasm-pkg`).
pub(crate) fn select_rows(col: &ArrayRef, rows: &[Option<usize>], what: &str) -> Result<ArrayRef> {
    fn each<T>(a: &dyn Array, rows: &[Option<usize>], v: impl Fn(usize) -> T) -> Vec<Option<T>> {
        rows.iter()
            .map(|r| r.filter(|&i| a.is_valid(i)).map(&v))
            .collect()
    }
    let a = col.as_ref();
    if let Some(i) = rows.iter().flatten().find(|&&i| i >= a.len()) {
        return Err(Error::Aggregate(format!(
            "{what}: row {i} of a column of {} rows",
            a.len()
        )));
    }
    Ok(if let Some(c) = a.as_primitive_opt::<Int64Type>() {
        Arc::new(Int64Array::from(each(a, rows, |i| c.value(i))))
    } else if let Some(c) = a.as_primitive_opt::<Float64Type>() {
        Arc::new(Float64Array::from(each(a, rows, |i| c.value(i))))
    } else if let Some(c) = a.as_primitive_opt::<Int32Type>() {
        Arc::new(Int32Array::from(each(a, rows, |i| c.value(i))))
    } else if let Some(c) = a.as_primitive_opt::<arrow_array::types::UInt32Type>() {
        Arc::new(UInt32Array::from(each(a, rows, |i| c.value(i))))
    } else if let Some(c) = a.as_primitive_opt::<arrow_array::types::UInt64Type>() {
        Arc::new(UInt64Array::from(each(a, rows, |i| c.value(i))))
    } else if let Some(c) = a.as_boolean_opt() {
        Arc::new(BooleanArray::from(each(a, rows, |i| c.value(i))))
    } else if let Some(c) = a.as_string_opt::<i32>() {
        Arc::new(StringArray::from(each(a, rows, |i| c.value(i))))
    } else {
        return Err(Error::Aggregate(format!(
            "{what}: a column of type {} cannot be masked or gathered",
            a.data_type()
        )));
    })
}

/// Null the masked cells and add the `<column>_masked` flags after each masked-able column.
fn apply(batch: &RecordBatch, masks: &BTreeMap<String, Vec<bool>>) -> Result<RecordBatch> {
    let schema = batch.schema();
    let mut fields = vec![];
    let mut cols: Vec<ArrayRef> = vec![];
    for (i, f) in schema.fields().iter().enumerate() {
        let col = batch.column(i);
        match masks.get(f.name()) {
            Some(flags) => {
                if flags.len() != col.len() {
                    return Err(Error::Aggregate(format!(
                        "column {}: {} mask flags for {} rows",
                        f.name(),
                        flags.len(),
                        col.len()
                    )));
                }
                let kept: Vec<Option<usize>> =
                    (0..col.len()).map(|i| (!flags[i]).then_some(i)).collect();
                let masked = select_rows(col, &kept, &format!("column {}", f.name()))?;
                fields.push(Field::new(f.name(), f.data_type().clone(), true));
                cols.push(masked);
                fields.push(Field::new(
                    format!("{}_masked", f.name()),
                    DataType::Boolean,
                    false,
                ));
                cols.push(Arc::new(BooleanArray::from(flags.clone())));
            }
            None => {
                fields.push(f.as_ref().clone());
                cols.push(col.clone());
            }
        }
    }
    Ok(RecordBatch::try_new(
        Arc::new(Schema::new_with_metadata(fields, schema.metadata().clone())),
        cols,
    )?)
}

/// Check that no masked cell of a set of published aggregates can be rebuilt exactly from the
/// published cells and their additive relations (margins within tables, equal cells across
/// tables, the levels of `hierarchies`): by exact linear algebra over the rationals and by bounds
/// propagation with non-negative counts. A cell is treated as masked when it is null or flagged.
pub fn audit(aggs: &[Aggregate], hierarchies: &[Hierarchy]) -> Result<AuditReport> {
    let mut hidden: Vec<BTreeMap<String, Vec<bool>>> = vec![];
    for a in aggs {
        let mut m = BTreeMap::new();
        for c in &a.patient_counts {
            let v = space::int_column(a, c)?;
            let flags = a.masked(c).unwrap_or_else(|| vec![false; v.len()]);
            m.insert(
                c.clone(),
                v.iter()
                    .zip(flags)
                    .map(|(x, f)| x.is_none() || f)
                    .collect::<Vec<_>>(),
            );
        }
        hidden.push(m);
    }
    let known = |t: usize, c: &str, r: usize| !hidden[t][c][r];
    let sp = space::build(aggs, hierarchies, &known)?;
    let found = solve::rebuildable(&sp)?;
    let exposed = found
        .iter()
        .map(|f| {
            let r = &sp.refs[f.cell][0];
            Exposure {
                table: aggs[r.table].name.clone(),
                table_index: r.table,
                row: r.row,
                column: r.column.clone(),
                value: f.value,
                method: if f.by_bounds { "bounds" } else { "linear" }.into(),
            }
        })
        .collect();
    let in_rel: BTreeSet<usize> = sp
        .relations
        .iter()
        .flat_map(|(t, p)| p.iter().copied().chain([*t]))
        .collect();
    Ok(AuditReport {
        cells: in_rel.len(),
        masked: in_rel.iter().filter(|c| sp.value[**c].is_none()).count(),
        relations: sp.relations.len(),
        exposed,
    })
}
