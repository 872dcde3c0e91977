# Two commands do all set-up: `make run` and `make test` (see README.md).
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PLUGIN_DIRS := $(patsubst %/pyproject.toml,%,$(wildcard plugins/*/pyproject.toml))
CATALOGS := translations $(wildcard plugins/*/portal_*/translations)
export FLASK_APP := portal

.PHONY: run test lint format translations extract-messages bench clean

$(BIN)/python:
	$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
		{ echo "Python 3.11 or newer is needed (set PYTHON=...)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Core and the bundled plugins, editable, so a checkout is also the installation.
$(VENV)/.installed: $(BIN)/python pyproject.toml $(wildcard plugins/*/pyproject.toml)
	$(BIN)/pip install --quiet -e . $(addprefix -e ,$(PLUGIN_DIRS))
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $@

translations: $(VENV)/.installed
	@for dir in $(CATALOGS); do $(BIN)/pybabel compile -d $$dir 2>&1 | grep -v "^compiling catalog"; test $${PIPESTATUS[0]} -eq 0 || exit 1; done

run: translations
	$(BIN)/flask portal setup
	@echo "Serving on http://127.0.0.1:5000 (Ctrl+C stops); SLA reminders tick every minute"
	@$(BIN)/flask portal tick --every 60 & tick=$$!; \
		trap 'kill $$tick 2>/dev/null; wait $$tick 2>/dev/null' EXIT INT TERM; \
		$(BIN)/flask run --host 127.0.0.1 --port 5000

# pytest-xdist: one worker per core, at most 8 (each starts its own PostgreSQL cluster and
# browser). --dist load hands out tests in collection order, so a worker migrates SQLite once
# and PostgreSQL once; grouping by file would migrate both per file. TEST_WORKERS=0: serial.
TEST_WORKERS ?= $(shell n=$$(nproc 2>/dev/null || echo 1); echo $$(( n < 8 ? n : 8 )))

test: $(VENV)/.installed-dev translations
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/pytest -n $(TEST_WORKERS) --dist load

$(VENV)/.installed-bench: $(VENV)/.installed-dev
	$(BIN)/pip install --quiet -e ".[dev,bench]"
	touch $@

# Not part of `make test`: builds 1,000,000 members per database and serves the portal, a bare
# Flask baseline and Flask-Admin side by side (about twenty minutes). BENCH_ARGS passes
# options, e.g. BENCH_ARGS="--members 100000 --seconds 5 --backend sqlite".
bench: $(VENV)/.installed-bench translations
	$(BIN)/python tests/bench/bench.py $(BENCH_ARGS)

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(VENV)/.installed-dev
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Refresh the core catalogs after changing user-visible strings; then translate zh_Hans.
extract-messages: $(VENV)/.installed-dev
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -o translations/messages.pot \
		--project=huiyuan-portal --no-location --sort-output portal
	$(BIN)/pybabel update -i translations/messages.pot -d translations --no-fuzzy-matching

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
