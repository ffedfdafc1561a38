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
