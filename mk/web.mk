# web stages: the browser explorer (web-demo/), built with Vite over the wasm package that
# `make wasm-pkg` writes into web-demo/src/wasm, and its end-to-end test in Debian's Chromium
# driven by playwright-core (no browser download: the test uses /usr/bin/chromium).

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

test-web: web-build $(CHROMIUM) ## Type-check, then the explorer's e2e test in headless Chromium (attrition vs the native engine)
	cargo build --release -q -p cohorte-core --example cohort
	node $(WEB)/e2e/run.mjs --patients 50000 --seed 7

bench-web: web-build $(CHROMIUM) ## Page load to first attrition on 100k patients; wasm in Chromium vs native on the example definitions
	cargo build --release -q -p cohorte-core --example cohort
	node $(WEB)/e2e/bench.mjs --patients 100000 --seed 1
