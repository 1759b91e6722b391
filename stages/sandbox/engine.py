"""Run one untrusted command in a fresh private work dir, under limits, as an unprivileged uid, and report facts.

`run()` is what every language and stage calls. It never decides whether a program passed: it returns a
`RawResult` (exit code, signal, timeout, capped output with total byte counts, CPU and wall time, the runtime's
version, whether the run's memory or work dir was full) and each language module classifies it.

Beside the per-process limits, a run is bounded as a whole (`Containment`): a seccomp deny-list (`seccomp.py`),
its uid's memory+pids cgroup (`cgroups.py`) and a size-capped tmpfs of its own as its work dir (`workfs.py`).
The filter also refuses every socket but a unix one, so nothing of a run lives on in the network stack; CPU time
is reported for runs the host kills too (read from /proc before the kill).
"""

from __future__ import annotations

import collections
import dataclasses
import logging
import os
import shutil
import signal
import stat
import subprocess
import tempfile
import threading
from collections.abc import Mapping, Sequence
from pathlib import Path

from stages.sandbox import bwrap, cgroups, seccomp, workfs
from stages.sandbox.limits import Limits, SandboxParams
from stages.sandbox.process import (
    MIB,
    PRIVILEGED_ENV,
    Outcome,
    ProcessLimits,
    execute,
    limited_command,
    sweep_command,
    tools,
)
from stages.sandbox.resident import Resident, ResidentConfig, ResidentError
from stages.sandbox.result import RawResult
from stages.sandbox.runtimes import VersionCache, resolve
from stages.sandbox.uids import UidPool

log = logging.getLogger(__name__)

SCRUBBED_PATH = "/usr/local/bin:/usr/bin:/bin"
# World-writable places a program outside bwrap could leave files in; swept of the run uid's files afterwards.
SHARED_TMP = ("/tmp", "/var/tmp", "/dev/shm")
VERSION_LIMITS = Limits(wall_s=10.0, cpu_s=10, output_cap=512)
# Size of each private tmpfs (/tmp, /dev/shm) inside bwrap, in units of the largest file a run may write.
TMP_FSIZE_FACTOR = 4
# Tasks a run's cgroup holds beyond the program's nproc: bwrap's init, the launcher or the exec chain's shell.
PIDS_HEADROOM = 8
# OOM scores: a resident's bwrap and launcher are never picked (the launcher raises its programs to the
# maximum); in a bwrap per run every process is the run's, so all are first in line.
RESIDENT_OOM_SCORE_ADJ = -1000
RUN_OOM_SCORE_ADJ = 1000


@dataclasses.dataclass(frozen=True)
class Containment:
    """Which of the run-to-run and whole-run bounds are on; all are by default. Not params: switching one off
    weakens the sandbox, so only benchmarks (to measure each one's cost) and tests do."""

    seccomp: bool = True  # the deny-list filter (`seccomp.py`), where bwrap runs
    cgroups: bool = True  # memory and task limits of the whole run, and `oom` (`cgroups.py`)
    work_tmpfs: bool = True  # the work dir's size cap (`workfs.py`)


_warned: set[str] = set()
_warned_lock = threading.Lock()


def _warn_once(key: str, message: str, *args: object) -> None:
    """Say what a degraded sandbox lacks once per process, not once per run."""
    with _warned_lock:
        if key in _warned:
            return
        _warned.add(key)
    log.warning(message, *args)


class SandboxError(RuntimeError):
    """The sandbox cannot run anything as configured (e.g. isolation: bwrap where bwrap does not work)."""


# In an argv, "the sandbox's Python interpreter" (`SandboxParams.python`): a language module names it without
# knowing how the sandbox was configured.
PYTHON = "{sandbox.python}"


class Sandbox:
    """Runs commands under one `SandboxParams`. Thread-safe; each concurrent run leases its own uid."""

    def __init__(self, params: SandboxParams | None = None, containment: Containment | None = None) -> None:
        self.params = params or SandboxParams()
        self.containment = containment or Containment()
        root = Path(self.params.work_root or tempfile.gettempdir())
        # Work dirs live here: 0711 lets the unprivileged uids reach their own dir but not list the others.
        self.state_dir = root / f"polyforge-sandbox-{os.geteuid()}"
        # Read-only Python libraries the sandboxed side needs (coverage.py for the fast path), shown to programs.
        self.pylib_dir = self.state_dir / "pylib"
        self._as_root = os.geteuid() == 0
        self._uids = UidPool(self.params.uid_base, self.params.uid_count, self.state_dir / "locks")
        self._versions = VersionCache()
        self._isolation: str | None = None
        self._mutex = threading.RLock()  # re-entered: the isolation probe makes a work dir under it
        self._residents: dict[int, Resident] = {}  # uid -> its resident bwrap (params.resident)
        # Runs started in a resident bwrap, and bwraps started: why each was (first, unclean, dead, config).
        self.resident_stats: collections.Counter[str] = collections.Counter()
        self._owner = os.getpid()
        self._resident_failed = False
        self._cgroups: dict[int, cgroups.UidCgroup | None] = {}  # uid -> its cgroup, once opened
        self._mounted: dict[
            int, bool
        ] = {}  # uid -> whether its slot is a shared tmpfs (run dirs get their own)
        self._seccomp = self._seccomp_program()

    # --- public ------------------------------------------------------------------------------------------

    @property
    def isolation(self) -> str:
        """ "bwrap" or "rlimits": decided on first use, from the params and a probe run."""
        if self._isolation is None:
            with self._mutex:
                if self._isolation is None:
                    self._isolation = self._choose_isolation()
        return self._isolation

    @property
    def resident(self) -> bool:
        """Whether runs start in a long-lived bwrap per uid (`resident.py`) rather than in a bwrap of their own."""
        return (
            self.params.resident and self._as_root and self.isolation == "bwrap" and not self._resident_failed
        )

    def close(self) -> None:
        """End the resident bwraps of this process (they also end with it), unmount the work tmpfs and remove the
        cgroups of its uids, and give the uids back."""
        with self._mutex:
            self._forget_if_forked()
            residents, self._residents = self._residents, {}
            groups, self._cgroups = self._cgroups, {}
            mounted, self._mounted = self._mounted, {}
        for resident in residents.values():
            resident.close()
        for uid in mounted:
            workfs.unmount(str(self.state_dir / f"uid-{uid}"))
        for group in groups.values():
            if group is not None:
                group.remove()
        self._uids.close()

    def run(
        self,
        argv: Sequence[str],
        *,
        files: Mapping[str, str | bytes] | None = None,
        limits: Limits | None = None,
        env: Mapping[str, str] | None = None,
        compile_argv: Sequence[str] | None = None,
        runtime: str | None = None,
    ) -> RawResult:
        """Run `argv` (after `compile_argv`, if given) in a fresh work dir holding `files`; see the module doc."""
        if not argv:
            raise ValueError(
                "sandbox.run: argv is empty; pass the program and its arguments, e.g. ['python3', 'x.py']"
            )
        limits = limits or self.params.limits
        argv = tuple(self.params.python if arg == PYTHON else arg for arg in argv)
        isolation = self.isolation
        with self._uids.lease() if self._as_root else _no_uid() as uid:
            workdir = self._make_workdir(uid, isolation)
            try:
                full_env = self._environment(workdir, env, isolation)
                names = [_runtime_name(argv, compile_argv, runtime)]
                if compile_argv:
                    names.insert(0, compile_argv[0])
                versions: dict[str, str] = {}
                for name in names:
                    if name is None:
                        continue
                    path = resolve(name, full_env.get("PATH", SCRUBBED_PATH))
                    if path is None:
                        return _missing(argv, name, limits, isolation)
                    versions[name] = self._versions.version(path, lambda a: self._probe(a, uid))
                _write_files(workdir, files or {}, uid)
                if compile_argv:
                    compiled = self._phase(tuple(compile_argv), workdir, full_env, uid, limits, compile=True)
                    if not compiled.ok_exit:
                        return dataclasses.replace(compiled, runtime_versions=versions, phase="compile")
                result = self._phase(argv, workdir, full_env, uid, limits, compile=False)
                return dataclasses.replace(result, runtime_versions=versions)
            finally:
                _remove(workdir)
                if isolation == "rlimits" and uid is not None:
                    _sweep_shared_tmp(uid)

    # --- internals ---------------------------------------------------------------------------------------

    def _seccomp_program(self) -> bytes | None:
        if not self.containment.seccomp or self.params.isolation == "rlimits":
            return None
        program = seccomp.native_program()
        if program is None:
            _warn_once(
                "seccomp",
                "sandbox: no seccomp syscall table for %s; programs run without the deny-list filter "
                "(keyrings, namespaces, ptrace, bpf, ... stay reachable)",
                os.uname().machine,
            )
        return program

    def _choose_isolation(self) -> str:
        try:
            tools()
        except FileNotFoundError as exc:
            raise SandboxError(str(exc)) from exc
        wanted = self.params.isolation
        if wanted == "rlimits":
            return "rlimits"
        with self._uids.lease() if self._as_root else _no_uid() as uid:
            workdir = self._make_workdir(uid, "bwrap")
            try:
                plimits = self._process_limits(VERSION_LIMITS, compile=False, uid=uid)
                env = self._environment(workdir, None, "bwrap")
                true = "/bin/true" if os.path.exists("/bin/true") else "true"
                filter_fd = seccomp.program_fd(self._seccomp) if self._seccomp else None
                try:
                    cmd = self._command((true,), workdir, env, uid, plimits, "bwrap", seccomp_fd=filter_fd)
                    ok, why = bwrap.works(cmd, str(workdir), () if filter_fd is None else (filter_fd,))
                finally:
                    if filter_fd is not None:
                        os.close(filter_fd)
            finally:
                _remove(workdir)
        if ok:
            return "bwrap"
        if wanted == "bwrap":
            raise SandboxError(f"sandbox.isolation is 'bwrap' but bwrap does not work here: {why}")
        log.warning(
            "sandbox: bubblewrap unavailable (%s); running programs with resource limits, an unprivileged uid "
            "and a new session only: no network, PID or filesystem isolation",
            why,
        )
        return "rlimits"

    def _make_workdir(self, uid: int | None, isolation: str) -> Path:
        self.state_dir.mkdir(parents=True, exist_ok=True)
        if self._as_root:
            os.chmod(self.state_dir, 0o711)
        # A uid's work dirs share its slot dir (its size-capped tmpfs, which its resident bwrap binds).
        parent = self._slot_dir(uid) if uid is not None else self.state_dir
        workdir = Path(tempfile.mkdtemp(prefix="run-", dir=parent))
        if uid is not None and self._mounted.get(uid):
            try:  # a fresh filesystem per run: its size cap, and inode numbers no earlier run moved on
                workfs.mount_run(str(workdir), self.params.work_mb, uid)
            except OSError as exc:
                _warn_once("workfs-run", "sandbox: work dirs share their uid's tmpfs (%s)", exc)
        if isolation != "bwrap":  # bwrap gives each run a private /tmp: TMPDIR needs no dir of its own
            (workdir / ".tmp").mkdir()
            if uid is not None:
                os.chown(workdir / ".tmp", uid, uid)
        if uid is not None:
            os.chown(workdir, uid, uid)
        return workdir

    def _slot_dir(self, uid: int) -> Path:
        """The parent of one uid's work dirs, which its resident bwrap binds: root-owned 0711, so the program
        reaches its own dir and cannot list or write anything else there."""
        slot = self.state_dir / f"uid-{uid}"
        slot.mkdir(mode=0o711, exist_ok=True)
        with self._mutex:
            self._forget_if_forked()
            checked = uid in self._mounted
        if not checked and self.containment.work_tmpfs:
            ok = True
            try:
                workfs.ensure(str(slot))
            except OSError as exc:
                ok = False
                _warn_once(
                    "workfs",
                    "sandbox: work dirs are not size-capped (%s): a run can fill the host's disk",
                    exc,
                )
            with self._mutex:
                self._mounted[uid] = ok
        return slot

    def _cgroup(self, uid: int | None) -> cgroups.UidCgroup | None:
        """The cgroup of `uid`, made on its first run; None where cgroups are off or not writable (said once)."""
        if uid is None or not self.containment.cgroups:
            return None
        with self._mutex:
            self._forget_if_forked()
            if uid in self._cgroups:
                return self._cgroups[uid]
        hierarchy, why = cgroups.detect()
        group = None
        if hierarchy is None:
            _warn_once(
                "cgroups",
                "sandbox: no writable cgroup memory+pids controllers (%s): a run's memory is bounded per process "
                "only (RLIMIT_AS), and out-of-memory kills are not reported",
                why,
            )
        else:
            try:
                group = cgroups.UidCgroup(hierarchy, uid)
            except OSError as exc:
                _warn_once(
                    "cgroups", "sandbox: cannot make the cgroup of uid %d (%s): no whole-run limits", uid, exc
                )
        with self._mutex:
            self._cgroups[uid] = group
        return group

    def _forget_if_forked(self) -> None:
        """In a forked child (call with the mutex held): the residents, cgroups and mounts are the parent's."""
        if self._owner != os.getpid():
            self._residents, self._cgroups, self._mounted = {}, {}, {}
            self._owner = os.getpid()

    def _resident_for(self, uid: int, plimits: ProcessLimits, group: cgroups.UidCgroup | None) -> Resident:
        config = ResidentConfig(
            python=self.params.python,
            slot_dir=str(self._slot_dir(uid)),
            ro_paths=self._ro_paths(),
            tmp_mb=TMP_FSIZE_FACTOR * plimits.fsize_mb,
            seccomp=self._seccomp,
            join_prefix=tuple(group.join_prefix(RESIDENT_OOM_SCORE_ADJ)) if group else (),
        )
        with self._mutex:
            self._forget_if_forked()
            current = self._residents.pop(uid, None)
        why = _stale(current, config)
        if current is not None and why:
            log.debug("sandbox: replacing the resident bwrap of uid %d (%s)", uid, why)
            current.close()
            current = None
        if current is None:
            current = Resident(uid, config)
        with self._mutex:
            self._residents[uid] = current
            self.resident_stats["runs"] += 1
            if why:
                self.resident_stats[f"started:{why}"] += 1
        return current

    def _folds_signals(self) -> bool:
        """Whether a run's wait status is a per-run bwrap's (exit 128+N for signal N, as shells report it)
        rather than the program's own (the resident launcher waits for the program itself)."""
        return self.isolation == "bwrap" and not self.resident

    def _ro_paths(self) -> tuple[str, ...]:
        ro = tuple(self.params.extra_ro_paths)
        if self.pylib_dir.is_dir():
            ro += (str(self.pylib_dir),)
        return ro

    def _environment(self, workdir: Path, extra: Mapping[str, str] | None, isolation: str) -> dict[str, str]:
        env = {
            "PATH": SCRUBBED_PATH,
            "HOME": str(workdir),
            "TMPDIR": "/tmp" if isolation == "bwrap" else str(workdir / ".tmp"),
            "LANG": "C.UTF-8",
            "LC_ALL": "C.UTF-8",
            "USER": "sandbox",
            "LOGNAME": "sandbox",
        }
        env.update(extra or {})
        return env

    def _process_limits(self, limits: Limits, *, compile: bool, uid: int | None) -> ProcessLimits:
        wall = limits.compile_wall_s if compile else limits.wall_s
        nproc = limits.nproc
        if uid is None:  # not root: the limit counts every process of our own uid, so add what already runs
            nproc += _own_process_count()
        return ProcessLimits(
            wall_s=wall,
            cpu_s=max(limits.cpu_s, int(wall) + 1) if compile else limits.cpu_s,
            address_space_mb=limits.address_space_mb,
            nproc=nproc,
            fsize_mb=limits.fsize_mb,
            nofile=limits.nofile,
            output_cap=limits.output_cap,
            output_limit_bytes=limits.output_limit_mb * MIB,
            memory_mb=limits.memory_mb,
        )

    def _phase(
        self,
        argv: tuple[str, ...],
        workdir: Path,
        env: dict[str, str],
        uid: int | None,
        limits: Limits,
        *,
        compile: bool,
    ) -> RawResult:
        isolation = self.isolation
        plimits = self._process_limits(limits, compile=compile, uid=uid)
        outcome = self._execute(argv, workdir, env, uid, plimits)
        result = _to_result(argv, outcome, limits, isolation, folded=self._folds_signals())
        if uid is not None and self._mounted.get(uid) and workfs.is_full(str(workdir)):
            result = dataclasses.replace(result, disk_full=True)
        return result

    def _execute(
        self,
        argv: tuple[str, ...],
        workdir: Path,
        env: dict[str, str],
        uid: int | None,
        plimits: ProcessLimits,
    ) -> Outcome:
        isolation = self.isolation
        group = self._cgroup(uid)
        if group is not None and uid is not None:
            self._limit(group, plimits, uid)
        if uid is not None and self.resident:
            try:
                resident = self._resident_for(uid, plimits, group)
            except (OSError, ResidentError) as exc:
                log.warning("sandbox: no resident bwrap (%s); starting a bwrap per run (~8 ms slower)", exc)
                self._resident_failed = True
            else:
                outcome = resident.execute(argv, str(workdir), env, plimits, sweep=lambda: _sweep(uid))
                return _with_oom(outcome, group)
        report_r, report_w = os.pipe()  # the chain's shell writes the program's CPU times here
        filter_fd = seccomp.program_fd(self._seccomp) if self._seccomp and isolation == "bwrap" else None
        try:
            cmd = self._command(argv, workdir, env, uid, plimits, isolation, report_w, seccomp_fd=filter_fd)
            if group is not None:
                cmd = group.join_prefix(RUN_OOM_SCORE_ADJ) + cmd
        except BaseException:
            for fd in (report_r, report_w, filter_fd):
                if fd is not None:
                    os.close(fd)
            raise
        # execute() owns these fds from here and closes each exactly once (a second close could hit an fd
        # another thread has opened since).
        outcome = execute(
            cmd,
            cwd=str(workdir),
            limits=plimits,
            sweep=lambda: _sweep(uid),
            report=(report_r, report_w),
            handed=() if filter_fd is None else (filter_fd,),
            uid=uid,
        )
        if isolation == "rlimits" or outcome.timed_out or outcome.output_exceeded:
            _sweep(uid)
        if group is not None:
            group.kill_all()  # the run's bwrap and chain are gone; anything left in its group is a straggler
        return _with_oom(outcome, group)

    def _limit(self, group: cgroups.UidCgroup, plimits: ProcessLimits, uid: int) -> None:
        """Set the run's cgroup limits; a resident holding more than a new, lower memory limit is ended (the
        next run starts another)."""
        pids = plimits.nproc + PIDS_HEADROOM
        try:
            group.set_limits(plimits.memory_mb, pids)
        except OSError:
            with self._mutex:
                resident = self._residents.pop(uid, None)
            if resident is None:
                raise
            resident.close()
            group.set_limits(plimits.memory_mb, pids)

    def _command(
        self,
        argv: tuple[str, ...],
        workdir: Path,
        env: dict[str, str],
        uid: int | None,
        plimits: ProcessLimits,
        isolation: str,
        report_fd: int | None = None,
        *,
        seccomp_fd: int | None = None,
    ) -> list[str]:
        """The exec chain of one run: limits, the uid drop and the environment, inside bwrap when isolated."""
        inner = limited_command(argv, env, uid, plimits, report_fd)
        if isolation != "bwrap":
            return inner
        tmp_mb = TMP_FSIZE_FACTOR * plimits.fsize_mb
        return bwrap.command(
            inner, str(workdir), self._ro_paths(), as_root=self._as_root, tmp_mb=tmp_mb, seccomp_fd=seccomp_fd
        )

    def _probe(self, argv: list[str], uid: int | None) -> tuple[int | None, str]:
        isolation = self.isolation
        workdir = self._make_workdir(uid, isolation)
        try:
            env = self._environment(workdir, None, isolation)
            plimits = self._process_limits(VERSION_LIMITS, compile=False, uid=uid)
            outcome = self._execute(tuple(argv), workdir, env, uid, plimits)
        finally:
            _remove(workdir)
        result = _to_result(
            tuple(argv), outcome, VERSION_LIMITS, self.isolation, folded=self._folds_signals()
        )
        return result.exit_code, (result.stdout or result.stderr)


def _with_oom(outcome: Outcome, group: cgroups.UidCgroup | None) -> Outcome:
    """The outcome, with whether the kernel OOM-killed something in the run's cgroup during it."""
    if group is not None and group.took_oom():
        return dataclasses.replace(outcome, oom=True)
    return outcome


def _stale(resident: Resident | None, config: ResidentConfig) -> str:
    """Why `resident` cannot take the next run ("" when it can)."""
    if resident is None:
        return "first"
    if not resident.clean:
        return "unclean"
    if not resident.alive:
        return "dead"
    return "config" if resident.config != config else ""


def _to_result(
    argv: tuple[str, ...], outcome: Outcome, limits: Limits, isolation: str, *, folded: bool
) -> RawResult:
    """`folded`: the status is a per-run bwrap's, which reports a program killed by signal N as exit 128+N."""
    exit_code: int | None = None
    sig: int | None = None
    status = outcome.status
    if outcome.timed_out or outcome.output_exceeded:
        sig = int(signal.SIGKILL)
    elif status is not None and os.WIFSIGNALED(status):
        sig = os.WTERMSIG(status)
    elif status is not None:
        exit_code = os.WEXITSTATUS(status)
        if folded and 128 < exit_code <= 128 + 64:
            exit_code, sig = None, exit_code - 128
    return RawResult(
        argv=argv,
        exit_code=exit_code,
        signal=sig,
        timed_out=outcome.timed_out,
        wall_s=round(outcome.wall_s, 6),
        cpu_s=round(outcome.cpu_s, 6),
        stdout=outcome.stdout.decode("utf-8", errors="replace"),
        stderr=outcome.stderr.decode("utf-8", errors="replace"),
        stdout_bytes=outcome.stdout_bytes,
        stderr_bytes=outcome.stderr_bytes,
        limits=dataclasses.asdict(limits),
        isolation=isolation,
        output_limit_exceeded=outcome.output_exceeded,
        oom=outcome.oom,
    )


def _missing(argv: tuple[str, ...], name: str, limits: Limits, isolation: str) -> RawResult:
    return RawResult(
        argv=argv,
        exit_code=None,
        signal=None,
        timed_out=False,
        wall_s=0.0,
        cpu_s=0.0,
        stdout="",
        stderr=f"runtime {name!r} is not installed (not found on the sandbox PATH {SCRUBBED_PATH})",
        stdout_bytes=0,
        stderr_bytes=0,
        runtime_missing=True,
        runtime_versions={name: "missing"},
        limits=dataclasses.asdict(limits),
        isolation=isolation,
    )


def _runtime_name(
    argv: tuple[str, ...], compile_argv: Sequence[str] | None, runtime: str | None
) -> str | None:
    """The binary whose absence means runtime_missing: `runtime`, else argv[0] unless it is a relative path to
    something the run itself builds (./a.out), then the compiler."""
    if runtime:
        return runtime
    first = argv[0]
    if os.sep in first and not os.path.isabs(first):
        return compile_argv[0] if compile_argv else None
    return first


def _write_files(workdir: Path, files: Mapping[str, str | bytes], uid: int | None) -> None:
    root = workdir.resolve()
    for rel, content in files.items():
        target = (workdir / rel).resolve()
        if os.path.isabs(rel) or root not in target.parents:
            raise ValueError(f"sandbox file name {rel!r} must be a relative path inside the work dir")
        target.parent.mkdir(parents=True, exist_ok=True)
        data = content.encode() if isinstance(content, str) else content
        target.write_bytes(data)
        if uid is not None:
            node = target
            while node != root:
                os.chown(node, uid, uid)
                node = node.parent


def _remove(workdir: Path) -> None:
    workfs.unmount(str(workdir))  # the run's own tmpfs, if it has one: all its files go with it

    def force(func, path, _exc):  # type: ignore[no-untyped-def]
        # A program may have made its own files unwritable: make them removable, then retry once.
        try:
            os.chmod(os.path.dirname(path), stat.S_IRWXU)
            func(path)
        except OSError as exc:
            log.warning("sandbox: could not remove %s: %s", path, exc)

    shutil.rmtree(workdir, onerror=force)


def _sweep(uid: int | None) -> None:
    """Kill every process of the run's uid (kill(-1) from that uid reaches all of them and nothing else)."""
    if uid is None:
        return
    subprocess.run(sweep_command(uid), env=PRIVILEGED_ENV, stdin=subprocess.DEVNULL, capture_output=True)


def _sweep_shared_tmp(uid: int) -> None:
    """Outside bwrap a program can write to world-writable dirs: remove what the run's uid left there."""
    for base in SHARED_TMP:
        try:
            entries = list(os.scandir(base))
        except OSError:
            continue
        for entry in entries:
            try:
                if entry.stat(follow_symlinks=False).st_uid != uid:
                    continue
                if entry.is_dir(follow_symlinks=False):
                    shutil.rmtree(entry.path, ignore_errors=True)
                else:
                    os.unlink(entry.path)
            except OSError:
                continue


def _own_process_count() -> int:
    me = os.getuid()
    count = 0
    for name in os.listdir("/proc"):
        if name.isdigit():
            try:
                count += os.stat(f"/proc/{name}").st_uid == me
            except OSError:
                continue
    return count


class _no_uid:
    """Stands in for a uid lease when we are not root: the program runs under our own uid."""

    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> None:
        return None


# One Sandbox per SandboxParams per process: a worker builds it on its first task and reuses it (its uid pool and
# resident bwraps) for every later task with the same params. Passed explicitly everywhere; nothing configures it.
_built: dict[SandboxParams, Sandbox] = {}
_built_lock = threading.Lock()


def sandbox_for(params: SandboxParams | None = None) -> Sandbox:
    """The sandbox of this process for `params` (default: the defaults), built on first use."""
    params = params or SandboxParams()
    with _built_lock:
        if params not in _built:
            _built[params] = Sandbox(params)
        return _built[params]


__all__ = ["PYTHON", "Sandbox", "SandboxError", "sandbox_for"]
