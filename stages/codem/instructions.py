"""A validated translation -> a CodeM instruction row: the function's contract in prose, the LANG program as answer.

The instruction is what a person could have asked for: the Python docstring (the translation's prompt carries it
only as LANG comments), the function's name and the language, in the wording `extract_instructions` uses for
Python functions. The response is the validated program (clean prompt + completion, cut before the harness), so a
model trained on it writes the signature too, which the Alpaca evaluation template pre-fills.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from stages.languages import display_name  # the names the evaluation's instructions use too
from stages.records import Funnel, child_row

KIND = "codem_translation"
# Drop reasons (funnel names).
NO_PARENT = "no_tested_parent"  # the tested function the translation came from is not in the tested rows
NO_DOCSTRING = "no_docstring"
EMPTY_PROGRAM = "empty_program"


def instruction(docstring: str, name: str, language: str) -> str:
    return f"{docstring.strip()}\n\nWrite this as a function in {display_name(language)}, named `{name}`."


def why_dropped(row: Mapping[str, Any], parents: Mapping[str, Mapping[str, Any]]) -> str | None:
    parent = parents.get(str(row.get("lineage", {}).get("parent_id")))
    if parent is None:
        return NO_PARENT
    if not str(parent.get("docstring") or "").strip():
        return NO_DOCSTRING
    if not str(row.get("program") or "").strip():
        return EMPTY_PROGRAM
    return None


def instruction_rows(
    translations: Iterable[dict[str, Any]],
    parents: Mapping[str, Mapping[str, Any]],
    language: str,
    funnel: Funnel,
    stage: str,
) -> Iterator[dict[str, Any]]:
    """One instruction row per translation whose tested parent has a docstring; the others dropped by reason."""
    for row in funnel.sift(translations, lambda r: why_dropped(r, parents)):
        parent = parents[row["lineage"]["parent_id"]]
        payload = {
            "instruction": instruction(str(parent["docstring"]), str(row["name"]), language),
            "input": "",
            "output": str(row["program"]).rstrip() + "\n",
            "language": language,
            "kind": KIND,
        }
        yield child_row(row, payload, stage=stage)
