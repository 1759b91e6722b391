"""A run's verdict is a function of the program alone (issue 29): nothing a run leaves in the network stack, the
PID counter, the tmpfs inode counters or an abstract unix socket reaches the next run of the same uid.

Each class is a pair: a hostile run, then a benign one on the same uid (one uid per sandbox, so one resident
bwrap), whose verdict and output must equal its verdict alone, in a sandbox of its own. Also: IP sockets are
refused and unix socket buffers are charged to the run's memory (a run that queues more than its limit is
OOM-killed, the host's socket memory does not move), and a run the host kills reports the CPU it used.
"""

from __future__ import annotations

import os
import signal
import textwrap

import pytest
from conftest import TEST_UID_BASE, TEST_UID_COUNT, wait_no_processes
from load_programs import (
    ABSTRACT_READER,
    ABSTRACT_WRITER,
    BIND,
    INODE_READER,
    INODE_WRITER,
    NET_READER,
    PID_READER,
    PID_WRITER,
    SQUAT,
    TIME_WAIT_WRITER,
    verdict,
)

from stages.sandbox import Limits, RawResult, Sandbox, SandboxParams
from stages.sandbox.engine import Containment

pytestmark = [pytest.mark.runtime, pytest.mark.root]

PY = "/usr/bin/python3"
LIMITS = Limits(wall_s=5.0, cpu_s=5, address_space_mb=1024, memory_mb=256, nproc=32, fsize_mb=4)
# A uid of this worker's range that the other modules' sandboxes never lease: hostile and benign runs of a pair
# share it, and with it the resident bwrap.
PAIR_UID = TEST_UID_BASE + TEST_UID_COUNT


def _params(resident: bool) -> SandboxParams:
    return SandboxParams(isolation="bwrap", uid_base=PAIR_UID, uid_count=1, resident=resident)


@pytest.fixture(params=["resident", "per_run"])
def mode(request: pytest.FixtureRequest) -> str:
    if os.geteuid() != 0:
        pytest.skip("the sandbox drops to unprivileged uids: it must run as root")
    return request.param


def _py(sb: Sandbox, source: str, limits: Limits = LIMITS) -> RawResult:
    return sb.run([PY, "prog.py"], files={"prog.py": textwrap.dedent(source)}, limits=limits)


def _alone(mode: str, source: str) -> RawResult:
    sb = Sandbox(_params(mode == "resident"))
    try:
        return _py(sb, source)
    finally:
        sb.close()


def _after(
    mode: str, hostile: str, benign: str, containment: Containment | None = None
) -> tuple[RawResult, ...]:
    """The hostile run, then the benign one, in one sandbox of one uid."""
    sb = Sandbox(_params(mode == "resident"), containment)
    try:
        first = _py(sb, hostile)
        return first, _py(sb, benign)
    finally:
        sb.close()
        assert wait_no_processes(range(PAIR_UID, PAIR_UID + 1)) == []


def _pair(mode: str, hostile: str, benign: str) -> tuple[RawResult, RawResult, RawResult]:
    alone = _alone(mode, benign)
    first, second = _after(mode, hostile, benign)
    assert verdict(second) == verdict(alone), (first, second, alone)
    return first, second, alone


# --- the network --------------------------------------------------------------------------------------------


def test_a_port_left_in_time_wait_does_not_change_the_next_verdict(mode: str) -> None:
    first, second, _ = _pair(mode, SQUAT, BIND)
    assert first.stdout == "refused 97\n"  # EAFNOSUPPORT: IP sockets do not exist in the sandbox
    assert second.stdout == "no socket 97\n"


def test_without_the_filter_the_settle_check_still_replaces_a_resident_with_sockets() -> None:
    """The second layer: with IP sockets allowed, the launcher sees the TIME_WAIT socket in the network
    namespace's tables and the resident is replaced (a fresh network namespace), so the pair still agrees."""
    if os.geteuid() != 0:
        pytest.skip("needs root")
    first, second = _after("resident", SQUAT, BIND, Containment(seccomp=False))
    assert first.stdout == "left TIME_WAIT\n", first
    assert second.stdout == "bound\n", second  # what it prints alone, with or without the filter


def test_time_wait_peers_carry_nothing_to_the_next_run(mode: str) -> None:
    first, second, _ = _pair(mode, TIME_WAIT_WRITER, NET_READER)
    assert first.stdout == "refused 97\nsent 0\n"
    assert second.stdout == "tcp 0\ntcp6 0\nudp 0\nudp6 0\nunix 0\n"


def test_an_abstract_socket_kept_in_flight_is_unreachable_for_the_next_run(mode: str) -> None:
    first, second, _ = _pair(mode, ABSTRACT_WRITER, ABSTRACT_READER)
    assert first.stdout == "planted\n", first
    assert second.stdout == "none 111\nsockets 1\n"  # ECONNREFUSED: no such name; its own socket only


# --- counters ----------------------------------------------------------------------------------------------


def test_the_pid_counter_carries_nothing_to_the_next_run(mode: str) -> None:
    first, second, _ = _pair(mode, PID_WRITER, PID_READER)
    assert first.stdout == "forked\n"
    own, child = map(int, second.stdout.split())
    assert child == own + 1  # nothing else forked in between


def test_tmpfs_inode_numbers_carry_nothing_to_the_next_run(mode: str) -> None:
    first, second, alone = _pair(mode, INODE_WRITER, INODE_READER)
    assert first.stdout == "made 600\n"
    assert len(second.stdout.splitlines()) == 3


def test_an_unnamed_tmpfile_is_refused_and_python_falls_back(mode: str) -> None:
    """O_TMPFILE would take an inode of /tmp without changing the dir (the launcher's clue): refused."""
    r = _alone(
        mode,
        """
        import errno, os, tempfile
        try:
            os.open("/tmp", os.O_TMPFILE | os.O_WRONLY, 0o600)
        except OSError as exc:
            print(errno.errorcode[exc.errno])
        with tempfile.TemporaryFile() as fh:
            fh.write(b"ok")
            fh.seek(0)
            print(fh.read().decode())
        """,
    )
    assert r.stdout == "ENOTSUP\nok\n", r  # EOPNOTSUPP; Python names it by its alias


# --- socket memory -----------------------------------------------------------------------------------------

IP_BUFFERS = """
import socket
for family, kind in ((socket.AF_INET, socket.SOCK_STREAM), (socket.AF_INET, socket.SOCK_DGRAM),
                     (socket.AF_INET6, socket.SOCK_STREAM), (socket.AF_INET6, socket.SOCK_DGRAM),
                     (socket.AF_NETLINK, socket.SOCK_RAW), (socket.AF_PACKET, socket.SOCK_RAW)):
    try:
        socket.socket(family, kind)
        print("created")
    except OSError as exc:
        print(exc.errno)
"""
# Queues twice the run's memory (256 MiB) on unix socket pairs whose reader never reads.
UNIX_BUFFERS = """
import socket
pairs, queued = [], 0
while queued < 512 << 20:
    a, b = socket.socketpair()
    a.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4 << 20)
    a.setblocking(False)
    try:
        while True:
            queued += a.send(b"x" * 65536)
    except BlockingIOError:
        pass
    pairs.append((a, b))
print("queued MiB", queued >> 20)
"""


def _socket_memory_mib() -> float:
    """The host's TCP and UDP buffers (/proc/net/sockstat, in pages)."""
    pages = 0
    with open("/proc/net/sockstat") as fh:
        for line in fh:
            fields = line.split()
            if fields[0] in ("TCP:", "UDP:") and "mem" in fields:
                pages += int(fields[fields.index("mem") + 1])
    return pages * os.sysconf("SC_PAGE_SIZE") / (1 << 20)


def test_socket_buffers_stay_inside_the_run_memory(mode: str) -> None:
    before = _socket_memory_mib()
    ip = _alone(mode, IP_BUFFERS)
    assert ip.stdout.split() == ["97"] * 6, ip  # no IP socket, and no other family but unix
    unix = _alone(mode, UNIX_BUFFERS)
    assert unix.oom and "queued" not in unix.stdout, unix  # charged to the run's cgroup: killed at 256 MiB
    # the host's socket memory moved by no more than other processes' sockets may (8 MiB), not by the 512 MiB
    assert _socket_memory_mib() - before < 8, (before, _socket_memory_mib())


# --- CPU time of runs the host kills -------------------------------------------------------------------------


@pytest.mark.serial
def test_runs_killed_by_the_host_report_the_cpu_they_used(mode: str) -> None:
    sb = Sandbox(_params(mode == "resident"))
    try:
        hung = _py(sb, "while True:\n    pass\n", Limits(wall_s=1.0, cpu_s=5))
        flood = _py(
            sb,
            "import sys, time\nend = time.process_time() + 0.5\nwhile time.process_time() < end:\n    pass\n"
            "while True:\n    sys.stdout.write('x' * 65536)\n",
            Limits(wall_s=10.0, cpu_s=5, output_limit_mb=1),
        )
    finally:
        sb.close()
    assert hung.timed_out and hung.signal == signal.SIGKILL
    assert 0.1 < hung.cpu_s <= hung.wall_s + 0.05, hung  # a busy loop's CPU, however loaded the host
    assert flood.output_limit_exceeded and flood.cpu_s >= 0.45, flood
