//! A deliberately simple reference evaluator, compared with the engine on thousands of random
//! small populations and random definitions.
//!
//! The reference reads the [`Population`] (not the event store): codes as strings matched with
//! `starts_with`, events scanned in full for every criterion of every index event, drug
//! exposure as a set of covered days, era collapse by merging pairs until nothing changes. It
//! shares no code with the engine besides the definition types and `dates::age_at`.

mod engine_support;

mod engine {
    use super::engine_support::*;
    use std::collections::BTreeSet;

    use cohorte_core::dates::{self, Day};
    use cohorte_core::definition::*;
    use cohorte_core::engine::{self, CohortResult};
    use cohorte_core::model::{observation, CodeSystem, Event, EventKind, Patient, Population};
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
