"""The resident sandbox: one bwrap per uid reused across runs must leave each run as alone as a bwrap of its own.

Every test runs real programs through real bwrap as an unprivileged uid. What one run leaves behind (a daemon, a
file in /tmp or /dev/shm, a System V IPC object, files in its work dir) must be gone or invisible for the next
run of the same uid; the program must hold no capability, no inherited fd, no ignored signal and no variable it
was not given; it must not be able to signal or inspect the launcher; and the verdicts must equal those of a
bwrap per run.
"""

from __future__ import annotations

import ctypes
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time

import pytest
from conftest import TEST_UID_BASE, TEST_UID_COUNT, processes_of, wait_no_processes

from stages.sandbox import Limits, Sandbox, SandboxParams

pytestmark = [pytest.mark.runtime, pytest.mark.root]

LIMITS = Limits(wall_s=5.0, cpu_s=5, address_space_mb=1024, nproc=32, fsize_mb=4)
PY = "/usr/bin/python3"
# Lists what else lives in the sandbox's PID namespace, besides this program.
OTHER_PROCESSES = textwrap.dedent(
    """
    import os
    me = os.getpid()
    for pid in sorted(int(p) for p in os.listdir("/proc") if p.isdigit()):
        if pid == me:
            continue
        try:
            owner = os.stat(f"/proc/{pid}").st_uid
            cmd = open(f"/proc/{pid}/cmdline", "rb").read().split(b"\\0")[0].decode()
        except OSError as exc:
            owner, cmd = -1, type(exc).__name__
        print(pid, owner, os.path.basename(cmd))
    """
)


@pytest.fixture
def sandbox() -> Sandbox:
    if os.geteuid() != 0:
        pytest.skip("the resident sandbox drops to unprivileged uids: it must run as root")
    sb = Sandbox(SandboxParams(isolation="bwrap", uid_base=TEST_UID_BASE, uid_count=TEST_UID_COUNT))
    assert sb.isolation == "bwrap" and sb.resident
    yield sb
    sb.close()


def _sh(sb: Sandbox, script: str, limits: Limits = LIMITS):
    return sb.run(["/bin/sh", "-c", script], limits=limits)


def _resident(sb: Sandbox):
    (resident,) = sb._residents.values()
    return resident


def test_consecutive_runs_share_one_bwrap(sandbox: Sandbox) -> None:
    first = _sh(sandbox, "echo one")
    launcher = _resident(sandbox)
    second = _sh(sandbox, "echo two")
    assert (first.stdout, second.stdout) == ("one\n", "two\n")
    assert _resident(sandbox) is launcher and launcher.alive and launcher.clean


def test_a_daemon_is_gone_before_the_next_run(sandbox: Sandbox) -> None:
    started = _sh(sandbox, "setsid sleep 300 </dev/null >/dev/null 2>&1 & echo started")
    assert started.exit_code == 0 and started.stdout == "started\n"
    assert wait_no_processes(range(TEST_UID_BASE, TEST_UID_BASE + TEST_UID_COUNT)) == []
    seen = sandbox.run([PY, "-c", OTHER_PROCESSES], limits=LIMITS)
    rows = [line.split() for line in seen.stdout.splitlines()]
    # bwrap's init and the launcher, both root; nothing of the previous run
    assert [(owner, name) for _, owner, name in rows] == [("0", "bwrap"), ("0", "python3")], seen.stdout


@pytest.mark.parametrize(
    "leave",
    [
        "echo secret > /tmp/left",
        "mkdir /tmp/d && echo secret > /tmp/d/left && chmod 000 /tmp/d",
        "echo secret > /dev/shm/left",
        "ipcmk -M 4096 >/dev/null",
    ],
)
def test_what_a_run_leaves_in_shared_places_is_gone_for_the_next(sandbox: Sandbox, leave: str) -> None:
    left = _sh(sandbox, leave)
    assert left.exit_code == 0, left.stderr
    assert not _resident(sandbox).clean  # so the bwrap is replaced, not reused
    after = _sh(sandbox, "ls -A /tmp /dev/shm; cat /proc/sysvipc/shm | wc -l")
    assert "left" not in after.stdout and "d\n" not in after.stdout
    assert after.stdout.strip().endswith("1"), after.stdout  # the header line only: no shared memory segment
    assert _resident(sandbox).clean


def test_work_dirs_are_fresh_and_private(sandbox: Sandbox) -> None:
    first = _sh(sandbox, "echo secret > mine; pwd")
    second = _sh(
        sandbox, 'ls -A; ls "$(dirname "$PWD")" 2>&1; cat ' + first.stdout.strip() + "/mine 2>&1; pwd"
    )
    lines = second.stdout.splitlines()
    assert lines[-1] != first.stdout.strip()
    assert "Permission denied" in lines[0] and "No such file" in lines[1], second.stdout


def test_the_program_holds_nothing_it_was_not_given(sandbox: Sandbox) -> None:
    out = _sh(sandbox, "cat /proc/self/status; echo ---; ls /proc/self/fd; echo ---; env").stdout
    status, fds, env = out.split("---\n")
    fields = {k: v.strip() for k, v in (line.split(":", 1) for line in status.splitlines())}
    for cap in ("CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb"):
        assert int(fields[cap], 16) == 0, (cap, fields[cap])
    assert fields["NoNewPrivs"] == "1"
    assert fields["Groups"] == ""
    uid = fields["Uid"].split()
    assert len(set(uid)) == 1 and int(uid[0]) in range(TEST_UID_BASE, TEST_UID_BASE + TEST_UID_COUNT)
    assert set(fields["Gid"].split()) == {uid[0]}
    assert int(fields["SigIgn"], 16) == 0 and int(fields["SigBlk"], 16) == 0  # SIGPIPE, SIGXFSZ default again
    assert fds.split() == ["0", "1", "2", "3"]  # stdin, stdout, stderr, and the fd `ls` opened to list them
    names = {line.split("=", 1)[0] for line in env.splitlines()}
    assert names <= {"PATH", "HOME", "TMPDIR", "LANG", "LC_ALL", "USER", "LOGNAME", "PWD"}, names


def test_the_program_cannot_touch_the_launcher(sandbox: Sandbox) -> None:
    attack = _sh(sandbox, "kill -9 1 2; echo kill=$?; ls /proc/2/fd 2>&1; cat /proc/2/environ 2>&1; echo end")
    assert "kill=1" in attack.stdout
    assert attack.stdout.count("Permission denied") == 2, attack.stdout
    launcher = _resident(sandbox)
    assert launcher.alive and launcher.clean
    assert _sh(sandbox, "echo fine").stdout == "fine\n"
    assert _resident(sandbox) is launcher


def test_a_timeout_replaces_the_bwrap_and_the_next_run_works(sandbox: Sandbox) -> None:
    _sh(sandbox, "true")
    before = _resident(sandbox)
    hung = _sh(sandbox, "sleep 60", Limits(wall_s=0.5))
    assert hung.timed_out and hung.signal == signal.SIGKILL and 0.5 <= hung.wall_s < 2.0
    assert not before.alive
    assert _sh(sandbox, "echo back").stdout == "back\n"
    assert _resident(sandbox) is not before


@pytest.mark.parametrize(
    "script",
    [
        "exit 3",
        "echo out; echo err >&2",
        "kill -SEGV $$",
        "kill -TERM $$",
        "yes | head -c 100000 > /dev/null; echo piped",  # `yes` must die of SIGPIPE, not loop on EPIPE
        "head -c 5000 /dev/zero | tr '\\0' x",
        "dd if=/dev/zero of=big bs=1M count=8 2>/dev/null; echo dd=$?",  # over fsize_mb: SIGXFSZ
    ],
)
def test_verdicts_equal_those_of_a_bwrap_per_run(sandbox: Sandbox, script: str) -> None:
    per_run = Sandbox(
        SandboxParams(isolation="bwrap", uid_base=TEST_UID_BASE, uid_count=TEST_UID_COUNT, resident=False)
    )
    assert not per_run.resident
    a, b = _sh(sandbox, script), _sh(per_run, script)
    fields = ("exit_code", "signal", "timed_out", "stdout", "stderr", "stdout_bytes", "stderr_bytes")
    assert {f: getattr(a, f) for f in fields} == {f: getattr(b, f) for f in fields}


def test_an_exit_code_above_128_is_not_taken_for_a_signal(sandbox: Sandbox) -> None:
    # a bwrap per run reports signal N as exit 128+N, so there exit 130 reads as SIGINT; the launcher waits for
    # the program itself and reports what happened
    r = _sh(sandbox, "exit 130")
    assert (r.exit_code, r.signal) == (130, None)


def test_residents_die_with_their_process(tmp_path) -> None:
    if os.geteuid() != 0:
        pytest.skip("needs root")
    script = textwrap.dedent(
        f"""
        import os, sys
        sys.path.insert(0, {str(os.getcwd())!r})
        from stages.sandbox import Sandbox, SandboxParams
        sb = Sandbox(SandboxParams(isolation="bwrap", uid_base={TEST_UID_BASE}, uid_count={TEST_UID_COUNT}))
        sb.run(["/bin/sh", "-c", "setsid sleep 300 & echo up"])
        sb.run(["/bin/true"])
        print(next(iter(sb._residents.values())).proc.pid, flush=True)
        os.kill(os.getpid(), 9)
        """
    )
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    bwrap_pid = int(proc.stdout.split()[0])
    deadline = time.monotonic() + 5
    while os.path.exists(f"/proc/{bwrap_pid}") and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not os.path.exists(f"/proc/{bwrap_pid}")
    assert wait_no_processes(range(TEST_UID_BASE, TEST_UID_BASE + TEST_UID_COUNT)) == []


def test_a_forked_child_starts_its_own_resident(sandbox: Sandbox) -> None:
    assert _sh(sandbox, "echo parent").stdout == "parent\n"
    parent_resident = _resident(sandbox)
    pid = os.fork()
    if pid == 0:  # the child must not talk over the parent's socket, nor end the parent's bwrap
        code = 1
        try:
            ok = _sh(sandbox, "echo child").stdout == "child\n"
            sandbox.close()
            code = 0 if ok else 2
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    assert parent_resident.alive
    assert _sh(sandbox, "echo again").stdout == "again\n"
    assert _resident(sandbox) is parent_resident
    assert processes_of(range(TEST_UID_BASE, TEST_UID_BASE + TEST_UID_COUNT)) == []


def test_a_launcher_that_cannot_start_falls_back_to_a_bwrap_per_run(caplog) -> None:
    if os.geteuid() != 0:
        pytest.skip("needs root")
    sb = Sandbox(
        SandboxParams(
            isolation="bwrap", uid_base=TEST_UID_BASE, uid_count=TEST_UID_COUNT, python="/nonexistent/python3"
        )
    )
    r = _sh(sb, "echo still runs; exit 130")
    assert r.stdout == "still runs\n" and not sb.resident
    assert (r.exit_code, r.signal) == (None, signal.SIGINT)  # a bwrap per run folds 130 into SIGINT
    assert "no resident bwrap" in caplog.text and "did not start" in caplog.text
    sb.close()


def test_signals_ignored_by_whoever_started_us_are_default_for_the_program() -> None:
    """A harness may ignore even glibc's own signal 32, which signal.signal cannot reset; exec would pass it on."""
    if os.geteuid() != 0 or os.uname().machine != "x86_64":
        pytest.skip("needs root, and the x86_64 rt_sigaction number")
    libc = ctypes.CDLL(None, use_errno=True)
    ignore, saved = ctypes.create_string_buffer(64), ctypes.create_string_buffer(64)
    ctypes.memmove(ignore, (ctypes.c_ulong * 1)(1), 8)  # SIG_IGN
    assert libc.syscall(13, 32, ignore, saved, 8) == 0
    try:
        sb = Sandbox(SandboxParams(isolation="bwrap", uid_base=TEST_UID_BASE, uid_count=TEST_UID_COUNT))
        status = _sh(sb, "grep SigIgn /proc/self/status").stdout
        sb.close()
    finally:
        libc.syscall(13, 32, saved, None, 8)
    assert int(status.split()[1], 16) == 0, status


def test_a_resident_outlives_the_thread_that_started_it(sandbox: Sandbox) -> None:
    """bwrap's --die-with-parent fires when the *thread* that started it exits: residents are started from a
    thread that lives as long as the process, or every resident a pool's thread started would die when the pool
    shuts down (killing whatever run another thread had started in it: verdicts of `execute_many` flipped)."""
    worker = threading.Thread(target=lambda: _sh(sandbox, "echo started"))
    worker.start()
    worker.join()
    launcher = _resident(sandbox)
    time.sleep(0.3)  # a parent-death signal would have ended the bwrap by now
    assert launcher.alive
    assert _sh(sandbox, "sleep 0.2; echo still").stdout == "still\n"
    assert _resident(sandbox) is launcher and "started:dead" not in sandbox.resident_stats
