"""The bubblewrap command line: namespaces and the filesystem view a sandboxed program gets.

The program sees the system directories read-only (/usr, and /bin, /lib, ... as on the host: symlinks on a
merged-/usr system), /etc read-only (runtimes read ld.so.cache, alternatives, their own config; root-only files
there stay unreadable to the unprivileged uid), a fresh /proc of its own PID namespace, a minimal /dev, a private
tmpfs /tmp, and its work dir read-write at the same path as on the host. Nothing else: not /root, not HOME, not
the project, not the DVC config or any token. Network, PID and IPC namespaces are unshared, so the program has
no network, sees no host process and cannot signal one; `--die-with-parent` and the PID namespace take every
process of the run down with it.
"""

from __future__ import annotations

import functools
import logging
import os
import shutil
import subprocess
from collections.abc import Sequence

log = logging.getLogger(__name__)

# Top-level system paths shown read-only when they exist (symlinks are recreated as symlinks).
SYSTEM_PATHS = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32", "/etc")


@functools.cache
def bwrap_path() -> str | None:
    return shutil.which("bwrap")


def _system_view() -> list[str]:
    args: list[str] = []
    for path in SYSTEM_PATHS:
        if os.path.islink(path):
            args += ["--symlink", os.readlink(path), path]
        elif os.path.isdir(path):
            args += ["--ro-bind", path, path]
    return args


@functools.cache
def _static_args() -> tuple[str, ...]:
    return (
        "--unshare-net",
        "--unshare-pid",
        "--unshare-ipc",
        "--unshare-uts",
        "--die-with-parent",
        "--new-session",
        *_system_view(),
        "--proc",
        "/proc",
        "--dev",
        "/dev",
        "--tmpfs",
        "/tmp",
    )


def command(argv: Sequence[str], workdir: str, extra_ro_paths: Sequence[str] = ()) -> list[str]:
    """The full argv that runs `argv` inside bwrap with `workdir` as its writable cwd."""
    path = bwrap_path()
    if path is None:
        raise FileNotFoundError("bwrap is not installed (Debian package `bubblewrap`; run scripts/setup.sh)")
    extra: list[str] = []
    for ro in extra_ro_paths:
        extra += ["--ro-bind", ro, ro]
    return [path, *_static_args(), *extra, "--bind", workdir, workdir, "--chdir", workdir, "--", *argv]


def works(uid: int | None, workdir: str) -> tuple[bool, str]:
    """Whether bwrap can start a program here as `uid` (it needs unprivileged user namespaces)."""
    if bwrap_path() is None:
        return False, "bwrap is not installed (Debian package `bubblewrap`)"
    switch = {"user": uid, "group": uid, "extra_groups": []} if uid is not None else {}
    try:
        proc = subprocess.run(
            command(["/bin/true"] if os.path.exists("/bin/true") else ["true"], workdir),
            cwd=workdir,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            timeout=20,
            env={"PATH": "/usr/bin:/bin"},
            **switch,
        )
    except (OSError, subprocess.SubprocessError) as exc:
        return False, f"bwrap failed to start: {exc}"
    if proc.returncode != 0:
        return False, f"bwrap exited {proc.returncode}: {proc.stderr.decode(errors='replace').strip()[:300]}"
    return True, ""
