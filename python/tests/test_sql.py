"""Definitions as SQL from Python: the text, its typed errors, and the DuckDB and Spark helpers.
The DuckDB helper runs every example definition on the tables of a synthetic population and
must give the entries and attrition the engine gives on the same tables."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb
import polars as pl
import pytest

import cohorte
from cohorte.exceptions import DefinitionError, SqlError

EXAMPLES = cohorte.definition.examples()


def test_sql_text_per_dialect() -> None:
    df = EXAMPLES["incident_metformin"]
    for dialect in ("duckdb", "spark", "postgres", "oracle", "PostgreSQL"):
        text = cohorte.sql(df, dialect, pmsi_years=[2020, 2021])
        assert text.startswith("WITH") and "T_MCO21A" in text
    att = cohorte.sql(df, pmsi_years=[2020], result="attrition")
    assert "lost_persons" in att and "alone_events" in att
    # Spark's dates from day numbers, PostgreSQL's by date arithmetic.
    assert "date_from_unix_date" in cohorte.sql(df, "spark", pmsi_years=[2020])
    assert "date_from_unix_date" not in cohorte.sql(df, "postgres", pmsi_years=[2020])
    text = cohorte.sql(df, pmsi_years=[2020], flux=("2020-01-01", "2021-12-31"))
    assert "FLX_DIS_DTD >= DATE '2020-01-01'" in text


def test_sql_errors_are_typed() -> None:
    df = EXAMPLES["incident_metformin"]
    with pytest.raises(SqlError, match="unknown dialect"):
        cohorte.sql(df, "mysql", pmsi_years=[2020])
    with pytest.raises(SqlError, match="pmsi_years"):
        cohorte.sql(df, pmsi_years=[])
    with pytest.raises(SqlError, match="no PMSI year given"):
        cohorte.sql(df)
    with pytest.raises(SqlError, match="no name given for table ER_PRS_F"):
        cohorte.sql(df, tables={"IR_BEN_R": "x.IR_BEN_R", "T_MCO20B": "x.T_MCO20B"})
    with pytest.raises(SqlError, match="unknown result"):
        cohorte.sql(df, pmsi_years=[2020], result="rows")
    with pytest.raises(SqlError, match="flux"):
        cohorte.sql(df, pmsi_years=[2020], flux=("2020-13-01", "2021-01-01"))
    with pytest.raises(DefinitionError):
        cohorte.sql({"version": 2, "name": "x"}, pmsi_years=[2020])
    # SqlError is a ValueError, as the other errors of input.
    with pytest.raises(ValueError):
        cohorte.sql(df, "nope", pmsi_years=[2020])


@pytest.fixture(scope="module")
def extract(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The SNDS tables of a synthetic population, as Parquet files."""
    path = tmp_path_factory.mktemp("snds")
    cohorte.synthetic(3000, seed=3).write_parquet(path)
    return path


def _connection(path: Path) -> tuple[Any, list[int]]:
    con = duckdb.connect()
    years = []
    for f in sorted(path.glob("*.parquet")):
        con.execute(f"CREATE VIEW {f.stem} AS SELECT * FROM read_parquet('{f}')")
        if f.stem.startswith("T_MCO") and f.stem.endswith("B"):
            years.append(2000 + int(f.stem[5:7]))
    return con, years


def _rows(df: pl.DataFrame) -> list[tuple[Any, ...]]:
    return sorted(df.select(df.columns[:4]).iter_rows())


def test_run_duckdb_matches_the_engine_on_the_same_tables(extract: Path) -> None:
    ds = cohorte.read_parquet(extract)
    con, years = _connection(extract)
    assert years
    for name, definition in EXAMPLES.items():
        entries, attrition = cohorte.run_duckdb(definition, con, pmsi_years=years)
        cohort = ds.cohort(definition)
        want = cohort.persons()
        assert entries.columns == ["person_id", "BEN_RNG_GEM", "index_date", "exit_date"]
        got_rows = [(p, int(r), a, b) for p, r, a, b in _rows(entries)]
        want_rows = [(p, int(r), a, b) for p, r, a, b in _rows(want)]
        assert got_rows == want_rows, name
        want_att = cohort.attrition()
        for col in ("persons", "events", "lost_persons", "lost_events", "alone_persons"):
            assert (
                attrition[col].cast(pl.Int64).to_list() == want_att[col].cast(pl.Int64).to_list()
            ), (name, col)
        assert attrition["name"].to_list() == want_att["name"].to_list()


def test_run_duckdb_with_a_table_mapping(extract: Path) -> None:
    con = duckdb.connect()
    con.execute("CREATE SCHEMA snds")
    mapping = {}
    years = []
    for f in sorted(extract.glob("*.parquet")):
        con.execute(f"CREATE VIEW snds.t_{f.stem} AS SELECT * FROM read_parquet('{f}')")
        mapping[f.stem] = f"snds.t_{f.stem}"
    years = sorted(2000 + int(k[5:7]) for k in mapping if k.startswith("T_MCO") and k[-1] == "B")
    definition = {
        "version": 2,
        "name": "metformin",
        "concept_sets": [{"name": "metformin", "system": "ATC", "codes": ["A10BA02"]}],
        "entry": {"events": [{"event": "dispensing", "concept_set": "metformin"}]},
    }
    # The years come from the mapping when not given.
    entries, _ = cohorte.run_duckdb(definition, con, tables=mapping)
    want = cohorte.read_parquet(extract).cohort(definition).persons()
    assert len(entries) == len(want) > 0
    entries2, _ = cohorte.run_duckdb(definition, con, tables=mapping, pmsi_years=years)
    assert _rows(entries2) == _rows(entries)


class _Session:
    """Stands for a SparkSession: records the SQL it is asked to run."""

    def __init__(self) -> None:
        self.texts: list[str] = []

    def sql(self, text: str) -> str:
        self.texts.append(text)
        return f"frame {len(self.texts)}"


def test_run_spark_asks_the_session_for_both_results() -> None:
    s = _Session()
    df = EXAMPLES["incident_metformin"]
    entries, attrition = cohorte.run_spark(df, s, pmsi_years=[2020])
    assert (entries, attrition) == ("frame 1", "frame 2")
    assert s.texts == [
        cohorte.sql(df, "spark", pmsi_years=[2020]),
        cohorte.sql(df, "spark", pmsi_years=[2020], result="attrition"),
    ]
