//! The few referential look-ups the aggregates and open-data exports need, in one place:
//! département code and region of a patient, ICD-10 chapter of a code, ATC and pack labels.

use crate::referential;

/// Code of the département at `index` in the referential (`None` when unknown).
pub(crate) fn dept_code(index: u8) -> Option<String> {
    referential::departements()
        .get(index as usize)
        .map(|d| d.code.to_string())
}

/// 2016 INSEE region of the département at `index` (`None` when unknown).
pub(crate) fn region_of_dept(index: u8) -> Option<u8> {
    referential::region_of(index)
}

/// Label of an ATC code at any level.
pub(crate) fn atc_label(code: &str) -> Option<String> {
    referential::atc_label(code).map(str::to_string)
}

/// ICD-10 chapter `(roman, label)` of a code such as `I214`.
pub(crate) fn icd10_chapter(code: &str) -> Option<(String, String)> {
    referential::icd10_chapter(code).map(|c| (c.roman.to_string(), c.label.to_string()))
}

/// Label of an ICD-10 chapter given by its roman numeral.
pub(crate) fn chapter_label(roman: &str) -> Option<String> {
    referential::icd10_chapters()
        .iter()
        .find(|c| c.roman == roman)
        .map(|c| c.label.to_string())
}

/// Number of an ICD-10 chapter (1-based) given by its roman numeral, for ordering.
pub(crate) fn chapter_number(roman: &str) -> usize {
    referential::icd10_chapters()
        .iter()
        .position(|c| c.roman == roman)
        .map_or(usize::MAX, |i| i + 1)
}

/// Name of a drug pack (CIP13).
pub(crate) fn pack_name(cip13: &str) -> Option<String> {
    referential::pack(cip13).map(|p| p.name.to_string())
}

/// Whether a drug pack (CIP13) is a generic.
pub(crate) fn pack_generic(cip13: &str) -> Option<bool> {
    referential::pack(cip13).map(|p| p.generic)
}
