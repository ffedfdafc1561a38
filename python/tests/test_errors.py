"""Bad input raises the library's own exceptions, with a message naming what and where."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

import cohorte
from cohorte import exceptions


def test_zero_patients_is_an_invalid_argument() -> None:
    with pytest.raises(exceptions.InvalidArgumentError, match="patients") as info:
        cohorte.synthetic(0)
    assert info.value.code == "invalid_argument"
    assert isinstance(info.value, ValueError)


def test_negative_patients_is_an_invalid_argument() -> None:
    with pytest.raises(exceptions.InvalidArgumentError, match="patients"):
        cohorte.synthetic(-5)


def test_wrong_argument_type_is_an_invalid_argument() -> None:
    with pytest.raises(exceptions.InvalidArgumentError, match="seed: expected an integer"):
        cohorte.synthetic(10, seed="42")  # type: ignore[arg-type]


def test_years_out_of_range() -> None:
    with pytest.raises(exceptions.InvalidArgumentError, match="years"):
        cohorte.synthetic(10, years=0)


def test_missing_parquet_file_names_the_path(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere" / "IR_BEN_R.parquet"
    with pytest.raises(FileNotFoundError) as info:
        cohorte.read_parquet(missing)
    assert isinstance(info.value, exceptions.MissingFileError)
    assert info.value.code == "file_not_found"
    assert "IR_BEN_R.parquet" in str(info.value)


def test_folder_without_parquet_files(tmp_path: Path) -> None:
    with pytest.raises(exceptions.MissingFileError, match="no .parquet file"):
        cohorte.read_parquet(tmp_path)


def test_corrupt_parquet_file_names_the_file(tmp_path: Path) -> None:
    bad = tmp_path / "IR_BEN_R.parquet"
    bad.write_bytes(b"this is not parquet at all")
    with pytest.raises(exceptions.CohorteError) as info:
        cohorte.read_parquet(bad)
    assert info.value.code in {"format", "parquet"}
    assert "IR_BEN_R" in str(info.value)


def test_unknown_table_name_is_rejected() -> None:
    with pytest.raises(exceptions.UnknownTableError, match="NOT_A_TABLE"):
        cohorte.from_tables({"NOT_A_TABLE": pl.DataFrame({"a": [1]})})


def test_table_value_without_arrow_stream() -> None:
    with pytest.raises(exceptions.InvalidArgumentError, match="IR_BEN_R.*__arrow_c_stream__"):
        cohorte.from_tables({"IR_BEN_R": [1, 2, 3]})  # type: ignore[dict-item]


def test_missing_column_names_table_and_column() -> None:
    ben = pl.DataFrame({"BEN_NIR_PSA": ["A" * 17], "BEN_RNG_GEM": [1]})
    with pytest.raises(exceptions.MissingColumnError) as info:
        cohorte.from_tables({"IR_BEN_R": ben})
    assert info.value.code == "missing_column"
    assert "IR_BEN_R" in str(info.value)


def test_definition_of_wrong_type(small: cohorte.Dataset) -> None:
    with pytest.raises(exceptions.InvalidArgumentError, match="found int"):
        small.cohort(42)  # type: ignore[arg-type]


def test_definition_path_that_does_not_exist(small: cohorte.Dataset, tmp_path: Path) -> None:
    with pytest.raises(exceptions.MissingFileError, match="nope.json"):
        small.cohort(tmp_path / "nope.json")


def test_definition_that_is_not_json(small: cohorte.Dataset) -> None:
    with pytest.raises(exceptions.DefinitionError) as info:
        small.cohort("{ this is not json")
    assert info.value.code == "invalid_definition"
    assert info.value.problems, "the problems list is filled"


def test_definition_problems_name_their_paths(small: cohorte.Dataset) -> None:
    with pytest.raises(exceptions.DefinitionError) as info:
        small.cohort({"entry": 12, "inclusion": "everyone"})
    problems = info.value.problems
    assert problems
    for p in problems:
        assert set(p) == {"path", "message", "severity"}
    paths = " ".join(p["path"] for p in problems)
    assert "entry" in paths
