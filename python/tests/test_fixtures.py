"""The shared worked fixtures (fixtures/cohorts/*): the same populations, definitions and
hand-computed cohorts and attritions as the Rust tests."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

import cohorte

from .conftest import FIXTURES

CASES = sorted(p for p in (FIXTURES / "cohorts").glob("*") if (p / "expected.json").is_file())


def test_there_are_fixture_cases() -> None:
    assert len(CASES) >= 4


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
