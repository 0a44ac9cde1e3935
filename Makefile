# RCM Exchange: `make run` serves the site with demo data; `make test` runs every test.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export FLASK_APP := wsgi

.PHONY: run test install translations extract-messages bench bench-pages clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $(STAMP)

install: $(STAMP) translations

# Compiled catalogs are build output: a missing .mo would silently fall back to English.
translations: $(STAMP)
	$(BIN)/pybabel compile -d rcm_exchange/translations

extract-messages: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext --no-location --sort-output -o rcm_exchange/translations/messages.pot .
	$(BIN)/pybabel update -N --ignore-obsolete -i rcm_exchange/translations/messages.pot -d rcm_exchange/translations

run: install
	$(BIN)/flask rcm init
	$(BIN)/flask rcm demo-data
	@echo "RCM Exchange is at http://127.0.0.1:5000  (stop with Ctrl+C)"
	$(BIN)/flask run --host 127.0.0.1 --port 5000

test: install
	$(BIN)/python -m pytest $(PYTEST_ARGS)

bench: install
	$(BIN)/python -m bench.run --size 10000

bench-pages: install
	$(BIN)/python -m bench.pages --size 10000 $(BENCH_ARGS)

clean:
	rm -rf $(VENV) instance .pytest_cache
