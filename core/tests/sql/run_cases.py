"""Run the cases written by ``write_sql_cases`` (core/tests/sql_differential.rs) on a SQL engine
and compare its entries and attrition with the engine's.

    python run_cases.py CASES_DIR duckdb [--limit N]
    python run_cases.py CASES_DIR postgres [--limit N]   # starts a throwaway cluster
    python run_cases.py CASES_DIR spark [--limit N]      # local[2], ANSI mode on and off
    python run_cases.py CASES_DIR oracle [--limit N]     # parses the Oracle SQL with sqlglot

Each case directory holds ``tables/<TABLE>.parquet`` and one JSON file per definition (see
``CaseFile`` in the Rust test). ``--limit`` takes the first N case directories, the examples
and the fixtures always included. Exits non-zero on the first-listed mismatches, printing the
case, the definition and the differing rows.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent


def case_dirs(root: Path, limit: int | None) -> list[Path]:
    dirs = sorted(p for p in root.iterdir() if p.is_dir())
    random = [d for d in dirs if d.name.startswith("random")]
    other = [d for d in dirs if not d.name.startswith("random")]
    if limit is not None:
        random = random[:limit]
    return other + random


def norm_entries(rows: list[Any]) -> list[tuple[str, int, str, str]]:
    out = []
    for r in rows:
        pid, rank, a, b = r[0], r[1], r[2], r[3]
        out.append((str(pid), int(rank), str(a)[:10], str(b)[:10]))
    return sorted(out)


def norm_attrition(rows: list[Any]) -> list[tuple[Any, ...]]:
    return sorted((int(r[0]), str(r[1]), *(int(x) for x in r[2:8])) for r in rows)


def expected(case: dict[str, Any]) -> tuple[list[Any], list[Any]]:
    e = [tuple(x) for x in case["entries"]]
    a = [tuple(x) for x in case["attrition"]]
    return sorted(e), sorted(a)


class Mismatch(Exception):
    pass


def check(case: dict[str, Any], what: str, got: list[Any], want: list[Any]) -> None:
    if got != want:
        gs, ws = set(got), set(want)
        raise Mismatch(
            f"{case['name']}: {what} differ\n  only in SQL:    {sorted(gs - ws)[:10]}\n"
            f"  only in engine: {sorted(ws - gs)[:10]}\n  definition: {case['definition']}"
        )


def each_case(dirs: list[Path]):
    for d in dirs:
        tables = sorted((d / "tables").glob("*.parquet"))
        cases = [json.loads(p.read_text()) for p in sorted(d.glob("*.json"))]
        yield d, tables, cases


# ------------------------------------------------------------------------------------------
# DuckDB


def run_duckdb(dirs: list[Path]) -> int:
    import duckdb

    n = 0
    for _d, tables, cases in each_case(dirs):
        con = duckdb.connect()
        for t in tables:
            con.execute(f"CREATE TABLE {t.stem} AS SELECT * FROM read_parquet('{t}')")
        for case in cases:
            want_e, want_a = expected(case)
            sql = case["sql"]["duckdb"]
            got = norm_entries(con.execute(sql["entries"]).fetchall())
            check(case, "entries", got, want_e)
            if "attrition" in sql:
                got_a = norm_attrition(con.execute(sql["attrition"]).fetchall())
                check(case, "attrition", got_a, want_a)
            n += 1
        con.close()
    return n


# ------------------------------------------------------------------------------------------
# PostgreSQL: Debian's server, a throwaway cluster under target/ on a Unix socket, run as the
# `postgres` user (the server refuses root).


def pg_bin() -> Path:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
    if not found:
        raise SystemExit("PostgreSQL server not installed (apt-get install -y postgresql)")
    return found[-1].parent


class Cluster:
    def __init__(self, base: Path) -> None:
        self.base = base
        self.data = base / "data"
        self.sock = base / "sock"
        self.bin = pg_bin()
        self.port = 54329

    def as_postgres(self, *cmd: str) -> None:
        full = ["runuser", "-u", "postgres", "--", *cmd] if os.geteuid() == 0 else list(cmd)
        out = subprocess.run(full, capture_output=True, text=True)
        if out.returncode != 0:
            raise SystemExit(f"{' '.join(cmd)} failed:\n{out.stdout}{out.stderr}")

    def start(self) -> None:
        if self.base.exists():
            self.stop()
            shutil.rmtree(self.base)
        self.sock.mkdir(parents=True)
        if os.geteuid() == 0:
            shutil.chown(self.base, "postgres")
            shutil.chown(self.sock, "postgres")
        self.as_postgres(
            str(self.bin / "initdb"),
            "-D",
            str(self.data),
            "-A",
            "trust",
            "-U",
            "postgres",
            "--no-sync",
            "-E",
            "UTF8",
        )
        self.as_postgres(
            str(self.bin / "pg_ctl"),
            "-D",
            str(self.data),
            "-w",
            "-l",
            str(self.base / "log"),
            "-o",
            f"-k {self.sock} -p {self.port} -c listen_addresses='' -c fsync=off",
            "start",
        )

    def stop(self) -> None:
        if (self.data / "postmaster.pid").exists():
            self.as_postgres(
                str(self.bin / "pg_ctl"), "-D", str(self.data), "-w", "-m", "fast", "stop"
            )

    def connect(self):
        import psycopg

        return psycopg.connect(
            host=str(self.sock), port=self.port, user="postgres", dbname="postgres", autocommit=True
        )


PG_TYPES = {
    "int32": "INTEGER",
    "int64": "BIGINT",
    "date32[day]": "DATE",
    "string": "VARCHAR",
    "large_string": "VARCHAR",
    "double": "DOUBLE PRECISION",
}


def load_pg(cur, schema: str, tables: list[Path]) -> None:
    import io

    import pyarrow.csv as pcsv
    import pyarrow.parquet as pq

    cur.execute(f"CREATE SCHEMA {schema}")
    for t in tables:
        tab = pq.read_table(t)
        cols = ", ".join(f"{f.name} {PG_TYPES[str(f.type)]}" for f in tab.schema)
        cur.execute(f"CREATE TABLE {schema}.{t.stem} ({cols})")
        if tab.num_rows == 0:
            continue
        buf = io.BytesIO()
        pcsv.write_csv(tab, buf, pcsv.WriteOptions(include_header=False, quoting_style="needed"))
        names = ", ".join(f.name for f in tab.schema)
        with cur.copy(f"COPY {schema}.{t.stem} ({names}) FROM STDIN WITH (FORMAT csv)") as cp:
            cp.write(buf.getvalue())
        cur.execute(f"ANALYZE {schema}.{t.stem}")


def run_postgres(dirs: list[Path], base: Path) -> int:
    cl = Cluster(base)
    cl.start()
    n = 0
    try:
        with cl.connect() as con, con.cursor() as cur:
            for i, (_d, tables, cases) in enumerate(each_case(dirs)):
                schema = f"c{i}"
                load_pg(cur, schema, tables)
                cur.execute(f"SET search_path TO {schema}")
                for case in cases:
                    want_e, want_a = expected(case)
                    sql = case["sql"]["postgres"]
                    cur.execute(sql["entries"])
                    check(case, "entries", norm_entries(cur.fetchall()), want_e)
                    if "attrition" in sql:
                        cur.execute(sql["attrition"])
                        check(case, "attrition", norm_attrition(cur.fetchall()), want_a)
                    n += 1
                cur.execute(f"SET search_path TO public; DROP SCHEMA {schema} CASCADE")
    finally:
        cl.stop()
    return n


# ------------------------------------------------------------------------------------------
# Spark, local mode, ANSI on and off.


def run_spark(dirs: list[Path]) -> int:
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    from pyspark.sql import SparkSession

    spark = (
        SparkSession.builder.master("local[2]")
        .appName("cohorte-sql-tests")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.sql.session.timeZone", "UTC")
        .getOrCreate()
    )
    spark.sparkContext.setLogLevel("ERROR")
    n = 0
    try:
        for _d, tables, cases in each_case(dirs):
            for t in tables:
                spark.read.parquet(str(t)).createOrReplaceTempView(t.stem)
            for case in cases:
                want_e, want_a = expected(case)
                sql = case["sql"]["spark"]
                for ansi in ("true", "false"):
                    spark.conf.set("spark.sql.ansi.enabled", ansi)
                    got = [tuple(r) for r in spark.sql(sql["entries"]).collect()]
                    check(case, f"entries (ANSI {ansi})", norm_entries(got), want_e)
                    if "attrition" in sql:
                        got_a = [tuple(r) for r in spark.sql(sql["attrition"]).collect()]
                        check(case, f"attrition (ANSI {ansi})", norm_attrition(got_a), want_a)
                n += 1
    finally:
        spark.stop()
    return n


# ------------------------------------------------------------------------------------------
# Oracle: parsed only.


def run_oracle(dirs: list[Path]) -> int:
    import sqlglot

    n = 0
    for _d, _tables, cases in each_case(dirs):
        for case in cases:
            for what, text in case["sql"]["oracle"].items():
                try:
                    parsed = sqlglot.parse(text, read="oracle")
                except sqlglot.errors.ParseError as e:
                    raise Mismatch(f"{case['name']}: Oracle {what} does not parse: {e}") from e
                if len(parsed) != 1 or parsed[0] is None:
                    raise Mismatch(f"{case['name']}: Oracle {what} is not one statement")
            n += 1
    return n


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("cases", type=Path)
    ap.add_argument("engine", choices=["duckdb", "postgres", "spark", "oracle"])
    ap.add_argument("--limit", type=int, default=None)
    ap.add_argument("--pg-dir", type=Path, default=None)
    args = ap.parse_args()
    dirs = case_dirs(args.cases, args.limit)
    t0 = time.monotonic()
    try:
        if args.engine == "duckdb":
            n = run_duckdb(dirs)
        elif args.engine == "postgres":
            n = run_postgres(dirs, args.pg_dir or args.cases.parent / "sql-pg")
        elif args.engine == "spark":
            n = run_spark(dirs)
        else:
            n = run_oracle(dirs)
    except Mismatch as e:
        print(f"FAIL {args.engine}: {e}", file=sys.stderr)
        sys.exit(1)
    secs = time.monotonic() - t0
    what = (
        "parsed by sqlglot (Oracle dialect), one statement each"
        if args.engine == "oracle"
        else "entries and attrition identical to the engine"
    )
    print(f"{args.engine}: {n} definitions on {len(dirs)} populations, {what} ({secs:.0f} s)")


if __name__ == "__main__":
    main()
