# wasm stages (filled in as the wasm face is built).
.PHONY: test-wasm bench-wasm
test-wasm:
bench-wasm:
