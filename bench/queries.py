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

Tables (loaded in memory before timing, see peers.py):
  events(patient, kind, role, day, code, value)   kind: 0 dispensing, 1 diagnosis, 2 stay, 4 ALD
  patients(patient, sex, birth, obs_start, obs_end, birth_year, birth_md)
  codes(dict, code_id, code, atc)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import polars as pl

DISPENSING, DIAGNOSIS, STAY, ALD = 0, 1, 2, 4
EPOCH = "DATE '1970-01-01'"


@dataclass
class Context:
    data_start: int
    data_end: int


@dataclass
class Query:
    duckdb: Callable
    polars: Callable


# ---------------------------------------------------------------- DuckDB helpers

def sql_atc(*prefixes: str, exclude: tuple[str, ...] = ()) -> str:
    inc = " OR ".join(f"atc LIKE '{p}%'" for p in prefixes)
    exc = "".join(f" AND atc NOT LIKE '{p}%'" for p in exclude)
    return f"(SELECT code_id FROM codes WHERE dict = 'drug' AND ({inc}){exc})"


def sql_icd(*prefixes: str) -> str:
    inc = " OR ".join(f"code LIKE '{p}%'" for p in prefixes)
    return f"(SELECT code_id FROM codes WHERE dict = 'icd10' AND ({inc}))"


def sql_first(kind: int, codes: str, prior: int = 0, post: int = 0) -> str:
    """CTE body: first matching event per person (same-day ties: earliest end), kept when the
    observation allows it; `e` = index end clipped to observation."""
    end = f"day + CASE WHEN kind = {STAY} THEN value ELSE 0 END"
    return f"""
      SELECT g.patient, g.de.d AS d, least(g.de.e, p.obs_end) AS e, p.obs_start, p.obs_end,
             p.birth_year, p.birth_md
      FROM (SELECT patient, min({{'d': day, 'e': {end}}}) AS de
            FROM events WHERE kind = {kind} AND code IN {codes} GROUP BY patient) g
      JOIN patients p ON p.patient = g.patient
      WHERE g.de.d >= p.obs_start + {prior} AND g.de.d + {post} <= p.obs_end"""


def sql_age(d: str) -> str:
    day = f"({EPOCH} + {d})"
    return (f"(year({day}) - birth_year - CASE WHEN month({day}) * 100 + day({day}) < birth_md "
            f"THEN 1 ELSE 0 END)")


def sql_exists(kind: int, codes: str, lo: str, hi: str, at_least: int = 1, distinct: bool = False,
               kinds: tuple[int, ...] | None = None) -> str:
    """Condition on idx rows: events of `codes` dated in [lo, hi] clipped to observation."""
    kinds_sql = f"kind IN ({', '.join(map(str, kinds))})" if kinds else f"kind = {kind}"
    lo_c = f"greatest({lo}, idx.obs_start)" if lo else "idx.obs_start"
    hi_c = f"least({hi}, idx.obs_end)" if hi else "idx.obs_end"
    what = "count(DISTINCT x.day)" if distinct else "count(*)"
    if at_least == 1 and not distinct:
        return (f"EXISTS (SELECT 1 FROM events x WHERE x.patient = idx.patient AND x.{kinds_sql} "
                f"AND x.code IN {codes} AND x.day BETWEEN {lo_c} AND {hi_c})")
    return (f"(SELECT {what} FROM events x WHERE x.patient = idx.patient AND x.{kinds_sql} "
            f"AND x.code IN {codes} AND x.day BETWEEN {lo_c} AND {hi_c}) >= {at_least}")


def duck(sql: str) -> Callable:
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
    end = pl.col("day") + pl.when(pl.col("kind") == STAY).then(pl.col("value")).otherwise(0)
    first = (ev.filter((pl.col("kind") == kind) & pl.col("code").is_in(ids))
             .with_columns(e=end.cast(pl.Int32))
             .sort(["patient", "day", "e"])
             .group_by("patient").agg(pl.col("day").first().alias("d"), pl.col("e").first()))
    return (first.join(frames["patients"].lazy(), on="patient")
            .filter((pl.col("d") >= pl.col("obs_start") + prior)
                    & (pl.col("d") + post <= pl.col("obs_end")))
            .with_columns(e=pl.min_horizontal("e", "obs_end")))


def pl_age(d: str) -> pl.Expr:
    day = pl.col(d).cast(pl.Date)
    md = day.dt.month().cast(pl.Int32) * 100 + day.dt.day().cast(pl.Int32)
    return (day.dt.year().cast(pl.Int32) - pl.col("birth_year")
            - (md < pl.col("birth_md")).cast(pl.Int32))


def pl_window(frames, idx: pl.LazyFrame, kinds, ids, lo: pl.Expr | None, hi: pl.Expr | None,
              at_least: int = 1, distinct: bool = False) -> pl.LazyFrame:
    """Persons of `idx` with at least `at_least` events of `ids` in [lo, hi] clipped."""
    ev = frames["events"].lazy().filter(pl.col("kind").is_in(kinds) & pl.col("code").is_in(ids))
    lo_c = pl.max_horizontal(lo, pl.col("obs_start")) if lo is not None else pl.col("obs_start")
    hi_c = pl.min_horizontal(hi, pl.col("obs_end")) if hi is not None else pl.col("obs_end")
    hits = (idx.join(ev.select("patient", "day"), on="patient")
            .filter((pl.col("day") >= lo_c) & (pl.col("day") <= hi_c)))
    if at_least == 1 and not distinct:
        return hits.select("patient").unique()
    n = pl.col("day").n_unique() if distinct else pl.len()
    return hits.group_by("patient").agg(n.alias("n")).filter(pl.col("n") >= at_least).select("patient")


def persons(lf: pl.LazyFrame) -> list[int]:
    return lf.select("patient").unique().collect().to_series().to_list()


# ---------------------------------------------------------------- the definitions

def incident_metformin_duck(con, ctx):
    sql = f"""
      WITH idx AS ({sql_first(DISPENSING, sql_atc('A10BA02'), prior=365)})
      SELECT patient FROM idx WHERE {sql_age('idx.d')} >= 18
        AND NOT {sql_exists(DISPENSING, sql_atc('A10', exclude=('A10BA02',)), 'idx.d - 365', 'idx.d - 1')}"""
    return duck(sql)(con, ctx)


def incident_metformin_pl(frames, ctx):
    met = pl_ids(frames, "drug", ["A10BA02"])
    other = pl_ids(frames, "drug", ["A10"], exclude=["A10BA02"])
    idx = pl_first(frames, DISPENSING, met, prior=365).filter(pl_age("d") >= 18)
    bad = pl_window(frames, idx, [DISPENSING], other, pl.col("d") - 365, pl.col("d") - 1)
    return persons(idx.join(bad, on="patient", how="anti"))


def mi_secondary_prevention_duck(con, ctx):
    e = "least(idx.e, idx.obs_end)"
    conds = " AND ".join(
        sql_exists(DISPENSING, sql_atc(p), e, f"{e} + 30") for p in ("C07", "C10AA", "B01AC"))
    sql = f"""
      WITH idx AS ({sql_first(STAY, sql_icd('I21'), prior=365, post=30)})
      SELECT patient FROM idx WHERE {conds}"""
    return duck(sql)(con, ctx)


def mi_secondary_prevention_pl(frames, ctx):
    idx = pl_first(frames, STAY, pl_ids(frames, "icd10", ["I21"]), prior=365, post=30)
    out = idx
    for p in ("C07", "C10AA", "B01AC"):
        ok = pl_window(frames, idx, [DISPENSING], pl_ids(frames, "drug", [p]),
                       pl.col("e"), pl.col("e") + 30)
        out = out.join(ok, on="patient", how="semi")
    return persons(out)


def hip_fracture_duck(con, ctx):
    benzo = sql_atc("N05BA", "N05CD", "N05CF")
    sql = f"""
      WITH idx AS ({sql_first(STAY, sql_icd('S720', 'S721', 'S722'), prior=365)})
      SELECT patient FROM idx WHERE {sql_age('idx.d')} >= 65
        AND {sql_exists(DISPENSING, benzo, 'idx.d - 182', 'idx.d - 1', at_least=2, distinct=True)}"""
    return duck(sql)(con, ctx)


def hip_fracture_pl(frames, ctx):
    idx = pl_first(frames, STAY, pl_ids(frames, "icd10", ["S720", "S721", "S722"]), prior=365)
    idx = idx.filter(pl_age("d") >= 65)
    benzo = pl_ids(frames, "drug", ["N05BA", "N05CD", "N05CF"])
    ok = pl_window(frames, idx, [DISPENSING], benzo, pl.col("d") - 182, pl.col("d") - 1,
                   at_least=2, distinct=True)
    return persons(idx.join(ok, on="patient", how="semi"))


def copd_duck(con, ctx):
    sql = f"""
      SELECT DISTINCT e.patient FROM events e JOIN patients USING (patient)
      WHERE e.kind = {STAY} AND e.code IN {sql_icd('J440', 'J441')}
        AND e.day BETWEEN obs_start AND obs_end AND {sql_age('e.day')} >= 40"""
    return duck(sql)(con, ctx)


def copd_pl(frames, ctx):
    ids = pl_ids(frames, "icd10", ["J440", "J441"])
    st = (frames["events"].lazy().filter((pl.col("kind") == STAY) & pl.col("code").is_in(ids))
          .join(frames["patients"].lazy(), on="patient")
          .filter((pl.col("day") >= pl.col("obs_start")) & (pl.col("day") <= pl.col("obs_end")))
          .filter(pl_age("day") >= 40))
    return persons(st)


def t2d_insulin_duck(con, ctx):
    e11 = sql_icd("E11")
    sql = f"""
      WITH idx AS ({sql_first(DISPENSING, sql_atc('A10A'), prior=365)})
      SELECT patient FROM idx
      WHERE {sql_exists(0, e11, None, 'idx.d', kinds=(DIAGNOSIS, ALD))}
        AND {sql_exists(DISPENSING, sql_atc('A10B'), 'idx.d - 365', 'idx.d - 1')}"""
    return duck(sql)(con, ctx)


def t2d_insulin_pl(frames, ctx):
    idx = pl_first(frames, DISPENSING, pl_ids(frames, "drug", ["A10A"]), prior=365)
    dx = pl_window(frames, idx, [DIAGNOSIS, ALD], pl_ids(frames, "icd10", ["E11"]),
                   None, pl.col("d"))
    oral = pl_window(frames, idx, [DISPENSING], pl_ids(frames, "drug", ["A10B"]),
                     pl.col("d") - 365, pl.col("d") - 1)
    return persons(idx.join(dx, on="patient", how="semi").join(oral, on="patient", how="semi"))


def af_duck(con, ctx):
    sql = f"""
      WITH idx AS ({sql_first(DISPENSING, sql_atc('B01AA', 'B01AF', 'B01AE07'), prior=365)})
      SELECT patient FROM idx
      WHERE {sql_exists(0, sql_icd('I48'), 'idx.d - 365', 'idx.d', kinds=(DIAGNOSIS, ALD))}"""
    return duck(sql)(con, ctx)


def af_pl(frames, ctx):
    idx = pl_first(frames, DISPENSING, pl_ids(frames, "drug", ["B01AA", "B01AF", "B01AE07"]),
                   prior=365)
    ok = pl_window(frames, idx, [DIAGNOSIS, ALD], pl_ids(frames, "icd10", ["I48"]),
                   pl.col("d") - 365, pl.col("d"))
    return persons(idx.join(ok, on="patient", how="semi"))


def hf_after_mi_duck(con, ctx):
    sql = f"""
      WITH idx AS ({sql_first(DIAGNOSIS, sql_icd('I50'))})
      SELECT patient FROM idx WHERE EXISTS (
        SELECT 1 FROM events x WHERE x.patient = idx.patient AND x.kind = {STAY}
          AND x.code IN {sql_icd('I21', 'I22')}
          AND x.day BETWEEN idx.obs_start AND idx.obs_end
          AND x.day <= least(idx.d - 1, idx.obs_end)
          AND least(x.day + x.value, idx.obs_end) >= greatest(idx.d - 1826, idx.obs_start))"""
    return duck(sql)(con, ctx)


def hf_after_mi_pl(frames, ctx):
    idx = pl_first(frames, DIAGNOSIS, pl_ids(frames, "icd10", ["I50"]))
    mi_ids = pl_ids(frames, "icd10", ["I21", "I22"])
    mi = (frames["events"].lazy().filter((pl.col("kind") == STAY) & pl.col("code").is_in(mi_ids))
          .select("patient", pl.col("day").alias("a"), (pl.col("day") + pl.col("value")).alias("b")))
    hits = (idx.join(mi, on="patient")
            .filter((pl.col("a") >= pl.col("obs_start")) & (pl.col("a") <= pl.col("obs_end")))
            .filter(pl.col("a") <= pl.min_horizontal(pl.col("d") - 1, "obs_end"))
            .filter(pl.min_horizontal("b", "obs_end")
                    >= pl.max_horizontal(pl.col("d") - 1826, "obs_start")))
    return persons(hits)


QUERIES: dict[str, Query] = {
    "incident_metformin": Query(incident_metformin_duck, incident_metformin_pl),
    "mi_secondary_prevention": Query(mi_secondary_prevention_duck, mi_secondary_prevention_pl),
    "hip_fracture_benzodiazepines": Query(hip_fracture_duck, hip_fracture_pl),
    "copd_exacerbation_stays": Query(copd_duck, copd_pl),
    "t2d_insulin_start": Query(t2d_insulin_duck, t2d_insulin_pl),
    "af_anticoagulant": Query(af_duck, af_pl),
    "heart_failure_after_mi": Query(hf_after_mi_duck, hf_after_mi_pl),
}
