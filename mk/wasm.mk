# wasm stages: build the WebAssembly package (web output for the explorer, node output for the
# tests), run the node tests against it.
#
# The wasm build has its own target dir (target/wasm): its RUSTFLAGS (simd128) differ from the
# host build's, and sharing target/ would make each side rebuild everything after the other.
# Each output is staged under target/wasm and moved into place whole, so the explorer's dev
# server never sees a half-written package and no partial output sits in the source tree. The
# staging holds a lock (flock on target/wasm/bindgen.lock): two builds at once take turns, and
# the second finds the package up to date.

.PHONY: setup-wasm wasm-pkg test-wasm bench-wasm

WASM_TARGET_DIR := $(ROOT)/target/wasm
WASM_RAW := $(WASM_TARGET_DIR)/wasm32-unknown-unknown/wasm-release/cohorte_wasm.wasm
WASM_WEB := $(ROOT)/web-demo/src/wasm
WASM_NODE := $(ROOT)/wasm/pkg-node
# The CLI must match the wasm-bindgen crate exactly: read the version from Cargo.lock.
WASM_BINDGEN_VERSION := $(shell sed -n '/^name = "wasm-bindgen"$$/{n;s/^version = "\(.*\)"/\1/p;}' $(ROOT)/Cargo.lock)
# docs/decisions.md §8: at most 1 MB gzipped (1,000,000 bytes).
WASM_BUDGET_GZ := 1000000
# wasm-opt from the npm build of binaryen: Debian's binaryen 108 rewrites the externref table of
# wasm-bindgen 0.2.130's output into one node rejects ("Table.set(): Argument 1 is invalid").
# `--converge` repeats -Oz until the module stops shrinking: 2.4 KB gzipped less than one pass.
BINARYEN_VERSION := 132.0.0
WASM_OPT := $(TOOLS)/binaryen/node_modules/.bin/wasm-opt
# TypeScript for the compile-only check of the package's declarations (wasm/tests/types.ts).
TYPESCRIPT_VERSION := 5.9.3
WASM_TSC := $(TOOLS)/typescript/node_modules/.bin/tsc

setup-wasm: ## Install the wasm32 target, the wasm-bindgen CLI (same version as the crate) and wasm-opt (npm binaryen)
	@rustup target list --installed | grep -q '^wasm32-unknown-unknown$$' || rustup target add wasm32-unknown-unknown
	@if [ "$$($(TOOLS)/bin/wasm-bindgen --version 2>/dev/null)" != "wasm-bindgen $(WASM_BINDGEN_VERSION)" ]; then \
		echo "installing wasm-bindgen-cli $(WASM_BINDGEN_VERSION) into .tools"; \
		cargo install wasm-bindgen-cli --version $(WASM_BINDGEN_VERSION) --root $(TOOLS); \
	fi
	@test -x $(WASM_OPT) || npm install --prefix $(TOOLS)/binaryen --no-audit --no-fund --silent \
		binaryen@$(BINARYEN_VERSION) || echo "note: binaryen not installed; the module will not be size-optimised"

# strip=false here: the profile strips symbols, which also drops the `target_features` section
# that wasm-bindgen reads to know which wasm features the module uses (it warns without it);
# wasm-bindgen and wasm-opt remove the custom sections from the final module anyway.
wasm-pkg: setup-wasm ## Build the wasm package: web-demo/src/wasm (web) and wasm/pkg-node (node)
	CARGO_PROFILE_WASM_RELEASE_STRIP=false CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS="-C target-feature=+simd128" \
		cargo build -p cohorte-wasm --lib --target wasm32-unknown-unknown --profile wasm-release \
		--target-dir $(WASM_TARGET_DIR)
	@set -e; mkdir -p $(WASM_TARGET_DIR); exec 9>$(WASM_TARGET_DIR)/bindgen.lock; flock 9; \
	for out in web:$(WASM_WEB) nodejs:$(WASM_NODE); do \
		kind=$${out%%:*}; dir=$${out#*:}; tmp=$(WASM_TARGET_DIR)/bindgen-$$kind; \
		if [ -f $$dir/cohorte_wasm_bg.wasm ] && [ $$dir/cohorte_wasm_bg.wasm -nt $(WASM_RAW) ]; then \
			echo "$$dir is up to date"; continue; fi; \
		echo "wasm-bindgen --target $$kind -> $$dir"; \
		rm -rf $$tmp; \
		$(TOOLS)/bin/wasm-bindgen --target $$kind --out-dir $$tmp --out-name cohorte_wasm $(WASM_RAW); \
		if [ -x $(WASM_OPT) ]; then \
			$(WASM_OPT) -Oz --converge --enable-simd --enable-bulk-memory --enable-sign-ext --enable-mutable-globals \
				--enable-nontrapping-float-to-int --enable-reference-types --enable-multivalue \
				$$tmp/cohorte_wasm_bg.wasm -o $$tmp/cohorte_wasm_bg.opt.wasm && \
			mv $$tmp/cohorte_wasm_bg.opt.wasm $$tmp/cohorte_wasm_bg.wasm || \
			echo "note: wasm-opt failed; keeping the unoptimised module"; \
		else echo "note: wasm-opt not found; module not size-optimised"; fi; \
		rm -rf $$dir; mkdir -p $$(dirname $$dir); mv $$tmp $$dir; \
	done
	@raw=$$(wc -c < $(WASM_WEB)/cohorte_wasm_bg.wasm); gz=$$(gzip -9c $(WASM_WEB)/cohorte_wasm_bg.wasm | wc -c); \
	echo "wasm module: $$raw bytes, $$gz bytes gzipped ($$((gz / 1024)) KiB; budget $(WASM_BUDGET_GZ) bytes)"; \
	if [ $$gz -gt $(WASM_BUDGET_GZ) ]; then echo "wasm module over its size budget"; exit 1; fi

test-wasm: wasm-pkg ## Node tests (node:test) against the built package, and its .d.ts type-checked
	@test -x $(WASM_TSC) || npm install --prefix $(TOOLS)/typescript --no-audit --no-fund --silent \
		typescript@$(TYPESCRIPT_VERSION)
	$(WASM_TSC) --noEmit --strict --target es2022 --lib es2022,esnext.disposable --module nodenext --moduleResolution nodenext \
		--skipLibCheck false $(ROOT)/wasm/tests/types.ts
	node --test $(ROOT)/wasm/tests/

bench-wasm: wasm-pkg ## Generation and evaluation timings in node (wasm)
	node $(ROOT)/wasm/bench.mjs $(BENCH_WASM_ARGS)
