//! What can still be checked in a document whose structure has errors: every part with a type
//! error (a concept set, an entry filter, a rule or a sub-criterion of a group, the exit, a
//! censoring filter, a nested cohort...) is replaced by a harmless placeholder and its path is
//! recorded as a *hole*, so the checks of meaning run on every well-formed part and skip the
//! holes. A student then sees, in one pass, the type errors and the errors of meaning of the
//! parts that are readable.

use std::collections::HashSet;

use serde_json::{json, Map, Value};

use super::walk::{idx, key};
use crate::error::Problem;

/// Paths of the parts the checks of meaning must skip (their structure has errors, already
/// reported). A path names the part itself: `inclusion[2]` (its criterion), `inclusion[2].name`,
/// `concept_sets[0]`, `entry.events[1]`, `cohorts[0]`...
pub(crate) type Holes = HashSet<String>;

/// Whether `q` is `p` or a path inside it.
fn inside(q: &str, p: &str) -> bool {
    match q.strip_prefix(p) {
        Some(rest) => p.is_empty() || rest.is_empty() || rest.starts_with(['.', '[']),
        None => false,
    }
}

struct S<'p> {
    problems: &'p [Problem],
    holes: Holes,
}

impl S<'_> {
    /// Whether a problem was reported at `p` or inside it.
    fn bad(&self, p: &str) -> bool {
        self.problems.iter().any(|q| inside(&q.path, p))
    }

    /// Whether a problem was reported at `p` or inside it, other than inside `except`.
    fn bad_except(&self, p: &str, except: &[String]) -> bool {
        self.problems
            .iter()
            .any(|q| inside(&q.path, p) && !except.iter().any(|e| inside(&q.path, e)))
    }

    fn hole(&mut self, p: String) {
        self.holes.insert(p);
    }

    /// Drop the optional field `k` when it has a problem (its default applies).
    fn drop_bad(&self, m: &mut Map<String, Value>, path: &str, k: &str) {
        if self.bad(&key(path, k)) {
            m.remove(k);
        }
    }

    /// The list at `m[k]`, made a list (empty) when it is not one, so its items can be visited.
    fn list<'v>(
        &mut self,
        m: &'v mut Map<String, Value>,
        path: &str,
        k: &str,
    ) -> Option<&'v mut Vec<Value>> {
        match m.get(k) {
            None => None,
            Some(Value::Array(_)) => m.get_mut(k).and_then(|v| v.as_array_mut()),
            Some(_) => {
                self.hole(key(path, k));
                m.insert(k.into(), Value::Array(Vec::new()));
                None
            }
        }
    }

    fn definition(&mut self, m: &mut Map<String, Value>, path: &str) {
        m.insert("version".into(), Value::from(super::CURRENT_VERSION));
        if self.bad(&key(path, "name")) || !m.get("name").is_some_and(Value::is_string) {
            self.hole(key(path, "name"));
            m.insert("name".into(), Value::String(String::new()));
        }
        self.drop_bad(m, path, "description");
        self.drop_bad(m, path, "collapse_days");
        let sp = key(path, "concept_sets");
        if let Some(sets) = self.list(m, path, "concept_sets") {
            for (i, c) in sets.iter_mut().enumerate() {
                let cp = idx(&sp, i);
                if self.bad(&cp) {
                    let name = c
                        .get("name")
                        .and_then(Value::as_str)
                        .filter(|_| !self.bad(&key(&cp, "name")))
                        .map(str::to_string);
                    if name.is_none() {
                        self.hole(key(&cp, "name"));
                    }
                    // Keeps the name, so references to the set are not reported as unknown.
                    *c = json!({ "name": name.unwrap_or_default(), "system": "ATC", "codes": [] });
                    self.hole(cp);
                }
            }
        }
        let ep = key(path, "entry");
        match m.get_mut("entry") {
            Some(Value::Object(e)) => {
                if !e.get("events").is_some_and(Value::is_array) {
                    self.hole(key(&ep, "events"));
                    e.insert("events".into(), Value::Array(Vec::new()));
                }
                self.filters(e, &ep, "events");
                for k in [
                    "date_range",
                    "occurrence",
                    "prior_observation",
                    "post_observation",
                ] {
                    self.drop_bad(e, &ep, k);
                }
            }
            _ => {
                self.hole(ep);
                m.insert("entry".into(), json!({ "events": [] }));
            }
        }
        let rp = key(path, "inclusion");
        if let Some(rules) = self.list(m, path, "inclusion") {
            for (i, r) in rules.iter_mut().enumerate() {
                let p = idx(&rp, i);
                match r {
                    Value::Object(rm) => {
                        if self.bad(&key(&p, "name"))
                            || !rm.get("name").is_some_and(Value::is_string)
                        {
                            self.hole(key(&p, "name"));
                            rm.insert("name".into(), Value::String(String::new()));
                        }
                        self.drop_bad(rm, &p, "description");
                        self.criterion(rm, &p, true);
                    }
                    _ => {
                        self.hole(key(&p, "name"));
                        self.hole(p);
                        *r = json!({ "name": "", "all": [] });
                    }
                }
            }
        }
        let xp = key(path, "exit");
        if self.bad(&xp) {
            // Only optional numbers of the exit wrong: leave them out (their defaults apply) and
            // check the rest; otherwise leave the exit out.
            let optional = ["days_per_box", "gap", "extension", "from"];
            let except: Vec<String> = optional.iter().map(|k| key(&xp, k)).collect();
            match m.get_mut("exit") {
                Some(Value::Object(x)) if !self.bad_except(&xp, &except) => {
                    for k in optional {
                        self.drop_bad(x, &xp, k);
                    }
                }
                _ => {
                    m.remove("exit");
                }
            }
        }
        self.filters(m, path, "censoring");
        let np = key(path, "cohorts");
        if let Some(nested) = self.list(m, path, "cohorts") {
            for (i, c) in nested.iter_mut().enumerate() {
                let p = idx(&np, i);
                match c {
                    Value::Object(cm) => self.definition(cm, &p),
                    _ => {
                        *c = json!({ "version": super::CURRENT_VERSION, "name": "", "entry": { "events": [] } });
                        self.hole(key(&p, "name"));
                        self.hole(p);
                    }
                }
            }
        }
    }

    /// A list of event filters (`entry.events`, `censoring`).
    fn filters(&mut self, m: &mut Map<String, Value>, path: &str, k: &str) {
        let lp = key(path, k);
        if let Some(list) = self.list(m, path, k) {
            for (i, f) in list.iter_mut().enumerate() {
                let p = idx(&lp, i);
                if self.bad(&p) {
                    *f = json!({ "event": "death" });
                    self.hole(p);
                }
            }
        }
    }

    /// A criterion (a rule's object when `rule`): the sub-criteria of a group are salvaged one
    /// by one; a criterion with a problem of its own becomes an empty `all` group and a hole.
    fn criterion(&mut self, m: &mut Map<String, Value>, path: &str, rule: bool) {
        let forms = ["all", "any", "at_least", "at_most"]
            .iter()
            .chain(["demographics", "event", "in_cohort"].iter())
            .filter(|f| m.contains_key(**f))
            .count();
        let list_key = if forms != 1 {
            None
        } else if m.contains_key("all") {
            Some("all")
        } else if m.contains_key("any") {
            Some("any")
        } else if m.contains_key("at_least") || m.contains_key("at_most") {
            Some("of")
        } else {
            None
        };
        let mut except: Vec<String> = Vec::new();
        if rule {
            except.push(key(path, "name"));
            except.push(key(path, "description"));
        }
        if let Some(lk) = list_key {
            let lp = key(path, lk);
            if let Some(Value::Array(items)) = m.get_mut(lk) {
                for (i, c) in items.iter_mut().enumerate() {
                    let p = idx(&lp, i);
                    match c {
                        Value::Object(cm) => self.criterion(cm, &p, false),
                        _ => {
                            *c = json!({ "all": [] });
                            self.hole(p.clone());
                        }
                    }
                    except.push(p);
                }
            }
        }
        if self.bad_except(path, &except) {
            m.retain(|k, _| rule && (k == "name" || k == "description"));
            m.insert("all".into(), Value::Array(Vec::new()));
            self.hole(path.to_string());
        }
    }
}

/// The document with every malformed part replaced by a placeholder, and the paths of those
/// parts. `problems` are the structural problems found by the walk (and the version's).
pub(crate) fn salvage(value: &Value, problems: &[Problem]) -> Option<(Value, Holes)> {
    let mut v = value.clone();
    let m = v.as_object_mut()?;
    let mut s = S {
        problems,
        holes: Holes::new(),
    };
    s.definition(m, "");
    Some((v, s.holes))
}

#[cfg(test)]
mod tests {
    use super::inside;

    #[test]
    fn paths_inside() {
        assert!(inside("inclusion[1]", "inclusion[1]"));
        assert!(inside("inclusion[1].window.start", "inclusion[1]"));
        assert!(inside("inclusion[1][0]", "inclusion[1]"));
        assert!(!inside("inclusion[10]", "inclusion[1]"));
        assert!(!inside("inclusion_x", "inclusion"));
        assert!(inside("anything", ""));
    }
}
