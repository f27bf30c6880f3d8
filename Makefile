# One entry point for everything: make run, make test, make lint, make schema, make bench.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# npm projects: GraphiQL's and the dashboard's browser files (served by the app), and the GraphQL
# over HTTP audit.
NODE_DIRS := app/graphql/graphiql app/dashboard tests/graphql/http_audit
NODE_STAMPS := $(addsuffix /node_modules/.installed,$(NODE_DIRS))
# `make test` drives GraphiQL and the dashboard in headless Chromium (Selenium through Debian's
# chromedriver); as root on Debian it installs both when missing.
SUDO := $(if $(filter 0,$(shell id -u)),,sudo)

.PHONY: install run test lint schema schema-check bench bench-api chaos clean chromium

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

%/node_modules/.installed: %/package.json %/package-lock.json
	cd $* && npm ci --no-audit --no-fund --loglevel=error
	touch $@

install: $(STAMP) $(NODE_STAMPS)

chromium:
	@command -v chromium >/dev/null && command -v chromedriver >/dev/null || { \
		export DEBIAN_FRONTEND=noninteractive; \
		$(SUDO) apt-get install -y -q chromium chromium-driver || \
		{ $(SUDO) apt-get update -q && $(SUDO) apt-get install -y -q chromium chromium-driver; }; }

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

test: install chromium schema-check lint
	$(BIN)/pytest

# Fault scenarios too long for `make test` (the soak, PostgreSQL restarts); see README, "Faults".
# Options go to pytest through CHAOS_ARGS, e.g. make chaos CHAOS_ARGS="-k soak".
# Its logs (each stack's stack.log) stay in .lifeboat/chaos until the next run.
chaos: install
	mkdir -p .lifeboat
	$(BIN)/pytest -m chaos tests/chaos -s -p no:cacheprovider --basetemp=.lifeboat/chaos \
		$(CHAOS_ARGS)

# Options go through BENCH_ARGS, e.g. make bench BENCH_ARGS="--repeat 3" (see bench/README.md).
bench: install
	$(BIN)/python -m bench.run $(BENCH_ARGS)

# The API under load and the progress latency to subscribers (bench/api.py), e.g. BENCH_ARGS=--no-search.
bench-api: install
	$(BIN)/python -m bench.api $(BENCH_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
