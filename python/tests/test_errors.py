"""Bad input raises the library's own exceptions, with a message naming what and where."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import polars as pl
import pytest

import cohorte
from cohorte import exceptions

from .conftest import REPO


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
    with pytest.raises(
        exceptions.InvalidArgumentError, match="k: expected an integer of at least 2"
    ):
        cohort.counts(k=0)
    with pytest.raises(
        exceptions.InvalidArgumentError, match="k: expected an integer of at least 2"
    ):
        cohort.counts(k=1)


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


# -- wrong types and out-of-range integers: the library's exceptions, never TypeError or
# OverflowError from the native layer --


@pytest.mark.parametrize(
    ("kwargs", "argument"),
    [
        ({"patients": 10, "seed": 2**70}, "seed"),
        ({"patients": 10, "seed": -1}, "seed"),
        ({"patients": 2**70}, "patients"),
        ({"patients": 10, "years": 2**40}, "years"),
        ({"patients": 10, "start_year": 2**40}, "start_year"),
        ({"patients": 10, "seed": 1.5}, "seed"),
        ({"patients": True}, "patients"),
    ],
)
def test_synthetic_arguments_out_of_range(kwargs: dict[str, Any], argument: str) -> None:
    with pytest.raises(exceptions.InvalidArgumentError) as info:
        cohorte.synthetic(**kwargs)
    assert str(info.value).startswith(f"{argument}: expected")


@pytest.fixture(scope="module")
def some_cohort(small: cohorte.Dataset) -> cohorte.Cohort:
    return small.cohort(next(iter(cohorte.definition.examples().values())))


@pytest.mark.parametrize(
    ("call", "argument"),
    [
        (lambda c: c.km("death", times=["a"]), "times"),
        (lambda c: c.km("death", times=[2**70]), "times"),
        (lambda c: c.km("death", times=7), "times"),
        (lambda c: c.km("death", level="x"), "level"),
        (lambda c: c.km("death", level=1.5), "level"),
        (lambda c: c.km("death", first_entry_only="yes"), "first_entry_only"),
        (lambda c: c.incidence("death", level="x"), "level"),
        (lambda c: c.incidence("death", per="x"), "per"),
        (lambda c: c.prevalence(20210630), "date"),
        (lambda c: c.counts(["sex"], margins="yes"), "margins"),
        (lambda c: c.counts(["sex"], k=2**40), "k"),
        (lambda c: c.counts(["sex"], k=10.0), "k"),
        (lambda c: c.pathways(max_lines="3"), "max_lines"),
        (lambda c: c.pathways(atc_level=9), "atc_level"),
        (lambda c: c.table1(lookback_days=None), "lookback_days"),
        (lambda c: c.dispensings(margins=1), "margins"),
    ],
)
def test_aggregate_arguments_of_the_wrong_type(
    some_cohort: cohorte.Cohort, call: Callable[[cohorte.Cohort], object], argument: str
) -> None:
    with pytest.raises(exceptions.InvalidArgumentError) as info:
        call(some_cohort)
    assert str(info.value).startswith(f"{argument}: expected"), str(info.value)


def test_definition_file_not_utf8_is_a_definition_error(
    small: cohorte.Dataset, tmp_path: Path
) -> None:
    path = tmp_path / "latin1.json"
    path.write_bytes('{"name": "caf\u00e9"}'.encode("latin-1"))
    with pytest.raises(exceptions.DefinitionError) as info:
        small.cohort(path)
    assert not isinstance(info.value, UnicodeDecodeError)
    assert "latin1.json" in str(info.value) and "UTF-8" in str(info.value)
    assert info.value.problems and info.value.problems[0]["severity"] == "error"


def test_population_file_not_utf8_is_a_format_error(tmp_path: Path) -> None:
    path = tmp_path / "population.json"
    path.write_bytes(b'{"patients": [{"id": "\xe9"}]}')
    with pytest.raises(exceptions.FormatError, match=r"population\.json"):
        cohorte.from_population_json(path)


def test_malformed_csv_value_names_table_column_and_row(tmp_path: Path) -> None:
    cohorte.synthetic(50, seed=1).write_csv(tmp_path)
    pha = tmp_path / "ER_PHA_F.csv"
    lines = pha.read_text(encoding="latin-1").splitlines()
    header = lines[0].split(";")
    col = header.index("PHA_ACT_QSN")
    fields = lines[3].split(";")  # the third data row
    fields[col] = "deux"
    lines[3] = ";".join(fields)
    pha.write_text("\n".join(lines) + "\n", encoding="latin-1")
    with pytest.raises(exceptions.BadValueError) as info:
        cohorte.read_csv(tmp_path)
    text = str(info.value)
    assert info.value.code == "bad_value"
    assert "ER_PHA_F" in text and "PHA_ACT_QSN" in text and "row 3" in text, text
    assert "deux" in text


def _binding_table() -> dict[str, str]:
    """The code -> class table of the binding (python/src/errors.rs, `class_of`), read from its
    source, with the fallback arm apart."""
    src = (REPO / "python" / "src" / "errors.rs").read_text()
    body = src[src.index("fn class_of(code: &str)") :]
    body = body[: body.index("\n}\n")]
    table = dict(re.findall(r'"([a-z_]+)" => "([A-Za-z]+)"', body))
    fallback = re.search(r'_ => "([A-Za-z]+)"', body)
    assert fallback and fallback.group(1) == "CohorteError"
    return table


def _core_codes() -> set[str]:
    src = (REPO / "core" / "src" / "error.rs").read_text()
    body = src[src.index("pub fn code(&self)") :]
    body = body[: body.index("\n    }\n")]
    return set(re.findall(r'=> "([a-z_]+)"', body))


def test_binding_maps_every_core_code_to_its_own_class() -> None:
    table = _binding_table()
    codes = _core_codes()
    assert len(codes) >= 10
    # No core code falls back to the base class, and the table has no stale code.
    assert codes - table.keys() == set(), "codes without a class in class_of"
    # `internal` is the binding's own code, for a panic caught before it reaches Python.
    assert table.keys() - codes == {"internal"}, "class_of maps codes the core does not have"
    for code, name in table.items():
        cls = getattr(exceptions, name, None)
        assert isinstance(cls, type) and issubclass(cls, exceptions.CohorteError), name
        assert cls is not exceptions.CohorteError, f"{code} maps to the base class"
        assert cls.code == code, f"{name}.code is {cls.code!r}, class_of maps it from {code!r}"
        assert name in exceptions.__all__
