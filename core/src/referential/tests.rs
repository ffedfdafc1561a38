//! Tests of the referential. Expected values come from the nomenclatures themselves (WHO ATC,
//! CIM-10, INSEE), written by hand here, not from the code under test.

use super::*;

/// EAN-13 check digit, written independently of the data generator: weights 1 and 3 from the
/// left over the first 12 digits.
fn ean13_check(d12: &str) -> u32 {
    let s: u32 = d12
        .bytes()
        .enumerate()
        .map(|(i, b)| (b - b'0') as u32 * if i % 2 == 0 { 1 } else { 3 })
        .sum();
    (10 - s % 10) % 10
}

#[test]
fn ean13_reference_on_a_published_example() {
    // The EAN-13 example of the GS1 literature: 400638133393 has check digit 1.
    assert_eq!(ean13_check("400638133393"), 1);
    assert_eq!(ean13_check("978030640615"), 7); // ISBN 978-0-306-40615-7
}

#[test]
fn cip13_validation() {
    assert!(cip13_is_valid("3400930000001") == (ean13_check("340093000000") == 1));
    assert!(cip13_is_valid("3400936403114") == (ean13_check("340093640311") == 4));
    assert!(!cip13_is_valid("4006381333931")); // a valid EAN-13 that is not a French drug
    assert!(!cip13_is_valid("340093000000"));
    assert!(!cip13_is_valid("34009300000A1"));
    let mut bad = packs()[0].cip13.to_string();
    let last = bad.pop().map_or(0, |c| (c as u8 - b'0' + 1) % 10);
    bad.push((b'0' + last) as char);
    assert!(!cip13_is_valid(&bad));
}

#[test]
fn every_cip13_is_valid_and_unique() {
    assert!(packs().len() >= 150, "{} packs", packs().len());
    let mut seen = std::collections::BTreeSet::new();
    for p in packs() {
        assert_eq!(p.cip13.len(), 13, "{}", p.cip13);
        assert!(p.cip13.bytes().all(|b| b.is_ascii_digit()), "{}", p.cip13);
        assert!(p.cip13.starts_with("3400"), "{}", p.cip13);
        let check = (p.cip13.as_bytes()[12] - b'0') as u32;
        assert_eq!(
            check,
            ean13_check(&p.cip13[..12]),
            "check digit of {}",
            p.cip13
        );
        assert!(seen.insert(p.cip13), "duplicate {}", p.cip13);
        assert!(pack(p.cip13) == Some(p));
        assert!(
            p.days >= 1 && p.days <= 90,
            "{} covers {} days",
            p.name,
            p.days
        );
        assert!(!p.name.is_empty());
    }
}

#[test]
fn every_pack_atc7_has_labels_at_all_five_levels() {
    for p in packs() {
        assert_eq!(p.atc7.len(), 7, "{}", p.atc7);
        for n in [1, 3, 4, 5, 7] {
            assert!(
                atc_label(&p.atc7[..n]).is_some(),
                "no label for {} (pack {})",
                &p.atc7[..n],
                p.cip13
            );
        }
    }
}

#[test]
fn every_shipped_substance_has_a_pack_and_every_atc_code_its_parent() {
    for e in atc_entries() {
        assert!(atc_level(e.code).is_some(), "malformed ATC {}", e.code);
        assert!(!e.label.is_empty());
        let parent = match e.code.len() {
            1 => None,
            3 => Some(&e.code[..1]),
            4 => Some(&e.code[..3]),
            5 => Some(&e.code[..4]),
            _ => Some(&e.code[..5]),
        };
        if let Some(p) = parent {
            assert!(atc_label(p).is_some(), "parent {p} of {} missing", e.code);
        }
        if e.code.len() == 7 {
            assert!(!packs_for_atc(e.code).is_empty(), "no pack for {}", e.code);
        }
    }
}

#[test]
fn data_files_parse_completely_without_duplicates() {
    let lines = |t: &str| {
        t.lines()
            .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
            .count()
    };
    assert_eq!(atc_entries().len(), lines(ATC_DATA));
    assert_eq!(icd10_entries().len(), lines(ICD10_DATA));
    assert_eq!(ccam_entries().len(), lines(CCAM_DATA));
    assert_eq!(packs().len(), lines(PACKS_DATA));
    for t in [atc_entries(), icd10_entries(), ccam_entries()] {
        for w in t.windows(2) {
            assert!(w[0].code < w[1].code, "duplicate or unsorted {}", w[1].code);
        }
    }
    for e in icd10_entries() {
        let b = e.code.as_bytes();
        assert!(
            (3..=5).contains(&b.len())
                && b[0].is_ascii_uppercase()
                && b[1..].iter().all(|c| c.is_ascii_digit()),
            "malformed ICD-10 {}",
            e.code
        );
        // Every subcode has its 3-character category.
        assert!(
            icd10_label(&e.code[..3]).is_some(),
            "no category for {}",
            e.code
        );
        assert!(icd10_chapter(e.code).is_some(), "no chapter for {}", e.code);
    }
    for e in ccam_entries() {
        let b = e.code.as_bytes();
        assert!(
            b.len() == 7
                && b[..4].iter().all(|c| c.is_ascii_uppercase())
                && b[4..].iter().all(|c| c.is_ascii_digit()),
            "malformed CCAM {}",
            e.code
        );
    }
}

#[test]
fn departements_and_regions() {
    let d = departements();
    assert_eq!(d.len(), 101);
    let total: u64 = d.iter().map(|x| x.population as u64).sum();
    assert!(
        (66_640_000..=69_360_000).contains(&total),
        "population {total}"
    );
    assert_eq!(regions().len(), 18);
    // Département counts per region (INSEE, 2016 regions).
    let expected: [(u8, usize); 18] = [
        (1, 1),
        (2, 1),
        (3, 1),
        (4, 1),
        (6, 1),
        (11, 8),
        (24, 6),
        (27, 8),
        (28, 5),
        (32, 5),
        (44, 10),
        (52, 5),
        (53, 4),
        (75, 12),
        (76, 13),
        (84, 12),
        (93, 6),
        (94, 2),
    ];
    for (code, n) in expected {
        assert!(region(code).is_some(), "region {code}");
        assert_eq!(
            d.iter().filter(|x| x.region == code).count(),
            n,
            "départements of region {code}"
        );
    }
    let mut codes: Vec<&str> = d.iter().map(|x| x.code).collect();
    codes.sort_unstable();
    codes.dedup();
    assert_eq!(codes.len(), 101);
    // Paris is the most populous département after Nord.
    let by_pop = d.iter().max_by_key(|x| x.population).map(|x| x.code);
    assert_eq!(by_pop, Some("59"));
}

#[test]
fn dept_index_accepts_pmsi_and_dcir_forms() {
    let paris = dept_index("75").map(|i| departements()[i as usize].name);
    assert_eq!(paris, Some("Paris"));
    assert_eq!(dept_index("075"), dept_index("75"));
    assert_eq!(dept_index("02A"), dept_index("2A"));
    assert_eq!(dept_index("2a"), dept_index("2A"));
    assert_eq!(dept_index(" 01 "), Some(0));
    assert!(dept_index("971").is_some());
    assert_eq!(dept_index("20"), None);
    assert_eq!(dept_index("975"), None);
    assert_eq!(dept_index(""), None);
    assert_eq!(region_of(dept_index("2B").unwrap_or(255)), Some(94));
    assert_eq!(region_of(dept_index("976").unwrap_or(255)), Some(6));
    assert_eq!(region_of(200), None);
}

fn codes(h: &[Hit]) -> Vec<&'static str> {
    h.iter().map(|h| h.code).collect()
}

#[test]
fn search_finds_metformin_by_name_and_code() {
    let h = search(None, "metformine", 50);
    assert_eq!(h.first().map(|h| h.code), Some("A10BA02"));
    assert!(codes(&h).contains(&"A10BD07"));
    assert!(h
        .iter()
        .any(|h| h.system == CodeSystem::Cip13 && h.label.starts_with("METFORMINE")));
    assert_eq!(search(None, "METFORMINE", 50), h);
    let h = search(Some(CodeSystem::Atc), "A10BA", 10);
    assert_eq!(codes(&h), vec!["A10BA", "A10BA02"]);
    let h = search(Some(CodeSystem::Atc), "a10b", 3);
    assert_eq!(codes(&h), vec!["A10B", "A10BA", "A10BA02"]);
}

#[test]
fn search_ignores_accents_and_case() {
    let h = search(Some(CodeSystem::Icd10), "infarctus du myocarde", 50);
    let c = codes(&h);
    for want in ["I21", "I210", "I214", "I22", "I252"] {
        assert!(c.contains(&want), "{want} missing from {c:?}");
    }
    assert!(!c.iter().any(|x| x.starts_with("I63")), "{c:?}");
    let a = search(None, "défaillance", 10);
    let b = search(None, "DEFAILLANCE", 10);
    assert_eq!(a, b);
    assert!(codes(&a).contains(&"R651"));
    let h = search(Some(CodeSystem::Icd10), "fracture col", 10);
    assert_eq!(codes(&h), vec!["S720"]);
    let h = search(Some(CodeSystem::Atc), "statine", 10);
    let c = codes(&h);
    for want in ["C10AA01", "C10AA05", "C10AA07"] {
        assert!(c.contains(&want), "{want} missing from {c:?}");
    }
    let h = search(Some(CodeSystem::Icd10), "e11.9", 5);
    assert_eq!(h.first().map(|h| h.code), Some("E119"));
}

#[test]
fn search_limits_and_empty_queries() {
    assert!(search(None, "", 10).is_empty());
    assert!(search(None, "   ", 10).is_empty());
    assert!(search(None, "metformine", 0).is_empty());
    assert_eq!(search(None, "a", 7).len(), 7);
    assert!(search(None, "zzzzqqq", 10).is_empty());
}

#[test]
fn chapters() {
    let roman = |c: &str| icd10_chapter(c).map(|ch| ch.roman);
    assert_eq!(icd10_chapters().len(), 22);
    assert_eq!(roman("E11"), Some("IV"));
    assert_eq!(roman("E119"), Some("IV"));
    assert_eq!(roman("I21"), Some("IX"));
    assert_eq!(roman("S72"), Some("XIX"));
    assert_eq!(roman("T98"), Some("XIX"));
    assert_eq!(roman("C50"), Some("II"));
    assert_eq!(roman("D48"), Some("II"));
    assert_eq!(roman("D50"), Some("III"));
    assert_eq!(roman("H59"), Some("VII"));
    assert_eq!(roman("H60"), Some("VIII"));
    assert_eq!(roman("W19"), Some("XX"));
    assert_eq!(roman("Z511"), Some("XXI"));
    assert_eq!(roman("U071"), Some("XXII"));
    assert_eq!(roman("F32.1"), Some("V"));
    assert_eq!(roman("E"), None);
    assert_eq!(roman("123"), None);
    assert_eq!(roman("EE1"), None);
}

#[test]
fn containment_rules() {
    use CodeSystem::*;
    assert!(contains(Icd10, "E119"));
    assert!(contains(Icd10, "E11"));
    assert!(contains(Icd10, "E"));
    assert!(contains(Icd10, "e11.9"));
    assert!(contains(Icd10, "E1199"));
    assert!(!contains(Icd10, "E11999X"));
    assert!(!contains(Icd10, "E12"));
    assert!(!contains(Icd10, "Q999"));
    assert!(contains(Atc, "A10B"));
    assert!(contains(Atc, "A"));
    assert!(!contains(Atc, "A1"));
    assert!(!contains(Atc, "A10BA02X"));
    assert!(!contains(Atc, "A10BA99"));
    assert!(contains(Ccam, "DDAF"));
    assert!(contains(Ccam, "DDAF006"));
    assert!(!contains(Ccam, "DDAF999"));
    assert!(!contains(Ccam, "DDAF0061"));
    let cip = packs_for_atc("A10BA02")[0].cip13;
    assert!(contains(Cip13, cip));
    assert!(!contains(Cip13, &cip[..12]));
    assert!(!contains(Icd10, ""));
    assert!(!contains(Icd10, "E1€"));
}

#[test]
fn metformin_packs() {
    let p = packs_for_atc("A10BA02");
    assert!(p.iter().any(|p| p.generic && p.days == 30));
    assert!(p.iter().any(|p| p.generic && p.days == 90));
    assert!(p.iter().any(|p| !p.generic));
    assert!(p.iter().all(|p| p.atc7 == "A10BA02"));
    assert!(p
        .iter()
        .any(|p| p.name == "METFORMINE BIOGARAN 1000MG CPR 30"));
    assert!(packs_for_atc("A10BA").is_empty());
    assert!(packs_for_atc("").is_empty());
}

/// The codes the synthetic generator emits: each must be shipped, chronic substances with both
/// box sizes.
#[test]
fn generator_codes_are_shipped() {
    let chronic = "A10BA02 A10BH01 A10BK01 A10BK03 A10BJ02 A10BJ06 A10BB09 A10AE04 A10AB05 \
        C09AA05 C09AA02 C09CA01 C09CA03 C08CA01 C03AA03 C07AB07 C07AB02 C10AA05 C10AA01 C10AA07 \
        B01AC06 B01AC04 B01AC24 C03CA01 C03DA01 C09DX04 B01AF01 B01AF02 B01AA03 B01AA12 C01BD01 \
        C09AA04 C01DA14 R03AC02 R03BA02 R03AK06 R03AK07 R03BB04 R03AL03 R03DC03 N06AB10 N06AB06 \
        N06AB05 N06AX11 N06AX16 L02BG04 L02BG03 L02BA01 N06DA02 M05BA04 M05BA07 A11CC05";
    for a in chronic.split_whitespace() {
        let p = packs_for_atc(a);
        assert!(
            p.iter().any(|p| p.days == 28 || p.days == 30),
            "{a} monthly"
        );
        assert!(
            p.iter().any(|p| p.days == 84 || p.days == 90),
            "{a} quarterly"
        );
    }
    let short = "N05BA12 N05BA04 N05BA01 N05CF02 N05CF01 N02BE01 J01CA04 J01CR02 M01AE01 A02BC01 \
        A02BC02 A02BC05 H02AB06 N02AJ13 B01AB05";
    for a in short.split_whitespace() {
        assert!(!packs_for_atc(a).is_empty(), "{a}");
    }
    let icd = "E119 E118 E112 E113 I10 I200 I209 I210 I211 I214 I219 I250 I251 I255 I500 I501 \
        I509 I480 I481 I489 I48 I630 I633 I634 I635 I639 I693 J440 J441 J449 J450 J451 J459 \
        F320 F321 F322 F329 F331 F332 C504 C508 C509 F001 F009 F019 F03 G309 M8109 M810 S720 \
        S721 S722 E785 E669 N189 I64 Z511 J189 K297 Z515 R074 Z380 O800 K802 K359 N390 H251 \
        K409 I269";
    for c in icd.split_whitespace() {
        assert!(icd10_label(c).is_some(), "ICD-10 {c}");
    }
    let ccam = "DDQH009 DDAF006 DDAF008 DZQM006 DEQP003 DEQP005 ACQK001 ACQN001 EBJF001 QEQK004 \
        QEFA003 QEFA020 NEKA020 NBCA006 GLQP012 BGQP002 ZBQK002 BFGA004 HMFC004 JQGD010";
    for c in ccam.split_whitespace() {
        assert!(ccam_label(c).is_some(), "CCAM {c}");
    }
    for n in [1111, 1112, 1211, 3317] {
        assert!(nature_label(n).is_some(), "nature {n}");
    }
}

#[test]
fn ald_list() {
    assert_eq!(alds().len(), 32);
    for n in 1..=32 {
        assert!(ald_label(n).is_some(), "ALD {n}");
    }
    assert_eq!(ald_label(0), None);
    assert_eq!(ald_label(33), None);
    assert_eq!(ald_label(8), Some("Diabète de type 1 et diabète de type 2"));
    assert!(ald_label(30).is_some_and(|l| l.starts_with("Tumeur maligne")));
}

#[test]
fn labels_by_code() {
    assert_eq!(atc_label("A10BA02"), Some("metformine"));
    assert_eq!(atc_label("a10ba02"), Some("metformine"));
    assert_eq!(icd10_label("I21"), Some("Infarctus aigu du myocarde"));
    assert_eq!(icd10_label("S72.0"), Some("Fracture du col du fémur"));
    assert_eq!(
        ccam_label("DEQP003"),
        Some("Électrocardiographie sur au moins 12 dérivations")
    );
    assert_eq!(atc_label("A10BA99"), None);
    assert_eq!(icd10_label("E11,9"), None);
}

/// The module documentation lists every shipped substance, diagnosis and act, so that users of
/// the referential can check a code without running anything.
#[test]
fn module_doc_lists_every_code() {
    let doc: String = include_str!("mod.rs")
        .lines()
        .filter_map(|l| l.strip_prefix("//!"))
        .collect::<Vec<_>>()
        .join(" ");
    let listed: std::collections::BTreeSet<&str> =
        doc.split(|c: char| !c.is_ascii_alphanumeric()).collect();
    let atc7 = atc_entries().iter().filter(|e| e.code.len() == 7);
    for e in atc7.chain(icd10_entries()).chain(ccam_entries()) {
        assert!(
            listed.contains(e.code),
            "{} missing from the module doc",
            e.code
        );
    }
}

#[test]
fn search_keywords_plurals_and_packs_by_substance() {
    let first = |s, q| search(Some(s), q, 1).first().map(|h| h.code);
    assert_eq!(first(CodeSystem::Icd10, "BPCO"), Some("J44"));
    assert_eq!(first(CodeSystem::Icd10, "idm"), Some("I21"));
    assert_eq!(first(CodeSystem::Ccam, "angioplastie"), Some("DDAF006"));
    assert_eq!(first(CodeSystem::Atc, "benzodiazepines"), Some("N05BA"));
    let h = search(Some(CodeSystem::Cip13), "metformine", 50);
    assert!(h.iter().any(|h| h.label.starts_with("GLUCOPHAGE")), "{h:?}");
    assert!(h
        .iter()
        .all(|h| pack(h.code).is_some_and(|p| p.atc7.starts_with("A10B"))));
    // Keywords are searched but never shown.
    assert!(search(Some(CodeSystem::Icd10), "BPCO", 5)
        .iter()
        .all(|h| !h.label.contains("BPCO")));
}
