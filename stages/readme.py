"""Refresh the generated blocks of README.md: the params tables (from the dataclasses), the graph (`dvc dag
--mermaid`) and the funnel of the last run (reports/funnel.md, written by the `report` stage).

    .venv/bin/python -m stages.readme   # rewrites README.md in place
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from stages.params_doc import render
from stages.records.io import write_text


def replace_block(text: str, name: str, body: str) -> str:
    begin, end = f"<!-- {name}:BEGIN -->", f"<!-- {name}:END -->"
    if begin not in text or end not in text:
        raise ValueError(f"README lacks the {begin} ... {end} markers")
    pattern = re.compile(re.escape(begin) + ".*?" + re.escape(end), re.S)
    return pattern.sub(lambda _: f"{begin}\n{body.strip()}\n{end}", text)


def dag_mermaid() -> str:
    dvc = Path(sys.executable).with_name("dvc")
    out = subprocess.run([str(dvc), "dag", "--mermaid"], capture_output=True, text=True, check=True).stdout
    return f"```mermaid\n{out.strip()}\n```"


def main() -> None:
    readme = Path("README.md")
    text = replace_block(readme.read_text(), "PARAMS", render())
    text = replace_block(text, "DAG", dag_mermaid())
    funnel = Path("reports/funnel.md")
    if funnel.exists():
        text = replace_block(text, "FUNNEL", funnel.read_text())
    write_text(readme, text)
    print("README.md refreshed")


if __name__ == "__main__":
    main()
