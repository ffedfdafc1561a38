# Rust stages: formatting, lints on host and wasm32, the core's purity, cargo tests, benches.

.PHONY: setup-rust test-rust fmt lint lint-wasm check-core-deps cargo-test bench-rust bench-venv bench-opendata

setup-rust: ## Install the Rust components and targets the build needs
	@rustup component list --installed 2>/dev/null | grep -q '^rustfmt' || rustup component add rustfmt
	@rustup component list --installed 2>/dev/null | grep -q '^clippy' || rustup component add clippy
	@rustup target list --installed | grep -q '^wasm32-unknown-unknown$$' || rustup target add wasm32-unknown-unknown
	@command -v cargo-nextest >/dev/null || cargo install cargo-nextest --locked

fmt: setup-rust ## Check formatting
	cargo fmt --all --check

lint: setup-rust ## clippy -D warnings on the host (all crates, all targets)
	cargo clippy --workspace --all-targets --all-features -- -D warnings

# With simd128, as the package is built: the engine's SIMD scan is compiled only then.
lint-wasm: setup-rust ## clippy -D warnings for wasm32 with simd128 (core and wasm crates)
	CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS="-C target-feature=+simd128" \
		cargo clippy -p cohorte-core -p cohorte-wasm --target wasm32-unknown-unknown -- -D warnings

check-core-deps: ## The core has no binding crate or polars in its tree, and builds for wasm32
	@bad=$$(for t in $$(rustc -vV | sed -n 's/^host: //p') wasm32-unknown-unknown; do cargo tree -p cohorte-core -e normal --all-features --prefix none --target $$t; done | grep -E '^(pyo3|wasm-bindgen|js-sys|web-sys|serde-wasm-bindgen|polars)( |-)' || true); \
	if [ -n "$$bad" ]; then echo "cohorte-core depends on binding crates:"; echo "$$bad"; exit 1; fi
	cargo build -p cohorte-core --target wasm32-unknown-unknown --no-default-features --features parquet
	@echo "check-core-deps: cohorte-core is free of binding crates and builds for wasm32"

cargo-test: setup-rust ## Cargo tests (nextest), release-optimised where the suite needs speed
	cargo nextest run --workspace --cargo-profile test-fast --no-fail-fast
	cargo test --workspace --doc --profile test-fast
	@# The workspace build unifies features (the Python crate turns `parallel` on): check the
	@# single-threaded core gives the same golden digest, and that its evaluation (the one the
	@# wasm package runs) agrees with the reference evaluator and the worked fixtures.
	cargo test -p cohorte-core --profile test-fast --test synth_digest
	cargo test -p cohorte-core --profile test-fast --test engine_reference --test engine_fixtures

test-rust: fmt lint lint-wasm check-core-deps cargo-test ## Every Rust stage

BENCH_PATIENTS ?= 1000000
BENCH_DATA := $(ROOT)/bench-data
BENCH_VENV := $(ROOT)/bench/.venv

bench-venv: ## Python environment with the peers (DuckDB, polars) for the benchmarks
	@test -x $(BENCH_VENV)/bin/python || python3 -m venv $(BENCH_VENV)
	@$(BENCH_VENV)/bin/python -c 'import duckdb, polars, pyarrow' 2>/dev/null || \
		$(BENCH_VENV)/bin/pip install -q -r bench/requirements.txt

bench-rust: setup-rust bench-venv ## Native benchmarks: generation, store, engine vs DuckDB and polars
	cargo run --profile bench -p cohorte-core --features parallel,zstd --example bench -- \
		--patients $(BENCH_PATIENTS) --out $(BENCH_DATA) $(BENCH_ARGS)
	$(BENCH_VENV)/bin/python bench/peers.py $(BENCH_DATA)

# The open-data reader on a file the size of an Open Medic year, written by the core's Open Medic
# export: summed by age while streaming, in a process of its own so its peak memory is measured
# alone (fails above 256 MB, or when the sums differ from the writer's).
OPENDATA_BENCH_MB ?= 600
bench-opendata: setup-rust ## Open data: a 600 MB Open Medic-shaped file summarised in bounded memory
	mkdir -p $(BENCH_DATA)/opendata
	cargo build --profile bench -q -p cohorte-core --example opendata_bench
	$(ROOT)/target/bench/examples/opendata_bench write $(BENCH_DATA)/opendata/OPEN_MEDIC_BENCH.CSV --mb $(OPENDATA_BENCH_MB)
	$(ROOT)/target/bench/examples/opendata_bench read $(BENCH_DATA)/opendata/OPEN_MEDIC_BENCH.CSV
	rm -f $(BENCH_DATA)/opendata/OPEN_MEDIC_BENCH.CSV
