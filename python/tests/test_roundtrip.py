"""generate -> write -> read gives back the same data; tables cross in and out as Arrow."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import polars as pl
import pyarrow as pa
import pytest

import cohorte

from .conftest import needs_tables

pytestmark = needs_tables


def test_parquet_round_trip_keeps_the_digest(small: cohorte.Dataset, tmp_path: Path) -> None:
    files = small.write_parquet(tmp_path)
    assert files and all(f.endswith(".parquet") for f in files)
    back = cohorte.read_parquet(tmp_path)
    assert back.digest() == small.digest()


def test_csv_round_trip_keeps_the_digest(small: cohorte.Dataset, tmp_path: Path) -> None:
    files = small.write_csv(tmp_path)
    assert files and all(f.lower().endswith(".csv") for f in files)
    back = cohorte.read_csv(tmp_path)
    assert back.digest() == small.digest()


def test_read_parquet_accepts_a_list_of_files(small: cohorte.Dataset, tmp_path: Path) -> None:
    files = small.write_parquet(tmp_path)
    assert cohorte.read_parquet([Path(f) for f in files]).digest() == small.digest()


@pytest.mark.parametrize("kind", ["polars", "pyarrow", "pandas"])
def test_from_tables_accepts_every_arrow_exporter(small: cohorte.Dataset, kind: str) -> None:
    frames = small.tables()
    converted: dict[str, object] = {}
    for name, df in frames.items():
        if kind == "polars":
            converted[name] = df
        elif kind == "pyarrow":
            converted[name] = df.to_arrow()
        else:
            converted[name] = df.to_pandas()
    back = cohorte.from_tables(converted)  # type: ignore[arg-type]
    assert back.n_patients == small.n_patients
    if kind != "pandas":
        # pandas loses no value here but may widen types; the two Arrow libraries keep them.
        assert back.digest() == small.digest()


def test_tables_cross_without_changing_values(small: cohorte.Dataset) -> None:
    ben = small.table("IR_BEN_R")
    via_arrow = pl.from_arrow(pa.table(small._inner.table("IR_BEN_R")))
    assert isinstance(via_arrow, pl.DataFrame)
    assert via_arrow.equals(ben)
    via_pandas = pd.DataFrame(ben.to_pandas())
    assert len(via_pandas) == ben.height
