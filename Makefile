# The two commands a new user runs (both set everything up first, idempotently):
#   make repro   set up, then run the whole pipeline (`dvc repro`) on the embedded default
#   make test    set up, then run the test suite (what CI runs)
# and, for everyday work:
#   make test-fast   the tests that need no language runtime, model, root, vLLM or `dvc repro` (< 1 min)
#   make lock        rerun the graph and refresh dvc.lock after changing stages/ or params (fast on warm caches)
VENV ?= .venv
BIN := $(abspath $(VENV))/bin
PYTEST := $(BIN)/python -m pytest
TIERS := runtime or model or root or e2e or vllm or slow

.PHONY: setup repro test test-fast lock lint bench vllm-env constraints

setup:
	@bash scripts/setup.sh

# The pipeline's default backend (hf) needs no vLLM environment: skip building it here (`make vllm-env` does).
repro:
	@POLYFORGE_VLLM=0 bash scripts/setup.sh
	$(BIN)/dvc repro

# Everything not marked serial on every core (a module's tests stay on one worker, in order: the shared e2e
# run's tests depend on it), then the hostile and timing-sensitive tests one at a time.
test: setup
	$(PYTEST) -q -n auto --dist loadfile -m "not serial"
	$(PYTEST) -q -m serial

test-fast:
	@POLYFORGE_VLLM=0 bash scripts/setup.sh >/dev/null
	$(PYTEST) -q -n auto -m "not ($(TIERS))"

# dvc.lock must match the tree (tests/test_lock.py checks it): after a change to stages/ or params.yaml, rerun
# what changed. Completions and execution verdicts come from the caches, so only new work takes time.
lock: repro
	@git status --short dvc.lock

lint: setup
	$(BIN)/ruff check stages tests benchmarks
	$(BIN)/ruff format --check stages tests benchmarks

# The separate vLLM CPU environment (.venv-vllm) that the `vllm` backend and the vllm-marked tests use.
vllm-env:
	@bash scripts/setup_vllm.sh

# Refresh the exact versions set-up installs (constraints.txt, constraints-vllm.txt) from working environments.
constraints:
	@{ sed -n '1,2p' constraints.txt; $(BIN)/pip freeze --exclude-editable | sed 's/^torch==\(.*\)+cpu$$/torch==\1/'; } > constraints.txt.new
	@mv constraints.txt.new constraints.txt
	@{ sed -n '1p' constraints-vllm.txt; .venv-vllm/bin/pip freeze | sed 's/^torch==\(.*\)+cpu$$/torch==\1/'; } > constraints-vllm.txt.new
	@mv constraints-vllm.txt.new constraints-vllm.txt
	@git diff --stat constraints.txt constraints-vllm.txt
