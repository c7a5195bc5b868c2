# The two commands of the README. Each one installs what it needs first (idempotent).
PY := .venv/bin/python

.PHONY: setup demo test lint bench
setup:
	@bash scripts/setup.sh

demo: setup
	$(PY) -m server demo

lint: setup
	$(PY) -m ruff check .
	$(PY) -m mypy addin/mailconnector server

test: lint
	$(PY) -m pytest --durations=15

bench: setup
	$(PY) -m bench
