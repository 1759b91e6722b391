from __future__ import annotations

import os
import shutil
import time

import pytest

from stages.sandbox import Sandbox, SandboxParams

# A uid range of the tests' own, one per xdist worker: any process left under it after a run is a leak of that
# run, and not a run of another module's tests on another worker.
TEST_UID_BASE = 62000 + 32 * int(os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw") or 0)
TEST_UID_COUNT = 16


def processes_of(uids: range) -> list[str]:
    found = []
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            if os.stat(f"/proc/{name}").st_uid in uids:
                with open(f"/proc/{name}/cmdline", "rb") as fh:
                    cmdline = fh.read().replace(b"\0", b" ").decode(errors="replace")
                found.append(f"{name}: {cmdline}")
        except OSError:
            continue
    return found


def wait_no_processes(uids: range, grace_s: float = 2.0) -> list[str]:
    """Processes still alive under `uids` after a short grace (namespace teardown is asynchronous)."""
    deadline = time.monotonic() + grace_s
    while True:
        left = processes_of(uids)
        if not left or time.monotonic() > deadline:
            return left
        time.sleep(0.05)


@pytest.fixture(scope="session")
def test_uids() -> range:
    return range(TEST_UID_BASE, TEST_UID_BASE + TEST_UID_COUNT)


@pytest.fixture(scope="session")
def bwrap_sandbox() -> Sandbox:
    if os.geteuid() != 0:
        pytest.skip("the hostile suite switches to unprivileged uids: it must run as root")
    if shutil.which("bwrap") is None:
        pytest.skip("bwrap is not installed (Debian package bubblewrap; run scripts/setup.sh)")
    sb = Sandbox(SandboxParams(isolation="bwrap", uid_base=TEST_UID_BASE, uid_count=TEST_UID_COUNT))
    assert sb.isolation == "bwrap"
    return sb


@pytest.fixture(scope="session")
def rlimits_sandbox() -> Sandbox:
    if os.geteuid() != 0:
        pytest.skip("the hostile suite switches to unprivileged uids: it must run as root")
    return Sandbox(SandboxParams(isolation="rlimits", uid_base=TEST_UID_BASE, uid_count=TEST_UID_COUNT))


@pytest.fixture(scope="session")
def python3() -> str:
    if not os.access("/usr/bin/python3", os.X_OK):
        pytest.skip("runtime /usr/bin/python3 is not installed")
    return "/usr/bin/python3"


@pytest.fixture(scope="session")
def gcc() -> str:
    path = shutil.which("gcc")
    if path is None:
        pytest.skip("runtime gcc is not installed (Debian package gcc)")
    return path
