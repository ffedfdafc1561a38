//! The example library: documented definitions under `core/definitions/`, embedded at build time
//! so every face (Python, the explorer) offers the same ones.

/// The example definitions as `(file stem, JSON document)`, in a fixed order. Each document has a
/// `description` written for a student.
pub fn examples() -> Vec<(&'static str, &'static str)> {
    vec![
        (
            "incident_metformin",
            include_str!("../../definitions/incident_metformin.json"),
        ),
        (
            "t2d_insulin_start",
            include_str!("../../definitions/t2d_insulin_start.json"),
        ),
        (
            "mi_secondary_prevention",
            include_str!("../../definitions/mi_secondary_prevention.json"),
        ),
        (
            "af_anticoagulant",
            include_str!("../../definitions/af_anticoagulant.json"),
        ),
        (
            "copd_exacerbation_stays",
            include_str!("../../definitions/copd_exacerbation_stays.json"),
        ),
        (
            "hip_fracture_benzodiazepines",
            include_str!("../../definitions/hip_fracture_benzodiazepines.json"),
        ),
        (
            "heart_failure_after_mi",
            include_str!("../../definitions/heart_failure_after_mi.json"),
        ),
    ]
}
