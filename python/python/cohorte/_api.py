"""The Python face of the core: Dataset, Cohort and Aggregate wrap the native objects of
``cohorte._native`` and turn their Arrow tables into polars DataFrames.

Everything computed here is computed by the core; this module only converts arguments (a
definition given as a dict, a path or a builder becomes its JSON text) and results.
"""

from __future__ import annotations

import json
import os
import warnings
from collections.abc import Mapping, Sequence
from datetime import date
from datetime import date as _date
from io import BytesIO
from pathlib import Path
from typing import Any, Literal, Protocol, TypeAlias

import polars as pl

from . import _display, _native
from .definition import DefinitionLike, _definition_json
from .exceptions import (
    FileError,
    FormatError,
    InvalidArgumentError,
    MissingFileError,
    RestoredCellsWarning,
)

__all__ = [
    "Aggregate",
    "Cohort",
    "Dataset",
    "KaplanMeier",
    "from_population_json",
    "from_tables",
    "read",
    "read_csv",
    "read_data_pathologies",
    "read_open_data",
    "read_open_medic",
    "read_parquet",
    "standardise_prevalence",
    "summarise_open_data",
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
    if not isinstance(k, int) or isinstance(k, bool) or not 2 <= k <= 2**32 - 1:
        raise InvalidArgumentError(
            f"k: expected an integer of at least 2 (e.g. 10 or 11), found {k!r}"
        )
    return k


def _int_arg(name: str, value: object, lo: int, hi: int) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise InvalidArgumentError(f"{name}: expected an integer, found {value!r}")
    if not lo <= value <= hi:
        raise InvalidArgumentError(f"{name}: expected {lo} to {hi}, found {value}")
    return value


def _bool_arg(name: str, value: object) -> bool:
    if not isinstance(value, bool):
        raise InvalidArgumentError(f"{name}: expected True or False, found {value!r}")
    return value


def _float_arg(name: str, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise InvalidArgumentError(f"{name}: expected a number, found {value!r}")
    return float(value)


def _level(level: object) -> float:
    v = _float_arg("level", level)
    if not 0.0 < v < 1.0:
        raise InvalidArgumentError(f"level: expected a confidence level in (0, 1), found {v}")
    return v


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
    pitfalls: bool = False,
) -> Dataset:
    """Generate a synthetic SNDS-shaped population.

    The same arguments give the same data, byte for byte, on every platform (see
    :meth:`Dataset.digest`).

    :param patients: number of patients (1 to 20,000,000).
    :param seed: seed of the generator.
    :param years: calendar years covered (1 to 30).
    :param start_year: first calendar year covered.
    :param pitfalls: "real-world pitfalls" mode: the source tables (:meth:`Dataset.tables`,
        :meth:`Dataset.write`) hold the traps of real extracts (pseudonyms merged by
        ``BEN_NIR_ANO``, fictitious NIRs, ``1600-01-01`` sentinel dates, reused
        ``DCT_ORD_NUM``, late fluxes, regularisation lines with negative quantities,
        duplicated FINESS, ALD natures 11/12/13), which the
        loader's quality filters undo (their report is in :meth:`Dataset.summary` of the data
        read back). The population and its digest are the same either way.
    """
    # The core's ranges are checked here too, so that a Python integer too large for the native
    # type is an InvalidArgumentError naming the argument, not an OverflowError.
    patients = _int_arg("patients", patients, 0, 2**32 - 1)
    seed = _int_arg("seed", seed, 0, 2**64 - 1)
    years = _int_arg("years", years, 0, 2**32 - 1)
    start_year = _int_arg("start_year", start_year, -(2**31), 2**31 - 1)
    pitfalls = _bool_arg("pitfalls", pitfalls)
    return Dataset._wrap(_native.Dataset.synthetic(patients, seed, years, start_year, pitfalls))


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
        try:
            text = p.read_text(encoding="utf-8")
        except UnicodeDecodeError as e:
            raise FormatError(
                f"{p}: a population file must be UTF-8 JSON (invalid byte at offset {e.start})"
            ) from None
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
        :param k: counts of 1 to k - 1 patients are masked (k >= 2).
        """
        opts = {"dims": _dims(by, age_bands), "margins": _bool_arg("margins", margins)}
        return self._agg(self._inner.counts(json.dumps(opts), _k(k)), k)

    def dispensings(
        self,
        *,
        age_bands: AgeBands = "open_medic",
        margins: bool = False,
        k: int = 10,
    ) -> Aggregate:
        """Boxes dispensed to the cohort during follow-up, by pack (``cip13``, with its
        ``atc7``), age band at dispensing, sex and region: the shape of Open Medic. Columns
        ``persons`` (distinct patients), ``boxes`` (net boxes) and ``dispensings``, masked with
        ``persons``. With the default Open Medic age bands, :meth:`Aggregate.write_open_medic`
        writes it as an Open Medic file."""
        bands = _dims(["age_band"], age_bands)[0]["age_band"]
        opts = {"age_bands": bands, "margins": _bool_arg("margins", margins)}
        return self._agg(self._inner.dispensings(json.dumps(opts), _k(k)), k)

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
            "margins": _bool_arg("margins", margins),
            "per": _float_arg("per", per),
            "level": _level(level),
            "first_entry_only": _bool_arg("first_entry_only", first_entry_only),
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
        opts = {
            "dims": _dims(by, age_bands),
            "margins": _bool_arg("margins", margins),
            "level": _level(level),
        }
        if not isinstance(date, (str, _date)):
            raise InvalidArgumentError(
                f"date: expected a datetime.date or 'YYYY-MM-DD', found {type(date).__name__}"
            )
        return self._agg(self._inner.prevalence(_iso(date), json.dumps(opts), _k(k)), k)

    def km(
        self,
        outcome: OutcomeLike,
        *,
        times: Sequence[int] = (),
        level: float = 0.95,
        first_entry_only: bool = True,
        k: int = 10,
    ) -> KaplanMeier:
        """Kaplan-Meier estimate of the time from index to an outcome: the curve (with its
        log-log band) as the frame itself, with ``.at_risk`` (numbers at risk at ``times``, days)
        and ``.summary`` (persons, events, median), the three protected together."""
        if isinstance(times, (str, bytes)) or not isinstance(times, Sequence):
            raise InvalidArgumentError(
                f"times: expected a list of days (integers), found {type(times).__name__}"
            )
        days = [_int_arg("times", t, -(2**63), 2**63 - 1) for t in times]
        outs = self._inner.km(
            _outcome(outcome),
            days,
            _level(level),
            _bool_arg("first_entry_only", first_entry_only),
            _k(k),
        )
        curve, at_risk, summary = outs
        km = KaplanMeier._from_native(curve, k)
        assert isinstance(km, KaplanMeier)
        km.at_risk = Aggregate._from_native(at_risk, k)
        km.summary = Aggregate._from_native(summary, k)
        return km

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
        opts = {
            "lookback_days": _int_arg("lookback_days", lookback_days, 0, 2**31 - 1),
            "atc_level": _int_arg("atc_level", atc_level, 1, 5),
            "chapters": _bool_arg("chapters", chapters),
        }
        pairs = [(n, o._inner) for n, o in zip(labels[1:], others, strict=True)]
        return self._agg(self._inner.table1(labels[0], pairs, json.dumps(opts), _k(k)), k)

    def pathways(self, *, atc_level: int = 2, max_lines: int = 3, k: int = 10) -> Aggregate:
        """Sequences of drug classes (ATC level ``atc_level``) dispensed after index."""
        opts = {
            "atc_level": _int_arg("atc_level", atc_level, 1, 5),
            "max_lines": _int_arg("max_lines", max_lines, 1, 2**31 - 1),
        }
        return self._agg(self._inner.pathways(json.dumps(opts), _k(k)), k)

    @staticmethod
    def _agg(out: _native.Aggregate, k: int) -> Aggregate:
        return Aggregate._from_native(out, k)

    def __repr__(self) -> str:
        return f"<cohorte.Cohort: {self.n_persons} persons, {len(self)} entries>"

    def _repr_html_(self) -> str:
        return _display.cohort_html(self.n_persons, len(self), self.attrition().to_dicts())


class Aggregate(pl.DataFrame):
    """An aggregate protected by disclosure control: a polars DataFrame with the aggregate's
    ``name``, the threshold ``k`` it was protected with, its ``notes`` and its strata ``dims``.

    Cells counting fewer than ``k`` patients, and every cell they could be rebuilt from, are
    null with ``<column>_masked`` set to true. In a strata column, a null marks a margin row
    (the total over that stratum).

    Every polars method works on it; a frame derived by a polars operation (``filter``,
    ``select``, ``join``...) is a plain ``polars.DataFrame``, since it is no longer the table
    that was protected. ``df`` and :meth:`to_polars` give the table as a plain DataFrame too.
    """

    name: str | None
    k: int | None
    notes: list[str]
    dims: list[str]
    _native_agg: _native.Aggregate | None

    def __init__(
        self,
        data: Any = None,
        *args: Any,
        name: str | None = None,
        k: int | None = None,
        notes: Sequence[str] = (),
        dims: Sequence[str] = (),
        **kwargs: Any,
    ) -> None:
        # Same arguments as polars.DataFrame (polars itself builds frames with
        # ``type(df)(columns)``), plus the aggregate's description as keywords.
        super().__init__(data, *args, **kwargs)
        self._set_meta(name, k, notes, dims, None)

    def _set_meta(
        self,
        name: str | None,
        k: int | None,
        notes: Sequence[str],
        dims: Sequence[str],
        native: _native.Aggregate | None,
    ) -> None:
        self.name = name
        self.k = k
        self.notes = list(notes)
        self.dims = list(dims)
        self._native_agg = native

    @classmethod
    def _from_native(cls, agg: _native.Aggregate, k: int) -> Aggregate:
        obj = cls.__new__(cls)
        obj._df = _to_polars(agg.table())._df
        obj._set_meta(agg.name, k, agg.notes, agg.dims, agg)
        return obj

    @classmethod
    def _from_pydf(cls, py_df: Any) -> pl.DataFrame:
        # polars wraps the result of nearly every operation with ``self._from_pydf``: the result
        # is another table than the one protected, so it is a plain DataFrame.
        return pl.DataFrame._from_pydf(py_df)

    def _with_meta_of(self, df: pl.DataFrame) -> Aggregate:
        obj = type(self).__new__(type(self))
        obj._df = df._df
        obj.__dict__.update({k: v for k, v in self.__dict__.items() if k != "_df"})
        return obj

    @property
    def df(self) -> pl.DataFrame:
        """The table as a plain polars DataFrame."""
        return self.to_polars()

    def to_polars(self) -> pl.DataFrame:
        """The table as a plain polars DataFrame (sharing the buffers)."""
        return pl.DataFrame._from_pydf(self._df.clone())

    def clone(self) -> Aggregate:
        """A copy, still an Aggregate."""
        return self._with_meta_of(self.to_polars())

    def __copy__(self) -> Aggregate:
        return self.clone()

    def __deepcopy__(self, memo: Any = None) -> Aggregate:
        return self.clone()

    def clear(self, n: int = 0) -> pl.DataFrame:
        """An empty (or all-null) frame of the same schema, as a plain DataFrame."""
        return self.to_polars().clear(n)

    def __getstate__(self) -> Any:
        meta = {k: v for k, v in self.__dict__.items() if k not in ("_df", "_native_agg")}
        return {"frame": self.serialize(), "meta": meta}

    def __setstate__(self, state: Any) -> None:
        if isinstance(state, dict) and "frame" in state:
            self._df = pl.DataFrame.deserialize(BytesIO(state["frame"]))._df
            self._set_meta(None, None, (), (), None)
            self.__dict__.update(state["meta"])
        else:  # a state written by polars itself
            super().__setstate__(state)
            self._set_meta(None, None, (), (), None)

    # -- exports in the layouts of the Assurance Maladie's open data (cohorte.opendata) --

    def _native_or_raise(self, what: str) -> _native.Aggregate:
        if self._native_agg is None:
            raise InvalidArgumentError(
                f"{what}: only an aggregate computed by cohorte (not a copy or a derived frame) "
                "can be exported"
            )
        return self._native_agg

    def write_open_medic(self, path: StrPath) -> Path:
        """Write this aggregate (from :meth:`Cohort.dispensings`, Open Medic age bands) as an
        Open Medic file: ``;``-separated, Latin-1, masked boxes as empty cells, margins left
        out. Returns the path written."""
        data = self._native_or_raise("write_open_medic").open_medic()
        return _write_bytes(path, data)

    def write_data_pathologies(
        self,
        path: StrPath,
        *,
        year: int,
        top: str,
        levels: Sequence[str] = ("", "", ""),
    ) -> Path:
        """Write this aggregate (from :meth:`Cohort.prevalence`, five-year age bands) as a Data
        pathologies ``effectifs.csv`` file: ``annee`` = ``year``, ``top`` = the indicator code,
        ``patho_niv1..3`` = ``levels``. Returns the path written."""
        native = self._native_or_raise("write_data_pathologies")
        if not isinstance(year, int) or isinstance(year, bool):
            raise InvalidArgumentError(f"year: expected an integer, found {year!r}")
        lv = [str(v) for v in levels]
        if len(lv) > 3:
            raise InvalidArgumentError(f"levels: at most 3 levels, found {len(lv)}")
        lv += [""] * (3 - len(lv))
        patho = json.dumps({"year": year, "levels": lv, "top": str(top)})
        return _write_bytes(path, native.data_pathologies(patho))

    def __repr__(self) -> str:
        if self.k is None:
            return super().__repr__()
        return f"<cohorte.Aggregate {self.name} (k={self.k})>\n{super().__repr__()}"

    def _repr_html_(self, *, _from_series: bool = False) -> str:
        if self.k is None or _from_series:
            return super()._repr_html_(_from_series=_from_series)
        return _display.aggregate_html(
            self, self.name or "aggregate", self.k, self.dims, self.notes
        )


class KaplanMeier(Aggregate):
    """A Kaplan-Meier curve (one row per event time, with its band), with the numbers at risk
    (``at_risk``) and the summary (``summary``: persons, events, median) protected with it."""

    at_risk: Aggregate
    summary: Aggregate

    @property
    def curve(self) -> Aggregate:
        """The curve itself (this frame)."""
        return self

    def _repr_html_(self, *, _from_series: bool = False) -> str:
        html = super()._repr_html_(_from_series=_from_series)
        if self.k is None or _from_series or not hasattr(self, "summary"):
            return html
        return html + self.summary._repr_html_() + self.at_risk._repr_html_()


def _write_bytes(path: StrPath, data: bytes) -> Path:
    p = Path(os.fspath(path))
    try:
        p.write_bytes(data)
    except OSError as e:
        raise FileError(f"{p}: cannot write ({e.strerror or e})") from None
    return p


OpenDataLayout: TypeAlias = Literal[
    "open_medic",
    "open_medic_consumers",
    "open_phmev",
    "open_bio",
    "open_lpp",
    "open_damir",
    "data_pathologies",
]


def _paths(path: StrPath | Sequence[StrPath]) -> list[str]:
    if isinstance(path, (str, os.PathLike)):
        return [os.fspath(path)]
    return [os.fspath(p) for p in path]


def read_open_data(
    path: StrPath | Sequence[StrPath], *, layout: OpenDataLayout | None = None
) -> pl.DataFrame:
    """Read an open-data file of the Assurance Maladie, its layout told by its header (or
    required with ``layout``): Open Medic (any year, with or without labels) and its ``NB_``
    consumer counts, Open PHMEV, Open Bio, Open LPP, Open DAMIR, Data pathologies (either header
    spelling). Windows-1252 or UTF-8 (with or without BOM), ``1.293,64`` or ``0.169``, quoted
    values as RFC 4180 says. Columns are typed: codes as text (``TOP_GEN`` letters, ``dept``
    ``2A``), counts as integers, amounts and rates as floats; empty cells (masked at source) are
    nulls. Several paths of one layout (monthly Open DAMIR files) are read as one frame whose
    first column, ``file``, names each row's file.

    Cells damaged by a spreadsheet (``05-sept``, département ``7``) are restored, with a
    :class:`~cohorte.exceptions.RestoredCellsWarning` saying how many.
    """
    table, _layout, _encoding, notes = _native.read_open_data(_paths(path), layout)
    for note in notes:
        warnings.warn(note, RestoredCellsWarning, stacklevel=2)
    return _to_polars(table)


def summarise_open_data(
    path: StrPath,
    *,
    sums: Sequence[str],
    by: Sequence[str] = (),
    where: Mapping[str, str | Sequence[str]] | None = None,
    starts_with: Mapping[str, str | Sequence[str]] | None = None,
) -> pl.DataFrame:
    """Filter and sum an open-data file while streaming it, so a 600 MB Open Medic year is
    summarised in the memory of its groups. Rows are kept when each ``where`` column holds one of
    the given values and each ``starts_with`` column starts with one of them (``{"ATC5": "C09"}``
    keeps ATC level 2 ``C09``); values are compared as written in the file (``"93"``, ``"07"``).
    Returns one row per group: the ``by`` columns (as text), ``rows``, each ``sums`` column summed
    and ``<column>_masked``, its empty cells (never counted as zero)."""

    def values(v: str | Sequence[str]) -> list[str]:
        return [v] if isinstance(v, str) else list(v)

    filters = [
        {"column": c, "values": values(v), "prefix": False} for c, v in (where or {}).items()
    ] + [{"column": c, "values": values(v), "prefix": True} for c, v in (starts_with or {}).items()]
    summary = {"by": list(by), "sum": list(sums), "filter": filters}
    return _to_polars(_native.summarise_open_data(os.fspath(path), json.dumps(summary)))


def standardise_prevalence(
    path: StrPath | Sequence[StrPath],
    by: Sequence[str] = ("annee", "top", "region", "dept"),
    *,
    level: float = 0.95,
) -> pl.DataFrame:
    """Age- and sex-standardised prevalences of Data pathologies files: the rows of one sex and
    one 5-year band, grouped by ``by``, each group standardised to the population of France by
    sex and 5-year band (INSEE, census 2018, table POP1B) with Fay-Feuer intervals at ``level``.
    Returns the ``by`` columns (as text), ``Ntop``, ``Npop``, ``masked_strata`` and, in percent
    like ``prev``: ``crude_prev``, ``std_prev``, ``std_prev_lower``, ``std_prev_upper`` and
    ``std_prev_masked_max`` (masked cells counted as 9 cases instead of 0)."""
    table, _reference = _native.standardise_prevalence(_paths(path), list(by), level)
    return _to_polars(table)


def read_open_medic(path: StrPath) -> pl.DataFrame:
    """Read an Open Medic file (``OPEN_MEDIC_<year>.CSV``: any year's header, Windows-1252,
    ``1.293,64``) into its typed columns (codes and ``TOP_GEN`` as text, ``BOITES`` as integers,
    ``REM``/``BSE`` as floats; empty cells are nulls)."""
    return _to_polars(_native.read_open_medic(os.fspath(path)))


def read_data_pathologies(path: StrPath) -> pl.DataFrame:
    """Read a Data pathologies ``effectifs.csv`` file (either header spelling; ``Niveau
    prioritaire`` read as ``niveau_prioritaire``) into its typed columns (``Ntop`` masked at
    source under 10 patients is null; ``prev`` in percent)."""
    return _to_polars(_native.read_data_pathologies(os.fspath(path)))
