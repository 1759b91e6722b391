"""Settings shared by every stage: where resumable state lives, the seed, how work is spread out."""

from __future__ import annotations

import multiprocessing.util
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from stages.checks import check_choice, check_range

CACHE_ENV = "POLYFORGE_CACHE"


@dataclass(frozen=True)
class CommonParams:
    # Root of resumable state (completion caches, execution caches, markers). It must lie outside every stage's
    # outs, because DVC deletes outs before it reruns a stage. Empty: $POLYFORGE_CACHE, else
    # $XDG_CACHE_HOME/polyforge, else ~/.cache/polyforge, so `dvc exp run --temp/--queue` workspaces share it.
    # A relative path is taken from the working directory (and so is not shared with --temp workspaces).
    cache_dir: str = ""
    # Global seed; every sampler derives its own seed from it and its item's id.
    seed: int = 0
    # How CPU-heavy work (executing tests, linting) is spread: a local process pool, or a Ray cluster.
    executor: str = "local"
    # Worker processes for the local executor (0: one per CPU core).
    workers: int = 0
    # Ray cluster address for `executor: ray` ("auto" joins a running cluster, "" starts a local one).
    ray_address: str = ""
    # Rows per output shard (data/*/shard-NNNNN.parquet): big enough to avoid DVC's many-small-files slowness.
    shard_rows: int = 5000

    def __post_init__(self) -> None:
        check_choice("common.executor", self.executor, ("local", "ray"))
        check_range("common.workers", self.workers, 0)
        check_range("common.shard_rows", self.shard_rows, 1)

    def cache_path(self, *parts: str) -> Path:
        """A directory under the resumable-state root, created on demand."""
        path = cache_root(self.cache_dir).joinpath(*parts)
        path.mkdir(parents=True, exist_ok=True)
        return path


def cache_root(configured: str = "") -> Path:
    if configured:
        return Path(configured).expanduser().resolve()
    env = os.environ.get(CACHE_ENV)
    if env:
        return Path(env).expanduser().resolve()
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg) if xdg else Path.home() / ".cache"
    return (base / "polyforge").resolve()


def code_version(*modules: str, root: Path | None = None) -> str:
    """A digest of the code `modules` run (e.g. "stages.evaluate"): every file of their static import closure
    (stages/code_deps.py), the same closure dvc.yaml's code deps cover. Part of the name of a result cache, so
    results computed by older code are never reused after that code changes (DVC reruns the stage; this keeps
    the stage's own cache honest too), and results survive edits to code the stage does not run."""
    import hashlib

    from stages.code_deps import ROOT, closure

    root = root or ROOT
    digest = hashlib.sha256()
    for name in closure(*modules, root=root):
        digest.update(name.encode() + b"\0" + (root / name).read_bytes())
    return digest.hexdigest()[:12]


def scratch_dir(prefix: str) -> Path:
    """A private temp dir for a tool this process keeps running (a linter, a compiler service), removed when
    the process exits: at interpreter exit, and also when it is an executor's worker, which leaves by os._exit
    and skips atexit (multiprocessing runs these finalizers itself; a forked copy does not run its parent's)."""
    path = Path(tempfile.mkdtemp(prefix=prefix))
    multiprocessing.util.Finalize(
        None, shutil.rmtree, args=(str(path),), kwargs={"ignore_errors": True}, exitpriority=0
    )
    return path
