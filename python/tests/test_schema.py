"""The committed JSON Schema of cohort definitions (core/schema/cohort-definition.schema.json)
agrees with the loader: every example definition and every valid fixture definition validates
against it, and it accepts the same spellings of code systems, sexes and diagnosis roles as
the loader."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema  # type: ignore[import-untyped]
import pytest

import cohorte

from .conftest import FIXTURES, REPO

SCHEMA_PATH = REPO / "core" / "schema" / "cohort-definition.schema.json"
EXAMPLES = sorted((REPO / "core" / "definitions").glob("*.json"))
VALID_FIXTURES = sorted(
    p / "definition.json"
    for p in (FIXTURES / "cohorts").glob("*")
    if (p / "expected.json").is_file() and "rows" in json.loads((p / "expected.json").read_text())
)


def _schema() -> dict[str, Any]:
    schema: dict[str, Any] = json.loads(SCHEMA_PATH.read_text())
    return schema


def _validator() -> Any:
    schema = _schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def _schema_errors(document: Any) -> list[str]:
    return [
        f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
        for e in _validator().iter_errors(document)
    ]


def test_there_are_documents_to_check() -> None:
    assert len(EXAMPLES) >= 6
    assert len(VALID_FIXTURES) >= 8


@pytest.mark.parametrize(
    "path", EXAMPLES + VALID_FIXTURES, ids=lambda p: p.parent.name + "/" + p.name
)
def test_definition_validates_against_the_committed_schema(path: Path) -> None:
    document = json.loads(path.read_text())
    assert _schema_errors(document) == []
    # And the loader accepts it too.
    assert [p for p in cohorte.definition.validate(document) if p["severity"] == "error"] == []


def _with_system(system: Any) -> dict[str, Any]:
    return {
        "version": 2,
        "name": "system spelling",
        "concept_sets": [{"name": "mi", "system": system, "codes": ["I21"]}],
        "entry": {"events": [{"event": "stay", "concept_set": "mi"}]},
    }


@pytest.mark.parametrize(
    "system",
    [
        # Canonical names.
        "ATC",
        "CIP13",
        "ICD10",
        "CCAM",
        # Other spellings the loader reads.
        "ICD-10",
        "icd10",
        "Icd-10",
        "CIM10",
        "CIM-10",
        "cim 10",
        "ICD",
        "cim",
        "CIP",
        "cip13",
        "atc",
        "Ccam",
        " ICD.10 ",
        # Not code systems.
        "LOINC",
        "ICD-11",
        "CIM9",
        "CIP7",
        "ATCC",
        "",
        "I",
        10,
    ],
)
def test_schema_and_loader_accept_the_same_code_systems(system: Any) -> None:
    document = _with_system(system)
    by_schema = _schema_errors(document) == []
    problems = cohorte.definition.validate(document)
    system_errors = [p for p in problems if p["path"] == "concept_sets[0].system"]
    by_loader = system_errors == []
    assert by_schema == by_loader, (system, _schema_errors(document), problems)
    if by_loader and system != "ICD10":
        # A non-ICD-10 spelling read as ICD-10 would give a system mismatch on the stay.
        mismatched = [p for p in problems if p["path"] == "entry.events[0].concept_set"]
        if str(system).upper().replace(" ", "").replace("-", "").replace(".", "") in {
            "ICD10",
            "CIM10",
            "ICD",
            "CIM",
        }:
            assert mismatched == [], problems
        else:
            assert mismatched != [], problems


def test_schema_describes_the_canonical_names() -> None:
    code_system = _schema()["$defs"]["CodeSystem"]
    canonical = code_system["anyOf"][0]["enum"]
    assert canonical == ["ATC", "CIP13", "ICD10", "CCAM"]
    for alias in ("ICD-10", "CIM10", "CIP"):
        assert alias in code_system["description"]


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("sex", "male"),
        ("sex", "female"),
        ("sex", "Male"),
        ("sex", " FEMALE "),
        ("sex", "m"),
        ("sex", "unknown"),
        ("sex", 1),
        ("role", "DP"),
        ("role", "das"),
        ("role", " Ald "),
        ("role", "DPP"),
        ("role", "D P"),
        ("role", ""),
    ],
)
def test_schema_and_loader_accept_the_same_sexes_and_roles(field: str, value: Any) -> None:
    document: dict[str, Any] = {
        "version": 2,
        "name": "spellings",
        "concept_sets": [{"name": "t2d", "system": "ICD10", "codes": ["E11"]}],
        "entry": {"events": [{"event": "diagnosis", "concept_set": "t2d"}]},
    }
    if field == "sex":
        document["inclusion"] = [{"name": "sex", "demographics": {"sex": value}}]
        path = "inclusion[0].demographics.sex"
    else:
        document["entry"]["events"][0]["roles"] = [value]
        path = "entry.events[0].roles[0]"
    by_schema = _schema_errors(document) == []
    problems = cohorte.definition.validate(document)
    by_loader = [p for p in problems if p["path"] == path] == []
    assert by_schema == by_loader, (value, _schema_errors(document), problems)


@pytest.mark.parametrize("date", ["2021-03-09", "09/03/2021", "20210309", "09MAR2021"])
def test_schema_and_loader_accept_the_date_forms_of_snds_extracts(date: str) -> None:
    document = {
        "version": 2,
        "name": "dates",
        "entry": {"events": [{"event": "death"}], "date_range": {"from": date}},
    }
    # Checked with the date format asserted: the other forms are the schema's second choice.
    checker = jsonschema.Draft202012Validator.FORMAT_CHECKER
    validator = jsonschema.Draft202012Validator(_schema(), format_checker=checker)
    assert list(validator.iter_errors(document)) == []
    assert cohorte.definition.validate(document) == []
