# One entry point for everything: make run, make test, make lint, make schema, make bench.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install run test lint schema schema-check bench clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

run: install
	$(BIN)/python -m app.devstack.run

schema: install
	$(BIN)/strawberry export-schema app.graphql.schema:schema --output schema.graphql

schema-check: install
	@$(BIN)/strawberry export-schema app.graphql.schema:schema --output .schema.graphql.new >/dev/null
	@if ! diff -u schema.graphql .schema.graphql.new; then \
		rm -f .schema.graphql.new; \
		echo "schema.graphql is stale: run 'make schema' and commit it"; exit 1; fi
	@rm -f .schema.graphql.new

lint: install
	$(BIN)/ruff check app workers tests bench
	$(BIN)/ruff format --check app workers tests bench
	$(BIN)/mypy

test: install schema-check lint
	$(BIN)/pytest

bench: install
	$(BIN)/python -m bench.run

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
