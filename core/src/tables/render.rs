//! Population → SNDS source tables (the inverse of [`super::flatten()`]).
//!
//! Deterministic: the same population gives the same batches, whatever the order of its events.
//! - Patients → `IR_BEN_R` (birth year and month, death date).
//! - Dispensings → one `ER_PRS_F` line (nature 3317, pharmacy) + one `ER_PHA_F` line
//!   (`PHA_PRS_C13`, `PHA_ACT_QSN` = boxes); visits → one `ER_PRS_F` line (`PRS_NAT_REF` = the
//!   nature code, `PRS_ACT_QTE` = value); acts outside a stay → `ER_PRS_F` (nature 1351) +
//!   `ER_CAM_F`. Flux dates are the first of a month 1 to 6 months after the care date.
//! - Stays → `T_MCOaaB`/`C` in the table of the discharge year, DAS → `T_MCOaaD`, acts of a stay
//!   → `T_MCOaaA`; the `RSA_NUM` is the stay number on 10 digits.
//! - ALD periods → `IR_IMB_R` (an open period, ending on or after 2099-12-31, has an empty end).
//! - The drug dictionary → `IR_PHA_R` (labels from [`crate::referential`]).
//!
//! Quality-filter rows are added so the filters of [`super::flatten()`] have something to remove:
//! every 50th DCIR line is repeated "for information" (`DPN_QLF = 71`, or `BSE_PRS_NAT = 0` for
//! visits), every 30th visit gets a surcharge line (same claim, `PRS_ORD_NUM = 2`,
//! `CPL_MAJ_TOP = 2`, as a night or weekend surcharge), and every 40th stay is repeated once with
//! a non-zero `NIR_RET` and once with a GHM in `90` (in `T_MCOaaB`/`C` only). None of them comes
//! back as an event.
//!
//! With [`Pitfalls`] ([`render_with`]), the tables also hold the traps of real extracts, each
//! of which [`super::flatten()`] undoes, so that the population read back is the one read from
//! the clean tables (see [`Pitfalls`] for each and the filter that handles it).
//!
//! What the tables cannot carry: diagnosis events outside a stay other than ALD periods (dropped),
//! diagnosis events with role ALD (the ALD period carries the code), the birth day (the 15th
//! of the month is read back), the data span (read back from the event years), unused ICD-10,
//! CCAM and nature codes of the dictionaries, the stay numbers (read back in (patient,
//! admission) order), and which of two persons sharing a `BEN_NIR_PSA` (same-sex twins, told
//! apart by `BEN_RNG_GEM` in the DCIR) a stay belongs to: the PMSI knows only `NIR_ANO_17`, so
//! such stays come back to the lowest rank.

use std::collections::BTreeMap;

use arrow_array::RecordBatch;

use super::cols::{Builder, Val};
use super::schema::TableKind;
use crate::dates::{self, Day, MAX_DAY};
use crate::error::Result;
use crate::model::{EventKind, Population, Role, DEPT_UNKNOWN};

/// Nature of service of a pharmacy dispensing line.
pub const NATURE_PHARMACY: &str = "3317";
/// Nature of service of a CCAM act line in city care.
pub const NATURE_ACT: &str = "1351";
/// Every how many DCIR lines a "for information" duplicate is added.
pub const DCIR_DUPLICATE_EVERY: i64 = 50;
/// Every how many visits a surcharge line (`CPL_MAJ_TOP = 2`) is added.
pub const VISIT_SURCHARGE_EVERY: i64 = 30;
/// Every how many stays two erroneous copies (return code, GHM 90) are added.
pub const STAY_ERROR_EVERY: u32 = 40;

/// The traps of real extracts that [`render_with`] can add to the tables (docs/decisions.md §3.4),
/// each undone on load by [`super::flatten()`]. Which rows they touch depends only on the
/// population, so the same population gives the same tables.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Pitfalls {
    /// `DCT_ORD_NUM` numbered per emitter (1 to 1000, then again): the same number on lines of
    /// other emitters and flux months, so only the 9 columns of the join key tell lines apart.
    pub reused_document_numbers: bool,
    /// One DCIR line in [`LATE_FLUX_EVERY`] comes in a flux 7 to 27 months after the care
    /// instead of 1 to 6 (the care date, not the flux, dates the event).
    pub late_fluxes: bool,
    /// One person in [`PSEUDONYM_EVERY`] gets a second `BEN_NIR_PSA` (a second `IR_BEN_R` row
    /// with the same `BEN_NIR_ANO`), used by the care from the middle of the observation on:
    /// the loader merges the person's pseudonyms by `BEN_NIR_ANO`.
    pub several_pseudonyms: bool,
    /// One person in [`FICTITIOUS_EVERY`] has a copy under a fictitious NIR
    /// (`BEN_CDI_NIR` ≠ `00`) with a copy of the person's first city-care line: the loader drops
    /// beneficiaries with a fictitious NIR and their rows.
    pub fictitious_nirs: bool,
    /// Missing dates written as the SNDS sentinel 1600-01-01: `BEN_DCD_DTE` of living people,
    /// `IMB_ALD_DTF` of open ALD periods. The loader reads the sentinel as empty.
    pub sentinel_dates: bool,
    /// One stay in [`FINESS_DUPLICATE_EVERY`] is sent a second time under one of the FINESS of
    /// AP-HP, AP-HM or the HCL that duplicated their stays ([`DUPLICATE_FINESS`]): the loader
    /// drops stays of these FINESS.
    pub duplicate_finess: bool,
    /// One person in [`WORK_ALD_EVERY`] gets an exemption of nature 11, 12 or 13 (work
    /// accident, occupational disease, invalidity) in `IR_IMB_R`: the loader drops them.
    pub work_ald_natures: bool,
    /// One dispensing in [`REGULARISATION_EVERY`] comes with regularisation lines in later
    /// fluxes (same person, care date and pack; negative `PHA_ACT_QSN`): either one box too
    /// many corrected by a line of -1, or the line cancelled (-boxes) and sent again. The
    /// loader nets the lines of one person, care date and pack.
    pub regularisations: bool,
}

impl Pitfalls {
    /// Every pitfall.
    pub fn all() -> Pitfalls {
        Pitfalls {
            reused_document_numbers: true,
            late_fluxes: true,
            several_pseudonyms: true,
            fictitious_nirs: true,
            sentinel_dates: true,
            duplicate_finess: true,
            work_ald_natures: true,
            regularisations: true,
        }
    }
}

/// Every how many DCIR lines one comes in a late flux ([`Pitfalls::late_fluxes`]).
pub const LATE_FLUX_EVERY: i64 = 20;
/// Every how many persons one has a second pseudonym ([`Pitfalls::several_pseudonyms`]).
pub const PSEUDONYM_EVERY: usize = 25;
/// Every how many persons one has a copy under a fictitious NIR ([`Pitfalls::fictitious_nirs`]).
pub const FICTITIOUS_EVERY: usize = 100;
/// Every how many stays one is duplicated under a legal-entity FINESS
/// ([`Pitfalls::duplicate_finess`]).
pub const FINESS_DUPLICATE_EVERY: u32 = 30;
/// Every how many dispensings one comes with regularisation lines
/// ([`Pitfalls::regularisations`]).
pub const REGULARISATION_EVERY: i64 = 40;
/// Every how many persons one gets an ALD of nature 11, 12 or 13 ([`Pitfalls::work_ald_natures`]).
pub const WORK_ALD_EVERY: usize = 50;

/// FINESS of AP-HP, AP-HM and the Hospices civils de Lyon under which stays were reported twice
/// (the usual exclusion list of SNDS users: SCALPEL3, the collaborative SNDS documentation).
pub const DUPLICATE_FINESS: [&str; 46] = [
    "130780521",
    "130783236",
    "130783293",
    "130784234",
    "130804297",
    "600100101",
    "690783154",
    "690784137",
    "690784152",
    "690784178",
    "690787478",
    "750041543",
    "750100018",
    "750100042",
    "750100075",
    "750100083",
    "750100091",
    "750100109",
    "750100125",
    "750100166",
    "750100208",
    "750100216",
    "750100232",
    "750100273",
    "750100299",
    "750801441",
    "750803447",
    "750803454",
    "830100558",
    "910100015",
    "910100023",
    "920100013",
    "920100021",
    "920100039",
    "920100047",
    "920100054",
    "920100062",
    "930100011",
    "930100037",
    "930100045",
    "940100027",
    "940100035",
    "940100043",
    "940100050",
    "940100068",
    "950100016",
];

/// The date SNDS extracts write for a missing date.
pub const SENTINEL_DATE: Day = dates::SENTINEL;

/// 3-character département code of `BEN_RES_DPT` (`075`, `02A`, `971`; `999` unknown).
pub(crate) fn dept3(dept: u8) -> String {
    if dept == DEPT_UNKNOWN {
        return "999".into();
    }
    match crate::referential::departements().get(dept as usize) {
        Some(d) if d.code.len() == 2 => format!("0{}", d.code),
        Some(d) => d.code.to_string(),
        None => "999".into(),
    }
}

fn first_of_month_after(day: Day, months: u32) -> Day {
    let (y, m, _) = dates::to_ymd(day);
    let total = y * 12 + (m as i32 - 1) + months as i32;
    dates::from_ymd(total.div_euclid(12), total.rem_euclid(12) as u32 + 1, 1)
}

fn ghm_of(dp: &str) -> String {
    let cmd = match dp.chars().next() {
        Some('I') => "05",
        Some('E') => "10",
        Some('J') => "04",
        Some('C') => "17",
        Some('F') => "19",
        Some('S') => "08",
        Some('G') => "01",
        _ => "23",
    };
    format!("{cmd}M101")
}

#[derive(Default)]
struct StayAcc {
    stay: Option<usize>,
    dr: Vec<usize>,
    das: Vec<usize>,
    acts: Vec<usize>,
}

/// Render a population as SNDS source tables: `IR_BEN_R`, `IR_PHA_R`, `IR_IMB_R`, `ER_PRS_F`,
/// `ER_PHA_F`, `ER_CAM_F`, then `T_MCOaaB`, `C`, `D`, `A` for each discharge year, in that order.
pub fn render(pop: &Population) -> Result<Vec<(String, RecordBatch)>> {
    render_with(pop, Pitfalls::default())
}

/// The second pseudonym of a person ([`Pitfalls::several_pseudonyms`]): the first with its
/// first character replaced by `P` (generated pseudonyms are hexadecimal, so it is new).
fn second_pseudonym(nir: &str) -> String {
    let rest = nir.get(1..).unwrap_or("");
    format!("P{rest}")
}

/// [`render`], with the traps of real extracts chosen in `pitfalls`.
pub fn render_with(pop: &Population, pitfalls: Pitfalls) -> Result<Vec<(String, RecordBatch)>> {
    let d = &pop.dicts;
    for (i, e) in pop.events.iter().enumerate() {
        if e.patient as usize >= pop.patients.len() {
            return Err(crate::error::Error::invalid(format!(
                "events[{i}]: patient {} is not in the population ({} patients)",
                e.patient,
                pop.patients.len()
            )));
        }
        if let Some(dict) = d.get(e.kind.dict()) {
            if e.code as usize >= dict.len() {
                return Err(crate::error::Error::invalid(format!(
                    "events[{i}]: code id {} is not in the {} dictionary ({} codes)",
                    e.code,
                    e.kind.name(),
                    dict.len()
                )));
            }
        }
    }
    let mut order: Vec<usize> = (0..pop.events.len()).collect();
    order.sort_by(|&i, &j| {
        let (a, b) = (&pop.events[i], &pop.events[j]);
        (a.patient, a.start, a.kind as u8, a.role as u8)
            .cmp(&(b.patient, b.start, b.kind as u8, b.role as u8))
            .then_with(|| d.code_of(a).cmp(d.code_of(b)))
            .then_with(|| (a.end, a.value, a.stay).cmp(&(b.end, b.value, b.stay)))
    });

    // Persons with a second pseudonym, used from a day on; persons copied under a fictitious
    // NIR. Twins sharing a pseudonym keep theirs.
    let mut shared: BTreeMap<&str, u32> = BTreeMap::new();
    for p in &pop.patients {
        *shared.entry(p.nir.as_str()).or_default() += 1;
    }
    let second: Vec<Option<(String, Day)>> = pop
        .patients
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let chosen = pitfalls.several_pseudonyms
                && i % PSEUDONYM_EVERY == 3
                && shared.get(p.nir.as_str()) == Some(&1);
            let (lo, hi) =
                crate::model::observation(p.birth, p.death, pop.data_start, pop.data_end)?;
            chosen.then(|| (second_pseudonym(&p.nir), lo + (hi - lo) / 2))
        })
        .collect();
    let fictitious = |i: usize| pitfalls.fictitious_nirs && i % FICTITIOUS_EVERY == 11;
    let pseudonym = |i: usize, day: Day| -> &str {
        match &second[i] {
            Some((psa, from)) if day >= *from => psa,
            _ => &pop.patients[i].nir,
        }
    };

    // IR_BEN_R: the persons, then their second pseudonyms, then the fictitious copies.
    let mut ben = Builder::new(TableKind::Ben);
    let ben_row = |p: &crate::model::Patient, psa: &str, ano: &str, cdi: &str| {
        let (y, m, _) = dates::to_ymd(p.birth);
        let mut cells = vec![
            ("BEN_NIR_PSA", Val::S(psa.to_string())),
            ("BEN_RNG_GEM", Val::I(p.rank as i32)),
            ("BEN_NIR_ANO", Val::S(ano.to_string())),
            ("BEN_SEX_COD", Val::I(p.sex as i32)),
            ("BEN_NAI_ANN", Val::S(format!("{y:04}"))),
            ("BEN_NAI_MOI", Val::S(format!("{m:02}"))),
            ("BEN_RES_DPT", Val::S(dept3(p.dept))),
            ("BEN_RES_COM", Val::S("001".into())),
            ("BEN_CDI_NIR", Val::S(cdi.to_string())),
        ];
        if let Some(dd) = p.death {
            let (dy, dm, _) = dates::to_ymd(dd);
            cells.push(("BEN_DCD_DTE", Val::D(dd)));
            cells.push(("BEN_DCD_AME", Val::S(format!("{dy:04}{dm:02}"))));
        } else if pitfalls.sentinel_dates {
            cells.push(("BEN_DCD_DTE", Val::D(SENTINEL_DATE)));
        }
        cells
    };
    for p in &pop.patients {
        ben.row(ben_row(p, &p.nir, &p.nir, "00"))?;
    }
    for (p, s) in pop.patients.iter().zip(&second) {
        if let Some((psa, _)) = s {
            ben.row(ben_row(p, psa, &p.nir, "00"))?;
        }
    }
    // Generated pseudonyms are hexadecimal: an `X` in front makes a new one.
    let fictitious_nir = |i: usize| format!("X{}", pop.patients[i].nir.get(1..).unwrap_or(""));
    for (i, p) in pop.patients.iter().enumerate() {
        if fictitious(i) {
            // Codes of provisional or fictitious NIRs vary; any but 00 is excluded.
            let cdi = ["03", "04", "05", "08"][(i / FICTITIOUS_EVERY) % 4];
            let nir = fictitious_nir(i);
            ben.row(ben_row(p, &nir, &nir, cdi))?;
        }
    }

    // IR_PHA_R.
    let mut pha_r = Builder::new(TableKind::PhaRef);
    for (i, cip) in d.drug.codes().iter().enumerate() {
        let atc = d.drug_atc.get(i).map_or("", |s| s.as_str());
        pha_r.row(vec![
            ("PHA_CIP_C13", Val::S(cip.clone())),
            ("PHA_ATC_C07", Val::S(atc.to_string())),
            (
                "PHA_ATC_C03",
                Val::S(atc.get(..4).unwrap_or("").to_string()),
            ),
            (
                "PHA_ATC_L07",
                Val::S(crate::referential::atc_label(atc).unwrap_or("").to_string()),
            ),
            (
                "PHA_NOM_COURT",
                Val::S(
                    crate::referential::pack(cip)
                        .map_or("", |p| p.name)
                        .to_string(),
                ),
            ),
        ])?;
    }

    let mut imb = Builder::new(TableKind::Imb);
    let mut prs = Builder::new(TableKind::Prs);
    let mut pha = Builder::new(TableKind::Pha);
    let mut cam = Builder::new(TableKind::Cam);
    let mut stays: BTreeMap<u32, StayAcc> = BTreeMap::new();
    let mut next_free = pop.events.iter().map(|e| e.stay).max().unwrap_or(0);
    let mut line: i64 = 0;
    let mut visits: i64 = 0;
    // Persons whose first city-care line was copied under their fictitious NIR.
    let mut copied = vec![false; pop.patients.len()];
    let mut dispensings: i64 = 0;
    // Per-patient texts, computed once.
    let dpt: Vec<String> = pop.patients.iter().map(|p| dept3(p.dept)).collect();
    let born: Vec<String> = pop
        .patients
        .iter()
        .map(|p| format!("{:04}", dates::year(p.birth)))
        .collect();

    for &i in &order {
        let e = &pop.events[i];
        let p = &pop.patients[e.patient as usize];
        match e.kind {
            EventKind::Dispensing | EventKind::Visit | EventKind::Act
                if e.kind != EventKind::Act || e.stay == 0 =>
            {
                let code = d.code_of(e).to_string();
                let (nature, spe, paid) = match e.kind {
                    EventKind::Dispensing => (NATURE_PHARMACY.to_string(), 50, 12.5),
                    EventKind::Visit => (code.clone(), 1, 25.0),
                    _ => (NATURE_ACT.to_string(), 1, 40.0),
                };
                let base = nature.parse::<i32>().unwrap_or(1).max(1);
                if e.kind == EventKind::Visit {
                    visits += 1;
                }
                let i = e.patient as usize;
                let copy = fictitious(i) && !copied[i];
                copied[i] |= copy;
                // Regularised dispensing: one box too many then -1 (`over`), or cancelled
                // and sent again.
                let (reg, over) = if e.kind == EventKind::Dispensing {
                    dispensings += 1;
                    let reg = pitfalls.regularisations && dispensings % REGULARISATION_EVERY == 13;
                    (reg, (dispensings / REGULARISATION_EVERY) % 2 == 0)
                } else {
                    (false, false)
                };
                let mut main_lag = 1;
                for dup in 0..5 {
                    // 0: the line; 1: its copy "for information"; 2: its copy under the
                    // person's fictitious NIR; 3 and 4: regularisation lines.
                    let skip = match dup {
                        1 => line % DCIR_DUPLICATE_EVERY != 1,
                        2 => !copy,
                        3 => !reg,
                        4 => !reg || over,
                        _ => false,
                    };
                    if skip {
                        continue;
                    }
                    let qty = match dup {
                        0 if reg && over => e.value + 1,
                        3 if over => -1,
                        3 => -e.value,
                        _ => e.value,
                    };
                    line += 1;
                    let lag = if dup >= 3 {
                        // Regularisations come in later fluxes.
                        main_lag + dup - 2
                    } else if pitfalls.late_fluxes && line % LATE_FLUX_EVERY == 7 {
                        7 + (line / LATE_FLUX_EVERY) % 21
                    } else {
                        1 + line % 6
                    };
                    if dup == 0 {
                        main_lag = lag;
                    }
                    let flx = first_of_month_after(e.start, lag as u32);
                    // Document numbers are unique, or (pitfall) numbered 1 to 1000 per emitter:
                    // either way the 9 key columns identify the line.
                    let (dct, emt, ord) = if pitfalls.reused_document_numbers {
                        (1 + line % 1000, 1 + (line / 1000) % 17, line / 17_000)
                    } else {
                        (line, 1 + line % 17, line % 3)
                    };
                    let nir = if dup == 2 {
                        fictitious_nir(i)
                    } else {
                        pseudonym(i, e.start).to_string()
                    };
                    let key = [
                        ("DCT_ORD_NUM", Val::L(dct)),
                        ("FLX_DIS_DTD", Val::D(flx)),
                        ("FLX_EMT_NUM", Val::L(emt)),
                        ("FLX_EMT_ORD", Val::L(ord)),
                        ("FLX_EMT_TYP", Val::L(1)),
                        ("FLX_TRT_DTD", Val::D(flx)),
                        (
                            "ORG_CLE_NUM",
                            Val::S(format!("01{}", dpt[e.patient as usize])),
                        ),
                        ("PRS_ORD_NUM", Val::L(1)),
                        ("REM_TYP_AFF", Val::L(1)),
                    ];
                    let info = dup == 1;
                    // Amounts follow the quantity, negative for a regularisation.
                    let units = if qty < 0 { qty } else { qty.max(1) } as f64;
                    let mut cells: Vec<(&str, Val)> = key.to_vec();
                    cells.extend([
                        ("BEN_NIR_PSA", Val::S(nir)),
                        ("BEN_RNG_GEM", Val::I(p.rank as i32)),
                        ("BEN_SEX_COD", Val::I(p.sex as i32)),
                        ("BEN_NAI_ANN", Val::S(born[e.patient as usize].clone())),
                        ("BEN_RES_DPT", Val::S(dpt[e.patient as usize].clone())),
                        ("EXE_SOI_DTD", Val::D(e.start)),
                        ("EXE_SOI_DTF", Val::D(e.end)),
                        ("PRS_NAT_REF", Val::S(nature.clone())),
                        ("PRS_ACT_QTE", Val::I(qty)),
                        ("PSE_SPE_COD", Val::I(spe)),
                        ("PRS_PAI_MNT", Val::F(paid * units)),
                        ("BSE_REM_MNT", Val::F(paid * 0.7 * units)),
                        (
                            "BSE_PRS_NAT",
                            Val::I(if info && e.kind == EventKind::Visit {
                                0
                            } else {
                                base
                            }),
                        ),
                        (
                            "DPN_QLF",
                            Val::I(if info && e.kind != EventKind::Visit {
                                71
                            } else {
                                0
                            }),
                        ),
                        ("CPL_MAJ_TOP", Val::I(0)),
                    ]);
                    if let Some(dd) = p.death {
                        cells.push(("BEN_DCD_DTE", Val::D(dd)));
                    } else if pitfalls.sentinel_dates {
                        cells.push(("BEN_DCD_DTE", Val::D(SENTINEL_DATE)));
                    }
                    let surcharge = (e.kind == EventKind::Visit
                        && !info
                        && visits % VISIT_SURCHARGE_EVERY == 1)
                        .then(|| {
                            let mut s = cells.clone();
                            for (name, v) in &mut s {
                                match *name {
                                    "PRS_ORD_NUM" => *v = Val::L(2),
                                    "CPL_MAJ_TOP" => *v = Val::I(2),
                                    "PRS_PAI_MNT" => *v = Val::F(5.0),
                                    "BSE_REM_MNT" => *v = Val::F(3.5),
                                    _ => {}
                                }
                            }
                            s
                        });
                    prs.row(cells)?;
                    if let Some(s) = surcharge {
                        prs.row(s)?;
                    }
                    let mut detail: Vec<(&str, Val)> = key.to_vec();
                    match e.kind {
                        EventKind::Dispensing => {
                            detail.push(("PHA_PRS_C13", Val::S(code.clone())));
                            detail.push(("PHA_ACT_QSN", Val::I(qty)));
                            detail.push(("PHA_ACT_PRU", Val::F(paid)));
                            pha.row(detail)?;
                        }
                        EventKind::Act => {
                            detail.push(("CAM_PRS_IDE", Val::S(code.clone())));
                            detail.push(("CAM_ACT_COD", Val::S("1".into())));
                            cam.row(detail)?;
                        }
                        _ => {}
                    }
                }
            }
            EventKind::Ald => {
                let code = d.code_of(e);
                let num = crate::synth::ald_number(code).unwrap_or(31);
                let mut cells = vec![
                    (
                        "BEN_NIR_PSA",
                        Val::S(pseudonym(e.patient as usize, e.start).to_string()),
                    ),
                    ("BEN_RNG_GEM", Val::I(p.rank as i32)),
                    ("IMB_ALD_NUM", Val::I(num as i32)),
                    ("IMB_ALD_DTD", Val::D(e.start)),
                    (
                        "IMB_ETM_NAT",
                        Val::S(if num == 31 { "43" } else { "41" }.into()),
                    ),
                    ("MED_MTF_COD", Val::S(code.to_string())),
                ];
                if e.end < MAX_DAY {
                    cells.push(("IMB_ALD_DTF", Val::D(e.end)));
                } else if pitfalls.sentinel_dates {
                    cells.push(("IMB_ALD_DTF", Val::D(SENTINEL_DATE)));
                }
                imb.row(cells)?;
            }
            EventKind::Stay => {
                let s = if e.stay == 0 {
                    next_free += 1;
                    next_free
                } else {
                    e.stay
                };
                stays.entry(s).or_default().stay = Some(i);
            }
            EventKind::Diagnosis if e.stay != 0 => match e.role {
                Role::DR => stays.entry(e.stay).or_default().dr.push(i),
                Role::DAS => stays.entry(e.stay).or_default().das.push(i),
                _ => {}
            },
            EventKind::Act => stays.entry(e.stay).or_default().acts.push(i),
            // Death comes from IR_BEN_R; diagnoses outside stays cannot be written.
            _ => {}
        }
    }

    // Exemptions for a work accident, an occupational disease or invalidity.
    if pitfalls.work_ald_natures {
        for (i, p) in pop.patients.iter().enumerate() {
            let Some((lo, _)) =
                crate::model::observation(p.birth, p.death, pop.data_start, pop.data_end)
            else {
                continue;
            };
            if i % WORK_ALD_EVERY != 9 {
                continue;
            }
            let k = (i / WORK_ALD_EVERY) % 3;
            imb.row(vec![
                ("BEN_NIR_PSA", Val::S(pseudonym(i, lo).to_string())),
                ("BEN_RNG_GEM", Val::I(p.rank as i32)),
                ("IMB_ALD_NUM", Val::I(99)),
                ("IMB_ALD_DTD", Val::D(lo)),
                ("IMB_ETM_NAT", Val::S(["11", "12", "13"][k].into())),
                ("MED_MTF_COD", Val::S(["S720", "M751", "F322"][k].into())),
            ])?;
        }
    }

    // PMSI, by discharge year.
    let mut years: BTreeMap<i32, [Builder; 4]> = BTreeMap::new();
    let mut dup_copy: [(&str, &str, &str, &str); 2];
    for (num, acc) in &stays {
        let Some(si) = acc.stay else { continue };
        let st = &pop.events[si];
        let p = &pop.patients[st.patient as usize];
        let year = dates::year(st.end);
        let t = years.entry(year).or_insert_with(|| {
            [
                Builder::new(TableKind::McoB(year)),
                Builder::new(TableKind::McoC(year)),
                Builder::new(TableKind::McoD(year)),
                Builder::new(TableKind::McoA(year)),
            ]
        });
        let dp = d.code_of(st).to_string();
        let dr = acc
            .dr
            .first()
            .map(|&k| d.code_of(&pop.events[k]).to_string());
        let (sy, sm, _) = dates::to_ymd(st.end);
        let eta = format!("{:09}", 750_000_000 + num % 97);
        let dept = dept3(p.dept);
        let bdi = dept.strip_prefix('0').unwrap_or(&dept).to_string();
        // (FINESS, prefix of the RSA_NUM, NIR_RET, GHM): the stay, then its erroneous copies
        // (written to B and C only) or its copy under a duplicated FINESS (written whole).
        let copies: &[(&str, &str, &str, &str)] = if num % STAY_ERROR_EVERY == 1 {
            &[
                ("", "", "0", ""),
                ("", "R", "1", ""),
                ("", "E", "0", "90Z00Z"),
            ]
        } else if pitfalls.duplicate_finess && num % FINESS_DUPLICATE_EVERY == 5 {
            let twin = DUPLICATE_FINESS[(*num / FINESS_DUPLICATE_EVERY) as usize % 46];
            dup_copy = [("", "", "0", ""), (twin, "", "0", "")];
            &dup_copy
        } else {
            &[("", "", "0", "")]
        };
        let nir = pseudonym(st.patient as usize, st.start).to_string();
        for (finess, prefix, ret, ghm) in copies {
            let eta = if finess.is_empty() {
                eta.clone()
            } else {
                finess.to_string()
            };
            let rsa = format!("{prefix}{num:010}");
            let ghm = if ghm.is_empty() {
                ghm_of(&dp)
            } else {
                ghm.to_string()
            };
            let mut b = vec![
                ("ETA_NUM", Val::S(eta.clone())),
                ("RSA_NUM", Val::S(rsa.clone())),
                ("DGN_PAL", Val::S(dp.clone())),
                ("GRG_GHM", Val::S(ghm)),
                ("AGE_ANN", Val::I(dates::age_at(p.birth, st.start))),
                ("COD_SEX", Val::S(p.sex.to_string())),
                ("BDI_DEP", Val::S(bdi.clone())),
                ("SEJ_NBJ", Val::I(st.value)),
                ("ENT_MOD", Val::S("8".into())),
                (
                    "SOR_MOD",
                    Val::S(if p.death == Some(st.end) { "9" } else { "8" }.into()),
                ),
                ("SOR_ANN", Val::S(format!("{sy:04}"))),
                ("SOR_MOI", Val::S(format!("{sm:02}"))),
            ];
            if let Some(dr) = &dr {
                b.push(("DGN_REL", Val::S(dr.clone())));
            }
            t[0].row(b)?;
            let mut c = vec![
                ("ETA_NUM", Val::S(eta.clone())),
                ("RSA_NUM", Val::S(rsa.clone())),
                ("NIR_ANO_17", Val::S(nir.clone())),
                ("EXE_SOI_DTD", Val::D(st.start)),
                ("EXE_SOI_DTF", Val::D(st.end)),
            ];
            for r in [
                "NIR_RET", "NAI_RET", "SEX_RET", "SEJ_RET", "FHO_RET", "PMS_RET", "DAT_RET",
            ] {
                let v = if r == "NIR_RET" { *ret } else { "0" };
                c.push((r, Val::S(v.into())));
            }
            t[1].row(c)?;
            if !prefix.is_empty() {
                continue;
            }
            for &k in &acc.das {
                t[2].row(vec![
                    ("ETA_NUM", Val::S(eta.clone())),
                    ("RSA_NUM", Val::S(rsa.clone())),
                    ("ASS_DGN", Val::S(d.code_of(&pop.events[k]).to_string())),
                ])?;
            }
            for &k in &acc.acts {
                let a = &pop.events[k];
                t[3].row(vec![
                    ("ETA_NUM", Val::S(eta.clone())),
                    ("RSA_NUM", Val::S(rsa.clone())),
                    ("CDC_ACT", Val::S(d.code_of(a).to_string())),
                    ("ENT_DAT_DEL", Val::I(a.start - st.start)),
                    ("NBR_EXE_ACT", Val::I(a.value)),
                ])?;
            }
        }
    }

    let mut out = vec![
        ("IR_BEN_R".to_string(), ben.finish()?),
        ("IR_PHA_R".to_string(), pha_r.finish()?),
        ("IR_IMB_R".to_string(), imb.finish()?),
        ("ER_PRS_F".to_string(), prs.finish()?),
        ("ER_PHA_F".to_string(), pha.finish()?),
        ("ER_CAM_F".to_string(), cam.finish()?),
    ];
    for (year, t) in years {
        for (k, b) in t.into_iter().enumerate() {
            let kind = [
                TableKind::McoB(year),
                TableKind::McoC(year),
                TableKind::McoD(year),
                TableKind::McoA(year),
            ][k];
            out.push((kind.name(), b.finish()?));
        }
    }
    Ok(out)
}
