"""The local source: .py files under directories or globs; by default the running interpreter's stdlib."""

from __future__ import annotations

import fnmatch
import glob
import hashlib
import logging
import os
import platform
import sysconfig
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from stages.extract.sources.base import (
    TOO_LARGE,
    UNREADABLE,
    WHOLE,
    Item,
    Shard,
    Skipped,
    SourceError,
    decode,
)
from stages.records.schema import Source

log = logging.getLogger(__name__)

STDLIB = "stdlib"
STDLIB_LICENSE = "PSF-2.0"
GLOB_CHARS = set("*?[")


@dataclass(frozen=True)
class LocalSource:
    # Directories or globs of .py files. Empty: the running interpreter's standard library
    # (sysconfig "stdlib"), recorded with its Python version so a different Python reruns the stage.
    paths: tuple[str, ...] = ()
    # fnmatch patterns on the path relative to its root (`*` crosses `/`). Third-party packages and the
    # stdlib's own test suites, IDLE and demos are left out by default: they are not library functions.
    exclude: tuple[str, ...] = (
        "site-packages/*",
        "dist-packages/*",
        "test/*",
        "*/test/*",
        "tests/*",
        "*/tests/*",
        "idlelib/*",
        "turtledemo/*",
    )


def stdlib_root() -> Path:
    return Path(sysconfig.get_paths()["stdlib"]).resolve()


def python_identity() -> str:
    return f"{platform.python_implementation()} {platform.python_version()}"


def local_files(params: LocalSource) -> list[tuple[Path, str]]:
    """(absolute file, path relative to its root) for every .py file the local source reads, sorted."""
    roots = [str(stdlib_root())] if not params.paths else list(params.paths)
    found: dict[Path, str] = {}
    for root in roots:
        if GLOB_CHARS & set(root):
            matches = [Path(m) for m in sorted(glob.glob(os.path.expanduser(root), recursive=True))]
            base = Path(os.path.expanduser(root.split("*")[0].split("?")[0].split("[")[0]))
            base = base if base.is_dir() else base.parent
        else:
            matches = [Path(os.path.expanduser(root))]
            base = matches[0] if matches[0].is_dir() else matches[0].parent
            if not matches[0].exists():
                raise SourceError(f"extract.source.local.paths: {root!r} does not exist")
        for match in matches:
            for path in _walk_py(match):
                rel = path.relative_to(base).as_posix() if path.is_relative_to(base) else path.name
                if not any(fnmatch.fnmatchcase(rel, pattern) for pattern in params.exclude):
                    found.setdefault(path.resolve(), rel)
    return sorted(found.items(), key=lambda item: (item[1], str(item[0])))


def _walk_py(path: Path) -> Iterator[Path]:
    if path.is_file():
        if path.suffix == ".py":
            yield path
        return
    for dirpath, dirnames, filenames in os.walk(path):
        dirnames[:] = sorted(d for d in dirnames if d != "__pycache__" and not d.startswith("."))
        for name in sorted(filenames):
            if name.endswith(".py"):
                yield Path(dirpath) / name


def iter_local(params: LocalSource, max_file_bytes: int, shard: Shard = WHOLE) -> Iterator[Item]:
    stdlib = not params.paths
    dataset = STDLIB if stdlib else "local"
    repo = python_identity() if stdlib else None
    for index, (path, rel) in enumerate(local_files(params)):
        if not shard.mine(index):
            continue
        try:
            if path.stat().st_size > max_file_bytes:
                yield Skipped(TOO_LARGE, rel)
                continue
            data = path.read_bytes()
        except OSError as exc:
            log.debug("cannot read %s: %s", path, exc)
            yield Skipped(UNREADABLE, rel)
            continue
        source = Source(
            dataset=dataset,
            repo=repo,
            path=rel,
            license=STDLIB_LICENSE if stdlib else None,
            sha=hashlib.sha256(data).hexdigest(),
        )
        yield decode(data, source, rel, None)
