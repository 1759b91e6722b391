"""Formatters: a source row -> one SFT example (prompt, completion), or the named reason it cannot be one.

Every example is a prompt-completion pair (TRL's prompt-completion format); the training text is
prompt + completion, and a recipe with completion-only loss masks the prompt. Whole-file causal-LM rows (MultiPL-T)
have an empty prompt, so one schema serves every format and an experiment may mix sources. TRL appends the EOS
token to every completion, so no formatter writes it.

Formats (the `fields` of a source rename the columns each one reads):
- `text`: a whole program as causal-LM text (MultiPL-T trains on the validated programs as files).
- `prompt_completion`: the two columns as they are (translate's `sft` view).
- `alpaca`: CodeM's Alpaca prompt around instruction (+ input), the response as completion.
- `chat`: the base model's chat template around instruction (+ input), the response as the assistant turn.
- `lintseq`: LintSeq's training text (instruction + "\\n<|diff|>" + edits + two empty diffs) split after the
  instruction, whose tokens the reference masks.
- `lintseq_baseline`: LintSeq's baseline, instruction + "\\n" + the whole program.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

# CodeM's training prompt (reference B3); the with-input variant is Alpaca's own.
ALPACA = (
    "Below is an instruction that describes a task. Write a response that appropriately completes the request."
    "\n\n### Instruction:\n{instruction}\n\n### Response:\n"
)
ALPACA_INPUT = (
    "Below is an instruction that describes a task, paired with an input that provides further context. Write a "
    "response that appropriately completes the request.\n\n### Instruction:\n{instruction}\n\n### Input:\n"
    "{input}\n\n### Response:\n"
)

# Drop reasons (funnel names).
EMPTY = "empty_text"
MISSING_FIELD = "missing_field"
TEXT_MISMATCH = "lintseq_text_mismatch"


@dataclass(frozen=True)
class Example:
    prompt: str
    completion: str
    # The clean program, for decontamination (the completion of an edit sequence is diff markup).
    program: str


class FormatError(ValueError):
    """A format cannot work with what it was given (a chat format on a model with no chat template)."""


Formatter = Callable[[Mapping[str, Any], Mapping[str, str], Any], "Example | str"]


def _get(row: Mapping[str, Any], fields: Mapping[str, str], name: str) -> str | None:
    value = row.get(fields[name])
    return None if value is None else str(value)


def text(row: Mapping[str, Any], fields: Mapping[str, str], tokenizer: Any) -> Example | str:
    body = _get(row, fields, "text")
    if body is None:
        return MISSING_FIELD
    if not body.strip():
        return EMPTY
    return Example("", body, body)


def prompt_completion(row: Mapping[str, Any], fields: Mapping[str, str], tokenizer: Any) -> Example | str:
    prompt, completion = _get(row, fields, "prompt"), _get(row, fields, "completion")
    if prompt is None or completion is None:
        return MISSING_FIELD
    if not completion.strip():
        return EMPTY
    return Example(prompt, completion, prompt + completion)


def _instruction(row: Mapping[str, Any], fields: Mapping[str, str]) -> tuple[str | None, str, str | None]:
    extra = _get(row, fields, "input") if fields.get("input") else None
    return _get(row, fields, "instruction"), (extra or "").strip(), _get(row, fields, "response")


def alpaca(row: Mapping[str, Any], fields: Mapping[str, str], tokenizer: Any) -> Example | str:
    instruction, extra, response = _instruction(row, fields)
    if instruction is None or response is None:
        return MISSING_FIELD
    if not response.strip():
        return EMPTY
    template = ALPACA_INPUT if extra else ALPACA
    return Example(template.format(instruction=instruction.strip(), input=extra), response, response)


def chat(row: Mapping[str, Any], fields: Mapping[str, str], tokenizer: Any) -> Example | str:
    instruction, extra, response = _instruction(row, fields)
    if instruction is None or response is None:
        return MISSING_FIELD
    if not response.strip():
        return EMPTY
    if not getattr(tokenizer, "chat_template", None):
        raise FormatError("format `chat` needs a base model with a chat template; this tokenizer has none")
    user = {"role": "user", "content": instruction.strip() + (f"\n\n{extra}" if extra else "")}
    prompt = tokenizer.apply_chat_template([user], tokenize=False, add_generation_prompt=True)
    full = tokenizer.apply_chat_template([user, {"role": "assistant", "content": response}], tokenize=False)
    if not full.startswith(prompt):
        raise FormatError("the chat template renders the prompt differently inside a conversation")
    return Example(prompt, full[len(prompt) :], response)


def lintseq(row: Mapping[str, Any], fields: Mapping[str, str], tokenizer: Any) -> Example | str:
    body, instruction = _get(row, fields, "text"), _get(row, fields, "instruction")
    if body is None or instruction is None:
        return MISSING_FIELD
    if not body.startswith(instruction):
        return TEXT_MISMATCH
    return Example(instruction, body[len(instruction) :], _get(row, fields, "program") or "")


def lintseq_baseline(row: Mapping[str, Any], fields: Mapping[str, str], tokenizer: Any) -> Example | str:
    instruction, _, response = _instruction(row, fields)
    if instruction is None or response is None:
        return MISSING_FIELD
    if not response.strip():
        return EMPTY
    return Example(instruction, "\n" + response, response)


@dataclass(frozen=True)
class Format:
    make: Formatter
    # Logical field -> default column ("split_key": the column whose hash picks the split, so the s edit
    # sequences of one program land in one split, beside that program's baseline row).
    fields: Mapping[str, str]


FORMATS: dict[str, Format] = {
    "text": Format(text, {"text": "program", "split_key": "id"}),
    "prompt_completion": Format(
        prompt_completion, {"prompt": "prompt", "completion": "completion", "split_key": "id"}
    ),
    "alpaca": Format(
        alpaca, {"instruction": "instruction", "input": "input", "response": "output", "split_key": "id"}
    ),
    "chat": Format(
        chat, {"instruction": "instruction", "input": "input", "response": "output", "split_key": "id"}
    ),
    "lintseq": Format(
        lintseq,
        {"text": "text", "instruction": "instruction", "program": "program", "split_key": "source_id"},
    ),
    "lintseq_baseline": Format(
        lintseq_baseline, {"instruction": "instruction", "response": "output", "split_key": "id"}
    ),
}
