# Cảnh Giác: make targets (listed in the README).
PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin

.PHONY: run test setup setup-test system-deps browser-deps lint format validate translations bench clean

## run: set up a virtualenv, write a secret key and the SQLite database, and serve on http://127.0.0.1:5000
run: setup
	$(BIN)/canhgiac init
	$(BIN)/canhgiac run

## test: install everything the tests need (Python and Debian packages), then lint and run the whole suite
test: setup-test browser-deps
	$(BIN)/ruff check .
	CANHGIAC_REQUIRE_BROWSER=1 bash .ci/with-postgres $(BIN)/pytest

setup: $(VENV)/.installed
$(VENV)/.installed: setup.cfg pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e .
	touch $@

setup-test: setup system-deps $(VENV)/.installed-test
$(VENV)/.installed-test: setup.cfg pyproject.toml
	$(BIN)/pip install --quiet -e '.[test,postgresql]'
	touch $@

## system-deps: the Debian packages the tests use (installed only when missing; needs root)
system-deps:
	bash .ci/system-deps

## browser-deps: axe-core for the browser tests, pinned in tests/browser/package-lock.json
browser-deps: tests/browser/node_modules/axe-core/axe.min.js
tests/browser/node_modules/axe-core/axe.min.js: tests/browser/package.json tests/browser/package-lock.json | system-deps
	npm ci --prefix tests/browser --no-audit --no-fund
	touch $@

## lint / format: ruff
lint: setup-test
	$(BIN)/ruff check .
format: setup-test
	$(BIN)/ruff format .

## validate: check the shipped content strictly, as before printing
validate: setup
	$(BIN)/canhgiac validate --strict

## translations: extract interface strings, update and compile the catalogs
translations: setup-test
	$(BIN)/pybabel extract -F babel.cfg -o translations/messages.pot --no-location --sort-output --omit-header .
	$(BIN)/pybabel update -i translations/messages.pot -d translations --no-fuzzy-matching --ignore-obsolete
	$(BIN)/pybabel compile -d translations --statistics

## bench: the benchmarks (each compares against a baseline measured in the same run)
bench: setup-test
	$(BIN)/python bench/print_pack.py
	$(BIN)/python bench/live_session.py
	$(BIN)/python bench/results_overview.py
	bash .ci/with-postgres $(BIN)/python bench/load.py --db both

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .ruff_cache test-artifacts tests/browser/node_modules
