//! The chronic conditions of the synthetic population: age- and sex-specific prevalence (the
//! share of people living with the condition on the first day of the data), the incidence derived
//! from it, risk factors between conditions and excess mortality.
//!
//! Prevalence curves follow the Assurance Maladie « Data pathologies » 2022 cartography (people
//! identified by the Cnam algorithms: ALD, hospital diagnoses, specific drugs) and Santé publique
//! France figures where the cartography has no category (COPD, asthma). Nodes are
//! `(age, men, women)`, linearly interpolated between nodes and flat outside them.

use super::demography::YEAR;

/// A chronic condition (or risk exposure) followed by the generator.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(usize)]
pub(crate) enum Cond {
    /// Treated hypertension.
    Htn,
    /// Type 2 diabetes.
    Diab,
    /// Long-term benzodiazepine (or Z-drug) use: a risk factor for falls and hip fracture.
    Bzd,
    /// Osteoporosis.
    Ost,
    /// Chronic obstructive pulmonary disease.
    Copd,
    /// Asthma.
    Asthma,
    /// Depression (an episode under care).
    Dep,
    /// Breast cancer (active or under surveillance).
    Breast,
    /// Atrial fibrillation.
    Af,
    /// Ischaemic heart disease (chronic coronary disease, angina, myocardial infarction).
    Ihd,
    /// Heart failure.
    Hf,
    /// Ischaemic stroke (acute or sequelae).
    Stroke,
    /// Dementia, Alzheimer's disease included.
    Dementia,
}

/// Number of conditions.
pub(crate) const NC: usize = 13;

/// Every condition, in generation order (risk factors before the conditions they raise).
pub(crate) const ALL: [Cond; NC] = [
    Cond::Htn,
    Cond::Diab,
    Cond::Bzd,
    Cond::Ost,
    Cond::Copd,
    Cond::Asthma,
    Cond::Dep,
    Cond::Breast,
    Cond::Af,
    Cond::Ihd,
    Cond::Hf,
    Cond::Stroke,
    Cond::Dementia,
];

/// Oldest age of the tables (ages above are read as this one).
pub(crate) const MAX_AGE: usize = 110;

/// Description of one condition.
pub(crate) struct Spec {
    /// Prevalence nodes `(age, men, women)`.
    pub curve: &'static [(f64, f64, f64)],
    /// Yearly share of cases leaving the prevalent pool (excess deaths, remission), added to
    /// the incidence so that prevalence by age stays on its curve.
    pub turnover: f64,
    /// Youngest age at onset.
    pub min_age: f64,
    /// Longest duration (years) of a prevalent case on the first day of the data.
    pub max_duration: f64,
    /// Hazard ratio of death for people with the condition.
    pub death_ratio: f64,
    /// Risk factors: (condition, relative risk of onset when present).
    pub risks: &'static [(Cond, f64)],
}

const NO_RISK: &[(Cond, f64)] = &[];

/// Specifications, indexed by [`Cond`].
pub(crate) const SPECS: [Spec; NC] = [
    // Hypertension: ~11 M people treated (Santé publique France, Esteban), 17 % of the
    // population; half of those aged 70+.
    Spec {
        curve: &[
            (20.0, 0.0017, 0.0017),
            (30.0, 0.01275, 0.0085),
            (40.0, 0.0425, 0.02975),
            (50.0, 0.1275, 0.0935),
            (60.0, 0.272, 0.221),
            (70.0, 0.425, 0.3825),
            (80.0, 0.527, 0.527),
            (90.0, 0.527, 0.5525),
        ],
        turnover: 0.01,
        min_age: 18.0,
        max_duration: 30.0,
        death_ratio: 1.1,
        risks: NO_RISK,
    },
    // Type 2 diabetes: 4.1 M people, 6.0 % (Cnam, Data pathologies 2022), men 7.1 %, women 5.1 %.
    Spec {
        curve: &[
            (0.0, 0.0, 0.0),
            (20.0, 0.002, 0.003),
            (30.0, 0.006, 0.008),
            (40.0, 0.020, 0.018),
            (50.0, 0.060, 0.040),
            (60.0, 0.120, 0.080),
            (70.0, 0.190, 0.130),
            (80.0, 0.200, 0.150),
            (90.0, 0.150, 0.120),
        ],
        turnover: 0.02,
        min_age: 18.0,
        max_duration: 25.0,
        death_ratio: 1.3,
        risks: &[(Cond::Htn, 1.6)],
    },
    // Long-term benzodiazepine use: ~ 13 % of people aged 65+ (ANSM 2017 report).
    Spec {
        curve: &[
            (15.0, 0.0, 0.0),
            (20.0, 0.010, 0.015),
            (40.0, 0.030, 0.050),
            (60.0, 0.060, 0.100),
            (80.0, 0.100, 0.170),
            (95.0, 0.110, 0.180),
        ],
        turnover: 0.15,
        min_age: 16.0,
        max_duration: 10.0,
        death_ratio: 1.1,
        risks: NO_RISK,
    },
    // Treated osteoporosis: mostly women after menopause.
    Spec {
        curve: &[
            (45.0, 0.0, 0.0),
            (55.0, 0.002, 0.015),
            (65.0, 0.005, 0.045),
            (75.0, 0.012, 0.080),
            (85.0, 0.020, 0.100),
        ],
        turnover: 0.05,
        min_age: 45.0,
        max_duration: 10.0,
        death_ratio: 1.0,
        risks: NO_RISK,
    },
    // COPD (diagnosed): 3.5 M people affected but two thirds undiagnosed (Santé publique
    // France); ~2 % of the population identified in claims.
    Spec {
        curve: &[
            (35.0, 0.0, 0.0),
            (45.0, 0.008, 0.006),
            (55.0, 0.030, 0.018),
            (65.0, 0.060, 0.032),
            (75.0, 0.085, 0.040),
            (85.0, 0.085, 0.038),
        ],
        turnover: 0.05,
        min_age: 35.0,
        max_duration: 20.0,
        death_ratio: 1.8,
        risks: NO_RISK,
    },
    // Asthma (treated): ~4 M asthmatics, 6 % (Santé publique France); treated ~4.5 %.
    Spec {
        curve: &[
            (0.0, 0.0, 0.0),
            (3.0, 0.050, 0.030),
            (10.0, 0.080, 0.055),
            (20.0, 0.045, 0.055),
            (40.0, 0.035, 0.050),
            (70.0, 0.035, 0.045),
            (90.0, 0.030, 0.035),
        ],
        turnover: 0.04,
        min_age: 1.0,
        max_duration: 30.0,
        death_ratio: 1.0,
        risks: NO_RISK,
    },
    // Depression under care: ~2.5 M people (Cnam, « troubles dépressifs » and antidepressant
    // treatments), twice as frequent in women.
    Spec {
        curve: &[
            (12.0, 0.0, 0.0),
            (18.0, 0.010, 0.025),
            (30.0, 0.025, 0.050),
            (45.0, 0.030, 0.060),
            (60.0, 0.028, 0.055),
            (80.0, 0.035, 0.065),
            (95.0, 0.040, 0.070),
        ],
        turnover: 0.45,
        min_age: 12.0,
        max_duration: 1.5,
        death_ratio: 1.2,
        risks: NO_RISK,
    },
    // Breast cancer, active or under surveillance: ~ 750 000 women (Cnam, Data pathologies
    // 2022), 2.1 % of women; about 1 % of cases are men.
    Spec {
        curve: &[
            (25.0, 0.0, 0.0),
            (40.0, 0.00004, 0.004),
            (50.0, 0.00015, 0.016),
            (60.0, 0.00030, 0.036),
            (70.0, 0.00050, 0.052),
            (80.0, 0.00050, 0.052),
            (90.0, 0.00040, 0.042),
        ],
        turnover: 0.07,
        min_age: 25.0,
        max_duration: 10.0,
        death_ratio: 1.5,
        risks: NO_RISK,
    },
    // Atrial fibrillation: ~ 1.3 M people (HAS), 10 % of people aged 80+.
    Spec {
        curve: &[
            (30.0, 0.0, 0.0),
            (40.0, 0.0017, 0.00085),
            (50.0, 0.0051, 0.00255),
            (60.0, 0.017, 0.0085),
            (70.0, 0.04675, 0.0272),
            (80.0, 0.0935, 0.07225),
            (90.0, 0.1275, 0.10625),
        ],
        turnover: 0.06,
        min_age: 30.0,
        max_duration: 15.0,
        death_ratio: 1.5,
        risks: &[(Cond::Htn, 1.5)],
    },
    // Ischaemic heart disease: ~ 1.9 M people, 2.7 % (Cnam, « maladie coronaire » 2022).
    Spec {
        curve: &[
            (30.0, 0.0, 0.0),
            (40.0, 0.004, 0.0008),
            (50.0, 0.02, 0.0048),
            (60.0, 0.052, 0.0144),
            (70.0, 0.096, 0.032),
            (80.0, 0.136, 0.06),
            (90.0, 0.136, 0.072),
        ],
        turnover: 0.04,
        min_age: 30.0,
        max_duration: 20.0,
        death_ratio: 1.4,
        risks: &[(Cond::Diab, 2.0), (Cond::Htn, 1.7)],
    },
    // Heart failure: ~ 750 000 people, 1.1 % (Cnam, « insuffisance cardiaque » 2022).
    Spec {
        curve: &[
            (35.0, 0.0, 0.0),
            (45.0, 0.001, 0.0005),
            (55.0, 0.004, 0.002),
            (65.0, 0.011, 0.005),
            (75.0, 0.032, 0.016),
            (85.0, 0.080, 0.055),
            (95.0, 0.140, 0.110),
        ],
        turnover: 0.12,
        min_age: 35.0,
        max_duration: 10.0,
        death_ratio: 2.5,
        risks: &[
            (Cond::Ihd, 3.0),
            (Cond::Htn, 1.5),
            (Cond::Af, 2.0),
            (Cond::Diab, 1.5),
        ],
    },
    // Ischaemic stroke, acute or sequelae: ~ 800 000 people, 1.2 % (Cnam, « accident vasculaire
    // cérébral » 2022, ischaemic share ~ 80 %).
    Spec {
        curve: &[
            (25.0, 0.0, 0.0),
            (40.0, 0.0015, 0.001),
            (50.0, 0.005, 0.003),
            (60.0, 0.012, 0.007),
            (70.0, 0.027, 0.017),
            (80.0, 0.055, 0.045),
            (90.0, 0.085, 0.080),
        ],
        turnover: 0.03,
        min_age: 25.0,
        max_duration: 15.0,
        death_ratio: 1.8,
        risks: &[(Cond::Af, 2.5), (Cond::Htn, 2.0), (Cond::Diab, 1.5)],
    },
    // Dementia: ~ 620 000 people, 0.9 % (Cnam, « démences » 2022).
    Spec {
        curve: &[
            (55.0, 0.0, 0.0),
            (65.0, 0.0028, 0.0028),
            (70.0, 0.007, 0.0084),
            (75.0, 0.0154, 0.0196),
            (80.0, 0.0315, 0.042),
            (85.0, 0.0595, 0.0805),
            (90.0, 0.098, 0.133),
            (95.0, 0.133, 0.182),
        ],
        turnover: 0.18,
        min_age: 55.0,
        max_duration: 8.0,
        death_ratio: 2.5,
        risks: &[(Cond::Stroke, 2.0), (Cond::Diab, 1.4)],
    },
];

/// Hip fracture incidence per year, nodes `(age, men, women)`: ~ 80 000 hip fractures a year,
/// three quarters in women, mean age 83 (ATIH, PMSI MCO; Santé publique France).
pub(crate) const HIP_FRACTURE: &[(f64, f64, f64)] = &[
    (40.0, 0.00002, 0.00002),
    (50.0, 0.0001, 0.0001),
    (60.0, 0.0003, 0.0004),
    (70.0, 0.0008, 0.0015),
    (75.0, 0.0015, 0.0030),
    (80.0, 0.0030, 0.0065),
    (85.0, 0.0070, 0.0140),
    (90.0, 0.0130, 0.0250),
    (95.0, 0.0200, 0.0350),
];

/// Risk factors of hip fracture: osteoporosis, benzodiazepines, dementia, stroke sequelae.
pub(crate) const HIP_RISKS: &[(Cond, f64)] = &[
    (Cond::Ost, 2.0),
    (Cond::Bzd, 1.5),
    (Cond::Dementia, 1.8),
    (Cond::Stroke, 1.5),
];

/// Value of a node curve at an age (linear between nodes, flat outside).
pub(crate) fn curve_at(curve: &[(f64, f64, f64)], age: f64, female: bool) -> f64 {
    let v = |n: &(f64, f64, f64)| if female { n.2 } else { n.1 };
    let first = &curve[0];
    if age <= first.0 {
        return v(first);
    }
    for w in curve.windows(2) {
        if age <= w[1].0 {
            let t = (age - w[0].0) / (w[1].0 - w[0].0);
            return v(&w[0]) + t * (v(&w[1]) - v(&w[0]));
        }
    }
    v(&curve[curve.len() - 1])
}

/// Per-age tables computed once per population: prevalence, incidence and the normalisers that
/// keep marginal rates on their curves when risk factors multiply individual risks.
pub(crate) struct Tables {
    /// `prev[c][sex][age]`: prevalence (sex 0 men, 1 women).
    pub prev: Vec<[[f64; MAX_AGE + 1]; 2]>,
    /// `inc[c][sex][age]`: yearly incidence among people without the condition.
    pub inc: Vec<[[f64; MAX_AGE + 1]; 2]>,
    /// `norm[c][sex][age]`: expected product of relative risks at that age.
    pub norm: Vec<[[f64; MAX_AGE + 1]; 2]>,
    /// Hip fracture yearly incidence.
    pub hip: [[f64; MAX_AGE + 1]; 2],
    /// Expected product of hip fracture relative risks.
    pub hip_norm: [[f64; MAX_AGE + 1]; 2],
    /// Expected product of death hazard ratios.
    pub death_norm: [[f64; MAX_AGE + 1]; 2],
}

fn risk_norm(prev: &[[[f64; MAX_AGE + 1]; 2]], risks: &[(Cond, f64)], s: usize, a: usize) -> f64 {
    let mut n = 1.0;
    for (r, rr) in risks {
        n *= 1.0 + (rr - 1.0) * prev[*r as usize][s][a];
    }
    n
}

impl Tables {
    // The loops index several parallel tables by (condition, sex, age) at once.
    #[allow(clippy::needless_range_loop)]
    pub(crate) fn new() -> Self {
        let zero = [[0.0; MAX_AGE + 1]; 2];
        let mut prev = vec![zero; NC];
        let mut inc = vec![zero; NC];
        let mut norm = vec![zero; NC];
        let mut hip = zero;
        let mut hip_norm = zero;
        let mut death_norm = zero;
        for c in ALL {
            let spec = &SPECS[c as usize];
            for s in 0..2 {
                for a in 0..=MAX_AGE {
                    // Prevalence at the middle of the year of age.
                    prev[c as usize][s][a] = curve_at(spec.curve, a as f64 + 0.5, s == 1);
                }
                for a in 0..=MAX_AGE {
                    let p = prev[c as usize][s][a];
                    let next = prev[c as usize][s][(a + 1).min(MAX_AGE)];
                    let rise = if next > p {
                        (next - p) / (1.0 - p)
                    } else {
                        0.0
                    };
                    inc[c as usize][s][a] = rise + spec.turnover * p / (1.0 - p);
                }
            }
        }
        for c in ALL {
            for s in 0..2 {
                for a in 0..=MAX_AGE {
                    norm[c as usize][s][a] = risk_norm(&prev, SPECS[c as usize].risks, s, a);
                }
            }
        }
        for s in 0..2 {
            for a in 0..=MAX_AGE {
                hip[s][a] = curve_at(HIP_FRACTURE, a as f64 + 0.5, s == 1);
                hip_norm[s][a] = risk_norm(&prev, HIP_RISKS, s, a);
                let mut d = 1.0;
                for c in ALL {
                    d *= 1.0 + (SPECS[c as usize].death_ratio - 1.0) * prev[c as usize][s][a];
                }
                death_norm[s][a] = d;
            }
        }
        Tables {
            prev,
            inc,
            norm,
            hip,
            hip_norm,
            death_norm,
        }
    }
}

/// Integer age index into the tables.
#[inline]
pub(crate) fn age_index(age: f64) -> usize {
    if age <= 0.0 {
        0
    } else {
        (age as usize).min(MAX_AGE)
    }
}

/// Days in `years` years (rounded down).
#[inline]
pub(crate) fn years_to_days(years: f64) -> i32 {
    (years * YEAR).min(200.0 * YEAR) as i32
}
