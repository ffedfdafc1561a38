//! SNDS source tables → [`Population`], with the usual quality filters (docs/snds-facts.md §2–4).
//!
//! Filters, each reported as a [`FilterReport`] (also when it removes nothing):
//! - `ER_PRS_F`: lines with `DPN_QLF = 71` (sent for information) and lines with
//!   `BSE_PRS_NAT = 0` (no base service) are dropped, with their detail lines; visit lines (no
//!   `ER_PHA_F` or `ER_CAM_F` detail) with `CPL_MAJ_TOP >= 2` (surcharge or complement lines,
//!   which would count the visit twice) are dropped.
//! - `T_MCOaaC`: stays with any return code (`NIR_RET`, `NAI_RET`, `SEX_RET`, `SEJ_RET`,
//!   `FHO_RET`, `PMS_RET`, `DAT_RET`) other than `0` are dropped; `T_MCOaaB`: stays whose GHM
//!   starts with `90` (errors) are dropped.
//! - `ER_PHA_F`: regularisations netted. A dispensing cancelled or corrected in a later flux
//!   comes back as a line with a negative (or corrective) `PHA_ACT_QSN`; so the dispensing
//!   lines of one person (after the identity below) with the same care start `EXE_SOI_DTD` and
//!   the same pack `PHA_PRS_C13`, from any flux, are summed into one dispensing of that many
//!   boxes (ending on the latest `EXE_SOI_DTF` of the group) when the sum is positive, and
//!   dropped when it is zero or negative. The report counts the lines removed: all but one of
//!   a group kept, every line of a group dropped. Two dispensings of the same pack to the same
//!   person on the same day are thus one dispensing of their boxes.
//! - `IR_IMB_R`: exemptions of nature 11, 12, 13 (work accident, occupational disease,
//!   invalidity) are dropped.
//! - `T_MCOaaB`, `C`, `D`, `A`: rows of the FINESS under which AP-HP, AP-HM and the HCL
//!   reported their stays a second time ([`super::render::DUPLICATE_FINESS`]) are dropped.
//! - `IR_BEN_R`: beneficiaries with a fictitious or provisional NIR (`BEN_CDI_NIR` other than
//!   `00` or empty) are dropped, with every row of their `BEN_NIR_PSA` in the other tables
//!   (reported per table when there are some).
//! - `IR_BEN_R`: a row whose `BEN_NIR_ANO` and `BEN_RNG_GEM` were seen on an earlier row with
//!   another `BEN_NIR_PSA` is another pseudonym of the same person: its rows in every table
//!   are the person's (reported when there are some). Without `BEN_NIR_ANO`, the person is
//!   `(BEN_NIR_PSA, BEN_RNG_GEM)`.
//! - The missing-date sentinel 1600-01-01 ([`crate::dates::SENTINEL`]) in `BEN_DCD_DTE`,
//!   `EXE_SOI_DTF` (`ER_PRS_F`) and `IMB_ALD_DTF` is read as empty (reported when there are
//!   some); elsewhere it is a missing required date (an error).
//!
//! Rows that lose their link (a detail line without its `ER_PRS_F` line, a stay without its
//! `T_MCOaaC` row, a row of a person missing from `IR_BEN_R`) are dropped and reported too.
//!
//! Mapping: a `ER_PRS_F` line with an `ER_PHA_F` detail is a dispensing (code: CIP13, value:
//! `PHA_ACT_QSN`, netted as above), one with an `ER_CAM_F` detail an act (value: `PRS_ACT_QTE`, 1 when empty),
//! any other line a visit (code: `PRS_NAT_REF`, value: `PRS_ACT_QTE`, 1 when empty). A stay gives
//! a stay event (code: `DGN_PAL`, value: `SEJ_NBJ`), its DP, DR and DAS diagnoses and its acts
//! (day: admission + `ENT_DAT_DEL`), all numbered by (patient, admission, `RSA_NUM`,
//! `ETA_NUM`). `NIR_ANO_17` is matched to `BEN_NIR_PSA` (lowest rank when twins share it).
//!
//! Drug ATC codes come from `IR_PHA_R`; a CIP13 missing there takes the ATC of the built-in
//! referential ([`crate::referential::pack`]) and, when unknown there too, the ATC `""` (the
//! dispensing is kept: it still counts as a drug purchase and can be selected by CIP13).
//!
//! What the tables cannot carry and comes back normalised: the birth day (the 15th of the
//! birth month, the 1st month when `BEN_NAI_MOI` is empty), the data span (1 January of the
//! first year to 31 December of the last year holding a care date or a death), an open ALD
//! period (ends on 2099-12-31), the dictionaries of ICD-10, CCAM and natures (codes in order of
//! first appearance).

use std::collections::HashMap;

use arrow_array::{Array, RecordBatch};

use super::cols::{opt, s, Cols};
use super::schema::{TableKind, DCIR_KEY};
use crate::dates::{self, Day, MAX_DAY};
use crate::error::{Error, Result};
use crate::model::{sex, Event, EventKind, Patient, Population, Role, DEPT_UNKNOWN};

/// The filter of visit lines flagged as surcharges, in the [`FilterReport`].
pub const SURCHARGE_FILTER: &str = "CPL_MAJ_TOP >= 2 (visit surcharge lines)";
/// The filter of beneficiaries with a fictitious NIR and their rows, in the [`FilterReport`].
pub const FICTITIOUS_FILTER: &str = "BEN_CDI_NIR not 00 (fictitious or provisional NIR)";
/// The rows of a person's other pseudonyms merged into the person, in the [`FilterReport`].
pub const PSEUDONYM_FILTER: &str =
    "BEN_NIR_ANO already seen with another BEN_NIR_PSA (pseudonyms merged)";
/// Sentinel dates read as empty, in the [`FilterReport`] (no row is removed).
pub const SENTINEL_FILTER: &str = "date 1600-01-01 read as empty (missing-date sentinel)";
/// The filter of stays under duplicated FINESS, in the [`FilterReport`].
pub const FINESS_FILTER: &str = "ETA_NUM of a duplicated AP-HP, AP-HM or HCL FINESS";

/// A date read from a source table, the missing-date sentinel read as empty (and counted).
fn dated(v: Option<Day>, sentinels: &mut usize) -> Option<Day> {
    if v == Some(dates::SENTINEL) {
        *sentinels += 1;
        None
    } else {
        v
    }
}

fn duplicate_finess(eta: &str) -> bool {
    super::render::DUPLICATE_FINESS.contains(&eta.trim())
}

/// The netting of regularisation lines, in the [`FilterReport`]: the lines of one person's
/// dispensings of one pack on one care start date are summed into one dispensing.
pub const REGULARISATION_FILTER: &str =
    "PHA_ACT_QSN netted per (person, EXE_SOI_DTD, PHA_PRS_C13): one line per positive sum, none otherwise";

/// Rows removed from a table by one quality filter.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct FilterReport {
    /// SNDS table name.
    pub table: String,
    /// The filter, e.g. `DPN_QLF = 71`.
    pub filter: String,
    /// Number of rows removed.
    pub rows_removed: usize,
}

type DcirKey = (
    Option<i64>,
    Option<Day>,
    Option<i64>,
    Option<i64>,
    Option<i64>,
    Option<Day>,
    String,
    Option<i64>,
    Option<i64>,
);

fn dcir_keys(c: &Cols) -> Result<Vec<DcirKey>> {
    let [a, b, cc, d, e, f, g, h, i] = DCIR_KEY;
    let (a, b, cc, d, e, f, g, h, i) = (
        c.long(a)?,
        c.date(b)?,
        c.long(cc)?,
        c.long(d)?,
        c.long(e)?,
        c.date(f)?,
        c.code(g)?,
        c.long(h)?,
        c.long(i)?,
    );
    Ok((0..c.batch.num_rows())
        .map(|r| {
            (
                opt(a, r),
                opt(b, r),
                opt(cc, r),
                opt(d, r),
                opt(e, r),
                opt(f, r),
                s(g, r).to_string(),
                opt(h, r),
                opt(i, r),
            )
        })
        .collect())
}

/// Normalise a département code (`075`, `75`, `02A`, `971`) to its referential index.
pub(crate) fn dept_of(code: &str) -> u8 {
    let c = code.trim();
    let c = if c.len() == 3 && c.starts_with('0') {
        &c[1..]
    } else {
        c
    };
    crate::referential::dept_index(c).unwrap_or(DEPT_UNKNOWN)
}

struct Flat {
    pop: Population,
    reports: Vec<FilterReport>,
}

impl Flat {
    fn report(&mut self, table: &str, filter: &str, n: usize) {
        self.reports.push(FilterReport {
            table: table.to_string(),
            filter: filter.to_string(),
            rows_removed: n,
        });
    }
    fn orphan(&mut self, table: &str, filter: &str, n: usize) {
        if n > 0 {
            self.report(table, filter, n);
        }
    }
    #[allow(clippy::too_many_arguments)]
    fn push(
        &mut self,
        patient: u32,
        kind: EventKind,
        role: Role,
        start: Day,
        end: Day,
        code: u32,
        value: i32,
        stay: u32,
    ) {
        self.pop.events.push(Event {
            patient,
            kind,
            role,
            start,
            end,
            code,
            value,
            stay,
        });
    }
}

/// Flatten conformed source tables (as returned by the readers or [`super::render()`]) into a
/// population. Several batches of the same table are read in turn. `IR_BEN_R` is required.
pub fn flatten(tables: &[(String, RecordBatch)]) -> Result<(Population, Vec<FilterReport>)> {
    // Each batch with the number of rows of its table in the batches before it (the sort is
    // stable: batches of one table stay in the given order), so errors name the table's row.
    let mut by: Vec<(TableKind, String, &RecordBatch, usize)> = Vec::new();
    for (name, b) in tables {
        let k = TableKind::parse(name)?;
        by.push((k, k.name(), b, 0));
    }
    by.sort_by_key(|(k, _, _, _)| *k);
    let mut before: Vec<(TableKind, usize)> = Vec::new();
    for (k, _, b, first) in &mut by {
        match before.iter_mut().find(|(kk, _)| kk == k) {
            Some((_, n)) => {
                *first = *n;
                *n += b.num_rows();
            }
            None => before.push((*k, b.num_rows())),
        }
    }
    let of = |k: TableKind| by.iter().filter(move |(kk, _, _, _)| *kk == k);

    let mut f = Flat {
        pop: Population::default(),
        reports: Vec::new(),
    };

    // Patients.
    if !by.iter().any(|(k, _, _, _)| *k == TableKind::Ben) {
        return Err(Error::invalid(
            "table IR_BEN_R is required: patients are read from it",
        ));
    }
    let mut pid: HashMap<(String, i32), u32> = HashMap::new();
    let mut by_nir: HashMap<String, (i32, u32)> = HashMap::new();
    // Persons by (BEN_NIR_ANO, or BEN_NIR_PSA without it; rank).
    let mut person: HashMap<(String, i32), u32> = HashMap::new();
    let mut fictitious: std::collections::HashSet<String> = Default::default();
    let (mut dup, mut merged, mut fict, mut sentinels) = (0, 0, 0, 0);
    for (_, name, b, first) in of(TableKind::Ben) {
        let c = Cols::at(name, b, *first);
        let (nir, rank, sx, yr, mo, dpt, dcd, ano, cdi) = (
            c.code("BEN_NIR_PSA")?,
            c.int("BEN_RNG_GEM")?,
            c.int("BEN_SEX_COD")?,
            c.code("BEN_NAI_ANN")?,
            c.code("BEN_NAI_MOI")?,
            c.code("BEN_RES_DPT")?,
            c.date("BEN_DCD_DTE")?,
            c.code("BEN_NIR_ANO")?,
            c.code("BEN_CDI_NIR")?,
        );
        for r in 0..b.num_rows() {
            let n = c.need("BEN_NIR_PSA", r, (!nir.is_null(r)).then(|| nir.value(r)))?;
            let rk = opt(rank, r).unwrap_or(0);
            if !matches!(s(cdi, r).trim(), "" | "00") {
                fict += 1;
                fictitious.insert(n.to_string());
                continue;
            }
            let bad = |col: &str, m: String| c.bad(col, r, m);
            let y: i32 = s(yr, r).trim().parse().map_err(|_| {
                bad(
                    "BEN_NAI_ANN",
                    format!("expected a birth year, found {:?}", s(yr, r)),
                )
            })?;
            let m: u32 = match s(mo, r).trim() {
                "" => 1,
                t => t
                    .parse()
                    .ok()
                    .filter(|m| (1..=12).contains(m))
                    .ok_or_else(|| {
                        bad(
                            "BEN_NAI_MOI",
                            format!("expected a month 01–12, found {t:?}"),
                        )
                    })?,
            };
            if !(1900..=2099).contains(&y) {
                return Err(bad(
                    "BEN_NAI_ANN",
                    format!("birth year {y} out of range 1900–2099"),
                ));
            }
            let key = (n.to_string(), rk);
            if pid.contains_key(&key) {
                dup += 1;
                continue;
            }
            let ident = match s(ano, r).trim() {
                "" => (n.to_string(), rk),
                a => (a.to_string(), rk),
            };
            if let Some(&id) = person.get(&ident) {
                // Another pseudonym of a person already read.
                merged += 1;
                pid.insert(key, id);
                let e = by_nir.entry(n.to_string()).or_insert((rk, id));
                if rk < e.0 {
                    *e = (rk, id);
                }
                continue;
            }
            let id = f.pop.patients.len() as u32;
            pid.insert(key, id);
            person.insert(ident, id);
            let e = by_nir.entry(n.to_string()).or_insert((rk, id));
            if rk < e.0 {
                *e = (rk, id);
            }
            let sc = opt(sx, r).unwrap_or(9);
            f.pop.patients.push(Patient {
                nir: n.to_string(),
                rank: rk.clamp(0, 255) as u8,
                sex: match sc {
                    1 => sex::MALE,
                    2 => sex::FEMALE,
                    _ => sex::UNKNOWN,
                },
                birth: dates::from_ymd(y, m, 15),
                death: dated(opt(dcd, r), &mut sentinels),
                dept: dept_of(s(dpt, r)),
            });
        }
    }
    f.orphan("IR_BEN_R", "duplicate (BEN_NIR_PSA, BEN_RNG_GEM)", dup);
    f.orphan("IR_BEN_R", FICTITIOUS_FILTER, fict);
    f.orphan("IR_BEN_R", PSEUDONYM_FILTER, merged);
    f.orphan("IR_BEN_R", SENTINEL_FILTER, sentinels);
    let is_fictitious = |nir: &str| !fictitious.is_empty() && fictitious.contains(nir);

    // Drug referential.
    for (_, name, b, first) in of(TableKind::PhaRef) {
        let c = Cols::at(name, b, *first);
        let (cip, atc) = (c.code("PHA_CIP_C13")?, c.code("PHA_ATC_C07")?);
        for r in 0..b.num_rows() {
            let k = c.need("PHA_CIP_C13", r, (!cip.is_null(r)).then(|| cip.value(r)))?;
            f.pop.dicts.intern_drug(k, s(atc, r));
        }
    }

    // DCIR.
    let mut lines: HashMap<DcirKey, (u32, usize)> = HashMap::new();
    // Per kept line: patient, care start and end, nature, quantity, surcharge line
    // (`CPL_MAJ_TOP` ≥ 2).
    let mut prs_info: Vec<(Option<u32>, Day, Day, String, i32, bool)> = Vec::new();
    let mut has_detail: Vec<bool> = Vec::new();
    let (mut q71, mut q0, mut lost, mut fict, mut sentinels) = (0, 0, 0, 0, 0);
    for (_, name, b, first) in of(TableKind::Prs) {
        let c = Cols::at(name, b, *first);
        let keys = dcir_keys(&c)?;
        let (nir, rank, dtd, dtf, nat, qte, dpn, bse, cpl) = (
            c.code("BEN_NIR_PSA")?,
            c.int("BEN_RNG_GEM")?,
            c.date("EXE_SOI_DTD")?,
            c.date("EXE_SOI_DTF")?,
            c.code("PRS_NAT_REF")?,
            c.int("PRS_ACT_QTE")?,
            c.int("DPN_QLF")?,
            c.int("BSE_PRS_NAT")?,
            c.int("CPL_MAJ_TOP")?,
        );
        for (r, key) in keys.into_iter().enumerate() {
            if opt(dpn, r) == Some(71) {
                q71 += 1;
                continue;
            }
            if opt(bse, r) == Some(0) {
                q0 += 1;
                continue;
            }
            let start = c.need("EXE_SOI_DTD", r, opt(dtd, r))?;
            let end = dated(opt(dtf, r), &mut sentinels)
                .filter(|e| *e >= start)
                .unwrap_or(start);
            let p = pid
                .get(&(s(nir, r).to_string(), opt(rank, r).unwrap_or(0)))
                .copied();
            if p.is_none() {
                if is_fictitious(s(nir, r)) {
                    fict += 1;
                } else {
                    lost += 1;
                }
            }
            let idx = prs_info.len();
            prs_info.push((
                p,
                start,
                end,
                s(nat, r).to_string(),
                opt(qte, r).unwrap_or(1),
                opt(cpl, r).is_some_and(|v| v >= 2),
            ));
            has_detail.push(false);
            lines.insert(key, (0, idx));
        }
    }
    f.report("ER_PRS_F", "DPN_QLF = 71", q71);
    f.report("ER_PRS_F", "BSE_PRS_NAT = 0", q0);
    f.orphan("ER_PRS_F", "patient not in IR_BEN_R", lost);
    f.orphan("ER_PRS_F", FICTITIOUS_FILTER, fict);
    f.orphan("ER_PRS_F", SENTINEL_FILTER, sentinels);

    // Dispensings netted per (person, care start, pack) across fluxes: boxes summed, the end
    // the latest one, the number of lines read.
    let mut netted: HashMap<(u32, Day, u32), (i64, Day, usize)> = HashMap::new();
    let mut orphans = 0;
    for (_, name, b, first) in of(TableKind::Pha) {
        let c = Cols::at(name, b, *first);
        let keys = dcir_keys(&c)?;
        let (cip, qsn) = (c.code("PHA_PRS_C13")?, c.int("PHA_ACT_QSN")?);
        for (r, key) in keys.into_iter().enumerate() {
            let Some(&(_, idx)) = lines.get(&key) else {
                orphans += 1;
                continue;
            };
            has_detail[idx] = true;
            let (p, start, end) = (prs_info[idx].0, prs_info[idx].1, prs_info[idx].2);
            let Some(p) = p else { continue };
            let code = c.need("PHA_PRS_C13", r, (!cip.is_null(r)).then(|| cip.value(r)))?;
            let boxes = c.need("PHA_ACT_QSN", r, opt(qsn, r))?;
            let id = match f.pop.dicts.drug.get(code) {
                Some(id) => id,
                None => {
                    let atc = crate::referential::pack(code).map_or("", |p| p.atc7);
                    f.pop.dicts.intern_drug(code, atc)
                }
            };
            let n = netted.entry((p, start, id)).or_insert((0, end, 0));
            n.0 += i64::from(boxes);
            n.1 = n.1.max(end);
            n.2 += 1;
        }
    }
    f.orphan("ER_PHA_F", "no ER_PRS_F line with this join key", orphans);
    let mut netted_away = 0;
    for ((p, start, id), (boxes, end, lines)) in netted {
        if boxes > 0 {
            netted_away += lines - 1;
            let boxes = i32::try_from(boxes).unwrap_or(i32::MAX);
            f.push(
                p,
                EventKind::Dispensing,
                Role::None,
                start,
                end,
                id,
                boxes,
                0,
            );
        } else {
            netted_away += lines;
        }
    }
    f.report("ER_PHA_F", REGULARISATION_FILTER, netted_away);
    let mut orphans = 0;
    for (_, name, b, first) in of(TableKind::Cam) {
        let c = Cols::at(name, b, *first);
        let keys = dcir_keys(&c)?;
        let act = c.code("CAM_PRS_IDE")?;
        for (r, key) in keys.into_iter().enumerate() {
            let Some(&(_, idx)) = lines.get(&key) else {
                orphans += 1;
                continue;
            };
            has_detail[idx] = true;
            let (p, start, end, qte) = (
                prs_info[idx].0,
                prs_info[idx].1,
                prs_info[idx].2,
                prs_info[idx].4,
            );
            let Some(p) = p else { continue };
            let code = c.need("CAM_PRS_IDE", r, (!act.is_null(r)).then(|| act.value(r)))?;
            let id = f.pop.dicts.ccam.intern(code);
            f.push(p, EventKind::Act, Role::None, start, end, id, qte, 0);
        }
    }
    f.orphan("ER_CAM_F", "no ER_PRS_F line with this join key", orphans);
    // Lines without detail are visits; surcharge lines (`CPL_MAJ_TOP` ≥ 2) of a visit would
    // count it twice. Lines of unknown patients are already reported above.
    let mut surcharges = 0;
    for (idx, (p, start, end, nat, qte, surcharge)) in prs_info.iter().enumerate() {
        if has_detail[idx] {
            continue;
        }
        if let Some(p) = p {
            if *surcharge {
                surcharges += 1;
                continue;
            }
            let id = f.pop.dicts.nature.intern(nat);
            f.push(*p, EventKind::Visit, Role::None, *start, *end, id, *qte, 0);
        }
    }
    f.report("ER_PRS_F", SURCHARGE_FILTER, surcharges);

    // Long-term illnesses.
    let (mut excluded, mut lost, mut fict, mut sentinels) = (0, 0, 0, 0);
    for (_, name, b, first) in of(TableKind::Imb) {
        let c = Cols::at(name, b, *first);
        let (nir, rank, dtd, dtf, nat, icd) = (
            c.code("BEN_NIR_PSA")?,
            c.int("BEN_RNG_GEM")?,
            c.date("IMB_ALD_DTD")?,
            c.date("IMB_ALD_DTF")?,
            c.code("IMB_ETM_NAT")?,
            c.code("MED_MTF_COD")?,
        );
        for r in 0..b.num_rows() {
            if matches!(s(nat, r).trim(), "11" | "12" | "13") {
                excluded += 1;
                continue;
            }
            let Some(&p) = pid.get(&(s(nir, r).to_string(), opt(rank, r).unwrap_or(0))) else {
                if is_fictitious(s(nir, r)) {
                    fict += 1;
                } else {
                    lost += 1;
                }
                continue;
            };
            let start = c.need("IMB_ALD_DTD", r, opt(dtd, r))?;
            let end = dated(opt(dtf, r), &mut sentinels).unwrap_or(MAX_DAY);
            if end < start {
                return Err(c.bad(
                    "IMB_ALD_DTF",
                    r,
                    format!(
                        "ALD end {} before its start {}",
                        dates::format(end),
                        dates::format(start)
                    ),
                ));
            }
            let id = f.pop.dicts.icd10.intern(s(icd, r).trim());
            f.push(p, EventKind::Ald, Role::ALD, start, end, id, 0, 0);
        }
    }
    f.report("IR_IMB_R", "IMB_ETM_NAT in 11, 12, 13", excluded);
    f.orphan("IR_IMB_R", "patient not in IR_BEN_R", lost);
    f.orphan("IR_IMB_R", FICTITIOUS_FILTER, fict);
    f.orphan("IR_IMB_R", SENTINEL_FILTER, sentinels);

    flatten_pmsi(&mut f, &by, &by_nir, &is_fictitious)?;

    // Deaths.
    for (i, p) in f.pop.patients.clone().iter().enumerate() {
        if let Some(d) = p.death {
            f.push(i as u32, EventKind::Death, Role::None, d, d, 0, 0, 0);
        }
    }

    // Data span.
    let mut lo = i32::MAX;
    let mut hi = i32::MIN;
    for e in &f.pop.events {
        if e.kind != EventKind::Ald {
            lo = lo.min(e.start);
            hi = hi.max(e.end);
        }
    }
    if lo <= hi {
        f.pop.data_start = dates::from_ymd(dates::year(lo), 1, 1);
        f.pop.data_end = dates::from_ymd(dates::year(hi), 12, 31);
    }
    let d = f.pop.dicts.clone();
    f.pop.events.sort_by(|a, b| {
        let k = |e: &Event| {
            let kind = if e.kind == EventKind::Death {
                u8::MAX
            } else {
                e.kind as u8
            };
            (e.patient, e.start, kind, e.role as u8)
        };
        k(a).cmp(&k(b))
            .then_with(|| d.code_of(a).cmp(d.code_of(b)))
            .then_with(|| (a.end, a.value, a.stay).cmp(&(b.end, b.value, b.stay)))
    });
    Ok((f.pop, f.reports))
}

struct StayRow {
    patient: u32,
    adm: Day,
    dis: Day,
    rsa: String,
    eta: String,
    year: i32,
    dp: String,
    dr: String,
    los: i32,
}

fn flatten_pmsi(
    f: &mut Flat,
    by: &[(TableKind, String, &RecordBatch, usize)],
    by_nir: &HashMap<String, (i32, u32)>,
    is_fictitious: &dyn Fn(&str) -> bool,
) -> Result<()> {
    let mut years: Vec<i32> = by
        .iter()
        .filter_map(|(k, _, _, _)| match k {
            TableKind::McoB(y) | TableKind::McoC(y) | TableKind::McoD(y) | TableKind::McoA(y) => {
                Some(*y)
            }
            _ => None,
        })
        .collect();
    years.sort_unstable();
    years.dedup();
    let mut stays: Vec<StayRow> = Vec::new();
    for &year in &years {
        let (bn, cn) = (TableKind::McoB(year).name(), TableKind::McoC(year).name());
        // Patient links, after the return-code filter.
        let mut link: HashMap<(String, String), (Option<u32>, Day, Day)> = HashMap::new();
        let (mut ret, mut lost, mut fict, mut finess) = (0, 0, 0, 0);
        for (_, name, b, first) in by.iter().filter(|(k, _, _, _)| *k == TableKind::McoC(year)) {
            let c = Cols::at(name, b, *first);
            let (eta, rsa, nir, dtd, dtf) = (
                c.code("ETA_NUM")?,
                c.code("RSA_NUM")?,
                c.code("NIR_ANO_17")?,
                c.date("EXE_SOI_DTD")?,
                c.date("EXE_SOI_DTF")?,
            );
            let rets = [
                "NIR_RET", "NAI_RET", "SEX_RET", "SEJ_RET", "FHO_RET", "PMS_RET", "DAT_RET",
            ]
            .iter()
            .map(|n| c.code(n))
            .collect::<Result<Vec<_>>>()?;
            for r in 0..b.num_rows() {
                if duplicate_finess(s(eta, r)) {
                    finess += 1;
                    continue;
                }
                if rets.iter().any(|a| !matches!(s(a, r).trim(), "" | "0")) {
                    ret += 1;
                    continue;
                }
                let adm = c.need("EXE_SOI_DTD", r, opt(dtd, r))?;
                let dis = c.need("EXE_SOI_DTF", r, opt(dtf, r))?;
                if dis < adm {
                    return Err(c.bad(
                        "EXE_SOI_DTF",
                        r,
                        format!(
                            "discharge {} before admission {}",
                            dates::format(dis),
                            dates::format(adm)
                        ),
                    ));
                }
                let p = by_nir.get(s(nir, r)).map(|x| x.1);
                if p.is_none() {
                    if is_fictitious(s(nir, r)) {
                        fict += 1;
                    } else {
                        lost += 1;
                    }
                }
                link.insert(
                    (s(eta, r).to_string(), s(rsa, r).to_string()),
                    (p, adm, dis),
                );
            }
        }
        f.report(
            &cn,
            "NIR_RET, NAI_RET, SEX_RET, SEJ_RET, FHO_RET, PMS_RET or DAT_RET ≠ 0",
            ret,
        );
        f.report(&cn, FINESS_FILTER, finess);
        f.orphan(&cn, "patient not in IR_BEN_R", lost);
        f.orphan(&cn, FICTITIOUS_FILTER, fict);
        let (mut ghm90, mut orphans, mut finess) = (0, 0, 0);
        let mut used = 0;
        for (_, name, b, first) in by.iter().filter(|(k, _, _, _)| *k == TableKind::McoB(year)) {
            let c = Cols::at(name, b, *first);
            let (eta, rsa, dp, dr, ghm, nbj) = (
                c.code("ETA_NUM")?,
                c.code("RSA_NUM")?,
                c.code("DGN_PAL")?,
                c.code("DGN_REL")?,
                c.code("GRG_GHM")?,
                c.int("SEJ_NBJ")?,
            );
            for r in 0..b.num_rows() {
                if duplicate_finess(s(eta, r)) {
                    finess += 1;
                    continue;
                }
                if s(ghm, r).trim().starts_with("90") {
                    ghm90 += 1;
                    continue;
                }
                let key = (s(eta, r).to_string(), s(rsa, r).to_string());
                let Some(&(p, adm, dis)) = link.get(&key) else {
                    orphans += 1;
                    continue;
                };
                used += 1;
                let Some(p) = p else { continue };
                let dpc = c.need("DGN_PAL", r, (!dp.is_null(r)).then(|| dp.value(r)))?;
                stays.push(StayRow {
                    patient: p,
                    adm,
                    dis,
                    rsa: key.1,
                    eta: key.0,
                    year,
                    dp: dpc.trim().to_string(),
                    dr: s(dr, r).trim().to_string(),
                    los: opt(nbj, r).unwrap_or(dis - adm),
                });
            }
        }
        f.report(&bn, FINESS_FILTER, finess);
        f.report(&bn, "GRG_GHM starts with 90", ghm90);
        f.orphan(&bn, "no patient link in T_MCOaaC", orphans);
        f.orphan(&cn, "no stay in T_MCOaaB", link.len().saturating_sub(used));
    }
    stays.sort_by(|a, b| {
        (a.patient, a.adm, &a.rsa, &a.eta, a.year).cmp(&(b.patient, b.adm, &b.rsa, &b.eta, b.year))
    });
    let mut num: HashMap<(i32, String, String), (u32, usize)> = HashMap::new();
    for (i, st) in stays.iter().enumerate() {
        let n = i as u32 + 1;
        num.insert((st.year, st.eta.clone(), st.rsa.clone()), (n, i));
        let dp = f.pop.dicts.icd10.intern(&st.dp);
        f.push(
            st.patient,
            EventKind::Stay,
            Role::None,
            st.adm,
            st.dis,
            dp,
            st.los,
            n,
        );
        f.push(
            st.patient,
            EventKind::Diagnosis,
            Role::DP,
            st.adm,
            st.dis,
            dp,
            0,
            n,
        );
        if !st.dr.is_empty() {
            let dr = f.pop.dicts.icd10.intern(&st.dr);
            f.push(
                st.patient,
                EventKind::Diagnosis,
                Role::DR,
                st.adm,
                st.dis,
                dr,
                0,
                n,
            );
        }
    }
    for &year in &years {
        let (mut orphans, mut finess) = (0, 0);
        for (_, name, b, first) in by.iter().filter(|(k, _, _, _)| *k == TableKind::McoD(year)) {
            let c = Cols::at(name, b, *first);
            let (eta, rsa, das) = (c.code("ETA_NUM")?, c.code("RSA_NUM")?, c.code("ASS_DGN")?);
            for r in 0..b.num_rows() {
                if duplicate_finess(s(eta, r)) {
                    finess += 1;
                    continue;
                }
                let Some(&(n, i)) = num.get(&(year, s(eta, r).to_string(), s(rsa, r).to_string()))
                else {
                    orphans += 1;
                    continue;
                };
                let st = &stays[i];
                let code = c.need("ASS_DGN", r, (!das.is_null(r)).then(|| das.value(r)))?;
                let id = f.pop.dicts.icd10.intern(code.trim());
                let (p, a, d) = (st.patient, st.adm, st.dis);
                f.push(p, EventKind::Diagnosis, Role::DAS, a, d, id, 0, n);
            }
        }
        f.orphan(
            &TableKind::McoD(year).name(),
            "no kept stay with this (ETA_NUM, RSA_NUM)",
            orphans,
        );
        f.orphan(&TableKind::McoD(year).name(), FINESS_FILTER, finess);
        let (mut orphans, mut finess) = (0, 0);
        for (_, name, b, first) in by.iter().filter(|(k, _, _, _)| *k == TableKind::McoA(year)) {
            let c = Cols::at(name, b, *first);
            let (eta, rsa, act, del, nbr) = (
                c.code("ETA_NUM")?,
                c.code("RSA_NUM")?,
                c.code("CDC_ACT")?,
                c.int("ENT_DAT_DEL")?,
                c.int("NBR_EXE_ACT")?,
            );
            for r in 0..b.num_rows() {
                if duplicate_finess(s(eta, r)) {
                    finess += 1;
                    continue;
                }
                let Some(&(n, i)) = num.get(&(year, s(eta, r).to_string(), s(rsa, r).to_string()))
                else {
                    orphans += 1;
                    continue;
                };
                let st = &stays[i];
                let code = c.need("CDC_ACT", r, (!act.is_null(r)).then(|| act.value(r)))?;
                let id = f.pop.dicts.ccam.intern(code.trim());
                let day = st.adm + opt(del, r).unwrap_or(0);
                let p = st.patient;
                f.push(
                    p,
                    EventKind::Act,
                    Role::None,
                    day,
                    day,
                    id,
                    opt(nbr, r).unwrap_or(1),
                    n,
                );
            }
        }
        f.orphan(
            &TableKind::McoA(year).name(),
            "no kept stay with this (ETA_NUM, RSA_NUM)",
            orphans,
        );
        f.orphan(&TableKind::McoA(year).name(), FINESS_FILTER, finess);
    }
    Ok(())
}
