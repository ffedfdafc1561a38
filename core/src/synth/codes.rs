//! The codes the generator emits, interned once per population.
//!
//! Each code list is an enum whose discriminant is the code's id in the population's dictionary:
//! the dictionaries are built up front from these lists, in this order, so events are pushed with
//! integer ids and no string is allocated per event. Drugs are named by ATC7; each ATC7 is
//! resolved to its packs (CIP13) in the referential, split into monthly (28/30 days) and
//! quarterly (84/90 days) boxes.

use crate::model::Dictionaries;

macro_rules! code_list {
    ($(#[$m:meta])* $enum:ident, $list:ident, [$($name:ident),* $(,)?]) => {
        $(#[$m])*
        #[allow(non_camel_case_types, clippy::upper_case_acronyms, dead_code)]
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        #[repr(u32)]
        pub(crate) enum $enum { $($name),* }
        /// The codes, in id order.
        pub(crate) const $list: &[&str] = &[$(stringify!($name)),*];
        #[allow(dead_code)]
        impl $enum {
            /// Id in the population's dictionary.
            #[inline]
            pub(crate) fn id(self) -> u32 {
                self as u32
            }
        }
    };
}

code_list!(
    /// ICD-10 codes (without the dot, as in SNDS tables).
    Icd,
    ICD_CODES,
    [
        // Diabetes: without complication, other specified, renal, ophthalmic.
        E119, E118, E112, E113,
        // Hypertension.
        I10,
        // Ischaemic heart disease: angina, acute MI (anterior, inferior, NSTEMI, unspecified),
        // chronic.
        I200, I209, I210, I211, I214, I219, I251, I255,
        // Heart failure.
        I500, I501, I509,
        // Atrial fibrillation: paroxysmal, persistent, unspecified.
        I480, I481, I489,
        // Ischaemic stroke and its sequelae.
        I633, I634, I635, I639, I693,
        // COPD: with acute lower respiratory infection, with exacerbation, unspecified.
        J440, J441, J449,
        // Asthma.
        J450, J451, J459,
        // Depression: single episode (mild, moderate, severe), recurrent.
        F320, F321, F322, F329, F331, F332,
        // Breast cancer.
        C504, C508, C509,
        // Dementia: vascular, unspecified, Alzheimer.
        F019, F03, G309,
        // Osteoporosis, hip fracture (neck, pertrochanteric, subtrochanteric).
        M8109, S720, S721, S722,
        // Comorbidities and background stays.
        E785, E669, N189, Z511, J189, N390, K802, H251, R074, Z380, O800, K359,
    ]
);

code_list!(
    /// CCAM acts.
    Ccam,
    CCAM_CODES,
    [
        // Coronary angiography; coronary angioplasty with stent (1 and 2 vessels).
        DDQH009, DDAF006, DDAF008,
        // Transthoracic echocardiography; 12-lead ECG; Holter ECG.
        DZQM006, DEQP003, DEQP005,
        // Brain CT, brain MRI, mechanical thrombectomy.
        ACQK001, ACQN001, EBJF001,
        // Bilateral mammography; partial and total mastectomy.
        QEQK004, QEFA003, QEFA020,
        // Hip arthroplasty; femoral osteosynthesis.
        NEKA020, NBCA006,
        // Spirometry; retinography; chest X-ray.
        GLQP012, BGQP002, ZBQK002,
        // Cataract surgery; cholecystectomy.
        BFGA004, HMFC004,
    ]
);

code_list!(
    /// Natures of service (`PRS_NAT_REF`) of city-care visits.
    Nature,
    NATURE_CODES,
    [
        // GP consultation (C, G), specialist consultation (CS), home visit (V).
        N1111, N1112, N1211,
    ]
);

code_list!(
    /// ATC7 substances the generator dispenses.
    Atc,
    ATC_CODES,
    [
        // Diabetes: metformin, sitagliptin, dapagliflozin, empagliflozin, liraglutide,
        // semaglutide, gliclazide, insulin glargine.
        A10BA02, A10BH01, A10BK01, A10BK03, A10BJ02, A10BJ06, A10BB09, A10AE04,
        // Hypertension: ramipril, perindopril, losartan, valsartan, amlodipine,
        // hydrochlorothiazide.
        C09AA05, C09AA04, C09CA01, C09CA03, C08CA01, C03AA03,
        // Beta-blockers: bisoprolol, metoprolol.
        C07AB07, C07AB02,
        // Statins: atorvastatin, simvastatin, rosuvastatin.
        C10AA05, C10AA01, C10AA07,
        // Antiplatelets: aspirin, clopidogrel, ticagrelor.
        B01AC06, B01AC04, B01AC24,
        // Heart failure: furosemide, spironolactone, sacubitril/valsartan.
        C03CA01, C03DA01, C09DX04,
        // Anticoagulants: rivaroxaban, apixaban, warfarin, fluindione, enoxaparin; amiodarone.
        B01AF01, B01AF02, B01AA03, B01AA12, B01AB05, C01BD01,
        // Airways: salbutamol, budesonide, salmeterol/fluticasone, formoterol/budesonide,
        // tiotropium, umeclidinium/vilanterol, montelukast.
        R03AC02, R03BA02, R03AK06, R03AK07, R03BB04, R03AL03, R03DC03,
        // Antidepressants: escitalopram, sertraline, paroxetine, mirtazapine, venlafaxine.
        N06AB10, N06AB06, N06AB05, N06AX11, N06AX16,
        // Breast cancer hormone therapy: letrozole, anastrozole, tamoxifen.
        L02BG04, L02BG03, L02BA01,
        // Anti-dementia: donepezil.
        N06DA02,
        // Osteoporosis: alendronate, risedronate, colecalciferol.
        M05BA04, M05BA07, A11CC05,
        // Benzodiazepines and related: alprazolam, oxazepam, zolpidem.
        N05BA12, N05BA04, N05CF02,
        // Acute care: paracetamol, amoxicillin, amoxicillin/clavulanate, ibuprofen, omeprazole,
        // pantoprazole, esomeprazole, prednisolone.
        N02BE01, J01CA04, J01CR02, M01AE01, A02BC01, A02BC02, A02BC05, H02AB06,
        // Acute care: azithromycin, fosfomycin (cystitis), cefpodoxime, ciprofloxacin,
        // cetirizine, desloratadine (allergy), carbocisteine, acetylcysteine, dextromethorphan
        // (cough), ketoprofen, diclofenac, prednisone, tramadol with paracetamol, diazepam,
        // bromazepam, zopiclone.
        J01FA10, J01XX01, J01DD13, J01MA02, R06AE07, R06AX27, R05CB03, R05CB01, R05DA09,
        M01AE03, M01AB05, H02AB07, N02AJ13, N05BA01, N05BA08, N05CF01,
        // Long-term treatments outside the modelled conditions: levothyroxine, allopurinol,
        // tramadol, indapamide (third line of hypertension).
        H03AA01, M04AA01, N02AX02, C03BA11,
    ]
);

/// Number of ATC7 substances.
pub(crate) const N_ATC: usize = ATC_CODES.len();

/// Packs of one substance, as drug ids, with the days each box covers.
#[derive(Clone, Debug, Default)]
pub(crate) struct Packs {
    /// Boxes for a month of treatment (28 to 31 days).
    pub monthly: Vec<(u32, u16)>,
    /// Boxes for three months (84 days or more).
    pub quarterly: Vec<(u32, u16)>,
    /// Every box smaller than a quarter (acute care dispenses any of them).
    pub small: Vec<(u32, u16)>,
}

/// The dictionaries of a synthetic population and the pack table.
pub(crate) struct Catalogue {
    pub dicts: Dictionaries,
    pub packs: Vec<Packs>,
}

impl Catalogue {
    /// Build the dictionaries in a fixed order: ICD-10, CCAM and natures in list order (ids =
    /// enum discriminants), drug packs by substance in list order then as the referential lists
    /// them.
    pub(crate) fn new() -> Self {
        let mut dicts = Dictionaries::default();
        for c in ICD_CODES {
            dicts.icd10.intern(c);
        }
        for c in CCAM_CODES {
            dicts.ccam.intern(c);
        }
        for c in NATURE_CODES {
            dicts.nature.intern(&c[1..]);
        }
        let mut packs = Vec::with_capacity(N_ATC);
        for atc in ATC_CODES {
            let mut p = Packs::default();
            for pack in crate::referential::packs_for_atc(atc) {
                let id = dicts.intern_drug(pack.cip13, pack.atc7);
                let days = pack.days.max(1);
                if days >= 84 {
                    p.quarterly.push((id, days));
                } else {
                    p.small.push((id, days));
                    if days >= 28 {
                        p.monthly.push((id, days));
                    }
                }
            }
            // A substance without monthly boxes is refilled with what it has.
            if p.monthly.is_empty() {
                p.monthly = if p.small.is_empty() {
                    p.quarterly.clone()
                } else {
                    p.small.clone()
                };
            }
            if p.small.is_empty() {
                p.small = p.monthly.clone();
            }
            packs.push(p);
        }
        Catalogue { dicts, packs }
    }
}

/// Substances reimbursed in France only from some date, with the substance of the same class
/// prescribed before it (HAS transparency opinions and Journal officiel listings): a course
/// starting earlier uses the older substance, so histories of any span stay anachronism-free.
const AVAILABLE_FROM: &[(Atc, (i32, u32, u32), Atc)] = &[
    (Atc::A10BH01, (2008, 1, 1), Atc::A10BB09),
    (Atc::A10BJ02, (2010, 5, 1), Atc::A10BB09),
    (Atc::A10BJ06, (2019, 4, 1), Atc::A10BJ02),
    (Atc::A10BK01, (2020, 4, 1), Atc::A10BH01),
    (Atc::A10BK03, (2020, 10, 1), Atc::A10BH01),
    (Atc::B01AF01, (2012, 12, 1), Atc::B01AA12),
    (Atc::B01AF02, (2013, 1, 1), Atc::B01AA12),
    (Atc::B01AC24, (2011, 7, 1), Atc::B01AC04),
    (Atc::C09DX04, (2016, 10, 1), Atc::C09AA05),
    (Atc::R03AL03, (2015, 1, 1), Atc::R03BB04),
    (Atc::N06AB10, (2005, 1, 1), Atc::N06AB05),
];

/// First day each substance can be dispensed (`Day::MIN` when always) and its stand-in before.
pub(crate) struct Availability {
    since: [crate::dates::Day; N_ATC],
    before: [Atc; N_ATC],
}

impl Availability {
    pub(crate) fn new() -> Self {
        let mut since = [crate::dates::Day::MIN; N_ATC];
        let mut before = [Atc::A10BA02; N_ATC];
        for (atc, (y, m, d), old) in AVAILABLE_FROM {
            since[*atc as usize] = crate::dates::from_ymd(*y, *m, *d);
            before[*atc as usize] = *old;
        }
        Availability { since, before }
    }

    /// The substance actually prescribed on `day` for `atc`: itself once available, else its
    /// stand-in (followed until one is available).
    pub(crate) fn on(&self, mut atc: Atc, day: crate::dates::Day) -> Atc {
        while day < self.since[atc as usize] {
            atc = self.before[atc as usize];
        }
        atc
    }
}
