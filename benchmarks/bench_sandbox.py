"""Sandbox, fast path and executor throughput, side by side on the same programs and interpreter paths.

    .venv/bin/python benchmarks/bench_sandbox.py [--runs 40] [--load 1500] [--snippets 100] [--tasks 40]

1. Per runtime: a bare spawn (subprocess.run); the sandbox as configured by default (a resident bwrap per
   uid whose launcher starts each run: `sandbox.resident: true`); the sandbox with a bwrap and exec chain of
   its own per run (`resident: false`); the sandbox without bwrap (isolation: rlimits, the degraded mode); and a
   MultiPL-E-style polling runner (Popen, non-blocking reads, 0.1 s poll): ms/run and runs/s, each sandbox's
   overhead over the bare spawn, the default's rate over the polling runner's, and that ratio's ceiling (a
   sandbox costing nothing: polling ms / bare ms). The methods
   run interleaved, round after round, and each figure is the median over rounds, so load from other processes
   on the machine falls on all of them alike. Targets: overhead within ~5 ms, rate >= 5x the polling runner.
2. Containment (issues 15 and 29): the cost of each bound over the same sandbox without it, resident and per
   run: the seccomp filter (with issue 29's refusal of IP sockets and O_TMPFILE), the uid's cgroup (memory +
   pids, OOM facts), the work dir's tmpfs (since issue 29 a fresh one per run, mounted and detached on the host);
   and all of them together over none (the sandbox before them). Target: the resident path within ~5 ms of a
   bare spawn. Then each bound's host-side bookkeeping alone, and the launcher's settle checks (issue 29: the
   network namespace's socket tables, /tmp's and /dev/shm's change times, the ns_last_pid write).
3. The load test's mix (tests/sandbox/load_programs.py: benign programs, hostile ones planting state or bombing
   forks, memory, disk and output) at a larger count: mismatches against each benign program run alone, leaks,
   and a host probe (/bin/true every 100 ms) idle and under the load: p50/p99 latency, lowest MemAvailable.
4. One interpreter per snippet vs the fast path (one driver, a fork per snippet): snippets/s. Target >= 5x.
5. The local pool vs Ray, 2 workers, each task one sandboxed run: tasks/s (Ray's start-up reported apart).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from stages.common import CommonParams  # noqa: E402
from stages.executors import make_executor  # noqa: E402
from stages.sandbox import (  # noqa: E402
    Limits,
    Sandbox,
    SandboxParams,
    cgroups,
    launcher,
    sandbox_for,
    seccomp,
    workfs,
)
from stages.sandbox.engine import Containment  # noqa: E402
from stages.sandbox.pyfast import run_snippets, run_snippets_isolated  # noqa: E402

PYTHON = "/usr/bin/python3"
PROGRAMS = {  # runtime -> (argv, files)
    "python3": ([PYTHON, "prog.py"], {"prog.py": "print(sum(range(100)))\n"}),
    "sh": (["/bin/sh", "prog.sh"], {"prog.sh": "echo $((1 + 2))\n"}),
    "native": (["/bin/true"], {}),
}
LIMITS = Limits(wall_s=10.0, cpu_s=10)
LOAD_UID_BASE = 63000


def bare(argv: list[str], cwd: str) -> None:
    subprocess.run(argv, cwd=cwd, stdin=subprocess.DEVNULL, capture_output=True, timeout=10, check=False)


def polling(argv: list[str], cwd: str, timeout: float = 10.0) -> None:
    """What MultiPL-E's safe_subprocess does: spawn, then poll and read every 0.1 s."""
    proc = subprocess.Popen(
        argv,
        cwd=cwd,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    for stream in (proc.stdout, proc.stderr):
        os.set_blocking(stream.fileno(), False)  # type: ignore[union-attr]
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        for stream in (proc.stdout, proc.stderr):
            stream.read()  # type: ignore[union-attr]
        if proc.poll() is not None:
            break
        time.sleep(0.1)
    else:
        proc.kill()
    proc.wait()
    proc.stdout.close()  # type: ignore[union-attr]
    proc.stderr.close()  # type: ignore[union-attr]


def interleaved_ms(methods: dict[str, tuple[object, int]], rounds: int) -> dict[str, float]:
    """Median ms per call of each method (fn, calls per round), the methods taking turns round after round."""
    samples: dict[str, list[float]] = {name: [] for name in methods}
    for fn, _ in methods.values():
        fn()  # warm-up (version probe, page cache)
    for _ in range(rounds):
        for name, (fn, calls) in methods.items():
            start = time.perf_counter()
            for _ in range(calls):
                fn()
            samples[name].append(1000 * (time.perf_counter() - start) / calls)
    return {name: statistics.median(values) for name, values in samples.items()}


def bench_runtimes(runs: int) -> None:
    sb = sandbox_for()
    per_run = Sandbox(SandboxParams(resident=False))
    degraded = Sandbox(SandboxParams(isolation="rlimits"))
    rounds = max(4, runs // 4)
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(
        f"\n## one run per program ({rounds} interleaved rounds of 4 runs, 1 polling run; medians; "
        f"sandbox isolation: {sb.isolation}, resident: {sb.resident}; {os.cpu_count()} CPUs, "
        f"load average {load})\n"
    )
    print(
        f"{'runtime':<9} {'bare ms':>8} {'sbx ms':>7} {'per-run':>8} {'rlim ms':>8} {'poll ms':>8} "
        f"{'overhead':>9} {'per-run ovh':>12} {'rlim ovh':>9} {'bare/s':>7} {'sbx/s':>6} {'poll/s':>7} "
        f"{'sbx/poll':>9} {'ceiling':>8}"
    )
    for name, (argv, files) in PROGRAMS.items():
        with tempfile.TemporaryDirectory() as tmp:
            for rel, text in files.items():
                Path(tmp, rel).write_text(text)
            ms = interleaved_ms(
                {
                    "bare": (lambda: bare(argv, tmp), 4),  # noqa: B023
                    "sandbox": (lambda: sb.run(argv, files=files, limits=LIMITS), 4),  # noqa: B023
                    "per_run": (lambda: per_run.run(argv, files=files, limits=LIMITS), 4),  # noqa: B023
                    "rlimits": (lambda: degraded.run(argv, files=files, limits=LIMITS), 4),  # noqa: B023
                    "polling": (lambda: polling(argv, tmp), 1),  # noqa: B023
                },
                rounds,
            )
        print(
            f"{name:<9} {ms['bare']:8.1f} {ms['sandbox']:7.1f} {ms['per_run']:8.1f} {ms['rlimits']:8.1f} "
            f"{ms['polling']:8.1f} {ms['sandbox'] - ms['bare']:9.1f} {ms['per_run'] - ms['bare']:12.1f} "
            f"{ms['rlimits'] - ms['bare']:9.1f} {1000 / ms['bare']:7.1f} "
            f"{1000 / ms['sandbox']:6.1f} {1000 / ms['polling']:7.1f} {ms['polling'] / ms['sandbox']:8.1f}x "
            f"{ms['polling'] / ms['bare']:7.1f}x"
        )
    print(
        "\noverhead = sandbox ms - bare ms (a fresh work dir, the files written, limits, uid drop, removal; plus,"
        "\nper run, bwrap and its exec chain for per-run, the exec chain alone for rlim);"
        "\nceiling = polling ms / bare ms: the best sbx/poll any sandbox could reach on that program."
    )


CONTAINMENTS = {
    "all": Containment(),
    "no seccomp": Containment(seccomp=False),
    "no cgroup": Containment(cgroups=False),
    "no work tmpfs": Containment(work_tmpfs=False),
    "none": Containment(seccomp=False, cgroups=False, work_tmpfs=False),
}


def bench_containment(runs: int) -> None:
    rounds = max(4, runs // 4)
    print(
        f"\n## containment: ms/run with every bound, without each, and without all ({rounds} interleaved rounds "
        "of 4 runs; medians)\n"
    )
    print(f"{'runtime':<9} {'path':<9} {'bare':>6} " + " ".join(f"{name:>13}" for name in CONTAINMENTS))
    for resident in (True, False):
        sandboxes = {
            name: Sandbox(SandboxParams(resident=resident), containment)
            for name, containment in CONTAINMENTS.items()
        }
        for name, (argv, files) in PROGRAMS.items():
            with tempfile.TemporaryDirectory() as tmp:
                for rel, text in files.items():
                    Path(tmp, rel).write_text(text)
                methods = {"bare": (lambda: bare(argv, tmp), 4)}  # noqa: B023
                for label, sb in sandboxes.items():
                    methods[label] = (lambda sb=sb: sb.run(argv, files=files, limits=LIMITS), 4)  # noqa: B023
                ms = interleaved_ms(methods, rounds)
            cells = " ".join(f"{ms[label]:13.1f}" for label in CONTAINMENTS)
            path = "resident" if resident else "per-run"
            print(f"{name:<9} {path:<9} {ms['bare']:6.1f} {cells}")
            print(
                f"{'':<9} {'':<9} {'cost':>6} "
                + " ".join(
                    f"{ms['all'] - ms[label]:+13.1f}"
                    if label != "all"
                    else f"{ms['all'] - ms['bare']:+13.1f}"
                    for label in CONTAINMENTS
                )
            )
        for sb in sandboxes.values():
            sb.close()
    print(
        "\ncost row: under `all`, all - bare (the whole sandbox over a bare spawn); under each other column, what"
        "\nthe bound it lacks costs (all - that column); under `none`, what the three cost together."
    )
    bench_bookkeeping()


def bench_bookkeeping(calls: int = 2000) -> None:
    """What each bound adds to every run on the host side, timed alone (the end-to-end columns above are ms
    apart at best on a busy machine): the OOM counter read and the straggler check of the cgroup, the work
    tmpfs's fullness check; and, per bwrap start, the seccomp filter's pipe."""
    hierarchy, why = cgroups.detect()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        rows.append(("work tmpfs: statvfs of the work dir (every run)", lambda: workfs.is_full(tmp)))
        if os.geteuid() == 0:
            run_dir = os.path.join(tmp, "run")
            os.mkdir(run_dir)

            def mount_cycle() -> None:
                workfs.mount_run(run_dir, 16, LOAD_UID_BASE)
                workfs.unmount(run_dir)

            rows.append(("work tmpfs: a run's own, mounted and detached", mount_cycle))
        rows.append(("settle: socket tables and change times (resident run)", settle_checks))
        program = seccomp.native_program() or b""
        rows.append(
            (
                "seccomp: the filter into a pipe (every bwrap start)",
                lambda: os.close(seccomp.program_fd(program)),
            )
        )
        if hierarchy is not None:
            group = cgroups.UidCgroup(hierarchy, LOAD_UID_BASE)
            group.set_limits(LIMITS.memory_mb, LIMITS.nproc)
            rows.append(("cgroup: OOM counter read (every run)", group.took_oom))
            rows.append(("cgroup: member list read (every per-run bwrap)", group.pids))
        print(f"\n## host-side bookkeeping per run ({calls} calls each; cgroups: {hierarchy or why})\n")
        print(f"{'what':<52} {'us/call':>8}")
        for label, fn in rows:
            start = time.perf_counter()
            for _ in range(calls):
                fn()
            print(f"{label:<52} {1e6 * (time.perf_counter() - start) / calls:8.1f}")
        if hierarchy is not None:
            group.remove()


def settle_checks() -> None:
    """What the launcher reads after each run beyond the checks of issue 15 (here in the host's namespaces, whose
    tables hold more sockets than a sandbox's: an upper bound)."""
    launcher.net_state()
    launcher.change_times()


def bench_load(total: int, workers: int) -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "sandbox"))
    from load_programs import WORK_MB, Probe, mem_available_mb, mix, run_program, verdict

    params = SandboxParams(work_mb=WORK_MB, uid_base=LOAD_UID_BASE, uid_count=64)  # uids no one else uses
    programs = mix(total, params)
    benign = [p for p in programs if not p.hostile]
    alone_sb = Sandbox(params)
    alone = {}
    for p in benign:
        if p.source not in alone:
            ext = "py" if p.kind == "py" else "sh"
            alone[p.source] = verdict(alone_sb.run(p.argv, files={f"prog.{ext}": p.source}, limits=p.limits))
    alone_sb.close()
    with Probe() as idle:
        time.sleep(3.0)
    start_mem = mem_available_mb()
    with tempfile.TemporaryDirectory() as cache, Probe() as probe:
        start = time.perf_counter()
        with make_executor(CommonParams(cache_dir=cache, executor="local", workers=workers)) as ex:
            results = dict(ex.map(run_program, programs))
        elapsed = time.perf_counter() - start
    mismatches = sum(results[p.index] != alone[p.source] for p in benign)
    left = subprocess.run(["ps", "-eo", "uid="], capture_output=True, text=True).stdout.split()
    uids = range(params.uid_base, params.uid_base + params.uid_count)
    leaks = sum(int(u) in uids for u in left)
    print(
        f"\n## load: {total} programs ({len(benign)} benign, {total - len(benign)} hostile), {workers} workers, "
        f"{elapsed:.1f} s ({total / elapsed:.1f} runs/s)\n"
    )
    print(f"mismatches against alone: {mismatches}; processes left under the sandbox uids: {leaks}")
    print(
        f"{'probe':<12} {'starts':>7} {'p50 ms':>7} {'p99 ms':>7} {'max ms':>7} {'min MemAvailable MiB':>21}"
    )
    for label, pr in (("idle", idle), ("under load", probe)):
        print(
            f"{label:<12} {len(pr.latency_ms):7d} {pr.percentile(0.5):7.1f} {pr.percentile(0.99):7.1f} "
            f"{max(pr.latency_ms):7.1f} {min(pr.mem_available_mb):21d}"
        )
    floor = start_mem - workers * programs[0].limits.memory_mb - 1024
    print(f"memory floor (MemAvailable at start - workers x memory_mb - 1024 MiB): {floor} MiB")


def bench_fast_path(n: int) -> None:
    prelude = "def add(a, b):\n    return a + b\n"
    snippets = [f"assert add({i}, 1) == {i + 1 if i % 5 else i}" for i in range(n)]
    small = snippets[: max(10, n // 5)]
    start = time.perf_counter()
    alone = run_snippets_isolated(prelude, small, LIMITS)
    r_alone = len(small) / (time.perf_counter() - start)
    start = time.perf_counter()
    fast = run_snippets(prelude, snippets, LIMITS)
    r_fast = n / (time.perf_counter() - start)
    start = time.perf_counter()
    run_snippets(prelude, snippets, LIMITS, cover=True)
    r_cover = n / (time.perf_counter() - start)
    same = [r.status for r in alone] == [r.status for r in fast[: len(small)]]
    print(f"\n## snippets ({n} asserts of one function; reference on {len(small)})\n")
    print(f"{'path':<28} {'snippets/s':>11} {'ratio':>7}")
    print(f"{'one interpreter per snippet':<28} {r_alone:11.1f} {1.0:6.1f}x")
    print(f"{'fast path':<28} {r_fast:11.1f} {r_fast / r_alone:6.1f}x")
    print(f"{'fast path + coverage':<28} {r_cover:11.1f} {r_cover / r_alone:6.1f}x")
    print(f"verdicts identical on the reference subset: {same}")


def sandboxed_task(i: int) -> int:
    from stages.sandbox import sandbox_for

    return sandbox_for().run([PYTHON, "-c", f"print({i} * 2)"]).exit_code or 0


def bench_executors(tasks: int) -> None:
    print(f"\n## executors, 2 workers, {tasks} tasks (each one sandboxed python3 run)\n")
    print(f"{'executor':<9} {'start s':>8} {'tasks/s':>8}")
    rates = {}
    for kind in ("local", "ray"):
        with tempfile.TemporaryDirectory() as cache:
            common = CommonParams(cache_dir=cache, executor=kind, workers=2)
            start = time.perf_counter()
            with make_executor(common) as ex:
                list(ex.map(sandboxed_task, range(2)))  # start workers
                started = time.perf_counter() - start
                t0 = time.perf_counter()
                list(ex.map(sandboxed_task, range(tasks)))
                rates[kind] = tasks / (time.perf_counter() - t0)
            print(f"{kind:<9} {started:8.2f} {rates[kind]:8.1f}")
    print(f"ray/local: {rates['ray'] / rates['local']:.2f}x")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=40)
    parser.add_argument("--snippets", type=int, default=100)
    parser.add_argument("--tasks", type=int, default=40)
    parser.add_argument("--load", type=int, default=1500, help="programs in the load run (0: skip it)")
    parser.add_argument("--load-workers", type=int, default=4)
    parser.add_argument("--skip-ray", action="store_true")
    parser.add_argument("--only", choices=("runtimes", "containment", "load", "fast_path", "executors"))
    args = parser.parse_args()
    if args.only in (None, "runtimes"):
        bench_runtimes(args.runs)
    if args.only in (None, "containment"):
        bench_containment(args.runs)
    if args.only in (None, "load") and args.load:
        bench_load(args.load, args.load_workers)
    if args.only in (None, "fast_path"):
        bench_fast_path(args.snippets)
    if args.only in (None, "executors") and not args.skip_ray:
        bench_executors(args.tasks)


if __name__ == "__main__":
    main()
