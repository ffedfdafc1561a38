"""The shared worked fixtures (fixtures/cohorts/*): the same populations, definitions and
hand-computed cohorts and attritions as the Rust tests."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

import cohorte

from .conftest import FIXTURES

ALL = sorted(p for p in (FIXTURES / "cohorts").glob("*") if (p / "expected.json").is_file())
# A case either gives the cohort (rows and attrition) or the problems of a rejected definition.
CASES = [p for p in ALL if "rows" in json.loads((p / "expected.json").read_text())]
REJECTED = [p for p in ALL if "errors" in json.loads((p / "expected.json").read_text())]


def test_there_are_fixture_cases() -> None:
    assert len(CASES) >= 4
    assert REJECTED


def _load(case: Path) -> tuple[cohorte.Dataset, dict[str, Any]]:
    ds = cohorte.from_population_json(case / "population.json")
    expected = json.loads((case / "expected.json").read_text())
    return ds, expected


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_cohort_rows_match_the_hand_computed_ones(case: Path) -> None:
    ds, expected = _load(case)
    cohort = ds.cohort(case / "definition.json")
    got = [
        {
            "person_id": r["person_id"],
            "index_date": r["index_date"].isoformat(),
            "exit_date": r["exit_date"].isoformat(),
        }
        for r in cohort.persons().iter_rows(named=True)
    ]
    assert got == expected["rows"], expected.get("why", "")


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_attrition_matches_the_hand_computed_one(case: Path) -> None:
    ds, expected = _load(case)
    cohort = ds.cohort(json.loads((case / "definition.json").read_text()))
    got = cohort.attrition().drop("step").to_dicts()
    want = expected["attrition"]
    # Compare the fields the fixture states (a case may leave some out).
    assert [{k: g[k] for k in w} for g, w in zip(got, want, strict=True)] == want, expected.get(
        "why", ""
    )


@pytest.mark.parametrize("case", REJECTED, ids=[c.name for c in REJECTED])
def test_rejected_definition_lists_exactly_the_expected_problems(case: Path) -> None:
    ds, expected = _load(case)
    with pytest.raises(cohorte.exceptions.DefinitionError) as info:
        ds.cohort(case / "definition.json")
    assert info.value.code == "invalid_definition"
    problems = info.value.problems
    assert sorted(p["path"] for p in problems) == sorted(e["path"] for e in expected["errors"])
    for want in expected["errors"]:
        got = [p for p in problems if p["path"] == want["path"]]
        assert any(want["message_contains"] in p["message"] for p in got), (want, got)
