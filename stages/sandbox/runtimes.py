"""Finding a runtime on the sandbox's PATH and recording its version, once per process."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable

# Tried in order; the first that exits 0 with output wins. `--version` covers most runtimes, `-version` OCaml
# and old JVMs, `-v` Lua, `version` Go.
VERSION_FLAGS = ("--version", "-version", "-v", "version")


def resolve(name: str, path: str) -> str | None:
    """The absolute path of runtime `name` (a bare name looked up on `path`, or a path), None when absent."""
    if os.sep in name:
        return name if os.path.isfile(name) and os.access(name, os.X_OK) else None
    return shutil.which(name, path=path)


class VersionCache:
    """Version strings by resolved runtime path; `probe(argv)` runs a version command, returning (exit, text)."""

    def __init__(self) -> None:
        self._versions: dict[str, str] = {}

    def version(self, path: str, probe: Callable[[list[str]], tuple[int | None, str]]) -> str:
        if path not in self._versions:
            self._versions[path] = self._probe(path, probe)
        return self._versions[path]

    @staticmethod
    def _probe(path: str, probe: Callable[[list[str]], tuple[int | None, str]]) -> str:
        for flag in VERSION_FLAGS:
            code, text = probe([path, flag])
            line = next((ln.strip() for ln in text.splitlines() if ln.strip()), "")
            if code == 0 and line:
                return line
        return f"unknown ({os.path.realpath(path)})"
