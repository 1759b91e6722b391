"""The sandbox issue's hostile-program suite (tests/sandbox/test_hostile.py), run through every registered
language: each hazard written in the language, run by its `Language` (its command, its limits) in the same
bwrap sandbox, then the same checks: the raw result the hazard must produce, no process left, nothing outside
the work dir changed, and the language's status is not OK where the program misbehaved."""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

# The suite's fixtures and expectations are reused as they are, not copied.
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "sandbox"))
from conftest import wait_no_processes  # noqa: E402
from language_helpers import require_runtime  # noqa: E402
from test_hostile import (  # noqa: E402
    LIMITS,
    PY,
    check_untouched,
    contained,
    cpu_limited,
    denied,
    failed_fast,
    host,  # noqa: F401
    output_capped,
    timed_out,
)

from stages.languages import Status, names  # noqa: E402
from stages.languages.execute import execute  # noqa: E402
from stages.sandbox import RawResult, Sandbox, SandboxParams  # noqa: E402

# A uid range apart from tests/sandbox's, so the two suites can run at the same time without seeing each
# other's processes as leaks.
UID_BASE = 62100
UIDS = range(UID_BASE, UID_BASE + 16)

Expect = Callable[[RawResult], None]

LUA: dict[str, tuple[str, Expect]] = {
    "sleep_forever": ('os.execute("sleep 10000")\n', timed_out),
    "busy_loop": ("while true do end\n", cpu_limited),
    "fork_bomb": ('while true do io.popen("sleep 100") end\n', contained),
    "unbounded_stdout": ('local s = string.rep("x", 65536)\nwhile true do io.write(s) end\n', output_capped),
    "memory_bomb": (
        "local t = {}\nwhile true do t[#t + 1] = string.rep('x', 200 * 1024 * 1024 + #t) end\n",
        failed_fast,
    ),
    "write_outside": (
        "local n = 0\nfor _, p in ipairs({'@OUTSIDE@/pwned', '@PROJECT@/pwned', '/root/pwned'}) do\n"
        "  local f = io.open(p, 'w')\n  if f then f:write('x') f:close() else n = n + 1 end\nend\n"
        "print(n == 3 and 'DENIED' or 'LEAK')\n",
        denied,
    ),
    "delete_files": ("print(os.remove('@VICTIM@') and 'LEAK' or 'DENIED')\n", denied),
    "read_secrets": (
        "local leak = os.getenv('POLYFORGE_TEST_SECRET') ~= nil\n"
        "for _, p in ipairs({'@HOMESECRET@', '/proc/@HOSTPID@/environ', '@PROJECT@/params.yaml'}) do\n"
        "  local f = io.open(p, 'r')\n  if f then leak = true f:close() end\nend\n"
        "print(leak and 'LEAK' or 'DENIED')\n",
        denied,
    ),
    "kill_parent_group": (
        "print('DENIED')\nos.execute('kill -9 -1 2>/dev/null; kill -9 @HOSTPID@ 2>/dev/null')\n",
        denied,
    ),
    "stdin_block": ("local s = io.read('a')\nif s == nil or s == '' then os.exit(1) end\n", failed_fast),
}

RACKET: dict[str, tuple[str, Expect]] = {
    "sleep_forever": ("#lang racket/base\n(sleep 10000)\n", timed_out),
    "busy_loop": ("#lang racket/base\n(let loop () (loop))\n", cpu_limited),
    "fork_bomb": (
        '#lang racket/base\n(let loop () (subprocess #f #f #f "/bin/sleep" "100") (loop))\n',
        contained,
    ),
    "unbounded_stdout": (
        "#lang racket/base\n(define s (make-string 65536 #\\x))\n(let loop () (write-string s) (loop))\n",
        output_capped,
    ),
    "memory_bomb": (
        "#lang racket/base\n(let loop ([acc '()]) (loop (cons (make-bytes (* 64 1024 1024) 1) acc)))\n",
        failed_fast,
    ),
    "write_outside": (
        '#lang racket/base\n(define n (for/sum ([p \'("@OUTSIDE@/pwned" "@PROJECT@/pwned" "/root/pwned")])\n'
        "  (with-handlers ([exn:fail? (lambda (e) 1)])\n"
        '    (call-with-output-file p (lambda (o) (write-string "x" o))) 0)))\n'
        '(displayln (if (= n 3) "DENIED" "LEAK"))\n',
        denied,
    ),
    "network": (
        "#lang racket/base\n(require racket/tcp)\n"
        '(displayln (with-handlers ([exn:fail? (lambda (e) "DENIED")]) (tcp-connect "127.0.0.1" @PORT@) "LEAK"))\n',
        denied,
    ),
    "read_secrets": (
        "#lang racket/base\n(require racket/file)\n"
        '(define leaks (for/list ([p \'("@HOMESECRET@" "/proc/@HOSTPID@/environ" "@PROJECT@/params.yaml")]\n'
        "  #:when (with-handlers ([exn:fail? (lambda (e) #f)]) (file->bytes p) #t)) p))\n"
        '(displayln (if (or (getenv "POLYFORGE_TEST_SECRET") (pair? leaks)) "LEAK" "DENIED"))\n',
        denied,
    ),
    "kill_parent_group": (
        '#lang racket/base\n(require racket/system)\n(displayln "DENIED")\n(flush-output)\n'
        '(void (system "kill -9 -1 2>/dev/null; kill -9 @HOSTPID@ 2>/dev/null"))\n',
        denied,
    ),
    "stdin_block": ("#lang racket/base\n(when (eof-object? (read-line)) (exit 1))\n", failed_fast),
}

R: dict[str, tuple[str, Expect]] = {
    "sleep_forever": ("Sys.sleep(10000)\n", timed_out),
    "busy_loop": ("repeat {}\n", cpu_limited),
    "fork_bomb": ('repeat system("sleep 100 &")\n', contained),
    "unbounded_stdout": ('s <- strrep("x", 65536)\nrepeat cat(s)\n', output_capped),
    "memory_bomb": ("x <- list()\nrepeat x[[length(x) + 1]] <- numeric(8e6) + length(x)\n", failed_fast),
    "write_outside": (
        "n <- 0\nfor (p in c('@OUTSIDE@/pwned', '@PROJECT@/pwned', '/root/pwned')) {\n"
        "  ok <- tryCatch({ writeLines('x', p); TRUE }, error = function(e) FALSE, warning = function(w) FALSE)\n"
        "  if (!ok) n <- n + 1\n}\ncat(if (n == 3) 'DENIED' else 'LEAK', '\\n')\n",
        denied,
    ),
    "delete_files": ("cat(if (isTRUE(file.remove('@VICTIM@'))) 'LEAK' else 'DENIED', '\\n')\n", denied),
    "network": (
        "r <- tryCatch({ socketConnection('127.0.0.1', @PORT@, timeout = 1); 'LEAK' },\n"
        "  error = function(e) 'DENIED', warning = function(w) 'DENIED')\ncat(r, '\\n')\n",
        denied,
    ),
    "read_secrets": (
        "leak <- nzchar(Sys.getenv('POLYFORGE_TEST_SECRET'))\n"
        "for (p in c('@HOMESECRET@', '/proc/@HOSTPID@/environ', '@PROJECT@/params.yaml')) {\n"
        "  got <- tryCatch(length(readBin(p, 'raw', 100)) > 0, error = function(e) FALSE, warning = function(w) FALSE)\n"
        "  if (got) leak <- TRUE\n}\ncat(if (leak) 'LEAK' else 'DENIED', '\\n')\n",
        denied,
    ),
    "kill_parent_group": (
        "cat('DENIED\\n')\ninvisible(system('kill -9 -1 2>/dev/null; kill -9 @HOSTPID@ 2>/dev/null'))\n",
        denied,
    ),
    "stdin_block": ("x <- readLines(file('stdin'))\nif (length(x) == 0) quit(status = 1)\n", failed_fast),
}

HAZARDS: dict[str, dict[str, tuple[str, Expect]]] = {
    "python": {k: v for k, v in PY.items() if k not in ("close_streams", "daemon")},
    "lua": LUA,
    "racket": RACKET,
    "r": R,
}
CASES = [(lang, hazard) for lang in HAZARDS for hazard in sorted(HAZARDS[lang])]


@pytest.fixture(scope="session")
def lang_sandbox() -> Sandbox:
    if os.geteuid() != 0:
        pytest.skip("the hostile suite switches to unprivileged uids: it must run as root")
    if shutil.which("bwrap") is None:
        pytest.skip("bwrap is not installed (Debian package bubblewrap; run scripts/setup.sh)")
    sandbox = Sandbox(SandboxParams(isolation="bwrap", uid_base=UID_BASE, uid_count=len(UIDS)))
    assert sandbox.isolation == "bwrap"
    return sandbox


def test_every_registered_language_has_a_hostile_suite() -> None:
    assert sorted(HAZARDS) == sorted(names())


@pytest.mark.parametrize(("name", "hazard"), CASES)
def test_hostile_program(lang_sandbox: Sandbox, host, name: str, hazard: str) -> None:  # noqa: F811
    lang = require_runtime(name)
    source, expect = HAZARDS[name][hazard]
    result = execute(lang, host.fill(source), limits=LIMITS, sandbox=lang_sandbox)
    expect(result.raw)
    if expect is not denied:
        assert result.status is not Status.OK, result.raw
    if expect is timed_out:
        assert result.status is Status.TIMEOUT
    assert wait_no_processes(UIDS) == []
    check_untouched(host)
