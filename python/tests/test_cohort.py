"""Cohorts from Python: set operations checked against a plain reference (sets of person-days),
aggregates checked against counts recomputed from the cohort rows, disclosure control visible."""

from __future__ import annotations

import json
import random
from collections import Counter
from datetime import date, timedelta
from typing import Any

import polars as pl
import pytest

import cohorte
from cohorte import definition as d

from .conftest import FIXTURES


@pytest.fixture(scope="module")
def mid() -> cohorte.Dataset:
    return cohorte.synthetic(6000, seed=5)


def _days(c: cohorte.Cohort) -> set[tuple[str, int]]:
    out: set[tuple[str, int]] = set()
    for r in c.persons().iter_rows(named=True):
        a, b = r["index_date"].toordinal(), r["exit_date"].toordinal()
        out.update((r["person_id"], day) for day in range(a, b + 1))
    return out


def _runs(days: set[tuple[str, int]]) -> set[tuple[str, date, date]]:
    """Maximal runs of consecutive days per person (the normal form of set results)."""
    by_person: dict[str, list[int]] = {}
    for p, day in days:
        by_person.setdefault(p, []).append(day)
    runs = set()
    for person, ds in by_person.items():
        ds.sort()
        start = prev = ds[0]
        for day in ds[1:]:
            if day != prev + 1:
                runs.add((person, date.fromordinal(start), date.fromordinal(prev)))
                start = day
            prev = day
        runs.add((person, date.fromordinal(start), date.fromordinal(prev)))
    return runs


def _rows(c: cohorte.Cohort) -> set[tuple[str, date, date]]:
    return {
        (r["person_id"], r["index_date"], r["exit_date"]) for r in c.persons().iter_rows(named=True)
    }


@pytest.fixture(scope="module")
def two(mid: cohorte.Dataset) -> tuple[cohorte.Cohort, cohorte.Cohort]:
    ex = d.examples()
    # Diabetic patients on metformin, and those starting insulin.
    return mid.cohort(ex["incident_metformin"]), mid.cohort(ex["t2d_insulin_start"])


def _exposure(name: str, atc: str, days: int) -> d.CohortDefinition:
    # Every dispensing opens a period of `days` days: periods overlap, touch and interleave.
    return (
        d.CohortDefinition(name)
        .concept_set(name, "ATC", [atc])
        .entry(d.dispensing(name), occurrence="all")
        .exit_after(days)
    )


def _random_population(n: int, seed: int) -> str:
    """Patients with dispensings of two drugs on random dates (unique ids, unlike synthetic
    twins who share a BEN_NIR_PSA)."""
    rng = random.Random(seed)
    start = date(2019, 1, 1).toordinal()
    patients = []
    for i in range(n):
        events = [
            {
                "type": "dispensing",
                "date": date.fromordinal(start + rng.randrange(1800)).isoformat(),
                "code": code,
            }
            for code in ("N02BE01", "J01CA04")
            for _ in range(rng.randrange(1, 10))
        ]
        patients.append(
            {
                "id": f"P{i:04d}",
                "sex": rng.choice(["male", "female"]),
                "birth": "1960-01-15",
                "events": events,
            }
        )
    return json.dumps({"data_start": "2019-01-01", "data_end": "2023-12-31", "patients": patients})


def test_set_operations_match_person_day_sets() -> None:
    ds = cohorte.from_population_json(_random_population(300, seed=11))
    a = ds.cohort(_exposure("paracetamol", "N02BE01", 20))
    b = ds.cohort(_exposure("antibiotics", "J01", 10))
    da, db = _days(a), _days(b)
    assert da & db, "the two example cohorts overlap on this population"
    assert _rows(a | b) == _runs(da | db)
    assert _rows(a & b) == _runs(da & db)
    assert _rows(a - b) == _runs(da - db)


def test_set_operation_results_have_no_attrition(
    two: tuple[cohorte.Cohort, cohorte.Cohort],
) -> None:
    a, b = two
    assert (a | b).attrition().height == 0
    assert a.attrition().height >= 1


def test_counts_by_sex_match_the_rows() -> None:
    text = _random_population(150, seed=3)
    sex = {p["id"]: {"male": "1", "female": "2"}[p["sex"]] for p in json.loads(text)["patients"]}
    ds = cohorte.from_population_json(text)
    a = ds.cohort(_exposure("paracetamol", "N02BE01", 20))
    persons = Counter(sex[p] for p in set(a.persons()["person_id"]))
    assert min(persons.values()) >= 2, "no sex counts a single person here"
    agg = a.counts(["sex"], k=2)
    got = {r["sex"]: r["persons"] for r in agg.iter_rows(named=True)}
    assert got == dict(persons)
    # With k above every count, every non-zero count is masked and flagged, none is dropped.
    hidden = a.counts(["sex"], k=1000)
    assert hidden.df.height == agg.df.height
    assert hidden.df["persons"].null_count() == hidden.df.height
    assert hidden.df["persons_masked"].all()


def test_small_cells_are_masked_and_flagged(two: tuple[cohorte.Cohort, cohorte.Cohort]) -> None:
    a, _ = two
    # The smallest threshold (k = 2) hides only the cells of one person: without margins no
    # other cell is masked, so a masked cell there is a 1.
    open_ = a.counts(["age_band", "sex"], k=2).df
    open_ = open_.with_columns(
        pl.when(pl.col("persons_masked")).then(1).otherwise(pl.col("persons")).alias("persons")
    )
    protected = a.counts(["age_band", "sex"], k=10).df
    assert protected.height == open_.height
    small = open_.filter((pl.col("persons") > 0) & (pl.col("persons") < 10))
    assert small.height > 0, "this population has small cells"
    joined = protected.join(
        open_.select("age_band", "sex", pl.col("persons").alias("raw")), on=["age_band", "sex"]
    )
    for r in joined.iter_rows(named=True):
        if 0 < r["raw"] < 10:
            assert r["persons"] is None and r["persons_masked"] is True
        if r["persons_masked"]:
            assert r["persons"] is None
        else:
            assert r["persons"] == r["raw"]


def test_aggregates_come_back_as_polars_with_notes(
    two: tuple[cohorte.Cohort, cohorte.Cohort],
) -> None:
    a, b = two
    inc = a.incidence("death", ["sex"])
    assert {"persons", "cases", "person_years", "rate", "lower", "upper"} <= set(inc.columns)
    prev = a.prevalence(date(2021, 6, 30))
    assert prev.df.height == 1
    km = a.km([("diagnosis", "ICD10", "I21")], times=[0, 365])
    assert {"time", "survival"} <= set(km.columns)
    assert km.at_risk["time"].to_list() == [0, 365]
    assert km.summary.height == 1
    t1 = a.table1(b, names=["metformin", "insulin"])
    assert "smd" in t1.columns
    paths = a.pathways(max_lines=2)
    assert {"sequence", "line_1", "line_2", "persons"} <= set(paths.columns)
    for agg in (inc, prev, km, km.at_risk, km.summary, t1, paths):
        assert isinstance(agg, pl.DataFrame)
        assert isinstance(agg.df, pl.DataFrame)
        assert agg.k == 10
        assert "masked" in agg._repr_html_() or "No cell masked" in agg._repr_html_()


def test_cohort_display_shows_the_attrition_flow(
    two: tuple[cohorte.Cohort, cohorte.Cohort],
) -> None:
    a, _ = two
    html = a._repr_html_()
    for step in a.attrition()["name"].to_list():
        assert step in html or step.replace("'", "&#x27;") in html


def test_builder_document_is_the_core_canonical_form() -> None:
    built = (
        d.CohortDefinition("new metformin users", "first metformin after a year without it")
        .concept_set("metformin", "ATC", ["A10BA02"])
        .concept_set("diabetes", "ICD10", ["E11"], exclude=["E119"])
        .entry(
            d.dispensing("metformin"),
            prior_observation=365,
            date_range=("2020-01-01", date(2022, 12, 31)),
        )
        .include("adult", d.demographics(age_min=18, sex="female", departements=["75"]))
        .include(
            "diabetes or two visits",
            d.any_of(
                d.events(d.diagnosis("diabetes", roles=["DP", "DAS"]), window=(-365, 0)),
                d.at_least(
                    1, d.events(d.stay(), window=(None, -1), at_most=2, distinct_dates=True)
                ),
            ),
        )
        .exit_at_end_of_exposure("metformin", gap=60, extension=30)
        .censor(d.death())
        .collapse(30)
    )
    canonical = json.loads(cohorte._native.normalize_definition(built.to_json()))
    assert built.to_dict() == canonical


def test_builder_rebuilds_a_fixture_definition() -> None:
    case = FIXTURES / "cohorts" / "04_inclusion_rules_attrition" / "definition.json"
    doc: dict[str, Any] = json.loads(case.read_text())
    canonical = json.loads(cohorte._native.normalize_definition(json.dumps(doc)))
    assert canonical["inclusion"], "the fixture has inclusion rules"
    assert json.loads(cohorte._native.normalize_definition(json.dumps(canonical))) == canonical


def test_the_builder_is_accepted_by_cohort(mid: cohorte.Dataset) -> None:
    built = (
        d.CohortDefinition("metformin")
        .concept_set("metformin", "ATC", ["A10BA02"])
        .entry(d.dispensing("metformin"))
    )
    by_builder = mid.cohort(built)
    by_dict = mid.cohort(built.to_dict())
    by_text = mid.cohort(built.to_json())
    assert _rows(by_builder) == _rows(by_dict) == _rows(by_text)
    assert by_builder.n_persons > 0


def test_examples_all_evaluate(mid: cohorte.Dataset) -> None:
    ex = d.examples()
    assert len(ex) >= 5
    for name, doc in ex.items():
        c = mid.cohort(doc)
        assert c.attrition()["persons"][-1] == c.n_persons or doc.get("collapse_days"), name
        assert timedelta(0) <= max(
            (r["exit_date"] - r["index_date"] for r in c.persons().iter_rows(named=True)),
            default=timedelta(0),
        )


def test_cohorts_evaluate_concurrently_from_threads(mid: cohorte.Dataset) -> None:
    # The GIL is released during evaluation: threads run side by side and agree.
    from concurrent.futures import ThreadPoolExecutor

    doc = d.examples()["incident_metformin"]
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda _: _rows(mid.cohort(doc)), range(8)))
    assert all(r == results[0] for r in results)
    assert results[0]


def test_arrow_tables_cross_to_pyarrow_and_polars_alike(
    two: tuple[cohorte.Cohort, cohorte.Cohort],
) -> None:
    import pyarrow as pa

    a, _ = two
    native = a._inner.persons()
    assert native.num_rows == len(a)
    assert native.column_names == ["person_id", "BEN_RNG_GEM", "index_date", "exit_date"]
    via_pyarrow = pa.table(native)
    assert via_pyarrow.num_rows == len(a)
    back = pl.from_arrow(via_pyarrow)
    assert isinstance(back, pl.DataFrame)
    assert back.equals(a.persons())
    # A stream is consumed once per export: each call exports afresh.
    assert pl.DataFrame(native).equals(pl.DataFrame(native))


def test_dataset_display(mid: cohorte.Dataset) -> None:
    html = mid._repr_html_()
    assert "cohorte.Dataset" in html
    assert "6\u202f000" in html  # the patient count, with a thin space between thousands
