//! A deliberately simple reference evaluator, compared with the engine on thousands of random
//! small populations and random definitions.
//!
//! The reference reads the [`Population`] (not the event store): codes as strings matched with
//! `starts_with`, events scanned in full for every criterion of every index event, drug
//! exposure as a set of covered days, era collapse by merging pairs until nothing changes. It
//! shares no code with the engine besides the definition types and `dates::age_at`.

mod engine {
    use std::collections::BTreeSet;

    use cohorte_core::dates::{self, Day};
    use cohorte_core::definition::*;
    use cohorte_core::engine::{self, CohortResult};
    use cohorte_core::model::{
        observation, CodeSystem, Event, EventKind, Patient, Population, Role, DEPT_UNKNOWN,
    };
    use cohorte_core::referential;
    use cohorte_core::rng::Rng;
    use cohorte_core::store::EventStore;
    use proptest::prelude::*;

    // ---------------------------------------------------------------------------------------
    // Reference evaluator.

    struct Ref<'a> {
        pop: &'a Population,
        def: &'a Definition,
        /// Events of each patient, in population order.
        by: &'a [Vec<Event>],
    }

    fn by_patient(pop: &Population) -> Vec<Vec<Event>> {
        let mut by = vec![Vec::new(); pop.patients.len()];
        for e in &pop.events {
            by[e.patient as usize].push(*e);
        }
        by
    }

    fn code_matches(cs: &ConceptSet, text: &str) -> bool {
        let hit = |list: &[String]| {
            list.iter().any(|c| match cs.system {
                CodeSystem::Cip13 => text == c,
                _ => text.starts_with(c.as_str()),
            })
        };
        hit(&cs.codes) && !hit(&cs.exclude)
    }

    impl Ref<'_> {
        fn events(&self, p: usize) -> Vec<Event> {
            self.by[p].clone()
        }

        fn text(&self, e: &Event, system: CodeSystem) -> String {
            let d = &self.pop.dicts;
            match (e.kind, system) {
                (EventKind::Dispensing, CodeSystem::Atc) => d.drug_atc[e.code as usize].clone(),
                _ => d.code_of(e).to_string(),
            }
        }

        fn filter_matches(&self, f: &EventFilter, e: &Event) -> bool {
            if e.kind != f.event.kind() {
                return false;
            }
            if !f.roles.is_empty() && !f.roles.iter().any(|r| r.role() == e.role) {
                return false;
            }
            match &f.concept_set {
                None => true,
                Some(name) => {
                    let cs = self.def.concept_set(name).unwrap();
                    code_matches(cs, &self.text(e, cs.system))
                }
            }
        }

        fn end_of(&self, e: &Event, obs_end: Day) -> Day {
            let raw = match e.kind {
                EventKind::Stay => e.end,
                EventKind::Ald if e.end >= dates::MAX_DAY => obs_end,
                EventKind::Ald => e.end,
                _ => e.start,
            };
            raw.min(obs_end).max(e.start)
        }

        fn window(
            &self,
            w: &Window,
            anchor: Anchor,
            s: Day,
            e: Day,
            obs: (Day, Day),
        ) -> (i64, i64) {
            let a = if anchor == Anchor::IndexEnd { e } else { s } as i64;
            let lo = w
                .start
                .map_or(obs.0 as i64, |x| a + x as i64)
                .max(obs.0 as i64);
            let hi = w
                .end
                .map_or(obs.1 as i64, |x| a + x as i64)
                .min(obs.1 as i64);
            (lo, hi)
        }

        fn crit(&self, c: &Criterion, p: usize, s: Day, e: Day, obs: (Day, Day)) -> bool {
            let pat: &Patient = &self.pop.patients[p];
            let held = |v: &[Criterion]| v.iter().filter(|c| self.crit(c, p, s, e, obs)).count();
            match c {
                Criterion::All { all } => held(all) == all.len(),
                Criterion::Any { any } => held(any) > 0,
                Criterion::AtLeast { at_least, of } => held(of) >= *at_least as usize,
                Criterion::AtMost { at_most, of } => held(of) <= *at_most as usize,
                Criterion::Demographics { demographics: d } => {
                    let age = dates::age_at(pat.birth, s) as i64;
                    if let Some(a) = d.age {
                        if a.min.is_some_and(|m| age < m as i64)
                            || a.max.is_some_and(|m| age > m as i64)
                        {
                            return false;
                        }
                    }
                    if d.sex.is_some_and(|x| x.code() != pat.sex) {
                        return false;
                    }
                    if d.departements.is_empty() && d.regions.is_empty() {
                        return true;
                    }
                    let in_dept = d
                        .departements
                        .iter()
                        .any(|c| referential::dept_index(c) == Some(pat.dept));
                    let in_region = d
                        .regions
                        .iter()
                        .any(|r| referential::region_of(pat.dept) == Some(*r));
                    in_dept || in_region
                }
                Criterion::Events(ec) => {
                    let (lo, hi) = self.window(&ec.window, ec.relative_to, s, e, obs);
                    let dates: Vec<Day> = self
                        .events(p)
                        .iter()
                        .filter(|x| self.filter_matches(&ec.filter, x))
                        .map(|x| x.start)
                        .filter(|&d| lo <= d as i64 && d as i64 <= hi)
                        .collect();
                    let n = if ec.distinct_dates {
                        dates.iter().collect::<BTreeSet<_>>().len()
                    } else {
                        dates.len()
                    } as u64;
                    let (min, max) = ec.count.bounds();
                    min as u64 <= n && n <= max as u64
                }
                Criterion::InCohort(cc) => {
                    let nested = self
                        .def
                        .cohorts
                        .iter()
                        .find(|d| d.name == cc.in_cohort)
                        .unwrap();
                    let rows = Ref {
                        pop: self.pop,
                        def: nested,
                        by: self.by,
                    }
                    .patient(p)
                    .0;
                    let (lo, hi) = self.window(&cc.window, cc.relative_to, s, e, obs);
                    let n = rows
                        .iter()
                        .filter(|&&(a, b)| (a as i64) <= hi && (b as i64) >= lo)
                        .count() as u64;
                    let (min, max) = cc.count.bounds();
                    min as u64 <= n && n <= max as u64
                }
            }
        }

        /// Covered days of the drug concept, then eras of covered days at most `gap` apart.
        fn eras(&self, p: usize, cs_name: &str, per_box: Option<u32>, gap: u32) -> Vec<(i64, i64)> {
            let cs = self.def.concept_set(cs_name).unwrap();
            let mut covered = BTreeSet::new();
            for e in self.events(p) {
                if e.kind != EventKind::Dispensing || e.value <= 0 {
                    continue;
                }
                if !code_matches(cs, &self.text(&e, cs.system)) {
                    continue;
                }
                let cip = self.pop.dicts.drug.code(e.code);
                let per =
                    per_box.unwrap_or_else(|| referential::pack(cip).map_or(30, |k| k.days as u32));
                for d in 0..(e.value as i64 * per as i64) {
                    covered.insert(e.start as i64 + d);
                }
            }
            let mut eras: Vec<(i64, i64)> = Vec::new();
            for d in covered {
                match eras.last_mut() {
                    Some(l) if d - l.1 - 1 <= gap as i64 => l.1 = d,
                    _ => eras.push((d, d)),
                }
            }
            eras
        }

        /// Rows of the patient and the rule masks of its index events.
        fn patient(&self, p: usize) -> (Vec<(Day, Day)>, Vec<Vec<bool>>) {
            let pat = &self.pop.patients[p];
            let Some(obs) =
                observation(pat.birth, pat.death, self.pop.data_start, self.pop.data_end)
            else {
                return (vec![], vec![]);
            };
            let def = self.def;
            let evs = self.events(p);
            let cands: BTreeSet<(Day, Day)> = evs
                .iter()
                .filter(|e| def.entry.events.iter().any(|f| self.filter_matches(f, e)))
                .map(|e| (e.start, self.end_of(e, obs.1)))
                .collect();
            let picked: Vec<(Day, Day)> = match def.entry.occurrence {
                Occurrence::All => cands.into_iter().collect(),
                Occurrence::First => cands.into_iter().next().into_iter().collect(),
                Occurrence::Last => cands.into_iter().next_back().into_iter().collect(),
            };
            let range = def.entry.date_range.unwrap_or_default();
            let idx: Vec<(Day, Day)> = picked
                .into_iter()
                .filter(|&(s, _)| {
                    range.from.is_none_or(|f| s >= f.0) && range.to.is_none_or(|t| s <= t.0)
                })
                .filter(|&(s, _)| {
                    s as i64 >= obs.0 as i64 + def.entry.prior_observation as i64
                        && s as i64 + def.entry.post_observation as i64 <= obs.1 as i64
                })
                .collect();
            let masks: Vec<Vec<bool>> = idx
                .iter()
                .map(|&(s, e)| {
                    def.inclusion
                        .iter()
                        .map(|r| self.crit(&r.criterion, p, s, e, obs))
                        .collect()
                })
                .collect();
            let mut rows: Vec<(i64, i64)> = Vec::new();
            for (k, &(s, e)) in idx.iter().enumerate() {
                if !masks[k].iter().all(|&b| b) {
                    continue;
                }
                let base: i64 = match &def.exit {
                    Exit::EndOfObservation | Exit::Death => obs.1 as i64,
                    Exit::Fixed { days, from } => {
                        (if *from == Anchor::IndexEnd { e } else { s }) as i64 + *days as i64
                    }
                    Exit::DrugExposure {
                        concept_set,
                        days_per_box,
                        gap,
                        extension,
                    } => {
                        let eras = self.eras(p, concept_set, *days_per_box, *gap);
                        match eras.iter().find(|&&(a, b)| a <= s as i64 && s as i64 <= b) {
                            Some(&(_, b)) => b + *extension as i64,
                            None => s as i64,
                        }
                    }
                };
                let censor = evs
                    .iter()
                    .filter(|x| {
                        x.start >= s && def.censoring.iter().any(|f| self.filter_matches(f, x))
                    })
                    .map(|x| x.start as i64)
                    .min()
                    .unwrap_or(i64::MAX);
                let exit = base.min(censor).min(obs.1 as i64).max(s as i64);
                rows.push((s as i64, exit));
            }
            // Era collapse: merge any two entries within `collapse_days`, until stable.
            let pad = def.collapse_days as i64;
            loop {
                let mut merged = false;
                'outer: for i in 0..rows.len() {
                    for j in 0..rows.len() {
                        let (a, b) = (rows[i], rows[j]);
                        if i != j && a.0 <= b.1 + pad && b.0 <= a.1 + pad {
                            rows[i] = (a.0.min(b.0), a.1.max(b.1));
                            rows.remove(j);
                            merged = true;
                            break 'outer;
                        }
                    }
                }
                if !merged {
                    break;
                }
            }
            rows.sort();
            (
                rows.into_iter()
                    .map(|(a, b)| (a as Day, b as Day))
                    .collect(),
                masks,
            )
        }

        fn evaluate(&self) -> CohortResult {
            let n = self.def.inclusion.len();
            let mut res = CohortResult::default();
            let mut persons = vec![0u64; n + 1];
            let mut events = vec![0u64; n + 1];
            let mut alone_p = vec![0u64; n];
            let mut alone_e = vec![0u64; n];
            for p in 0..self.pop.patients.len() {
                let (rows, masks) = self.patient(p);
                for (a, b) in rows {
                    res.rows.person.push(p as u32);
                    res.rows.start.push(a);
                    res.rows.end.push(b);
                }
                for step in 0..=n {
                    let k = masks
                        .iter()
                        .filter(|m| m[..step].iter().all(|&b| b))
                        .count() as u64;
                    events[step] += k;
                    persons[step] += (k > 0) as u64;
                }
                for r in 0..n {
                    let k = masks.iter().filter(|m| m[r]).count() as u64;
                    alone_e[r] += k;
                    alone_p[r] += (k > 0) as u64;
                }
            }
            for step in 0..=n {
                let prev = step.saturating_sub(1);
                res.attrition.steps.push(engine::AttritionStep {
                    name: if step == 0 {
                        "entry".into()
                    } else {
                        self.def.inclusion[step - 1].name.clone()
                    },
                    persons: persons[step],
                    events: events[step],
                    lost_persons: persons[prev] - persons[step],
                    lost_events: events[prev] - events[step],
                    alone_persons: if step == 0 {
                        persons[0]
                    } else {
                        alone_p[step - 1]
                    },
                    alone_events: if step == 0 {
                        events[0]
                    } else {
                        alone_e[step - 1]
                    },
                });
            }
            res
        }
    }

    // ---------------------------------------------------------------------------------------
    // Random populations and definitions.

    const DRUGS: [(&str, &str); 6] = [
        ("3400000000011", "A10BA02"),
        ("3400000000028", "A10BA02"),
        ("3400000000035", "A10BB09"),
        ("3400000000042", "C07AB07"),
        ("3400000000059", "A10AB05"),
        ("3400937224116", "B01AF01"),
    ];
    const ICD: [&str; 7] = ["E11", "E119", "E110", "I21", "I214", "I500", "J441"];
    const CCAM: [&str; 3] = ["DDAF008", "DDAF006", "DDQH009"];
    const DEPTS: [&str; 4] = ["75", "69", "13", "2A"];

    fn pick<T: Copy>(r: &mut Rng, v: &[T]) -> T {
        v[r.below(v.len() as u64) as usize]
    }

    fn population(r: &mut Rng, n: usize) -> Population {
        let d0 = dates::from_ymd(2019, 1, 1);
        let mut pop = Population {
            data_start: d0,
            data_end: d0 + 1000,
            ..Default::default()
        };
        for (cip, atc) in DRUGS {
            pop.dicts.intern_drug(cip, atc);
        }
        for p in 0..n {
            let birth = if r.chance(0.2) {
                r.range_i32(d0 - 100, d0 + 600)
            } else {
                r.range_i32(d0 - 33_000, d0 - 3000)
            };
            let death = r
                .chance(0.3)
                .then(|| r.range_i32(birth.max(d0 - 50), d0 + 1100));
            let dept = if r.chance(0.1) {
                DEPT_UNKNOWN
            } else {
                referential::dept_index(pick(r, &DEPTS)).unwrap()
            };
            pop.patients.push(Patient {
                nir: format!("P{p}"),
                rank: 1,
                sex: pick(r, &[1u8, 2, 2, 1, 9]),
                birth,
                death,
                dept,
            });
            if let Some(d) = death {
                pop.events.push(Event {
                    patient: p as u32,
                    kind: EventKind::Death,
                    role: Role::None,
                    start: d,
                    end: d,
                    code: 0,
                    value: 0,
                    stay: 0,
                });
            }
            let centre = r.range_i32(d0, d0 + 900);
            for _ in 0..r.below(14) {
                // Most events cluster around one period so windows, gaps and overlaps meet.
                let start = if r.chance(0.7) {
                    centre + r.range_i32(-40, 80)
                } else {
                    r.range_i32(d0 - 50, d0 + 1050)
                };
                let kind = pick(
                    r,
                    &[
                        EventKind::Dispensing,
                        EventKind::Dispensing,
                        EventKind::Diagnosis,
                        EventKind::Stay,
                        EventKind::Act,
                        EventKind::Ald,
                        EventKind::Visit,
                    ],
                );
                let mut e = Event {
                    patient: p as u32,
                    kind,
                    role: Role::None,
                    start,
                    end: start,
                    code: 0,
                    value: 0,
                    stay: 0,
                };
                match kind {
                    EventKind::Dispensing => {
                        e.code = r.below(DRUGS.len() as u64) as u32;
                        e.value = r.range_i32(-1, 3);
                    }
                    EventKind::Diagnosis => {
                        e.code = pop.dicts.icd10.intern(pick(r, &ICD));
                        e.role = Role::from_u8(r.below(5) as u8).unwrap();
                    }
                    EventKind::Stay => {
                        e.code = pop.dicts.icd10.intern(pick(r, &ICD));
                        e.end = start + r.range_i32(0, 20);
                        e.value = e.end - start;
                    }
                    EventKind::Act => e.code = pop.dicts.ccam.intern(pick(r, &CCAM)),
                    EventKind::Ald => {
                        e.code = pop.dicts.icd10.intern(pick(r, &ICD));
                        e.end = if r.chance(0.5) {
                            dates::MAX_DAY
                        } else {
                            start + r.range_i32(0, 400)
                        };
                    }
                    _ => e.code = pop.dicts.nature.intern("1111"),
                }
                pop.events.push(e);
            }
        }
        pop
    }

    fn concept_sets() -> Vec<ConceptSet> {
        let cs = |name: &str, system, codes: &[&str], exclude: &[&str]| ConceptSet {
            name: name.into(),
            system,
            codes: codes.iter().map(|s| s.to_string()).collect(),
            exclude: exclude.iter().map(|s| s.to_string()).collect(),
        };
        vec![
            cs("met", CodeSystem::Atc, &["A10BA02"], &[]),
            cs("diab", CodeSystem::Atc, &["A10"], &["A10A"]),
            cs(
                "cip",
                CodeSystem::Cip13,
                &["3400000000028", "3400937224116"],
                &[],
            ),
            cs("t2d", CodeSystem::Icd10, &["E11"], &["E110"]),
            cs("cardio", CodeSystem::Icd10, &["I21", "I5"], &[]),
            cs("ccam", CodeSystem::Ccam, &["DDAF"], &[]),
        ]
    }

    fn filter(r: &mut Rng, allow_death: bool) -> EventFilter {
        let types: &[EventType] = if allow_death {
            &EventType::ALL
        } else {
            &EventType::ALL[..5]
        };
        let event = pick(r, types);
        let concept_set = match event {
            EventType::Death => None,
            _ if r.chance(0.15) => None,
            EventType::Dispensing => Some(pick(r, &["met", "diab", "cip"]).to_string()),
            EventType::Act => Some("ccam".to_string()),
            _ => Some(pick(r, &["t2d", "cardio"]).to_string()),
        };
        let roles = if event == EventType::Diagnosis && r.chance(0.4) {
            [
                DiagnosisRole::DP,
                DiagnosisRole::DR,
                DiagnosisRole::DAS,
                DiagnosisRole::ALD,
            ]
            .into_iter()
            .filter(|_| r.chance(0.5))
            .collect()
        } else {
            vec![]
        };
        EventFilter {
            event,
            concept_set,
            roles,
        }
    }

    fn window(r: &mut Rng) -> Window {
        let a = r.chance(0.8).then(|| r.range_i32(-400, 100));
        let b = r.chance(0.8).then(|| r.range_i32(-100, 400));
        match (a, b) {
            (Some(x), Some(y)) if x > y => Window {
                start: Some(y),
                end: Some(x),
            },
            _ => Window { start: a, end: b },
        }
    }

    fn count(r: &mut Rng) -> Count {
        match r.below(4) {
            0 => Count::default(),
            1 => Count {
                at_least: None,
                at_most: Some(r.below(3) as u32),
                exactly: None,
            },
            2 => Count {
                at_least: None,
                at_most: None,
                exactly: Some(r.below(3) as u32),
            },
            _ => {
                let a = r.below(3) as u32;
                Count {
                    at_least: Some(a),
                    at_most: Some(a + r.below(3) as u32),
                    exactly: None,
                }
            }
        }
    }

    fn anchor(r: &mut Rng) -> Anchor {
        if r.chance(0.3) {
            Anchor::IndexEnd
        } else {
            Anchor::IndexStart
        }
    }

    fn criterion(r: &mut Rng, depth: u32, nested: bool) -> Criterion {
        let k = if depth >= 2 {
            4 + r.below(3)
        } else {
            r.below(7)
        };
        let list = |r: &mut Rng| {
            (0..1 + r.below(3))
                .map(|_| criterion(r, depth + 1, nested))
                .collect::<Vec<_>>()
        };
        match k {
            0 => Criterion::All { all: list(r) },
            1 => Criterion::Any { any: list(r) },
            2 => {
                let of = list(r);
                Criterion::AtLeast {
                    at_least: r.below(of.len() as u64 + 1) as u32,
                    of,
                }
            }
            3 => {
                let of = list(r);
                Criterion::AtMost {
                    at_most: r.below(of.len() as u64 + 1) as u32,
                    of,
                }
            }
            4 => {
                let lo = r.below(90) as u32;
                Criterion::Demographics {
                    demographics: Demographics {
                        age: r.chance(0.5).then(|| AgeRange {
                            min: r.chance(0.7).then_some(lo),
                            max: r.chance(0.5).then(|| lo + r.below(40) as u32),
                        }),
                        sex: r.chance(0.4).then(|| pick(r, &[Sex::Male, Sex::Female])),
                        departements: if r.chance(0.3) {
                            vec![pick(r, &DEPTS).to_string()]
                        } else {
                            vec![]
                        },
                        regions: if r.chance(0.3) {
                            vec![pick(r, &[84u8, 11, 93, 94])]
                        } else {
                            vec![]
                        },
                    },
                }
            }
            5 if nested => Criterion::InCohort(Box::new(CohortCount {
                in_cohort: "nested".into(),
                window: window(r),
                relative_to: anchor(r),
                count: count(r),
            })),
            _ => Criterion::Events(Box::new(EventCount {
                filter: filter(r, true),
                window: window(r),
                relative_to: anchor(r),
                count: count(r),
                distinct_dates: r.chance(0.3),
            })),
        }
    }

    fn definition(r: &mut Rng, depth: u32) -> Definition {
        let nested: Vec<Definition> = if depth == 0 && r.chance(0.3) {
            let mut d = definition(r, 1);
            d.name = "nested".into();
            vec![d]
        } else {
            vec![]
        };
        let d0 = dates::from_ymd(2019, 1, 1);
        let range = r.chance(0.3).then(|| {
            let a = r.range_i32(d0, d0 + 600);
            DateRange {
                from: r.chance(0.7).then_some(Date(a)),
                to: r.chance(0.7).then(|| Date(a + r.range_i32(0, 500))),
            }
        });
        let exit = match r.below(5) {
            0 => Exit::EndOfObservation,
            1 => Exit::Death,
            2 => Exit::Fixed {
                days: r.below(200) as u32,
                from: anchor(r),
            },
            _ => Exit::DrugExposure {
                concept_set: pick(r, &["met", "diab", "cip"]).to_string(),
                days_per_box: r.chance(0.5).then(|| 1 + r.below(40) as u32),
                gap: r.below(30) as u32,
                extension: r.below(20) as u32,
            },
        };
        let has_nested = !nested.is_empty();
        let mut entry_events: Vec<EventFilter> = (0..1 + r.below(2))
            .map(|_| {
                let death = r.chance(0.2);
                filter(r, death)
            })
            .collect();
        // Exposure exits matter when the index is a dispensing of the drug itself.
        if let Exit::DrugExposure { concept_set, .. } = &exit {
            if r.chance(0.6) {
                entry_events[0] = EventFilter {
                    event: EventType::Dispensing,
                    concept_set: Some(concept_set.clone()),
                    roles: vec![],
                };
            }
        }
        Definition {
            version: CURRENT_VERSION,
            name: "random".into(),
            description: String::new(),
            concept_sets: concept_sets(),
            entry: Entry {
                events: entry_events,
                date_range: range,
                occurrence: pick(r, &[Occurrence::First, Occurrence::All, Occurrence::Last]),
                prior_observation: if r.chance(0.5) {
                    0
                } else {
                    r.below(200) as u32
                },
                post_observation: if r.chance(0.6) {
                    0
                } else {
                    r.below(200) as u32
                },
            },
            inclusion: (0..r.below(4))
                .map(|i| Rule {
                    name: format!("rule {i}"),
                    description: String::new(),
                    criterion: criterion(r, 0, has_nested),
                })
                .collect(),
            exit,
            censoring: (0..r.below(3)).map(|_| filter(r, true)).collect(),
            collapse_days: if r.chance(0.5) { 0 } else { r.below(40) as u32 },
            cohorts: nested,
        }
    }

    fn compare(seed: u64, n: usize) -> Result<(), TestCaseError> {
        let mut r = Rng::new(seed);
        let pop = population(&mut r, n);
        let def = definition(&mut r, 0);
        let errors: Vec<_> = def
            .check()
            .into_iter()
            .filter(|p| p.severity == cohorte_core::error::Severity::Error)
            .collect();
        prop_assert!(
            errors.is_empty(),
            "generated an invalid definition: {errors:?}"
        );
        // Through JSON and back: the document form is the one users write.
        let def = Definition::from_json(&def.to_json()).unwrap();
        let store = EventStore::build(&pop);
        let got = engine::evaluate(&store, &def).unwrap();
        let by = by_patient(&pop);
        let want = Ref {
            pop: &pop,
            def: &def,
            by: &by,
        }
        .evaluate();
        prop_assert_eq!(
            &got.rows,
            &want.rows,
            "rows, seed {}, definition {}",
            seed,
            def.to_json()
        );
        prop_assert_eq!(&got.attrition, &want.attrition, "attrition, seed {}", seed);
        Ok(())
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 4000, ..ProptestConfig::default() })]
        #[test]
        fn engine_matches_reference(seed in any::<u64>(), n in 1usize..8) {
            compare(seed, n)?;
        }
    }

    /// Larger populations: the parallel evaluation (when enabled) splits patients in chunks.
    #[test]
    fn engine_matches_reference_on_larger_populations() {
        for seed in 0..6 {
            let mut r = Rng::new(1000 + seed);
            let pop = population(&mut r, 5000);
            let by = by_patient(&pop);
            let def = definition(&mut r, 0);
            let store = EventStore::build(&pop);
            let got = engine::evaluate(&store, &def).unwrap();
            let want = Ref {
                pop: &pop,
                def: &def,
                by: &by,
            }
            .evaluate();
            assert_eq!(got, want, "seed {seed}");
        }
    }
}
