"""`python -m stages.training.worker JOB.json`: one training process (of one, or of each rank under
`accelerate launch`). The train stage writes the job and starts this; tests start it directly."""

from __future__ import annotations

import sys

from stages.stage import setup_logging
from stages.training.job import Job
from stages.training.trainer import train


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        raise SystemExit("usage: python -m stages.training.worker JOB.json")
    setup_logging()
    train(Job.read(args[0]))


if __name__ == "__main__":
    main()
