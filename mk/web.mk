# web stages: the browser explorer (web-demo/), built with Vite over the wasm package that
# `make wasm-pkg` writes into web-demo/src/wasm, and its end-to-end tests in Debian's Chromium
# driven by playwright-core (no browser download: the tests use /usr/bin/chromium): run.mjs (the
# cohort against the native engine), a11y.mjs (axe-core, keyboard only, phone, offline).

.PHONY: web-deps web-build demo-web test-web bench-web

WEB := $(ROOT)/web-demo
WEB_STAMP := $(WEB)/node_modules/.cohorte-ci-stamp
CHROMIUM := /usr/bin/chromium
DEMO_PORT ?= 8080

# `npm ci` only when the lock file changed since the last install: a second run is instant.
$(WEB_STAMP): $(WEB)/package-lock.json $(WEB)/package.json
	cd $(WEB) && npm ci --no-audit --no-fund
	@touch $@

web-deps: $(WEB_STAMP) ## Install the explorer's npm dependencies (npm ci, skipped when up to date)

web-build: web-deps ## Build the wasm package and the explorer into web-demo/dist (type-checked first)
	$(MAKE) --no-print-directory wasm-pkg
	cd $(WEB) && npx --no-install tsc --noEmit
	cd $(WEB) && npx --no-install vite build --logLevel warn
	@echo "explorer built: web-demo/dist ($$(du -sh $(WEB)/dist | cut -f1))"

demo-web: web-build ## Serve the built explorer on http://127.0.0.1:$(DEMO_PORT)/
	node $(WEB)/e2e/serve.mjs $(WEB)/dist $(DEMO_PORT)

$(CHROMIUM):
	apt-get update -qq && apt-get install -y -qq chromium

test-web: web-build $(CHROMIUM) ## Type-check, then the explorer's e2e tests in headless Chromium (attrition vs the native engine; accessibility, phone, offline)
	cargo build --release -q -p cohorte-core --example cohort
	node $(WEB)/e2e/run.mjs --patients 50000 --seed 7
	node $(WEB)/e2e/a11y.mjs

# The benchmark page (web-demo/bench/: the wasm package and DuckDB-WASM, bundled from local files)
# is built here only, never into the explorer's dist/. The native engine's run exports the same
# population and its persons and timings into bench-data/web, which the page reads (the tables
# as Arrow IPC: DuckDB-WASM's Parquet reader is an extension it would fetch from the network).
BENCH_WEB_DATA := $(ROOT)/bench-data/web
bench-web: web-build bench-venv $(CHROMIUM) ## In Chromium: wasm vs native vs DuckDB-WASM on the example definitions (100k patients), page load to first attrition, generation, redraw on 200k
	cargo run --profile bench -q -p cohorte-core --features parallel,zstd --example bench -- \
		--patients 100000 --seed 1 --repeat 30 --out $(BENCH_WEB_DATA)
	$(BENCH_VENV)/bin/python bench/to_arrow_ipc.py $(BENCH_WEB_DATA)
	cd $(WEB) && npx --no-install tsc --noEmit -p bench
	cd $(WEB) && npx --no-install vite build --config bench/vite.config.ts
	node $(WEB)/e2e/bench.mjs --patients 100000 --seed 1 --redraw-patients 200000 --data $(BENCH_WEB_DATA)
