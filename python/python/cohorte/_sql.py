"""A cohort definition as SQL, to run where the SNDS lives (the core's ``cohorte_core::sql``).

The SQL reads the SNDS source tables under their names (or the names of ``tables``), applies
the same quality filters, netting and person identity as :func:`cohorte.read_parquet`, and
gives the same entries and attrition as :meth:`cohorte.Dataset.cohort` on the same tables.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any, Literal, TypeAlias

import polars as pl

from . import _native
from .definition import DefinitionLike, _definition_json
from .exceptions import InvalidArgumentError

__all__ = ["run_duckdb", "run_spark", "sql"]

Dialect: TypeAlias = Literal["duckdb", "spark", "postgres", "oracle"]
Result: TypeAlias = Literal["entries", "attrition"]
DateLike: TypeAlias = date | str


def _iso(d: DateLike) -> str:
    return d.isoformat() if isinstance(d, date) else str(d)


def sql(
    definition: DefinitionLike,
    dialect: Dialect | str = "duckdb",
    *,
    pmsi_years: Sequence[int] | None = None,
    tables: Mapping[str, str] | None = None,
    result: Result | str = "entries",
    flux: tuple[DateLike, DateLike] | None = None,
) -> str:
    """The SQL text (one ``SELECT``) of a definition's ``entries`` (``person_id``,
    ``BEN_RNG_GEM``, ``index_date``, ``exit_date``) or ``attrition``, in ``dialect``
    (``duckdb``, ``spark``, ``postgres``, ``oracle``; Oracle is experimental).

    ``pmsi_years`` names the years of the ``T_MCOaaB/C/D/A`` tables to read (default: those
    named in ``tables``); ``tables`` maps SNDS names to the names to read (``{"ER_PRS_F":
    "proj.ER_PRS_F", ...}``, every table read); ``flux`` bounds ``FLX_DIS_DTD`` (inclusive).
    Raises :class:`cohorte.exceptions.SqlError` for an unknown dialect or result, a table
    missing from ``tables``, no PMSI year, and ``DefinitionError`` for an invalid definition.

    >>> import cohorte
    >>> text = cohorte.sql(cohorte.definition.examples()["incident_metformin"],
    ...                    pmsi_years=[2021])
    >>> text.startswith("WITH")
    True
    """
    if isinstance(pmsi_years, (str, bytes)) or (
        pmsi_years is not None and not all(isinstance(y, int) for y in pmsi_years)
    ):
        raise InvalidArgumentError("pmsi_years: expected a list of years (integers)")
    return _native.sql_text(
        _definition_json(definition),
        str(dialect),
        None if pmsi_years is None else [int(y) for y in pmsi_years],
        None if tables is None else {str(k): str(v) for k, v in tables.items()},
        str(result),
        None if flux is None else (_iso(flux[0]), _iso(flux[1])),
    )


def run_duckdb(
    definition: DefinitionLike,
    connection: Any,
    *,
    pmsi_years: Sequence[int] | None = None,
    tables: Mapping[str, str] | None = None,
    flux: tuple[DateLike, DateLike] | None = None,
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Run a definition on a DuckDB connection where the SNDS tables are registered (tables or
    views under their names, or those of ``tables``); returns ``(entries, attrition)`` as polars
    DataFrames, as :meth:`cohorte.Cohort.persons` and :meth:`cohorte.Cohort.attrition`."""
    out: list[pl.DataFrame] = []
    for result in ("entries", "attrition"):
        text = sql(
            definition, "duckdb", pmsi_years=pmsi_years, tables=tables, result=result, flux=flux
        )
        out.append(connection.sql(text).pl())
    return out[0], out[1]


def run_spark(
    definition: DefinitionLike,
    spark: Any,
    *,
    pmsi_years: Sequence[int] | None = None,
    tables: Mapping[str, str] | None = None,
    flux: tuple[DateLike, DateLike] | None = None,
) -> tuple[Any, Any]:
    """Run a definition on a ``SparkSession`` whose catalog holds the SNDS tables (under their
    names, or those of ``tables``, e.g. ``"snds.ER_PRS_F"``); returns ``(entries, attrition)`` as
    Spark DataFrames (lazy: nothing runs until they are collected or written)."""
    out: list[Any] = []
    for result in ("entries", "attrition"):
        text = sql(
            definition, "spark", pmsi_years=pmsi_years, tables=tables, result=result, flux=flux
        )
        out.append(spark.sql(text))
    return out[0], out[1]
