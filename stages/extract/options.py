"""Options of `extract.engine: datatrove` (kept apart from engine.py so the default path never imports DataTrove)."""

from __future__ import annotations

from dataclasses import dataclass

from stages.checks import check_range

ENGINES = ("local", "datatrove")
EXECUTORS = ("local", "slurm", "ray")


@dataclass(frozen=True)
class EngineParams:
    # Tasks (shards of the corpus) and how many run at once; slurm/ray schedule the tasks themselves.
    tasks: int = 1
    workers: int = 1
    # Signatures, buckets, completion markers and logs (keep it: a rerun skips finished tasks).
    work_dir: str = "data/extract_work"
    # Slurm only: partition, time limit per task, CPUs per task, extra sbatch lines.
    slurm_partition: str = ""
    slurm_time: str = "04:00:00"
    slurm_cpus_per_task: int = 1
    slurm_sbatch_args: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        check_range("extract.datatrove.tasks", self.tasks, 1)
        check_range("extract.datatrove.workers", self.workers, 1)
