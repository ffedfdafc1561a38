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


def test_read_csv_options_separator_encoding_and_table_names(
    small: cohorte.Dataset, tmp_path: Path
) -> None:
    written = small.write_csv(tmp_path / "cnam")
    # The same tables, '|' separated, Latin-1, in files not named after their tables.
    renamed: dict[str, Path] = {}
    for i, f in enumerate(sorted(written)):
        text = Path(f).read_bytes().decode("latin-1")
        assert "|" not in text
        out = tmp_path / f"extraction_{i}.txt"
        out.write_bytes(text.replace(";", "|").encode("latin-1"))
        renamed[Path(f).stem] = out
    back = cohorte.read_csv(renamed, separator="|", encoding="latin-1")
    _same_cohorts(small, back)
    with pytest.raises(cohorte.exceptions.CohorteError, match="separator"):
        cohorte.read_csv(renamed, separator="||")
    with pytest.raises(cohorte.exceptions.CohorteError, match="encoding"):
        cohorte.read_csv(renamed, separator="|", encoding="cp1252")
    with pytest.raises(FileNotFoundError, match=r"nowhere\.csv"):
        cohorte.read_csv({"IR_BEN_R": tmp_path / "nowhere.csv"})
    with pytest.raises(cohorte.exceptions.CohorteError, match="PHARMA"):
        cohorte.read_csv({"PHARMA": next(iter(renamed.values()))}, separator="|")


def test_read_parquet_accepts_a_list_of_files(small: cohorte.Dataset, tmp_path: Path) -> None:
    files = small.write_parquet(tmp_path)
    back = cohorte.read_parquet([Path(f) for f in files])
    assert back.n_events == cohorte.read_parquet(tmp_path).n_events


def _as(kind: str, df: pl.DataFrame) -> object:
    if kind == "polars":
        return df
    if kind == "pyarrow":
        return df.to_arrow()
    if kind == "polars-datetime":
        # Dates as polars Datetime (what `str.to_datetime` gives), at midnight.
        return df.with_columns(pl.col(pl.Date).cast(pl.Datetime("us")))
    # pandas turns Arrow dates into datetime64 columns.
    return df.to_pandas()


@pytest.mark.parametrize("kind", ["polars", "pyarrow", "pandas", "polars-datetime"])
def test_from_tables_accepts_arrow_exporters(small: cohorte.Dataset, kind: str) -> None:
    frames = small.tables()
    converted = {name: _as(kind, df) for name, df in frames.items()}
    if kind == "pandas":
        # The point of the case: pandas holds the dates as datetime64.
        dtypes = [str(t) for df in converted.values() for t in df.dtypes]  # type: ignore[attr-defined]
        assert any(t.startswith("datetime64") for t in dtypes), dtypes
    _same_cohorts(small, cohorte.from_tables(converted))  # type: ignore[arg-type]


def test_from_tables_rejects_a_time_of_day_in_a_date_column(small: cohorte.Dataset) -> None:
    pha = small.table("ER_PHA_F").to_pandas()
    date_columns = [c for c in pha.columns if str(pha[c].dtype).startswith("datetime64")]
    assert date_columns
    column = date_columns[0]
    pha.loc[1, column] = pha.loc[1, column] + pd.Timedelta(hours=10, minutes=30)
    tables: dict[str, object] = {"ER_PHA_F": pha}
    with pytest.raises(cohorte.exceptions.CohorteError) as err:
        cohorte.from_tables(tables)  # type: ignore[arg-type]
    message = str(err.value)
    assert "ER_PHA_F" in message and column in message and "row 2" in message
    assert "time of day" in message


def test_tables_cross_without_changing_values(small: cohorte.Dataset) -> None:
    ben = small.table("IR_BEN_R")
    via_arrow = pl.from_arrow(pa.table(small._inner.table("IR_BEN_R")))
    assert isinstance(via_arrow, pl.DataFrame)
    assert via_arrow.equals(ben)
    via_pandas = pd.DataFrame(ben.to_pandas())
    assert len(via_pandas) == ben.height
