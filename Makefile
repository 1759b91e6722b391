# The two commands a new user runs (both set everything up first, idempotently):
#   make repro   set up, then run the whole pipeline (`dvc repro`) on the embedded default
#   make test    set up, then run the test suite
VENV ?= .venv
BIN := $(abspath $(VENV))/bin
# dvc runs each stage's `python -m stages.X` through a shell: put the venv first on PATH for it.
export PATH := $(BIN):$(PATH)

.PHONY: setup repro test lint bench vllm-env

setup:
	@bash scripts/setup.sh

# The pipeline's default backend (hf) needs no vLLM environment: skip building it here (`make vllm-env` does).
repro:
	@POLYFORGE_VLLM=0 bash scripts/setup.sh
	$(BIN)/dvc repro

test: setup
	$(BIN)/python -m pytest -q

lint: setup
	$(BIN)/ruff check stages tests benchmarks
	$(BIN)/ruff format --check stages tests benchmarks

# The separate vLLM CPU environment (.venv-vllm) that the `vllm` backend and the vllm-marked tests use.
vllm-env:
	@bash scripts/setup_vllm.sh
