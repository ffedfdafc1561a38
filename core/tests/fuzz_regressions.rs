//! Inputs found by the fuzz targets (`fuzz/`, `FUZZING.md`) or written after their surfaces,
//! each now ending in a typed error (or a result) instead of a panic, an unbounded allocation or
//! a message that reads oddly. Every case calls the core function a face calls on that input.

use cohorte_core::definition::{self, Definition};
use cohorte_core::error::{Problem, Severity};
use cohorte_core::tables::io::read_bytes;
use cohorte_core::tables::Format;
use cohorte_core::{fixture, Error};

fn nested(levels: usize) -> String {
    format!("{}{}", "[".repeat(levels), "]".repeat(levels))
}

fn only_error(problems: &[Problem]) -> &Problem {
    let errors: Vec<&Problem> = problems
        .iter()
        .filter(|p| p.severity == Severity::Error)
        .collect();
    assert_eq!(errors.len(), 1, "{problems:?}");
    errors[0]
}

/// Valid JSON nested deeper than serde_json reads is not "not valid JSON": the message says
/// where the limit of 127 levels is passed (here the 128th `[` of line 1, after `{"x": `).
#[test]
fn a_definition_nested_too_deep_names_the_limit() {
    let text = format!("{{\"x\": {}}}", nested(300));
    let v = definition::validate_json(&text);
    assert!(v.definition.is_none());
    let p = only_error(&v.problems);
    assert_eq!(p.path, "");
    assert_eq!(
        p.message,
        "JSON nested more than 127 levels deep (arrays and objects inside one another) at line 1 \
         column 133: at most 127 levels are read"
    );
    assert!(matches!(
        Definition::from_json(&text),
        Err(Error::Definition(_))
    ));
}

#[test]
fn a_population_nested_too_deep_names_the_limit() {
    let text = format!("{{\"patients\": {}}}", nested(128));
    match fixture::load_population(&text) {
        Err(Error::Format { path, message }) => {
            assert_eq!(path, "population.json: ");
            assert!(message.contains("at most 127 levels are read"), "{message}");
            assert!(message.contains("line 1 column 140"), "{message}");
        }
        other => panic!("expected a format error, got {other:?}"),
    }
}

/// The unknown system is quoted as it was written (it read `the string "SNOMED"`).
#[test]
fn an_unknown_code_system_is_quoted() {
    let text = r#"{"version": 2, "name": "x",
        "concept_sets": [{"name": "s", "system": "SNOMED", "codes": ["123"]}],
        "entry": {"events": [{"event": "diagnosis", "concept_set": "s"}]}}"#;
    let v = definition::validate_json(text);
    let p = v
        .problems
        .iter()
        .find(|p| p.path == "concept_sets[0].system")
        .expect("a problem on the system");
    assert_eq!(
        p.message,
        "unknown code system \"SNOMED\"; expected one of ATC, CIP13, ICD10, CCAM"
    );
}

/// A fuzz input of the table targets: the file's name, a line break, its bytes.
fn named(input: &[u8]) -> (&str, &[u8]) {
    let end = input.iter().position(|b| *b == b'\n').expect("a name line");
    (
        std::str::from_utf8(&input[..end]).expect("a UTF-8 name"),
        &input[end + 1..],
    )
}

/// A Parquet file whose column chunk announces a negative offset: the parquet crate asserts on
/// it while reading (a panic, which aborts the wasm worker); the reader checks it first.
#[test]
fn a_parquet_column_chunk_at_a_negative_offset_is_a_format_error() {
    let input = include_bytes!("fuzz_inputs/parquet_negative_column_offset.bin");
    let (name, bytes) = named(input);
    assert_eq!(name, "T_MCO20B.parquet");
    match read_bytes("T_MCO20B", Format::Parquet, bytes, name) {
        Err(Error::Format { path, message }) => {
            assert_eq!(path, "T_MCO20B.parquet");
            assert!(
                message.starts_with("not a readable Parquet file: column "),
                "{message}"
            );
            assert!(message.contains("outside the file's"), "{message}");
        }
        other => panic!("expected a format error, got {other:?}"),
    }
}
