//! The structural walk of a definition document: every type error with its JSON path and what
//! was expected, before serde reads the (then well-typed) value. The walk also normalises what
//! students may write loosely: code-system spellings (`ICD-10` -> `ICD10`), codes (`e11.9` ->
//! `E119`) and dates (`09/03/2021` -> `2021-03-09`).

use serde_json::{Map, Value};

use crate::dates::Day;
use crate::error::{Problem, Severity};
use crate::model::CodeSystem;

/// Parse a date as [`crate::dates::parse`] does (ISO first).
pub(crate) fn parse_iso(s: &str) -> std::result::Result<Day, String> {
    crate::dates::parse(s)
}

/// Normalise a code as written in SNDS tables: trimmed, upper case, without dots or spaces.
pub(crate) fn norm_code(code: &str) -> String {
    code.chars()
        .filter(|c| !c.is_whitespace() && *c != '.')
        .collect::<String>()
        .to_ascii_uppercase()
}

/// The JSON path of member `k` under `path`.
pub(crate) fn key(path: &str, k: &str) -> String {
    if path.is_empty() {
        k.to_string()
    } else {
        format!("{path}.{k}")
    }
}

/// The JSON path of item `i` under `path`.
pub(crate) fn idx(path: &str, i: usize) -> String {
    format!("{path}[{i}]")
}

/// A short description of a JSON value, for "found ..." in messages.
fn found(v: &Value) -> String {
    match v {
        Value::Null => "null".into(),
        Value::Bool(b) => format!("{b}"),
        Value::Number(n) => format!("{n}"),
        Value::String(s) => {
            let t: String = s.chars().take(40).collect();
            format!("the string {t:?}")
        }
        Value::Array(_) => "a list".into(),
        Value::Object(_) => "an object".into(),
    }
}

struct W<'p> {
    problems: &'p mut Vec<Problem>,
    /// References met in the current definition: (path, name, whether a nested cohort).
    refs: Vec<(String, String, bool)>,
    /// Unknown references, for the ones the checks of meaning cannot see (inside a malformed
    /// part), so a student sees every problem in one pass.
    deferred: Vec<Problem>,
}

fn names(m: &Map<String, Value>, k: &str) -> Vec<String> {
    m.get(k)
        .and_then(|v| v.as_array())
        .map(|a| {
            a.iter()
                .filter_map(|c| c.get("name").and_then(|n| n.as_str()).map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

impl W<'_> {
    fn err(&mut self, path: &str, message: impl Into<String>) {
        self.problems.push(Problem {
            path: path.to_string(),
            message: message.into(),
            severity: Severity::Error,
        });
    }

    /// The object at `path`, with an error for each key not in `allowed`.
    fn obj<'v>(
        &mut self,
        v: &'v mut Value,
        path: &str,
        what: &str,
        allowed: &[&str],
    ) -> Option<&'v mut Map<String, Value>> {
        match v {
            Value::Object(m) => {
                let mut unknown: Vec<String> = m
                    .keys()
                    .filter(|k| !allowed.contains(&k.as_str()))
                    .cloned()
                    .collect();
                unknown.sort();
                for k in unknown {
                    self.err(
                        &key(path, &k),
                        format!(
                            "unknown field in {what}; expected one of: {}",
                            allowed.join(", ")
                        ),
                    );
                }
                Some(m)
            }
            other => {
                self.err(
                    path,
                    format!("expected {what} (an object), found {}", found(other)),
                );
                None
            }
        }
    }

    fn required<'v>(
        &mut self,
        m: &'v mut Map<String, Value>,
        path: &str,
        k: &str,
        what: &str,
    ) -> Option<&'v mut Value> {
        if !m.contains_key(k) {
            self.err(&key(path, k), format!("missing; expected {what}"));
        }
        m.get_mut(k)
    }

    fn string(&mut self, v: &Value, path: &str, what: &str) -> bool {
        if v.is_string() {
            true
        } else {
            self.err(
                path,
                format!("expected {what} (a string), found {}", found(v)),
            );
            false
        }
    }

    fn uint(&mut self, v: &Value, path: &str, what: &str) {
        if v.as_u64().is_none_or(|n| n > u32::MAX as u64) {
            self.err(path, format!("expected {what}, found {}", found(v)));
        }
    }

    fn int(&mut self, v: &Value, path: &str, what: &str) {
        if !v
            .as_i64()
            .is_some_and(|n| (i32::MIN as i64..=i32::MAX as i64).contains(&n))
        {
            self.err(path, format!("expected {what}, found {}", found(v)));
        }
    }

    fn boolean(&mut self, v: &Value, path: &str) {
        if !v.is_boolean() {
            self.err(path, format!("expected true or false, found {}", found(v)));
        }
    }

    fn choice(&mut self, v: &Value, path: &str, choices: &[&str]) {
        let ok = v.as_str().is_some_and(|s| choices.contains(&s));
        if !ok {
            let list: Vec<String> = choices.iter().map(|c| format!("{c:?}")).collect();
            self.err(
                path,
                format!("expected one of {}, found {}", list.join(", "), found(v)),
            );
        }
    }

    fn array<'v>(
        &mut self,
        v: &'v mut Value,
        path: &str,
        what: &str,
    ) -> Option<&'v mut Vec<Value>> {
        match v {
            Value::Array(a) => Some(a),
            other => {
                self.err(
                    path,
                    format!("expected a list of {what}, found {}", found(other)),
                );
                None
            }
        }
    }

    fn opt<'v>(m: &'v mut Map<String, Value>, k: &str) -> Option<&'v mut Value> {
        m.get_mut(k)
    }

    fn date(&mut self, v: &mut Value, path: &str) {
        match v.as_str().map(parse_iso) {
            Some(Ok(d)) => *v = Value::String(crate::dates::format(d)),
            Some(Err(e)) => self.err(path, e),
            None => self.err(
                path,
                format!("expected a date such as \"2021-03-09\", found {}", found(v)),
            ),
        }
    }

    fn definition(&mut self, v: &mut Value, path: &str) {
        let mark = self.refs.len();
        self.definition_fields(v, path);
        let (sets, cohorts) = match v.as_object() {
            Some(m) => (names(m, "concept_sets"), names(m, "cohorts")),
            None => (Vec::new(), Vec::new()),
        };
        for (p, name, is_cohort) in self.refs.split_off(mark) {
            let known = if is_cohort { &cohorts } else { &sets };
            if !known.contains(&name) {
                let what = if is_cohort {
                    "nested cohort"
                } else {
                    "concept set"
                };
                self.deferred.push(Problem {
                    path: p,
                    message: format!("unknown {what} {name:?}"),
                    severity: Severity::Error,
                });
            }
        }
    }

    fn definition_fields(&mut self, v: &mut Value, path: &str) {
        let Some(m) = self.obj(
            v,
            path,
            "a cohort definition",
            &[
                "version",
                "name",
                "description",
                "concept_sets",
                "entry",
                "inclusion",
                "exit",
                "censoring",
                "collapse_days",
                "cohorts",
            ],
        ) else {
            return;
        };
        if let Some(x) = self.required(m, path, "version", "the format version") {
            let x = x.clone();
            self.uint(&x, &key(path, "version"), "an integer format version");
        }
        if let Some(x) = self.required(m, path, "name", "the cohort's name") {
            let x = x.clone();
            self.string(&x, &key(path, "name"), "a name");
        }
        if let Some(x) = Self::opt(m, "description") {
            let x = x.clone();
            self.string(&x, &key(path, "description"), "a description");
        }
        if let Some(x) = Self::opt(m, "concept_sets") {
            let p = key(path, "concept_sets");
            if let Some(a) = self.array(x, &p, "concept sets") {
                for (i, c) in a.iter_mut().enumerate() {
                    self.concept_set(c, &idx(&p, i));
                }
            }
        }
        if let Some(x) = self.required(
            m,
            path,
            "entry",
            "the entry events (an object with `events`)",
        ) {
            self.entry(x, &key(path, "entry"));
        }
        if let Some(x) = Self::opt(m, "inclusion") {
            let p = key(path, "inclusion");
            if let Some(a) = self.array(x, &p, "inclusion rules") {
                for (i, r) in a.iter_mut().enumerate() {
                    self.rule(r, &idx(&p, i));
                }
            }
        }
        if let Some(x) = Self::opt(m, "exit") {
            self.exit(x, &key(path, "exit"));
        }
        if let Some(x) = Self::opt(m, "censoring") {
            let p = key(path, "censoring");
            if let Some(a) = self.array(x, &p, "event filters") {
                for (i, f) in a.iter_mut().enumerate() {
                    let fp = idx(&p, i);
                    if let Some(fm) = self.obj(
                        f,
                        &fp,
                        "an event filter",
                        &["event", "concept_set", "roles"],
                    ) {
                        self.filter(fm, &fp);
                    }
                }
            }
        }
        if let Some(x) = Self::opt(m, "collapse_days") {
            let x = x.clone();
            self.uint(
                &x,
                &key(path, "collapse_days"),
                "an integer number of days (0 or more)",
            );
        }
        if let Some(x) = Self::opt(m, "cohorts") {
            let p = key(path, "cohorts");
            if let Some(a) = self.array(x, &p, "nested cohort definitions") {
                for (i, c) in a.iter_mut().enumerate() {
                    self.definition(c, &idx(&p, i));
                }
            }
        }
    }

    fn concept_set(&mut self, v: &mut Value, path: &str) {
        let Some(m) = self.obj(
            v,
            path,
            "a concept set",
            &["name", "system", "codes", "exclude"],
        ) else {
            return;
        };
        if let Some(x) = self.required(m, path, "name", "the concept set's name") {
            let x = x.clone();
            self.string(&x, &key(path, "name"), "a name");
        }
        if let Some(x) = self.required(m, path, "system", "a code system (ATC, CIP13, ICD10, CCAM)")
        {
            let p = key(path, "system");
            match x.as_str().map(|s| (s, CodeSystem::parse(s))) {
                Some((_, Ok(s))) => *x = Value::String(s.name().to_string()),
                Some((name, Err(_))) => self.err(
                    &p,
                    format!(
                        "unknown code system {name:?}; expected one of ATC, CIP13, ICD10, CCAM"
                    ),
                ),
                None => self.err(
                    &p,
                    format!(
                        "expected a code system (ATC, CIP13, ICD10, CCAM), found {}",
                        found(x)
                    ),
                ),
            }
        }
        if let Some(x) = self.required(m, path, "codes", "a list of codes") {
            self.codes(x, &key(path, "codes"));
        }
        if let Some(x) = Self::opt(m, "exclude") {
            self.codes(x, &key(path, "exclude"));
        }
    }

    fn codes(&mut self, v: &mut Value, path: &str) {
        if let Some(a) = self.array(v, path, "codes (strings)") {
            for (i, c) in a.iter_mut().enumerate() {
                match c.as_str() {
                    Some(s) => *c = Value::String(norm_code(s)),
                    None => {
                        let c = c.clone();
                        self.err(
                            &idx(path, i),
                            format!(
                                "expected a code such as \"E11\" (a string), found {}",
                                found(&c)
                            ),
                        )
                    }
                }
            }
        }
    }

    fn entry(&mut self, v: &mut Value, path: &str) {
        let Some(m) = self.obj(
            v,
            path,
            "the entry",
            &[
                "events",
                "date_range",
                "occurrence",
                "prior_observation",
                "post_observation",
            ],
        ) else {
            return;
        };
        if let Some(x) = self.required(m, path, "events", "a list of event filters") {
            let p = key(path, "events");
            if let Some(a) = self.array(x, &p, "event filters") {
                for (i, f) in a.iter_mut().enumerate() {
                    let fp = idx(&p, i);
                    if let Some(fm) = self.obj(
                        f,
                        &fp,
                        "an event filter",
                        &["event", "concept_set", "roles"],
                    ) {
                        self.filter(fm, &fp);
                    }
                }
            }
        }
        if let Some(x) = Self::opt(m, "date_range") {
            let p = key(path, "date_range");
            if let Some(dm) = self.obj(x, &p, "a date range", &["from", "to"]) {
                for k in ["from", "to"] {
                    if let Some(d) = dm.get_mut(k) {
                        self.date(d, &key(&p, k));
                    }
                }
            }
        }
        if let Some(x) = Self::opt(m, "occurrence") {
            let x = x.clone();
            self.choice(&x, &key(path, "occurrence"), &["first", "all", "last"]);
        }
        for k in ["prior_observation", "post_observation"] {
            if let Some(x) = Self::opt(m, k) {
                let x = x.clone();
                self.uint(&x, &key(path, k), "an integer number of days (0 or more)");
            }
        }
    }

    /// The fields of an event filter inside an object already checked for unknown keys.
    fn filter(&mut self, m: &mut Map<String, Value>, path: &str) {
        if let Some(x) = self.required(m, path, "event", "an event type") {
            let x = x.clone();
            self.choice(
                &x,
                &key(path, "event"),
                &["dispensing", "diagnosis", "stay", "act", "ald", "death"],
            );
        }
        if let Some(x) = Self::opt(m, "concept_set") {
            let x = x.clone();
            if self.string(&x, &key(path, "concept_set"), "the name of a concept set") {
                let name = x.as_str().unwrap_or_default().to_string();
                self.refs.push((key(path, "concept_set"), name, false));
            }
        }
        if let Some(x) = Self::opt(m, "roles") {
            let p = key(path, "roles");
            if let Some(a) = self.array(x, &p, "diagnosis roles") {
                for (i, r) in a.iter_mut().enumerate() {
                    if let Some(s) = r.as_str() {
                        *r = Value::String(s.trim().to_ascii_uppercase());
                    }
                    let r = r.clone();
                    self.choice(&r, &idx(&p, i), &["DP", "DR", "DAS", "ALD"]);
                }
            }
        }
    }

    fn rule(&mut self, v: &mut Value, path: &str) {
        let Value::Object(m) = v else {
            self.err(
                path,
                format!(
                    "expected an inclusion rule (an object with a name), found {}",
                    found(v)
                ),
            );
            return;
        };
        match m.get("name") {
            None => self.err(&key(path, "name"), "missing; expected the rule's name"),
            Some(n) => {
                let n = n.clone();
                self.string(&n, &key(path, "name"), "a name");
            }
        }
        if let Some(d) = m.get("description") {
            let d = d.clone();
            self.string(&d, &key(path, "description"), "a description");
        }
        self.criterion(v, path, &["name", "description"]);
    }

    fn criterion(&mut self, v: &mut Value, path: &str, extra: &[&str]) {
        const FORMS: [&str; 7] = [
            "all",
            "any",
            "at_least",
            "at_most",
            "demographics",
            "event",
            "in_cohort",
        ];
        let Value::Object(m) = &*v else {
            self.err(
                path,
                format!("expected a criterion (an object), found {}", found(v)),
            );
            return;
        };
        let present: Vec<&str> = FORMS
            .iter()
            .copied()
            .filter(|f| m.contains_key(*f))
            .collect();
        let form = match present.as_slice() {
            [one] => *one,
            [] => {
                self.err(
                    path,
                    "expected a criterion: one of `event` (count events in a window), `in_cohort`, \
                     `demographics`, `all`, `any`, `at_least` with `of`, `at_most` with `of`",
                );
                return;
            }
            many => {
                self.err(
                    path,
                    format!(
                        "expected one criterion per object, found several ({}); group them with `all`",
                        many.join(", ")
                    ),
                );
                return;
            }
        };
        let own: &[&str] = match form {
            "all" => &["all"],
            "any" => &["any"],
            "at_least" => &["at_least", "of"],
            "at_most" => &["at_most", "of"],
            "demographics" => &["demographics"],
            "event" => &[
                "event",
                "concept_set",
                "roles",
                "window",
                "relative_to",
                "count",
                "distinct_dates",
            ],
            _ => &["in_cohort", "window", "relative_to", "count"],
        };
        let allowed: Vec<&str> = extra.iter().chain(own.iter()).copied().collect();
        let what = match form {
            "event" => "an event criterion",
            "in_cohort" => "a cohort criterion",
            "demographics" => "a demographic criterion",
            _ => "a group of criteria",
        };
        let Some(m) = self.obj(v, path, what, &allowed) else {
            return;
        };
        match form {
            "all" | "any" => {
                let p = key(path, form);
                if let Some(x) = m.get_mut(form) {
                    self.criteria(x, &p);
                }
            }
            "at_least" | "at_most" => {
                if let Some(x) = m.get(form) {
                    let x = x.clone();
                    self.uint(&x, &key(path, form), "an integer number of criteria");
                }
                if let Some(x) = self.required(m, path, "of", "the list of criteria counted") {
                    self.criteria(x, &key(path, "of"));
                }
            }
            "demographics" => {
                if let Some(x) = m.get_mut("demographics") {
                    self.demographics(x, &key(path, "demographics"));
                }
            }
            "event" => {
                self.filter(m, path);
                self.windowed(m, path);
                if let Some(x) = Self::opt(m, "distinct_dates") {
                    let x = x.clone();
                    self.boolean(&x, &key(path, "distinct_dates"));
                }
            }
            _ => {
                if let Some(x) = m.get("in_cohort") {
                    let x = x.clone();
                    if self.string(&x, &key(path, "in_cohort"), "the name of a nested cohort") {
                        let name = x.as_str().unwrap_or_default().to_string();
                        self.refs.push((key(path, "in_cohort"), name, true));
                    }
                }
                self.windowed(m, path);
            }
        }
    }

    fn criteria(&mut self, v: &mut Value, path: &str) {
        if let Some(a) = self.array(v, path, "criteria") {
            for (i, c) in a.iter_mut().enumerate() {
                self.criterion(c, &idx(path, i), &[]);
            }
        }
    }

    fn windowed(&mut self, m: &mut Map<String, Value>, path: &str) {
        if let Some(x) = Self::opt(m, "window") {
            let p = key(path, "window");
            if let Some(wm) = self.obj(x, &p, "a window", &["start", "end"]) {
                for k in ["start", "end"] {
                    if let Some(d) = wm.get(k) {
                        let d = d.clone();
                        self.int(&d, &key(&p, k), "an integer number of days");
                    }
                }
            }
        }
        if let Some(x) = Self::opt(m, "relative_to") {
            let x = x.clone();
            self.choice(&x, &key(path, "relative_to"), &["index_start", "index_end"]);
        }
        if let Some(x) = Self::opt(m, "count") {
            let p = key(path, "count");
            if let Some(cm) = self.obj(x, &p, "a count", &["at_least", "at_most", "exactly"]) {
                for k in ["at_least", "at_most", "exactly"] {
                    if let Some(n) = cm.get(k) {
                        let n = n.clone();
                        self.uint(&n, &key(&p, k), "an integer count (0 or more)");
                    }
                }
            }
        }
    }

    fn demographics(&mut self, v: &mut Value, path: &str) {
        let Some(m) = self.obj(
            v,
            path,
            "demographics",
            &["age", "sex", "departements", "regions"],
        ) else {
            return;
        };
        if let Some(x) = Self::opt(m, "age") {
            let p = key(path, "age");
            if let Some(am) = self.obj(x, &p, "an age range", &["min", "max"]) {
                for k in ["min", "max"] {
                    if let Some(n) = am.get(k) {
                        let n = n.clone();
                        self.uint(&n, &key(&p, k), "an age in whole years");
                    }
                }
            }
        }
        if let Some(x) = Self::opt(m, "sex") {
            if let Some(s) = x.as_str() {
                *x = Value::String(s.trim().to_ascii_lowercase());
            }
            let x = x.clone();
            self.choice(&x, &key(path, "sex"), &["male", "female"]);
        }
        if let Some(x) = Self::opt(m, "departements") {
            let p = key(path, "departements");
            if let Some(a) = self.array(x, &p, "département codes") {
                for (i, d) in a.iter_mut().enumerate() {
                    let d = d.clone();
                    self.string(&d, &idx(&p, i), "a département code such as \"75\"");
                }
            }
        }
        if let Some(x) = Self::opt(m, "regions") {
            let p = key(path, "regions");
            if let Some(a) = self.array(x, &p, "region codes") {
                for (i, r) in a.iter_mut().enumerate() {
                    let r = r.clone();
                    if r.as_u64().is_none_or(|n| n > u8::MAX as u64) {
                        self.err(
                            &idx(&p, i),
                            format!(
                                "expected a region INSEE code such as 11, found {}",
                                found(&r)
                            ),
                        );
                    }
                }
            }
        }
    }

    fn exit(&mut self, v: &mut Value, path: &str) {
        let ty = v.get("type").cloned();
        let own: &[&str] = match ty.as_ref().and_then(|t| t.as_str()) {
            Some("fixed") => &["type", "days", "from"],
            Some("drug_exposure") => &["type", "concept_set", "days_per_box", "gap", "extension"],
            _ => &["type"],
        };
        let Some(m) = self.obj(v, path, "an exit", own) else {
            return;
        };
        let choices = ["end_of_observation", "fixed", "drug_exposure", "death"];
        match ty {
            None => self.err(
                &key(path, "type"),
                "missing; expected one of \"end_of_observation\", \"fixed\", \"drug_exposure\", \"death\"",
            ),
            Some(t) => self.choice(&t, &key(path, "type"), &choices),
        }
        match m.get("type").and_then(|t| t.as_str()) {
            Some("fixed") => {
                if let Some(x) =
                    self.required(m, path, "days", "the number of days after the index")
                {
                    let x = x.clone();
                    self.uint(
                        &x,
                        &key(path, "days"),
                        "an integer number of days (0 or more)",
                    );
                }
                if let Some(x) = m.get("from") {
                    let x = x.clone();
                    self.choice(&x, &key(path, "from"), &["index_start", "index_end"]);
                }
            }
            Some("drug_exposure") => {
                if let Some(x) = self.required(
                    m,
                    path,
                    "concept_set",
                    "the drug concept set whose exposure ends the entry",
                ) {
                    let x = x.clone();
                    if self.string(&x, &key(path, "concept_set"), "the name of a concept set") {
                        let name = x.as_str().unwrap_or_default().to_string();
                        self.refs.push((key(path, "concept_set"), name, false));
                    }
                }
                for k in ["days_per_box", "gap", "extension"] {
                    if let Some(x) = m.get(k) {
                        let x = x.clone();
                        self.uint(&x, &key(path, k), "an integer number of days (0 or more)");
                    }
                }
            }
            _ => {}
        }
    }
}

/// Walk a (migrated) definition document, pushing every structural problem; normalises in place.
/// Returns the references to unknown concept sets and nested cohorts, wherever they are (also
/// inside malformed parts, which the checks of meaning skip).
pub(crate) fn walk_definition(
    v: &mut Value,
    path: &str,
    problems: &mut Vec<Problem>,
) -> Vec<Problem> {
    let mut w = W {
        problems,
        refs: Vec::new(),
        deferred: Vec::new(),
    };
    w.definition(v, path);
    w.deferred
}
