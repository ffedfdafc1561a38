//! The per-patient evaluator: one sequential pass over a patient's slice of the store for the
//! entry events, binary searches by date for the windows of the rules, scratch buffers reused
//! from patient to patient (nothing is allocated per event).

use std::ops::Range;

use super::plan::{ExitPlan, Matcher, Node, Plan, Win};
use crate::dates::Day;
use crate::definition::Occurrence;
use crate::model::{CohortRows, EventKind};
use crate::store::{EventStore, OPEN_END};

/// What every patient's evaluation shares.
pub(crate) struct Ctx<'a> {
    pub store: &'a EventStore,
    /// Days per box of each drug id (empty when no exit needs it).
    pub pack_days: Vec<u16>,
}

/// Buffers of one plan (and its nested plans), reused across patients.
#[derive(Debug, Default)]
pub(crate) struct Scratch {
    idx: Vec<(Day, Day)>,
    masks: Vec<u64>,
    eras: Vec<(Day, Day)>,
    /// The patient's cohort rows for this plan after evaluation.
    pub rows: Vec<(Day, Day)>,
    nested: Vec<Scratch>,
}

impl Scratch {
    pub fn for_plan(plan: &Plan) -> Scratch {
        Scratch {
            nested: plan.nested.iter().map(Scratch::for_plan).collect(),
            ..Default::default()
        }
    }
}

/// Attrition counters: per step (entry then each rule) persons and events remaining, and per
/// rule the persons and events it keeps alone.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Counts {
    pub persons: Vec<u64>,
    pub events: Vec<u64>,
    pub alone_persons: Vec<u64>,
    pub alone_events: Vec<u64>,
}

impl Counts {
    pub fn new(rules: usize) -> Counts {
        Counts {
            persons: vec![0; rules + 1],
            events: vec![0; rules + 1],
            alone_persons: vec![0; rules],
            alone_events: vec![0; rules],
        }
    }
    #[cfg_attr(not(feature = "parallel"), allow(dead_code))]
    pub fn add(&mut self, o: &Counts) {
        for (a, b) in [
            (&mut self.persons, &o.persons),
            (&mut self.events, &o.events),
            (&mut self.alone_persons, &o.alone_persons),
            (&mut self.alone_events, &o.alone_events),
        ] {
            for (x, y) in a.iter_mut().zip(b) {
                *x += y;
            }
        }
    }
}

/// One patient's fixed facts.
#[derive(Clone, Copy)]
struct Pt {
    lo: usize,
    hi: usize,
    obs_start: Day,
    obs_end: Day,
    birth: Day,
    sex: u8,
    dept: u8,
}

#[inline]
fn prefix_mask(n: usize) -> u64 {
    if n >= 64 {
        u64::MAX
    } else {
        (1u64 << n) - 1
    }
}

/// End of event `i` clamped to the observation period (and never before its start).
#[inline]
fn event_end(store: &EventStore, i: usize, obs_end: Day) -> Day {
    let d = store.date[i];
    let v = store.value[i];
    let raw = match store.kind_u8(i) {
        k if k == EventKind::Stay as u8 => d.saturating_add(v as Day),
        k if k == EventKind::Ald as u8 => {
            if v == OPEN_END {
                obs_end
            } else {
                d.saturating_add(v as Day)
            }
        }
        _ => d,
    };
    raw.min(obs_end).max(d)
}

#[inline]
fn any_match(ms: &[Matcher], tag: u8, code: u32) -> bool {
    ms.iter().any(|m| m.matches(tag, code))
}

/// Inclusive window `[lo, hi]` in days, clipped to observation; `None` when empty.
#[inline]
fn window(pt: &Pt, win: &Win, start: Day, end: Day) -> Option<(Day, Day)> {
    let anchor = if win.from_end { end } else { start } as i64;
    let lo = win
        .start
        .map_or(pt.obs_start as i64, |s| anchor + s as i64)
        .max(pt.obs_start as i64);
    let hi = win
        .end
        .map_or(pt.obs_end as i64, |e| anchor + e as i64)
        .min(pt.obs_end as i64);
    (lo <= hi).then_some((lo as Day, hi as Day))
}

/// Index of the first event of the patient dated `day` or later.
#[inline]
fn seek(store: &EventStore, pt: &Pt, day: Day) -> usize {
    pt.lo + store.date[pt.lo..pt.hi].partition_point(|&d| d < day)
}

#[allow(clippy::too_many_arguments)]
fn count_events(
    store: &EventStore,
    pt: &Pt,
    m: &Matcher,
    lo: Day,
    hi: Day,
    min: u32,
    max: u32,
    distinct: bool,
) -> bool {
    let mut n: u32 = 0;
    let mut last: Option<Day> = None;
    let mut i = seek(store, pt, lo);
    while i < pt.hi {
        let d = store.date[i];
        if d > hi {
            break;
        }
        if m.matches(store.tag[i], store.code[i]) && (!distinct || last != Some(d)) {
            last = Some(d);
            n += 1;
            if n > max {
                return false;
            }
            if n >= min && max == u32::MAX {
                return true;
            }
        }
        i += 1;
    }
    n >= min && n <= max
}

fn eval_node(ctx: &Ctx, pt: &Pt, n: &Node, start: Day, end: Day, nested: &[Scratch]) -> bool {
    match n {
        Node::All(v) => v.iter().all(|c| eval_node(ctx, pt, c, start, end, nested)),
        Node::Any(v) => v.iter().any(|c| eval_node(ctx, pt, c, start, end, nested)),
        Node::AtLeast(k, v) => {
            let mut hits = 0u32;
            for c in v {
                if eval_node(ctx, pt, c, start, end, nested) {
                    hits += 1;
                    if hits >= *k {
                        return true;
                    }
                }
            }
            hits >= *k
        }
        Node::AtMost(k, v) => {
            let mut hits = 0u32;
            for c in v {
                if eval_node(ctx, pt, c, start, end, nested) {
                    hits += 1;
                    if hits > *k {
                        return false;
                    }
                }
            }
            true
        }
        Node::Demo {
            age_min,
            age_max,
            sex,
            depts,
            regions,
        } => {
            if age_min.is_some() || age_max.is_some() {
                let age = crate::dates::age_at(pt.birth, start) as i64;
                if age_min.is_some_and(|a| age < a as i64)
                    || age_max.is_some_and(|a| age > a as i64)
                {
                    return false;
                }
            }
            if sex.is_some_and(|s| s != pt.sex) {
                return false;
            }
            if depts.is_empty() && regions.is_empty() {
                return true;
            }
            depts.binary_search(&pt.dept).is_ok()
                || crate::referential::region_of(pt.dept).is_some_and(|r| regions.contains(&r))
        }
        Node::Events {
            m,
            win,
            min,
            max,
            distinct,
        } => match window(pt, win, start, end) {
            Some((lo, hi)) => count_events(ctx.store, pt, m, lo, hi, *min, *max, *distinct),
            None => *min == 0,
        },
        Node::Cohort {
            nested: k,
            win,
            min,
            max,
        } => {
            let n = match (window(pt, win, start, end), nested.get(*k)) {
                (Some((lo, hi)), Some(s)) => {
                    s.rows.iter().filter(|&&(a, b)| a <= hi && b >= lo).count() as u64
                }
                _ => 0,
            };
            n >= *min as u64 && n <= *max as u64
        }
    }
}

/// Drug exposure eras of the patient: `(first day, last covered day)`.
fn eras(
    ctx: &Ctx,
    pt: &Pt,
    m: &Matcher,
    days_per_box: Option<u32>,
    gap: i64,
    out: &mut Vec<(Day, Day)>,
) {
    out.clear();
    let store = ctx.store;
    let mut cur: Option<(i64, i64)> = None;
    for i in pt.lo..pt.hi {
        let boxes = store.value[i];
        if boxes <= 0 || !m.matches(store.tag[i], store.code[i]) {
            continue;
        }
        let per = days_per_box.unwrap_or_else(|| {
            ctx.pack_days
                .get(store.code[i] as usize)
                .copied()
                .unwrap_or(30) as u32
        }) as i64;
        let d = store.date[i] as i64;
        let cover_end = d + boxes as i64 * per - 1;
        cur = match cur {
            Some((s, e)) if d <= e + gap + 1 => Some((s, e.max(cover_end))),
            Some((s, e)) => {
                out.push((s as Day, e.min(Day::MAX as i64) as Day));
                Some((d, cover_end))
            }
            None => Some((d, cover_end)),
        };
    }
    if let Some((s, e)) = cur {
        out.push((s as Day, e.min(Day::MAX as i64) as Day));
    }
}

/// Index events `(start, end)` of the patient: the first, last or all events `is_entry` accepts.
#[inline]
fn entry_events(
    store: &EventStore,
    pt: &Pt,
    occurrence: Occurrence,
    out: &mut Vec<(Day, Day)>,
    tag_mask: u64,
    is_entry: impl Fn(&u8, &u32) -> bool,
) {
    // Entry events: first / last / all matching events over the patient's whole history. The
    // columns are sliced and zipped once so the hot loop has no bounds checks and keeps the
    // column pointers in registers (measured: about twice as fast as indexing the store).
    let (lo, hi) = (pt.lo, pt.hi);
    let tags = &store.tag[lo..hi];
    let codes = &store.code[lo..hi];
    let dates = &store.date[lo..hi];
    let hit = |j: usize| is_entry(&tags[j], &codes[j]);
    let mut columns = tags.iter().zip(codes);
    #[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
    let _ = tag_mask;
    match occurrence {
        Occurrence::First => {
            #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
            let first = super::scan::find(tags, tag_mask, 0, hit);
            #[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
            let first = columns.position(|(t, c)| is_entry(t, c));
            if let Some(j) = first {
                let d = dates[j];
                let mut best = (d, event_end(store, lo + j, pt.obs_end));
                // Same-day matches: the earliest end wins (a deterministic tie-break).
                for (j2, &d2) in dates.iter().enumerate().skip(j + 1) {
                    if d2 != d {
                        break;
                    }
                    if hit(j2) {
                        best = best.min((d, event_end(store, lo + j2, pt.obs_end)));
                    }
                }
                out.push(best);
            }
        }
        Occurrence::Last => {
            if let Some(j) = columns.rposition(|(t, c)| is_entry(t, c)) {
                let d = dates[j];
                let mut best = (d, event_end(store, lo + j, pt.obs_end));
                for j2 in (0..j).rev() {
                    if dates[j2] != d {
                        break;
                    }
                    if hit(j2) {
                        best = best.max((d, event_end(store, lo + j2, pt.obs_end)));
                    }
                }
                out.push(best);
            }
        }
        Occurrence::All => {
            #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
            {
                let mut from = 0;
                while let Some(j) = super::scan::find(tags, tag_mask, from, hit) {
                    out.push((dates[j], event_end(store, lo + j, pt.obs_end)));
                    from = j + 1;
                }
            }
            #[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
            for (j, (t, c)) in columns.enumerate() {
                if is_entry(t, c) {
                    out.push((dates[j], event_end(store, lo + j, pt.obs_end)));
                }
            }
            out.sort_unstable();
            out.dedup();
        }
    }
}

/// Evaluate `plan` for patient `p`: `s.rows` receives its collapsed cohort rows; `counts`, when
/// given, receives the attrition of its index events.
pub(crate) fn patient(
    ctx: &Ctx,
    plan: &Plan,
    p: usize,
    s: &mut Scratch,
    counts: Option<&mut Counts>,
) {
    s.rows.clear();
    s.idx.clear();
    let store = ctx.store;
    let range = store.events_of(p);
    let pts = &store.patients;
    let obs_start = pts.birth[p].max(store.data_start);
    let obs_end = pts.death[p].min(store.data_end);
    if obs_start > obs_end {
        return;
    }
    let pt = Pt {
        lo: range.start,
        hi: range.end,
        obs_start,
        obs_end,
        birth: pts.birth[p],
        sex: pts.sex[p],
        dept: pts.dept[p],
    };

    // Entry events: first / last / all matching events over the patient's whole history (one
    // filter, the usual case, gets its own monomorphised loop).
    match &plan.entry[..] {
        [m] => entry_events(store, &pt, plan.occurrence, &mut s.idx, m.tags, |t, c| {
            m.hit(t, c)
        }),
        many => {
            let mask = many.iter().fold(0, |a, m| a | m.tags);
            entry_events(store, &pt, plan.occurrence, &mut s.idx, mask, |t, c| {
                many.iter().any(|m| m.hit(t, c))
            })
        }
    }
    let (os, oe) = (obs_start as i64, obs_end as i64);
    s.idx.retain(|&(d, _)| {
        let d64 = d as i64;
        d >= plan.from && d <= plan.to && d64 >= os + plan.prior && d64 + plan.post <= oe
    });
    if s.idx.is_empty() {
        return;
    }

    // Nested cohorts used by `in_cohort` criteria, for this patient.
    for (np, ns) in plan.nested.iter().zip(s.nested.iter_mut()) {
        patient(ctx, np, p, ns, None);
    }

    // Rules: one bit per rule and index event (every rule is evaluated, for the attrition).
    let nr = plan.rules.len();
    let full = prefix_mask(nr);
    s.masks.clear();
    for &(start, end) in &s.idx {
        let mut mask = 0u64;
        for (r, node) in plan.rules.iter().enumerate() {
            if eval_node(ctx, &pt, node, start, end, &s.nested) {
                mask |= 1 << r;
            }
        }
        s.masks.push(mask);
    }
    if let Some(c) = counts {
        for step in 0..=nr {
            let need = prefix_mask(step);
            let n = s.masks.iter().filter(|&&m| m & need == need).count() as u64;
            c.events[step] += n;
            c.persons[step] += (n > 0) as u64;
        }
        for r in 0..nr {
            let n = s.masks.iter().filter(|&&m| m >> r & 1 == 1).count() as u64;
            c.alone_events[r] += n;
            c.alone_persons[r] += (n > 0) as u64;
        }
    }

    // Exit of each kept entry, then era collapse.
    let mut eras_ready = false;
    for (k, &(start, end)) in s.idx.iter().enumerate() {
        if s.masks[k] & full != full {
            continue;
        }
        let base: i64 = match &plan.exit {
            ExitPlan::EndOfObservation => oe,
            ExitPlan::Fixed { days, from_end } => {
                (if *from_end { end } else { start }) as i64 + days
            }
            ExitPlan::Drug {
                m,
                days_per_box,
                gap,
                extension,
            } => {
                if !eras_ready {
                    eras(ctx, &pt, m, *days_per_box, *gap, &mut s.eras);
                    eras_ready = true;
                }
                match s.eras.iter().find(|&&(a, b)| a <= start && start <= b) {
                    Some(&(_, b)) => b as i64 + extension,
                    None => start as i64,
                }
            }
        };
        let mut exit = base.min(oe);
        if !plan.censor.is_empty() {
            let mut i = seek(store, &pt, start);
            while i < pt.hi && (store.date[i] as i64) < exit {
                if any_match(&plan.censor, store.tag[i], store.code[i]) {
                    exit = store.date[i] as i64;
                    break;
                }
                i += 1;
            }
        }
        let exit = exit.max(start as i64) as Day;
        match s.rows.last_mut() {
            Some(last) if start as i64 <= last.1 as i64 + plan.pad => last.1 = last.1.max(exit),
            _ => s.rows.push((start, exit)),
        }
    }
}

/// The patients of `range` who can enter, in increasing order: those with an entry event, read
/// from the store's postings, so the others' events are never read (they add nothing to the rows
/// nor to the attrition). `None` when an entry filter takes any code (every patient may enter).
pub(crate) fn candidates(ctx: &Ctx, plan: &Plan, range: Range<usize>) -> Option<Vec<u32>> {
    let mut lists = Vec::new();
    if !plan
        .entry
        .iter()
        .all(|m| m.candidates(ctx.store, &range, &mut lists))
    {
        return None;
    }
    // Each code's list is sorted; merging many lists by sorting costs more than marking a bit
    // per patient once the lists hold more than a few entries per 64 patients.
    if lists.len() < range.len() / 16 {
        lists.sort_unstable();
        lists.dedup();
        return Some(lists);
    }
    let base = range.start as u32;
    let mut bits = vec![0u64; range.len().div_ceil(64)];
    for &p in &lists {
        let i = (p - base) as usize;
        bits[i >> 6] |= 1 << (i & 63);
    }
    let mut out = Vec::with_capacity(lists.len().min(range.len()));
    for (w, &word) in bits.iter().enumerate() {
        let mut rest = word;
        while rest != 0 {
            out.push(base + (w * 64) as u32 + rest.trailing_zeros());
            rest &= rest - 1;
        }
    }
    Some(out)
}

/// Evaluate `plan` on the patients of `range`, appending rows (person, start, end) in order.
#[cfg(not(feature = "parallel"))]
pub(crate) fn run(ctx: &Ctx, plan: &Plan, range: Range<usize>) -> (CohortRows, Counts) {
    match candidates(ctx, plan, range.clone()) {
        Some(list) => run_list(ctx, plan, &list),
        None => run_range(ctx, plan, range),
    }
}

/// Evaluate `plan` on every patient of `range`.
pub(crate) fn run_range(ctx: &Ctx, plan: &Plan, range: Range<usize>) -> (CohortRows, Counts) {
    let mut out = (CohortRows::default(), Counts::new(plan.rules.len()));
    let mut s = Scratch::for_plan(plan);
    for p in range {
        emit(ctx, plan, p, &mut s, &mut out);
    }
    out
}

/// Evaluate `plan` on the listed patients (in increasing order).
pub(crate) fn run_list(ctx: &Ctx, plan: &Plan, list: &[u32]) -> (CohortRows, Counts) {
    let mut out = (CohortRows::default(), Counts::new(plan.rules.len()));
    let mut s = Scratch::for_plan(plan);
    // Candidates are scattered over the store: each one's first cache lines would be a memory
    // stall. Asking for them a few candidates ahead overlaps the stalls with work (measured on
    // 1 M patients: 2 to 4 times faster on the definitions with few candidates).
    for (k, &p) in list.iter().enumerate() {
        if let Some(&ahead) = list.get(k + PREFETCH_FAR) {
            prefetch_patient(ctx.store, ahead as usize);
        }
        if let Some(&near) = list.get(k + PREFETCH_NEAR) {
            prefetch_events(ctx.store, near as usize);
        }
        emit(ctx, plan, p as usize, &mut s, &mut out);
    }
    out
}

#[inline]
fn emit(ctx: &Ctx, plan: &Plan, p: usize, s: &mut Scratch, out: &mut (CohortRows, Counts)) {
    let (rows, counts) = out;
    patient(ctx, plan, p, s, Some(counts));
    for &(a, b) in &s.rows {
        rows.person.push(p as u32);
        rows.start.push(a);
        rows.end.push(b);
    }
}

/// How many candidates ahead the patient table and offsets are fetched.
const PREFETCH_FAR: usize = 16;
/// How many candidates ahead the first events are fetched (their offsets are in cache by then).
const PREFETCH_NEAR: usize = 8;

#[inline(always)]
fn prefetch<T>(slice: &[T], i: usize) {
    #[cfg(target_arch = "x86_64")]
    if let Some(x) = slice.get(i) {
        // SAFETY: a prefetch is a hint: it reads nothing and never faults.
        #[allow(unused_unsafe)]
        unsafe {
            use std::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
            _mm_prefetch::<_MM_HINT_T0>((x as *const T).cast::<i8>());
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = (slice, i);
}

#[inline(always)]
fn prefetch_patient(store: &EventStore, p: usize) {
    let pts = &store.patients;
    prefetch(&store.offsets, p);
    prefetch(&pts.birth, p);
    prefetch(&pts.death, p);
    prefetch(&pts.sex, p);
    prefetch(&pts.dept, p);
}

#[inline(always)]
fn prefetch_events(store: &EventStore, p: usize) {
    let lo = store.offsets[p] as usize;
    let hi = store.offsets[p + 1] as usize;
    // Tags are scanned first; codes and dates of the same events follow.
    let mut i = lo;
    while i < hi.min(lo + 256) {
        prefetch(&store.tag, i);
        i += 64;
    }
    let mut i = lo;
    while i < hi.min(lo + 64) {
        prefetch(&store.code, i);
        prefetch(&store.date, i);
        i += 16;
    }
}
