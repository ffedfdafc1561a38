//! Treatment pathways under a threshold: no sequence shown stands for fewer than k persons.

use std::collections::BTreeMap;

use cohorte_core::aggregate::pathways::gather_rare;
use cohorte_core::rng::Rng;

type Key = (Vec<String>, bool);

fn exact(seqs: &[Vec<&str>]) -> BTreeMap<Key, i64> {
    let mut m = BTreeMap::new();
    for s in seqs {
        *m.entry((s.iter().map(|x| x.to_string()).collect(), false))
            .or_default() += 1;
    }
    m
}

/// The group a person with sequence `seq` falls in: its exact sequence when shown, else the
/// longest cut prefix, else the bottom `(other)`.
fn group_of(groups: &BTreeMap<Key, i64>, seq: &[String]) -> Key {
    if groups.contains_key(&(seq.to_vec(), false)) {
        return (seq.to_vec(), false);
    }
    for l in (0..seq.len()).rev() {
        let key = (seq[..l].to_vec(), true);
        if groups.contains_key(&key) {
            return key;
        }
    }
    (vec![], true)
}

#[test]
fn rare_sequences_are_cut_back_until_every_group_is_large() {
    let classes = ["A10", "C09", "C10", "B01", "N06", "R03"];
    let mut rng = Rng::new(7);
    let mut exact_exposed = 0;
    for case in 0..400 {
        let k = [5i64, 10, 11][case % 3];
        let n = 1 + rng.below(300) as usize;
        let width = 1 + rng.below(6) as usize;
        let seqs: Vec<Vec<&str>> = (0..n)
            .map(|_| {
                let len = rng.below(4) as usize;
                (0..len)
                    .map(|_| classes[rng.below(width as u64) as usize])
                    .collect()
            })
            .collect();
        let before = exact(&seqs);
        if before.values().any(|v| (1..k).contains(v)) {
            exact_exposed += 1;
        }
        let after = gather_rare(before.clone(), k);
        // Nobody lost, nobody counted twice, every person in the group their sequence maps to.
        assert_eq!(after.values().sum::<i64>(), n as i64, "case {case}");
        let mut rebuilt: BTreeMap<Key, i64> = BTreeMap::new();
        for s in &seqs {
            let s: Vec<String> = s.iter().map(|x| x.to_string()).collect();
            *rebuilt.entry(group_of(&after, &s)).or_default() += 1;
        }
        assert_eq!(rebuilt, after, "case {case}");
        // The attack: a shown sequence (anything but the bottom `(other)`) of 1 to k - 1.
        for (key, v) in &after {
            let bottom = key.0.is_empty() && key.1;
            assert!(
                bottom || *v >= k,
                "case {case}: {key:?} = {v} shown with k = {k}"
            );
        }
        // Large groups are left alone.
        for (key, v) in &before {
            if *v >= k {
                assert_eq!(after.get(key), Some(v), "case {case}: {key:?}");
            }
        }
    }
    assert!(exact_exposed > 300, "{exact_exposed}");
}

#[test]
fn cut_back_by_hand() {
    // k = 3. C09 > C10: 3 (stays); C09 > C10 > A10: 1 and C09 > C10 > B01: 1 → C09 > C10 >
    // (other): 2, still rare → C09 > (other): 2, with C09 > N06: 2 → C09 > (other): 4... and
    // C09 alone (1) → (other) at the bottom with R03 (1): 2.
    let seqs = vec![
        vec!["C09", "C10"],
        vec!["C09", "C10"],
        vec!["C09", "C10"],
        vec!["C09", "C10", "A10"],
        vec!["C09", "C10", "B01"],
        vec!["C09", "N06"],
        vec!["C09", "N06"],
        vec!["C09"],
        vec!["R03"],
        vec![],
        vec![],
        vec![],
    ];
    let got = gather_rare(exact(&seqs), 3);
    let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
    let want: BTreeMap<Key, i64> = [
        ((s(&["C09", "C10"]), false), 3),
        ((s(&["C09"]), true), 4),
        ((s(&[]), true), 2),
        ((s(&[]), false), 3),
    ]
    .into_iter()
    .collect();
    assert_eq!(got, want);
}

mod agg_support;

#[test]
fn default_pathways_passed_to_protect_show_no_small_group() {
    // Real pathways with the default options (every sequence, min_count 0): protect() cuts the
    // rare ones back to k all the same, and the published groups add up to the total.
    use agg_support::*;
    use cohorte_core::aggregate::pathways::{pathways, PathwayOptions, OTHER};
    use cohorte_core::dates::{from_ymd, Day};
    use cohorte_core::disclosure::protect_one;
    use cohorte_core::model::sex;
    let atc = ["A10BA02", "C09AA05", "C10AA05", "B01AC06", "N06AB03"];
    let mut rng = Rng::new(12);
    let mut pop = population();
    let mut entries = vec![];
    for i in 0..240u32 {
        let p = patient(&mut pop, sex::FEMALE, from_ymd(1950, 1, 1), None, 1);
        let index: Day = from_ymd(2019, 1, 1) + (i % 30) as Day;
        // A common first line, then rarer continuations.
        let first = if rng.chance(0.8) {
            0
        } else {
            1 + rng.below(4) as usize
        };
        dispense(&mut pop, p, index + 1, atc[first], 1);
        for l in 0..rng.below(3) {
            let c = rng.below(5) as usize;
            dispense(&mut pop, p, index + 20 * (l as Day + 1), atc[c], 1);
        }
        entries.push((p, index, index + 400));
    }
    let s = store(&pop);
    let r = rows(entries);
    let exact = pathways(&s, &r, &PathwayOptions::default()).unwrap();
    let raw = exact.ints("persons").unwrap();
    assert!(
        raw.iter().flatten().any(|n| (1..10).contains(n)),
        "the exact table has small groups"
    );
    for k in [5u32, 10, 11] {
        let mut p = exact.clone();
        protect_one(&mut p, k).unwrap();
        let seq = p.strings("sequence").unwrap();
        let n = p.ints("persons").unwrap();
        let masked = p.masked("persons").unwrap();
        let mut sum = 0;
        for i in 0..p.num_rows() {
            if seq[i].is_none() {
                assert_eq!(n[i], Some(240), "the total");
                continue;
            }
            match n[i] {
                Some(v) => {
                    assert!(v == 0 || v >= i64::from(k), "{:?}: {v} persons", seq[i]);
                    sum += v;
                }
                // Only the bottom group may be small, and it is masked with a partner.
                None => assert!(masked[i]),
            }
            if let Some(x) = &seq[i] {
                assert!(!x.is_empty());
            }
        }
        let n_masked = masked.iter().filter(|m| **m).count();
        assert!(
            n_masked == 0 || n_masked >= 2,
            "a lone masked group is the total minus the rest"
        );
        if n_masked == 0 {
            assert_eq!(sum, 240);
        }
        assert!(seq.iter().flatten().any(|x| x.ends_with(OTHER)));
    }
}
