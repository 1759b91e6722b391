"""The MultiPL-T test-generation prompt, raw (completion) and chat variants.

Raw: the function, a blank line, `# Unit tests for NAME`, two rule comments, then `assert NAME(` for the model to
continue. Chat: the same function and rules as a user message; the reply's code block is parsed.
Bump a version whenever its template text changes: the version is part of every completion's cache key.
"""

from __future__ import annotations

RAW_VERSION = "multipl-t-raw-v1"
CHAT_VERSION = "multipl-t-chat-v1"


def rules(name: str) -> list[str]:
    return [
        f"# Tests must be strictly of the form: assert {name}(...) == ...",
        "# Do not use keyword arguments.",
    ]


def raw_prompt(code: str, name: str) -> str:
    """Ends with an open `assert NAME(`: the completion is read as its continuation."""
    lines = [code.rstrip("\n"), "", f"# Unit tests for {name}", *rules(name), f"assert {name}("]
    return "\n".join(lines)


def chat_prompt(code: str, name: str) -> str:
    return (
        f"Write unit tests for the Python function `{name}` below, as a Python code block of lines of the form "
        f"`assert {name}(...) == ...` (at least five, no keyword arguments, nothing else).\n\n"
        f"```python\n{code.rstrip()}\n```"
    )


def prompt_for(code: str, name: str, chat: bool) -> tuple[str, str]:
    """(prompt, template version)."""
    return (chat_prompt(code, name), CHAT_VERSION) if chat else (raw_prompt(code, name), RAW_VERSION)


def completion_text(completion: str, name: str, chat: bool) -> str:
    """The Python text to parse asserts from: a raw completion continues the open `assert NAME(`."""
    return completion if chat else f"assert {name}({completion}"
