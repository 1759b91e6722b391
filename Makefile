# The two commands a new user runs (both set everything up first, idempotently):
#   make repro   set up, then run the whole pipeline (`dvc repro`) on the embedded default
#   make test    set up, then run the test suite
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: setup repro test lint bench vllm-env

setup:
	@bash scripts/setup.sh

repro: setup
	$(BIN)/dvc repro

test: setup
	$(BIN)/python -m pytest -q

lint: setup
	$(BIN)/ruff check stages tests benchmarks
	$(BIN)/ruff format --check stages tests benchmarks
