# wflow — `make run` serves the demo, `make test` runs the whole suite. Both set up .venv.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 5000
PO := $(wildcard wflow/translations/*/LC_MESSAGES/messages.po)
MO := $(PO:.po=.mo)

.PHONY: run test lint typecheck check-workflows bench install translations extract clean

run: install
	$(BIN)/wflow init --demo
	@$(BIN)/wflow demo-logins
	@echo "wflow serves on http://$(HOST):$(PORT)/  (Ctrl+C stops it)"
	WFLOW_SECURE_COOKIES=0 $(BIN)/wflow run --host $(HOST) --port $(PORT)

# pytest-xdist: a worker per core (at most 4); tests/browser and tests/load each keep to one.
PYTEST_WORKERS ?= auto
test: install lint typecheck check-workflows
	$(BIN)/pytest -q -n $(PYTEST_WORKERS) --maxprocesses 4 --dist loadgroup

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: install
	$(BIN)/mypy

check-workflows: install
	$(BIN)/wflow workflows check

PEERS := ../shared/bench/peers.py
# the PostgreSQL server the benches create their databases beside (each drops its own)
WFLOW_BENCH_DATABASE_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/postgres
bench: export WFLOW_BENCH_DATABASE_URL := $(WFLOW_BENCH_DATABASE_URL)
bench: install
	@test -f $(PEERS) || { echo "make bench: the peer harness $(PEERS) is missing (clone the project with ../shared beside it)"; exit 1; }
	$(BIN)/pip install -q -e '.[test,bench]'
	rm -rf bench/results
	$(BIN)/python bench/engine.py
	$(BIN)/python bench/pgfire.py
	$(BIN)/python bench/documents.py
	$(BIN)/python bench/signatures.py
	$(BIN)/python bench/reviews.py
	$(BIN)/python bench/web.py
	$(BIN)/python bench/dossier.py
	@echo
	@$(BIN)/python bench/table.py

install: $(STAMP) translations

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[test]'
	touch $(STAMP)

translations: $(MO)

wflow/translations/%/LC_MESSAGES/messages.mo: wflow/translations/%/LC_MESSAGES/messages.po $(STAMP)
	$(BIN)/pybabel compile -f -d wflow/translations -l $* -i $<

# Re-extract the English source strings and merge them into every catalogue.
extract: install
	$(BIN)/pybabel extract -F babel.cfg -k _l -o wflow/translations/messages.pot .
	$(BIN)/pybabel update -N -i wflow/translations/messages.pot -d wflow/translations

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
