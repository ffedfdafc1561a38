"""Time DuckDB and polars on the cohorts the native engine computed, on the same data.

`core/examples/bench.rs` exports the normalised data (`events`, `patients`, `codes` as Parquet)
and, for each example definition, the engine's persons and timings (`native.json`,
`persons_<name>.txt`). This script loads the tables in memory (before any timing), runs a
hand-written equivalent of each definition in DuckDB (SQL) and in polars (lazy API), checks that
each returns exactly the engine's persons, and prints the ratios.

    python bench/peers.py bench-data
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

import duckdb
import polars as pl

sys.path.insert(0, str(Path(__file__).parent))
import queries


def best_of(repeat: int, fn):
    best, out = float("inf"), None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t)
    return best, out


def main() -> int:
    data = Path(sys.argv[1] if len(sys.argv) > 1 else "bench-data")
    repeat = int(os.environ.get("BENCH_REPEAT", "3"))
    native = json.loads((data / "native.json").read_text())
    threads = os.cpu_count() or 1

    span = json.loads((data / "span.json").read_text())
    ds, de = span["data_start"], span["data_end"]
    con = duckdb.connect(":memory:")
    con.execute(f"SET threads = {threads}")
    # the setup of queries.sql, shared with the browser benchmark, on this folder's files
    for stmt in queries.setup_sql(ds, de):
        con.execute(
            stmt.replace("'events.parquet'", f"'{data / 'events.parquet'}'")
            .replace("'patients.parquet'", f"'{data / 'patients.parquet'}'")
            .replace("'codes.parquet'", f"'{data / 'codes.parquet'}'")
        )

    ev = pl.read_parquet(data / "events.parquet")
    ev = ev.with_columns(day=pl.col("date").cast(pl.Int32)).drop("date")
    pt = pl.read_parquet(data / "patients.parquet")
    pt = pt.select(
        "patient",
        "sex",
        obs_start=pl.max_horizontal(
            pl.col("birth").cast(pl.Int32), pl.lit(ds, pl.Int32)
        ),
        obs_end=pl.min_horizontal(
            pl.col("death").cast(pl.Int32).fill_null(de), pl.lit(de, pl.Int32)
        ),
        birth_year=pl.col("birth").dt.year().cast(pl.Int32),
        birth_md=(
            pl.col("birth").dt.month().cast(pl.Int32) * 100
            + pl.col("birth").dt.day().cast(pl.Int32)
        ),
        dept="dept",
    )
    frames = {
        "events": ev,
        "patients": pt,
        "codes": pl.read_parquet(data / "codes.parquet"),
    }
    ctx = queries.Context(span["data_start"], span["data_end"])

    print(
        f"== peers on {native['patients']} patients, {native['events']} events, {threads} threads "
        f"(duckdb {duckdb.__version__}, polars {pl.__version__})"
    )
    print(
        f"{'definition':<34}{'persons':>9}{'engine 1t':>11}{'engine all':>11}"
        f"{'duckdb':>9}{'polars':>9}{'duckdb/1t':>11}{'polars/1t':>11}"
    )
    failures = 0
    rows = []
    for c in native["cohorts"]:
        name = c["name"]
        q = queries.QUERIES.get(name)
        if q is None:
            print(f"{name:<34} no equivalent query written: skipped")
            continue
        expected = sorted(
            int(x) for x in (data / f"persons_{name}.txt").read_text().split()
        )
        t_duck, duck = best_of(repeat, lambda q=q: q.duckdb(con, ctx))
        t_pl, pol = best_of(repeat, lambda q=q: q.polars(frames, ctx))
        duck, pol = sorted(duck), sorted(pol)
        ok = duck == expected and pol == expected
        if not ok:
            failures += 1
            print(
                f"{name}: MISMATCH engine {len(expected)} persons, "
                f"duckdb {len(duck)}, polars {len(pol)}"
            )
            for label, got in (("duckdb", duck), ("polars", pol)):
                extra = sorted(set(got) - set(expected))[:5]
                missing = sorted(set(expected) - set(got))[:5]
                if extra or missing:
                    print(f"  {label}: extra {extra} missing {missing}")
        e1, ea = c["one_thread_s"], c["all_threads_s"]
        print(
            f"{name:<34}{len(expected):>9}{e1 * 1e3:>9.1f}ms{ea * 1e3:>9.1f}ms"
            f"{t_duck * 1e3:>7.0f}ms{t_pl * 1e3:>7.0f}ms{t_duck / e1:>10.1f}x{t_pl / e1:>10.1f}x"
        )
        rows.append(
            {
                "name": name,
                "persons": len(expected),
                "engine_1t_s": e1,
                "engine_all_s": ea,
                "duckdb_s": t_duck,
                "polars_s": t_pl,
                "same_persons": ok,
            }
        )
    if rows:
        worst = min(min(r["duckdb_s"], r["polars_s"]) / r["engine_1t_s"] for r in rows)
        print(
            "smallest ratio (peer with all threads / engine on one thread): "
            f"{worst:.1f}x (budget >= 5x)"
        )
    (data / "peers.json").write_text(json.dumps(rows, indent=2))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
