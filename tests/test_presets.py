"""Presets validate section by section and build every component they name (a typo cannot hide there)."""

from pathlib import Path

import pytest

from stages.catalog import section_class
from stages.params import build, read_yaml
from stages.presets import merge

ROOT = Path(__file__).resolve().parents[1]
PRESETS = sorted((ROOT / "params").glob("*.yaml"))


def merged(preset: Path) -> dict:
    data = read_yaml(ROOT / "params.yaml")
    merge(data, read_yaml(preset))
    return data


@pytest.mark.parametrize("preset", PRESETS, ids=[p.stem for p in PRESETS])
def test_preset_validates_every_section(preset):
    overrides = read_yaml(preset)
    sections = {name: build(section_class(name), raw, where=name) for name, raw in merged(preset).items()}
    assert set(overrides) <= set(sections)


def test_gpu_preset_names_real_components():
    from stages.llm.registry import backend_class

    sections = {
        name: build(section_class(name), raw, where=name)
        for name, raw in merged(ROOT / "params/gpu.yaml").items()
    }
    assert sections["model"].spec("base").source == "hub" and sections["model"].spec("base").path
    assert sections["llm"].backend == "vllm"
    assert backend_class(sections["llm"].backend).__name__ == "VLLMBackend"
    assert sections["extract"].source.kind == "hf"
