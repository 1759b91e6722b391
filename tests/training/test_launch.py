"""The shipped accelerate configs validate; a broken one fails before a node is booked."""

from __future__ import annotations

import pytest

from stages.params import ParamsError
from stages.training.launch import accelerate_command, configs, load_accelerate_config


@pytest.mark.parametrize("name", ["ddp", "fsdp", "zero3", "cpu"])
def test_shipped_configs_validate(name):
    paths = [p for p in configs() if p.endswith(f"/{name}.yaml")]
    assert paths, f"stages/training/accelerate/{name}.yaml is missing"
    raw = load_accelerate_config(paths[0])
    assert raw["num_processes"] >= 1
    command = accelerate_command(paths[0], 2, "job.json")
    assert command[-3:] == ["-m", "stages.training.worker", "job.json"]


@pytest.mark.parametrize(
    "text,message",
    [
        ("distributed_type: MULTI_GPU\nnum_processes: 2\nnum_procs: 2\n", "unexpected keyword|num_procs"),
        ("distributed_type: FSDP\nnum_processes: 2\n", "fsdp_state_dict_type"),
        ("distributed_type: DEEPSPEED\nnum_processes: 2\ndeepspeed_config: {zero_stage: 4}\n", "zero_stage"),
        ("distributed_type: MULTI_GPU\nnum_processes: 0\n", "num_processes"),
    ],
)
def test_broken_configs_fail_naming_the_problem(tmp_path, text, message):
    path = tmp_path / "bad.yaml"
    path.write_text("compute_environment: LOCAL_MACHINE\n" + text)
    with pytest.raises(ParamsError, match=message):
        load_accelerate_config(path)
