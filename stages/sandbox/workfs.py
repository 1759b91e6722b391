"""A size-capped tmpfs under each uid's work dirs, so a run cannot fill the host's disk.

The work dir of a run lies in its uid's slot dir (`Sandbox._slot_dir`), which its resident bwrap binds. Mounting
a tmpfs of `sandbox.work_mb` there on the host (root only) bounds everything a run writes in its work dir: a
write past the cap fails with ENOSPC, and the run reports `disk_full`. Runs of one uid are sequential and each
work dir is removed after its run, so the cap is per run. tmpfs is memory: the pages a run writes are charged to
its memory cgroup, and the cap keeps a run without one (no cgroups here) from holding more. The mount is made on
a uid's first run and kept (a later lessee of the uid reuses it, resizing it when its cap differs).
"""

from __future__ import annotations

import ctypes
import os

MS_NOSUID, MS_NODEV, MS_REMOUNT = 0x2, 0x4, 0x20
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


def ensure(path: str, size_mb: int) -> None:
    """A tmpfs of `size_mb` MiB, root-owned 0711, mounted at `path` (an existing dir). Raises OSError."""
    size_kb = size_mb * 1024
    current = mounted_size_kb(path)
    if current == size_kb:
        return
    flags = MS_NOSUID | MS_NODEV | (MS_REMOUNT if current is not None else 0)
    data = f"size={size_kb}k,mode=0711".encode()
    if _libc.mount(b"tmpfs", path.encode(), b"tmpfs", flags, data) != 0:
        errno = ctypes.get_errno()
        raise OSError(errno, f"mount tmpfs on {path}: {os.strerror(errno)}")


def unmount(path: str) -> None:
    """Detach the tmpfs at `path` (best effort)."""
    if mounted_size_kb(path) is not None:
        _libc.umount2(path.encode(), MNT_DETACH)


def is_full(path: str) -> bool:
    """Whether the filesystem holding `path` has no block left for an unprivileged writer."""
    try:
        return os.statvfs(path).f_bavail == 0
    except OSError:
        return False
