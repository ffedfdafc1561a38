//! Checks of meaning on a well-typed definition: references (concept sets, nested cohorts),
//! code systems against event types, malformed codes, empty or impossible windows and counts.
//! Codes missing from the shipped referential are warnings (see the module documentation).
//!
//! The parts of a document whose structure has errors are skipped (they are the *holes* of
//! [`super::salvage`]): every other part is checked.

use super::salvage::Holes;
use super::{ConceptSet, Criterion, Definition, EventFilter, EventType, Exit, Window, MAX_RULES};
use crate::error::{Problem, Severity};
use crate::model::CodeSystem;

fn key(path: &str, k: &str) -> String {
    if path.is_empty() {
        k.to_string()
    } else {
        format!("{path}.{k}")
    }
}

struct C<'a, 'p> {
    def: &'a Definition,
    /// Path of `def` (empty for the document, `cohorts[0]` for a nested cohort).
    path: &'a str,
    holes: &'a Holes,
    problems: &'p mut Vec<Problem>,
}

/// Whether `code` is well formed for `system` (a full code or a hierarchical prefix of one).
pub(crate) fn well_formed(system: CodeSystem, code: &str) -> Result<(), &'static str> {
    let b = code.as_bytes();
    let up = |c: &u8| c.is_ascii_uppercase();
    let dig = |c: &u8| c.is_ascii_digit();
    let ok = match system {
        // A, A10, A10B, A10BA, A10BA02.
        CodeSystem::Atc => {
            matches!(b.len(), 1 | 3 | 4 | 5 | 7)
                && b.iter().enumerate().all(|(i, c)| match i {
                    0 | 3 | 4 => up(c),
                    _ => dig(c),
                })
        }
        CodeSystem::Cip13 => b.len() == 13 && b.iter().all(dig),
        // E, E1, E11, E119, national extensions up to 6 characters.
        CodeSystem::Icd10 => {
            (1..=6).contains(&b.len())
                && b.iter().enumerate().all(|(i, c)| match i {
                    0 => up(c),
                    1 | 2 => dig(c),
                    _ => dig(c) || up(c),
                })
        }
        // DDAF, DDAF001 or any prefix: 4 letters then 3 digits.
        CodeSystem::Ccam => {
            (1..=7).contains(&b.len())
                && b.iter()
                    .enumerate()
                    .all(|(i, c)| if i < 4 { up(c) } else { dig(c) })
        }
    };
    if ok {
        Ok(())
    } else {
        Err(match system {
            CodeSystem::Atc => "expected an ATC code of 1, 3, 4, 5 or 7 characters such as \"A10BA02\"",
            CodeSystem::Cip13 => "expected a CIP13 pack code of 13 digits",
            CodeSystem::Icd10 => {
                "expected an ICD-10 code without dot such as \"E11\" or \"E119\" (a letter, two digits, up to 3 more characters)"
            }
            CodeSystem::Ccam => "expected a CCAM code (4 letters and 3 digits) or a prefix such as \"DDAF\"",
        })
    }
}

impl<'a> C<'a, '_> {
    fn push(&mut self, path: &str, severity: Severity, message: impl Into<String>) {
        self.problems.push(Problem {
            path: path.to_string(),
            message: message.into(),
            severity,
        });
    }
    fn err(&mut self, path: &str, message: impl Into<String>) {
        self.push(path, Severity::Error, message)
    }
    fn warn(&mut self, path: &str, message: impl Into<String>) {
        self.push(path, Severity::Warning, message)
    }

    /// Whether the part at `path` was malformed (already reported, not checked).
    fn hole(&self, path: &str) -> bool {
        self.holes.contains(path)
    }

    /// The concept set named `name`, unless it is a malformed one (`Err(())`: exists, skip).
    fn find_set(&self, name: &str) -> Option<Result<&'a ConceptSet, ()>> {
        let def = self.def;
        let i = def.concept_sets.iter().position(|c| c.name == name)?;
        if self.hole(&format!("{}[{i}]", key(self.path, "concept_sets"))) {
            Some(Err(()))
        } else {
            Some(Ok(&def.concept_sets[i]))
        }
    }

    /// Whether the item `i` of the list `field` of this definition has a readable name.
    fn named(&self, field: &str, i: usize) -> bool {
        let p = format!("{}[{i}]", key(self.path, field));
        !self.hole(&key(&p, "name"))
    }

    fn concept_names(&self) -> String {
        let names: Vec<String> = (self.def.concept_sets.iter().enumerate())
            .filter(|(i, _)| self.named("concept_sets", *i))
            .map(|(_, c)| format!("{:?}", c.name))
            .collect();
        if names.is_empty() {
            return "none is defined in `concept_sets`".into();
        }
        format!("known: {}", names.join(", "))
    }

    fn concept_set(&mut self, cs: &ConceptSet, path: &str) {
        if cs.name.trim().is_empty() {
            self.err(&key(path, "name"), "expected a non-empty name");
        }
        if cs.codes.is_empty() {
            self.err(&key(path, "codes"), "expected at least one code");
        }
        for (field, list) in [("codes", &cs.codes), ("exclude", &cs.exclude)] {
            for (i, code) in list.iter().enumerate() {
                let p = format!("{}[{i}]", key(path, field));
                if let Err(m) = well_formed(cs.system, code) {
                    self.err(&p, format!("{m}, found {code:?}"));
                } else if !crate::referential::contains(cs.system, code) {
                    self.warn(
                        &p,
                        format!(
                            "{} code {code:?} is not in Cohorte's referential (it may still occur in real data)",
                            cs.system
                        ),
                    );
                }
            }
        }
        for (i, ex) in cs.exclude.iter().enumerate() {
            let under = cs
                .codes
                .iter()
                .any(|c| ex.starts_with(c.as_str()) || c.starts_with(ex.as_str()));
            if !under {
                self.warn(
                    &format!("{}[{i}]", key(path, "exclude")),
                    format!("{ex:?} is not under any code of the set: it excludes nothing"),
                );
            }
        }
    }

    fn filter(&mut self, f: &EventFilter, path: &str) {
        if self.hole(path) {
            return;
        }
        if f.event == EventType::Death {
            if f.concept_set.is_some() {
                self.err(
                    &key(path, "concept_set"),
                    "death events have no code: remove the concept set",
                );
            }
        } else if let Some(name) = &f.concept_set {
            match self.find_set(name) {
                None => {
                    let known = self.concept_names();
                    self.err(
                        &key(path, "concept_set"),
                        format!("unknown concept set {name:?} ({known})"),
                    )
                }
                Some(Ok(cs)) if !f.event.systems().contains(&cs.system) => {
                    let want: Vec<&str> = f.event.systems().iter().map(|s| s.name()).collect();
                    self.err(
                        &key(path, "concept_set"),
                        format!(
                            "concept set {name:?} holds {} codes but {} events are coded in {}",
                            cs.system,
                            f.event.name(),
                            want.join(" or ")
                        ),
                    )
                }
                Some(_) => {}
            }
        }
        if !f.roles.is_empty() && f.event != EventType::Diagnosis {
            self.err(
                &key(path, "roles"),
                format!(
                    "roles apply to diagnosis events only, not to {}",
                    f.event.name()
                ),
            );
        }
    }

    fn window(&mut self, w: &Window, path: &str) {
        if let (Some(s), Some(e)) = (w.start, w.end) {
            if s > e {
                self.err(
                    &key(path, "window.start"),
                    format!("the window starts on day {s}, after its end (day {e}); expected start <= end"),
                );
            }
        }
    }

    fn count(&mut self, c: &super::Count, path: &str) {
        let p = key(path, "count");
        if c.exactly.is_some() && (c.at_least.is_some() || c.at_most.is_some()) {
            self.err(
                &p,
                "expected either `exactly` or `at_least`/`at_most`, not both",
            );
        } else if c.exactly.is_none() && c.at_least.is_none() && c.at_most.is_none() {
            self.err(&p, "expected one of `at_least`, `at_most`, `exactly`");
        } else if let (Some(a), Some(b)) = (c.at_least, c.at_most) {
            if a > b {
                self.err(
                    &p,
                    format!("at_least ({a}) is above at_most ({b}): no count satisfies it"),
                );
            }
        }
    }

    fn criterion(&mut self, c: &Criterion, path: &str) {
        if self.hole(path) {
            return;
        }
        let group = |this: &mut Self, list: &[Criterion], field: &str| {
            let p = key(path, field);
            if list.is_empty() {
                this.err(&p, "expected at least one criterion");
            }
            for (i, c) in list.iter().enumerate() {
                this.criterion(c, &format!("{p}[{i}]"));
            }
        };
        match c {
            Criterion::All { all } => group(self, all, "all"),
            Criterion::Any { any } => group(self, any, "any"),
            Criterion::AtLeast { at_least, of } => {
                group(self, of, "of");
                if *at_least as usize > of.len() {
                    self.err(
                        &key(path, "at_least"),
                        format!(
                            "at_least {at_least} of {} criteria can never hold",
                            of.len()
                        ),
                    );
                }
            }
            Criterion::AtMost { at_most, of } => {
                group(self, of, "of");
                if *at_most as usize >= of.len() {
                    self.warn(
                        &key(path, "at_most"),
                        format!("at_most {at_most} of {} criteria always holds", of.len()),
                    );
                }
            }
            Criterion::Demographics { demographics: d } => {
                let p = key(path, "demographics");
                if let Some(a) = d.age {
                    if let (Some(lo), Some(hi)) = (a.min, a.max) {
                        if lo > hi {
                            self.err(
                                &key(&p, "age.min"),
                                format!("minimum age {lo} is above maximum age {hi}"),
                            );
                        }
                    }
                }
                for (i, dep) in d.departements.iter().enumerate() {
                    if crate::referential::dept_index(dep).is_none() {
                        self.err(
                            &format!("{}[{i}]", key(&p, "departements")),
                            format!("unknown département {dep:?}; expected an INSEE code such as \"75\", \"2A\" or \"971\""),
                        );
                    }
                }
                for (i, r) in d.regions.iter().enumerate() {
                    if crate::referential::region(*r).is_none() {
                        self.err(
                            &format!("{}[{i}]", key(&p, "regions")),
                            format!("unknown region {r}; expected a 2016 INSEE region code such as 11 or 84"),
                        );
                    }
                }
                if d.age.is_none()
                    && d.sex.is_none()
                    && d.departements.is_empty()
                    && d.regions.is_empty()
                {
                    self.warn(&p, "no condition given: every index event satisfies it");
                }
            }
            Criterion::Events(e) => {
                self.filter(&e.filter, path);
                self.window(&e.window, path);
                self.count(&e.count, path);
            }
            Criterion::InCohort(cc) => {
                if !self.def.cohorts.iter().any(|d| d.name == cc.in_cohort) {
                    let known: Vec<String> = (self.def.cohorts.iter().enumerate())
                        .filter(|(i, _)| self.named("cohorts", *i))
                        .map(|(_, d)| format!("{:?}", d.name))
                        .collect();
                    self.err(
                        &key(path, "in_cohort"),
                        format!(
                            "unknown nested cohort {:?} ({})",
                            cc.in_cohort,
                            if known.is_empty() {
                                "none is defined in `cohorts`".to_string()
                            } else {
                                format!("known: {}", known.join(", "))
                            }
                        ),
                    );
                }
                self.window(&cc.window, path);
                self.count(&cc.count, path);
            }
        }
    }
}

/// Push every problem of meaning of `def` (its path prefixed by `path`), skipping the `holes`.
pub(crate) fn check(def: &Definition, path: &str, holes: &Holes, problems: &mut Vec<Problem>) {
    let mut c = C {
        def,
        path,
        holes,
        problems,
    };
    if def.version != super::CURRENT_VERSION {
        c.err(
            &key(path, "version"),
            format!(
                "expected version {} (migrate older documents with definition::migrate)",
                super::CURRENT_VERSION
            ),
        );
    }
    if !c.hole(&key(path, "name")) && def.name.trim().is_empty() {
        c.err(&key(path, "name"), "expected a non-empty name");
    }
    let set_path = |i: usize| format!("{}[{i}]", key(path, "concept_sets"));
    let named = |i: usize| !holes.contains(&key(&set_path(i), "name"));
    for (i, cs) in def.concept_sets.iter().enumerate() {
        let p = set_path(i);
        if named(i)
            && def.concept_sets[..i]
                .iter()
                .enumerate()
                .any(|(j, o)| named(j) && o.name == cs.name)
        {
            c.err(
                &key(&p, "name"),
                format!("concept set {:?} is defined twice", cs.name),
            );
        }
        if !c.hole(&p) {
            c.concept_set(cs, &p);
        }
    }
    let ep = key(path, "entry");
    let entry_ok = !c.hole(&ep);
    if entry_ok && !c.hole(&key(&ep, "events")) && def.entry.events.is_empty() {
        c.err(&key(&ep, "events"), "expected at least one event filter");
    }
    for (i, f) in def.entry.events.iter().enumerate() {
        c.filter(f, &format!("{}[{i}]", key(&ep, "events")));
    }
    if let Some(r) = def.entry.date_range.filter(|_| entry_ok) {
        if let (Some(a), Some(b)) = (r.from, r.to) {
            if a > b {
                c.err(
                    &key(&ep, "date_range.from"),
                    "the date range starts after it ends",
                );
            }
        }
    }
    if def.inclusion.len() > MAX_RULES {
        c.err(
            &key(path, "inclusion"),
            format!(
                "expected at most {MAX_RULES} rules, found {} (group criteria with `all`)",
                def.inclusion.len()
            ),
        );
    }
    for (i, r) in def.inclusion.iter().enumerate() {
        let p = format!("{}[{i}]", key(path, "inclusion"));
        let rule_named =
            |j: usize| !holes.contains(&format!("{}[{j}].name", key(path, "inclusion")));
        if !rule_named(i) {
            // Malformed name, already reported.
        } else if r.name.trim().is_empty() {
            c.err(
                &key(&p, "name"),
                "expected a non-empty rule name (it labels the attrition step)",
            );
        } else if def.inclusion[..i]
            .iter()
            .enumerate()
            .any(|(j, o)| rule_named(j) && o.name == r.name)
        {
            c.warn(
                &key(&p, "name"),
                format!(
                    "two rules are named {:?}: the attrition will be ambiguous",
                    r.name
                ),
            );
        }
        c.criterion(&r.criterion, &p);
    }
    let xp = key(path, "exit");
    if let Exit::DrugExposure {
        concept_set,
        days_per_box,
        ..
    } = &def.exit
    {
        match c.find_set(concept_set) {
            None => {
                let known = c.concept_names();
                c.err(
                    &key(&xp, "concept_set"),
                    format!("the drug_exposure exit needs a drug concept set: unknown concept set {concept_set:?} ({known})"),
                )
            }
            Some(Ok(cs)) if !matches!(cs.system, CodeSystem::Atc | CodeSystem::Cip13) => c.err(
                &key(&xp, "concept_set"),
                format!(
                    "the drug_exposure exit needs a drug concept set (ATC or CIP13), but {concept_set:?} holds {} codes",
                    cs.system
                ),
            ),
            Some(_) => {}
        }
        if *days_per_box == Some(0) {
            c.err(&key(&xp, "days_per_box"), "expected at least 1 day per box");
        }
    }
    for (i, f) in def.censoring.iter().enumerate() {
        c.filter(f, &format!("{}[{i}]", key(path, "censoring")));
    }
    for (i, nested) in def.cohorts.iter().enumerate() {
        let p = format!("{}[{i}]", key(path, "cohorts"));
        if c.hole(&p) {
            continue;
        }
        let cohort_named = |j: usize| {
            let q = format!("{}[{j}]", key(path, "cohorts"));
            !holes.contains(&q) && !holes.contains(&key(&q, "name"))
        };
        if cohort_named(i)
            && def.cohorts[..i]
                .iter()
                .enumerate()
                .any(|(j, o)| cohort_named(j) && o.name == nested.name)
        {
            c.err(
                &key(&p, "name"),
                format!("nested cohort {:?} is defined twice", nested.name),
            );
        }
        check(nested, &p, holes, c.problems);
    }
}
