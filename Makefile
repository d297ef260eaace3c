# Two commands do all set-up on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
SCENARIO ?= scenarios/baseline.toml
APP_SCENARIO ?=
# the browser tests drive Debian's Chromium (Playwright cannot download its own here)
CHROMIUM := /usr/bin/chromium
# mypyc compiles the package simulator/engine (simulator/native.py): an edit there recompiles.
BUILD_INPUTS := pyproject.toml setup.py simulator/native.py $(shell find simulator/engine -name '*.py')

# The suite runs on every core (pytest-xdist; at most 4 processes: many tests start
# workers of their own): on a 2-core machine 11.5 min against 23 in one process, both
# with other work beside them.
# PYTEST_PARALLEL= runs it in one process.
PYTEST_PARALLEL ?= -n auto --maxprocesses 4

.PHONY: run test app chromium lint format bench bench-answer clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# The package's bytecode is written at install, not at its first import: a Python told not
# to write bytecode (PYTHONDONTWRITEBYTECODE, common in containers and CI) would otherwise
# compile every module of the package from source in every command (0.06 s each time).
COMPILE_BYTECODE := $(BIN)/python -m compileall -q simulator

$(VENV)/.installed: $(BUILD_INPUTS) | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	$(COMPILE_BYTECODE)
	touch $@

$(VENV)/.installed-test: $(BUILD_INPUTS) | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test,sweep,app,research]'
	$(COMPILE_BYTECODE)
	touch $(VENV)/.installed $(VENV)/.installed-app $@

$(VENV)/.installed-app: $(BUILD_INPUTS) | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[app]'
	$(COMPILE_BYTECODE)
	touch $(VENV)/.installed $@

# Debian's Chromium for the browser tests: installed when missing (CI runs as root on a
# fresh machine); elsewhere, without root, say how and let the browser tests skip.
chromium:
	@if [ ! -x $(CHROMIUM) ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else \
	    echo "make: $(CHROMIUM) is missing: sudo apt-get install chromium (the browser tests skip without it)"; \
	  fi; \
	fi

run: $(VENV)/.installed
	$(BIN)/caseload run $(SCENARIO)

test: $(VENV)/.installed-test chromium
	$(BIN)/ruff check simulator tests benchmarks setup.py
	$(BIN)/ruff format --check simulator tests benchmarks setup.py
	$(BIN)/python -m pytest -q $(PYTEST_PARALLEL) --durations 20

# the trainers' app on http://127.0.0.1 (APP_SCENARIO=file for another scenario)
app: $(VENV)/.installed-app
	$(BIN)/caseload app $(APP_SCENARIO)

lint: $(VENV)/.installed-test
	$(BIN)/ruff check simulator tests benchmarks setup.py
	$(BIN)/ruff format --check simulator tests benchmarks setup.py

format: $(VENV)/.installed-test
	$(BIN)/ruff format simulator tests benchmarks setup.py
	$(BIN)/ruff check --fix simulator tests benchmarks setup.py

bench: $(VENV)/.installed
	$(BIN)/python benchmarks/bench_engine.py

bench-answer: $(VENV)/.installed
	$(BIN)/python benchmarks/bench_answer.py

clean:
	rm -rf $(VENV) build *.egg-info simulator/_compiled.py
	find simulator -name '*.so' -delete
