"""No state shared between runs, and whole-run bounds: the holes issue 15 found, each planted by a hostile run and
looked for by the next run, the host, or both.

- IPC: POSIX message queues and System V objects left by a run make the resident bwrap unclean (replaced), and
  the next run of the uid finds none.
- Keys: the seccomp filter denies add_key/keyctl/request_key, so no key reaches the next run, a new sandbox or
  a host process of the uid; the rest of the deny-list (namespaces, ptrace, bpf, io_uring, ...) holds too, and
  other ABIs cannot go around it.
- Memory and tasks: children that together exceed the run's memory are OOM-killed, the result says `oom`, and
  every language classifies that as a failure.
- Disk: the work dir is a size-capped tmpfs; writing past it fails, the result says `disk_full`.
"""

from __future__ import annotations

import logging
import os
import re
import subprocess
import textwrap
from pathlib import Path

import pytest
from conftest import TEST_UID_BASE, TEST_UID_COUNT, wait_no_processes

from stages import languages
from stages.languages.base import Status
from stages.sandbox import Limits, RawResult, Sandbox, SandboxParams, cgroups, engine, seccomp, workfs
from stages.sandbox.engine import Containment

PY = "/usr/bin/python3"
LIMITS = Limits(wall_s=5.0, cpu_s=5, address_space_mb=1024, memory_mb=256, nproc=32, fsize_mb=4)
UIDS = range(TEST_UID_BASE, TEST_UID_BASE + TEST_UID_COUNT)
KEYCTL = seccomp.ARCHES["x86_64"].numbers["keyctl"]
ADD_KEY = seccomp.ARCHES["x86_64"].numbers["add_key"]


# --- the filter itself (fast tier) -----------------------------------------------------------------------


@pytest.mark.parametrize("arch", sorted(seccomp.ARCHES))
def test_syscall_numbers_match_the_kernel_headers(arch: str) -> None:
    header = {
        "x86_64": "/usr/include/x86_64-linux-gnu/asm/unistd_64.h",
        "aarch64": "/usr/include/asm-generic/unistd.h",
    }[arch]
    if not os.path.exists(header):
        pytest.skip(f"{header} is not installed (Debian package linux-libc-dev)")
    text = Path(header).read_text()
    table = {m[1]: int(m[2]) for m in re.finditer(r"#define __NR(?:3264)?_(\w+)\s+(\d+)", text)}
    numbers = seccomp.ARCHES[arch].numbers
    assert {name: table.get(name) for name in numbers} == numbers


@pytest.mark.parametrize("arch", sorted(seccomp.ARCHES))
def test_the_filter_assembles_and_names_every_denied_call(arch: str) -> None:
    program = seccomp.assemble(seccomp.ARCHES[arch])
    assert len(program) % 8 == 0 and len(program) // 8 < 4096  # struct sock_filter; the kernel's BPF_MAXINSNS
    assert set(seccomp.DENIED) <= set(seccomp.ARCHES[arch].numbers)


def test_every_language_fails_a_run_killed_for_memory() -> None:
    """`oom` is a fact like a timeout: whatever the program printed or returned after one of its processes was
    killed, no language may call the run a pass, nor a syntax error in a compile phase."""
    for name in languages.names():
        lang = languages.get(name)
        for phase in ("run", "compile"):
            raw = RawResult(
                argv=("prog",), exit_code=0, signal=None, timed_out=False, wall_s=0.1, cpu_s=0.1, stdout="",
                stderr="", stdout_bytes=0, stderr_bytes=0, phase=phase, oom=True,
            )  # fmt: skip
            assert lang.classify(raw) == Status.EXCEPTION, (name, phase)


# --- real runs -------------------------------------------------------------------------------------------


@pytest.fixture(params=["resident", "per_run"])
def sandbox(request: pytest.FixtureRequest) -> Sandbox:
    if os.geteuid() != 0:
        pytest.skip("the sandbox drops to unprivileged uids: it must run as root")
    sb = Sandbox(
        SandboxParams(
            isolation="bwrap",
            uid_base=TEST_UID_BASE,
            uid_count=TEST_UID_COUNT,
            resident=request.param == "resident",
            work_mb=16,
        )
    )
    assert sb.isolation == "bwrap" and sb.resident == (request.param == "resident")
    yield sb
    sb.close()
    assert wait_no_processes(UIDS) == []


def _py(sb: Sandbox, source: str, limits: Limits = LIMITS) -> RawResult:
    return sb.run([PY, "prog.py"], files={"prog.py": textwrap.dedent(source)}, limits=limits)


def _resident_clean(sb: Sandbox) -> bool | None:
    residents = list(sb._residents.values())
    return residents[0].clean if residents else None


PLANT_MQUEUE = """
import ctypes, os
libc = ctypes.CDLL(None, use_errno=True)
q = libc.mq_open(b"/planted", os.O_CREAT | os.O_WRONLY, 0o666, None)
assert q >= 0, ctypes.get_errno()
assert libc.mq_send(q, b"secret", 6, 0) == 0
print("planted")
"""
LOOK_MQUEUE = """
import ctypes, os
libc = ctypes.CDLL(None, use_errno=True)
q = libc.mq_open(b"/planted", os.O_RDONLY)
print("found" if q >= 0 else f"none {ctypes.get_errno()}")
"""


@pytest.mark.runtime
@pytest.mark.root
@pytest.mark.parametrize(
    "plant, look",
    [
        (PLANT_MQUEUE, LOOK_MQUEUE),
        ("import subprocess; subprocess.run(['ipcmk', '-Q'], check=True)", "print(open('/proc/sysvipc/msg').read())"),
        ("import subprocess; subprocess.run(['ipcmk', '-S', '2'], check=True)", "print(open('/proc/sysvipc/sem').read())"),
    ],
    ids=["posix_mqueue", "sysv_msg", "sysv_sem"],
)  # fmt: skip
def test_ipc_state_left_by_a_run_is_gone_for_the_next(sandbox: Sandbox, plant: str, look: str) -> None:
    planted = _py(sandbox, plant)
    assert planted.exit_code == 0, planted.stderr
    assert _resident_clean(sandbox) in (False, None)  # a resident that saw it is replaced before the next run
    seen = _py(sandbox, look)
    assert seen.exit_code == 0, seen.stderr
    assert "found" not in seen.stdout and len(seen.stdout.strip().splitlines()) <= 1, seen.stdout
    assert _resident_clean(sandbox) in (True, None)


KEYS = f"""
import ctypes
libc = ctypes.CDLL(None, use_errno=True)
KEYCTL_READ, KEYCTL_GET_KEYRING_ID, KEYCTL_GET_PERSISTENT, USER, SESSION = 11, 0, 22, -4, -3
buf = ctypes.create_string_buffer(256)
calls = {{
    "add_key_user": lambda: libc.syscall({ADD_KEY}, b"user", b"planted", b"secret", 6, USER),
    "add_key_session": lambda: libc.syscall({ADD_KEY}, b"user", b"planted", b"secret", 6, SESSION),
    "read_user": lambda: libc.syscall({KEYCTL}, KEYCTL_READ, USER, buf, 256),
    "user_keyring": lambda: libc.syscall({KEYCTL}, KEYCTL_GET_KEYRING_ID, USER, 1),
    "persistent": lambda: libc.syscall({KEYCTL}, KEYCTL_GET_PERSISTENT, -1, USER),
    "request_key": lambda: libc.syscall(249, b"user", b"planted", None, 0),
}}
for name, call in calls.items():
    print(name, call(), ctypes.get_errno())
"""


def _key_users() -> dict[int, str]:
    with open("/proc/key-users") as fh:
        return {int(line.split(":")[0]): line.strip() for line in fh}


@pytest.mark.runtime
@pytest.mark.root
def test_keys_reach_no_other_run_no_new_sandbox_and_no_host_process(sandbox: Sandbox) -> None:
    if os.uname().machine != "x86_64":
        pytest.skip("the key program uses x86_64 syscall numbers")
    before = _key_users()
    first = _py(sandbox, KEYS)
    assert first.stdout.splitlines() == [f"{name} -1 1" for name in (
        "add_key_user", "add_key_session", "read_user", "user_keyring", "persistent", "request_key")], first.stdout  # fmt: skip
    assert _py(sandbox, KEYS).stdout == first.stdout  # the next run of the uid
    fresh = Sandbox(sandbox.params)  # a sandbox started after this one
    assert _py(fresh, KEYS).stdout == first.stdout
    fresh.close()
    assert _key_users() == before  # no uid gained a key: nothing for a host process of the uid to read
    # and a plain host process of a sandbox uid (no filter) finds its user keyring empty
    host_view = subprocess.run(
        ["setpriv", f"--reuid={TEST_UID_BASE}", f"--regid={TEST_UID_BASE}", "--clear-groups", PY, "-c",
         f"import ctypes; libc = ctypes.CDLL(None); b = ctypes.create_string_buffer(256); "
         f"print(libc.syscall({KEYCTL}, 11, -4, b, 256))"],
        capture_output=True, text=True, timeout=30,
    )  # fmt: skip
    assert host_view.stdout.strip() == "0", host_view  # an empty keyring reads as 0 bytes


DENIED_CALLS = """
import ctypes, os, subprocess, threading
libc = ctypes.CDLL(None, use_errno=True)
def errno_of(nr, *args):
    result = libc.syscall(nr, *args)
    return "allowed" if result >= 0 else ctypes.get_errno()
print("unshare_user", errno_of(272, 0x10000000))
print("unshare_mount", errno_of(272, 0x00020000))
print("clone_newuser", errno_of(56, 0x10000000 | 17, 0, 0, 0, 0))
print("clone3", errno_of(435, 0, 0))
print("setns", errno_of(308, 0, 0))
print("ptrace", errno_of(101, 0, 0, 0, 0))
print("bpf", errno_of(321, 0, 0, 0))
print("perf_event_open", errno_of(298, 0, 0, -1, -1, 0))
print("userfaultfd", errno_of(323, 0))
print("io_uring_setup", errno_of(425, 1, 0))
print("mount", errno_of(165, b"none", b"/tmp", b"tmpfs", 0, None))
print("x32_keyctl", errno_of(0x40000000 | 250, 0, -4, 1))
print("unshare_cmd", subprocess.run(["unshare", "-U", "true"], capture_output=True).returncode != 0)
t = threading.Thread(target=lambda: None); t.start(); t.join()
print("threads_and_children", subprocess.run(["/bin/echo", "fine"], capture_output=True, text=True).stdout.strip())
"""


@pytest.mark.runtime
@pytest.mark.root
def test_the_deny_list_holds_and_ordinary_calls_still_work(sandbox: Sandbox) -> None:
    if os.uname().machine != "x86_64":
        pytest.skip("the program uses x86_64 syscall numbers")
    r = _py(sandbox, DENIED_CALLS)
    lines = dict(line.split(" ", 1) for line in r.stdout.splitlines())
    eperm, enosys = "1", "38"
    expected = {name: eperm for name in (
        "unshare_user", "unshare_mount", "clone_newuser", "setns", "ptrace", "bpf", "perf_event_open",
        "userfaultfd", "io_uring_setup", "mount")}  # fmt: skip
    expected |= {
        "clone3": enosys,
        "x32_keyctl": enosys,
        "unshare_cmd": "True",
        "threads_and_children": "fine",
    }
    assert lines == expected, r.stdout + r.stderr


I386_KEYCTL = r"""
#include <stdio.h>
int main(void) {
    long r;  /* keyctl(KEYCTL_GET_KEYRING_ID, KEY_SPEC_USER_KEYRING, 1) through the i386 ABI (keyctl is 288) */
    __asm__ volatile ("int $0x80" : "=a"(r) : "a"(288L), "b"(0L), "c"(-4L), "d"(1L) : "memory");
    printf("%ld\n", r);
    return 0;
}
"""


@pytest.mark.runtime
@pytest.mark.root
def test_another_abi_cannot_go_around_the_filter(sandbox: Sandbox, gcc: str) -> None:
    if os.uname().machine != "x86_64":
        pytest.skip("the i386 ABI exists on x86_64 only")
    r = sandbox.run(
        ["./prog"], files={"prog.c": I386_KEYCTL}, compile_argv=[gcc, "-o", "prog", "prog.c"], limits=LIMITS
    )
    assert r.phase == "run", r.stderr
    # -ENOSYS from the filter; a kernel without the i386 ABI kills the program instead: either way, no keyring
    assert r.stdout.strip() == "-38" or r.signal is not None, r


FORK_MEMORY = """
import os, time
kids = []
for _ in range(4):
    pid = os.fork()
    if pid == 0:
        block = b"x" * (96 << 20)  # 96 MB each, within RLIMIT_AS; 384 MB together, over the run's 256 MB
        time.sleep(0.3)
        os._exit(0)
    kids.append(pid)
codes = [os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]) for pid in kids]
print(codes)
"""


def _cgroups_or_skip() -> cgroups.Hierarchy:
    hierarchy, why = cgroups.detect()
    if hierarchy is None:
        pytest.skip(f"no writable cgroup memory+pids controllers here ({why})")
    return hierarchy


@pytest.mark.runtime
@pytest.mark.root
def test_children_that_together_exceed_the_memory_are_oom_killed(sandbox: Sandbox) -> None:
    _cgroups_or_skip()
    r = _py(sandbox, FORK_MEMORY)
    assert r.oom and not r.timed_out, r
    assert "-9" in r.stdout, r.stdout  # the kernel killed at least one child; the parent carried on
    assert languages.get("python").classify(r) == Status.EXCEPTION  # although it exited 0
    after = _py(sandbox, "print('next')")  # the next run of the uid is unaffected
    assert (after.stdout, after.oom) == ("next\n", False)


@pytest.mark.runtime
@pytest.mark.root
def test_runs_are_in_their_uids_cgroup_with_its_limits(sandbox: Sandbox) -> None:
    hierarchy = _cgroups_or_skip()
    r = _py(sandbox, "import os; print(os.getuid()); print(open('/proc/self/cgroup').read())")
    uid = int(r.stdout.split()[0])
    assert f"/{cgroups.BASE}/uid-{uid}" in r.stdout
    group = Path(hierarchy.mounts["pids"], cgroups.BASE, f"uid-{uid}")
    assert int((group / "pids.max").read_text()) == LIMITS.nproc + engine.PIDS_HEADROOM
    memory = Path(hierarchy.mounts["memory"], cgroups.BASE, f"uid-{uid}")
    limit = memory / ("memory.max" if hierarchy.version == 2 else "memory.limit_in_bytes")
    assert int(limit.read_text()) == LIMITS.memory_mb << 20


@pytest.mark.runtime
@pytest.mark.root
def test_writing_past_the_work_dir_cap_fails_and_says_so(sandbox: Sandbox) -> None:
    r = sandbox.run(
        ["/bin/sh", "-c", "i=0; while head -c 3000000 /dev/zero > f$i; do i=$((i + 1)); done; pwd; "
         "grep -F \" $PWD \" /proc/self/mountinfo; exit 1"],
        limits=LIMITS,
    )  # fmt: skip
    assert r.disk_full and r.exit_code == 1, r
    assert "No space left" in r.stderr
    workdir, mount = r.stdout.splitlines()
    # the run's own tmpfs of work_mb: the host's disk took none of it
    assert " tmpfs tmpfs " in mount and "size=16384k" in mount, mount
    assert not os.path.exists(workdir) and workfs.mounted_size_kb(workdir) is None
    ok = sandbox.run(["/bin/sh", "-c", "head -c 3000000 /dev/zero > f; echo ok"], limits=LIMITS)
    assert (ok.stdout, ok.disk_full) == ("ok\n", False)  # the next run has the whole cap again


@pytest.mark.runtime
@pytest.mark.root
def test_without_writable_cgroups_runs_go_on_with_one_warning(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    if os.geteuid() != 0:
        pytest.skip("needs root")
    monkeypatch.setattr(cgroups, "detect", lambda: (None, "read-only /sys (test)"))
    monkeypatch.setattr(engine, "_warned", set())
    sb = Sandbox(SandboxParams(isolation="bwrap", uid_base=TEST_UID_BASE, uid_count=TEST_UID_COUNT))
    with caplog.at_level(logging.WARNING, logger="stages.sandbox.engine"):
        runs = [sb.run(["/bin/sh", "-c", "echo $$"], limits=LIMITS) for _ in range(3)]
    sb.close()
    assert all(r.exit_code == 0 and not r.oom for r in runs)
    warnings = [rec for rec in caplog.records if "cgroup" in rec.getMessage()]
    assert len(warnings) == 1 and "read-only /sys (test)" in warnings[0].getMessage()


@pytest.mark.runtime
@pytest.mark.root
def test_containment_can_be_switched_off_for_benchmarks() -> None:
    """What bench_sandbox compares: without the filter a key call is not denied (so the filter is what denies it)."""
    if os.geteuid() != 0:
        pytest.skip("needs root")
    off = Containment(seccomp=False, cgroups=False, work_tmpfs=False)
    sb = Sandbox(SandboxParams(isolation="bwrap", uid_base=TEST_UID_BASE, uid_count=TEST_UID_COUNT), off)
    # KEYCTL_GET_KEYRING_ID of the session keyring, not creating it: harmless, and not denied without the filter
    r = _py(
        sb,
        f"import ctypes; libc = ctypes.CDLL(None, use_errno=True); r = libc.syscall({KEYCTL}, 0, -3, 0)\n"
        "print(r >= 0 or ctypes.get_errno() != 1)",
    )
    sb.close()
    assert r.stdout == "True\n", r
