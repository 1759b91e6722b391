"""LintSeq's baseline is evaluated the way it was trained: instruction + "\\n", then a whole program until EOS."""

from __future__ import annotations

from stages.evaluation.prompts import instruction, make_prompt, program
from stages.training.formats import lintseq_baseline

PYTHON = {
    "name": "HumanEval_23_strlen",
    "prompt": 'def strlen(string: str) -> int:\n    """ Return length of given string\n    """\n',
    "tests": "def check(candidate):\n    assert candidate('abc') == 3\n\ncheck(strlen)\n",
    "stop_tokens": ["\ndef", "\n#", "\nif", "\nclass", "\nprint"],
}


def test_plain_prompt_is_the_baseline_training_prefix() -> None:
    prompt = make_prompt(PYTHON, "python", "instruction", "plain")
    assert (prompt.text, prompt.chat, prompt.stop) == (instruction(PYTHON, "python") + "\n", False, ())
    # the training example of the same instruction starts the completion where the prompt ends
    trained = lintseq_baseline(
        {"instruction": "x", "output": "def f():\n    pass\n"},
        {"instruction": "instruction", "response": "output"},
        None,
    )
    assert trained.completion.startswith("\n") and not trained.prompt.endswith("\n")


def test_plain_answer_that_defines_the_function_replaces_the_stub() -> None:
    answer = "def strlen(string: str) -> int:\n    return len(string)\n"
    assert program(PYTHON, "instruction", "plain", answer) == answer + PYTHON["tests"]
    body = "    return len(string)\n"
    assert program(PYTHON, "instruction", "plain", body) == PYTHON["prompt"] + body + "\n" + PYTHON["tests"]
