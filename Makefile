# Cohorte — every command lives here. `make help` lists the targets.
# Each target installs what it needs (idempotently: a second run is fast).

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

ROOT := $(abspath .)
TOOLS := $(ROOT)/.tools
export PATH := $(TOOLS)/bin:$(HOME)/.cargo/bin:$(PATH)
export CARGO_TERM_COLOR ?= never

include mk/rust.mk
include mk/wasm.mk
include mk/python.mk
include mk/web.mk
include mk/sql.mk
include mk/fuzz.mk

.PHONY: help test demo bench clean

help: ## List the targets
	@grep -hE '^[a-zA-Z0-9_-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*?## "}; {printf "  \033[1m%-18s\033[0m %s\n", $$1, $$2}'

test: test-rust test-wasm test-python test-web test-sql fuzz-smoke ## Run every test stage (what CI runs)
	@echo "== all test stages passed"

demo: demo-web ## Build the wasm package and the explorer, serve it on 127.0.0.1

bench: bench-rust bench-opendata bench-python bench-web ## Run the benchmarks (ratios against peers measured in the same run)

clean: ## Remove build products
	cargo clean
	rm -rf web-demo/dist web-demo/src/wasm python/.venv .tools
