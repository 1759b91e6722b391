"""Hostile programs through the real sandbox (bwrap, unprivileged uid, limits), one case per hazard and runtime.

Every case asserts the raw result the hazard must produce, that it ended within its limit, that no process of the
run is left, and that nothing outside its work dir changed; the test process carrying on is the last check.
"""

from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import wait_no_processes

from stages.sandbox import Limits, RawResult, Sandbox

pytestmark = [pytest.mark.runtime, pytest.mark.root, pytest.mark.serial]

LIMITS = Limits(
    wall_s=1.5,
    compile_wall_s=30.0,
    cpu_s=1,
    address_space_mb=512,
    nproc=32,
    fsize_mb=4,
    nofile=64,
    output_limit_mb=1,
)
SLACK_S = 1.5  # start-up and teardown allowed beyond the wall limit
SECRET = "polyforge-test-secret-" + secrets.token_hex(8)


@dataclass
class Host:
    """What a hostile program aims at: a world-writable dir outside the sandbox, a file in it, a secret in HOME
    and in our environment, a listening socket, and a sentinel process in the test's process group."""

    outside: Path
    victim: Path
    home_secret: Path
    listener: socket.socket
    port: int
    sentinel: subprocess.Popen

    def fill(self, source: str) -> str:
        return (
            source.replace("@OUTSIDE@", str(self.outside))
            .replace("@VICTIM@", str(self.victim))
            .replace("@HOMESECRET@", str(self.home_secret))
            .replace("@SECRET@", SECRET)
            .replace("@PORT@", str(self.port))
            .replace("@HOSTPID@", str(os.getpid()))
            .replace("@PROJECT@", str(Path.cwd()))
        )


@pytest.fixture
def host(monkeypatch: pytest.MonkeyPatch) -> Host:
    outside = Path("/tmp") / f"polyforge-hostile-{secrets.token_hex(4)}"
    outside.mkdir()
    os.chmod(outside, 0o777)  # writable by anyone: only the sandbox can keep a program out
    victim = outside / "victim.txt"
    victim.write_text("keep me")
    os.chmod(victim, 0o666)
    home_secret = Path.home() / f".polyforge-hostile-{secrets.token_hex(4)}"
    home_secret.write_text(SECRET)
    monkeypatch.setenv("POLYFORGE_TEST_SECRET", SECRET)
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    listener.setblocking(False)
    sentinel = subprocess.Popen(["sleep", "60"])  # same process group as this test
    try:
        yield Host(outside, victim, home_secret, listener, listener.getsockname()[1], sentinel)
    finally:
        sentinel.kill()
        sentinel.wait()
        listener.close()
        home_secret.unlink()
        for path in sorted(outside.rglob("*"), reverse=True):
            path.unlink() if not path.is_dir() else path.rmdir()
        outside.rmdir()


def check_untouched(host: Host) -> None:
    assert host.victim.read_text() == "keep me"
    assert sorted(p.name for p in host.outside.iterdir()) == ["victim.txt"]
    assert not list(Path("/tmp").glob("pwned-*"))
    assert not (Path.cwd() / "pwned").exists()
    assert host.sentinel.poll() is None, "the sentinel in the test's process group was killed"
    with pytest.raises(BlockingIOError):
        host.listener.accept()


# --- expectations ----------------------------------------------------------------------------------------


def timed_out(r: RawResult) -> None:
    assert r.timed_out and r.signal == signal.SIGKILL and r.exit_code is None
    assert LIMITS.wall_s <= r.wall_s < LIMITS.wall_s + SLACK_S


def contained(r: RawResult) -> None:
    """Ended within its limit one way or another: killed at the wall, or failing once the limits bit."""
    assert r.wall_s < LIMITS.wall_s + SLACK_S
    assert r.timed_out or r.signal is not None or r.exit_code != 0, r


def cpu_limited(r: RawResult) -> None:
    assert r.signal in (signal.SIGXCPU, signal.SIGKILL), r
    assert r.cpu_s <= LIMITS.cpu_s + 1.0
    assert r.wall_s < LIMITS.wall_s + SLACK_S


def output_capped(r: RawResult) -> None:
    assert r.output_limit_exceeded or r.timed_out
    assert len(r.stdout.encode()) <= LIMITS.output_cap < r.stdout_bytes
    assert r.stdout_bytes >= LIMITS.output_limit_mb * 1024 * 1024 or r.timed_out


def failed_fast(r: RawResult) -> None:
    assert not r.timed_out, r
    assert r.exit_code not in (0, None) or r.signal is not None, r


def denied_or_self_killed(r: RawResult) -> None:
    """Signalling its parent's group either fails, or reaches only the program itself (its waiter runs as another
    uid): both are contained; the host's survival is checked by every hazard."""
    if r.signal == signal.SIGKILL and not r.timed_out:
        return
    denied(r)


def denied(r: RawResult) -> None:
    assert not r.timed_out, r
    assert "LEAK" not in r.stdout and "LEAK" not in r.stderr, r.stdout
    assert "DENIED" in r.stdout, r


def exits_zero(r: RawResult) -> None:
    assert r.exit_code == 0 and not r.timed_out, r
    assert r.wall_s < 1.0


PY: dict[str, tuple[str, Callable[[RawResult], None]]] = {
    "fork_bomb": (
        "import os\nwhile True:\n    try:\n        os.fork()\n    except OSError:\n        pass\n",
        timed_out,
    ),
    "sleep_forever": ("import time\ntime.sleep(10_000)\n", timed_out),
    "busy_loop": ("while True:\n    pass\n", cpu_limited),
    "unbounded_stdout": ("import sys\nwhile True:\n    sys.stdout.write('x' * 65536)\n", output_capped),
    "memory_bomb": ("chunks = []\nwhile True:\n    chunks.append(bytearray(64 << 20))\n", failed_fast),
    "write_outside": (
        "import os\nn = 0\nfor p in ['@OUTSIDE@/pwned', '@PROJECT@/pwned', '/root/pwned']:\n"
        "    try:\n        open(p, 'w').write('x')\n    except OSError:\n        n += 1\n"
        "print('DENIED' if n == 3 else 'LEAK')\n",
        denied,
    ),
    "delete_files": (
        "import os\ntry:\n    os.unlink('@VICTIM@')\n    print('LEAK')\nexcept OSError:\n    print('DENIED')\n",
        denied,
    ),
    "network": (
        "import socket\ntry:\n    socket.create_connection(('127.0.0.1', @PORT@), timeout=0.5)\n    print('LEAK')\n"
        "except OSError:\n    print('DENIED')\n",
        denied,
    ),
    "read_secrets": (
        "import os\nfound = [k for k, v in os.environ.items() if '@SECRET@' in v]\n"
        "for p in ['@HOMESECRET@', '/proc/@HOSTPID@/environ', '/proc/1/environ', '@PROJECT@/params.yaml']:\n"
        "    try:\n        data = open(p, 'rb').read()\n    except OSError:\n        continue\n"
        "    if b'@SECRET@' in data or p.endswith('params.yaml'):\n        found.append(p)\n"
        "print('LEAK', found) if found else print('DENIED')\n",
        denied,
    ),
    "kill_parent_group": (
        "import os, signal\nfor f in (lambda: os.killpg(os.getpgid(os.getppid()), 9), lambda: os.kill(-1, 9),\n"
        "          lambda: os.kill(@HOSTPID@, 9), lambda: os.killpg(os.getpgid(0), 0)):\n"
        "    try:\n        f()\n    except OSError:\n        pass\nprint('DENIED')\n",
        denied_or_self_killed,
    ),
    "close_streams": ("import os, time\nos.close(1)\nos.close(2)\ntime.sleep(0.2)\n", exits_zero),
    "stdin_block": ("import sys\nsys.stdin.read()\ninput()\n", failed_fast),
    "daemon": (
        "import os, time\nif os.fork() == 0:\n    os.setsid()\n    if os.fork() == 0:\n        time.sleep(1000)\n"
        "    os._exit(0)\nprint('parent done')\n",
        exits_zero,
    ),
}

SH: dict[str, tuple[str, Callable[[RawResult], None]]] = {
    "fork_bomb": ("while :; do (while :; do :; done) & done\n", contained),
    "sleep_forever": ("sleep 10000\n", timed_out),
    "busy_loop": ("while :; do :; done\n", cpu_limited),
    "unbounded_stdout": ("yes xxxxxxxxxxxxxxxx\n", output_capped),
    "memory_bomb": ("awk 'BEGIN { s = \"x\"; while (1) s = s s }'\n", failed_fast),
    "write_outside": (
        "n=0\nfor p in @OUTSIDE@/pwned @PROJECT@/pwned /root/pwned; do\n"
        "  (echo x > $p) 2>/dev/null || n=$((n+1))\ndone\n[ $n -eq 3 ] && echo DENIED || echo LEAK\n",
        denied,
    ),
    "delete_files": (
        "rm -f @VICTIM@ 2>/dev/null\n[ -e @VICTIM@ ] || [ ! -e @OUTSIDE@ ] && echo DENIED || echo LEAK\n",
        denied,
    ),
    "network": (
        "if (exec 3<>/dev/tcp/127.0.0.1/@PORT@) 2>/dev/null; then echo LEAK; else echo DENIED; fi\n"
        "python3 -c \"import socket; socket.create_connection(('127.0.0.1', @PORT@), timeout=0.5)\" 2>/dev/null"
        " && echo LEAK\n",
        denied,
    ),
    "read_secrets": (
        "env | grep -q @SECRET@ && echo LEAK env\n"
        "cat @HOMESECRET@ /proc/@HOSTPID@/environ @PROJECT@/params.yaml 2>/dev/null | grep -q . && echo LEAK files\n"
        "echo DENIED\n",
        denied,
    ),
    "kill_parent_group": (
        "echo DENIED\nkill -9 -1 2>/dev/null\nkill -9 @HOSTPID@ 2>/dev/null\nkill -9 0 2>/dev/null\nsleep 9\n",
        denied,
    ),
    "close_streams": ("exec 1>&- 2>&-\nsleep 0.2\n", exits_zero),
    "stdin_block": ("read line\n", failed_fast),
    "daemon": (
        "setsid sh -c 'sleep 1000' &\nsetsid sh -c 'sleep 1000' >/dev/null 2>&1 &\necho started\n",
        exits_zero,
    ),
}

C_PRELUDE = (
    "#include <stdio.h>\n#include <stdlib.h>\n#include <string.h>\n#include <unistd.h>\n#include <signal.h>\n"
    "#include <sys/socket.h>\n#include <netinet/in.h>\n#include <arpa/inet.h>\n"
)
C: dict[str, tuple[str, Callable[[RawResult], None]]] = {
    "fork_bomb": ("int main(void) { for (;;) fork(); }\n", timed_out),
    "sleep_forever": ("int main(void) { for (;;) sleep(1000); }\n", timed_out),
    "busy_loop": ("int main(void) { volatile unsigned long x = 0; for (;;) x++; }\n", cpu_limited),
    "unbounded_stdout": (
        "int main(void) { char b[65536]; memset(b, 'x', sizeof b); for (;;) fwrite(b, 1, sizeof b, stdout); }\n",
        output_capped,
    ),
    "memory_bomb": (
        "int main(void) { for (;;) { char *p = malloc(64 << 20); if (!p) return 3; memset(p, 1, 64 << 20); } }\n",
        failed_fast,
    ),
    "write_outside": (
        'int main(void) { int n = 0; const char *ps[] = {"@OUTSIDE@/pwned", "@PROJECT@/pwned", "/root/pwned"};\n'
        '  for (int i = 0; i < 3; i++) { FILE *f = fopen(ps[i], "w"); if (!f) n++; else fclose(f); }\n'
        '  puts(n == 3 ? "DENIED" : "LEAK"); return 0; }\n',
        denied,
    ),
    "network": (
        "int main(void) { int s = socket(AF_INET, SOCK_STREAM, 0); struct sockaddr_in a = {0};\n"
        '  a.sin_family = AF_INET; a.sin_port = htons(@PORT@); a.sin_addr.s_addr = inet_addr("127.0.0.1");\n'
        '  puts(connect(s, (struct sockaddr *)&a, sizeof a) == 0 ? "LEAK" : "DENIED"); return 0; }\n',
        denied,
    ),
    "kill_parent_group": (
        'int main(void) { kill(-1, 9); kill(@HOSTPID@, 9); kill(0, 9); puts("DENIED"); return 0; }\n',
        failed_fast,  # kill(0, 9) kills the program's own group: it dies by SIGKILL, alone
    ),
    "stdin_block": ("int main(void) { return getchar() == EOF ? 1 : 0; }\n", failed_fast),
    "daemon": (
        "int main(void) { if (fork() == 0) { setsid(); if (fork() == 0) { sleep(1000); } _exit(0); }\n"
        '  puts("parent done"); return 0; }\n',
        exits_zero,
    ),
}


def _run_case(
    sandbox: Sandbox, test_uids: range, host: Host, lang: str, hazard: str, gcc: str | None
) -> None:
    if lang == "python":
        source, expect = PY[hazard]
        result = sandbox.run(
            ["/usr/bin/python3", "prog.py"], files={"prog.py": host.fill(source)}, limits=LIMITS
        )
    elif lang == "sh":
        source, expect = SH[hazard]
        result = sandbox.run(["/bin/sh", "prog.sh"], files={"prog.sh": host.fill(source)}, limits=LIMITS)
    else:
        source, expect = C[hazard]
        result = sandbox.run(
            ["./prog"],
            files={"prog.c": C_PRELUDE + host.fill(source)},
            compile_argv=[gcc or "gcc", "-O0", "-o", "prog", "prog.c"],
            limits=LIMITS,
        )
        assert result.phase == "run", result.stderr
    expect(result)
    assert wait_no_processes(test_uids) == []
    check_untouched(host)


@pytest.mark.parametrize("hazard", sorted(PY))
def test_hostile_python(bwrap_sandbox, test_uids, host, python3, hazard: str) -> None:
    _run_case(bwrap_sandbox, test_uids, host, "python", hazard, None)


@pytest.mark.parametrize("hazard", sorted(SH))
def test_hostile_shell(bwrap_sandbox, test_uids, host, hazard: str) -> None:
    _run_case(bwrap_sandbox, test_uids, host, "sh", hazard, None)


@pytest.mark.parametrize("hazard", sorted(C))
def test_hostile_c(bwrap_sandbox, test_uids, host, gcc, hazard: str) -> None:
    _run_case(bwrap_sandbox, test_uids, host, "c", hazard, gcc)


@pytest.mark.parametrize(
    "hazard", ["fork_bomb", "daemon", "kill_parent_group", "sleep_forever", "close_streams"]
)
def test_hostile_python_without_bwrap_still_contained(
    rlimits_sandbox, test_uids, host, python3, hazard
) -> None:
    """The degraded mode (no bwrap) still holds the limits, the uid and the whole-uid kill. It cannot keep a
    program from reading world-readable files or from writing world-writable dirs: that is what bwrap adds."""
    source, expect = PY[hazard]
    result = rlimits_sandbox.run(
        ["/usr/bin/python3", "prog.py"], files={"prog.py": host.fill(source)}, limits=LIMITS
    )
    expect(result)
    assert result.isolation == "rlimits"
    assert wait_no_processes(test_uids) == []
    check_untouched(host)
