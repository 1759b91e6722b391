"""The three prompt formats and how each answer becomes the program that runs.

- `completion`: MultiPL-E. The model continues the benchmark prompt and stops at the language's stop tokens; the
  program is prompt + completion + "\\n" + tests.
- `instruction`: CodeM's inference prompt, "Complete the LANG code for this problem:" + the benchmark prompt.
  With `template: alpaca` the Alpaca response is pre-filled with the benchmark prompt (so with the signature) and
  the model continues the body, cut at the stop tokens, the next `### ` section or a closing fence; the program
  is built as for `completion`. With
  `template: chat` the instruction is the user message of the model's chat template; the code is the reply's
  first fenced block (else the whole reply), and is placed by `assemble`. With `template: plain` (LintSeq's
  baseline, trained on instruction + "\\n" + the whole program) the prompt is the instruction + "\\n", the model
  writes until EOS (no stop strings, as the edit-sequence model); the code is the reply's first fenced block, or
  what precedes a lone closing fence, or the whole reply (`reply_code`), placed by `assemble`.
- `edit_sequence`: LintSeq. The instruction + "\\n<|diff|>"; the model writes insert-only diffs until EOS (no
  stop strings); `stages.editseq.apply_edits` rebuilds the program, placed by `assemble`. An answer that decodes
  to nothing runs nothing and counts as `Undecodable`.

`assemble` (the stated rule for code written outside the prompt): when the code itself defines the function
(a line of it starts like the prompt's signature line up to the function's name), the program is the prompt's
lines before the signature (imports, an enclosing class head) + the code + tests; otherwise the code is taken as
the body, prompt + code + tests.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from stages.editseq.diffs import SEPARATOR, apply_edits
from stages.languages import display_name
from stages.llm.text import extract_code
from stages.training.formats import ALPACA  # the template the CodeM experiments are trained in

# Any fence line, opening (with or without an info string) or closing.
FENCE_LINE = re.compile(r"^[ \t]*(`{3,}|~{3,})[^\n]*$", re.MULTILINE)
FORMATS = ("completion", "instruction", "edit_sequence")
TEMPLATES = ("alpaca", "chat", "plain")
UNDECODABLE = "Undecodable"
TEMPLATE_VERSION = (
    "eval-prompts-1"  # part of every completion's cache key: bump when a prompt's wording changes
)


@dataclass(frozen=True)
class Prompt:
    text: str  # what the model continues, or the user message when `chat`
    chat: bool
    stop: tuple[str, ...]


def instruction(problem: dict[str, Any], language: str) -> str:
    return f"Complete the {display_name(language)} code for this problem:\n{problem['prompt'].rstrip()}"


def make_prompt(problem: dict[str, Any], language: str, fmt: str, template: str) -> Prompt:
    stop = tuple(problem["stop_tokens"])
    if fmt == "completion":
        return Prompt(problem["prompt"], False, stop)
    if fmt == "edit_sequence":
        return Prompt(instruction(problem, language) + SEPARATOR, False, ())
    if template == "chat":
        return Prompt(instruction(problem, language), True, ())
    if template == "plain":
        return Prompt(instruction(problem, language) + "\n", False, ())
    prefilled = ALPACA.format(instruction=instruction(problem, language)) + problem["prompt"]
    # Besides the language's stops: the next Alpaca section, and a closing fence (instruct models answer in a
    # fenced block, and continue the pre-filled code as if inside one).
    return Prompt(prefilled, False, (*stop, "\n### ", "\n```"))


def program(problem: dict[str, Any], fmt: str, template: str, completion: str) -> str | None:
    """The program to run for one answer, or None when an edit sequence decodes to nothing."""
    if fmt == "completion" or (fmt == "instruction" and template == "alpaca"):
        return problem["prompt"] + completion + "\n" + problem["tests"]
    code = completion
    if fmt == "edit_sequence":
        code = apply_edits(completion).program
        if not code.strip():
            return None
    elif template == "plain":
        code = reply_code(completion)
    return assemble(problem, code)


def reply_code(reply: str) -> str:
    """The code of a reply written without a chat template. Its fence lines pair up as blocks unless one of
    them closes a block the reply never opened (a model that believes itself inside one): with an odd number
    of fence lines the first is that closing fence, and the code is what precedes it; otherwise the code is the
    first fenced block (`extract_code`), or the whole reply when it has no fence."""
    fences = list(FENCE_LINE.finditer(reply))
    if len(fences) % 2:
        return reply[: fences[0].start()].rstrip("\n")
    return extract_code(reply)


def assemble(problem: dict[str, Any], code: str) -> str:
    prompt, tests = problem["prompt"], problem["tests"]
    lines = prompt.rstrip("\n").split("\n")
    at, head = _signature(problem, lines)
    if any(line.strip().startswith(head) for line in code.split("\n")):
        before = "\n".join(lines[:at])
        return (before + "\n" if before else "") + code.rstrip("\n") + "\n" + tests
    return prompt + code + "\n" + tests


def _signature(problem: dict[str, Any], lines: list[str]) -> tuple[int, str]:
    """(index of the prompt's signature line, that line up to the function's name). MultiPL-E prompts end with
    the signature, except Python's, whose docstring follows its `def` line."""
    parts = problem["name"].split("_", 2)  # HumanEval_<i>_<name>, mbpp_<i>_<name>
    name = parts[2] if len(parts) == 3 else problem["name"]
    at = len(lines) - 1
    if name not in lines[at]:
        at = next((i for i, line in enumerate(lines) if name in line), at)
    line = lines[at].strip()
    found = line.find(name)
    return at, line[: found + len(name)] if found >= 0 else line
