"""A size-capped tmpfs under each uid's work dirs, so a run cannot fill the host's disk.

The work dir of a run lies in its uid's slot dir (`Sandbox._slot_dir`), which its resident bwrap binds. Each
work dir is a tmpfs of `sandbox.work_mb` of its own, mounted on the host (root only) before the run and detached
after it: a write past the cap fails with ENOSPC and the run reports `disk_full`, and the next run starts on a
fresh filesystem (a tmpfs numbers inodes in order, so a shared one would tell the next run how many files this
one made). The slot dir is a small tmpfs too, mounted on a uid's first run, kept, and made a shared mount: the
resident bwrap's copy of it receives each run's mount and unmount (bwrap makes its mounts slaves of the host's).
tmpfs is memory: the pages a run writes are charged to its memory cgroup, and the cap keeps a run without one
(no cgroups here) from holding more.
"""

from __future__ import annotations

import ctypes
import os

MS_NOSUID, MS_NODEV, MS_REMOUNT, MS_SHARED = 0x2, 0x4, 0x20, 1 << 20
SLOT_KB = 64  # the slot holds nothing but the run dirs' mount points
MNT_DETACH = 0x2
_libc = ctypes.CDLL(None, use_errno=True)


def _unescape(field: str) -> str:
    """A path as /proc/self/mountinfo writes it (space, tab, newline and backslash as octal escapes)."""
    for code in ("\\040", "\\011", "\\012", "\\134"):
        field = field.replace(code, chr(int(code[1:], 8)))
    return field


def mounted_size_kb(path: str) -> int | None:
    """The size cap (KiB) of the tmpfs mounted at `path`, the last one if several; None when there is none."""
    size = None
    with open("/proc/self/mountinfo") as fh:
        for line in fh:
            left, _, right = line.partition(" - ")
            fields, rest = left.split(), right.split()
            if len(fields) < 5 or len(rest) < 3 or _unescape(fields[4]) != path:
                continue
            size = None
            if rest[0] == "tmpfs":
                for opt in rest[2].split(","):
                    if opt.startswith("size="):
                        size = int(opt[5:].rstrip("k"))
    return size


def _mount(path: str, flags: int, data: str, what: str = "tmpfs") -> None:
    if _libc.mount(b"tmpfs", path.encode(), what.encode() if what else None, flags, data.encode()) != 0:
        errno = ctypes.get_errno()
        raise OSError(errno, f"mount {what or 'propagation'} on {path}: {os.strerror(errno)}")


def ensure(path: str) -> None:
    """The slot: a small tmpfs, root-owned 0711, mounted at `path` (an existing dir) and shared, so that the
    run mounts made under it reach the resident bwrap's copy. Raises OSError."""
    if mounted_size_kb(path) is None:
        _mount(path, MS_NOSUID | MS_NODEV, f"size={SLOT_KB}k,mode=0711")
    _mount(path, MS_SHARED, "", what="")  # also on a slot an earlier process mounted: idempotent


def mount_run(path: str, size_mb: int, uid: int) -> None:
    """A fresh tmpfs of `size_mb` MiB on the run dir `path`, owned by the run's uid, 0700. Raises OSError."""
    _mount(path, MS_NOSUID | MS_NODEV, f"size={size_mb * 1024}k,mode=0700,uid={uid},gid={uid}")


def unmount(path: str) -> None:
    """Detach the tmpfs at `path` (best effort; nothing when none is mounted there)."""
    _libc.umount2(path.encode(), MNT_DETACH)


def is_full(path: str) -> bool:
    """Whether the filesystem holding `path` has no block left for an unprivileged writer."""
    try:
        return os.statvfs(path).f_bavail == 0
    except OSError:
        return False
