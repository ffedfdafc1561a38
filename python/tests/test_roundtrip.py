"""generate -> write -> read gives back the same cohorts; tables cross in and out as Arrow."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import polars as pl
import pyarrow as pa
import pytest

import cohorte
from cohorte import definition as d


def _same_cohorts(a: cohorte.Dataset, b: cohorte.Dataset) -> None:
    assert b.n_patients == a.n_patients
    for name, doc in d.examples().items():
        ca, cb = a.cohort(doc), b.cohort(doc)
        assert cb.persons().equals(ca.persons()), name
        assert cb.attrition().equals(ca.attrition()), name


def test_parquet_round_trip_gives_the_same_cohorts(small: cohorte.Dataset, tmp_path: Path) -> None:
    files = small.write_parquet(tmp_path)
    assert files and all(f.endswith(".parquet") for f in files)
    _same_cohorts(small, cohorte.read_parquet(tmp_path))


def test_csv_round_trip_gives_the_same_cohorts(small: cohorte.Dataset, tmp_path: Path) -> None:
    files = small.write_csv(tmp_path)
    assert files and all(f.lower().endswith(".csv") for f in files)
    _same_cohorts(small, cohorte.read_csv(tmp_path))


def test_read_parquet_accepts_a_list_of_files(small: cohorte.Dataset, tmp_path: Path) -> None:
    files = small.write_parquet(tmp_path)
    back = cohorte.read_parquet([Path(f) for f in files])
    assert back.n_events == cohorte.read_parquet(tmp_path).n_events


@pytest.mark.parametrize("kind", ["polars", "pyarrow"])
def test_from_tables_accepts_arrow_exporters(small: cohorte.Dataset, kind: str) -> None:
    frames = small.tables()
    converted: dict[str, object] = {
        name: (df if kind == "polars" else df.to_arrow()) for name, df in frames.items()
    }
    _same_cohorts(small, cohorte.from_tables(converted))  # type: ignore[arg-type]


def test_tables_cross_without_changing_values(small: cohorte.Dataset) -> None:
    ben = small.table("IR_BEN_R")
    via_arrow = pl.from_arrow(pa.table(small._inner.table("IR_BEN_R")))
    assert isinstance(via_arrow, pl.DataFrame)
    assert via_arrow.equals(ben)
    via_pandas = pd.DataFrame(ben.to_pandas())
    assert len(via_pandas) == ben.height
