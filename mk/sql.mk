# SQL stage: the SQL compiled from cohort definitions (cohorte_core::sql) run on DuckDB,
# PostgreSQL and Spark and compared with the engine; the Oracle SQL parsed by sqlglot.
#
# The cases (random definitions on random small populations, the examples on a synthetic
# population, every fixture) are written by the ignored test `write_sql_cases` of
# core/tests/sql_differential.rs, then core/tests/sql/run_cases.py runs them on each engine.
# Installs what it needs, idempotently: a venv target/sql-venv with the pinned tools of
# core/tests/sql/requirements.txt, Debian's `postgresql` package when its server is missing
# (a throwaway cluster is started on a Unix socket under target/ and stopped afterwards) and
# runs Spark in local mode on 127.0.0.1 with its UI off.
#
# Case counts bound the stage's time on 2 cores; raise them to search harder:
#   make test-sql SQL_RANDOM=8000 SQL_PG=400 SQL_ORACLE=100
#
# Spark (`make test-sql-spark`, not part of `make test`): Spark's optimiser inlines every common
# table expression into each of its references, and on the compiled SQL (the event table is
# referenced by every criterion) planning one query outlasts any budget of this stage; the
# Spark SQL is rendered and covered by the golden files, running it is left to this target.

.PHONY: setup-sql test-sql test-sql-spark

SQL_VENV := $(ROOT)/target/sql-venv
SQL_PY := $(SQL_VENV)/bin/python
SQL_CASES := $(ROOT)/target/sql-cases
SQL_RUN := $(ROOT)/core/tests/sql/run_cases.py
# Random definitions written (four per random population, plus three set operations each).
SQL_RANDOM ?= 1200
# Random populations run on PostgreSQL, parsed for Oracle and run on Spark (DuckDB runs them
# all); the examples and the fixtures are always run.
SQL_PG ?= 30
SQL_ORACLE ?= 10
SQL_SPARK ?= 3
SQL_SEED ?= 1

$(SQL_VENV)/.installed: $(ROOT)/core/tests/sql/requirements.txt
	@test -x $(SQL_PY) || $(PYTHON) -m venv $(SQL_VENV)
	$(SQL_PY) -m pip install --quiet -r $<
	@touch $@

setup-sql: $(SQL_VENV)/.installed ## The SQL stage's tools: venv with duckdb, sqlglot, psycopg, pyspark; PostgreSQL server (idempotent)
	@ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || { \
		echo "installing Debian's postgresql"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null; }
	@command -v java >/dev/null || { echo "Spark needs Java (17): apt-get install -y openjdk-17-jre-headless"; exit 1; }

test-sql: setup-sql setup-rust ## SQL differential tests: DuckDB (thousands of definitions), PostgreSQL (hundreds), Oracle parsed
	SQL_CASES_DIR=$(SQL_CASES) SQL_CASES_RANDOM=$(SQL_RANDOM) SQL_CASES_SEED=$(SQL_SEED) \
		cargo nextest run -p cohorte-core --cargo-profile test-fast --test sql_differential \
		--run-ignored all --no-fail-fast
	$(SQL_PY) $(SQL_RUN) $(SQL_CASES) duckdb
	$(SQL_PY) $(SQL_RUN) $(SQL_CASES) oracle --limit $(SQL_ORACLE)
	$(SQL_PY) $(SQL_RUN) $(SQL_CASES) postgres --limit $(SQL_PG) --pg-dir $(ROOT)/target/sql-pg
	@echo "== SQL stage passed"

test-sql-spark: setup-sql ## The cases of test-sql on Spark local[2], ANSI on and off (slow: see mk/sql.mk)
	$(SQL_PY) $(SQL_RUN) $(SQL_CASES) spark --limit $(SQL_SPARK)
