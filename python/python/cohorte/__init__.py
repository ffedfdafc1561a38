"""Cohorte: cohort exploration for SNDS-shaped French health-claims data.

Generate a synthetic population or read real extracts, define a cohort (a JSON document or the
:mod:`cohorte.definition` builder), read its attrition, compute aggregates protected by disclosure
control. Tables come out as polars DataFrames.

>>> import cohorte
>>> ds = cohorte.synthetic(1000, seed=1)
>>> ds.summary()["patients"]
1000
"""

from __future__ import annotations

import warnings

from . import definition, exceptions
from ._api import (
    Aggregate,
    Cohort,
    Dataset,
    KaplanMeier,
    from_population_json,
    from_tables,
    read,
    read_csv,
    read_data_pathologies,
    read_open_data,
    read_open_medic,
    read_parquet,
    standardise_prevalence,
    summarise_open_data,
    synthetic,
)
from ._native import DEBUG_BUILD as _DEBUG_BUILD
from ._native import __version__
from ._sql import run_duckdb, run_spark, sql
from .exceptions import CohorteError

__all__ = [
    "Aggregate",
    "Cohort",
    "CohorteError",
    "Dataset",
    "KaplanMeier",
    "__version__",
    "definition",
    "exceptions",
    "from_population_json",
    "from_tables",
    "read",
    "read_csv",
    "read_data_pathologies",
    "read_open_data",
    "read_open_medic",
    "read_parquet",
    "run_duckdb",
    "run_spark",
    "sql",
    "standardise_prevalence",
    "summarise_open_data",
    "synthetic",
]

if _DEBUG_BUILD:
    warnings.warn(
        "cohorte was built in debug mode and runs 10-50x slower than a release build; "
        "rebuild with `maturin develop --release` (or `make test-python`).",
        RuntimeWarning,
        stacklevel=2,
    )
