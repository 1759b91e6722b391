"""One cgroup per sandbox uid bounding the memory and the number of tasks of a whole run, and reporting OOM kills.

RLIMIT_AS bounds one process: four children of a run could each hold the limit. A memory cgroup bounds all of
them together, with the files they leave in tmpfs (/tmp, /dev/shm, the work dir), and its OOM killer ends the
largest process when the total is reached; the pids controller bounds tasks the same way whichever uid owns them.
Runs of one uid are sequential (the uid lease), so a cgroup per uid is a cgroup per run: a run's processes enter it
before anything of the run starts (a shell prefix that writes its own pid, then execs bwrap or the exec chain),
and `oom_kills()` read before and after a run says whether the kernel killed something of it.

cgroup v2 (a `cgroup2` mount whose root offers memory and pids) is used where it exists, else the v1 memory and
pids hierarchies; the groups live at `<mount>/polyforge-sandbox/uid-N` (beside, never under, the cgroup of the
process that starts them: a session manager may remove its own). Where neither is writable (not root, a
read-only /sys in a container), runs keep their per-process limits only and the sandbox says so once.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import os
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)

BASE = "polyforge-sandbox"
CONTROLLERS = ("memory", "pids")
# The shell prefix that moves itself into the groups (one cgroup.procs file per hierarchy) and sets its OOM score
# before exec'ing the rest of its argv; everything the run starts inherits both.
JOIN_SCRIPT = (
    'adj=$1; shift; while [ "$1" != -- ]; do echo $$ > "$1" || { echo "sandbox: cannot join cgroup $1" >&2; '
    'exit 125; }; shift; done; shift; echo "$adj" > /proc/self/oom_score_adj; exec "$@"'
)


@dataclass(frozen=True)
class Hierarchy:
    version: int  # 1 or 2
    mounts: dict[str, str]  # controller -> mount point (v2: both name the one unified mount)


def _mounts() -> list[tuple[str, str, set[str]]]:
    """(fstype, mount point, options) of every cgroup mount, from /proc/self/mounts."""
    found = []
    try:
        with open("/proc/self/mounts") as fh:
            for line in fh:
                fields = line.split()
                if len(fields) >= 4 and fields[2] in ("cgroup", "cgroup2"):
                    found.append((fields[2], fields[1], set(fields[3].split(","))))
    except OSError:
        pass
    return found


@functools.cache
def detect() -> tuple[Hierarchy | None, str]:
    """The hierarchy runs' groups go in, set up for use; or None and why not (logged once by the caller)."""
    if os.geteuid() != 0:
        return None, "not root"
    mounts = _mounts()
    why = "no cgroup mount offers both memory and pids"
    for fstype, point, _ in mounts:
        if fstype != "cgroup2":
            continue
        try:
            offered = set(Path(point, "cgroup.controllers").read_text().split())
        except OSError:
            continue
        if not set(CONTROLLERS) <= offered:
            continue
        try:
            _enable_v2(Path(point))
        except OSError as exc:
            why = f"cgroup v2 at {point} is not writable: {exc}"
            break
        return Hierarchy(2, {c: point for c in CONTROLLERS}), ""
    v1 = {c: point for fstype, point, opts in mounts if fstype == "cgroup" for c in CONTROLLERS if c in opts}
    if set(v1) == set(CONTROLLERS):
        try:
            for point in v1.values():
                Path(point, BASE).mkdir(exist_ok=True)
        except OSError as exc:
            return None, f"cgroup v1 memory/pids are not writable: {exc}"
        return Hierarchy(1, v1), ""
    return None, why


def _enable_v2(root: Path) -> None:
    """Delegate memory and pids to BASE's children (the root cgroup is exempt from the no-internal-process rule;
    BASE itself holds no process)."""
    wanted = " ".join(f"+{c}" for c in CONTROLLERS)
    enabled = set((root / "cgroup.subtree_control").read_text().split())
    if not set(CONTROLLERS) <= enabled:
        (root / "cgroup.subtree_control").write_text(wanted)
    base = root / BASE
    base.mkdir(exist_ok=True)
    (base / "cgroup.subtree_control").write_text(wanted)


class UidCgroup:
    """The memory+pids group of one sandbox uid. Used by one run at a time (the uid lease)."""

    def __init__(self, hierarchy: Hierarchy, uid: int) -> None:
        self.hierarchy, self.uid = hierarchy, uid
        self.paths = {c: Path(point, BASE, f"uid-{uid}") for c, point in hierarchy.mounts.items()}
        for path in set(self.paths.values()):
            path.mkdir(exist_ok=True)
        self._limits: tuple[int, int] | None = None
        self._ooms = self.oom_kills()

    @property
    def procs_files(self) -> tuple[str, ...]:
        return tuple(sorted({str(path / "cgroup.procs") for path in self.paths.values()}))

    def join_prefix(self, oom_score_adj: int) -> list[str]:
        """An argv prefix: a shell that enters this group with `oom_score_adj`, then execs what follows."""
        return ["/bin/sh", "-c", JOIN_SCRIPT, "cgroup-join", str(oom_score_adj), *self.procs_files, "--"]

    def set_limits(self, memory_mb: int, pids: int) -> None:
        """Memory (swap included: none may be used instead) and tasks of the whole group; written only when they
        change. Raises OSError when the memory in use is above a new, lower limit and cannot be reclaimed."""
        if self._limits == (memory_mb, pids):
            return
        memory = self.paths["memory"]
        limit = str(memory_mb * 1024 * 1024)
        if self.hierarchy.version == 2:
            (memory / "memory.max").write_text(limit)
            with contextlib.suppress(FileNotFoundError):  # no swap accounting: nothing to bound
                (memory / "memory.swap.max").write_text("0")
        else:
            files = ["memory.limit_in_bytes"]
            if (memory / "memory.memsw.limit_in_bytes").exists():
                # memory+swap may never be below memory alone: raise it first, lower it last
                current = int((memory / "memory.limit_in_bytes").read_text())
                raising = int(limit) > current
                files = (
                    ["memory.memsw.limit_in_bytes", *files]
                    if raising
                    else [*files, "memory.memsw.limit_in_bytes"]
                )
            for name in files:
                (memory / name).write_text(limit)
        (self.paths["pids"] / "pids.max").write_text(str(pids))
        self._limits = (memory_mb, pids)

    def oom_kills(self) -> int:
        """How many processes the kernel has killed in this group for lack of memory, ever."""
        name = "memory.events" if self.hierarchy.version == 2 else "memory.oom_control"
        try:
            text = (self.paths["memory"] / name).read_text()
        except OSError:
            return 0
        for line in text.splitlines():
            key, _, value = line.partition(" ")
            if key == "oom_kill":
                return int(value)
        return 0

    def took_oom(self) -> bool:
        """Whether an OOM kill happened since the last call (or since the group was opened)."""
        now = self.oom_kills()
        killed, self._ooms = now > self._ooms, now
        return killed

    def pids(self) -> list[int]:
        try:
            text = Path(self.procs_files[0]).read_text()
        except OSError:
            return []
        return [int(pid) for pid in text.split()]

    def kill_all(self) -> None:
        """SIGKILL whatever is still in the group (after a run with a bwrap of its own, nothing should be)."""
        for pid in self.pids():
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, 9)

    def remove(self) -> None:
        """Remove the group if it is empty (best effort: a process still being torn down keeps it)."""
        for path in set(self.paths.values()):
            with contextlib.suppress(OSError):
                path.rmdir()
