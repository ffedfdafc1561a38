//! The patient-major event store (docs/decisions.md §3.3).
//!
//! Events are sorted by (patient, date) and held column-wise, with one offset per patient, so a
//! cohort is evaluated in one sequential pass over memory. Each code dictionary is sorted, so a
//! hierarchical prefix (ATC `A10B`, ICD-10 `E11`, CCAM `DDAF`) is one contiguous id range; drug
//! packs are sorted by (ATC7, CIP13), so an ATC prefix is a range of pack ids too.
//!
//! Per event: date `i32` + code `u32` + kind and role in one `u8` ([`tag`]) + value `i16` =
//! 11 bytes, plus 4 bytes of offset per patient. Ends are not stored: a stay ends `value` days after its start,
//! an ALD period `value` days after its start ([`OPEN_END`] when open-ended, clamped beyond).

use std::ops::Range;

use crate::dates::Day;
use crate::model::{CodeSystem, DictKind, EventKind, Population, Role};

/// Value of an ALD period that has no end (or one too far to encode): it lasts until the end of
/// observation.
pub const OPEN_END: i16 = i16::MAX;

/// A sorted code dictionary: id order is lexicographic order of the codes.
#[derive(Debug, Clone, Default)]
pub struct SortedDict {
    codes: Vec<String>,
}

impl SortedDict {
    /// Code of an id.
    pub fn code(&self, id: u32) -> &str {
        &self.codes[id as usize]
    }
    /// Codes in id order.
    pub fn codes(&self) -> &[String] {
        &self.codes
    }
    /// Number of codes.
    pub fn len(&self) -> usize {
        self.codes.len()
    }
    /// Whether empty.
    pub fn is_empty(&self) -> bool {
        self.codes.is_empty()
    }
    /// Ids of the codes starting with `prefix` (empty range when none).
    pub fn prefix_range(&self, prefix: &str) -> Range<u32> {
        prefix_range(&self.codes, prefix, |s| s.as_str())
    }
    /// Id of exactly `code`.
    pub fn find(&self, code: &str) -> Option<u32> {
        self.codes
            .binary_search_by(|c| c.as_str().cmp(code))
            .ok()
            .map(|i| i as u32)
    }
}

/// For each (kind, code id), the patients having at least one such event, sorted: the engine
/// reads the events of the patients who can have an entry event only.
#[derive(Debug, Clone, Default)]
pub struct Postings {
    /// First key of each kind (by `u8` id); the key of (kind, code) is `first[kind] + code`.
    first: [u32; 8],
    /// `offsets[key]..offsets[key + 1]` index `patients`.
    offsets: Vec<u32>,
    /// Patient ids.
    patients: Vec<u32>,
}

impl Postings {
    /// Patients with an event of `kind` and code id `code` (empty for an unknown code).
    pub fn patients(&self, kind: EventKind, code: u32) -> &[u32] {
        let k = kind as usize;
        let key = self.first[k] as u64 + code as u64;
        if key >= self.first[k + 1] as u64 {
            return &[];
        }
        let key = key as usize;
        &self.patients[self.offsets[key] as usize..self.offsets[key + 1] as usize]
    }

    /// Bytes held.
    pub fn bytes(&self) -> usize {
        (self.offsets.len() + self.patients.len()) * 4
    }
}

fn prefix_range<T>(items: &[T], prefix: &str, key: impl Fn(&T) -> &str) -> Range<u32> {
    let lo = items.partition_point(|x| key(x) < prefix);
    let hi = lo + items[lo..].partition_point(|x| key(x).starts_with(prefix));
    lo as u32..hi as u32
}

/// The patient table of the store, column-wise, indexed by patient id.
#[derive(Debug, Clone, Default)]
pub struct Patients {
    /// `BEN_NIR_PSA` of each patient.
    pub nir: Vec<String>,
    /// `BEN_RNG_GEM` of each patient: twins of the same insured parent share `BEN_NIR_PSA`,
    /// so a person is the pair (`BEN_NIR_PSA`, `BEN_RNG_GEM`).
    pub rank: Vec<u8>,
    /// Sex (1 male, 2 female, 9 unknown).
    pub sex: Vec<u8>,
    /// Birth date.
    pub birth: Vec<Day>,
    /// Death date, [`Day::MAX`] when alive at the end of the data.
    pub death: Vec<Day>,
    /// Département index ([`crate::model::DEPT_UNKNOWN`] when unknown).
    pub dept: Vec<u8>,
}

impl Patients {
    /// Number of patients.
    pub fn len(&self) -> usize {
        self.sex.len()
    }
    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.sex.is_empty()
    }
}

/// Bits of a [`tag`] holding the event's kind; the role sits above them.
pub const KIND_BITS: u8 = 3;

/// One byte for an event's kind and role (kind < 8 and role < 32): the store keeps one column
/// where two would cost a byte more per event, and a matcher tests both with one bit mask.
#[inline]
pub fn tag(kind: u8, role: u8) -> u8 {
    debug_assert!(kind < 1 << KIND_BITS && role < 1 << (8 - KIND_BITS));
    kind | role << KIND_BITS
}

/// Kind id of a [`tag`].
#[inline]
pub fn tag_kind(tag: u8) -> u8 {
    tag & ((1 << KIND_BITS) - 1)
}

/// Role id of a [`tag`].
#[inline]
pub fn tag_role(tag: u8) -> u8 {
    tag >> KIND_BITS
}

/// Patient-major, dictionary-encoded event store.
#[derive(Debug, Clone, Default)]
pub struct EventStore {
    /// `offsets[p]..offsets[p + 1]` are patient `p`'s events.
    pub offsets: Vec<u32>,
    /// Event date (start).
    pub date: Vec<Day>,
    /// Code id in the sorted dictionary of the event's kind.
    pub code: Vec<u32>,
    /// Kind and role of each event in one byte ([`tag`]): [`EventKind`] in the low
    /// [`KIND_BITS`] bits, [`Role`] above them.
    pub tag: Vec<u8>,
    /// Boxes, length of stay, act count, ALD duration in days ([`OPEN_END`]): see module docs.
    pub value: Vec<i16>,
    /// Patients.
    pub patients: Patients,
    /// The patients of each (kind, code): an index beside the store, not part of its per-event
    /// bytes (see [`Postings::bytes`]).
    pub postings: Postings,
    /// Drug packs sorted by (ATC7, CIP13).
    pub drug_cip: Vec<String>,
    /// ATC7 of each drug id (non-decreasing).
    pub drug_atc: Vec<String>,
    /// ICD-10 codes.
    pub icd10: SortedDict,
    /// CCAM codes.
    pub ccam: SortedDict,
    /// Natures of service.
    pub nature: SortedDict,
    /// First day of the data.
    pub data_start: Day,
    /// Last day of the data.
    pub data_end: Day,
}

fn sorted_remap(codes: &[String]) -> (SortedDict, Vec<u32>) {
    let mut order: Vec<u32> = (0..codes.len() as u32).collect();
    order.sort_by(|a, b| codes[*a as usize].cmp(&codes[*b as usize]));
    let mut remap = vec![0u32; codes.len()];
    for (new, old) in order.iter().enumerate() {
        remap[*old as usize] = new as u32;
    }
    let sorted = order.iter().map(|i| codes[*i as usize].clone()).collect();
    (SortedDict { codes: sorted }, remap)
}

/// Calls `visit(key, patient)` once for each distinct posting key among a patient's event rows
/// (`rows[offsets[p]..offsets[p + 1]]`, keyed by `key_of(kind, code)`), patients in order: the
/// walk that counts the postings, then fills them.
fn each_patient_key(
    rows: &[(Day, u8, u32, u8, i16)],
    offsets: &[u32],
    keys: usize,
    key_of: impl Fn(u8, u32) -> Option<usize>,
    mut visit: impl FnMut(usize, u32),
) {
    let mut last = vec![u32::MAX; keys];
    for (p, range) in offsets.windows(2).enumerate() {
        for &(_, kind, code, _, _) in &rows[range[0] as usize..range[1] as usize] {
            if let Some(key) = key_of(kind, code) {
                if last[key] != p as u32 {
                    last[key] = p as u32;
                    visit(key, p as u32);
                }
            }
        }
    }
}

impl EventStore {
    /// Build the store from a population (events in any order).
    pub fn build(pop: &Population) -> EventStore {
        let d = &pop.dicts;
        let (icd10, icd_map) = sorted_remap(d.icd10.codes());
        let (ccam, ccam_map) = sorted_remap(d.ccam.codes());
        let (nature, nature_map) = sorted_remap(d.nature.codes());
        let mut drug_order: Vec<u32> = (0..d.drug.len() as u32).collect();
        drug_order.sort_by(|a, b| {
            let (a, b) = (*a as usize, *b as usize);
            (d.drug_atc[a].as_str(), d.drug.code(a as u32))
                .cmp(&(d.drug_atc[b].as_str(), d.drug.code(b as u32)))
        });
        let mut drug_map = vec![0u32; drug_order.len()];
        for (new, old) in drug_order.iter().enumerate() {
            drug_map[*old as usize] = new as u32;
        }
        let drug_cip = drug_order
            .iter()
            .map(|i| d.drug.code(*i).to_string())
            .collect();
        let drug_atc = drug_order
            .iter()
            .map(|i| d.drug_atc[*i as usize].clone())
            .collect();

        let n = pop.patients.len();
        // Counting sort by patient, then sort each patient's slice by (date, kind, code, role).
        let mut offsets = vec![0u32; n + 1];
        for e in &pop.events {
            offsets[e.patient as usize + 1] += 1;
        }
        for i in 0..n {
            offsets[i + 1] += offsets[i];
        }
        let mut cursor = offsets.clone();
        let m = pop.events.len();
        let mut rows: Vec<(Day, u8, u32, u8, i16)> = vec![(0, 0, 0, 0, 0); m];
        for e in &pop.events {
            let code = match e.kind.dict() {
                DictKind::Drug => drug_map[e.code as usize],
                DictKind::Icd10 => icd_map[e.code as usize],
                DictKind::Ccam => ccam_map[e.code as usize],
                DictKind::Nature => nature_map[e.code as usize],
                DictKind::None => 0,
            };
            let value = match e.kind {
                EventKind::Ald => {
                    let dur = e.end as i64 - e.start as i64;
                    if dur >= OPEN_END as i64 || e.end >= crate::dates::MAX_DAY {
                        OPEN_END
                    } else {
                        dur.max(0) as i16
                    }
                }
                EventKind::Stay => {
                    (e.end as i64 - e.start as i64).clamp(0, OPEN_END as i64 - 1) as i16
                }
                _ => e.value.clamp(i16::MIN as i32, i16::MAX as i32) as i16,
            };
            let slot = &mut cursor[e.patient as usize];
            rows[*slot as usize] = (e.start, e.kind as u8, code, e.role as u8, value);
            *slot += 1;
        }
        for p in 0..n {
            rows[offsets[p] as usize..offsets[p + 1] as usize].sort_unstable();
        }
        let mut store = EventStore {
            offsets,
            date: Vec::with_capacity(m),
            code: Vec::with_capacity(m),
            tag: Vec::with_capacity(m),
            value: Vec::with_capacity(m),
            patients: Patients {
                nir: pop.patients.iter().map(|p| p.nir.clone()).collect(),
                rank: pop.patients.iter().map(|p| p.rank).collect(),
                sex: pop.patients.iter().map(|p| p.sex).collect(),
                birth: pop.patients.iter().map(|p| p.birth).collect(),
                death: pop
                    .patients
                    .iter()
                    .map(|p| p.death.unwrap_or(Day::MAX))
                    .collect(),
                dept: pop.patients.iter().map(|p| p.dept).collect(),
            },
            postings: Postings::default(),
            drug_cip,
            drug_atc,
            icd10,
            ccam,
            nature,
            data_start: pop.data_start,
            data_end: pop.data_end,
        };
        // Postings: key space = each kind's dictionary, one after the other.
        let mut first = [0u32; 8];
        for k in EventKind::ALL {
            let size = match k.dict() {
                DictKind::Drug => store.drug_cip.len(),
                DictKind::Icd10 => store.icd10.len(),
                DictKind::Ccam => store.ccam.len(),
                DictKind::Nature => store.nature.len(),
                DictKind::None => 1,
            };
            first[k as usize + 1] = first[k as usize] + size.max(1) as u32;
        }
        let keys = first[7] as usize;
        let key_of = |kind: u8, code: u32| -> Option<usize> {
            let k = kind as usize;
            let key = first[k] as usize + code as usize;
            (k < 7 && key < first[k + 1] as usize).then_some(key)
        };
        // Counted, then filled, by the same walk over each patient's distinct keys.
        let mut offsets = vec![0u32; keys + 1];
        each_patient_key(&rows, &store.offsets, keys, key_of, |key, _| {
            offsets[key + 1] += 1;
        });
        for key in 0..keys {
            offsets[key + 1] += offsets[key];
        }
        let mut fill = offsets.clone();
        let mut patients = vec![0u32; offsets[keys] as usize];
        each_patient_key(&rows, &store.offsets, keys, key_of, |key, p| {
            patients[fill[key] as usize] = p;
            fill[key] += 1;
        });
        store.postings = Postings {
            first,
            offsets,
            patients,
        };
        for (date, kind, code, role, value) in rows {
            store.date.push(date);
            store.tag.push(tag(kind, role));
            store.code.push(code);
            store.value.push(value);
        }
        store
    }

    /// Number of patients.
    pub fn n_patients(&self) -> usize {
        self.patients.len()
    }

    /// Number of events.
    pub fn n_events(&self) -> usize {
        self.date.len()
    }

    /// Index range of patient `p`'s events.
    #[inline]
    pub fn events_of(&self, p: usize) -> Range<usize> {
        self.offsets[p] as usize..self.offsets[p + 1] as usize
    }

    /// [`EventKind`] id of event `i`.
    #[inline]
    pub fn kind_u8(&self, i: usize) -> u8 {
        tag_kind(self.tag[i])
    }

    /// [`Role`] id of event `i`.
    #[inline]
    pub fn role_u8(&self, i: usize) -> u8 {
        tag_role(self.tag[i])
    }

    /// Kind of event `i`.
    #[inline]
    pub fn kind_of(&self, i: usize) -> EventKind {
        EventKind::from_u8(self.kind_u8(i)).expect("store holds valid kinds")
    }

    /// Role of event `i`.
    #[inline]
    pub fn role_of(&self, i: usize) -> Role {
        Role::from_u8(self.role_u8(i)).expect("store holds valid roles")
    }

    /// End date of event `i`: start + length for stays and ALD periods (`None` = open-ended ALD),
    /// the start for point events.
    #[inline]
    pub fn end_of(&self, i: usize) -> Option<Day> {
        match self.kind_of(i) {
            EventKind::Stay => Some(self.date[i] + self.value[i] as Day),
            EventKind::Ald if self.value[i] == OPEN_END => None,
            EventKind::Ald => Some(self.date[i] + self.value[i] as Day),
            _ => Some(self.date[i]),
        }
    }

    /// Code text of event `i` (`""` for death).
    pub fn code_text(&self, i: usize) -> &str {
        let id = self.code[i];
        match self.kind_of(i).dict() {
            DictKind::Drug => &self.drug_cip[id as usize],
            DictKind::Icd10 => self.icd10.code(id),
            DictKind::Ccam => self.ccam.code(id),
            DictKind::Nature => self.nature.code(id),
            DictKind::None => "",
        }
    }

    /// Code ids, in the dictionary of `system`'s events, meaning `code` and its descendants:
    /// a prefix range for ATC, ICD-10 and CCAM; the one pack for a CIP13.
    pub fn code_ids(&self, system: CodeSystem, code: &str) -> Range<u32> {
        match system {
            CodeSystem::Atc => prefix_range(&self.drug_atc, code, |s| s.as_str()),
            CodeSystem::Icd10 => self.icd10.prefix_range(code),
            CodeSystem::Ccam => self.ccam.prefix_range(code),
            CodeSystem::Cip13 => match self.drug_cip.iter().position(|c| c == code) {
                Some(i) => i as u32..i as u32 + 1,
                None => 0..0,
            },
        }
    }

    /// Bytes held per event by the event columns and the patient offsets (the figure budgeted at
    /// ≤ 12 in docs/decisions.md §8; dictionaries and the patient table are reported apart).
    pub fn bytes_per_event(&self) -> f64 {
        if self.n_events() == 0 {
            return 0.0;
        }
        let per_event = std::mem::size_of::<Day>() + 4 + 1 + 2;
        let bytes = self.n_events() * per_event + self.offsets.len() * 4;
        bytes as f64 / self.n_events() as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Event, Patient};

    fn tiny() -> Population {
        let mut pop = Population {
            data_start: 0,
            data_end: 1000,
            ..Default::default()
        };
        for i in 0..3 {
            pop.patients.push(Patient {
                nir: format!("P{i}"),
                rank: 1,
                sex: 1 + (i % 2) as u8,
                birth: -10_000,
                death: None,
                dept: 0,
            });
        }
        let met = pop.dicts.intern_drug("3400000000002", "A10BA02");
        let ins = pop.dicts.intern_drug("3400000000001", "A10AB01");
        let para = pop.dicts.intern_drug("3400000000003", "N02BE01");
        let e11 = pop.dicts.icd10.intern("E119");
        let i21 = pop.dicts.icd10.intern("I214");
        let ev = |patient, kind, start, code, value| Event {
            patient,
            kind,
            role: Role::None,
            start,
            end: start,
            code,
            value,
            stay: 0,
        };
        pop.events = vec![
            ev(2, EventKind::Dispensing, 50, para, 1),
            ev(0, EventKind::Dispensing, 30, met, 3),
            ev(0, EventKind::Dispensing, 10, ins, 1),
            Event {
                role: Role::DP,
                ..ev(1, EventKind::Diagnosis, 5, i21, 0)
            },
            Event {
                end: 12,
                ..ev(1, EventKind::Stay, 5, i21, 0)
            },
            ev(0, EventKind::Diagnosis, 1, e11, 0),
        ];
        pop
    }

    #[test]
    fn patient_major_sorted() {
        let s = EventStore::build(&tiny());
        assert_eq!(s.offsets, vec![0, 3, 5, 6]);
        assert_eq!(&s.date[0..3], &[1, 10, 30]);
        assert_eq!(s.code_text(0), "E119");
        assert_eq!(s.code_text(1), "3400000000001");
        assert_eq!(s.code_text(2), "3400000000002");
        // The stay lasts 7 days.
        let stay = (3..5).find(|&i| s.kind_of(i) == EventKind::Stay).unwrap();
        assert_eq!(s.end_of(stay), Some(12));
    }

    #[test]
    fn prefixes_are_ranges() {
        let s = EventStore::build(&tiny());
        // Drug packs sorted by ATC: A10AB01, A10BA02, N02BE01.
        assert_eq!(s.drug_atc, vec!["A10AB01", "A10BA02", "N02BE01"]);
        assert_eq!(s.code_ids(CodeSystem::Atc, "A10"), 0..2);
        assert_eq!(s.code_ids(CodeSystem::Atc, "A10B"), 1..2);
        assert_eq!(s.code_ids(CodeSystem::Atc, "N"), 2..3);
        assert!(s.code_ids(CodeSystem::Atc, "C").is_empty());
        assert_eq!(s.code_ids(CodeSystem::Icd10, "E11"), 0..1);
        assert_eq!(s.code_ids(CodeSystem::Icd10, "I2"), 1..2);
        assert_eq!(s.code_ids(CodeSystem::Cip13, "3400000000003"), 2..3);
        assert!(s.code_ids(CodeSystem::Cip13, "3400000000009").is_empty());
    }

    #[test]
    fn postings_list_exactly_the_patients_of_each_code() {
        let s = EventStore::build(&tiny());
        for kind in EventKind::ALL {
            let size = match kind.dict() {
                DictKind::Drug => s.drug_cip.len(),
                DictKind::Icd10 => s.icd10.len(),
                DictKind::Ccam => s.ccam.len(),
                DictKind::Nature => s.nature.len(),
                DictKind::None => 1,
            } as u32;
            for code in 0..size + 2 {
                // Reference: scan every patient's events.
                let expected: Vec<u32> = (0..s.n_patients())
                    .filter(|&p| {
                        s.events_of(p)
                            .any(|i| s.kind_u8(i) == kind as u8 && s.code[i] == code)
                    })
                    .map(|p| p as u32)
                    .collect();
                assert_eq!(
                    s.postings.patients(kind, code),
                    &expected[..],
                    "{kind:?} {code}"
                );
            }
        }
    }

    #[test]
    fn eleven_bytes_per_event() {
        let s = EventStore::build(&tiny());
        // 6 events * (4 + 4 + 1 + 2) bytes + 4 offsets * 4 bytes.
        assert_eq!(s.n_events(), 6);
        assert!((s.bytes_per_event() - (6.0 * 11.0 + 16.0) / 6.0).abs() < 1e-9);
        // The figure is what the columns really hold.
        let held = s.date.len() * 4 + s.code.len() * 4 + s.tag.len() + s.value.len() * 2;
        assert_eq!(held + s.offsets.len() * 4, 6 * 11 + 16);
    }

    #[test]
    fn tags_keep_every_kind_and_role() {
        let mut seen = std::collections::BTreeSet::new();
        for k in EventKind::ALL {
            for r in Role::ALL {
                let t = tag(k as u8, r as u8);
                assert!(t < 64, "a matcher's mask has 64 bits");
                assert_eq!((tag_kind(t), tag_role(t)), (k as u8, r as u8));
                assert!(seen.insert(t), "two (kind, role) pairs share tag {t}");
            }
        }
    }
}
