"""The three prompt formats and the rule that turns an answer into the program that runs."""

from __future__ import annotations

from stages.editseq.diffs import training_text
from stages.evaluation.prompts import ALPACA, assemble, make_prompt, program

PYTHON = {
    "name": "HumanEval_23_strlen",
    "prompt": 'def strlen(string: str) -> int:\n    """ Return length of given string\n    >>> strlen(\'\')\n    0\n    """\n',
    "tests": "def check(candidate):\n    assert candidate('abc') == 3\n\ncheck(strlen)\n",
    "stop_tokens": ["\ndef", "\n#", "\nif", "\nclass", "\nprint"],
}
LUA = {
    "name": "HumanEval_23_strlen",
    "prompt": "-- Return length of given string\n-- >>> strlen('')\n-- 0\nlocal function strlen(string)\n",
    "tests": "lu = require('luaunit')\n",
    "stop_tokens": ["\nlocal", "\nfunction", "\n--", "\n\n"],
}


def test_completion_is_multipl_e() -> None:
    prompt = make_prompt(LUA, "lua", "completion", "alpaca")
    assert (prompt.text, prompt.chat, prompt.stop) == (LUA["prompt"], False, tuple(LUA["stop_tokens"]))
    body = "    return #string\nend"
    assert program(LUA, "completion", "alpaca", body) == LUA["prompt"] + body + "\n" + LUA["tests"]


def test_alpaca_instruction_prefills_the_signature() -> None:
    prompt = make_prompt(LUA, "lua", "instruction", "alpaca")
    instruction = "Complete the Lua code for this problem:\n" + LUA["prompt"].rstrip()
    assert prompt.text == ALPACA.format(instruction=instruction) + LUA["prompt"]
    assert "\n### " in prompt.stop and "\nlocal" in prompt.stop
    assert "\n```" in prompt.stop  # instruct models close the block they believe the prefill opened
    assert (
        program(LUA, "instruction", "alpaca", "  return 1\nend")
        == LUA["prompt"] + "  return 1\nend\n" + LUA["tests"]
    )


def test_chat_instruction_is_a_user_message_without_stops() -> None:
    prompt = make_prompt(PYTHON, "python", "instruction", "chat")
    assert prompt.chat and prompt.stop == ()
    assert prompt.text.startswith("Complete the Python code for this problem:\ndef strlen(")


def test_code_that_defines_the_function_replaces_the_prompt() -> None:
    whole = "def strlen(s):\n    return len(s)\n"
    assert assemble(PYTHON, whole) == whole + PYTHON["tests"]
    lua_whole = "local function strlen(s)\n  return #s\nend"
    # the lines before the signature (here the description) stay
    assert assemble(LUA, lua_whole).startswith(
        "-- Return length of given string\n-- >>> strlen('')\n-- 0\nlocal function strlen(s)"
    )


def test_code_without_the_definition_is_the_body() -> None:
    body = "    return len(string)\n"
    assert assemble(PYTHON, body) == PYTHON["prompt"] + body + "\n" + PYTHON["tests"]


def test_edit_sequences_are_decoded_and_empty_ones_run_nothing() -> None:
    prompt = make_prompt(PYTHON, "python", "edit_sequence", "alpaca")
    assert prompt.text.endswith("\n<|diff|>") and prompt.stop == () and not prompt.chat
    edits = ["@@ -0,0 +1 @@\n+def strlen(s):", "@@ -1,0 +2 @@\n+    return len(s)"]
    answer = training_text("", edits)  # what the model writes after the prompt
    assert (
        program(PYTHON, "edit_sequence", "alpaca", answer)
        == "def strlen(s):\n    return len(s)\n" + PYTHON["tests"]
    )
    assert program(PYTHON, "edit_sequence", "alpaca", "no diff here") is None


def test_a_plain_reply_is_cut_to_its_code() -> None:
    body = "    return len(string)\n"
    expected = PYTHON["prompt"] + body.rstrip("\n") + "\n" + PYTHON["tests"]
    # the body, then a closing fence and prose (the model continues as if inside a block)
    closed = body + "\n\n```\n\nThis returns the length.\n"
    assert program(PYTHON, "instruction", "plain", closed) == expected
    # a whole fenced answer: its block, placed by `assemble`
    fenced = "Here it is:\n```python\ndef strlen(s):\n    return len(s)\n```\nDone.\n"
    assert (
        program(PYTHON, "instruction", "plain", fenced)
        == "def strlen(s):\n    return len(s)\n" + PYTHON["tests"]
    )
    # a closing fence, then an example block: still the code before the first fence
    example = closed + "Example:\n```python\nprint(strlen('ab'))\n```\n"
    assert program(PYTHON, "instruction", "plain", example) == expected
    # no fence at all: the reply as it is
    assert program(PYTHON, "instruction", "plain", body) == PYTHON["prompt"] + body + "\n" + PYTHON["tests"]
