"""Hand-written DuckDB and polars equivalents of the example definitions (core/definitions/).

Each query returns the persons (patient ids) the definition selects, following the engine's
documented semantics (core/src/definition/mod.rs):
- observation period = [max(birth, data start), min(death, data end)];
- `first` occurrence = the first matching event ever, then the observation requirements filter it
  (`index >= obs_start + prior`, `index + post <= obs_end`);
- an event criterion counts events whose date lies in the window, bounds inclusive, clipped to the
  observation period; `end` of a stay = start + length of stay, clipped to observation;
- age at index = completed years.
The peers only compute the persons, not the exit dates: that favours them.

The SQL (the tables' setup and one query per definition) lives in `queries.sql`, which the
browser benchmark (web-demo/bench/) runs in DuckDB-WASM too; the polars equivalents are here.

Tables (loaded in memory before timing, see peers.py):
  events(patient, kind, role, day, code, value)   kind: 0 dispensing, 1 diagnosis, 2 stay, 4 ALD
  patients(patient, sex, obs_start, obs_end, birth_year, birth_md, dept)
  codes(dict, code_id, code, atc)
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import polars as pl

DISPENSING, DIAGNOSIS, STAY, ALD = 0, 1, 2, 4


@dataclass
class Context:
    data_start: int
    data_end: int


@dataclass
class Query:
    duckdb: Callable
    polars: Callable


# ---------------------------------------------------------------- the SQL, shared

SQL_FILE = Path(__file__).with_name("queries.sql")
_SECTION = re.compile(r"^-- name: (\w+)\s*$", re.MULTILINE)


def load_sql(path: Path = SQL_FILE) -> dict[str, str]:
    """The sections of `queries.sql`, by name (each starts with a line `-- name: <name>`)."""
    text = path.read_text(encoding="utf-8")
    parts = _SECTION.split(text)
    # parts = [preamble, name1, body1, name2, body2, ...]
    out: dict[str, str] = {}
    for name, body in zip(parts[1::2], parts[2::2]):
        if name in out:
            raise ValueError(f"{path}: section {name} appears twice")
        body = body.strip()
        if not body:
            raise ValueError(f"{path}: section {name} is empty")
        out[name] = body
    return out


SQL = load_sql()


def setup_sql(data_start: int, data_end: int) -> list[str]:
    """The statements that build the tables from the exported Parquet files (in the current
    directory's names: `events.parquet`, `patients.parquet`, `codes.parquet`)."""
    return [
        SQL[k]
        .replace("{data_start}", str(data_start))
        .replace("{data_end}", str(data_end))
        for k in ("setup_events", "setup_patients", "setup_codes")
    ]


def duck(name: str) -> Callable:
    sql = SQL[name]

    def run(con, ctx: Context) -> list[int]:
        return [r[0] for r in con.execute(sql).fetchall()]

    return run


# ---------------------------------------------------------------- polars helpers


def pl_ids(frames, dict_name: str, prefixes, exclude=()) -> list[int]:
    col = "atc" if dict_name == "drug" else "code"
    c = frames["codes"].lazy().filter(pl.col("dict") == dict_name)
    inc = pl.any_horizontal([pl.col(col).str.starts_with(p) for p in prefixes])
    for p in exclude:
        inc = inc & ~pl.col(col).str.starts_with(p)
    return c.filter(inc).select("code_id").collect().to_series().to_list()


def pl_first(frames, kind: int, ids, prior: int = 0, post: int = 0) -> pl.LazyFrame:
    ev = frames["events"].lazy()
    end = pl.col("day") + pl.when(pl.col("kind") == STAY).then(
        pl.col("value")
    ).otherwise(0)
    first = (
        ev.filter((pl.col("kind") == kind) & pl.col("code").is_in(ids))
        .with_columns(e=end.cast(pl.Int32))
        .sort(["patient", "day", "e"])
        .group_by("patient")
        .agg(pl.col("day").first().alias("d"), pl.col("e").first())
    )
    return (
        first.join(frames["patients"].lazy(), on="patient")
        .filter(
            (pl.col("d") >= pl.col("obs_start") + prior)
            & (pl.col("d") + post <= pl.col("obs_end"))
        )
        .with_columns(e=pl.min_horizontal("e", "obs_end"))
    )


def pl_age(d: str) -> pl.Expr:
    day = pl.col(d).cast(pl.Date)
    md = day.dt.month().cast(pl.Int32) * 100 + day.dt.day().cast(pl.Int32)
    return (
        day.dt.year().cast(pl.Int32)
        - pl.col("birth_year")
        - (md < pl.col("birth_md")).cast(pl.Int32)
    )


def pl_window(
    frames,
    idx: pl.LazyFrame,
    kinds,
    ids,
    lo: pl.Expr | None,
    hi: pl.Expr | None,
    at_least: int = 1,
    distinct: bool = False,
) -> pl.LazyFrame:
    """Persons of `idx` with at least `at_least` events of `ids` in [lo, hi] clipped."""
    ev = (
        frames["events"]
        .lazy()
        .filter(pl.col("kind").is_in(kinds) & pl.col("code").is_in(ids))
    )
    lo_c = (
        pl.max_horizontal(lo, pl.col("obs_start"))
        if lo is not None
        else pl.col("obs_start")
    )
    hi_c = (
        pl.min_horizontal(hi, pl.col("obs_end"))
        if hi is not None
        else pl.col("obs_end")
    )
    hits = idx.join(ev.select("patient", "day"), on="patient").filter(
        (pl.col("day") >= lo_c) & (pl.col("day") <= hi_c)
    )
    if at_least == 1 and not distinct:
        return hits.select("patient").unique()
    n = pl.col("day").n_unique() if distinct else pl.len()
    return (
        hits.group_by("patient")
        .agg(n.alias("n"))
        .filter(pl.col("n") >= at_least)
        .select("patient")
    )


def persons(lf: pl.LazyFrame) -> list[int]:
    return lf.select("patient").unique().collect().to_series().to_list()


# ---------------------------------------------------------------- the definitions


def incident_metformin_pl(frames, ctx):
    met = pl_ids(frames, "drug", ["A10BA02"])
    other = pl_ids(frames, "drug", ["A10"], exclude=["A10BA02"])
    idx = pl_first(frames, DISPENSING, met, prior=365).filter(pl_age("d") >= 18)
    bad = pl_window(
        frames, idx, [DISPENSING], other, pl.col("d") - 365, pl.col("d") - 1
    )
    return persons(idx.join(bad, on="patient", how="anti"))


def mi_secondary_prevention_pl(frames, ctx):
    idx = pl_first(frames, STAY, pl_ids(frames, "icd10", ["I21"]), prior=365, post=30)
    out = idx
    for p in ("C07", "C10AA", "B01AC"):
        ok = pl_window(
            frames,
            idx,
            [DISPENSING],
            pl_ids(frames, "drug", [p]),
            pl.col("e"),
            pl.col("e") + 30,
        )
        out = out.join(ok, on="patient", how="semi")
    return persons(out)


def hip_fracture_pl(frames, ctx):
    idx = pl_first(
        frames, STAY, pl_ids(frames, "icd10", ["S720", "S721", "S722"]), prior=365
    )
    idx = idx.filter(pl_age("d") >= 65)
    benzo = pl_ids(frames, "drug", ["N05BA", "N05CD", "N05CF"])
    ok = pl_window(
        frames,
        idx,
        [DISPENSING],
        benzo,
        pl.col("d") - 182,
        pl.col("d") - 1,
        at_least=2,
        distinct=True,
    )
    return persons(idx.join(ok, on="patient", how="semi"))


def copd_pl(frames, ctx):
    ids = pl_ids(frames, "icd10", ["J440", "J441"])
    st = (
        frames["events"]
        .lazy()
        .filter((pl.col("kind") == STAY) & pl.col("code").is_in(ids))
        .join(frames["patients"].lazy(), on="patient")
        .filter(
            (pl.col("day") >= pl.col("obs_start"))
            & (pl.col("day") <= pl.col("obs_end"))
        )
        .filter(pl_age("day") >= 40)
    )
    return persons(st)


def t2d_insulin_pl(frames, ctx):
    idx = pl_first(frames, DISPENSING, pl_ids(frames, "drug", ["A10A"]), prior=365)
    dx = pl_window(
        frames,
        idx,
        [DIAGNOSIS, ALD],
        pl_ids(frames, "icd10", ["E11"]),
        None,
        pl.col("d"),
    )
    oral = pl_window(
        frames,
        idx,
        [DISPENSING],
        pl_ids(frames, "drug", ["A10B"]),
        pl.col("d") - 365,
        pl.col("d") - 1,
    )
    return persons(
        idx.join(dx, on="patient", how="semi").join(oral, on="patient", how="semi")
    )


def af_pl(frames, ctx):
    idx = pl_first(
        frames,
        DISPENSING,
        pl_ids(frames, "drug", ["B01AA", "B01AF", "B01AE07"]),
        prior=365,
    )
    ok = pl_window(
        frames,
        idx,
        [DIAGNOSIS, ALD],
        pl_ids(frames, "icd10", ["I48"]),
        pl.col("d") - 365,
        pl.col("d"),
    )
    return persons(idx.join(ok, on="patient", how="semi"))


def hf_after_mi_pl(frames, ctx):
    idx = pl_first(frames, DIAGNOSIS, pl_ids(frames, "icd10", ["I50"]))
    mi_ids = pl_ids(frames, "icd10", ["I21", "I22"])
    mi = (
        frames["events"]
        .lazy()
        .filter((pl.col("kind") == STAY) & pl.col("code").is_in(mi_ids))
        .select(
            "patient",
            pl.col("day").alias("a"),
            (pl.col("day") + pl.col("value")).alias("b"),
        )
    )
    hits = (
        idx.join(mi, on="patient")
        .filter(
            (pl.col("a") >= pl.col("obs_start")) & (pl.col("a") <= pl.col("obs_end"))
        )
        .filter(pl.col("a") <= pl.min_horizontal(pl.col("d") - 1, "obs_end"))
        .filter(
            pl.min_horizontal("b", "obs_end")
            >= pl.max_horizontal(pl.col("d") - 1826, "obs_start")
        )
    )
    return persons(hits)


QUERIES: dict[str, Query] = {
    "incident_metformin": Query(duck("incident_metformin"), incident_metformin_pl),
    "mi_secondary_prevention": Query(
        duck("mi_secondary_prevention"), mi_secondary_prevention_pl
    ),
    "hip_fracture_benzodiazepines": Query(
        duck("hip_fracture_benzodiazepines"), hip_fracture_pl
    ),
    "copd_exacerbation_stays": Query(duck("copd_exacerbation_stays"), copd_pl),
    "t2d_insulin_start": Query(duck("t2d_insulin_start"), t2d_insulin_pl),
    "af_anticoagulant": Query(duck("af_anticoagulant"), af_pl),
    "heart_failure_after_mi": Query(duck("heart_failure_after_mi"), hf_after_mi_pl),
}
