//! Compilation of a definition against one event store: concept sets become small sorted lists
//! of code-id ranges in the store's sorted dictionaries, names become indexes, dates become
//! days. The evaluator then touches no string.

use crate::dates::Day;
use crate::definition::{
    Anchor, ConceptSet, Criterion, Definition, EventFilter, EventType, Exit, Occurrence,
};
use crate::error::Result;
use crate::store::EventStore;

/// Code-id ranges `[lo, hi)` of one dictionary, sorted and disjoint.
#[derive(Debug, Clone, Default)]
pub(crate) struct Ranges(pub Vec<(u32, u32)>);

impl Ranges {
    fn normalise(mut v: Vec<(u32, u32)>) -> Ranges {
        v.retain(|r| r.0 < r.1);
        v.sort_unstable();
        let mut out: Vec<(u32, u32)> = Vec::with_capacity(v.len());
        for (lo, hi) in v {
            match out.last_mut() {
                Some(last) if lo <= last.1 => last.1 = last.1.max(hi),
                _ => out.push((lo, hi)),
            }
        }
        Ranges(out)
    }

    fn minus(&self, cut: &Ranges) -> Ranges {
        let mut out = Vec::new();
        for &(lo, hi) in &self.0 {
            let mut cur = lo;
            for &(clo, chi) in &cut.0 {
                if chi <= cur || clo >= hi {
                    continue;
                }
                if clo > cur {
                    out.push((cur, clo));
                }
                cur = cur.max(chi);
            }
            if cur < hi {
                out.push((cur, hi));
            }
        }
        Ranges::normalise(out)
    }
}

/// Id ranges of a concept set in the store (codes and descendants, minus exclusions).
pub(crate) fn concept_ranges(store: &EventStore, cs: &ConceptSet) -> Ranges {
    let ids = |codes: &[String]| {
        Ranges::normalise(
            codes
                .iter()
                .map(|c| {
                    let r = store.code_ids(cs.system, c);
                    (r.start, r.end)
                })
                .collect(),
        )
    };
    ids(&cs.codes).minus(&ids(&cs.exclude))
}

/// A set of code ids as a bit set over the dictionary: one load and a shift per event, where
/// testing the id ranges costs a loop and branches (measured: 6 ns per event with ranges on a
/// dispensing-heavy scan, see `Matcher`).
#[derive(Debug, Clone, Default)]
pub(crate) struct Bits(Vec<u64>);

impl Bits {
    fn from_ranges(r: &Ranges) -> Bits {
        let n = r.0.last().map_or(0, |x| x.1 as usize);
        let mut bits = vec![0u64; n.div_ceil(64)];
        for &(lo, hi) in &r.0 {
            for id in lo..hi {
                bits[id as usize >> 6] |= 1 << (id & 63);
            }
        }
        Bits(bits)
    }

    #[inline]
    pub fn contains(&self, id: u32) -> bool {
        self.0
            .get(id as usize >> 6)
            .is_some_and(|w| (w >> (id & 63)) & 1 == 1)
    }
}

/// Selects events of one kind: codes in a set (or any code) and roles in a bit mask.
#[derive(Debug, Clone)]
pub(crate) struct Matcher {
    pub kind: u8,
    /// `None`: any code.
    pub codes: Option<Bits>,
    /// Bit `t` set when an event with [`tag`](crate::store::tag) `t` (kind and role) is
    /// accepted: one shift tests both.
    pub tags: u64,
}

impl Matcher {
    /// Append to `out` the patients of `range` who have an event of this matcher's kind and codes
    /// (sorted per code, with repeats across codes); `false` when the matcher takes any code
    /// (then every patient may match).
    pub fn candidates(
        &self,
        store: &EventStore,
        range: &std::ops::Range<usize>,
        out: &mut Vec<u32>,
    ) -> bool {
        let (Some(kind), Some(Bits(words))) =
            (crate::model::EventKind::from_u8(self.kind), &self.codes)
        else {
            return false;
        };
        let (lo, hi) = (range.start as u32, range.end as u32);
        for (w, &word) in words.iter().enumerate() {
            let mut rest = word;
            while rest != 0 {
                let id = (w * 64) as u32 + rest.trailing_zeros();
                let list = store.postings.patients(kind, id);
                let a = list.partition_point(|&p| p < lo);
                let b = a + list[a..].partition_point(|&p| p < hi);
                out.extend_from_slice(&list[a..b]);
                rest &= rest - 1;
            }
        }
        true
    }

    /// [`Matcher::matches`] on references into the store's columns: the code is loaded only
    /// when the kind and role match.
    #[inline(always)]
    pub fn hit(&self, tag: &u8, code: &u32) -> bool {
        (self.tags >> *tag) & 1 == 1 && self.codes.as_ref().is_none_or(|r| r.contains(*code))
    }

    #[inline]
    pub fn matches(&self, tag: u8, code: u32) -> bool {
        self.hit(&tag, &code)
    }
}

/// A compiled criterion.
#[derive(Debug, Clone)]
pub(crate) enum Node {
    All(Vec<Node>),
    Any(Vec<Node>),
    AtLeast(u32, Vec<Node>),
    AtMost(u32, Vec<Node>),
    Demo {
        age_min: Option<u32>,
        age_max: Option<u32>,
        sex: Option<u8>,
        depts: Vec<u8>,
        regions: Vec<u8>,
    },
    Events {
        m: Matcher,
        win: Win,
        min: u32,
        max: u32,
        distinct: bool,
    },
    Cohort {
        nested: usize,
        win: Win,
        min: u32,
        max: u32,
    },
}

/// A window relative to the index start or end.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Win {
    pub start: Option<i32>,
    pub end: Option<i32>,
    pub from_end: bool,
}

#[derive(Debug, Clone)]
pub(crate) enum ExitPlan {
    EndOfObservation,
    Fixed {
        days: i64,
        from_end: bool,
    },
    Drug {
        m: Matcher,
        days_per_box: Option<u32>,
        gap: i64,
        extension: i64,
    },
}

/// A compiled definition.
#[derive(Debug, Clone)]
pub(crate) struct Plan {
    pub entry: Vec<Matcher>,
    pub occurrence: Occurrence,
    pub from: Day,
    pub to: Day,
    pub prior: i64,
    pub post: i64,
    pub rules: Vec<Node>,
    pub exit: ExitPlan,
    pub censor: Vec<Matcher>,
    pub pad: i64,
    pub nested: Vec<Plan>,
    /// Whether a drug exposure exit needs each pack's days per box.
    pub needs_pack_days: bool,
}

struct Compiler<'a> {
    store: &'a EventStore,
    def: &'a Definition,
}

impl Compiler<'_> {
    fn matcher(&self, f: &EventFilter) -> Matcher {
        let kind = f.event.kind() as u8;
        let codes = match (&f.concept_set, f.event) {
            (_, EventType::Death) | (None, _) => None,
            // Validation guarantees the set exists; an unknown name matches nothing.
            (Some(name), _) => Some(
                self.def
                    .concept_set(name)
                    .map(|cs| Bits::from_ranges(&concept_ranges(self.store, cs)))
                    .unwrap_or_default(),
            ),
        };
        let mut tags = 0u64;
        for role in crate::model::Role::ALL {
            if f.roles.is_empty() || f.roles.iter().any(|r| r.role() == role) {
                tags |= 1 << crate::store::tag(kind, role as u8);
            }
        }
        Matcher { kind, codes, tags }
    }

    fn node(&self, c: &Criterion) -> Node {
        let list = |v: &[Criterion]| v.iter().map(|c| self.node(c)).collect::<Vec<_>>();
        match c {
            Criterion::All { all } => Node::All(list(all)),
            Criterion::Any { any } => Node::Any(list(any)),
            Criterion::AtLeast { at_least, of } => Node::AtLeast(*at_least, list(of)),
            Criterion::AtMost { at_most, of } => Node::AtMost(*at_most, list(of)),
            Criterion::Demographics { demographics: d } => {
                let mut depts: Vec<u8> = d
                    .departements
                    .iter()
                    .filter_map(|c| crate::referential::dept_index(c))
                    .collect();
                depts.sort_unstable();
                Node::Demo {
                    age_min: d.age.and_then(|a| a.min),
                    age_max: d.age.and_then(|a| a.max),
                    sex: d.sex.map(|s| s.code()),
                    depts,
                    regions: d.regions.clone(),
                }
            }
            Criterion::Events(e) => {
                let (min, max) = e.count.bounds();
                Node::Events {
                    m: self.matcher(&e.filter),
                    win: Win {
                        start: e.window.start,
                        end: e.window.end,
                        from_end: e.relative_to == Anchor::IndexEnd,
                    },
                    min,
                    max,
                    distinct: e.distinct_dates,
                }
            }
            Criterion::InCohort(cc) => {
                let (min, max) = cc.count.bounds();
                Node::Cohort {
                    nested: self
                        .def
                        .cohorts
                        .iter()
                        .position(|d| d.name == cc.in_cohort)
                        .unwrap_or(usize::MAX),
                    win: Win {
                        start: cc.window.start,
                        end: cc.window.end,
                        from_end: cc.relative_to == Anchor::IndexEnd,
                    },
                    min,
                    max,
                }
            }
        }
    }

    fn plan(&self) -> Plan {
        let def = self.def;
        let range = def.entry.date_range.unwrap_or_default();
        let exit = match &def.exit {
            Exit::EndOfObservation | Exit::Death => ExitPlan::EndOfObservation,
            Exit::Fixed { days, from } => ExitPlan::Fixed {
                days: *days as i64,
                from_end: *from == Anchor::IndexEnd,
            },
            Exit::DrugExposure {
                concept_set,
                days_per_box,
                gap,
                extension,
            } => ExitPlan::Drug {
                m: self.matcher(&EventFilter {
                    event: EventType::Dispensing,
                    concept_set: Some(concept_set.clone()),
                    roles: Vec::new(),
                }),
                days_per_box: *days_per_box,
                gap: *gap as i64,
                extension: *extension as i64,
            },
        };
        let nested: Vec<Plan> = def
            .cohorts
            .iter()
            .map(|d| {
                Compiler {
                    store: self.store,
                    def: d,
                }
                .plan()
            })
            .collect();
        let needs_pack_days = matches!(
            exit,
            ExitPlan::Drug {
                days_per_box: None,
                ..
            }
        ) || nested.iter().any(|n| n.needs_pack_days);
        Plan {
            entry: def.entry.events.iter().map(|f| self.matcher(f)).collect(),
            occurrence: def.entry.occurrence,
            from: range.from.map_or(Day::MIN, |d| d.0),
            to: range.to.map_or(Day::MAX, |d| d.0),
            prior: def.entry.prior_observation as i64,
            post: def.entry.post_observation as i64,
            rules: def
                .inclusion
                .iter()
                .map(|r| self.node(&r.criterion))
                .collect(),
            exit,
            censor: def.censoring.iter().map(|f| self.matcher(f)).collect(),
            pad: def.collapse_days as i64,
            nested,
            needs_pack_days,
        }
    }
}

/// Compile a definition (already checked) against a store.
pub(crate) fn compile(store: &EventStore, def: &Definition) -> Result<Plan> {
    def.ensure_valid()?;
    Ok(Compiler { store, def }.plan())
}

/// Days one box of each drug id covers: the pack's own from the referential, 30 when the pack is
/// not in it (the most common box of chronic treatments in France is 28/30 days).
pub(crate) fn pack_days(store: &EventStore) -> Vec<u16> {
    store
        .drug_cip
        .iter()
        .map(|cip| crate::referential::pack(cip).map_or(30, |p| p.days.max(1)))
        .collect()
}
