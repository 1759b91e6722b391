"""The one stage pattern. Every module that dvc.yaml runs (`scripts/stage NAME`) has the same three parts:

    @dataclass(frozen=True)
    class ExampleParams:                  # its params.yaml section, validated at load
        input_dir: str = "data/in"        # every path the stage reads and writes is a field
        out_dir: str = "data/out"
        funnel: str = "reports/funnel/example.json"

        def reads(self) -> list[str]:     # what dvc.yaml lists as its data deps ...
            return [self.input_dir]

        def writes(self) -> list[str]:    # ... and as its outs (tests/test_stage_pattern.py checks both)
            return [self.out_dir, self.funnel]

    def run(params: ExampleParams, ctx: Context) -> Funnel:
        funnel = Funnel("example")        # rows kept, or dropped under a named reason (Funnel.sift)
        ...                               # write the outputs; a test calls run() directly
        return funnel

and one line in `stages/catalog.py` STAGES: `Stage("example", "example", "stages.example:ExampleParams",
"stages.example:run")`, which `scripts/stage example` reads to load the params and run it (`stage_main`).

Stage modules import libraries (stages/records, stages/llm, ...); libraries never import stage modules.
"""

from __future__ import annotations

import logging
import os
import sys
from dataclasses import dataclass, field

from stages.common import CommonParams
from stages.llm.config import LLMParams
from stages.params import DEFAULT_PARAMS, load_section
from stages.sandbox.limits import SandboxParams

LOG_FORMAT = "%(asctime)s %(name)s %(levelname)s %(message)s"


@dataclass(frozen=True)
class Context:
    """The sections every stage may use beside its own: shared settings, the model backend, the sandbox."""

    common: CommonParams = field(default_factory=CommonParams)
    llm: LLMParams = field(default_factory=LLMParams)
    sandbox: SandboxParams = field(default_factory=SandboxParams)

    @classmethod
    def load(cls, path: str | os.PathLike[str] = DEFAULT_PARAMS) -> Context:
        return cls(
            common=load_section("common", CommonParams, path),
            llm=load_section("llm", LLMParams, path),
            sandbox=load_section("sandbox", SandboxParams, path),
        )


def setup_logging(level: int = logging.INFO) -> None:
    """One format for every stage's log (DVC shows it as the stage runs)."""
    logging.basicConfig(level=level, format=LOG_FORMAT, stream=sys.stderr, force=True)
