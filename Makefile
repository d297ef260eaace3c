# Two commands do all set-up on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
SCENARIO ?= scenarios/baseline.toml
# mypyc compiles the package simulator/engine (simulator/native.py): an edit there recompiles.
BUILD_INPUTS := pyproject.toml setup.py simulator/native.py $(shell find simulator/engine -name '*.py')

.PHONY: run test lint format bench bench-answer clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: $(BUILD_INPUTS) | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: $(BUILD_INPUTS) | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test,sweep]'
	touch $(VENV)/.installed $@

run: $(VENV)/.installed
	$(BIN)/caseload run $(SCENARIO)

test: $(VENV)/.installed-test
	$(BIN)/ruff check simulator tests benchmarks setup.py
	$(BIN)/ruff format --check simulator tests benchmarks setup.py
	$(BIN)/python -m pytest -q

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
