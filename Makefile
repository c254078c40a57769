# Hotline — every target sets up its own virtual environment first.
#   make run     set up and start the whole system (web console + API + task worker) on SQLite
#   make test    set up and run all tests (SQLite, then PostgreSQL when DATABASE_URL is set)
#   make bench   build the city-scale data set and print the benchmark figures
SHELL := /bin/bash
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test test-sqlite test-postgres test-clocks bench lint messages setup clean

setup: $(STAMP)

$(STAMP): requirements.lock
	@test -x $(BIN)/python || "$$(scripts/find-python)" -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.lock
	@touch $(STAMP)

run: setup
	$(BIN)/python manage.py serve

test: setup
	$(MAKE) --no-print-directory test-sqlite
	@if [ -n "$$DATABASE_URL" ]; then $(MAKE) --no-print-directory test-postgres; \
	else echo "DATABASE_URL is not set: the PostgreSQL run is skipped."; fi

# The suite runs on every core (pytest-xdist; a module's tests stay together): TEST_WORKERS=0 runs it in one
# process.
TEST_WORKERS ?= auto
XDIST := $(if $(filter 0,$(TEST_WORKERS)),,-n $(TEST_WORKERS) --dist loadfile)

test-sqlite: setup
	@echo "== tests on SQLite =="
	env -u DATABASE_URL $(BIN)/python -m pytest -q $(XDIST) $(PYTEST_ARGS)

test-postgres: setup
	@echo "== tests on PostgreSQL ($$DATABASE_URL) =="
	$(BIN)/python -m pytest -q $(XDIST) $(PYTEST_ARGS)

# The tests marked `clock` (the demo's story, outages, shifts, the live board: browser journeys too) again
# with the clock of the test process moved to an evening and a night hour of today, Beijing time.
CLOCK_HOURS ?= 21:30 03:00
test-clocks: setup
	@today=$$(TZ=Asia/Shanghai date +%F); for hour in $(CLOCK_HOURS); do \
	  echo "== time-sensitive tests at $$today $$hour Beijing time (SQLite) =="; \
	  env -u DATABASE_URL HOTLINE_TEST_CLOCK="$${today}T$${hour}:00+08:00" $(BIN)/python -m pytest -q -m clock $(XDIST) \
	    $(PYTEST_ARGS) \
	    || exit 1; \
	done

bench: setup
	$(BIN)/python benchmarks/run.py $(BENCH_ARGS)

# One check per line: each must pass. The import contract is in pyproject.toml ([tool.importlinter]).
lint: setup
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/lint-imports
	$(BIN)/python scripts/import_graph.py --check

# After changing user-facing text (needs GNU gettext): extract into the catalogue (msgmerge keeps the existing
# translations), translate the new entries in hotline/locale/zh_Hans/LC_MESSAGES/django.po (the source of the
# Chinese text; any .po editor will do), run it again to compile the .mo. Both files are committed, so a clone
# runs without gettext; tests/test_catalogue.py fails on an untranslated or fuzzy entry, a stale .mo and a
# string of the code that is not in the catalogue.
messages: setup
	$(BIN)/python manage.py makemessages -l zh_Hans --no-obsolete --no-location -i ".venv/*" -i "benchmarks/*" -i "tests/*"
	$(BIN)/python manage.py compilemessages -l zh_Hans -i ".venv" -i "var"

clean:
	rm -rf $(VENV) var/static
