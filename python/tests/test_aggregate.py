"""An aggregate is a polars DataFrame carrying its name, threshold and notes: every polars method
works on it, frames derived from it are plain DataFrames, and it survives copies and pickling."""

from __future__ import annotations

import copy
import json
import pickle
from typing import Any

import polars as pl
import pytest

import cohorte
from cohorte import definition as d


def _population() -> str:
    # 14 persons by sex: 12 men and 2 women, all born in 1950, on metformin since 2021; the two
    # women's cells are below any k >= 3.
    patients: list[dict[str, Any]] = []
    for i in range(14):
        patients.append(
            {
                "id": f"P{i:02d}",
                "sex": "male" if i < 12 else "female",
                "birth": "1950-06-15",
                "departement": "75",
                "events": [{"type": "dispensing", "date": "2021-03-01", "code": "A10BA02"}],
            }
        )
    return json.dumps({"data_start": "2019-01-01", "data_end": "2023-12-31", "patients": patients})


@pytest.fixture(scope="module")
def cohort() -> cohorte.Cohort:
    ds = cohorte.from_population_json(_population())
    return ds.cohort(
        d.CohortDefinition("metformin")
        .concept_set("metformin", "ATC", ["A10BA02"])
        .entry(d.dispensing("metformin"))
    )


@pytest.fixture(scope="module")
def by_sex(cohort: cohorte.Cohort) -> cohorte.Aggregate:
    return cohort.counts(["sex"], k=10)


def test_an_aggregate_is_a_polars_dataframe(by_sex: cohorte.Aggregate) -> None:
    assert isinstance(by_sex, pl.DataFrame)
    assert isinstance(by_sex, cohorte.Aggregate)
    assert by_sex.name == "counts"
    assert by_sex.k == 10
    assert by_sex.dims == ["sex"]
    assert by_sex.notes
    rows = {r["sex"]: r for r in by_sex.iter_rows(named=True)}
    assert set(rows) == {"1", "2"}
    assert rows["1"]["persons"] == 12 and rows["1"]["persons_masked"] is False
    assert rows["2"]["persons"] is None and rows["2"]["persons_masked"] is True


def test_margins_mask_a_second_cell(cohort: cohorte.Cohort) -> None:
    # Men 12, women 2, total 14: with the total published, one more cell hides the women's 2.
    agg = cohort.counts(["sex"], margins=True, k=10)
    rows = {r["sex"]: r for r in agg.iter_rows(named=True)}
    assert set(rows) == {"1", "2", None}
    assert rows["2"]["persons_masked"] is True
    assert sum(r["persons_masked"] for r in rows.values()) == 2
    shown = [r["persons"] for r in rows.values() if not r["persons_masked"]]
    assert shown in ([12], [14])
    html = agg._repr_html_()
    assert html.count(">masked</td>") == 2 * 2  # persons and entries (derived from persons)
    assert html.count(">all</td>") == 1


def test_polars_methods_work_and_give_plain_frames(by_sex: cohorte.Aggregate) -> None:
    men = by_sex.filter(pl.col("sex") == "1")
    assert type(men) is pl.DataFrame
    assert men["persons"].to_list() == [12]
    picked = by_sex.select("sex", "persons")
    assert type(picked) is pl.DataFrame and picked.columns == ["sex", "persons"]
    labels = pl.DataFrame({"sex": ["1", "2"], "label": ["men", "women"]})
    joined = by_sex.join(labels, on="sex")
    assert type(joined) is pl.DataFrame
    got = dict(zip(joined["label"], joined["persons"], strict=True))
    assert got == {"men": 12, "women": None}
    wider = by_sex.with_columns(double=pl.col("persons") * 2)
    assert type(wider) is pl.DataFrame
    assert wider.filter(pl.col("sex") == "1")["double"].to_list() == [24]
    for derived in (by_sex.head(2), by_sex.sort("sex"), by_sex[["sex", "persons"]], by_sex[0:1]):
        assert type(derived) is pl.DataFrame, type(derived)
    assert by_sex.height == 2 and len(by_sex) == 2
    assert by_sex["persons"].to_list() == by_sex.df["persons"].to_list()


def test_derived_frames_display_as_polars_does(by_sex: cohorte.Aggregate) -> None:
    men = by_sex.filter(pl.col("sex") == "1")
    assert men._repr_html_() == pl.DataFrame(men)._repr_html_()
    assert repr(men) == repr(pl.DataFrame(men))
    # A frame polars builds with the class itself (column selection by position) has no
    # aggregate description: it falls back to polars' display too.
    by_position = by_sex[[0, 1]]
    assert isinstance(by_position, pl.DataFrame)
    assert by_position._repr_html_() == pl.DataFrame(by_position)._repr_html_()
    assert "cohorte.Aggregate" not in repr(by_position)


def test_the_aggregate_itself_displays_its_masks(by_sex: cohorte.Aggregate) -> None:
    html = by_sex._repr_html_()
    assert html.count(">masked</td>") == 2  # the women's persons and entries
    assert ">12<" in html
    assert "k = 10" in html
    assert repr(by_sex).startswith("<cohorte.Aggregate counts (k=10)>")


def test_plain_frame_views_and_construction(by_sex: cohorte.Aggregate) -> None:
    for plain in (by_sex.df, by_sex.to_polars(), pl.DataFrame(by_sex)):
        assert type(plain) is pl.DataFrame
        assert plain.equals(by_sex)
    # The plain view does not share in-place changes with the aggregate.
    plain = by_sex.to_polars()
    plain.insert_column(0, pl.Series("extra", [1, 2]))
    assert "extra" not in by_sex.columns
    # Built like a polars frame (polars does so internally), an Aggregate has no description.
    bare = cohorte.Aggregate({"a": [1, 2]})
    assert bare.k is None and bare.name is None
    assert bare._repr_html_() == pl.DataFrame({"a": [1, 2]})._repr_html_()


def test_copies_and_pickles_keep_the_description(by_sex: cohorte.Aggregate) -> None:
    for other in (
        copy.copy(by_sex),
        copy.deepcopy(by_sex),
        by_sex.clone(),
        pickle.loads(pickle.dumps(by_sex)),
    ):
        assert isinstance(other, cohorte.Aggregate)
        assert other.equals(by_sex)
        assert (other.name, other.k, other.notes, other.dims) == (
            by_sex.name,
            by_sex.k,
            by_sex.notes,
            by_sex.dims,
        )
        assert other._repr_html_() == by_sex._repr_html_()


def test_kaplan_meier_is_the_curve_with_its_companions(cohort: cohorte.Cohort) -> None:
    km = cohort.km("death", times=[0, 365], k=3)
    assert isinstance(km, pl.DataFrame) and isinstance(km, cohorte.KaplanMeier)
    assert km.curve is km
    assert isinstance(km.at_risk, cohorte.Aggregate) and isinstance(km.summary, cohorte.Aggregate)
    assert km.at_risk["time"].to_list() == [0, 365]
    # Nobody dies: all 14 persons are at risk at day 0 and a year later (the data end in 2023).
    assert km.at_risk["n_risk"].to_list() == [14, 14]
    html = km._repr_html_()
    assert km.summary.name is not None and km.summary.name in html
    back = pickle.loads(pickle.dumps(km))
    assert isinstance(back, cohorte.KaplanMeier)
    assert back.at_risk.equals(km.at_risk)


def test_every_aggregate_is_a_dataframe(cohort: cohorte.Cohort) -> None:
    aggs = [
        cohort.counts(["sex"]),
        cohort.incidence("death"),
        cohort.prevalence("2022-01-01"),
        cohort.km("death"),
        cohort.table1(),
        cohort.pathways(),
        cohort.dispensings(),
    ]
    for agg in aggs:
        assert isinstance(agg, pl.DataFrame) and isinstance(agg, cohorte.Aggregate)
        assert agg.k == 10
        assert agg.name
