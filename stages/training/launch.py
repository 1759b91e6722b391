"""Launching a training job: in this process, or under `accelerate launch` with a config file.

The config files (stages/training/accelerate/: ddp, fsdp, zero3, cpu) are validated here by accelerate's own
loader (an unknown key fails) plus the checks accelerate defers to launch time (an FSDP config without its
section, a ZeRO stage that does not exist), so a broken config fails before a node is booked.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import yaml

from stages.checks import ParamsError

CONFIG_DIR = Path(__file__).parent / "accelerate"
DISTRIBUTED = ("NO", "MULTI_GPU", "MULTI_CPU", "FSDP", "DEEPSPEED")


def load_accelerate_config(path: str | Path) -> dict[str, Any]:
    """The config as a mapping, after accelerate's loader accepted it and the section checks passed."""
    from accelerate.commands.config.config_args import load_config_from_file

    path = Path(path)
    if not path.is_file():
        raise ParamsError(f"accelerate config {path} does not exist; shipped: {', '.join(configs())}")
    try:
        load_config_from_file(str(path))
    except (TypeError, ValueError) as exc:
        raise ParamsError(f"accelerate config {path}: {exc}") from None
    raw = yaml.safe_load(path.read_text())
    kind = raw.get("distributed_type")
    if kind not in DISTRIBUTED:
        raise ParamsError(f"accelerate config {path}: distributed_type {kind!r} is not one of {DISTRIBUTED}")
    if not isinstance(raw.get("num_processes"), int) or raw["num_processes"] < 1:
        raise ParamsError(f"accelerate config {path}: num_processes must be a positive integer")
    if kind == "FSDP":
        fsdp = raw.get("fsdp_config") or {}
        if fsdp.get("fsdp_version", 1) not in (1, 2):
            raise ParamsError(f"accelerate config {path}: fsdp_config.fsdp_version must be 1 or 2")
        if fsdp.get("fsdp_state_dict_type") not in ("FULL_STATE_DICT", "SHARDED_STATE_DICT"):
            raise ParamsError(f"accelerate config {path}: fsdp_config.fsdp_state_dict_type must be set")
    if kind == "DEEPSPEED":
        stage = (raw.get("deepspeed_config") or {}).get("zero_stage")
        if stage not in (0, 1, 2, 3):
            raise ParamsError(
                f"accelerate config {path}: deepspeed_config.zero_stage must be 0-3, got {stage!r}"
            )
    return raw


def configs() -> list[str]:
    return sorted(str(p) for p in CONFIG_DIR.glob("*.yaml"))


def world_size(launcher: str, config: str, num_processes: int) -> int:
    if launcher == "python":
        return 1
    return num_processes or int(load_accelerate_config(config)["num_processes"])


def accelerate_command(config: str, num_processes: int, job: str | Path) -> list[str]:
    """`accelerate launch` of the worker on `job`, with this interpreter (no activated environment needed)."""
    load_accelerate_config(config)  # fail here, naming the problem, rather than inside the launcher
    command = [sys.executable, "-m", "accelerate.commands.launch", "--config_file", str(config)]
    if num_processes:
        command += ["--num_processes", str(num_processes)]
    return [*command, "-m", "stages.training.worker", str(job)]
