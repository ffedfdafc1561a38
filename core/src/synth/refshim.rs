//! Temporary stand-in for the referential while it is written (same signatures).
#![allow(dead_code)]

pub(crate) struct Departement {
    pub code: &'static str,
    pub population: u32,
}
pub(crate) struct Pack {
    pub cip13: &'static str,
    pub atc7: &'static str,
    pub days: u16,
}
static DEPTS: [Departement; 3] = [
    Departement {
        code: "75",
        population: 2_100_000,
    },
    Departement {
        code: "59",
        population: 2_600_000,
    },
    Departement {
        code: "13",
        population: 2_000_000,
    },
];
pub(crate) fn departements() -> &'static [Departement] {
    &DEPTS
}
pub(crate) fn packs_for_atc(atc: &str) -> Vec<&'static Pack> {
    let a: &'static str = Box::leak(atc.to_string().into_boxed_str());
    let m: &'static str = Box::leak(
        format!(
            "3400{:09}",
            a.len() * 7 + a.bytes().map(|b| b as usize).sum::<usize>()
        )
        .into_boxed_str(),
    );
    let q: &'static str = Box::leak(
        format!(
            "3400{:09}",
            500_000 + a.bytes().map(|b| b as usize * 31).sum::<usize>()
        )
        .into_boxed_str(),
    );
    vec![
        Box::leak(Box::new(Pack {
            cip13: m,
            atc7: a,
            days: 30,
        })),
        Box::leak(Box::new(Pack {
            cip13: q,
            atc7: a,
            days: 90,
        })),
    ]
}
