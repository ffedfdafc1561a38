//! The history of one person, drawn from the person's own random stream: demography, onset of
//! each condition (prevalent on the first day of the data or incident during it), acute events,
//! death, then the care that follows from them.
//!
//! Coherence rules kept here (checked by `tests/synth_invariants.rs`):
//! - a condition's specific drugs start on or after its first recorded diagnosis (a hospital
//!   stay, or the ALD registration, which may predate the data): antidiabetics (A10) after E11,
//!   oral anticoagulants (B01AA/B01AF) after I48, loop diuretics and sacubitril/valsartan after
//!   I50, antiplatelets (B01AC) after I20–I25 or I63/I69, anti-dementia drugs (N06D) after
//!   F01/F03/G30, breast cancer hormone therapy (L02B) after C50;
//! - treatments follow guidelines (HAS): metformin first in type 2 diabetes, then a DPP-4
//!   inhibitor, SGLT2 inhibitor, GLP-1 agonist or sulfonylurea, insulin last; after a myocardial
//!   infarction a beta-blocker, a statin, aspirin and a P2Y12 inhibitor within days of discharge;
//! - substances appear only once reimbursed in France (SGLT2 inhibitors from 2020, DOACs from
//!   2012–2013...; `codes::AVAILABLE_FROM`), anti-dementia drugs stop on 1 August 2018;
//! - no city visit, act or dispensing while the person is in hospital;
//! - nothing happens after death; the death event is the person's last.

use super::care::{Out, NONE};
use super::codes::{Atc, Ccam, Icd, Nature, Packs, N_ATC};
use super::conditions::{age_index, curve_at, years_to_days, Cond, Tables, ALL, NC, SPECS};
use super::demography::{self, age, Demography, Person, YEAR};
use crate::dates::{self, Day};
use crate::hash::stream_seed;
use crate::model::{sex, Event, EventKind, Patient, Role};
use crate::rng::Rng;

/// Scale of the general-population death rates once condition hazard ratios and acute-event
/// deaths are added (calibrated so the crude death rate matches INSEE 2022: CALIBRATION.md).
const BASE_DEATH: f64 = 0.78;

/// Anti-dementia drugs are no longer reimbursed in France since 1 August 2018 (JO, 29 May 2018).
const DEMENTIA_DRUGS_DELISTED: (i32, u32, u32) = (2018, 8, 1);

/// A long-term treatment outside the modelled conditions: the share of people on it by age
/// (nodes `(age, men, women)`, as in `conditions.rs`) and how often it stops.
struct LongTerm {
    /// The substance (the statin and the proton pump inhibitor are picked per person).
    drug: Atc,
    curve: &'static [(f64, f64, f64)],
    stop_per_year: f64,
}

/// Share of chronic courses dispensed in 84/90-day boxes when the substance has them.
const QUARTERLY_SHARE: f64 = 0.15;

/// Share of GP visits with paracetamol (1 to 3 boxes).
const PARACETAMOL_PER_VISIT: f64 = 0.45;
/// Mean number of lines of [`ACUTE`] drugs per GP visit at age `a`: older people's
/// prescriptions hold more lines.
fn acute_lines_per_visit(a: f64) -> f64 {
    match a as u32 {
        0..=14 => 0.6,
        15..=44 => 2.0,
        45..=64 => 2.8,
        _ => 3.2,
    }
}

/// Common acute and episodic drugs of GP prescriptions, with relative weights after their
/// ranks in Open Medic (boxes): anti-inflammatory drugs, proton pump inhibitors, oral
/// corticosteroids, antihistamines, analgesics, anxiolytics and hypnotics, vitamin D.
const ACUTE: [(Atc, f64); 16] = [
    (Atc::M01AE01, 5.0),
    (Atc::M01AE03, 3.0),
    (Atc::M01AB05, 2.0),
    (Atc::A02BC01, 2.0),
    (Atc::A02BC05, 2.0),
    (Atc::A02BC02, 1.0),
    (Atc::H02AB06, 3.0),
    (Atc::H02AB07, 2.0),
    (Atc::R06AX27, 2.0),
    (Atc::R05DA09, 1.0),
    (Atc::N02AJ13, 2.0),
    (Atc::N02AX02, 1.5),
    (Atc::N05BA01, 1.0),
    (Atc::N05BA08, 1.5),
    (Atc::N05CF01, 1.5),
    (Atc::A11CC05, 2.0),
];

const LT_STATIN: usize = 0;
const LT_PPI: usize = 2;
const LT_PAIN: usize = 4;
const LT_VITAMIN_D: usize = 5;

/// Long-term treatments, by index (`LT_*`). Shares by age and sex are set so that the boxes
/// per person-year by age match the Cnam's figures (CALIBRATION.md), in the order of magnitude
/// of published user counts: statins in primary prevention (about 7 M statin users in all),
/// levothyroxine (about 3 M users, four in five women), allopurinol, long-term proton pump
/// inhibitors, analgesics for chronic pain (paracetamol, sometimes tramadol), vitamin D and
/// hypnotics in older people.
const LONG_TERM: [LongTerm; 7] = [
    LongTerm {
        drug: Atc::C10AA05,
        curve: &[
            (35.0, 0.0, 0.0),
            (45.0, 0.03, 0.015),
            (55.0, 0.09, 0.05),
            (65.0, 0.20, 0.15),
            (75.0, 0.35, 0.32),
            (85.0, 0.32, 0.32),
            (95.0, 0.12, 0.12),
        ],
        stop_per_year: 0.08,
    },
    LongTerm {
        drug: Atc::H03AA01,
        curve: &[
            (15.0, 0.0, 0.0),
            (25.0, 0.004, 0.02),
            (45.0, 0.01, 0.06),
            (65.0, 0.025, 0.11),
            (80.0, 0.035, 0.13),
        ],
        stop_per_year: 0.02,
    },
    LongTerm {
        drug: Atc::A02BC02,
        curve: &[
            (20.0, 0.0, 0.0),
            (40.0, 0.04, 0.05),
            (60.0, 0.10, 0.12),
            (70.0, 0.24, 0.26),
            (80.0, 0.36, 0.38),
        ],
        stop_per_year: 0.15,
    },
    LongTerm {
        drug: Atc::M04AA01,
        curve: &[
            (35.0, 0.0, 0.0),
            (50.0, 0.015, 0.002),
            (65.0, 0.04, 0.01),
            (80.0, 0.07, 0.03),
        ],
        stop_per_year: 0.05,
    },
    LongTerm {
        drug: Atc::N02BE01,
        curve: &[
            (30.0, 0.0, 0.0),
            (45.0, 0.03, 0.05),
            (60.0, 0.07, 0.11),
            (70.0, 0.14, 0.20),
            (80.0, 0.26, 0.36),
            (90.0, 0.38, 0.48),
        ],
        stop_per_year: 0.2,
    },
    LongTerm {
        drug: Atc::A11CC05,
        curve: &[
            (50.0, 0.0, 0.0),
            (60.0, 0.03, 0.10),
            (75.0, 0.08, 0.22),
            (85.0, 0.12, 0.28),
        ],
        stop_per_year: 0.2,
    },
    LongTerm {
        drug: Atc::N05CF01,
        curve: &[
            (40.0, 0.0, 0.0),
            (60.0, 0.02, 0.04),
            (75.0, 0.05, 0.09),
            (85.0, 0.07, 0.12),
        ],
        stop_per_year: 0.3,
    },
];

/// What every person of a population shares.
pub(crate) struct Ctx<'a> {
    pub seed: u64,
    pub start_year: i32,
    pub start: Day,
    pub end: Day,
    /// First day of each year of the span, then the day after the end.
    pub year_starts: Vec<Day>,
    pub demo: Demography,
    pub tables: Tables,
    pub packs: &'a [Packs],
    dementia_delisted: Day,
    /// Reimbursement dates of recent substances.
    pub available: super::codes::Availability,
    /// Cumulative weights of [`ACUTE`].
    acute_cumulative: Vec<f64>,
}

impl<'a> Ctx<'a> {
    pub(crate) fn new(
        seed: u64,
        start_year: i32,
        years: u32,
        start: Day,
        end: Day,
        packs: &'a [Packs],
    ) -> Self {
        let year_starts = (0..=years as i32)
            .map(|k| dates::from_ymd(start_year + k, 1, 1))
            .collect();
        let (y, m, d) = DEMENTIA_DRUGS_DELISTED;
        Ctx {
            seed,
            start_year,
            start,
            end,
            year_starts,
            demo: Demography::new(years),
            tables: Tables::new(),
            packs,
            dementia_delisted: dates::from_ymd(y, m, d),
            available: super::codes::Availability::new(),
            acute_cumulative: ACUTE
                .iter()
                .scan(0.0, |t, (_, w)| {
                    *t += w;
                    Some(*t)
                })
                .collect(),
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum AcuteKind {
    Mi,
    Stroke,
    HfStay,
    CopdStay,
    HipFracture,
    AsthmaStay,
}

#[derive(Clone, Copy)]
struct Acute {
    day: Day,
    kind: AcuteKind,
    /// The first event of an incident condition (its stay is written by the condition's
    /// history; the event is listed here for its case fatality).
    first: bool,
}

/// Uniform day in `lo..=hi` (`lo` when the range is empty).
#[inline]
fn day_in(rng: &mut Rng, lo: Day, hi: Day) -> Day {
    if hi <= lo {
        lo
    } else {
        rng.range_i32(lo, hi)
    }
}

/// Waiting time in days with mean `years` years.
#[inline]
fn wait(rng: &mut Rng, years: f64) -> Day {
    years_to_days(rng.exponential(years))
}

/// Pick one of `items` with the given weights.
#[inline]
fn pick<T: Copy>(rng: &mut Rng, items: &[(T, f64)]) -> T {
    let total: f64 = items.iter().map(|x| x.1).sum();
    let mut x = rng.f64() * total;
    for (t, w) in items {
        if x < *w {
            return *t;
        }
        x -= w;
    }
    items[items.len() - 1].0
}

/// Generate patient `index`, pushing its events to `ev` (stay numbers continue from `stays`).
pub(crate) fn patient(
    ctx: &Ctx,
    index: u64,
    ev: &mut Vec<Event>,
    stays: &mut u32,
    scratch: &mut super::care::Scratch,
) -> Patient {
    let twin = demography::is_twin(ctx.seed, index);
    let mut rng = Rng::new(stream_seed(ctx.seed, index));
    let person = if twin {
        // Same-sex twins share the pseudonym, birth and residence of the first twin.
        let mut first = Rng::new(stream_seed(ctx.seed, index - 1));
        ctx.demo
            .draw(&mut first, ctx.start_year, ctx.start, ctx.end)
    } else {
        ctx.demo.draw(&mut rng, ctx.start_year, ctx.start, ctx.end)
    };
    let (nir, rank) = if twin {
        (demography::nir(ctx.seed, index - 1), 2)
    } else {
        (demography::nir(ctx.seed, index), 1)
    };
    let s = if person.sex == sex::MALE { 0 } else { 1 };
    let onset = onsets(ctx, &mut rng, &person, s);
    let mut acute = Vec::new();
    schedule_acute(ctx, &mut rng, &person, s, &onset, &mut acute);
    let death = death(ctx, &mut rng, &person, s, &onset, &acute);

    let first = ev.len();
    let first_stay = *stays;
    let mut out = Out {
        ev,
        first,
        patient: index as u32,
        lo: person.birth.max(ctx.start),
        hi: if death == NONE { ctx.end } else { death },
        data_start: ctx.start,
        death,
        birth: person.birth,
        stays,
        packs: ctx.packs,
        available: &ctx.available,
        busy: [Day::MIN; N_ATC],
    };
    let mut h = History {
        ctx,
        rng: &mut rng,
        out: &mut out,
        p: person,
        onset: onset.day,
        prevalent: onset.prevalent,
        record: [NONE; NC],
        anticoagulated: false,
        statin: None,
        first_mi: onset.first_mi,
        hf_stay: onset.hf_stay,
    };
    h.conditions();
    for a in &acute {
        h.acute(a);
    }
    h.background();
    if death != NONE {
        h.out.push_death(death);
    }
    out.finish(first_stay, scratch);
    Patient {
        nir,
        rank,
        sex: person.sex,
        birth: person.birth,
        death: (death != NONE).then_some(death),
        dept: person.dept,
    }
}

impl Out<'_> {
    fn push_death(&mut self, day: Day) {
        self.ev.push(Event {
            patient: self.patient,
            kind: EventKind::Death,
            role: Role::None,
            start: day,
            end: day,
            code: 0,
            value: 0,
            stay: 0,
        });
    }
}

struct Onsets {
    day: [Day; NC],
    prevalent: [bool; NC],
    /// An incident coronary disease starts with a myocardial infarction (else angina).
    first_mi: bool,
    /// An incident heart failure is found at a hospital stay (else in city care).
    hf_stay: bool,
}

/// Relative risk of onset of `c` given the conditions already present at `at`.
fn risk(c: Cond, onset: &[Day; NC], at: Day) -> f64 {
    let mut rr = 1.0;
    for (r, x) in SPECS[c as usize].risks {
        if onset[*r as usize] <= at {
            rr *= x;
        }
    }
    rr
}

fn onsets(ctx: &Ctx, rng: &mut Rng, p: &Person, s: usize) -> Onsets {
    let mut day = [NONE; NC];
    let mut prevalent = [false; NC];
    let t = &ctx.tables;
    for c in ALL {
        let ci = c as usize;
        let spec = &SPECS[ci];
        if p.birth < ctx.start {
            let a0 = age(p.birth, ctx.start);
            let ai = age_index(a0);
            let pr = t.prev[ci][s][ai] * risk(c, &day, ctx.start) / t.norm[ci][s][ai];
            if a0 > spec.min_age && rng.chance(pr.min(0.95)) {
                let span = (a0 - spec.min_age).min(spec.max_duration);
                let d = 1 + years_to_days(rng.f64() * span);
                day[ci] = ctx.start - d;
                prevalent[ci] = true;
                continue;
            }
        }
        for k in 0..ctx.year_starts.len() - 1 {
            let from = ctx.year_starts[k].max(p.birth);
            let to = ctx.year_starts[k + 1] - 1;
            if from > to {
                continue;
            }
            let a = age(p.birth, from + (to - from) / 2);
            if a < spec.min_age {
                continue;
            }
            let ai = age_index(a);
            let h = t.inc[ci][s][ai] * risk(c, &day, from) / t.norm[ci][s][ai];
            let frac = (to - from + 1) as f64 / YEAR;
            if rng.chance(h * frac) {
                day[ci] = day_in(rng, from, to);
                break;
            }
        }
    }
    // How incident coronary disease and heart failure present (drawn here: their first stay's
    // case fatality is part of the death draw).
    let first_mi = rng.chance(0.4);
    let hf_stay = rng.chance(0.7);
    Onsets {
        day,
        prevalent,
        first_mi,
        hf_stay,
    }
}

/// Acute events over the data span (those after death are dropped later).
fn schedule_acute(
    ctx: &Ctx,
    rng: &mut Rng,
    p: &Person,
    s: usize,
    o: &Onsets,
    acute: &mut Vec<Acute>,
) {
    let on = |c: Cond| o.day[c as usize];
    // First events of incident conditions, for their case fatality.
    let incident = |c: Cond| {
        let d = o.day[c as usize];
        (!o.prevalent[c as usize] && d != NONE && d >= ctx.start && d <= ctx.end).then_some(d)
    };
    for (d, kind) in [
        (incident(Cond::Stroke), AcuteKind::Stroke),
        (incident(Cond::Ihd).filter(|_| o.first_mi), AcuteKind::Mi),
        (incident(Cond::Hf).filter(|_| o.hf_stay), AcuteKind::HfStay),
    ] {
        if let Some(day) = d {
            acute.push(Acute {
                day,
                kind,
                first: true,
            });
        }
    }
    // A Poisson process of events at `per_year` from `from` to the end of the data.
    let mut process = |rng: &mut Rng, from: Day, per_year: f64, kind: AcuteKind, max: usize| {
        let mut d = from.max(ctx.start);
        let mut n = 0;
        while n < max {
            d += 1 + wait(rng, 1.0 / per_year);
            if d > ctx.end {
                break;
            }
            acute.push(Acute {
                day: d,
                kind,
                first: false,
            });
            n += 1;
        }
    };
    let diab = on(Cond::Diab) != NONE;
    if on(Cond::Ihd) != NONE {
        // Recurrent myocardial infarction: 1–1.5 % a year in coronary patients (FAST-MI).
        let rate = if diab { 0.015 } else { 0.01 };
        process(rng, on(Cond::Ihd) + 60, rate, AcuteKind::Mi, 2);
    }
    if on(Cond::Stroke) != NONE {
        process(rng, on(Cond::Stroke) + 60, 0.02, AcuteKind::Stroke, 1);
    }
    if on(Cond::Hf) != NONE {
        // Decompensations: ~ 25 % of heart failure patients hospitalised each year.
        process(rng, on(Cond::Hf) + 30, 0.25, AcuteKind::HfStay, 3);
    }
    if on(Cond::Copd) != NONE {
        let old = age(p.birth, ctx.start) > 75.0;
        process(
            rng,
            on(Cond::Copd) + 30,
            if old { 0.15 } else { 0.08 },
            AcuteKind::CopdStay,
            3,
        );
    }
    if on(Cond::Asthma) != NONE {
        process(rng, on(Cond::Asthma) + 30, 0.006, AcuteKind::AsthmaStay, 1);
    }
    // Hip fracture: yearly incidence by age and sex, raised by its risk factors.
    let t = &ctx.tables;
    for k in 0..ctx.year_starts.len() - 1 {
        let from = ctx.year_starts[k].max(p.birth);
        let to = ctx.year_starts[k + 1] - 1;
        if from > to {
            continue;
        }
        let a = age(p.birth, from);
        if a < 40.0 {
            continue;
        }
        let ai = age_index(a);
        let mut rr = 1.0;
        for (r, x) in super::conditions::HIP_RISKS {
            if o.day[*r as usize] <= from {
                rr *= x;
            }
        }
        let h = t.hip[s][ai] * rr / t.hip_norm[s][ai] * (to - from + 1) as f64 / YEAR;
        if rng.chance(h) {
            acute.push(Acute {
                day: day_in(rng, from, to),
                kind: AcuteKind::HipFracture,
                first: false,
            });
            break;
        }
    }
}

/// Death day ([`NONE`] when alive at the end of the data): general-population rates by age and
/// sex (INSEE 2022) times the hazard ratios of the conditions present, plus the early deaths of
/// acute events (case fatality); nobody lives past 110.
fn death(ctx: &Ctx, rng: &mut Rng, p: &Person, s: usize, o: &Onsets, acute: &[Acute]) -> Day {
    let t = &ctx.tables;
    let mut best = NONE;
    let cap = p.birth + years_to_days(110.0);
    if cap <= ctx.end {
        best = cap.max(ctx.start);
    }
    for k in 0..ctx.year_starts.len() - 1 {
        let from = ctx.year_starts[k].max(p.birth);
        let to = ctx.year_starts[k + 1] - 1;
        if from > to || from >= best {
            continue;
        }
        let a = age(p.birth, from + (to - from) / 2);
        let ai = age_index(a);
        let mut hr = 1.0;
        let mut latest = from;
        for c in ALL {
            let d = o.day[c as usize];
            if d > to {
                continue;
            }
            let mut r = SPECS[c as usize].death_ratio;
            if c == Cond::Breast && to - d < years_to_days(5.0) {
                // Most breast cancer deaths happen in the first five years.
                r = 3.0;
            }
            hr *= r;
            latest = latest.max(d);
        }
        let q = demography::death_rate(p.sex, a) * BASE_DEATH * hr / t.death_norm[s][ai];
        if rng.chance(q * (to - from + 1) as f64 / YEAR) {
            best = best.min(day_in(rng, latest, to));
            break;
        }
    }
    let a_start = |d: Day| age(p.birth, d);
    for e in acute {
        let a = a_start(e.day);
        // Deaths within 30 days and from 31 days to one year of the event, by age (CALIBRATION.md:
        // Santé publique France and Cnam studies of hospitalised patients, FAST-MI, French hip
        // fracture cohorts), on top of the excess hazard of the condition that follows.
        let band = if a < 65.0 {
            0
        } else if a < 80.0 {
            1
        } else {
            2
        };
        let (p30, p365) = match e.kind {
            AcuteKind::Mi => [(0.02, 0.01), (0.05, 0.03), (0.12, 0.09)][band],
            AcuteKind::Stroke => [(0.04, 0.03), (0.08, 0.07), (0.13, 0.11)][band],
            AcuteKind::HfStay if e.first => [(0.03, 0.04), (0.05, 0.06), (0.07, 0.09)][band],
            AcuteKind::HfStay => (0.06, 0.12),
            AcuteKind::CopdStay => (0.04, 0.06),
            AcuteKind::HipFracture => [(0.01, 0.02), (0.03, 0.06), (0.07, 0.10)][band],
            AcuteKind::AsthmaStay => (0.001, 0.0),
        };
        let u = rng.f64();
        let d = if u < p30 {
            e.day + rng.range_i32(0, 30)
        } else if u < p30 + p365 {
            e.day + rng.range_i32(31, 365)
        } else {
            NONE
        };
        best = best.min(d);
    }
    if best > ctx.end {
        NONE
    } else {
        best
    }
}

struct History<'c, 'r, 'o, 'e> {
    ctx: &'c Ctx<'c>,
    rng: &'r mut Rng,
    out: &'o mut Out<'e>,
    p: Person,
    onset: [Day; NC],
    prevalent: [bool; NC],
    /// First recorded diagnosis of each condition (stay or ALD start).
    record: [Day; NC],
    anticoagulated: bool,
    statin: Option<Atc>,
    /// An incident coronary disease starts with a myocardial infarction.
    first_mi: bool,
    /// An incident heart failure is found at a hospital stay.
    hf_stay: bool,
}

/// The condition a main or associated diagnosis records.
fn cond_of(icd: Icd) -> Option<Cond> {
    use Icd::*;
    Some(match icd {
        E119 | E118 | E112 | E113 => Cond::Diab,
        I200 | I209 | I210 | I211 | I214 | I219 | I251 | I255 => Cond::Ihd,
        I500 | I501 | I509 => Cond::Hf,
        I480 | I481 | I489 => Cond::Af,
        I633 | I634 | I635 | I639 | I693 => Cond::Stroke,
        F019 | F03 | G309 => Cond::Dementia,
        C504 | C508 | C509 => Cond::Breast,
        _ => return None,
    })
}

impl History<'_, '_, '_, '_> {
    fn on(&self, c: Cond) -> Day {
        self.onset[c as usize]
    }

    fn age(&self, d: Day) -> f64 {
        age(self.p.birth, d)
    }

    fn note(&mut self, c: Cond, d: Day) {
        let r = &mut self.record[c as usize];
        *r = (*r).min(d);
    }

    /// Associated diagnoses of a stay on day `d`: the chronic conditions present then (at most
    /// five, as most stays carry few DAS).
    fn das(&self, d: Day) -> ([Icd; 5], [Cond; 5], usize) {
        let mut codes = [Icd::I10; 5];
        let mut conds = [Cond::Htn; 5];
        let mut n = 0;
        let list = [
            (Cond::Diab, Icd::E119),
            (Cond::Htn, Icd::I10),
            (Cond::Af, Icd::I489),
            (Cond::Hf, Icd::I509),
            (Cond::Ihd, Icd::I251),
            (Cond::Copd, Icd::J449),
            (Cond::Dementia, Icd::F03),
            (Cond::Stroke, Icd::I693),
            (Cond::Dep, Icd::F329),
            (Cond::Ost, Icd::M8109),
        ];
        for (c, code) in list {
            // Depression is coded while an episode is likely under care (two years).
            if c == Cond::Dep && d - self.on(c) > 730 {
                continue;
            }
            if self.on(c) <= d && n < 5 {
                codes[n] = code;
                conds[n] = c;
                n += 1;
            }
        }
        (codes, conds, n)
    }

    /// A stay with the comorbidities as DAS; records every condition the diagnoses name.
    fn stay(
        &mut self,
        adm: Day,
        los: i32,
        dp: Icd,
        dr: Option<Icd>,
        acts: &[(Ccam, i32)],
    ) -> Option<Day> {
        let (codes, conds, n) = self.das(adm);
        let dis = self.out.stay(adm, los, dp, dr, &codes[..n], acts)?;
        for c in &conds[..n] {
            self.note(*c, adm);
        }
        if let Some(c) = cond_of(dp) {
            self.note(c, adm);
        }
        Some(dis)
    }

    fn ald(&mut self, c: Cond, start: Day, end: Day, icd: Icd) -> bool {
        let ok = self.out.ald(start, end, icd);
        if ok {
            self.note(c, start.max(self.p.birth));
        }
        ok
    }

    fn course(&mut self, atc: Atc, from: Day, to: Day) -> Day {
        self.out.course(self.rng, atc, from, to, QUARTERLY_SHARE)
    }

    /// A course until a discontinuation drawn with `stop_per_year`, or `to`.
    fn course_persist(&mut self, atc: Atc, from: Day, to: Day, stop_per_year: f64) -> Day {
        let stop = from.saturating_add(wait(self.rng, 1.0 / stop_per_year));
        self.course(atc, from, to.min(stop))
    }

    fn conditions(&mut self) {
        let end = self.ctx.end;
        if self.on(Cond::Htn) != NONE {
            self.hypertension(end);
        }
        if self.on(Cond::Diab) != NONE {
            self.diabetes(end);
        }
        if self.on(Cond::Af) != NONE {
            self.fibrillation(end);
        }
        if self.on(Cond::Ihd) != NONE {
            self.coronary(end);
        }
        if self.on(Cond::Hf) != NONE {
            self.heart_failure(end);
        }
        if self.on(Cond::Stroke) != NONE {
            self.stroke(end);
        }
        if self.on(Cond::Copd) != NONE {
            self.copd(end);
        }
        if self.on(Cond::Asthma) != NONE {
            self.asthma(end);
        }
        if self.on(Cond::Dep) != NONE {
            self.depression(end);
        }
        if self.on(Cond::Breast) != NONE {
            self.breast();
        }
        if self.on(Cond::Dementia) != NONE {
            self.dementia(end);
        }
        if self.on(Cond::Ost) != NONE {
            let o = self.on(Cond::Ost);
            if self.rng.chance(0.6) {
                let drug = pick(self.rng, &[(Atc::M05BA04, 0.7), (Atc::M05BA07, 0.3)]);
                self.course_persist(drug, o + 30, o + years_to_days(5.0), 0.2);
                self.out.as_needed(self.rng, Atc::A11CC05, o, end, 3.0);
            }
        }
        if self.on(Cond::Bzd) != NONE {
            let o = self.on(Cond::Bzd);
            let drug = pick(
                self.rng,
                &[
                    (Atc::N05BA12, 0.35),
                    (Atc::N05BA04, 0.35),
                    (Atc::N05CF02, 0.3),
                ],
            );
            let stop = o + wait(self.rng, 3.0);
            self.out.course(self.rng, drug, o, stop, 0.0);
        }
    }

    fn hypertension(&mut self, end: Day) {
        let o = self.on(Cond::Htn);
        let t0 = o + self.rng.range_i32(0, 30);
        let first = pick(
            self.rng,
            &[
                (Atc::C09AA05, 0.18),
                (Atc::C09AA04, 0.12),
                (Atc::C09CA01, 0.15),
                (Atc::C09CA03, 0.15),
                (Atc::C08CA01, 0.28),
                (Atc::C03AA03, 0.12),
            ],
        );
        let ace = matches!(first, Atc::C09AA05 | Atc::C09AA04);
        if ace && self.rng.chance(0.1) {
            // Dry cough under an ACE inhibitor: switch to an angiotensin II receptor blocker.
            let sw = t0 + self.rng.range_i32(30, 365);
            self.course(first, t0, sw - 1);
            self.course(Atc::C09CA01, sw, end);
        } else {
            self.course_persist(first, t0, end, 0.04);
        }
        // Dual therapy after a few years for most patients, then a thiazide-like diuretic
        // (most treated hypertensive people take two or more drugs).
        let t1 = t0 + wait(self.rng, 3.0);
        let second = if first == Atc::C08CA01 {
            Atc::C09AA05
        } else {
            Atc::C08CA01
        };
        self.course(second, t1, end);
        let t2 = t1 + wait(self.rng, 5.0);
        self.course(Atc::C03BA11, t2, end);
    }

    fn diabetes(&mut self, end: Day) {
        let o = self.on(Cond::Diab);
        let treated = self.rng.chance(0.9);
        let mut rec = NONE;
        if !self.prevalent[Cond::Diab as usize] && self.rng.chance(0.08) {
            // Discovered at a hospital stay (hyperglycaemia).
            let los = self.rng.range_i32(2, 6);
            if let Some(dis) = self.stay(o, los, Icd::E118, None, &[]) {
                rec = dis;
            }
        }
        if treated || self.rng.chance(0.4) {
            let icd = pick(
                self.rng,
                &[
                    (Icd::E119, 0.72),
                    (Icd::E118, 0.1),
                    (Icd::E112, 0.1),
                    (Icd::E113, 0.08),
                ],
            );
            let base = if rec != NONE { rec } else { o };
            let start = base + self.rng.range_i32(0, 30);
            if self.ald(Cond::Diab, start, NONE, icd) {
                rec = rec.min(start);
            }
        }
        if rec == NONE || !treated {
            return;
        }
        let t0 = rec + self.rng.range_i32(0, 21);
        // Metformin first (HAS 2024); ~ 8 % stop for digestive intolerance.
        let t1 = t0 + wait(self.rng, 4.0);
        if self.rng.chance(0.08) {
            let stop = t0 + self.rng.range_i32(30, 180);
            self.course(Atc::A10BA02, t0, stop);
        } else {
            self.course(Atc::A10BA02, t0, end);
        }
        // Second line added to metformin.
        let sglt2 = pick(self.rng, &[(Atc::A10BK01, 0.5), (Atc::A10BK03, 0.5)]);
        let glp1 = if self.rng.chance(0.6) {
            Atc::A10BJ06
        } else {
            Atc::A10BJ02
        };
        let second = pick(
            self.rng,
            &[
                (Atc::A10BH01, 0.4),
                (sglt2, 0.25),
                (glp1, 0.15),
                (Atc::A10BB09, 0.2),
            ],
        );
        let t2 = t1 + wait(self.rng, 4.0);
        if second == Atc::A10BH01 && self.rng.chance(0.15) {
            // DPP-4 inhibitor replaced by a GLP-1 agonist.
            let sw = t1 + self.rng.range_i32(180, 900);
            self.course(second, t1, sw - 1);
            self.course(glp1, sw, end);
        } else {
            self.course(second, t1, end);
        }
        // Third line, then basal insulin (at least two years after the start).
        let third = if second == Atc::A10BB09 {
            Atc::A10BH01
        } else {
            Atc::A10BB09
        };
        self.course(third, t2, end);
        let t3 = (t2 + wait(self.rng, 4.0)).max(t0 + years_to_days(2.0));
        self.course(Atc::A10AE04, t3, end);
        // Retinography every ~ 2 years.
        let mut d = self.out.lo + self.rng.range_i32(0, 700);
        while d <= end {
            if d >= t0 && self.rng.chance(0.6) {
                self.out.act(d, Ccam::BGQP002);
            }
            d += self.rng.range_i32(600, 800);
        }
    }

    fn fibrillation(&mut self, end: Day) {
        let o = self.on(Cond::Af);
        let icd = pick(
            self.rng,
            &[(Icd::I480, 0.35), (Icd::I481, 0.3), (Icd::I489, 0.35)],
        );
        let mut rec = NONE;
        if self.prevalent[Cond::Af as usize] {
            if self.rng.chance(0.85) {
                let s = o + self.rng.range_i32(0, 90);
                if self.ald(Cond::Af, s, NONE, icd) {
                    rec = s;
                }
            }
        } else if self.rng.chance(0.4) {
            let los = self.rng.range_i32(1, 4);
            let acts = [(Ccam::DEQP003, 0), (Ccam::DZQM006, 1)];
            if let Some(dis) = self.stay(o, los, icd, None, &acts) {
                rec = o;
                if self.rng.chance(0.6) {
                    let s = dis + self.rng.range_i32(10, 60);
                    self.ald(Cond::Af, s, NONE, icd);
                }
            }
        } else {
            // Found in city care: cardiology consultation, ECG and Holter, then ALD 5.
            self.out.visit(o, Nature::N1112);
            self.out.act(o, Ccam::DEQP003);
            self.out.act(o + self.rng.range_i32(3, 20), Ccam::DEQP005);
            if self.rng.chance(0.85) {
                let s = o + self.rng.range_i32(7, 30);
                if self.ald(Cond::Af, s, NONE, icd) {
                    rec = s;
                }
            }
        }
        let rate_control = self.rng.chance(0.5);
        let start = if rec != NONE { rec } else { o };
        if rate_control {
            self.course(Atc::C07AB07, start + 1, end);
        } else if self.rng.chance(0.25) {
            self.course(Atc::C01BD01, start + 1, end);
        }
        // Anticoagulation (CHA2DS2-VASc ≥ 2 in most): only once AF is recorded.
        if rec != NONE && (self.age(o) >= 65.0 || self.rng.chance(0.6)) {
            self.anticoagulated = true;
            let t0 = rec + self.rng.range_i32(0, 14);
            let drug = pick(
                self.rng,
                &[
                    (Atc::B01AF02, 0.45),
                    (Atc::B01AF01, 0.35),
                    (Atc::B01AA03, 0.08),
                    (Atc::B01AA12, 0.12),
                ],
            );
            if matches!(drug, Atc::B01AA03 | Atc::B01AA12) && self.rng.chance(0.3) {
                let sw = t0 + self.rng.range_i32(90, 1500);
                self.course(drug, t0, sw - 1);
                self.course(Atc::B01AF02, sw, end);
            } else {
                self.course_persist(drug, t0, end, 0.05);
            }
        }
    }

    /// The person's statin (one substance for life, so two indications never overlap).
    fn statin(&mut self) -> Atc {
        if let Some(s) = self.statin {
            return s;
        }
        let s = pick(
            self.rng,
            &[
                (Atc::C10AA05, 0.6),
                (Atc::C10AA07, 0.25),
                (Atc::C10AA01, 0.15),
            ],
        );
        self.statin = Some(s);
        s
    }

    /// Secondary prevention after a coronary event discharged on `dis`.
    fn after_coronary(&mut self, dis: Day, stent: bool, mi: bool, end: Day) {
        let t = dis + self.rng.range_i32(0, 7);
        let statin = self.statin();
        self.course_persist(statin, t, end, 0.05);
        if !self.anticoagulated {
            self.course(Atc::B01AC06, t, end);
        }
        if stent || mi {
            let p2y12 = if mi && self.rng.chance(0.6) {
                Atc::B01AC24
            } else {
                Atc::B01AC04
            };
            let months = if mi { 365 } else { 180 };
            self.course(p2y12, t, t + months);
        }
        if mi || self.rng.chance(0.6) {
            self.course(Atc::C07AB07, t, end);
        }
        if mi && self.rng.chance(0.8) {
            self.course(Atc::C09AA05, t, end);
        }
    }

    fn mi_stay(&mut self, d: Day) -> Option<Day> {
        let dp = pick(
            self.rng,
            &[
                (Icd::I214, 0.45),
                (Icd::I210, 0.2),
                (Icd::I211, 0.2),
                (Icd::I219, 0.15),
            ],
        );
        let los = self.rng.range_i32(3, 8);
        let pci = pick(
            self.rng,
            &[
                (Some(Ccam::DDAF006), 0.7),
                (Some(Ccam::DDAF008), 0.1),
                (None, 0.2),
            ],
        );
        let acts: &[(Ccam, i32)] = match pci {
            Some(a) => &[(Ccam::DDQH009, 0), (a, 0), (Ccam::DZQM006, 1)],
            None => &[(Ccam::DDQH009, 0), (Ccam::DZQM006, 1)],
        };
        let acts = acts.to_vec();
        self.stay(d, los, dp, None, &acts)
    }

    fn coronary(&mut self, end: Day) {
        let o = self.on(Cond::Ihd);
        if self.prevalent[Cond::Ihd as usize] {
            let s = o + self.rng.range_i32(0, 90);
            let icd = if self.rng.chance(0.3) {
                Icd::I255
            } else {
                Icd::I251
            };
            if self.ald(Cond::Ihd, s, NONE, icd) {
                self.after_coronary(s, false, false, end);
            }
            return;
        }
        if self.first_mi {
            if let Some(dis) = self.mi_stay(o) {
                if self.rng.chance(0.6) {
                    let s = dis + self.rng.range_i32(15, 90);
                    self.ald(Cond::Ihd, s, NONE, Icd::I251);
                }
                self.after_coronary(dis, true, true, end);
            }
        } else {
            let dp = pick(
                self.rng,
                &[(Icd::I200, 0.3), (Icd::I209, 0.3), (Icd::I251, 0.4)],
            );
            let stent = self.rng.chance(0.5);
            let acts: Vec<(Ccam, i32)> = if stent {
                vec![(Ccam::DDQH009, 0), (Ccam::DDAF006, 0)]
            } else {
                vec![(Ccam::DDQH009, 0)]
            };
            let los = self.rng.range_i32(1, 3);
            if let Some(dis) = self.stay(o, los, dp, None, &acts) {
                if self.rng.chance(0.5) {
                    let s = dis + self.rng.range_i32(15, 90);
                    self.ald(Cond::Ihd, s, NONE, Icd::I251);
                }
                self.after_coronary(dis, stent, false, end);
            }
        }
    }

    fn hf_treatment(&mut self, from: Day, end: Day) {
        let t = from + self.rng.range_i32(0, 7);
        self.course(Atc::C03CA01, t, end);
        if self.rng.chance(0.2) {
            self.course(Atc::C09DX04, t, end);
        } else if self.rng.chance(0.7) {
            self.course(Atc::C09AA05, t, end);
        } else {
            self.course(Atc::C09CA01, t, end);
        }
        if self.rng.chance(0.75) {
            self.course(Atc::C07AB07, t, end);
        }
        if self.rng.chance(0.35) {
            self.course(Atc::C03DA01, t, end);
        }
    }

    fn heart_failure(&mut self, end: Day) {
        let o = self.on(Cond::Hf);
        let icd = if self.rng.chance(0.5) {
            Icd::I500
        } else {
            Icd::I509
        };
        if self.prevalent[Cond::Hf as usize] {
            let s = o + self.rng.range_i32(0, 90);
            if self.ald(Cond::Hf, s, NONE, icd) {
                self.hf_treatment(s, end);
            }
            return;
        }
        if self.hf_stay {
            let los = self.rng.range_i32(5, 12);
            if let Some(dis) = self.stay(o, los, Icd::I501, None, &[(Ccam::DZQM006, 1)]) {
                if self.rng.chance(0.7) {
                    let s = dis + self.rng.range_i32(10, 60);
                    self.ald(Cond::Hf, s, NONE, icd);
                }
                self.hf_treatment(dis, end);
            }
        } else {
            self.out.visit(o, Nature::N1112);
            self.out.act(o, Ccam::DZQM006);
            let s = o + self.rng.range_i32(3, 30);
            if self.ald(Cond::Hf, s, NONE, icd) {
                self.hf_treatment(s, end);
            }
        }
    }

    fn stroke_stay(&mut self, d: Day) -> Option<Day> {
        let dp = pick(
            self.rng,
            &[
                (Icd::I633, 0.3),
                (Icd::I634, 0.3),
                (Icd::I635, 0.1),
                (Icd::I639, 0.3),
            ],
        );
        let mut acts = vec![(Ccam::ACQK001, 0)];
        if self.rng.chance(0.6) {
            acts.push((Ccam::ACQN001, 1));
        }
        if self.rng.chance(0.08) {
            acts.push((Ccam::EBJF001, 0));
        }
        let los = self.rng.range_i32(5, 15);
        self.stay(d, los, dp, None, &acts)
    }

    fn after_stroke(&mut self, dis: Day, end: Day) {
        let t = dis + self.rng.range_i32(0, 7);
        if !self.anticoagulated {
            let ap = if self.rng.chance(0.5) {
                Atc::B01AC04
            } else {
                Atc::B01AC06
            };
            self.course(ap, t, end);
        }
        let statin = self.statin();
        self.course_persist(statin, t, end, 0.06);
    }

    fn stroke(&mut self, end: Day) {
        let o = self.on(Cond::Stroke);
        if self.prevalent[Cond::Stroke as usize] {
            if self.rng.chance(0.8) {
                let s = o + self.rng.range_i32(20, 120);
                if self.ald(Cond::Stroke, s, NONE, Icd::I693) {
                    self.after_stroke(s, end);
                }
            }
            return;
        }
        if let Some(dis) = self.stroke_stay(o) {
            if self.rng.chance(0.55) {
                let s = dis + self.rng.range_i32(20, 90);
                self.ald(Cond::Stroke, s, NONE, Icd::I639);
            }
            self.after_stroke(dis, end);
        }
    }

    fn copd(&mut self, end: Day) {
        let o = self.on(Cond::Copd);
        if !self.prevalent[Cond::Copd as usize] {
            self.out.visit(o, Nature::N1112);
            self.out.act(o, Ccam::GLQP012);
        }
        if self.rng.chance(0.2) {
            let s = o + self.rng.range_i32(30, 365);
            self.ald(Cond::Copd, s, NONE, Icd::J449);
        }
        let t = o + self.rng.range_i32(0, 30);
        let drug = pick(
            self.rng,
            &[
                (Atc::R03BB04, 0.5),
                (Atc::R03AL03, 0.3),
                (Atc::R03AK06, 0.2),
            ],
        );
        self.course_persist(drug, t, end, 0.1);
        self.out.as_needed(self.rng, Atc::R03AC02, t, end, 2.0);
    }

    fn asthma(&mut self, end: Day) {
        let o = self.on(Cond::Asthma);
        let t = o + self.rng.range_i32(0, 30);
        self.out.as_needed(self.rng, Atc::R03AC02, t, end, 2.0);
        let controller = pick(
            self.rng,
            &[
                (Some(Atc::R03BA02), 0.35),
                (Some(Atc::R03AK07), 0.25),
                (Some(Atc::R03AK06), 0.1),
                (None, 0.3),
            ],
        );
        if let Some(c) = controller {
            // Inhaled controllers: poor persistence (a third stop within a year).
            self.course_persist(c, t, end, 0.4);
        }
        if self.age(o) < 15.0 && self.rng.chance(0.25) {
            self.course_persist(Atc::R03DC03, t, end, 0.5);
        }
    }

    fn depression(&mut self, end: Day) {
        let mut start = self.on(Cond::Dep);
        for _ in 0..3 {
            if start > end {
                break;
            }
            let ssri = pick(
                self.rng,
                &[
                    (Atc::N06AB10, 0.4),
                    (Atc::N06AB06, 0.35),
                    (Atc::N06AB05, 0.25),
                ],
            );
            let t = start + self.rng.range_i32(0, 14);
            // An episode is treated 6 months after remission (HAS): 8 to 14 months in all.
            let stop = t + self.rng.range_i32(240, 420);
            if self.rng.chance(0.2) {
                let sw = t + self.rng.range_i32(30, 90);
                let other = if self.rng.chance(0.5) {
                    Atc::N06AX16
                } else {
                    Atc::N06AX11
                };
                self.out.course(self.rng, ssri, t, sw - 1, 0.0);
                self.out.course(self.rng, other, sw, stop, 0.0);
            } else {
                self.out.course(self.rng, ssri, t, stop, 0.0);
            }
            if self.rng.chance(0.08) {
                let icd = if self.rng.chance(0.5) {
                    Icd::F332
                } else {
                    Icd::F331
                };
                self.ald(Cond::Dep, t + 30, stop + 365, icd);
            }
            if self.rng.chance(0.03) {
                let los = self.rng.range_i32(5, 25);
                let d = t + self.rng.range_i32(0, 120);
                self.stay(d, los, Icd::F322, None, &[]);
            }
            // Recurrence (half of patients relapse).
            if !self.rng.chance(0.5) {
                break;
            }
            start = stop + wait(self.rng, 2.0);
        }
    }

    fn breast(&mut self) {
        let o = self.on(Cond::Breast);
        let icd = pick(
            self.rng,
            &[(Icd::C504, 0.45), (Icd::C508, 0.2), (Icd::C509, 0.35)],
        );
        let old = self.age(o) >= 52.0;
        // ALD 30 for five years, renewed for half of patients.
        let ald_end = if self.rng.chance(0.5) {
            NONE
        } else {
            o + years_to_days(5.0) + self.rng.range_i32(180, 700)
        };
        if !self.prevalent[Cond::Breast as usize] {
            self.out.act(o - self.rng.range_i32(7, 30), Ccam::QEQK004);
            let surgery = o + self.rng.range_i32(14, 45);
            let act = if self.rng.chance(0.7) {
                Ccam::QEFA003
            } else {
                Ccam::QEFA020
            };
            self.ald(Cond::Breast, o, ald_end, icd);
            let los = self.rng.range_i32(1, 4);
            if let Some(dis) = self.out.stay(surgery, los, icd, None, &[], &[(act, 0)]) {
                self.note(Cond::Breast, surgery);
                if self.rng.chance(0.4) {
                    // Adjuvant chemotherapy: six day-case sessions three weeks apart.
                    for k in 0..6 {
                        let d = dis + 30 + 21 * k;
                        self.out.stay(d, 0, Icd::Z511, Some(icd), &[], &[]);
                    }
                }
            }
        } else {
            self.ald(Cond::Breast, o, ald_end, icd);
        }
        let rec = self.record[Cond::Breast as usize];
        if rec != NONE && self.rng.chance(0.7) {
            // Hormone therapy for five years: aromatase inhibitor after menopause.
            let t = o + self.rng.range_i32(60, 240);
            let drug = if old {
                pick(self.rng, &[(Atc::L02BG04, 0.6), (Atc::L02BG03, 0.4)])
            } else {
                Atc::L02BA01
            };
            self.course_persist(drug, t.max(rec), t + years_to_days(5.0), 0.05);
        }
    }

    fn dementia(&mut self, end: Day) {
        let o = self.on(Cond::Dementia);
        if self.rng.chance(0.6) {
            let icd = pick(
                self.rng,
                &[(Icd::G309, 0.55), (Icd::F03, 0.35), (Icd::F019, 0.1)],
            );
            let s = o + self.rng.range_i32(0, 180);
            if self.ald(Cond::Dementia, s, NONE, icd) && self.rng.chance(0.4) {
                let stop = end.min(self.ctx.dementia_delisted - 1);
                self.course(Atc::N06DA02, s + 14, stop);
            }
        }
    }

    fn acute(&mut self, a: &Acute) {
        if a.first {
            // Written by the condition's history.
            return;
        }
        let end = self.ctx.end;
        let d = a.day;
        match a.kind {
            AcuteKind::Mi => {
                if let Some(dis) = self.mi_stay(d) {
                    self.after_coronary(dis, true, true, end);
                }
            }
            AcuteKind::Stroke => {
                if let Some(dis) = self.stroke_stay(d) {
                    self.after_stroke(dis, end);
                }
            }
            AcuteKind::HfStay => {
                let los = self.rng.range_i32(5, 14);
                if self.on(Cond::Hf) <= d {
                    self.stay(d, los, Icd::I500, None, &[(Ccam::ZBQK002, 0)]);
                }
            }
            AcuteKind::CopdStay => {
                let los = self.rng.range_i32(4, 10);
                if let Some(dis) = self.stay(d, los, Icd::J441, None, &[(Ccam::ZBQK002, 0)]) {
                    self.out.once(self.rng, dis, Atc::H02AB06);
                    self.out.once(self.rng, dis, Atc::J01CR02);
                }
            }
            AcuteKind::AsthmaStay => {
                let los = self.rng.range_i32(1, 4);
                self.stay(d, los, Icd::J459, None, &[]);
            }
            AcuteKind::HipFracture => {
                let dp = pick(
                    self.rng,
                    &[(Icd::S720, 0.55), (Icd::S721, 0.4), (Icd::S722, 0.05)],
                );
                let act = if self.rng.chance(0.5) {
                    Ccam::NEKA020
                } else {
                    Ccam::NBCA006
                };
                let los = self.rng.range_i32(6, 14);
                if let Some(dis) = self.stay(d, los, dp, None, &[(act, 1)]) {
                    // Thromboprophylaxis for 35 days, analgesics, then osteoporosis care.
                    self.out.course(self.rng, Atc::B01AB05, dis, dis + 30, 0.0);
                    self.out.once(self.rng, dis, Atc::N02BE01);
                    if self.rng.chance(0.25) {
                        self.course_persist(Atc::M05BA04, dis + 60, end, 0.3);
                    }
                }
            }
        }
    }

    /// Care everyone receives: GP visits with common acute drugs, screening, background stays,
    /// the birth stay of newborns, long-term proton pump inhibitors in older people.
    fn background(&mut self) {
        let lo = self.out.lo;
        let hi = self.out.hi;
        if lo > hi {
            return;
        }
        let female = self.p.sex == sex::FEMALE;
        if self.p.birth >= self.ctx.start {
            self.out.stay(
                self.p.birth,
                self.rng.range_i32(2, 4),
                Icd::Z380,
                None,
                &[],
                &[],
            );
        }
        let mut chronic = 0.0;
        for c in ALL {
            if self.onset[c as usize] <= hi {
                chronic += 1.0;
            }
        }
        for k in 0..self.ctx.year_starts.len() - 1 {
            let from = self.ctx.year_starts[k].max(lo);
            let to = (self.ctx.year_starts[k + 1] - 1).min(hi);
            if from > to {
                continue;
            }
            let frac = (to - from + 1) as f64 / YEAR;
            let a = self.age(from);
            // GP consultations per year by age (DREES): more for infants, women, the old and
            // the chronically ill.
            let mut rate = match a as u32 {
                0..=4 => 6.0,
                5..=14 => 2.5,
                15..=44 => 3.0,
                45..=64 => 4.0,
                65..=74 => 6.5,
                _ => 8.5,
            };
            if female && (15.0..75.0).contains(&a) {
                rate += 1.0;
            }
            rate += 1.5 * chronic;
            // People differ in how often they consult: a yearly frailty of mean 1 (half
            // exponential, half gamma of shape 2), so that about 85 % of person-years hold a GP
            // visit (DREES) rather than nearly all of them.
            let frailty = if self.rng.chance(0.5) {
                self.rng.exponential(1.0)
            } else {
                0.5 * (self.rng.exponential(1.0) + self.rng.exponential(1.0))
            };
            let n = self.rng.poisson(rate * frac * frailty);
            for _ in 0..n {
                let d = day_in(self.rng, from, to);
                let nature = if a >= 75.0 && self.rng.chance(0.25) {
                    Nature::N1211
                } else {
                    Nature::N1111
                };
                self.out.visit(d, nature);
                self.visit_drugs(d, k, a, female);
            }
            // Organised breast screening: women 50–74 every two years (participation ~ 50 %).
            if female
                && (50.0..75.0).contains(&a)
                && k % 2 == (self.p.birth & 1) as usize
                && self.rng.chance(0.5)
            {
                let d = day_in(self.rng, from, to);
                self.out.act(d, Ccam::QEQK004);
            }
            // Cardiology follow-up with an ECG for cardiac patients.
            let cardiac = [Cond::Ihd, Cond::Hf, Cond::Af]
                .iter()
                .any(|c| self.onset[*c as usize] <= from);
            if cardiac && self.rng.chance(0.8) {
                let d = day_in(self.rng, from, to);
                self.out.visit(d, Nature::N1112);
                self.out.act(d, Ccam::DEQP003);
            }
            // Background hospital stays (~ 13 % of people a year, ATIH), by age.
            let p_stay = match a as u32 {
                0..=14 => 0.04,
                15..=44 => 0.06,
                45..=64 => 0.09,
                65..=74 => 0.14,
                _ => 0.2,
            };
            if self.rng.chance(p_stay * frac) {
                let d = day_in(self.rng, from, to);
                self.background_stay(d, a, female);
            }
        }
        self.long_term(lo, hi, female);
    }

    /// Drugs prescribed at a GP visit on day `d` (year `k` of the span, age `a`): paracetamol
    /// (the most dispensed drug in France, often two or three boxes), antibiotics following the
    /// winter epidemics, allergy remedies in spring, a single-dose treatment of cystitis for
    /// women, and a few lines of the common acute drugs ([`ACUTE`]): a French GP prescription
    /// holds about three lines.
    fn visit_drugs(&mut self, d: Day, k: usize, a: f64, female: bool) {
        let child = a < 15.0;
        if self.rng.chance(PARACETAMOL_PER_VISIT) {
            let boxes = 1 + self.rng.below(3) as i32;
            self.out.once_boxes(self.rng, d, Atc::N02BE01, boxes);
        }
        // Antibiotics follow the winter epidemics (Santé publique France: consumption
        // peaks December–March, about twice the summer level).
        let doy = d - self.ctx.year_starts[k];
        let season = if !(90..334).contains(&doy) {
            1.4
        } else if (152..273).contains(&doy) {
            0.65
        } else {
            1.0
        };
        let p_ab = if child { 0.25 } else { 0.12 } * season;
        if self.rng.chance(p_ab) {
            let ab = pick(
                self.rng,
                &[
                    (Atc::J01CA04, 0.58),
                    (Atc::J01CR02, 0.2),
                    (Atc::J01FA10, 0.14),
                    (Atc::J01DD13, 0.08),
                ],
            );
            self.out.once(self.rng, d, ab);
            if self.rng.chance(0.3) {
                let cough = if self.rng.chance(0.6) {
                    Atc::R05CB03
                } else {
                    Atc::R05CB01
                };
                self.out.once(self.rng, d, cough);
            }
        }
        // Pollen allergy: spring (March to June).
        if (3.0..65.0).contains(&a) && (59..181).contains(&doy) && self.rng.chance(0.15) {
            let boxes = 1 + self.rng.below(2) as i32;
            let drug = if self.rng.chance(0.5) {
                Atc::R06AE07
            } else {
                Atc::R06AX27
            };
            self.out.once_boxes(self.rng, d, drug, boxes);
        }
        if female && a >= 15.0 && self.rng.chance(0.04) {
            let drug = if self.rng.chance(0.8) {
                Atc::J01XX01
            } else {
                Atc::J01MA02
            };
            self.out.once(self.rng, d, drug);
        }
        let lines = self.rng.poisson(acute_lines_per_visit(a));
        for _ in 0..lines {
            let drug = ACUTE[self.rng.from_cumulative(&self.ctx.acute_cumulative)].0;
            let boxes = 1 + (self.rng.below(4) / 2) as i32;
            self.out.once_boxes(self.rng, d, drug, boxes);
        }
    }

    /// Long-term treatments outside the modelled conditions (primary prevention statins,
    /// thyroid hormone, gout, proton pump inhibitors, analgesics for chronic pain, vitamin D),
    /// which make most of the boxes of older people. Each is on at the start of observation with
    /// its prevalence at that age, or starts during it as the prevalence rises with age.
    fn long_term(&mut self, lo: Day, hi: Day, female: bool) {
        let (a0, a1) = (self.age(lo), self.age(hi));
        for (i, t) in LONG_TERM.iter().enumerate() {
            let p0 = curve_at(t.curve, a0, female);
            let start = if self.rng.chance(p0) {
                // Already treated: started up to three years before.
                lo - self.rng.range_i32(0, 1095)
            } else {
                let p1 = curve_at(t.curve, a1, female);
                let rise = if p1 > p0 { (p1 - p0) / (1.0 - p0) } else { 0.0 };
                if !self.rng.chance(rise) {
                    continue;
                }
                day_in(self.rng, lo, hi)
            };
            let stop = start.saturating_add(wait(self.rng, 1.0 / t.stop_per_year));
            match i {
                LT_STATIN => {
                    let statin = self.statin();
                    self.course(statin, start, stop.min(hi));
                }
                LT_PPI => {
                    let drug = pick(
                        self.rng,
                        &[
                            (Atc::A02BC02, 0.4),
                            (Atc::A02BC05, 0.35),
                            (Atc::A02BC01, 0.25),
                        ],
                    );
                    self.course(drug, start, stop.min(hi));
                }
                LT_PAIN => {
                    let boxes = if self.age(start) >= 75.0 {
                        (2, 6)
                    } else {
                        (1, 4)
                    };
                    self.out
                        .monthly_as_needed(self.rng, Atc::N02BE01, start, stop.min(hi), boxes);
                    if self.rng.chance(0.15) {
                        self.out.monthly_as_needed(
                            self.rng,
                            Atc::N02AX02,
                            start,
                            stop.min(hi),
                            (1, 2),
                        );
                    }
                }
                LT_VITAMIN_D => {
                    self.out
                        .as_needed(self.rng, Atc::A11CC05, start, stop.min(hi), 4.0);
                }
                _ => {
                    self.course(t.drug, start, stop.min(hi));
                }
            }
        }
    }

    fn background_stay(&mut self, d: Day, a: f64, female: bool) {
        // Relative frequencies of a few common causes of admission (ATIH, PMSI MCO).
        let mut options: Vec<(u8, f64)> = vec![(0, 1.0), (1, 0.4), (2, 1.2)];
        if a >= 60.0 {
            options.push((3, 2.5));
            options.push((4, 1.5));
        }
        if a < 40.0 {
            options.push((5, 0.6));
        }
        if female && (18.0..45.0).contains(&a) {
            options.push((6, 3.0));
        }
        match pick(self.rng, &options) {
            0 => {
                let los = self.rng.range_i32(1, 4);
                self.stay(d, los, Icd::N390, None, &[]);
            }
            1 => {
                let los = self.rng.range_i32(1, 4);
                self.stay(d, los, Icd::K802, None, &[(Ccam::HMFC004, 0)]);
            }
            2 => {
                let los = self.rng.range_i32(0, 1);
                self.stay(d, los, Icd::R074, None, &[(Ccam::DEQP003, 0)]);
            }
            3 => {
                self.stay(d, 0, Icd::H251, None, &[(Ccam::BFGA004, 0)]);
            }
            4 => {
                let los = self.rng.range_i32(4, 10);
                if let Some(dis) = self.stay(d, los, Icd::J189, None, &[(Ccam::ZBQK002, 0)]) {
                    self.out.once(self.rng, dis, Atc::J01CR02);
                }
            }
            5 => {
                let los = self.rng.range_i32(1, 4);
                self.stay(d, los, Icd::K359, None, &[]);
            }
            _ => {
                let los = self.rng.range_i32(2, 5);
                self.stay(d, los, Icd::O800, None, &[]);
            }
        }
    }
}
