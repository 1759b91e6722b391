"""The sandbox under load: 300 benign and hostile programs across four workers, beside a host probe.

Asserts what containment means when runs crowd one another: every benign program's verdict (its ending, the
sandbox's facts, its output) equals its verdict alone, although hostile programs ran before it under the same
uids (planting files, IPC objects, keys, daemons; bombing forks, memory, disk, output); the hostile ones end
with the fact they must; nothing of any run is left (process, file, key, cgroup member); and the host stays
responsive and keeps its memory. benchmarks/bench_sandbox.py runs the same mix longer and prints the figures.
"""

from __future__ import annotations

import collections
import os
import tempfile
import time
from pathlib import Path

import pytest
from conftest import TEST_UID_BASE, TEST_UID_COUNT, wait_no_processes
from load_programs import WORK_MB, Probe, key_users, mem_available_mb, mix, run_program, verdict

from stages.common import CommonParams
from stages.executors import make_executor
from stages.sandbox import Sandbox, SandboxParams
from stages.sandbox.cgroups import BASE, detect

pytestmark = [pytest.mark.runtime, pytest.mark.root, pytest.mark.serial]

PROGRAMS = 300
WORKERS = 4
# The probe's p99 target is 50 ms on a quiet machine (bench_sandbox measures it); CI shares its cores with
# whatever else runs, so the test allows a margin and reports the figure.
PROBE_P99_MS = 150.0
# Host memory may drop by what the workers' runs may hold (memory_mb each) plus 1 GiB for everything else (the
# workers themselves, and on a shared machine whatever else runs).
MEMORY_MARGIN_MB = 1024


@pytest.fixture
def params() -> SandboxParams:
    if os.geteuid() != 0:
        pytest.skip("the load runs programs as unprivileged uids: it must run as root")
    return SandboxParams(isolation="bwrap", uid_base=TEST_UID_BASE, uid_count=TEST_UID_COUNT, work_mb=WORK_MB)


def _cgroups_in_use(uids: range) -> dict[int, list[str]]:
    """uid -> the processes in its cgroup, for the uids whose cgroup holds any."""
    hierarchy, _ = detect()
    if hierarchy is None:
        return {}
    found = {}
    for uid in uids:
        procs = Path(hierarchy.mounts["memory"], BASE, f"uid-{uid}", "cgroup.procs")
        pids = procs.read_text().split() if procs.exists() else []
        if pids:
            found[uid] = pids
    return found


def _cgroups_left(
    uids: range, busy_before: dict[int, list[str]], grace_s: float = 2.0
) -> dict[int, list[str]]:
    """The cgroups that hold processes after a short grace (a worker's resident bwrap dies with the worker, by
    its parent-death signal: asynchronously), besides those busy before the load."""
    deadline = time.monotonic() + grace_s
    while True:
        left = {uid: pids for uid, pids in _cgroups_in_use(uids).items() if uid not in busy_before}
        if not left or time.monotonic() > deadline:
            return left
        time.sleep(0.05)


def test_300_mixed_programs_under_load(params: SandboxParams, capsys: pytest.CaptureFixture[str]) -> None:
    uids = range(TEST_UID_BASE, TEST_UID_BASE + TEST_UID_COUNT)
    programs = mix(PROGRAMS, params)
    benign = [p for p in programs if not p.hostile]
    keys_before = {uid: line for uid, line in key_users().items() if uid in uids}
    busy_before = _cgroups_in_use(uids)  # the resident bwraps of sandboxes other tests keep open

    alone_sandbox = Sandbox(params)
    alone = {}
    for program in benign:
        if program.source not in alone:
            ext = "py" if program.kind == "py" else "sh"
            raw = alone_sandbox.run(
                program.argv, files={f"prog.{ext}": program.source}, limits=program.limits
            )
            alone[program.source] = verdict(raw)
    alone_sandbox.close()

    floor = mem_available_mb() - WORKERS * programs[0].limits.memory_mb - MEMORY_MARGIN_MB
    with tempfile.TemporaryDirectory() as cache, Probe() as probe:
        common = CommonParams(cache_dir=cache, executor="local", workers=WORKERS)
        with make_executor(common) as ex:
            results = dict(ex.map(run_program, programs))

    mismatches = [
        (p.name, alone[p.source], results[p.index]) for p in benign if results[p.index] != alone[p.source]
    ]
    assert mismatches == []

    facts = collections.defaultdict(set)
    for p in programs:
        if p.hostile:
            exit_code, sig, timed_out, oom, disk_full, *_ = results[p.index]
            facts[p.name].add((timed_out, oom, disk_full))
    assert facts["fork_bomb"] == facts["sleep_forever"] == {(True, False, False)}
    assert facts["memory_children"] == {(False, True, False)}
    assert facts["disk_fill"] == {(False, False, True)}

    leaks = wait_no_processes(uids)
    slots = Path(tempfile.gettempdir()) / f"polyforge-sandbox-{os.geteuid()}"
    leaks += [str(p) for uid in uids for p in (slots / f"uid-{uid}").glob("*")]
    leaks += [str(p) for p in Path("/tmp").glob("planted*")]
    leaks += [
        f"keys of {uid}" for uid, line in key_users().items() if uid in uids and keys_before.get(uid) != line
    ]
    leaks += [f"cgroup of {uid}: {pids}" for uid, pids in _cgroups_left(uids, busy_before).items()]
    assert leaks == []

    p50, p99 = probe.percentile(0.5), probe.percentile(0.99)
    lowest = min(probe.mem_available_mb)
    with capsys.disabled():
        print(
            f"\nload: {len(programs)} runs ({len(benign)} benign, {len(alone)} distinct), {WORKERS} workers, "
            f"mismatches {len(mismatches)}, leaks {len(leaks)}; probe {len(probe.latency_ms)} starts, "
            f"p50 {p50:.1f} ms, p99 {p99:.1f} ms, max {max(probe.latency_ms):.1f} ms; "
            f"MemAvailable min {lowest} MiB (floor {floor} MiB)"
        )
    assert p99 < PROBE_P99_MS
    assert lowest >= floor
