//! A definition resolved for SQL: concept sets become code predicates on one column, nested
//! cohorts indexes, dates days, places lists of `BEN_RES_DPT` codes; the referential packs the
//! query needs are picked. Every field says what the engine does with it.

use crate::dates::Day;
use crate::definition::{
    Anchor, ConceptSet, Criterion, Definition, EventFilter, EventType, Exit, Occurrence,
};
use crate::error::{Error, Result};
use crate::model::CodeSystem;

/// Event kinds as numbered in the query's event table.
pub(crate) mod kind {
    pub const DISPENSING: u8 = 1;
    pub const DIAGNOSIS: u8 = 2;
    pub const STAY: u8 = 3;
    pub const ACT: u8 = 4;
    pub const ALD: u8 = 5;
    pub const DEATH: u8 = 6;
    /// Visits: read for the data span only (no definition selects them).
    pub const VISIT: u8 = 7;
}

/// The kind number of an event type.
fn kind_of(t: EventType) -> u8 {
    match t {
        EventType::Dispensing => kind::DISPENSING,
        EventType::Diagnosis => kind::DIAGNOSIS,
        EventType::Stay => kind::STAY,
        EventType::Act => kind::ACT,
        EventType::Ald => kind::ALD,
        EventType::Death => kind::DEATH,
    }
}

/// Which column of the event table a concept set is matched on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CodeColumn {
    /// The event's code (CIP13 of a dispensing, ICD-10, CCAM).
    Code,
    /// The ATC of a dispensing's pack.
    Atc,
}

/// A concept set as a predicate: a code matches when it starts with (or, `exact`, equals) one
/// of `include` and none of `exclude`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct CodeMatch {
    pub column: CodeColumn,
    pub exact: bool,
    pub include: Vec<String>,
    pub exclude: Vec<String>,
}

/// An event filter: kind, accepted roles (empty: any) and codes (`None`: any).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Filter {
    pub kind: u8,
    pub roles: Vec<u8>,
    pub codes: Option<CodeMatch>,
}

/// A window in days around the index start (or end), bounds inclusive, clipped to the
/// observation period.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Win {
    pub start: Option<i64>,
    pub end: Option<i64>,
    pub from_end: bool,
}

/// A criterion.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Pred {
    All(Vec<Pred>),
    Any(Vec<Pred>),
    AtLeast(u32, Vec<Pred>),
    AtMost(u32, Vec<Pred>),
    /// Age in completed years at the index start, sex, and place (`None`: no condition on
    /// place; else the normalised `BEN_RES_DPT` codes accepted).
    Demo {
        age_min: Option<u32>,
        age_max: Option<u32>,
        sex: Option<u8>,
        place: Option<Vec<String>>,
    },
    /// Events of a filter whose start falls in the window, counted (or their distinct dates),
    /// the count in `min..=max` (`None`: unbounded).
    Events {
        filter: Filter,
        win: Win,
        min: u32,
        max: Option<u32>,
        distinct: bool,
    },
    /// Entries of nested cohort `nested` overlapping the window, counted.
    Cohort {
        nested: usize,
        win: Win,
        min: u32,
        max: Option<u32>,
    },
}

/// How an entry ends before censoring and the end of observation cut it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ExitPlan {
    EndOfObservation,
    Fixed {
        days: i64,
        from_end: bool,
    },
    Drug {
        codes: CodeMatch,
        days_per_box: Option<u32>,
        gap: i64,
        extension: i64,
    },
}

/// One cohort (the definition or a nested one).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct CohortPlan {
    pub entry: Vec<Filter>,
    pub occurrence: Occurrence,
    pub from: Option<Day>,
    pub to: Option<Day>,
    pub prior: i64,
    pub post: i64,
    /// Each inclusion rule: its name and criterion.
    pub rules: Vec<(String, Pred)>,
    pub exit: ExitPlan,
    pub censor: Vec<Filter>,
    pub pad: i64,
    pub nested: Vec<CohortPlan>,
}

/// A definition compiled for SQL: every semantic of the engine, resolved, and the referential
/// data the query needs. Render it with [`Plan::render`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    pub(crate) cohort: CohortPlan,
    /// `(CIP13, ATC7)` of the referential packs whose ATC an ATC concept set can match: the ATC
    /// of a dispensed pack that `IR_PHA_R` lacks.
    pub(crate) pack_atc: Vec<(String, String)>,
    /// `(CIP13, days)` of the referential packs whose box does not cover 30 days, when a drug
    /// exposure exit takes each pack's own days; `None` when no exit does.
    pub(crate) pack_days: Option<Vec<(String, u32)>>,
}

impl Plan {
    /// Compile a definition (checked first: an invalid definition is an
    /// [`Error::Definition`]).
    pub fn compile(def: &Definition) -> Result<Plan> {
        def.ensure_valid()?;
        let cohort = cohort(def, "")?;
        let mut atc_codes = Vec::new();
        let mut needs_days = false;
        walk(&cohort, &mut |c: &CodeMatch| {
            if c.column == CodeColumn::Atc {
                atc_codes.extend(c.include.iter().cloned());
            }
        });
        walk_exits(&cohort, &mut |e| {
            if let ExitPlan::Drug {
                days_per_box: None, ..
            } = e
            {
                needs_days = true;
            }
        });
        let packs = crate::referential::packs();
        let mut pack_atc: Vec<(String, String)> = packs
            .iter()
            .filter(|p| atc_codes.iter().any(|c| p.atc7.starts_with(c.as_str())))
            .map(|p| (p.cip13.to_string(), p.atc7.to_string()))
            .collect();
        pack_atc.sort();
        pack_atc.dedup_by(|a, b| a.0 == b.0);
        let pack_days = needs_days.then(|| {
            let mut v: Vec<(String, u32)> = packs
                .iter()
                .map(|p| (p.cip13.to_string(), u32::from(p.days.max(1))))
                .filter(|(_, d)| *d != 30)
                .collect();
            v.sort();
            v.dedup_by(|a, b| a.0 == b.0);
            v
        });
        Ok(Plan {
            cohort,
            pack_atc,
            pack_days,
        })
    }

    /// The SQL of one result for these options.
    pub fn render(&self, opts: &super::SqlOptions, result: super::SqlResult) -> Result<String> {
        super::render::render(self, opts, result)
    }
}

fn walk(c: &CohortPlan, f: &mut impl FnMut(&CodeMatch)) {
    fn pred(p: &Pred, f: &mut impl FnMut(&CodeMatch)) {
        match p {
            Pred::All(v) | Pred::Any(v) | Pred::AtLeast(_, v) | Pred::AtMost(_, v) => {
                v.iter().for_each(|x| pred(x, f))
            }
            Pred::Events { filter, .. } => {
                if let Some(m) = &filter.codes {
                    f(m)
                }
            }
            Pred::Demo { .. } | Pred::Cohort { .. } => {}
        }
    }
    for flt in c.entry.iter().chain(&c.censor) {
        if let Some(m) = &flt.codes {
            f(m);
        }
    }
    for (_, p) in &c.rules {
        pred(p, f);
    }
    if let ExitPlan::Drug { codes, .. } = &c.exit {
        f(codes);
    }
    for n in &c.nested {
        walk(n, f);
    }
}

fn walk_exits(c: &CohortPlan, f: &mut impl FnMut(&ExitPlan)) {
    f(&c.exit);
    for n in &c.nested {
        walk_exits(n, f);
    }
}

fn codes(def: &Definition, name: &str, path: &str) -> Result<CodeMatch> {
    let cs: &ConceptSet = def
        .concept_set(name)
        .ok_or_else(|| Error::Sql(format!("{path}: unknown concept set {name:?}")))?;
    Ok(CodeMatch {
        column: if cs.system == CodeSystem::Atc {
            CodeColumn::Atc
        } else {
            CodeColumn::Code
        },
        exact: cs.system == CodeSystem::Cip13,
        include: cs.codes.clone(),
        exclude: cs.exclude.clone(),
    })
}

fn filter(def: &Definition, f: &EventFilter, path: &str) -> Result<Filter> {
    let codes = match (&f.concept_set, f.event) {
        (_, EventType::Death) | (None, _) => None,
        (Some(name), _) => Some(codes(def, name, path)?),
    };
    // The engine accepts an event when its (kind, role) is in the filter's set; an empty role
    // list accepts every role.
    let roles = if f.roles.is_empty() {
        Vec::new()
    } else {
        let mut r: Vec<u8> = f.roles.iter().map(|r| r.role() as u8).collect();
        r.sort_unstable();
        r.dedup();
        r
    };
    Ok(Filter {
        kind: kind_of(f.event),
        roles,
        codes,
    })
}

fn max_of(m: u32) -> Option<u32> {
    (m != u32::MAX).then_some(m)
}

fn pred(def: &Definition, c: &Criterion, path: &str) -> Result<Pred> {
    let list = |v: &[Criterion], key: &str| -> Result<Vec<Pred>> {
        v.iter()
            .enumerate()
            .map(|(i, c)| pred(def, c, &format!("{path}.{key}[{i}]")))
            .collect()
    };
    Ok(match c {
        Criterion::All { all } => Pred::All(list(all, "all")?),
        Criterion::Any { any } => Pred::Any(list(any, "any")?),
        Criterion::AtLeast { at_least, of } => Pred::AtLeast(*at_least, list(of, "of")?),
        Criterion::AtMost { at_most, of } => Pred::AtMost(*at_most, list(of, "of")?),
        Criterion::Demographics { demographics: d } => {
            // As the engine: known départements, plus every département of the regions; no
            // condition when neither list names anything known.
            let deps = crate::referential::departements();
            let mut codes: Vec<String> = d
                .departements
                .iter()
                .filter_map(|c| crate::referential::dept_index(c))
                .filter_map(|i| deps.get(i as usize).map(|x| x.code.to_string()))
                .collect();
            let has_place = !codes.is_empty() || !d.regions.is_empty();
            codes.extend(
                deps.iter()
                    .filter(|x| d.regions.contains(&x.region))
                    .map(|x| x.code.to_string()),
            );
            codes.sort();
            codes.dedup();
            Pred::Demo {
                age_min: d.age.and_then(|a| a.min),
                age_max: d.age.and_then(|a| a.max),
                sex: d.sex.map(|s| s.code()),
                place: has_place.then_some(codes),
            }
        }
        Criterion::Events(e) => {
            let (min, max) = e.count.bounds();
            Pred::Events {
                filter: filter(def, &e.filter, path)?,
                win: Win {
                    start: e.window.start.map(i64::from),
                    end: e.window.end.map(i64::from),
                    from_end: e.relative_to == Anchor::IndexEnd,
                },
                min,
                max: max_of(max),
                distinct: e.distinct_dates,
            }
        }
        Criterion::InCohort(cc) => {
            let (min, max) = cc.count.bounds();
            let nested = def
                .cohorts
                .iter()
                .position(|d| d.name == cc.in_cohort)
                .ok_or_else(|| {
                    Error::Sql(format!(
                        "{path}.in_cohort: unknown nested cohort {:?}",
                        cc.in_cohort
                    ))
                })?;
            Pred::Cohort {
                nested,
                win: Win {
                    start: cc.window.start.map(i64::from),
                    end: cc.window.end.map(i64::from),
                    from_end: cc.relative_to == Anchor::IndexEnd,
                },
                min,
                max: max_of(max),
            }
        }
    })
}

fn cohort(def: &Definition, path: &str) -> Result<CohortPlan> {
    let range = def.entry.date_range.unwrap_or_default();
    let exit = match &def.exit {
        // Death: the end of observation, which is the death date for those who die in the data.
        Exit::EndOfObservation | Exit::Death => ExitPlan::EndOfObservation,
        Exit::Fixed { days, from } => ExitPlan::Fixed {
            days: i64::from(*days),
            from_end: *from == Anchor::IndexEnd,
        },
        Exit::DrugExposure {
            concept_set,
            days_per_box,
            gap,
            extension,
        } => ExitPlan::Drug {
            codes: codes(def, concept_set, &format!("{path}exit.concept_set"))?,
            days_per_box: *days_per_box,
            gap: i64::from(*gap),
            extension: i64::from(*extension),
        },
    };
    Ok(CohortPlan {
        entry: def
            .entry
            .events
            .iter()
            .enumerate()
            .map(|(i, f)| filter(def, f, &format!("{path}entry.events[{i}]")))
            .collect::<Result<_>>()?,
        occurrence: def.entry.occurrence,
        from: range.from.map(|d| d.0),
        to: range.to.map(|d| d.0),
        prior: i64::from(def.entry.prior_observation),
        post: i64::from(def.entry.post_observation),
        rules: def
            .inclusion
            .iter()
            .enumerate()
            .map(|(i, r)| {
                Ok((
                    r.name.clone(),
                    pred(def, &r.criterion, &format!("{path}inclusion[{i}]"))?,
                ))
            })
            .collect::<Result<_>>()?,
        exit,
        censor: def
            .censoring
            .iter()
            .enumerate()
            .map(|(i, f)| filter(def, f, &format!("{path}censoring[{i}]")))
            .collect::<Result<_>>()?,
        pad: i64::from(def.collapse_days),
        nested: def
            .cohorts
            .iter()
            .enumerate()
            .map(|(i, d)| cohort(d, &format!("{path}cohorts[{i}].")))
            .collect::<Result<_>>()?,
    })
}
