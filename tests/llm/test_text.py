from __future__ import annotations

from stages.llm.text import cut_at_stop, extract_code


def test_fenced_block_is_taken_from_a_chatty_reply() -> None:
    reply = (
        "Sure! Here it is:\n```python\ndef f(x):\n    return x\n```\n\nThis returns x.\n```python\nf(1)\n```"
    )
    assert extract_code(reply) == "def f(x):\n    return x"


def test_reply_without_a_fence_is_kept_whole() -> None:
    assert extract_code("def f(x):\n    return x\n") == "def f(x):\n    return x\n"


def test_unterminated_fence_yields_the_rest_of_the_reply() -> None:
    assert extract_code("Code:\n```lua\nlocal x = 1\nreturn x") == "local x = 1\nreturn x"


def test_tilde_fence_and_longer_backtick_fence() -> None:
    assert extract_code("~~~\n(define x 1)\n~~~") == "(define x 1)"
    assert extract_code("````ocaml\nlet x = ```\n````\n") == "let x = ```"


def test_cut_at_the_earliest_stop_string() -> None:
    assert cut_at_stop("a\nlocal b\n\nfunction", ["\nfunction", "\nlocal"]) == ("a", True)
    assert cut_at_stop("no stop here", ["\n\n", ""]) == ("no stop here", False)
