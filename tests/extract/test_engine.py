"""`extract.engine: datatrove`: the same kept rows and funnels as the in-process path, on DataTrove executors."""

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from stages.extract.dedup import DedupParams
from stages.extract.engine import launch, run_datatrove
from stages.extract.filters import FilterParams
from stages.extract.options import EngineParams
from stages.extract.pipeline import extract
from stages.extract.sources import FilesSource, LocalSource, SourceParams, iter_source
from stages.records import Funnel

FUNC = '''import math


def {name}(values_{i}, scale_{i}):
    """Scale the values and sum them up."""
    total_{i} = 0
    seen_{i} = []
    for value_{i} in values_{i}:
        part_{i} = math.floor(value_{i} * scale_{i}) + {i}
        seen_{i}.append(part_{i})
        total_{i} += part_{i} * len(seen_{i})
    best_{i} = max(seen_{i}, default={i})
    return total_{i} - best_{i} + min(seen_{i}, default=0)
'''


def both(source: SourceParams, opts: EngineParams, kind: str = "local"):
    local_f, local_files = Funnel("a"), Funnel("a.files")
    local = list(extract(iter_source(source), FilterParams(), DedupParams(), local_f, local_files))
    dt_f, dt_files = Funnel("a"), Funnel("a.files")
    rows = list(run_datatrove(source, FilterParams(), DedupParams(), dt_f, dt_files, kind=kind, opts=opts))
    return (local, local_f, local_files), (rows, dt_f, dt_files)


def same_funnel(a: Funnel, b: Funnel) -> None:
    assert (a.rows_in, a.rows_out) == (b.rows_in, b.rows_out)
    assert {k: v for k, v in a.dropped.items() if v} == {k: v for k, v in b.dropped.items() if v}


def test_both_engines_keep_the_same_rows_and_count_the_same_drops_on_the_stdlib(tmp_path):
    (local, lf, lfiles), (rows, df, dfiles) = both(
        SourceParams(), EngineParams(work_dir=str(tmp_path / "work"))
    )
    assert len(local) > 100
    assert rows == local  # same rows, same order, same lineage
    same_funnel(lf, df)
    same_funnel(lfiles, dfiles)
    assert df.dropped["duplicate_exact"] > 0 and df.dropped["duplicate_near"] > 0


def small_corpus(root: Path, n: int = 12) -> SourceParams:
    """n distinct functions, each file also holding a verbatim copy (exact) and a one-token edit (near) of one."""
    root.mkdir(parents=True)
    for i in range(n):
        body = FUNC.format(name=f"f{i}", i=i)
        near = body.replace(f"    seen_{i} = []", f"    seen_{i} = []\n    count_{i} = 0").replace(
            f"def f{i}", f"def g{i}"
        )
        (root / f"m{i:02d}.py").write_text(body)
        (root / f"copy{i:02d}.py").write_text(body if i % 2 else near)
    (root / "broken.py").write_text("def nope(:\n")
    return SourceParams(local=LocalSource(paths=(str(root),), exclude=()))


def test_several_tasks_drop_copies_by_name_and_a_rerun_skips_finished_tasks(tmp_path):
    source = small_corpus(tmp_path / "src")
    opts = EngineParams(tasks=3, workers=1, work_dir=str(tmp_path / "work"))
    (local, lf, lfiles), (rows, df, dfiles) = both(source, opts)
    assert {r["dedup_key"] for r in rows} == {r["dedup_key"] for r in local}
    assert len(rows) == 12
    assert df.dropped["duplicate_exact"] == 6 and df.dropped["duplicate_near"] == 6
    assert dfiles.dropped["unparseable"] == 1 and dfiles.rows_in == 25
    # A rerun finds every task's completion marker and reads the same rows back without running anything.
    marker = next((tmp_path / "work").glob("*/logs/1-functions/completions/00000"))
    stamp = marker.stat().st_mtime_ns
    again = list(
        run_datatrove(
            source, FilterParams(), DedupParams(), Funnel("b"), Funnel("c"), kind="local", opts=opts
        )
    )
    assert again == rows and marker.stat().st_mtime_ns == stamp


@pytest.mark.slow
@pytest.mark.timeout(600)
def test_ray_executor_on_a_local_two_worker_cluster(tmp_path):
    ray = pytest.importorskip("ray")
    source = small_corpus(tmp_path / "src", n=6)
    repo = str(Path(__file__).resolve().parents[2])
    ray.init(
        num_cpus=2,
        include_dashboard=False,
        runtime_env={"env_vars": {"PYTHONPATH": repo}},
        log_to_driver=False,
    )
    try:
        opts = EngineParams(tasks=2, workers=2, work_dir=str(tmp_path / "work"))
        (local, _, _), (rows, df, _) = both(source, opts, kind="ray")
    finally:
        ray.shutdown()
    assert {r["dedup_key"] for r in rows} == {r["dedup_key"] for r in local}
    assert len(rows) == 6 and df.dropped["duplicate_exact"] == 3 and df.dropped["duplicate_near"] == 3
    pids = {p.name for p in (tmp_path / "work").glob("*/logs/1-functions/completions/*")}
    assert pids == {"00000", "00001"}


def test_slurm_job_scripts_chain_every_pass(tmp_path, monkeypatch):
    """A fake `sbatch` on PATH records each script; DataTrove writes one launch script per pass."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    sbatch = bin_dir / "sbatch"
    sbatch.write_text(
        '#!/bin/sh\nd="$0.d"; mkdir -p "$d"; n=$(ls "$d" | grep -c sh$)\n'
        'for last in "$@"; do :; done\ncp "$last" "$d/$n.sh"\necho "$@" > "$d/$n.args"\n'
        'echo "Submitted batch job $((1000 + n))"\n'
    )
    sbatch.chmod(sbatch.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    source = small_corpus(tmp_path / "src", n=2)
    opts = EngineParams(
        tasks=4, work_dir=str(tmp_path / "work"), slurm_partition="cpu", slurm_time="02:00:00"
    )
    plan, last = launch(source, FilterParams(), DedupParams(), kind="slurm", opts=opts)
    calls = sorted((bin_dir / "sbatch.d").glob("*.sh"), key=lambda p: int(p.stem))
    passes_run = [
        (int(c.stem), c.with_suffix(".args").read_text(), c.read_text())
        for c in calls
        if "launch_pickled_pipeline" in c.read_text()
    ]
    previous = None
    for (n, args, script), (name, _, tasks) in zip(passes_run, plan, strict=True):
        assert f"#SBATCH --job-name=polyforge-extract-{name}" in script
        assert "#SBATCH --partition=cpu" in script and "#SBATCH --time=02:00:00" in script
        assert f"#SBATCH --array=0-{tasks - 1}" in script
        assert Path(script.split("launch_pickled_pipeline ")[1].split()[0]).exists()
        if previous is None:
            assert "--dependency" not in args
        else:
            assert f"--dependency=afterok:{1000 + previous}" in args, name
        previous = n
    assert [name for name, _, _ in plan] == [
        "1-functions",
        "2-exact-find",
        "3-exact-filter",
        "4-buckets",
        "5-clusters",
        "6-rows",
    ]
    assert str(last.job_id) == str(1000 + passes_run[-1][0])


@pytest.mark.slow
def test_both_engines_agree_on_a_synthetic_stack_corpus_with_planted_near_copies(tmp_path):
    """Renamed stdlib functions share bands in chains (A~B, B~C): DataTrove's bucket pass reports chains, not
    every pair, and the kept rows must still be the in-process path's."""
    corpus = tmp_path / "stack"
    script = Path(__file__).resolve().parents[2] / "benchmarks/stack_corpus.py"
    subprocess.run([sys.executable, str(script), "--files", "1500", "--out", str(corpus)], check=True)
    source = SourceParams(
        kind="files", files=FilesSource(paths=tuple(str(p) for p in sorted(corpus.glob("*.parquet"))))
    )
    (local, lf, lfiles), (rows, df, dfiles) = both(source, EngineParams(work_dir=str(tmp_path / "work")))
    assert rows == local
    same_funnel(lf, df)
    same_funnel(lfiles, dfiles)
    assert df.dropped["duplicate_near"] > 50
