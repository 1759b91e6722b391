"""Runs the reference LintSeq (PyPI `pylintseq`) on chunks of programs, for benchmarks/bench_lintseq.py.

Runs inside the reference's own venv (the benchmark builds it), never ours: reads one JSON list of programs per
stdin line and answers one JSON line per chunk: the seconds the chunk took, and per program its edit count
(None where the reference returns no path) and its pylint runs. Each program goes through what the reference's
CLI (`pylintseq.generate.subprocess_task`) does per sample, with its production settings: strip the chain of
thought, backward-sample one path, inflate it into diffs. Seeded once per process, as the CLI is.

    <reference venv>/bin/python benchmarks/lintseq_reference.py SEED
"""

import json
import os
import sys
import time


def main() -> None:
    answers = os.fdopen(os.dup(1), "w")  # pylint's output goes to stderr, never into the answers
    sys.stdout = sys.stderr
    from pylintseq import utils

    linted = 0
    file_linter = utils.file_linter

    def counted(*args, **kwargs):  # type: ignore[no-untyped-def]
        nonlocal linted
        linted += 1
        return file_linter(*args, **kwargs)

    utils.file_linter = counted  # looked up as a module global on each call
    utils.set_seed_everywhere(int(sys.argv[1]))
    for line in sys.stdin:
        edits: list[int | None] = []
        calls: list[int] = []
        start = time.perf_counter()
        for program in json.loads(line):
            linted = 0
            code = utils.strip_chain_of_thought(program)
            path = utils.lintseq_backward_sampling_pythonic(
                code,
                children_per_round=1,
                top_k=1,
                max_population_size=1,
                max_depth=512,
                indent_bias_sampling_factor=1,
                ignore_imports=False,
                ignore_comments=True,
                ignore_global_defs=True,
                ignore_init_errors=False,
            )
            edits.append(None if path is None else len(utils.inflate_edit_path(code, path[0][0])[1]))
            calls.append(linted)
        seconds = time.perf_counter() - start
        answers.write(json.dumps({"seconds": seconds, "edits": edits, "calls": calls}) + "\n")
        answers.flush()


if __name__ == "__main__":
    main()
