"""How a compiled language's program is built for its sandboxed run, faster than compiling each alone in the
sandbox, with the same verdicts.

The reference build is `Language.program_files` + `Language.compile_argv`: the program alone in a fresh work
dir, compiled there inside the sandbox. `Language.build` may return something cheaper that compiles the same
translation unit with the same compiler and flags:
- C++: a precompiled header of the prompt's `#include` block (`pch.py`), built once from our own header list,
  shown read-only to the sandbox; used only when the program starts with exactly that block.
- Java: javac in a long-lived JVM outside the sandbox (`javac.py`), one fresh compilation per program; the class
  files go into the work dir and only `java` runs in the sandbox.
- Go: the `compile` and `link` tools run directly in the sandbox against the standard library's installed
  archives (`go build` without the go command's package loading and cache; no DWARF).

Trust boundary: outside the sandbox only our own inputs are compiled (the PCH), or untrusted source is only
compiled, never run (javac with `-proc:none` loads no annotation processor, the one way javac runs code named by
its input; its class path is a directory holding just the program). Everything that can read an arbitrary
host file at the program's request (the C preprocessor's `#include`) stays inside the sandbox.
"""

from __future__ import annotations

import dataclasses
import fcntl
import hashlib
import os
import shutil
import tempfile
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from stages.languages.base import Language
    from stages.sandbox import Sandbox


@dataclass(frozen=True)
class Build:
    """What one sandboxed run of a program gets: its work dir's files, the command that compiles it there first
    (None: it arrives compiled, or needs no compiling), and host paths the sandbox shows read-only."""

    files: Mapping[str, str | bytes]
    compile_argv: Sequence[str] | None
    ro_paths: tuple[str, ...] = ()


def reference(lang: Language, program: str) -> Build:
    """The program alone, compiled by `compile_argv` inside the sandbox: what every faster build must match."""
    return Build(
        files=lang.program_files(program),
        compile_argv=lang.compile_argv(lang.program_file),
        ro_paths=lang.build_ro_paths(),
    )


_widened: dict[tuple[object, ...], Sandbox] = {}
_widened_lock = threading.Lock()


def showing(sandbox: Sandbox, paths: Sequence[str]) -> Sandbox:
    """`sandbox`, or one like it (same params and containment) that also shows `paths` read-only; one per
    process per combination, so its uids and resident bwraps are reused like those of `sandbox_for`."""
    from stages.sandbox import Sandbox

    missing = tuple(p for p in paths if p not in sandbox.params.extra_ro_paths)
    if not missing:
        return sandbox
    params = dataclasses.replace(sandbox.params, extra_ro_paths=(*sandbox.params.extra_ro_paths, *missing))
    key = (params, sandbox.containment)
    with _widened_lock:
        if key not in _widened:
            _widened[key] = Sandbox(params, sandbox.containment)
        return _widened[key]


def artefact(sandbox: Sandbox, name: str, make: Callable[[Path], None]) -> Path:
    """A directory of trusted build artefacts, made once per host by `make(dir)` and shared by every process:
    under the sandbox's state dir (root-owned 0711, whose path bwrap keeps traversable, so it can be shown to
    runs), world-readable, never writable by a program. `name` must change whenever what `make` writes would
    (it carries a hash of the tools and inputs)."""
    root = sandbox.state_dir
    final = root / name
    if final.is_dir():
        return final
    root.mkdir(parents=True, exist_ok=True)
    with _locked(root / f".{name}.lock"):
        if final.is_dir():
            return final
        work = Path(tempfile.mkdtemp(prefix=f".{name}-", dir=root))
        try:
            make(work)
            for path in [work, *work.rglob("*")]:
                os.chmod(path, 0o755 if path.is_dir() else 0o644)
            os.rename(work, final)
        except BaseException:
            shutil.rmtree(work, ignore_errors=True)
            raise
    return final


def tool_key(path: str, *inputs: object) -> str:
    """A short hash of a tool (its real path, size and mtime: an upgrade changes them) and other inputs."""
    real = os.path.realpath(path)
    stat = os.stat(real)
    return hashlib.sha256(repr((real, stat.st_size, stat.st_mtime_ns, inputs)).encode()).hexdigest()[:16]


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)
