# The two commands a newcomer needs: `make run` and `make test` (and `make ui`).
# Both set everything up first and are safe to repeat.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
UV_VERSION := 0.13.9
TOOLS := .tools
UV := $(TOOLS)/bin/uv
VENV := .venv
BIN := $(VENV)/bin
MANIFEST := dbt/target/manifest.json

export MASH_DATA_DIR ?= $(CURDIR)/data
export UV_PROJECT_ENVIRONMENT := $(CURDIR)/$(VENV)

.PHONY: setup run test ui docs lint format clean

setup: $(BIN)/.installed $(MANIFEST)

$(UV):
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet --disable-pip-version-check "uv==$(UV_VERSION)"

# Bytecode compiled once here: where PYTHONDONTWRITEBYTECODE is set (as on CI), Python would
# otherwise compile Dagster, dbt, pandas and the rest from source in every process (about 7 s
# of each `mash run`, 2 s of each dbt invocation).
$(BIN)/.installed: uv.lock pyproject.toml | $(UV)
	$(UV) sync --frozen --compile-bytecode --python $(PYTHON)
	$(BIN)/python -m compileall -q dagster_project mash_demo
	touch $@

# Parsed with the environment the runs give dbt (settings.dbt_environment), so every run's dbt
# reuses this parse (partial parsing) instead of parsing the whole project again.
$(MANIFEST): $(BIN)/.installed Makefile dagster_project/settings.py $(shell find dbt/models dbt/seeds dbt/macros dbt/tests dbt/dbt_project.yml dbt/profiles.yml -type f 2>/dev/null)
	cd dbt && ../$(BIN)/python -c 'import os, sys; from dagster_project import settings; \
	  os.execve(sys.argv[1], sys.argv[1:], {**os.environ, **settings.dbt_environment()})' \
	  ../$(BIN)/dbt parse --quiet --profiles-dir .
	touch $@

run: setup
	$(BIN)/mash run

test: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/pytest

# The Dagster UI with the nightly schedule and the landing sensor running, on the Dagster
# instance of the data folder ($(MASH_DATA_DIR)/dagster, shared with `mash run`; its
# dagster.yaml starts as dagster_project/dagster.yaml). Open http://127.0.0.1:3000
ui: setup
	home="$$($(BIN)/python -m dagster_project.instance)" \
	  && DAGSTER_HOME="$$home" $(BIN)/dg dev -h 127.0.0.1 -p 3000

# dbt's documentation site as one static page, docs/site/index.html. It reads the warehouse's
# catalog, so it needs a built warehouse: run `make run` first, or point MASH_DATA_DIR at one.
docs: setup
	@test -f "$(MASH_DATA_DIR)/warehouse.duckdb" || { \
	  echo "No warehouse at $(MASH_DATA_DIR)/warehouse.duckdb: run 'make run' first," \
	    "or set MASH_DATA_DIR to a data folder with a built warehouse." >&2; exit 1; }
	cd dbt && ../$(BIN)/dbt docs generate --static --quiet --profiles-dir . \
	  --target-path $(CURDIR)/docs/site/dbt-target
	cp docs/site/dbt-target/static_index.html docs/site/index.html
	@echo "dbt docs written to docs/site/index.html"

lint: setup
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean:
	rm -rf $(VENV) $(TOOLS) dbt/target dbt/logs
