# python stages (filled in as the python face is built).
.PHONY: test-python bench-python
test-python:
bench-python:
