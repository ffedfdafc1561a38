# Python stage: build the abi3 wheel with maturin, install it into a fresh virtualenv as a user
# would (pip install <wheel>), then pytest, the stub check (mypy.stubtest), mypy and ruff.
#
# The venv python/.venv is created once and reused; tools are pinned in
# python/requirements-dev.txt (reinstalled only when that file changes).

.PHONY: setup-python python-wheel test-python test-python-oldest bench-python

PYTHON ?= python3
PY_DIR := $(ROOT)/python
PY_VENV := $(PY_DIR)/.venv
PY_BIN := $(PY_VENV)/bin
PY_WHEELS := $(ROOT)/target/wheels/cohorte
# Cargo profile of the wheel.
PY_PROFILE ?= release

$(PY_VENV)/.installed: $(PY_DIR)/requirements-dev.txt
	@test -x $(PY_BIN)/python || $(PYTHON) -m venv $(PY_VENV)
	$(PY_BIN)/python -m pip install --quiet -r $(PY_DIR)/requirements-dev.txt
	@touch $@

setup-python: $(PY_VENV)/.installed ## Create python/.venv with the pinned tools (idempotent)

python-wheel: setup-python ## Build the cohorte wheel (abi3, CPython >= 3.10) and pip-install it into python/.venv
	rm -rf $(PY_WHEELS)
	cd $(PY_DIR) && PATH=$(PY_BIN):$$PATH $(PY_BIN)/maturin build --profile $(PY_PROFILE) \
		--interpreter $(PY_BIN)/python --out $(PY_WHEELS)
	@ls -l $(PY_WHEELS)/*.whl
	@# Installed as a user would: pip reads the wheel's metadata and resolves its dependencies
	@# (polars) and its `pandas` extra (pandas, pyarrow) against the venv; the pinned tools
	@# already satisfy them, so nothing is downloaded. Uninstalling first makes pip install the
	@# new wheel even when its version did not change.
	$(PY_BIN)/python -m pip uninstall --quiet --yes cohorte 2>/dev/null || true
	$(PY_BIN)/python -m pip install --quiet "$$(ls $(PY_WHEELS)/cohorte-*.whl)[pandas]"
	$(PY_BIN)/python -m pip check
	@# The README's command from a clone (`pip install "./python[pandas]"`): pip reads the
	@# project's metadata through maturin and resolves it (a dry run; the wheel above is the build).
	cd $(ROOT) && PATH=$(PY_BIN):$$PATH $(PY_BIN)/python -m pip install --quiet --dry-run \
		--no-build-isolation --no-index "./python[pandas]"

test-python: python-wheel ## Python tests on the installed wheel, stub check, mypy, ruff
	cd $(PY_DIR) && $(PY_BIN)/python -m pytest -q
	cd $(PY_DIR) && $(PY_BIN)/python -m mypy.stubtest cohorte --allowlist stubtest-allowlist.txt
	cd $(PY_DIR) && $(PY_BIN)/python -m mypy
	cd $(PY_DIR) && $(PY_BIN)/ruff check . && $(PY_BIN)/ruff format --check .
	$(PY_BIN)/ruff check $(ROOT)/bench && $(PY_BIN)/ruff format --check $(ROOT)/bench

# The oldest CPython the abi3 wheel supports, when the machine has it (pyenv, deadsnakes...).
PYTHON_OLDEST ?= $(firstword $(wildcard $(HOME)/.pyenv/versions/3.10.*/bin/python) $(shell command -v python3.10))
PY_OLDEST_VENV := $(ROOT)/target/py-oldest-venv

test-python-oldest: python-wheel ## The same wheel and tests under CPython 3.10 (needs python3.10; not part of test)
	@test -n "$(PYTHON_OLDEST)" || { echo "no CPython 3.10 found: set PYTHON_OLDEST"; exit 1; }
	@test -x $(PY_OLDEST_VENV)/bin/python || $(PYTHON_OLDEST) -m venv $(PY_OLDEST_VENV)
	$(PY_OLDEST_VENV)/bin/python -m pip uninstall --quiet --yes cohorte 2>/dev/null || true
	$(PY_OLDEST_VENV)/bin/python -m pip install --quiet "$$(ls $(PY_WHEELS)/cohorte-*.whl)[pandas]" \
		$$(grep -E '^(pytest|jsonschema)==' $(PY_DIR)/requirements-dev.txt)
	cd $(PY_DIR) && $(PY_OLDEST_VENV)/bin/python -m pytest -q -p no:cacheprovider \
		--ignore tests/test_notebooks.py

bench-python: python-wheel ## Python overhead over the core on the example definitions (budget <= 10%)
	cd $(PY_DIR) && $(PY_BIN)/python bench/overhead.py $(BENCH_PY_ARGS)
