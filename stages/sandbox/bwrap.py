"""The bubblewrap command line: namespaces and the filesystem view a sandboxed program gets.

The program sees the system directories read-only (/usr, and /bin, /lib, ... as on the host: symlinks on a
merged-/usr system), /etc read-only (runtimes read ld.so.cache, alternatives, their own config; root-only files
there stay unreadable to the unprivileged uid), a fresh /proc of its own PID namespace, a minimal /dev, a private
tmpfs /tmp, and its work dir read-write at the same path as on the host. Nothing else: not /root, not HOME, not
the project, not the DVC config or any token. Network, PID and IPC namespaces are unshared, so the program has
no network, sees no host process and cannot signal one; `--die-with-parent` and the PID namespace take every
process of the run down with it.

Run by root, bwrap needs no user namespace (the costly part of an unprivileged start); it keeps only the
capabilities the exec chain inside needs to set limits and drop to the run's uid (`process.limited_command`:
setuid, setgid, setpcap for the bounding set, sys_resource for limits above ours), with a fixed minimal
environment, and the chain drops them all before the program starts. /tmp and /dev/shm are private tmpfs of a
bounded size, 1777 so the unprivileged uid can write them. Whatever runs inside is under the seccomp filter
bwrap installs last (`seccomp.py`); a resident bwrap also mounts its IPC namespace's /dev/mqueue, where its
launcher sees any message queue a run leaves.
"""

from __future__ import annotations

import functools
import logging
import os
import shutil
import subprocess
from collections.abc import Sequence

from stages.sandbox.process import PRIVILEGED_ENV

log = logging.getLogger(__name__)

# Top-level system paths shown read-only when they exist (symlinks are recreated as symlinks).
SYSTEM_PATHS = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32", "/etc")
# What a bwrap started by root keeps for the chain inside; `setpriv` drops every one before the program runs.
CHAIN_CAPS = ("CAP_SETUID", "CAP_SETGID", "CAP_SETPCAP", "CAP_SYS_RESOURCE")


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
    )


@functools.cache
def _cap_args() -> tuple[str, ...]:
    args = ["--cap-drop", "ALL"]
    for cap in CHAIN_CAPS:
        args += ["--cap-add", cap]
    return tuple(args)


def command(
    argv: Sequence[str],
    workdir: str,
    extra_ro_paths: Sequence[str] = (),
    *,
    as_root: bool = False,
    tmp_mb: int = 256,
    seccomp_fd: int | None = None,
    mqueue: bool = False,
    extra_caps: Sequence[str] = (),
) -> list[str]:
    """The full argv that runs `argv` inside bwrap with `workdir` as its writable cwd and private /tmp and
    /dev/shm of `tmp_mb` MiB each (tmpfs is memory: unbounded, a program could fill half the host's RAM with
    files). `as_root`: bwrap is started by root, and keeps only CHAIN_CAPS for `argv` (which must then be a
    `process.limited_command`). `seccomp_fd`: an fd holding the filter bwrap installs before it execs `argv`
    (`seccomp.py`). `mqueue`: the IPC namespace's POSIX message queues listed at /dev/mqueue, so a resident
    launcher can see whether a run left one (a bwrap per run has a fresh IPC namespace: nothing to check).
    `extra_caps`: kept beside CHAIN_CAPS (the resident launcher's CAP_CHECKPOINT_RESTORE, for ns_last_pid)."""
    path = bwrap_path()
    if path is None:
        raise FileNotFoundError("bwrap is not installed (Debian package `bubblewrap`; run scripts/setup.sh)")
    extra: list[str] = list(_cap_args()) if as_root else []
    for cap in extra_caps if as_root else ():
        extra += ["--cap-add", cap]
    for tmp in ("/tmp", "/dev/shm"):
        extra += ["--perms", "1777", "--size", str(tmp_mb * 1024 * 1024), "--tmpfs", tmp]
    extra += _parent_dirs(os.path.dirname(workdir))  # first: a later bind would create them root-only
    for ro in extra_ro_paths:
        if not ro.startswith(tuple(f"{system}/" for system in SYSTEM_PATHS)):
            extra += _parent_dirs(os.path.dirname(ro))  # else created root-only: the uid could not reach it
        extra += ["--ro-bind", ro, ro]
    if mqueue:
        extra += ["--mqueue", "/dev/mqueue"]
    if seccomp_fd is not None:
        extra += ["--seccomp", str(seccomp_fd)]
    return [path, *_static_args(), *extra, "--bind", workdir, workdir, "--chdir", workdir, "--", *argv]


@functools.cache
def _parent_dirs(parent: str) -> tuple[str, ...]:
    """Make the ancestors of a work dir or a read-only path traversable (0711) for the unprivileged uid: bwrap
    started by root would create them root-only, and interpreters open their script by its absolute path."""
    args: list[str] = []
    ancestors = []
    while parent not in ("/", ""):
        ancestors.append(parent)
        parent = os.path.dirname(parent)
    for path in reversed(ancestors):
        args += ["--perms", "0711", "--dir", path]
    return tuple(args)


def works(cmd: Sequence[str], workdir: str, pass_fds: Sequence[int] = ()) -> tuple[bool, str]:
    """Whether `cmd` (a `command()` running /bin/true the way every run will, with the fds it needs) starts and
    exits 0 here."""
    if bwrap_path() is None:
        return False, "bwrap is not installed (Debian package `bubblewrap`)"
    try:
        proc = subprocess.run(
            cmd,
            cwd=workdir,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            timeout=20,
            env=PRIVILEGED_ENV,
            pass_fds=tuple(pass_fds),
        )
    except (OSError, subprocess.SubprocessError) as exc:
        return False, f"bwrap failed to start: {exc}"
    if proc.returncode != 0:
        return False, f"bwrap exited {proc.returncode}: {proc.stderr.decode(errors='replace').strip()[:300]}"
    return True, ""
