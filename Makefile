# RCM Exchange: `make run` serves the site and its worker with demo data; `make test` runs every test.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
UV := $(BIN)/uv
# The locked versions (requirements/*.txt, with hashes) are what gets installed;
# `make lock` writes them again from pyproject.toml.
UV_VERSION := 0.13.9
RUN_STAMP := $(VENV)/.installed-run
TEST_STAMP := $(VENV)/.installed-test
export FLASK_APP := wsgi
PORT ?= 5000

.PHONY: run test lint install install-run translations extract-messages lock audit bench bench-pages clean

# uv installs from the lock; the venv needs no pip of its own when the interpreter's
# pip can install into it (pip >= 22.3), which saves the slowest step of a fresh clone.
$(UV):
	$(PYTHON) -m venv --without-pip $(VENV)
	$(PYTHON) -m pip --python $(BIN)/python install --quiet --disable-pip-version-check uv==$(UV_VERSION) 2>/dev/null \
	  || { $(BIN)/python -m ensurepip --default-pip >/dev/null && $(BIN)/python -m pip install --quiet --disable-pip-version-check uv==$(UV_VERSION); }

$(RUN_STAMP): requirements/run.txt pyproject.toml | $(UV)
	$(UV) pip install --quiet --python $(BIN)/python --require-hashes -r requirements/run.txt
	$(UV) pip install --quiet --python $(BIN)/python --no-deps -e .
	touch $(RUN_STAMP)

# Compiled at install, as pip does: a dependency's old escape sequences then warn once
# there, not at import under the suite's warnings-as-errors.
$(TEST_STAMP): requirements/test.txt $(RUN_STAMP)
	$(UV) pip install --quiet --compile-bytecode --python $(BIN)/python --require-hashes -r requirements/test.txt
	touch $(TEST_STAMP)

# The runtime alone (what `make run` and a production host need).
install-run: $(RUN_STAMP) translations

# The runtime and the test tools.
install: $(TEST_STAMP) translations

# Compiled catalogs are build output: a missing .mo would silently fall back to English.
translations: $(RUN_STAMP)
	$(BIN)/pybabel compile -d rcm_exchange/translations

extract-messages: $(RUN_STAMP)
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext --no-location --sort-output -o rcm_exchange/translations/messages.pot .
	$(BIN)/pybabel update -N --ignore-obsolete -i rcm_exchange/translations/messages.pot -d rcm_exchange/translations

lock: | $(UV)
	$(UV) pip compile --quiet --python-version 3.11 --generate-hashes pyproject.toml -o requirements/run.txt
	$(UV) pip compile --quiet --python-version 3.11 --generate-hashes --extra test -c requirements/run.txt pyproject.toml -o requirements/test.txt

# Fails on a locked dependency with a published vulnerability (see .ci/audit).
audit: | $(UV)
	bash .ci/audit

# The site and the background worker in one command; Ctrl+C stops both.
run: install-run
	$(BIN)/flask rcm init --demo-data
	@echo "RCM Exchange is at http://127.0.0.1:5000  (stop with Ctrl+C)"
	@$(BIN)/flask rcm worker & worker=$$!; \
	trap 'kill $$worker 2>/dev/null; wait $$worker' EXIT INT TERM; \
	$(BIN)/flask run --host 127.0.0.1 --port $(PORT)

# Tests run in one worker per core (each with its own browser and live site for the
# browser tests); a worker that runs out of tests takes some of another's, so a few
# long tests at the end do not leave a core idle. Python keeps its compiled modules (in
# the ignored __pycache__ folders) even where the environment asks it not to: each
# worker otherwise compiles the package and rewrites every test module's asserts anew.
test: install
	PYTHONDONTWRITEBYTECODE= $(BIN)/python -m pytest -n auto --dist worksteal $(PYTEST_ARGS)

# Style, types and architecture: ruff's rules and formatting, mypy, and the import
# contracts of pyproject.toml (layers and no import cycles).
lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

bench: install
	$(BIN)/python -m bench.run --size 10000

bench-pages: install
	$(BIN)/python -m bench.pages --size 10000 $(BENCH_ARGS)

clean:
	rm -rf $(VENV) instance .pytest_cache .ruff_cache .mypy_cache .import_linter_cache
