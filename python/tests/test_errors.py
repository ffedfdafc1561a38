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
    with pytest.raises(exceptions.MissingFileError, match=r"no \.parquet file"):
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
    with pytest.raises(exceptions.InvalidArgumentError, match=r"IR_BEN_R.*__arrow_c_stream__"):
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
    with pytest.raises(exceptions.MissingFileError, match=r"nope\.json"):
        small.cohort(tmp_path / "nope.json")


def test_definition_that_is_not_json(small: cohorte.Dataset) -> None:
    with pytest.raises(exceptions.DefinitionError) as info:
        small.cohort("{ this is not json")
    assert info.value.code == "invalid_definition"
    assert info.value.problems, "the problems list is filled"


def test_definition_problems_name_every_path(small: cohorte.Dataset) -> None:
    bad = {
        "version": 2,
        "name": "two mistakes",
        "concept_sets": [{"name": "m", "system": "ATCX", "codes": ["A10"]}],
        "entry": {"events": [{"event": "dispensing", "concept_set": "m"}]},
        "inclusion": [{"name": "w", "event": "diagnosis", "window": {"start": "30"}}],
    }
    with pytest.raises(exceptions.DefinitionError) as info:
        small.cohort(bad)
    problems = info.value.problems
    assert {p["path"] for p in problems} == {"concept_sets[0].system", "inclusion[0].window.start"}
    assert all(p["severity"] == "error" for p in problems)
    # The message lists every problem with its path.
    assert "concept_sets[0].system" in str(info.value)
    assert "inclusion[0].window.start" in str(info.value)


def test_definition_without_version_names_the_field(small: cohorte.Dataset) -> None:
    with pytest.raises(exceptions.DefinitionError, match="version"):
        small.cohort({"name": "x", "entry": {"events": [{"event": "death"}]}})


def test_unknown_outcome_code_system(small: cohorte.Dataset) -> None:
    cohort = small.cohort(next(iter(cohorte.definition.examples().values())))
    with pytest.raises(exceptions.UnknownCodeSystemError, match="ICD11"):
        cohort.incidence([("diagnosis", "ICD11", "I21")])


def test_bad_k_is_an_invalid_argument(small: cohorte.Dataset) -> None:
    cohort = small.cohort(next(iter(cohorte.definition.examples().values())))
    with pytest.raises(exceptions.InvalidArgumentError, match="k: expected a positive integer"):
        cohort.counts(k=0)


def test_unknown_stratum(small: cohorte.Dataset) -> None:
    cohort = small.cohort(next(iter(cohorte.definition.examples().values())))
    with pytest.raises(exceptions.InvalidArgumentError, match="'colour'"):
        cohort.counts(["colour"])


def test_bad_prevalence_date_names_the_argument(small: cohorte.Dataset) -> None:
    cohort = small.cohort(next(iter(cohorte.definition.examples().values())))
    with pytest.raises(exceptions.InvalidArgumentError, match="date"):
        cohort.prevalence("2021-13-45")


def test_set_operation_with_another_type(small: cohorte.Dataset) -> None:
    cohort = small.cohort(next(iter(cohorte.definition.examples().values())))
    with pytest.raises(exceptions.InvalidArgumentError, match="found int"):
        cohort | 3  # type: ignore[operator]


def test_set_operation_across_datasets(small: cohorte.Dataset) -> None:
    doc = next(iter(cohorte.definition.examples().values()))
    other = cohorte.synthetic(300, seed=3)
    with pytest.raises(exceptions.InvalidArgumentError, match="same dataset"):
        small.cohort(doc) & other.cohort(doc)
