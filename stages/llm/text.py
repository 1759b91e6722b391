"""Turning a model's reply into code: fenced-block extraction for chat replies, then stop strings."""

from __future__ import annotations

import re

# An opening fence: three or more backticks or tildes, an optional info string (language), end of line.
_OPEN = re.compile(r"^[ \t]*(?P<fence>`{3,}|~{3,})[ \t]*[\w+#.-]*[^\n`]*\n", re.MULTILINE)


def extract_code(reply: str) -> str:
    """The code in a chat reply: the first fenced block's body when the reply has one, else the reply itself.

    A block left open (the reply hit max_tokens inside it) yields everything after its opening fence.
    """
    opening = _OPEN.search(reply)
    if opening is None:
        return reply
    fence = opening.group("fence")
    body_start = opening.end()
    closing = re.compile(rf"^[ \t]*{re.escape(fence[0])}{{{len(fence)},}}[ \t]*$", re.MULTILINE)
    end = closing.search(reply, body_start)
    body = reply[body_start : end.start() if end else len(reply)]
    return body[:-1] if body.endswith("\n") else body


def cut_at_stop(text: str, stop: list[str] | tuple[str, ...]) -> tuple[str, bool]:
    """Text before the earliest stop string, and whether one was found."""
    cut = len(text)
    for s in stop:
        if s:
            at = text.find(s)
            if 0 <= at < cut:
                cut = at
    return text[:cut], cut < len(text)
