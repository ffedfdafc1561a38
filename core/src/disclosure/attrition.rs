//! Disclosure control of an attrition table (docs/decisions.md §6).
//!
//! An attrition publishes, step after step, the persons and index events still in the cohort and
//! what each step removed. The counts of successive steps are nested (each step keeps a subset
//! of the persons of the step before), so the difference of any two published counts is itself
//! the count of a group of persons: hiding a small loss while showing both counts around it
//! hides nothing. [`protect_attrition`] therefore publishes a count only when
//!
//! - it is 0 or at least k, and
//! - its difference with every count already published (the population's size included, when
//!   given, since the page shows it) is 0 or at least k;
//!
//! otherwise the count is masked and the next step is compared with the counts published so far
//! ("mask the later count and carry on"). A loss is published only when the counts on both sides
//! of it are (it is then their difference: 0 or at least k). Index events follow the same rules
//! on their own series, and an event count is masked with its step's person count (with a first
//! occurrence entry the two are equal). The counts of a rule taken alone are not published.
//!
//! Masked cells are `None` with their `*_masked` flag set: marked, never zeroed or dropped.

use crate::engine::Attrition;
use crate::error::{Error, Result};

/// One step of a protected attrition: a masked cell is `None` with its flag set.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ProtectedStep {
    /// `entry` for the first step, else the rule's name.
    pub name: String,
    /// Persons left after this step, unless masked.
    pub persons: Option<u64>,
    /// Whether `persons` is masked.
    pub persons_masked: bool,
    /// Index events left after this step, unless masked.
    pub events: Option<u64>,
    /// Whether `events` is masked.
    pub events_masked: bool,
    /// Persons this step removed (0 for the entry), unless masked.
    pub lost_persons: Option<u64>,
    /// Whether `lost_persons` is masked.
    pub lost_persons_masked: bool,
    /// Index events this step removed (0 for the entry), unless masked.
    pub lost_events: Option<u64>,
    /// Whether `lost_events` is masked.
    pub lost_events_masked: bool,
}

/// An attrition after disclosure control.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ProtectedAttrition {
    /// The threshold: no published count or difference of counts is from 1 to k − 1.
    pub k: u32,
    /// The population size the counts were also compared with, when given.
    pub population: Option<u64>,
    /// The steps, in order.
    pub steps: Vec<ProtectedStep>,
    /// How many cells were masked and why.
    pub notes: Vec<String>,
}

/// Whether `n` is a small count: from 1 to k − 1.
fn small(n: u64, k: u32) -> bool {
    n > 0 && n < u64::from(k)
}

/// Masks of one series of nested counts: a value is masked when `forced`, small, or within
/// 1..k−1 of a value published before it (`anchor` counts as published first).
fn mask_series(values: &[u64], k: u32, anchor: Option<u64>, forced: &[bool]) -> Vec<bool> {
    let mut published: Vec<u64> = anchor.into_iter().collect();
    values
        .iter()
        .zip(forced)
        .map(|(&v, &f)| {
            let masked = f || small(v, k) || published.iter().any(|&p| small(p.abs_diff(v), k));
            if !masked {
                published.push(v);
            }
            masked
        })
        .collect()
}

/// Losses: step `i` removes `values[i-1] - values[i]` (0 for the first step); published only
/// when both counts are.
fn losses(values: &[u64], masked: &[bool]) -> Vec<Option<u64>> {
    (0..values.len())
        .map(|i| {
            if masked[i] {
                None
            } else if i == 0 {
                Some(0)
            } else if masked[i - 1] {
                None
            } else {
                Some(values[i - 1].saturating_sub(values[i]))
            }
        })
        .collect()
}

/// Protect `attrition` with threshold `k`. `population` is the size of the population the
/// cohort was drawn from when it is published next to the attrition (the explorer shows it):
/// the entry count is then also compared with it.
pub fn protect_attrition(
    attrition: &Attrition,
    k: u32,
    population: Option<u64>,
) -> Result<ProtectedAttrition> {
    if k == 0 {
        return Err(Error::invalid("k: expected a threshold of at least 1"));
    }
    let steps = &attrition.steps;
    let persons: Vec<u64> = steps.iter().map(|s| s.persons).collect();
    let events: Vec<u64> = steps.iter().map(|s| s.events).collect();
    let none = vec![false; steps.len()];
    let p_masked = mask_series(&persons, k, population, &none);
    let e_masked = mask_series(&events, k, None, &p_masked);
    let p_lost = losses(&persons, &p_masked);
    let e_lost = losses(&events, &e_masked);
    let out: Vec<ProtectedStep> = steps
        .iter()
        .enumerate()
        .map(|(i, s)| ProtectedStep {
            name: s.name.clone(),
            persons: (!p_masked[i]).then_some(s.persons),
            persons_masked: p_masked[i],
            events: (!e_masked[i]).then_some(s.events),
            events_masked: e_masked[i],
            lost_persons: p_lost[i],
            lost_persons_masked: p_lost[i].is_none(),
            lost_events: e_lost[i],
            lost_events_masked: e_lost[i].is_none(),
        })
        .collect();
    let n_masked = p_masked.iter().filter(|m| **m).count();
    let mut notes = vec![format!(
        "k = {k}: no count shown is from 1 to {}, and no two counts shown differ by 1 to {} \
         (their difference would count a group of fewer than {k} persons){}",
        k.saturating_sub(1),
        k.saturating_sub(1),
        if population.is_some() {
            "; the population's size counts as shown"
        } else {
            ""
        }
    )];
    if n_masked > 0 {
        notes.push(format!(
            "{n_masked} step(s) masked, with their index events and the losses next to them"
        ));
    }
    Ok(ProtectedAttrition {
        k,
        population,
        steps: out,
        notes,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::AttritionStep;

    fn attrition(persons: &[u64], events: &[u64]) -> Attrition {
        Attrition {
            steps: persons
                .iter()
                .zip(events)
                .enumerate()
                .map(|(i, (&p, &e))| AttritionStep {
                    name: if i == 0 {
                        "entry".into()
                    } else {
                        format!("rule {i}")
                    },
                    persons: p,
                    events: e,
                    lost_persons: if i == 0 { 0 } else { persons[i - 1] - p },
                    lost_events: if i == 0 { 0 } else { events[i - 1] - e },
                    alone_persons: p,
                    alone_events: e,
                })
                .collect(),
        }
    }

    fn shown(p: &ProtectedAttrition) -> Vec<Option<u64>> {
        p.steps.iter().map(|s| s.persons).collect()
    }

    #[test]
    fn a_small_loss_hides_the_later_count_and_the_loss() {
        // 20 then 15: the loss of 5 would come back as 20 − 15.
        let p = protect_attrition(&attrition(&[20, 15], &[20, 15]), 10, None).unwrap();
        assert_eq!(shown(&p), vec![Some(20), None]);
        assert!(p.steps[1].persons_masked && p.steps[1].lost_persons_masked);
        assert_eq!(p.steps[1].lost_persons, None);
        assert_eq!(p.steps[1].events, None);
        assert_eq!(p.steps[0].lost_persons, Some(0));
    }

    #[test]
    fn later_counts_are_compared_with_the_counts_shown() {
        // 100, 95 (5 from 100: masked), 80 (20 from 100: shown), 75 (5 from 80: masked), 0.
        let p = protect_attrition(
            &attrition(&[100, 95, 80, 75, 0], &[130, 120, 99, 90, 0]),
            10,
            None,
        )
        .unwrap();
        assert_eq!(shown(&p), vec![Some(100), None, Some(80), None, Some(0)]);
        let lost: Vec<Option<u64>> = p.steps.iter().map(|s| s.lost_persons).collect();
        // a loss next to a masked count is masked; none is shown here but the entry's
        assert_eq!(lost, vec![Some(0), None, None, None, None]);
        // events: 130, 120 (masked with its persons), 99 (31 from 130), 90 (masked), 0
        let ev: Vec<Option<u64>> = p.steps.iter().map(|s| s.events).collect();
        assert_eq!(ev, vec![Some(130), None, Some(99), None, Some(0)]);
    }

    #[test]
    fn small_counts_are_masked_and_zero_is_shown() {
        let p = protect_attrition(&attrition(&[50, 30, 7, 0], &[50, 30, 7, 0]), 10, None).unwrap();
        assert_eq!(shown(&p), vec![Some(50), Some(30), None, Some(0)]);
        let lost: Vec<Option<u64>> = p.steps.iter().map(|s| s.lost_persons).collect();
        assert_eq!(lost, vec![Some(0), Some(20), None, None]);
    }

    #[test]
    fn equal_counts_are_shown_with_a_loss_of_zero() {
        // 31 is 9 from 40: masked
        let p = protect_attrition(&attrition(&[40, 40, 31], &[60, 41, 31]), 10, None).unwrap();
        assert_eq!(shown(&p), vec![Some(40), Some(40), None]);
        assert_eq!(p.steps[1].lost_persons, Some(0));
        // events: 60, 41 (19 from 60), 31 masked with its persons
        let ev: Vec<Option<u64>> = p.steps.iter().map(|s| s.events).collect();
        assert_eq!(ev, vec![Some(60), Some(41), None]);
        assert_eq!(p.steps[1].lost_events, Some(19));
    }

    #[test]
    fn the_population_size_counts_as_published() {
        // 1000 patients, 996 with an entry event: the 4 without one would be known.
        let p = protect_attrition(&attrition(&[996, 500], &[996, 500]), 10, Some(1000)).unwrap();
        assert_eq!(shown(&p), vec![None, Some(500)]);
        let p = protect_attrition(&attrition(&[996, 500], &[996, 500]), 10, None).unwrap();
        assert_eq!(shown(&p), vec![Some(996), Some(500)]);
    }

    #[test]
    fn event_counts_have_their_own_differences_checked() {
        // persons 30, 30 (equal: shown); events 45 then 40 (a loss of 5 index events): masked.
        let p = protect_attrition(&attrition(&[30, 30], &[45, 40]), 10, None).unwrap();
        assert_eq!(shown(&p), vec![Some(30), Some(30)]);
        assert_eq!(p.steps[1].events, None);
        assert!(p.steps[1].events_masked && p.steps[1].lost_events_masked);
    }

    #[test]
    fn k_zero_is_an_error_and_an_empty_attrition_is_empty() {
        assert!(protect_attrition(&attrition(&[5], &[5]), 0, None).is_err());
        let p = protect_attrition(&Attrition::default(), 10, Some(100)).unwrap();
        assert!(p.steps.is_empty());
    }

    /// A small deterministic generator (no dependency): xorshift64*.
    struct Rng(u64);
    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 >> 12;
            self.0 ^= self.0 << 25;
            self.0 ^= self.0 >> 27;
            self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
        }
        fn below(&mut self, n: u64) -> u64 {
            self.next() % n
        }
    }

    /// Whether `target` is a linear combination of `rows` (Gaussian elimination over f64 on
    /// small integer vectors).
    fn in_span(rows: &[Vec<f64>], target: &[f64]) -> bool {
        let n = target.len();
        let mut basis: Vec<Vec<f64>> = Vec::new();
        let reduce = |v: &mut Vec<f64>, basis: &[Vec<f64>]| {
            for b in basis {
                let pivot = b.iter().position(|x| x.abs() > 1e-9).unwrap();
                let f = v[pivot] / b[pivot];
                for j in 0..n {
                    v[j] -= f * b[j];
                }
            }
        };
        for r in rows {
            let mut v = r.clone();
            reduce(&mut v, &basis);
            if v.iter().any(|x| x.abs() > 1e-9) {
                basis.push(v);
            }
        }
        let mut t = target.to_vec();
        reduce(&mut t, &basis);
        t.iter().all(|x| x.abs() < 1e-6)
    }

    /// The attacker: takes every published number (counts, losses, the population size) as an
    /// equation on the true counts, then for every count and every difference of two counts of
    /// the same series (each the size of a group of persons, or of index events), checks whether
    /// the equations determine it; a determined value must not be from 1 to k − 1.
    /// Variables: `[population?, series...]`.
    fn attack_series(
        values: &[u64],
        shown: &[Option<u64>],
        lost: &[Option<u64>],
        anchor: Option<u64>,
        k: u32,
    ) -> Vec<String> {
        let off = usize::from(anchor.is_some());
        let n = values.len() + off;
        let truth: Vec<u64> = anchor.into_iter().chain(values.iter().copied()).collect();
        let mut rows: Vec<Vec<f64>> = Vec::new();
        let unit = |i: usize| {
            let mut v = vec![0.0; n];
            v[i] = 1.0;
            v
        };
        if anchor.is_some() {
            rows.push(unit(0));
        }
        for (i, s) in shown.iter().enumerate() {
            if let Some(v) = s {
                assert_eq!(*v, values[i], "a published count is the true count");
                rows.push(unit(i + off));
            }
        }
        for (i, l) in lost.iter().enumerate() {
            if let (Some(l), true) = (l, i > 0) {
                assert_eq!(
                    *l,
                    values[i - 1] - values[i],
                    "a published loss is the true loss"
                );
                let mut v = vec![0.0; n];
                v[i - 1 + off] = 1.0;
                v[i + off] = -1.0;
                rows.push(v);
            }
        }
        // the plain subtractions first: every published number, every difference of two
        let mut published: Vec<u64> = anchor.into_iter().collect();
        published.extend(shown.iter().flatten());
        let mut leaks = Vec::new();
        for (ia, &a) in published.iter().enumerate() {
            // the population's size alone is the caller's to publish, not the attrition's
            let zero = (ia > 0 || anchor.is_none()).then_some(0);
            for &b in published.iter().chain(zero.iter()) {
                if a >= b && small(a - b, k) {
                    leaks.push(format!("{a} − {b} = {}", a - b));
                }
            }
        }
        // then every combination of the equations
        for i in 0..n {
            for j in i..n {
                if anchor.is_some() && i == 0 && j == 0 {
                    continue;
                }
                let mut target = unit(i);
                if j > i {
                    target[j] -= 1.0;
                }
                let value = if j > i {
                    truth[i].abs_diff(truth[j])
                } else {
                    truth[i]
                };
                if small(value, k) && in_span(&rows, &target) {
                    leaks.push(format!("count {i} minus count {j} = {value} is determined"));
                }
            }
        }
        leaks
    }

    fn nested(rng: &mut Rng, steps: usize, start: u64) -> Vec<u64> {
        let mut v = vec![start];
        for _ in 1..steps {
            let last = *v.last().unwrap();
            // mostly small losses, sometimes none, sometimes big ones
            let loss = match rng.below(4) {
                0 => 0,
                1 => rng.below(12).min(last),
                2 => rng.below(30).min(last),
                _ => rng.below(last + 1),
            };
            v.push(last - loss);
        }
        v
    }

    #[test]
    fn no_published_number_or_combination_of_them_reveals_a_small_group() {
        let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
        let mut masked_total = 0;
        for case in 0..3000 {
            let k = [2u32, 5, 10, 11][case % 4];
            let steps = 1 + rng.below(7) as usize;
            let start = rng.below(if case % 3 == 0 { 25 } else { 400 });
            let persons = nested(&mut rng, steps, start);
            // index events: at least one per person, nested too
            let mut events: Vec<u64> = Vec::new();
            for (i, &p) in persons.iter().enumerate() {
                let extra = rng.below(15);
                let e = if i == 0 {
                    p + extra
                } else {
                    (p + extra).min(events[i - 1] - (persons[i - 1] - p))
                };
                events.push(e.max(p));
            }
            let population = (case % 2 == 0).then(|| start + rng.below(30));
            let a = attrition(&persons, &events);
            let p = protect_attrition(&a, k, population).unwrap();
            assert_eq!(p.steps.len(), persons.len());
            for (s, t) in p.steps.iter().zip(&a.steps) {
                assert_eq!(s.name, t.name);
                assert_eq!(s.persons.is_none(), s.persons_masked);
                assert_eq!(s.events.is_none(), s.events_masked);
                assert_eq!(s.lost_persons.is_none(), s.lost_persons_masked);
                assert_eq!(s.lost_events.is_none(), s.lost_events_masked);
                // an event count is never shown beside a masked person count
                assert!(!s.persons_masked || s.events_masked);
                masked_total += usize::from(s.persons_masked);
            }
            let shown_p: Vec<Option<u64>> = p.steps.iter().map(|s| s.persons).collect();
            let lost_p: Vec<Option<u64>> = p.steps.iter().map(|s| s.lost_persons).collect();
            let leaks = attack_series(&persons, &shown_p, &lost_p, population, k);
            assert!(
                leaks.is_empty(),
                "persons {persons:?} pop {population:?} k {k}: {leaks:?}"
            );
            let shown_e: Vec<Option<u64>> = p.steps.iter().map(|s| s.events).collect();
            let lost_e: Vec<Option<u64>> = p.steps.iter().map(|s| s.lost_events).collect();
            let leaks = attack_series(&events, &shown_e, &lost_e, None, k);
            assert!(leaks.is_empty(), "events {events:?} k {k}: {leaks:?}");
            // not more than needed: a count is masked only for a reason the rules give
            let mut published: Vec<u64> = population.into_iter().collect();
            for (i, &v) in persons.iter().enumerate() {
                let reason = small(v, k) || published.iter().any(|&q| small(q.abs_diff(v), k));
                assert_eq!(
                    p.steps[i].persons_masked, reason,
                    "persons {persons:?} step {i}"
                );
                if !reason {
                    published.push(v);
                }
            }
        }
        assert!(
            masked_total > 500,
            "the cases exercise masking ({masked_total} masked)"
        );
    }
}
