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
    C_PRELUDE,
    LIMITS,
    PY,
    check_untouched,
    contained,
    cpu_limited,
    denied,
    denied_or_self_killed,
    failed_fast,
    host,  # noqa: F401
    output_capped,
    timed_out,
)
from test_hostile import C as C_SOURCES  # noqa: E402

from stages.languages import Status, names  # noqa: E402
from stages.languages.execute import execute  # noqa: E402
from stages.sandbox import RawResult, Sandbox, SandboxParams  # noqa: E402

pytestmark = [pytest.mark.runtime, pytest.mark.root, pytest.mark.serial]

# A uid range apart from tests/sandbox's, so the two suites can run at the same time without seeing each
# other's processes as leaks.
UID_BASE = 63000 + 32 * int(os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw") or 0)
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

OCAML: dict[str, tuple[str, Expect]] = {
    "sleep_forever": ('let _ = Sys.command "sleep 10000"\n', timed_out),
    "busy_loop": ("let rec loop n = loop (n + 1)\nlet () = loop 0\n", cpu_limited),
    "fork_bomb": ('let () = while true do ignore (Sys.command "sleep 100 &") done\n', contained),
    "unbounded_stdout": (
        "let s = String.make 65536 'x'\nlet () = while true do print_string s done\n",
        output_capped,
    ),
    "memory_bomb": (
        "let keep = ref []\nlet () = while true do keep := Bytes.make (64 * 1024 * 1024) 'x' :: !keep done\n",
        failed_fast,
    ),
    "write_outside": (
        "let denied p = try close_out (open_out p); false with Sys_error _ -> true\n"
        'let () = print_endline (if List.for_all denied ["@OUTSIDE@/pwned"; "@PROJECT@/pwned"; "/root/pwned"]'
        ' then "DENIED" else "LEAK")\n',
        denied,
    ),
    "delete_files": (
        'let () = print_endline (try Sys.remove "@VICTIM@"; "LEAK" with Sys_error _ -> "DENIED")\n',
        denied,
    ),
    "read_secrets": (
        "let readable p = try close_in (open_in p); true with Sys_error _ -> false\n"
        'let leak = Sys.getenv_opt "POLYFORGE_TEST_SECRET" <> None\n'
        '  || List.exists readable ["@HOMESECRET@"; "/proc/@HOSTPID@/environ"; "@PROJECT@/params.yaml"]\n'
        'let () = print_endline (if leak then "LEAK" else "DENIED")\n',
        denied,
    ),
    "kill_parent_group": (
        'let () = print_endline "DENIED"; flush stdout\n'
        'let _ = Sys.command "kill -9 -1 2>/dev/null; kill -9 @HOSTPID@ 2>/dev/null"\n',
        denied,
    ),
    "stdin_block": (
        "let () = match input_line stdin with _ -> () | exception End_of_file -> exit 1\n",
        failed_fast,
    ),
}

JAVASCRIPT: dict[str, tuple[str, Expect]] = {
    "sleep_forever": ("setInterval(() => {}, 1000000);\n", timed_out),
    "busy_loop": ("let x = 0;\nwhile (true) x++;\n", cpu_limited),
    "fork_bomb": (
        "const { spawn } = require('child_process');\n"
        "while (true) { try { spawn('sleep', ['100']).on('error', () => {}); } catch (e) {} }\n",
        contained,
    ),
    "unbounded_stdout": (
        "const fs = require('fs');\nconst s = 'x'.repeat(65536);\nwhile (true) fs.writeSync(1, s);\n",
        output_capped,
    ),
    "memory_bomb": (
        "const keep = [];\nwhile (true) keep.push(Buffer.alloc(64 * 1024 * 1024, 1));\n",
        failed_fast,
    ),
    "write_outside": (
        "const fs = require('fs');\nlet n = 0;\n"
        "for (const p of ['@OUTSIDE@/pwned', '@PROJECT@/pwned', '/root/pwned']) {\n"
        "  try { fs.writeFileSync(p, 'x'); } catch (e) { n++; }\n}\nconsole.log(n === 3 ? 'DENIED' : 'LEAK');\n",
        denied,
    ),
    "delete_files": (
        "try { require('fs').unlinkSync('@VICTIM@'); console.log('LEAK'); } catch (e) { console.log('DENIED'); }\n",
        denied,
    ),
    "network": (
        "require('net').connect(@PORT@, '127.0.0.1')\n"
        "  .on('connect', () => { console.log('LEAK'); process.exit(0); })\n"
        "  .on('error', () => console.log('DENIED'));\n",
        denied,
    ),
    "read_secrets": (
        "const fs = require('fs');\nlet leak = Object.values(process.env).some((v) => v.includes('@SECRET@'));\n"
        "for (const p of ['@HOMESECRET@', '/proc/@HOSTPID@/environ', '@PROJECT@/params.yaml']) {\n"
        "  try { fs.readFileSync(p); leak = true; } catch (e) {}\n}\nconsole.log(leak ? 'LEAK' : 'DENIED');\n",
        denied,
    ),
    "kill_parent_group": (
        "console.log('DENIED');\nfor (const pid of [-1, @HOSTPID@]) { try { process.kill(pid, 'SIGKILL'); } catch (e) {} }\n",
        denied,
    ),
    "stdin_block": ("if (require('fs').readFileSync(0).length === 0) process.exit(1);\n", failed_fast),
}

# TypeScript: the same programs, declaring the Node.js globals they use (tsc must accept a program before it runs;
# MultiPL-E's harness declares `require` the same way).
TYPESCRIPT_PRELUDE = "declare var require: any;\ndeclare var process: any;\ndeclare var Buffer: any;\n"
TYPESCRIPT: dict[str, tuple[str, Expect]] = {
    k: (TYPESCRIPT_PRELUDE + src.replace("(v) =>", "(v: any) =>"), ex) for k, (src, ex) in JAVASCRIPT.items()
}

# C and C++ reuse the sandbox suite's C programs; the memory bomb keeps what it allocates (the languages
# compile with -O1, which may drop an allocation nothing reads), writes one byte a page (the address-space
# limit ends it, not the time to fill pages under load) and casts malloc's result (C++).
C_MEMORY_BOMB = (
    "static char *keep[1 << 16];\nint main(void) { for (int n = 0;; n++) { char *p = (char *)malloc(64 << 20);\n"
    "  if (!p) return 3; for (int i = 0; i < (64 << 20); i += 4096) p[i] = 1; keep[n] = p; } }\n"
)
C_HAZARDS: dict[str, tuple[str, Expect]] = {
    **{k: (C_PRELUDE + src, expect) for k, (src, expect) in C_SOURCES.items() if k != "daemon"},
    "memory_bomb": (C_PRELUDE + C_MEMORY_BOMB, failed_fast),
}

JAVA_MAIN = "class Problem {\n    public static void main(String[] args) throws Exception {\n%s\n    }\n}\n"
JAVA: dict[str, tuple[str, Expect]] = {
    k: (JAVA_MAIN % body, expect)
    for k, (body, expect) in {
        "sleep_forever": ("Thread.sleep(100000000L);", timed_out),
        "busy_loop": ("long x = 0;\nwhile (true) x++;", cpu_limited),
        "fork_bomb": (
            'while (true) { try { new ProcessBuilder("sleep", "100").start(); } catch (Exception e) {} }',
            contained,
        ),
        "unbounded_stdout": (
            "byte[] b = new byte[65536];\njava.util.Arrays.fill(b, (byte) 'x');\nwhile (true) System.out.write(b);",
            output_capped,
        ),
        "memory_bomb": (
            "java.util.List<byte[]> keep = new java.util.ArrayList<>();\nwhile (true) keep.add(new byte[256 << 20]);",
            failed_fast,
        ),
        "write_outside": (
            "int n = 0;\n"
            'for (String p : new String[] {"@OUTSIDE@/pwned", "@PROJECT@/pwned", "/root/pwned"}) {\n'
            "  try { new java.io.FileOutputStream(p).close(); } catch (java.io.IOException e) { n++; }\n}\n"
            'System.out.println(n == 3 ? "DENIED" : "LEAK");',
            denied,
        ),
        "delete_files": (
            'System.out.println(new java.io.File("@VICTIM@").delete() ? "LEAK" : "DENIED");',
            denied,
        ),
        "network": (
            'try { new java.net.Socket("127.0.0.1", @PORT@).close(); System.out.println("LEAK"); }\n'
            'catch (java.io.IOException e) { System.out.println("DENIED"); }',
            denied,
        ),
        "read_secrets": (
            'boolean leak = System.getenv().values().stream().anyMatch(v -> v.contains("@SECRET@"));\n'
            'for (String p : new String[] {"@HOMESECRET@", "/proc/@HOSTPID@/environ", "@PROJECT@/params.yaml"}) {\n'
            "  try { java.nio.file.Files.readAllBytes(java.nio.file.Path.of(p)); leak = true; }\n"
            "  catch (java.io.IOException e) {}\n}\n"
            'System.out.println(leak ? "LEAK" : "DENIED");',
            denied,
        ),
        "kill_parent_group": (
            'System.out.println("DENIED");\nSystem.out.flush();\n'
            'new ProcessBuilder("sh", "-c", "kill -9 -1 2>/dev/null; kill -9 @HOSTPID@ 2>/dev/null").start().waitFor();',
            denied,
        ),
        "stdin_block": ("System.exit(System.in.read() == -1 ? 1 : 0);", failed_fast),
    }.items()
}

GO_MAIN = "package main\n\nimport (\n%s)\n\nfunc main() {\n%s\n}\n"


def _go(imports: str, body: str) -> str:
    return GO_MAIN % ("".join(f'\t"{i}"\n' for i in imports.split()), body)


GO: dict[str, tuple[str, Expect]] = {
    "sleep_forever": (_go("time", "\ttime.Sleep(1000 * time.Hour)"), timed_out),
    "busy_loop": (_go("fmt", "\tx := 0\n\tfor x >= 0 {\n\t\tx++\n\t}\n\tfmt.Println(x)"), cpu_limited),
    "fork_bomb": (_go("os/exec", '\tfor {\n\t\t_ = exec.Command("sleep", "100").Start()\n\t}'), contained),
    "unbounded_stdout": (
        _go("os strings", '\ts := strings.Repeat("x", 65536)\n\tfor {\n\t\tos.Stdout.WriteString(s)\n\t}'),
        output_capped,
    ),
    # Large chunks, one byte written each: the address-space limit, not the time to fault pages in, ends it.
    "memory_bomb": (
        _go(
            "fmt",
            "\tvar keep [][]byte\n\tfor {\n\t\tb := make([]byte, 256<<20)\n\t\tb[0] = 1\n"
            "\t\tkeep = append(keep, b)\n\t\tfmt.Print(len(keep) * 0)\n\t}",
        ),
        failed_fast,
    ),
    "write_outside": (
        _go(
            "fmt os",
            '\tn := 0\n\tfor _, p := range []string{"@OUTSIDE@/pwned", "@PROJECT@/pwned", "/root/pwned"} {\n'
            '\t\tif os.WriteFile(p, []byte("x"), 0o644) != nil {\n\t\t\tn++\n\t\t}\n\t}\n'
            '\tif n == 3 {\n\t\tfmt.Println("DENIED")\n\t} else {\n\t\tfmt.Println("LEAK")\n\t}',
        ),
        denied,
    ),
    "delete_files": (
        _go(
            "fmt os",
            '\tif os.Remove("@VICTIM@") == nil {\n\t\tfmt.Println("LEAK")\n\t} else {\n\t\tfmt.Println("DENIED")\n\t}',
        ),
        denied,
    ),
    "network": (
        _go(
            "fmt net time",
            '\tif _, err := net.DialTimeout("tcp", "127.0.0.1:@PORT@", time.Second); err == nil {\n'
            '\t\tfmt.Println("LEAK")\n\t} else {\n\t\tfmt.Println("DENIED")\n\t}',
        ),
        denied,
    ),
    "read_secrets": (
        _go(
            "fmt os",
            '\tleak := os.Getenv("POLYFORGE_TEST_SECRET") != ""\n'
            '\tfor _, p := range []string{"@HOMESECRET@", "/proc/@HOSTPID@/environ", "@PROJECT@/params.yaml"} {\n'
            "\t\tif _, err := os.ReadFile(p); err == nil {\n\t\t\tleak = true\n\t\t}\n\t}\n"
            '\tif leak {\n\t\tfmt.Println("LEAK")\n\t} else {\n\t\tfmt.Println("DENIED")\n\t}',
        ),
        denied,
    ),
    "kill_parent_group": (
        _go(
            "fmt syscall",
            '\tfmt.Println("DENIED")\n\t_ = syscall.Kill(-1, 9)\n\t_ = syscall.Kill(@HOSTPID@, 9)',
        ),
        denied,
    ),
    "stdin_block": (
        _go("os", "\tb := make([]byte, 1)\n\tif n, _ := os.Stdin.Read(b); n == 0 {\n\t\tos.Exit(1)\n\t}"),
        failed_fast,
    ),
}

# Julia is not installed here: these run (and are skipped, by name, elsewhere) wherever `julia` is on PATH.
JULIA: dict[str, tuple[str, Expect]] = {
    "sleep_forever": ("sleep(10000)\n", timed_out),
    "busy_loop": ("x = 0\nwhile true\n    global x += 1\nend\n", cpu_limited),
    "unbounded_stdout": ('s = "x" ^ 65536\nwhile true\n    print(s)\nend\n', output_capped),
    "memory_bomb": ("keep = []\nwhile true\n    push!(keep, ones(UInt8, 64 << 20))\nend\n", failed_fast),
    "write_outside": (
        'n = count(p -> try write(p, "x"); false catch; true end, ["@OUTSIDE@/pwned", "@PROJECT@/pwned", "/root/pwned"])\n'
        'println(n == 3 ? "DENIED" : "LEAK")\n',
        denied,
    ),
    "read_secrets": (
        'leak = haskey(ENV, "POLYFORGE_TEST_SECRET") || any(p -> try read(p); true catch; false end,\n'
        '    ["@HOMESECRET@", "/proc/@HOSTPID@/environ", "@PROJECT@/params.yaml"])\nprintln(leak ? "LEAK" : "DENIED")\n',
        denied,
    ),
    "stdin_block": ("isempty(read(stdin)) && exit(1)\n", failed_fast),
}

HAZARDS: dict[str, dict[str, tuple[str, Expect]]] = {
    "python": {k: v for k, v in PY.items() if k not in ("close_streams", "daemon")},
    "lua": LUA,
    "racket": RACKET,
    "r": R,
    "ocaml": OCAML,
    "julia": JULIA,
    "javascript": JAVASCRIPT,
    "typescript": TYPESCRIPT,
    "c": C_HAZARDS,
    "cpp": C_HAZARDS,
    "java": JAVA,
    "go": GO,
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
    assert result.raw.phase != "compile", result.raw.stderr  # it must run for the check to mean anything
    expect(result.raw)
    if expect not in (denied, denied_or_self_killed):
        assert result.status is not Status.OK, result.raw
    if expect is timed_out:
        assert result.status is Status.TIMEOUT
    assert wait_no_processes(UIDS) == []
    check_untouched(host)
