"""Go: `go build` of one file without the go command, inside the sandbox: the `compile` and `link` tools run
directly against the standard library's installed archives (~0.07 of ~0.22 CPU s a program here: the rest is
the go command's package loading and staleness hashing, and writing DWARF, which nothing at run time reads).

Same verdicts as the reference (`go build -o main main.go`): the same compiler on the same file with the same
package archives go build itself takes (the standard packages `go list` reports up to date in GOROOT/pkg under
the run's environment; internal, vendored and cmd packages stay out of the compile's import map, as go build
forbids importing them), linked without DWARF and the ELF symbol table (`-s -w`: tracebacks read Go's own
pclntab). Whenever either tool fails, its output is discarded and the reference `go build` runs in the same
work dir, so every failed build is judged by go build itself. Where GOROOT ships no archives (Go >= 1.20) the
reference build is used. The one-time `go env` and `go list` run outside the sandbox on no program input.
"""

from __future__ import annotations

import functools
import logging
import os
import shlex
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from stages.languages.builds import Build, artefact, reference, tool_key

if TYPE_CHECKING:
    from stages.languages.go import Go
    from stages.sandbox import Sandbox

log = logging.getLogger(__name__)

SHELL = "/bin/sh"
SETUP_TIMEOUT_S = 120.0


@dataclass(frozen=True)
class Toolchain:
    compile: str
    link: str
    importcfg: str  # packages a program may import
    importcfg_link: str  # every package the linker may need


@functools.cache
def toolchain(go: str, env: tuple[tuple[str, str], ...], sandbox: Sandbox) -> Toolchain | None:
    """The tools and import maps of the Go at `go` under the run environment `env` (listed once per host, kept
    as an artefact); None where GOROOT has no up-to-date package archives, or listing fails."""

    def make(work: Path) -> None:
        with tempfile.TemporaryDirectory(prefix="polyforge-go-") as home:
            full = {"PATH": os.path.dirname(go), "HOME": home, "LANG": "C.UTF-8", **dict(env)}

            def go_out(*args: str) -> str:
                return subprocess.run(
                    [go, *args], env=full, capture_output=True, text=True, timeout=SETUP_TIMEOUT_S, check=True
                ).stdout

            (work / "tooldir").write_text(go_out("env", "GOTOOLDIR").strip())
            listed = go_out("list", "-e", "-f", "{{.ImportPath}}\t{{.Stale}}\t{{.Target}}", "std")
        fresh = {}
        for line in listed.splitlines():
            path, stale, target = (line.split("\t") + ["", ""])[:3]
            if stale == "false" and target.endswith(".a") and os.path.isfile(target):
                fresh[path] = target
        if "runtime" not in fresh or "fmt" not in fresh:
            fresh = {}  # Go >= 1.20 ships no archives: go build compiles them into its cache

        def cfg(paths: list[str]) -> str:
            return "".join(f"packagefile {p}={fresh[p]}\n" for p in sorted(paths))

        (work / "importcfg").write_text(cfg([p for p in fresh if _importable(p)]))
        (work / "importcfg.link").write_text(cfg(list(fresh)))

    try:
        where = artefact(sandbox, f"go-{tool_key(go, env)}", make)
    except (OSError, subprocess.SubprocessError) as exc:
        log.warning("go: cannot list the standard library (%s); each program runs `go build`", exc)
        return None
    tooldir = (where / "tooldir").read_text()
    importcfg, importcfg_link = (where / "importcfg").read_text(), (where / "importcfg.link").read_text()
    if not importcfg_link:
        return None
    return Toolchain(
        compile=os.path.join(tooldir, "compile"),
        link=os.path.join(tooldir, "link"),
        importcfg=importcfg,
        importcfg_link=importcfg_link,
    )


def _importable(path: str) -> bool:
    """What go build lets a program import: not internal, vendored or cmd packages."""
    parts = path.split("/")
    return "internal" not in parts and parts[0] not in ("vendor", "cmd")


def toolchain_for(lang: Go, sandbox: Sandbox) -> Toolchain | None:
    """The toolchain of the `go` on the sandbox's PATH, under the language's run environment."""
    from stages.sandbox.engine import SCRUBBED_PATH
    from stages.sandbox.runtimes import resolve

    go = resolve(lang.runtime, SCRUBBED_PATH)
    return toolchain(go, tuple(sorted(lang.env().items())), sandbox) if go else None


def build(lang: Go, program: str, sandbox: Sandbox) -> Build:
    """The program built by the tools inside the sandbox, or by `go build` there when they fail."""
    tools = toolchain_for(lang, sandbox)
    base = reference(lang, program)
    if tools is None or base.compile_argv is None:
        return base
    fast, fallback = tools_script(tools, lang.program_file), shlex.join(base.compile_argv)
    script = f"{{ {fast}; }} >/dev/null 2>&1 || {{ rm -f main main.a; exec {fallback}; }}"
    files = {**base.files, "importcfg": tools.importcfg, "importcfg.link": tools.importcfg_link}
    return Build(files=files, compile_argv=[SHELL, "-c", script])


def tools_script(tools: Toolchain, src: str) -> str:
    """The shell commands that build `./main` from `src` with the tools alone (no fallback)."""
    return (
        f"{shlex.quote(tools.compile)} -o main.a -p main -complete -importcfg importcfg -pack ./{src} && "
        f"{shlex.quote(tools.link)} -s -w -o main -importcfg importcfg.link -buildmode=exe main.a"
    )
