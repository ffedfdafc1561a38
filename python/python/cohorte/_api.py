"""The Python face of the core: Dataset, Cohort and Aggregate wrap the native objects of
``cohorte._native`` and turn their Arrow tables into polars DataFrames.

Everything computed here is computed by the core; this module only converts arguments (a
definition given as a dict, a path or a builder becomes its JSON text) and results.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator, Mapping, Sequence
from datetime import date
from pathlib import Path
from typing import Any, Literal, Protocol, TypeAlias

import polars as pl

from . import _display, _native
from .definition import DefinitionLike, _definition_json
from .exceptions import InvalidArgumentError, MissingFileError

__all__ = [
    "Aggregate",
    "Cohort",
    "Dataset",
    "from_population_json",
    "from_tables",
    "read",
    "read_csv",
    "read_parquet",
    "synthetic",
]

StrPath: TypeAlias = str | os.PathLike[str]


class ArrowStreamExportable(Protocol):
    """Anything exporting an Arrow C stream: polars, pyarrow and pandas tables."""

    def __arrow_c_stream__(self, requested_schema: object | None = None) -> object: ...


AgeBands: TypeAlias = Literal["five", "ten", "open_medic", "open_damir"] | Sequence[int]
DateLike: TypeAlias = date | str
#: An outcome: "death", or (event, system, code) triples such as ("diagnosis", "ICD10", "I21").
OutcomeLike: TypeAlias = str | Sequence[tuple[str, str, str]]

_DIMS = ("age_band", "sex", "region", "dept", "year", "month")


def _k(k: int) -> int:
    if not isinstance(k, int) or isinstance(k, bool) or k < 1:
        raise InvalidArgumentError(f"k: expected a positive integer (e.g. 10 or 11), found {k!r}")
    return k


def _dims(by: Sequence[str], age_bands: AgeBands) -> list[Any]:
    if isinstance(by, str):
        by = [by]
    dims: list[Any] = []
    for d in by:
        if d not in _DIMS:
            raise InvalidArgumentError(f"by: unknown stratum {d!r} (expected one of {_DIMS})")
        if d == "age_band":
            bands: Any = age_bands if isinstance(age_bands, str) else {"custom": list(age_bands)}
            dims.append({"age_band": bands})
        else:
            dims.append(d)
    return dims


def _iso(d: DateLike) -> str:
    return d.isoformat() if isinstance(d, date) else str(d)


def _outcome(outcome: OutcomeLike) -> str:
    if isinstance(outcome, str):
        return json.dumps(outcome)
    try:
        codes = [[str(e), str(s), str(c)] for e, s, c in outcome]
    except (TypeError, ValueError):
        raise InvalidArgumentError(
            'outcome: expected "death" or (event, system, code) triples, '
            'e.g. [("diagnosis", "ICD10", "I21")]'
        ) from None
    return json.dumps(codes)


def _to_polars(table: _native.ArrowTable) -> pl.DataFrame:
    # The PyCapsule stream hands the buffers over without a copy.
    df = pl.DataFrame(table)
    return df


def synthetic(
    patients: int,
    seed: int = 0,
    years: int = 5,
    start_year: int = 2019,
) -> Dataset:
    """Generate a synthetic SNDS-shaped population.

    The same arguments give the same data, byte for byte, on every platform (see
    :meth:`Dataset.digest`).

    :param patients: number of patients (1 to 20,000,000).
    :param seed: seed of the generator.
    :param years: calendar years covered (1 to 30).
    :param start_year: first calendar year covered.
    """
    for name, value in (
        ("patients", patients),
        ("seed", seed),
        ("years", years),
        ("start_year", start_year),
    ):
        if not isinstance(value, int) or isinstance(value, bool):
            raise InvalidArgumentError(f"{name}: expected an integer, found {type(value).__name__}")
    if patients < 0 or years < 0 or seed < 0:
        raise InvalidArgumentError(
            "patients, years and seed must be non-negative "
            f"(patients={patients}, years={years}, seed={seed})"
        )
    return Dataset._wrap(_native.Dataset.synthetic(patients, seed, years, start_year))


def _files(path: StrPath | Sequence[StrPath], suffixes: tuple[str, ...]) -> list[str]:
    """The files to read: a list as given, a file as is, a folder's files with `suffixes`."""
    if isinstance(path, (str, os.PathLike)):
        p = Path(path)
        if p.is_dir():
            found = sorted(str(f) for f in p.iterdir() if f.suffix in suffixes and f.is_file())
            if not found:
                raise MissingFileError(f"{p}: no {' or '.join(suffixes)} file in this folder")
            return found
        return [str(p)]
    if isinstance(path, Sequence):
        return [os.fspath(f) for f in path]
    raise InvalidArgumentError(
        f"path: expected a file, a folder or a list of files, found {type(path).__name__}"
    )


def read_parquet(path: StrPath | Sequence[StrPath]) -> Dataset:
    """Read SNDS tables from Parquet: one file, a list of files or a folder of ``.parquet`` files.

    Each file holds one table, named by the file name (``ER_PRS_F.parquet``).
    """
    return Dataset._wrap(_native.Dataset.read_files(_files(path, (".parquet",))))


def read_csv(
    path: StrPath | Sequence[StrPath] | Mapping[str, StrPath],
    *,
    separator: str = ";",
    encoding: str = "auto",
) -> Dataset:
    """Read SNDS tables from CSV files.

    ``path`` is one file, a list of files or a folder of ``.csv`` files, each named after its
    table (``IR_BEN_R.csv``), or a mapping of table name to file for files named otherwise
    (``{"ER_PHA_F": "extraction_pharmacie_2021.csv"}``).

    The defaults read CNAM extracts: ``separator=";"``, ``encoding="auto"`` (UTF-8 when the
    bytes are valid UTF-8, else Latin-1; ``"utf-8"`` or ``"latin-1"`` force one). Decimal
    commas and points, ISO and French dates (``09/02/2021``) are accepted in every case.
    """
    if isinstance(path, Mapping):
        files: list[tuple[str | None, str]] = []
        for table, file in path.items():
            if not isinstance(table, str):
                raise InvalidArgumentError(
                    f"path: keys must be SNDS table names (str), found {type(table).__name__}"
                )
            p = Path(os.fspath(file))
            if not p.is_file():
                raise MissingFileError(f"{p}: no such file (table {table})")
            files.append((table, str(p)))
    else:
        files = [(None, f) for f in _files(path, (".csv", ".CSV"))]
    if not isinstance(separator, str) or not isinstance(encoding, str):
        raise InvalidArgumentError("separator and encoding: expected strings")
    return Dataset._wrap(_native.Dataset.read_csv_files(files, separator, encoding))


def read(path: StrPath) -> Dataset:
    """Read every SNDS table of a folder (Parquet, CSV or Arrow IPC files, mixed)."""
    return Dataset._wrap(_native.Dataset.read_dir(os.fspath(path)))


def from_tables(tables: Mapping[str, ArrowStreamExportable]) -> Dataset:
    """Build a dataset from in-memory tables keyed by SNDS table name (``"IR_BEN_R"``...).

    The values may be polars, pandas or pyarrow tables: anything with ``__arrow_c_stream__``.
    """
    if not isinstance(tables, Mapping):
        raise InvalidArgumentError(
            f"tables: expected a mapping of SNDS table name to table, found {type(tables).__name__}"
        )
    items = []
    for name, table in tables.items():
        if not isinstance(name, str):
            raise InvalidArgumentError(
                f"tables: keys must be SNDS table names (str), found {type(name).__name__}"
            )
        items.append((name, table))
    return Dataset._wrap(_native.Dataset.from_tables(items))


def from_population_json(source: StrPath) -> Dataset:
    """A small hand-written population in the JSON format of the shared cohort fixtures
    (``fixtures/README.md``): a path to a ``.json`` file, or the JSON text itself."""
    text = os.fspath(source)
    if not text.lstrip().startswith("{"):
        p = Path(text)
        if not p.is_file():
            raise MissingFileError(f"{p}: no such population file")
        text = p.read_text(encoding="utf-8")
    return Dataset._wrap(_native.Dataset.from_population_json(text))


class Dataset:
    """SNDS source tables and the patient-major event store built from them."""

    __slots__ = ("_inner",)
    _inner: _native.Dataset

    def __init__(self) -> None:
        raise TypeError(
            "create a Dataset with cohorte.synthetic, cohorte.read_parquet, cohorte.read_csv "
            "or cohorte.from_tables"
        )

    @classmethod
    def _wrap(cls, inner: _native.Dataset) -> Dataset:
        obj = object.__new__(cls)
        obj._inner = inner
        return obj

    def tables(self) -> dict[str, pl.DataFrame]:
        """Every source table, as polars DataFrames keyed by SNDS table name."""
        return {name: _to_polars(t) for name, t in self._inner.tables()}

    def table(self, name: str) -> pl.DataFrame:
        """One source table (``"ER_PRS_F"``...) as a polars DataFrame."""
        return _to_polars(self._inner.table(name))

    def write_parquet(self, path: StrPath) -> list[str]:
        """Write every table as ``<folder>/<TABLE>.parquet``; returns the files written."""
        return self._inner.write(os.fspath(path), "parquet")

    def write_csv(self, path: StrPath) -> list[str]:
        """Write every table as CNAM-style CSV ``<folder>/<TABLE>.csv``; returns the files."""
        return self._inner.write(os.fspath(path), "csv")

    def summary(self) -> dict[str, Any]:
        """Patients, events by kind, period covered and rows per table."""
        return self._inner.summary()

    def digest(self) -> str:
        """SHA-256 (hex) of the population in a canonical form: equal digests, equal data."""
        return self._inner.digest()

    @property
    def n_patients(self) -> int:
        """Number of patients."""
        return self._inner.n_patients

    @property
    def n_events(self) -> int:
        """Number of normalised events."""
        return self._inner.n_events

    def cohort(self, definition: DefinitionLike) -> Cohort:
        """Evaluate a cohort definition: a dict, JSON text, the path of a ``.json`` file or a
        :mod:`cohorte.definition` builder."""
        return Cohort._wrap(self._inner.cohort(_definition_json(definition)), self)

    def __repr__(self) -> str:
        return f"<cohorte.Dataset: {self.n_patients} patients, {self.n_events} events>"

    def _repr_html_(self) -> str:
        return _display.dataset_html(self.summary())


class Cohort:
    """The entries of a cohort (person, index date, exit date) and its attrition."""

    __slots__ = ("_dataset", "_inner")
    _inner: _native.Cohort
    _dataset: Dataset

    def __init__(self) -> None:
        raise TypeError("create a Cohort with Dataset.cohort(definition)")

    @classmethod
    def _wrap(cls, inner: _native.Cohort, dataset: Dataset) -> Cohort:
        obj = object.__new__(cls)
        obj._inner = inner
        obj._dataset = dataset
        return obj

    @property
    def dataset(self) -> Dataset:
        """The dataset the cohort was evaluated on."""
        return self._dataset

    def persons(self) -> pl.DataFrame:
        """One row per cohort entry: the person (``person_id``, the ``BEN_NIR_PSA``, with
        ``BEN_RNG_GEM``, the birth rank that tells twins apart), index and exit dates."""
        return _to_polars(self._inner.persons())

    def attrition(self) -> pl.DataFrame:
        """Persons and index events remaining after each step, each step's loss, and the persons
        each inclusion rule alone would remove."""
        return _to_polars(self._inner.attrition())

    @property
    def n_persons(self) -> int:
        """Number of distinct persons."""
        return self._inner.n_persons

    def __len__(self) -> int:
        """Number of cohort entries (a person may enter more than once)."""
        return self._inner.n_entries

    def _set_op(self, other: object, op: Literal["union", "intersection", "difference"]) -> Cohort:
        if not isinstance(other, Cohort):
            raise InvalidArgumentError(
                f"{op}: expected a cohorte.Cohort, found {type(other).__name__}"
            )
        return Cohort._wrap(getattr(self._inner, op)(other._inner), self._dataset)

    def __or__(self, other: Cohort) -> Cohort:
        """Union: the periods of either cohort."""
        return self._set_op(other, "union")

    def __and__(self, other: Cohort) -> Cohort:
        """Intersection: the periods common to both cohorts."""
        return self._set_op(other, "intersection")

    def __sub__(self, other: Cohort) -> Cohort:
        """Difference: the periods of this cohort outside the other's."""
        return self._set_op(other, "difference")

    # -- aggregates (every one protected by disclosure control with threshold k) --

    def counts(
        self,
        by: Sequence[str] = ("age_band", "sex"),
        *,
        age_bands: AgeBands = "ten",
        margins: bool = False,
        k: int = 10,
    ) -> Aggregate:
        """Persons and entries by strata at the index date.

        :param by: strata among ``age_band``, ``sex``, ``region``, ``dept``, ``year``, ``month``.
        :param age_bands: ``five``, ``ten``, ``open_medic``, ``open_damir`` or lower bounds
            (``[0, 18, 65]``).
        :param margins: add the totals over each stratum (null stratum = total).
        :param k: counts of 1 to k - 1 patients are masked.
        """
        opts = {"dims": _dims(by, age_bands), "margins": margins}
        return self._agg(self._inner.counts(json.dumps(opts), _k(k)), k)

    def incidence(
        self,
        outcome: OutcomeLike,
        by: Sequence[str] = (),
        *,
        age_bands: AgeBands = "ten",
        margins: bool = False,
        per: float = 100_000,
        level: float = 0.95,
        first_entry_only: bool = True,
        k: int = 10,
    ) -> Aggregate:
        """Incidence rate of an outcome during follow-up per ``per`` person-years, with exact
        Poisson intervals. ``outcome``: ``"death"``, or codes (see :func:`outcome_codes`)."""
        opts = {
            "dims": _dims(by, age_bands),
            "margins": margins,
            "per": per,
            "level": level,
            "first_entry_only": first_entry_only,
        }
        return self._agg(self._inner.incidence(_outcome(outcome), json.dumps(opts), _k(k)), k)

    def prevalence(
        self,
        date: DateLike,
        by: Sequence[str] = (),
        *,
        age_bands: AgeBands = "ten",
        margins: bool = False,
        level: float = 0.95,
        k: int = 10,
    ) -> Aggregate:
        """Share of the persons observed on ``date`` who are in the cohort that day."""
        opts = {"dims": _dims(by, age_bands), "margins": margins, "level": level}
        return self._agg(self._inner.prevalence(_iso(date), json.dumps(opts), _k(k)), k)

    def km(
        self,
        outcome: OutcomeLike,
        *,
        times: Sequence[int] = (),
        level: float = 0.95,
        first_entry_only: bool = True,
        k: int = 10,
    ) -> dict[str, Aggregate]:
        """Kaplan-Meier estimate of the time from index to an outcome: ``curve`` (with its
        log-log band), ``at_risk`` (numbers at risk at ``times``, days) and ``summary``
        (persons, events, median), protected together."""
        outs = self._inner.km(_outcome(outcome), list(times), level, first_entry_only, _k(k))
        aggs = [Aggregate(name, _to_polars(t), k, notes) for name, t, notes in outs]
        return dict(zip(("curve", "at_risk", "summary"), aggs, strict=True))

    def table1(
        self,
        *others: Cohort,
        names: Sequence[str] | None = None,
        lookback_days: int = 365,
        atc_level: int = 2,
        chapters: bool = True,
        k: int = 10,
    ) -> Aggregate:
        """Baseline characteristics ("Table 1") of this cohort and ``others`` side by side, with
        standardised mean differences between the first two."""
        labels = (
            list(names)
            if names is not None
            else [f"cohort {i + 1}" for i in range(len(others) + 1)]
        )
        if len(labels) != len(others) + 1:
            raise InvalidArgumentError(f"table1: {len(others) + 1} cohorts but {len(labels)} names")
        for o in others:
            if not isinstance(o, Cohort):
                raise InvalidArgumentError(
                    f"table1: expected cohorte.Cohort objects, found {type(o).__name__}"
                )
        opts = {"lookback_days": lookback_days, "atc_level": atc_level, "chapters": chapters}
        pairs = [(n, o._inner) for n, o in zip(labels[1:], others, strict=True)]
        return self._agg(self._inner.table1(labels[0], pairs, json.dumps(opts), _k(k)), k)

    def pathways(self, *, atc_level: int = 2, max_lines: int = 3, k: int = 10) -> Aggregate:
        """Sequences of drug classes (ATC level ``atc_level``) dispensed after index."""
        opts = {"atc_level": atc_level, "max_lines": max_lines}
        return self._agg(self._inner.pathways(json.dumps(opts), _k(k)), k)

    @staticmethod
    def _agg(out: tuple[str, _native.ArrowTable, list[str]], k: int) -> Aggregate:
        name, table, notes = out
        return Aggregate(name, _to_polars(table), k, notes)

    def __repr__(self) -> str:
        return f"<cohorte.Cohort: {self.n_persons} persons, {len(self)} entries>"

    def _repr_html_(self) -> str:
        return _display.cohort_html(self.n_persons, len(self), self.attrition().to_dicts())


class Aggregate:
    """An aggregate protected by disclosure control.

    Cells counting fewer than ``k`` patients, and every cell they could be rebuilt from, are
    null with ``<column>_masked`` set to true. ``df`` is the table as a polars DataFrame;
    ``polars.DataFrame(aggregate)`` works too.
    """

    __slots__ = ("df", "k", "name", "notes")

    def __init__(self, name: str, df: pl.DataFrame, k: int, notes: Sequence[str] = ()) -> None:
        self.name = name
        self.df = df
        self.k = k
        self.notes = list(notes)

    def to_polars(self) -> pl.DataFrame:
        """The table as a polars DataFrame."""
        return self.df

    def __arrow_c_stream__(self, requested_schema: object | None = None) -> object:
        return self.df.__arrow_c_stream__(requested_schema)

    @property
    def columns(self) -> list[str]:
        """Column names."""
        return self.df.columns

    def __len__(self) -> int:
        return self.df.height

    def __getitem__(self, column: str) -> pl.Series:
        """A column, as a polars Series."""
        return self.df[column]

    def __iter__(self) -> Iterator[dict[str, Any]]:
        return iter(self.df.iter_rows(named=True))

    def __repr__(self) -> str:
        return f"<cohorte.Aggregate {self.name} (k={self.k})>\n{self.df}"

    def _repr_html_(self) -> str:
        return _display.aggregate_html(
            self.name, self.k, self.df.columns, self.df.to_dicts(), self.notes
        )
