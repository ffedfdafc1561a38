//! Compact code referentials shipped in the core, with French labels: départements and regions,
//! ATC, CIP13 drug packs, ICD-10 (CIM-10) with its 22 chapters, CCAM acts, long-term illness
//! (ALD) list numbers and the natures of service (`PRS_NAT_REF`) the generator emits.
//!
//! The tables cover the conditions Cohorte's examples and synthetic population are about (type 2
//! diabetes, hypertension, ischaemic heart disease, heart failure, atrial fibrillation, stroke,
//! COPD, asthma, depression, breast cancer, dementia, osteoporosis and hip fracture,
//! benzodiazepine use) plus background care. They are not the full nomenclatures: a code missing
//! here may still be a valid code in real SNDS data.
//!
//! # Sources
//! - Départements and regions: INSEE code officiel géographique (2016 regions); populations are
//!   the INSEE *populations légales 2021* (population municipale, in force on 1 January 2024).
//!   Their sum is 67.5 million.
//! - ATC: WHO ATC index, labels translated to French (substances by their French INN).
//! - ICD-10: CIM-10 FR (ATIH), codes without the dot as in SNDS tables (`E119`). Chapter XIII
//!   codes with the French 5th-character site extension (`M8109`) are listed explicitly.
//! - CCAM: the CCAM nomenclature; labels are the official ones except `NEKA020`, `NFKA007`,
//!   `QEFA003` and `QEFA020`, whose labels are shortened.
//! - CIP13 packs: the codes are constructed (`340093` + 6 digits + EAN-13 check digit), names
//!   follow the `IR_PHA_R` short-name style (`METFORMINE BIOGARAN 1000MG CPR 30`). `days` is the
//!   treatment time one box covers at the usual dosage: 28/30 or 84/90 for chronic drugs, the
//!   usual course (1 to 15 days) for acute ones.
//!
//! Data files live in `data/` (`;`-separated, `#` comments) and are parsed once on first use.
//!
//! # Containment rule ([`contains`])
//! - ATC: the code is shipped, or is an ancestor of a shipped code at a valid ATC level
//!   (1, 3, 4, 5 or 7 characters): `A10B` is contained, `A1` and `A10BA02X` are not.
//! - ICD-10: the code is shipped, is an ancestor of a shipped code (`E11`, `E1`), or extends a
//!   shipped code by the national 5th/6th character (at most 6 characters, letters and digits):
//!   `E1199` is contained because `E119` is; `E11999X` is not.
//! - CCAM: shipped, or a prefix of a shipped act (`DDAF`).
//! - CIP13: exact pack only.
//!
//! Codes are compared after trimming, upper-casing and dropping dots (`e11.9` = `E119`).
//!
//! # Search ([`search`])
//! Case- and accent-insensitive. Ranks: exact code, then code prefix, then items in which every
//! query word starts a word of the label or of its search keywords (`fracture col` finds
//! "Fracture du col du fémur", `BPCO` finds J44, `angioplastie` the DDAF acts; a final plural
//! `s` is ignored), then items containing every query word of 3 letters or more anywhere
//! (`statine` finds "atorvastatine"). Packs are also found by their substance (`metformine`
//! finds GLUCOPHAGE). Within a rank, hits are ordered by system (ATC, CIP13, ICD-10, CCAM),
//! then code.
//!
//! # Codes shipped
//! ATC substances (level 5; every ancestor level is shipped with its label, and level 4 A12AX
//! without substance): A02BC01 A02BC02 A02BC03 A02BC05 A10AB01 A10AB04 A10AB05 A10AE04 A10AE05
//! A10AE06 A10BA02 A10BB07 A10BB09 A10BB12 A10BD07 A10BD08 A10BH01 A10BH02 A10BH03 A10BJ01 A10BJ02
//! A10BJ05 A10BJ06 A10BK01 A10BK03 A11CC05 B01AA03 B01AA12 B01AB05 B01AC04 B01AC06 B01AC22 B01AC24
//! B01AE07 B01AF01 B01AF02 C01AA05 C01BD01 C01DA02 C01DA08 C01DA14 C03AA03 C03BA11 C03CA01 C03DA01
//! C03DA04 C07AB02 C07AB03 C07AB07 C07AB12 C07AG02 C08CA01 C08CA13 C09AA02 C09AA04 C09AA05 C09CA01
//! C09CA03 C09CA04 C09CA06 C09DX04 C10AA01 C10AA03 C10AA05 C10AA07 C10AX09 H02AB06 H02AB07 H03AA01
//! J01CA04 J01CR02 J01DD13 J01FA10 J01MA02 J01XX01 L02BA01 L02BG03 L02BG04 L02BG06 M01AB05 M01AE01
//! M01AE03 M04AA01 M05BA04 M05BA07 N02AJ13 N02AX02 N02BE01 N05AH04 N05AX08 N05BA01 N05BA04 N05BA06
//! N05BA08 N05BA12 N05CD06 N05CD11 N05CF01 N05CF02 N06AA09 N06AB03 N06AB04 N06AB05 N06AB06 N06AB10
//! N06AX11 N06AX16 N06AX21 N06AX22 N06DA02 N06DA03 N06DA04 N06DX01 R03AC02 R03AC12 R03AC13 R03AK06
//! R03AK07 R03AK08 R03AK10 R03AL03 R03AL04 R03AL09 R03BA01 R03BA02 R03BA05 R03BB04 R03BB06 R03DC03
//! R05CB01 R05CB03 R05DA09 R06AE07 R06AE09 R06AX13 R06AX27
//! Every substance has at least one pack; chronic ones have 28/30-day and 84/90-day boxes
//! (benzodiazepines and hypnotics only short boxes, as sold).
//!
//! ICD-10: A09 A41 A419 C18 C189 C34 C349 C50 C500 C501 C502 C503 C504 C505 C506 C508 C509 C61 C79
//! C795 D05 D051 D50 D509 E03 E039 E10 E109 E11 E110 E111 E112 E113 E114 E115 E116 E117 E118 E119
//! E66 E660 E669 E78 E780 E785 E86 F00 F000 F001 F002 F009 F01 F019 F02 F03 F10 F102 F32 F320 F321
//! F322 F323 F328 F329 F33 F330 F331 F332 F333 F334 F339 F41 F410 F411 F412 F419 F51 F510 G30 G300
//! G301 G308 G309 G40 G409 G45 G459 G47 G473 H25 H251 H259 H36 H360 I10 I11 I110 I119 I20 I200 I201
//! I208 I209 I21 I210 I211 I212 I213 I214 I219 I22 I25 I250 I251 I252 I255 I258 I259 I26 I269 I48
//! I480 I481 I482 I483 I484 I489 I50 I500 I501 I509 I61 I619 I63 I630 I631 I632 I633 I634 I635 I636
//! I638 I639 I64 I69 I693 I694 I70 I702 J06 J069 J11 J111 J18 J180 J181 J189 J20 J209 J44 J440 J441
//! J448 J449 J45 J450 J451 J458 J459 J46 J96 J960 K21 K219 K29 K297 K35 K359 K40 K409 K80 K802 M16
//! M169 M17 M179 M80 M800 M809 M81 M810 M8109 M819 M8199 N17 N179 N18 N183 N184 N185 N189 N39 N390
//! O80 O800 R07 R074 R55 R65 R651 S52 S525 S72 S720 S721 S722 S723 S724 S727 S728 S729 U07 U071 W19
//! Z38 Z380 Z49 Z491 Z51 Z510 Z511 Z515 Z95 Z955
//!
//! CCAM: ACQJ002 ACQK001 ACQN001 BFGA004 BGQP002 DDAF006 DDAF007 DDAF008 DDQH009 DDQH012 DEQP003
//! DEQP005 DZQM006 EBJF001 GELD004 GLQP008 GLQP012 HEQE002 HMFC004 JQGD010 NBCA006 NBCA008 NEKA020
//! NFKA007 QEFA003 QEFA020 QEQK004 ZBQK002
//!
//! ALD 1 to 32; natures of service 1111, 1112, 1211, 1212, 3317.

mod geo;

use std::sync::OnceLock;

use crate::model::CodeSystem;

/// A French département.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Departement {
    /// INSEE code: `01`..`95` (`2A`, `2B` for Corsica), `971`..`976` overseas.
    pub code: &'static str,
    /// Name.
    pub name: &'static str,
    /// INSEE code of its region (2016 regions, e.g. 84 Auvergne-Rhône-Alpes).
    pub region: u8,
    /// Legal population (INSEE 2021, population municipale).
    pub population: u32,
}

/// A French region (2016 boundaries).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Region {
    /// INSEE code (1 Guadeloupe ... 94 Corse).
    pub code: u8,
    /// Name.
    pub name: &'static str,
}

/// A code and its French label.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Entry {
    /// The code, upper case, without dots.
    pub code: &'static str,
    /// French label.
    pub label: &'static str,
}

/// A drug pack (one CIP13), the shape of a row of the drug referential `IR_PHA_R`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Pack {
    /// 13-digit pack code starting with `3400` (`PHA_CIP_C13`).
    pub cip13: &'static str,
    /// ATC level-5 code of the substance (`PHA_ATC_C07`).
    pub atc7: &'static str,
    /// Short name (`PHA_NOM_COURT` style): brand or generic, strength, form, box size.
    pub name: &'static str,
    /// Days of treatment one box covers at the usual dosage (28/30 or 84/90 for chronic drugs).
    pub days: u16,
    /// True for a generic.
    pub generic: bool,
}

/// An ICD-10 chapter: the range of 3-character categories it covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Chapter {
    /// Roman numeral (`I` .. `XXII`).
    pub roman: &'static str,
    /// First category (`A00`).
    pub first: &'static str,
    /// Last category (`B99`), inclusive.
    pub last: &'static str,
    /// French label.
    pub label: &'static str,
}

/// One search result.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Hit {
    /// The code system of the hit.
    pub system: CodeSystem,
    /// The code (for CIP13, the pack code).
    pub code: &'static str,
    /// Its label (for CIP13, the pack name).
    pub label: &'static str,
}

/// A long-term illness (ALD) list number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Ald {
    /// Number in the list (`IMB_ALD_NUM`), 1 to 32.
    pub num: u8,
    /// French label.
    pub label: &'static str,
}

/// A nature of service (`PRS_NAT_REF`) of the DCIR.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Nature {
    /// The code.
    pub code: u16,
    /// French label.
    pub label: &'static str,
}

// ---------------------------------------------------------------------------------------------
// Static tables.

static ATC_DATA: &str = include_str!("data/atc.csv");
static ICD10_DATA: &str = include_str!("data/icd10.csv");
static CCAM_DATA: &str = include_str!("data/ccam.csv");
static PACKS_DATA: &str = include_str!("data/packs.csv");

/// The 22 chapters of ICD-10 (CIM-10 FR labels).
static CHAPTERS: [Chapter; 22] = [
    chapter("I", "A00", "B99", "Certaines maladies infectieuses et parasitaires"),
    chapter("II", "C00", "D48", "Tumeurs"),
    chapter(
        "III",
        "D50",
        "D89",
        "Maladies du sang et des organes hématopoïétiques et certains troubles du système immunitaire",
    ),
    chapter("IV", "E00", "E90", "Maladies endocriniennes, nutritionnelles et métaboliques"),
    chapter("V", "F00", "F99", "Troubles mentaux et du comportement"),
    chapter("VI", "G00", "G99", "Maladies du système nerveux"),
    chapter("VII", "H00", "H59", "Maladies de l'œil et de ses annexes"),
    chapter("VIII", "H60", "H95", "Maladies de l'oreille et de l'apophyse mastoïde"),
    chapter("IX", "I00", "I99", "Maladies de l'appareil circulatoire"),
    chapter("X", "J00", "J99", "Maladies de l'appareil respiratoire"),
    chapter("XI", "K00", "K93", "Maladies de l'appareil digestif"),
    chapter("XII", "L00", "L99", "Maladies de la peau et du tissu cellulaire sous-cutané"),
    chapter(
        "XIII",
        "M00",
        "M99",
        "Maladies du système ostéo-articulaire, des muscles et du tissu conjonctif",
    ),
    chapter("XIV", "N00", "N99", "Maladies de l'appareil génito-urinaire"),
    chapter("XV", "O00", "O99", "Grossesse, accouchement et puerpéralité"),
    chapter(
        "XVI",
        "P00",
        "P96",
        "Certaines affections dont l'origine se situe dans la période périnatale",
    ),
    chapter(
        "XVII",
        "Q00",
        "Q99",
        "Malformations congénitales et anomalies chromosomiques",
    ),
    chapter(
        "XVIII",
        "R00",
        "R99",
        "Symptômes, signes et résultats anormaux d'examens cliniques et de laboratoire, non classés ailleurs",
    ),
    chapter(
        "XIX",
        "S00",
        "T98",
        "Lésions traumatiques, empoisonnements et certaines autres conséquences de causes externes",
    ),
    chapter("XX", "V01", "Y98", "Causes externes de morbidité et de mortalité"),
    chapter(
        "XXI",
        "Z00",
        "Z99",
        "Facteurs influant sur l'état de santé et motifs de recours aux services de santé",
    ),
    chapter("XXII", "U00", "U99", "Codes d'utilisation particulière"),
];

const fn chapter(
    roman: &'static str,
    first: &'static str,
    last: &'static str,
    label: &'static str,
) -> Chapter {
    Chapter {
        roman,
        first,
        last,
        label,
    }
}

/// The ALD list (12, severe hypertension, left the list in 2011 but its number stays in
/// historical data; 31 and 32 are the off-list and polypathology ALDs).
static ALDS: [Ald; 32] = [
    Ald { num: 1, label: "Accident vasculaire cérébral invalidant" },
    Ald { num: 2, label: "Insuffisances médullaires et autres cytopénies chroniques" },
    Ald { num: 3, label: "Artériopathies chroniques avec manifestations ischémiques" },
    Ald { num: 4, label: "Bilharziose compliquée" },
    Ald {
        num: 5,
        label: "Insuffisance cardiaque grave, troubles du rythme graves, cardiopathies valvulaires graves, cardiopathies congénitales graves",
    },
    Ald { num: 6, label: "Maladies chroniques actives du foie et cirrhoses" },
    Ald {
        num: 7,
        label: "Déficit immunitaire primitif grave nécessitant un traitement prolongé, déficit immunitaire acquis grave",
    },
    Ald { num: 8, label: "Diabète de type 1 et diabète de type 2" },
    Ald {
        num: 9,
        label: "Formes graves des affections neurologiques et musculaires (dont myopathie), épilepsie grave",
    },
    Ald {
        num: 10,
        label: "Hémoglobinopathies, hémolyses, chroniques constitutionnelles et acquises sévères",
    },
    Ald { num: 11, label: "Hémophilies et affections constitutionnelles de l'hémostase graves" },
    Ald { num: 12, label: "Hypertension artérielle sévère (retirée de la liste en 2011)" },
    Ald { num: 13, label: "Maladie coronaire" },
    Ald { num: 14, label: "Insuffisance respiratoire chronique grave" },
    Ald { num: 15, label: "Maladie d'Alzheimer et autres démences" },
    Ald { num: 16, label: "Maladie de Parkinson" },
    Ald {
        num: 17,
        label: "Maladies métaboliques héréditaires nécessitant un traitement prolongé spécialisé",
    },
    Ald { num: 18, label: "Mucoviscidose" },
    Ald { num: 19, label: "Néphropathie chronique grave et syndrome néphrotique primitif" },
    Ald { num: 20, label: "Paraplégie" },
    Ald {
        num: 21,
        label: "Vascularites, lupus érythémateux systémique, sclérodermie systémique",
    },
    Ald { num: 22, label: "Polyarthrite rhumatoïde évolutive" },
    Ald { num: 23, label: "Affections psychiatriques de longue durée" },
    Ald { num: 24, label: "Rectocolite hémorragique et maladie de Crohn évolutives" },
    Ald { num: 25, label: "Sclérose en plaques" },
    Ald { num: 26, label: "Scoliose idiopathique structurale évolutive" },
    Ald { num: 27, label: "Spondylarthrite grave" },
    Ald { num: 28, label: "Suites de transplantation d'organe" },
    Ald { num: 29, label: "Tuberculose active, lèpre" },
    Ald {
        num: 30,
        label: "Tumeur maligne, affection maligne du tissu lymphatique ou hématopoïétique",
    },
    Ald { num: 31, label: "Affection grave hors liste (ALD 31)" },
    Ald { num: 32, label: "Polypathologie invalidante (ALD 32)" },
];

/// Natures of service emitted by the generator (consultations and visits counted as GP
/// contacts in SNDS practice are 1111, 1112, 1211 and 1212).
static NATURES: [Nature; 5] = [
    Nature {
        code: 1111,
        label: "Consultation au cabinet",
    },
    Nature {
        code: 1112,
        label: "Consultation au cabinet de spécialiste",
    },
    Nature {
        code: 1211,
        label: "Visite au domicile",
    },
    Nature {
        code: 1212,
        label: "Visite au domicile de spécialiste",
    },
    Nature {
        code: 3317,
        label: "Pharmacie : médicaments remboursables",
    },
];

// ---------------------------------------------------------------------------------------------
// Parsed tables.

struct Tables {
    atc: Vec<Entry>,
    icd10: Vec<Entry>,
    ccam: Vec<Entry>,
    /// Packs in file order (by ATC7, then as listed).
    packs: Vec<Pack>,
    /// Indices into `packs`, sorted by CIP13.
    packs_by_cip: Vec<u32>,
    /// Every searchable item with its folded label, in system order then code order.
    index: Vec<Indexed>,
}

struct Indexed {
    system: CodeSystem,
    code: &'static str,
    label: &'static str,
    folded: String,
}

/// Non-empty, non-comment lines of a data file.
fn data_lines(text: &'static str) -> impl Iterator<Item = &'static str> {
    text.lines()
        .map(|l| l.trim_end_matches('\r'))
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
}

/// Entries sorted by code, each with its search keywords (the optional third field: synonyms
/// and abbreviations users type, such as `BPCO` or `angioplastie`, searched but not shown).
fn parse_entries(text: &'static str) -> Vec<(Entry, &'static str)> {
    let mut v: Vec<(Entry, &'static str)> = data_lines(text)
        .filter_map(|l| {
            let (code, rest) = l.split_once(';')?;
            let (label, keywords) = rest.split_once(';').unwrap_or((rest, ""));
            Some((Entry { code, label }, keywords))
        })
        .collect();
    v.sort_by(|a, b| a.0.code.cmp(b.0.code));
    v
}

fn parse_packs(text: &'static str) -> Vec<Pack> {
    data_lines(text)
        .filter_map(|l| {
            let mut f = l.splitn(5, ';');
            let cip13 = f.next()?;
            let atc7 = f.next()?;
            let days = f.next()?.parse().ok()?;
            let generic = match f.next()? {
                "1" => true,
                "0" => false,
                _ => return None,
            };
            let name = f.next()?;
            Some(Pack {
                cip13,
                atc7,
                name,
                days,
                generic,
            })
        })
        .collect()
}

fn tables() -> &'static Tables {
    static TABLES: OnceLock<Tables> = OnceLock::new();
    TABLES.get_or_init(|| {
        let atc = parse_entries(ATC_DATA);
        let icd10 = parse_entries(ICD10_DATA);
        let ccam = parse_entries(CCAM_DATA);
        let packs = parse_packs(PACKS_DATA);
        let mut packs_by_cip: Vec<u32> = (0..packs.len() as u32).collect();
        packs_by_cip.sort_by(|&a, &b| packs[a as usize].cip13.cmp(packs[b as usize].cip13));
        let mut index = Vec::new();
        let mut push = |system, code, label: &'static str, extra: &str| {
            let mut text = String::with_capacity(label.len() + extra.len() + 1);
            text.push_str(label);
            text.push(' ');
            text.push_str(extra);
            index.push(Indexed {
                system,
                code,
                label,
                folded: fold(&text),
            })
        };
        for (e, k) in &atc {
            push(CodeSystem::Atc, e.code, e.label, k);
        }
        for &i in &packs_by_cip {
            let p = &packs[i as usize];
            // A pack is found by its substance too (`metformine` finds GLUCOPHAGE).
            let substance = atc
                .binary_search_by(|(e, _)| e.code.cmp(p.atc7))
                .map_or("", |j| atc[j].0.label);
            push(CodeSystem::Cip13, p.cip13, p.name, substance);
        }
        for (e, k) in &icd10 {
            push(CodeSystem::Icd10, e.code, e.label, k);
        }
        for (e, k) in &ccam {
            push(CodeSystem::Ccam, e.code, e.label, k);
        }
        let entries = |v: Vec<(Entry, &'static str)>| v.into_iter().map(|(e, _)| e).collect();
        let (atc, icd10, ccam) = (entries(atc), entries(icd10), entries(ccam));
        Tables {
            atc,
            icd10,
            ccam,
            packs,
            packs_by_cip,
            index,
        }
    })
}

// ---------------------------------------------------------------------------------------------
// Normalisation.

/// Lower-case and strip French diacritics (`Défaillance` -> `defaillance`, `œ` -> `oe`).
fn fold(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            'à' | 'á' | 'â' | 'ä' | 'ã' | 'À' | 'Á' | 'Â' | 'Ä' | 'Ã' => out.push('a'),
            'é' | 'è' | 'ê' | 'ë' | 'É' | 'È' | 'Ê' | 'Ë' => out.push('e'),
            'î' | 'ï' | 'í' | 'ì' | 'Î' | 'Ï' | 'Í' | 'Ì' => out.push('i'),
            'ô' | 'ö' | 'ó' | 'ò' | 'õ' | 'Ô' | 'Ö' | 'Ó' | 'Ò' | 'Õ' => out.push('o'),
            'ù' | 'û' | 'ü' | 'ú' | 'Ù' | 'Û' | 'Ü' | 'Ú' => out.push('u'),
            'ç' | 'Ç' => out.push('c'),
            'ÿ' | 'Ÿ' => out.push('y'),
            'ñ' | 'Ñ' => out.push('n'),
            'œ' | 'Œ' => out.push_str("oe"),
            'æ' | 'Æ' => out.push_str("ae"),
            'µ' => out.push('u'),
            _ => out.extend(c.to_lowercase()),
        }
    }
    out
}

/// Canonical form of a code: trimmed, upper case, without dots or inner spaces. `None` when
/// something other than ASCII letters and digits remains.
fn norm_code(code: &str) -> Option<String> {
    let c: String = code
        .trim()
        .chars()
        .filter(|&c| c != '.' && c != ' ')
        .map(|c| c.to_ascii_uppercase())
        .collect();
    if c.is_empty() || !c.bytes().all(|b| b.is_ascii_alphanumeric()) {
        None
    } else {
        Some(c)
    }
}

fn find(entries: &'static [Entry], code: &str) -> Option<&'static Entry> {
    let c = norm_code(code)?;
    entries
        .binary_search_by(|e| e.code.cmp(c.as_str()))
        .ok()
        .map(|i| &entries[i])
}

/// Entries whose code starts with `prefix` (a contiguous run of the sorted table).
fn with_prefix<'a>(entries: &'a [Entry], prefix: &str) -> &'a [Entry] {
    let start = entries.partition_point(|e| e.code < prefix);
    let len = entries[start..]
        .iter()
        .take_while(|e| e.code.starts_with(prefix))
        .count();
    &entries[start..start + len]
}

// ---------------------------------------------------------------------------------------------
// Geography.

/// The 101 départements; the index in this slice is [`crate::model::Patient::dept`].
pub fn departements() -> &'static [Departement] {
    &geo::DEPARTEMENTS
}

/// The 18 regions (2016), by increasing INSEE code.
pub fn regions() -> &'static [Region] {
    &geo::REGIONS
}

/// Index of a département in [`departements`]. Accepts the 2-character PMSI form (`75`, `2A`),
/// the 3-character DCIR form `BEN_RES_DPT` (`075`, `02A`, `971`) and lower case (`2a`). `20`
/// (Corsica before 1976) is ambiguous and gives `None`.
pub fn dept_index(code: &str) -> Option<u8> {
    let c = code.trim().to_ascii_uppercase();
    let c = match c.strip_prefix('0') {
        Some(rest) if c.len() == 3 => rest.to_string(),
        _ => c,
    };
    geo::DEPARTEMENTS
        .iter()
        .position(|d| d.code == c)
        .map(|i| i as u8)
}

/// INSEE region code of the département at `dept_index`.
pub fn region_of(dept_index: u8) -> Option<u8> {
    geo::DEPARTEMENTS.get(dept_index as usize).map(|d| d.region)
}

/// The region with INSEE code `code`.
pub fn region(code: u8) -> Option<&'static Region> {
    geo::REGIONS.iter().find(|r| r.code == code)
}

// ---------------------------------------------------------------------------------------------
// Codes.

/// Every ATC code shipped (all levels), sorted by code.
pub fn atc_entries() -> &'static [Entry] {
    &tables().atc
}

/// Every ICD-10 code shipped, sorted by code.
pub fn icd10_entries() -> &'static [Entry] {
    &tables().icd10
}

/// Every CCAM act shipped, sorted by code.
pub fn ccam_entries() -> &'static [Entry] {
    &tables().ccam
}

/// French label of an ATC code of any level (`A10BA02` -> "metformine").
pub fn atc_label(code: &str) -> Option<&'static str> {
    find(atc_entries(), code).map(|e| e.label)
}

/// French label of an ICD-10 code, with or without the dot (`I21`, `E11.9`).
pub fn icd10_label(code: &str) -> Option<&'static str> {
    find(icd10_entries(), code).map(|e| e.label)
}

/// French label of a CCAM act.
pub fn ccam_label(code: &str) -> Option<&'static str> {
    find(ccam_entries(), code).map(|e| e.label)
}

/// ATC level of a well-formed code by its length (1, 3, 4, 5 or 7 characters -> 1 to 5).
pub fn atc_level(code: &str) -> Option<u8> {
    match code.len() {
        1 => Some(1),
        3 => Some(2),
        4 => Some(3),
        5 => Some(4),
        7 => Some(5),
        _ => None,
    }
}

/// Every pack, grouped by ATC7 in ATC order.
pub fn packs() -> &'static [Pack] {
    &tables().packs
}

/// The packs of one ATC level-5 substance, in a fixed order (brands first, then generics as
/// listed). Empty when the substance is not shipped.
pub fn packs_for_atc(atc7: &str) -> Vec<&'static Pack> {
    let Some(c) = norm_code(atc7) else {
        return Vec::new();
    };
    packs().iter().filter(|p| p.atc7 == c).collect()
}

/// The pack with this CIP13.
pub fn pack(cip13: &str) -> Option<&'static Pack> {
    let t = tables();
    let c = cip13.trim();
    t.packs_by_cip
        .binary_search_by(|&i| t.packs[i as usize].cip13.cmp(c))
        .ok()
        .map(|i| &t.packs[t.packs_by_cip[i] as usize])
}

/// Whether `code` is a well-formed CIP13: 13 digits starting with `3400` and a correct EAN-13
/// check digit (weights 1 and 3 from the left). It need not be shipped here.
pub fn cip13_is_valid(code: &str) -> bool {
    let b = code.as_bytes();
    if b.len() != 13 || !code.starts_with("3400") || !b.iter().all(u8::is_ascii_digit) {
        return false;
    }
    let sum: u32 = b[..12]
        .iter()
        .enumerate()
        .map(|(i, d)| u32::from(d - b'0') * if i % 2 == 0 { 1 } else { 3 })
        .sum();
    u32::from(b[12] - b'0') == (10 - sum % 10) % 10
}

/// The 22 ICD-10 chapters, in order.
pub fn icd10_chapters() -> &'static [Chapter] {
    &CHAPTERS
}

/// The ICD-10 chapter of a code (`E11` -> IV, `S720` -> XIX), whether or not the code itself is
/// shipped. `None` unless the code starts with a letter and two digits.
pub fn icd10_chapter(code: &str) -> Option<&'static Chapter> {
    let c = norm_code(code)?;
    let b = c.as_bytes();
    if b.len() < 3 || !b[0].is_ascii_uppercase() || !b[1].is_ascii_digit() || !b[2].is_ascii_digit()
    {
        return None;
    }
    let cat = &c[..3];
    CHAPTERS.iter().find(|ch| ch.first <= cat && cat <= ch.last)
}

/// Label of an ALD list number (1 to 32).
pub fn ald_label(num: u8) -> Option<&'static str> {
    ALDS.iter().find(|a| a.num == num).map(|a| a.label)
}

/// The ALD list, 1 to 32.
pub fn alds() -> &'static [Ald] {
    &ALDS
}

/// Label of a nature of service (`PRS_NAT_REF`) shipped here.
pub fn nature_label(code: u16) -> Option<&'static str> {
    NATURES.iter().find(|n| n.code == code).map(|n| n.label)
}

/// The natures of service shipped, by code.
pub fn natures() -> &'static [Nature] {
    &NATURES
}

/// Whether `code` belongs to the referential of `system`: see the module documentation for the
/// rule (shipped code, ancestor of one, or for ICD-10 a national extension of one).
pub fn contains(system: CodeSystem, code: &str) -> bool {
    let Some(c) = norm_code(code) else {
        return false;
    };
    match system {
        CodeSystem::Cip13 => pack(&c).is_some(),
        CodeSystem::Atc => atc_level(&c).is_some() && !with_prefix(atc_entries(), &c).is_empty(),
        CodeSystem::Ccam => c.len() <= 7 && !with_prefix(ccam_entries(), &c).is_empty(),
        CodeSystem::Icd10 => {
            if !with_prefix(icd10_entries(), &c).is_empty() {
                return true;
            }
            // A national extension: a shipped code of 4 or more characters, extended up to 6.
            c.len() <= 6 && (4..c.len()).any(|n| find(icd10_entries(), &c[..n]).is_some())
        }
    }
}

/// Whether query word `w` starts label word `lw`, a final plural `s` or `x` of `w` aside
/// (`benzodiazepines` finds "benzodiazépine").
fn word_matches(w: &str, lw: &str) -> bool {
    lw.starts_with(w)
        || (w.len() > 3 && (w.ends_with('s') || w.ends_with('x')) && lw == &w[..w.len() - 1])
}

/// Search codes and labels. `system` restricts to one code system (`None`: all, CIP13 packs
/// included). Returns at most `limit` hits ranked as the module documentation describes; the
/// order is deterministic.
pub fn search(system: Option<CodeSystem>, query: &str, limit: usize) -> Vec<Hit> {
    let q = query.trim();
    if q.is_empty() || limit == 0 {
        return Vec::new();
    }
    let code_q = norm_code(q);
    let folded = fold(q);
    let words: Vec<&str> = folded
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    let long_words: Vec<&str> = words.iter().copied().filter(|w| w.len() >= 3).collect();
    let mut hits: Vec<(u8, usize, &'static Indexed)> = Vec::new();
    for (pos, it) in tables().index.iter().enumerate() {
        if system.is_some_and(|s| s != it.system) {
            continue;
        }
        let rank = match &code_q {
            Some(c) if it.code == c.as_str() => 0,
            Some(c) if it.code.starts_with(c.as_str()) => 1,
            _ => {
                let label_words = it
                    .folded
                    .split(|c: char| !c.is_alphanumeric())
                    .filter(|w| !w.is_empty());
                if !words.is_empty()
                    && words
                        .iter()
                        .all(|w| label_words.clone().any(|lw| word_matches(w, lw)))
                {
                    2
                } else if !long_words.is_empty() && long_words.iter().all(|w| it.folded.contains(w))
                {
                    3
                } else {
                    continue;
                }
            }
        };
        // `pos` follows system order then code order, so it breaks ties deterministically.
        hits.push((rank, pos, it));
    }
    hits.sort_by_key(|&(rank, pos, _)| (rank, pos));
    hits.into_iter()
        .take(limit)
        .map(|(_, _, it)| Hit {
            system: it.system,
            code: it.code,
            label: it.label,
        })
        .collect()
}

#[cfg(test)]
mod tests;
