//! Events of one person: hospital stays, long-term illness registrations, dispensings, acts and
//! visits, kept inside the person's observation period.
//!
//! [`Out`] is the only place events are pushed: it drops what falls outside the observation
//! (before birth or the data, after death or the data's end), so the histories written by
//! `history.rs` can be told from onset to end without checking bounds at every step.

use super::codes::{Atc, Availability, Ccam, Icd, Nature, Packs, N_ATC};
use crate::dates::{Day, MAX_DAY};
use crate::model::{Event, EventKind, Role};
use crate::rng::Rng;

/// "No date" marker.
pub(crate) const NONE: Day = Day::MAX;

/// Event sink of one person.
pub(crate) struct Out<'a> {
    /// The chunk's events; this person's start at `first`.
    pub ev: &'a mut Vec<Event>,
    /// Index of the person's first event in `ev`.
    pub first: usize,
    /// Patient id.
    pub patient: u32,
    /// First day of observation (later of birth and data start).
    pub lo: Day,
    /// Last day of observation (earlier of death and data end).
    pub hi: Day,
    /// First day of the data (ALD periods may start before it).
    pub data_start: Day,
    /// Death day, or [`NONE`].
    pub death: Day,
    /// Birth day.
    pub birth: Day,
    /// Last stay number used in the chunk.
    pub stays: &'a mut u32,
    /// Packs of each substance.
    pub packs: &'a [Packs],
    /// Reimbursement dates of recent substances.
    pub available: &'a Availability,
    /// End of the course already running for each substance (two lines never dispense the
    /// same substance twice over).
    pub busy: [Day; N_ATC],
}

impl Out<'_> {
    #[inline]
    fn push(&mut self, kind: EventKind, role: Role, start: Day, end: Day, code: u32, value: i32) {
        self.ev.push(Event {
            patient: self.patient,
            kind,
            role,
            start,
            end,
            code,
            value,
            stay: 0,
        });
    }

    /// Whether `day` lies in the observation period.
    #[inline]
    pub(crate) fn inside(&self, day: Day) -> bool {
        day >= self.lo && day <= self.hi
    }

    /// A city-care visit.
    pub(crate) fn visit(&mut self, day: Day, nature: Nature) {
        if self.inside(day) {
            self.push(EventKind::Visit, Role::None, day, day, nature.id(), 1);
        }
    }

    /// A city-care act (`ER_CAM_F`).
    pub(crate) fn act(&mut self, day: Day, act: Ccam) {
        if self.inside(day) {
            self.push(EventKind::Act, Role::None, day, day, act.id(), 1);
        }
    }

    /// One dispensing of `boxes` boxes of pack `id`.
    #[inline]
    pub(crate) fn dispense(&mut self, day: Day, id: u32, boxes: i32) {
        if self.inside(day) {
            self.push(EventKind::Dispensing, Role::None, day, day, id, boxes);
        }
    }

    /// A one-off dispensing of a substance (acute care): a small box.
    pub(crate) fn once(&mut self, rng: &mut Rng, day: Day, atc: Atc) {
        let boxes = if rng.chance(0.2) { 2 } else { 1 };
        self.once_boxes(rng, day, atc, boxes);
    }

    /// A one-off dispensing of `boxes` small boxes of a substance.
    #[inline]
    pub(crate) fn once_boxes(&mut self, rng: &mut Rng, day: Day, atc: Atc, boxes: i32) {
        let p = &self.packs[atc as usize];
        if p.small.is_empty() || !self.inside(day) {
            return;
        }
        let (id, _) = p.small[rng.below(p.small.len() as u64) as usize];
        self.dispense(day, id, boxes);
    }

    /// Monthly dispensings of a drug taken as needed over a long time (analgesics for chronic
    /// pain): one pack for the whole period, a line every 3 to 6 weeks of `lo..=hi` small boxes
    /// (a box of paracetamol 1 g holds 8 tablets: a few days at full dose). One line costs one
    /// draw.
    pub(crate) fn monthly_as_needed(
        &mut self,
        rng: &mut Rng,
        atc: Atc,
        from: Day,
        to: Day,
        (lo, hi): (i32, i32),
    ) {
        let p = &self.packs[atc as usize];
        let from = from.max(self.lo);
        let to = to.min(self.hi);
        if p.small.is_empty() || from > to {
            return;
        }
        let (id, _) = p.small[rng.below(p.small.len() as u64) as usize];
        let mut d = from + rng.range_i32(0, 30);
        while d <= to {
            let x = rng.next_u64();
            // Boxes and the next gap from one draw: low bits for the boxes, high bits for the
            // gap of 21 to 42 days.
            let boxes = lo + (x % (hi - lo + 1) as u64) as i32;
            self.dispense(d, id, boxes);
            d += 21 + ((x >> 32) % 22) as i32;
        }
    }

    /// A long-term illness period (`IR_IMB_R`) with its motivating ICD-10 code; `end` is
    /// [`NONE`] when open. The period is kept when it overlaps the data and starts after birth
    /// and before the end of observation; it is closed at death.
    pub(crate) fn ald(&mut self, start: Day, end: Day, icd: Icd) -> bool {
        let start = start.max(self.birth);
        // Open periods end at the last representable day (the store reads them as open).
        let mut end = if end == NONE {
            MAX_DAY.max(self.hi)
        } else {
            end
        };
        if self.death != NONE {
            end = end.min(self.death);
        }
        if start > self.hi || end < self.data_start || end < start {
            return false;
        }
        self.push(EventKind::Ald, Role::ALD, start, end, icd.id(), 0);
        true
    }

    /// A hospital stay (PMSI MCO): the stay (code = main diagnosis, value = length of stay),
    /// its DP, DR and DAS diagnoses and its acts (`(act, days after admission)`), all linked by
    /// the stay number. A stay is kept when admitted during observation and discharged by the
    /// end of the data (PMSI years are discharge years); a death during the stay ends it.
    /// Returns the discharge day.
    pub(crate) fn stay(
        &mut self,
        adm: Day,
        los: i32,
        dp: Icd,
        dr: Option<Icd>,
        das: &[Icd],
        acts: &[(Ccam, i32)],
    ) -> Option<Day> {
        if !self.inside(adm) {
            return None;
        }
        let mut dis = adm + los.max(0);
        if dis > self.hi {
            if self.death != NONE && self.death <= self.hi {
                dis = self.death;
            } else {
                return None;
            }
        }
        *self.stays += 1;
        let stay = *self.stays;
        let base = self.ev.len();
        self.push(EventKind::Stay, Role::None, adm, dis, dp.id(), dis - adm);
        self.push(EventKind::Diagnosis, Role::DP, adm, dis, dp.id(), 0);
        if let Some(dr) = dr {
            self.push(EventKind::Diagnosis, Role::DR, adm, dis, dr.id(), 0);
        }
        for d in das {
            if *d != dp {
                self.push(EventKind::Diagnosis, Role::DAS, adm, dis, d.id(), 0);
            }
        }
        for (a, off) in acts {
            let day = (adm + off).min(dis);
            self.push(EventKind::Act, Role::None, day, day, a.id(), 1);
        }
        for e in &mut self.ev[base..] {
            e.stay = stay;
        }
        Some(dis)
    }

    /// A course of a chronic drug from `from` to `to` (inclusive): refills at the rhythm of
    /// the box (28/30 days, or 84/90 days for a share of patients), a few days' jitter, some
    /// gaps. Returns the day the course ends (`to`, or earlier when nothing is dispensed).
    pub(crate) fn course(
        &mut self,
        rng: &mut Rng,
        atc: Atc,
        from: Day,
        to: Day,
        quarterly_share: f64,
    ) -> Day {
        let atc = self.available.on(atc, from);
        let a = atc as usize;
        let from = from.max(self.busy[a]);
        let to = to.min(self.hi);
        if from > to || self.packs[a].monthly.is_empty() {
            return to;
        }
        self.busy[a] = to.saturating_add(1);
        let p = &self.packs[a];
        let quarterly = !p.quarterly.is_empty() && rng.chance(quarterly_share);
        let (id, days) = if quarterly {
            p.quarterly[rng.below(p.quarterly.len() as u64) as usize]
        } else {
            p.monthly[rng.below(p.monthly.len() as u64) as usize]
        };
        let days = days as i32;
        let mut d = from;
        if d < self.lo {
            // A course already running when observation starts: resume at a random phase.
            d = self.lo + rng.below(days as u64) as i32;
        }
        while d <= to {
            // One draw per refill, cut in four 16-bit parts: two boxes (8 % of monthly
            // refills), a jitter of -3 to +5 days, a gap (5 %: holidays, hospital stay,
            // forgotten refill) of 15 to 90 days.
            let x = rng.next_u64();
            let part = |k: u32, n: u64| (((x >> (16 * k)) & 0xFFFF) * n) >> 16;
            let boxes = if !quarterly && part(0, 100) < 8 { 2 } else { 1 };
            self.dispense(d, id, boxes);
            let mut next = d + days * boxes + part(1, 9) as i32 - 3;
            if part(2, 100) < 5 {
                next += 15 + part(3, 76) as i32;
            }
            d = next.max(d + 1);
        }
        to
    }

    /// Dispensings "as needed" (reliever inhalers, vitamin D ampoules): a Poisson number per
    /// year at random days.
    pub(crate) fn as_needed(&mut self, rng: &mut Rng, atc: Atc, from: Day, to: Day, per_year: f64) {
        let from = from.max(self.lo);
        let to = to.min(self.hi);
        if from > to {
            return;
        }
        let n = rng.poisson(per_year * (to - from + 1) as f64 / super::demography::YEAR);
        for _ in 0..n {
            let d = rng.range_i32(from, to);
            self.once(rng, d, atc);
        }
    }

    /// A person in hospital gets neither city visits nor pharmacy dispensings (the hospital
    /// provides the drugs): drop those falling strictly between an admission and its discharge.
    fn drop_city_care_in_hospital(&mut self) {
        let mut spans: Vec<(Day, Day)> = self.ev[self.first..]
            .iter()
            .filter(|e| e.kind == EventKind::Stay && e.end > e.start + 1)
            .map(|e| (e.start, e.end))
            .collect();
        if spans.is_empty() {
            return;
        }
        spans.sort_unstable();
        let first = self.first;
        let mut k = first;
        for i in first..self.ev.len() {
            let e = self.ev[i];
            let city = e.stay == 0
                && matches!(
                    e.kind,
                    EventKind::Dispensing | EventKind::Visit | EventKind::Act
                );
            let inside = city && spans.iter().any(|(a, b)| e.start > *a && e.start < *b);
            if !inside {
                self.ev[k] = e;
                k += 1;
            }
        }
        self.ev.truncate(k);
    }

    /// Sort this person's events canonically and renumber their stays in that order
    /// (`first_stay` is the first number this person used).
    pub(crate) fn finish(&mut self, first_stay: u32, scratch: &mut Scratch) {
        if *self.stays > first_stay {
            self.drop_city_care_in_hospital();
        }
        let slice = &mut self.ev[self.first..];
        sort_canonical(slice, scratch);
        let used = *self.stays - first_stay;
        if used > 1 {
            // Renumber by first appearance so stay numbers follow admission order.
            let mut map = vec![0u32; used as usize];
            let mut next = first_stay + 1;
            for e in slice.iter_mut() {
                if e.stay > first_stay {
                    let k = (e.stay - first_stay - 1) as usize;
                    if map[k] == 0 {
                        map[k] = next;
                        next += 1;
                    }
                    e.stay = map[k];
                }
            }
            sort_canonical(slice, scratch);
        }
    }
}

/// Sort one person's events in canonical order. Sorting packed 128-bit keys (day, kind, role,
/// code, position) and gathering is faster than moving 28-byte events through the sort; ties
/// the key cannot break (codes past 2^24, equal day/kind/role/code) are settled by the full key.
fn sort_canonical(slice: &mut [Event], scratch: &mut Scratch) {
    let keys = &mut scratch.keys;
    keys.clear();
    keys.extend(slice.iter().enumerate().map(|(i, e)| {
        let (_, start, kind, role, code, _, _, _) = canonical_key(e);
        let start = (start as i64 - i32::MIN as i64) as u128;
        (start << 96)
            | ((kind as u128) << 88)
            | ((role as u128) << 80)
            | (((code as u128) & 0xFF_FFFF) << 56)
            | i as u128
    }));
    keys.sort_unstable();
    let sorted = &mut scratch.events;
    sorted.clear();
    sorted.extend(keys.iter().map(|k| slice[(*k as u32) as usize]));
    slice.copy_from_slice(sorted);
    if !slice
        .windows(2)
        .all(|w| canonical_key(&w[0]) <= canonical_key(&w[1]))
    {
        slice.sort_unstable_by_key(canonical_key);
    }
}

/// Buffers reused from one person to the next (sorting keys and events).
#[derive(Default)]
pub(crate) struct Scratch {
    keys: Vec<u128>,
    events: Vec<Event>,
}

/// The canonical order of a population's events: by patient, day, kind (death last on its day),
/// role, code, end, value and stay.
#[inline]
pub(crate) fn canonical_key(e: &Event) -> (u32, Day, u8, u8, u32, Day, i32, u32) {
    let kind = if e.kind == EventKind::Death {
        u8::MAX
    } else {
        e.kind as u8
    };
    (
        e.patient,
        e.start,
        kind,
        e.role as u8,
        e.code,
        e.end,
        e.value,
        e.stay,
    )
}
