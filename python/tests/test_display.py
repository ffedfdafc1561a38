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


def test_masked_cells_read_below_k_not_blank() -> None:
    df = pl.DataFrame(
        {
            "sex": ["M", "F"],
            "persons": [None, 40],
            "persons_masked": [True, False],
        }
    )
    html = Aggregate("counts by sex", df, 10)._repr_html_()
    assert "persons_masked" not in html  # the flag column drives the display, not shown itself
    assert html.count("&lt;&nbsp;10") == 1
    assert ">40<" in html
    assert "1 cell(s) masked" in html


def test_aggregate_is_a_polars_source() -> None:
    df = pl.DataFrame({"a": [1, 2]})
    agg = Aggregate("x", df, 10)
    assert pl.DataFrame(agg).equals(df)
    assert len(agg) == 2
    assert list(agg) == [{"a": 1}, {"a": 2}]


def test_values_are_escaped() -> None:
    html = _display.dataset_html({"tables": [{"name": "<script>", "rows": 1}]})
    assert "<script>" not in html
    assert "&lt;script&gt;" in html
