"""Jupyter display: attrition as a readable flow, masked cells visibly marked."""

from __future__ import annotations

import polars as pl

from cohorte import Aggregate, _display


def test_attrition_flow_shows_each_step_and_its_loss() -> None:
    steps = [
        {"name": "entry: metformin", "persons": 120, "events": 130, "lost_persons": 0},
        {
            "name": "age >= 40",
            "persons": 100,
            "events": 108,
            "lost_persons": 20,
            "alone_persons": 25,
        },
    ]
    html = _display.cohort_html(100, 108, steps)
    assert html.index("entry: metformin") < html.index("age &gt;= 40")
    assert "&minus;20 persons" in html
    assert "this rule alone: &minus;25" in html
    assert "108 index events" in html


def _agg(df: pl.DataFrame, name: str, k: int, dims: list[str] | None = None) -> Aggregate:
    return Aggregate(df, name=name, k=k, dims=dims or [])


def test_masked_cells_are_marked_not_blank() -> None:
    df = pl.DataFrame(
        {
            "sex": ["1", "2", None],
            "persons": [None, 40, None],
            "persons_masked": [True, False, True],
            "rate": [None, 0.25, None],
            "rate_masked": [True, False, True],
        }
    )
    html = _agg(df, name="counts by sex", k=10, dims=["sex"])._repr_html_()
    assert "persons_masked" not in html  # the flag column drives the display, not shown itself
    # Counts and the rates derived from them carry the same neutral mark: the display does not
    # claim a hidden cell holds fewer than k patients (it may be hidden to protect another).
    assert html.count(">masked</td>") == 4
    assert "&lt;&nbsp;10" not in html and "< 10" not in html
    assert ">40<" in html and ">0.25<" in html
    assert "4 cell(s) hidden" in html
    assert "a count of 1 to 9 patients" in html  # the legend explains both kinds
    assert "cannot be rebuilt from the totals" in html
    # The margin row (null stratum) reads "all", explained by a legend too.
    assert html.count(">all</td>") == 1
    assert "a margin row" in html


def test_nulls_outside_strata_are_not_margins() -> None:
    df = pl.DataFrame({"sex": ["1", None], "median": [None, 3.0]})
    html = _agg(df, name="x", k=10, dims=[])._repr_html_()
    assert ">all</td>" not in html
    assert "No cell masked (k = 10)" in html


def test_long_aggregates_show_their_first_rows() -> None:
    n = _display.MAX_ROWS + 5
    df = pl.DataFrame({"dept": [f"{i:03d}" for i in range(n)], "persons": list(range(n))})
    html = _agg(df, name="by dept", k=10, dims=["dept"])._repr_html_()
    assert html.count("<tr>") == _display.MAX_ROWS + 1  # header and the rows shown
    assert "5 more rows" in html


def test_aggregate_is_a_polars_source() -> None:
    df = pl.DataFrame({"a": [1, 2]})
    agg = _agg(df, name="x", k=10)
    assert pl.DataFrame(agg).equals(df)
    assert len(agg) == 2
    assert [s.name for s in agg] == ["a"]  # iterates over columns, as polars does
    assert list(agg.iter_rows(named=True)) == [{"a": 1}, {"a": 2}]


def test_values_are_escaped() -> None:
    html = _display.dataset_html({"tables": [{"name": "<script>", "rows": 1}]})
    assert "<script>" not in html
    assert "&lt;script&gt;" in html
