# web stages (filled in as the web face is built).
.PHONY: test-web bench-web
test-web:
bench-web:
.PHONY: demo-web
demo-web:
	cargo run --release -p cohorte-core --example summary
