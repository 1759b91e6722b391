"""Render every params section as Markdown, from the dataclasses themselves (their field comments are the docs).

`python -m stages.readme` puts it between the PARAMS markers of the README; a test fails when the README falls
behind the dataclasses.
"""

from __future__ import annotations

import dataclasses
import inspect
import re

from stages.catalog import SECTIONS, section_class

BEGIN, END = "<!-- PARAMS:BEGIN -->", "<!-- PARAMS:END -->"
FIELD = re.compile(r"^\s*(\w+)\s*:\s*[^=]+?(?:=.*)?$")


def field_docs(cls: type) -> dict[str, str]:
    """Comment lines directly above each field, joined."""
    docs: dict[str, str] = {}
    pending: list[str] = []
    for line in inspect.getsource(cls).splitlines()[1:]:
        stripped = line.strip()
        if stripped.startswith("#"):
            pending.append(stripped.lstrip("#").strip())
            continue
        match = FIELD.match(line)
        if match and not stripped.startswith(("def ", "return", "@")):
            docs.setdefault(match.group(1), " ".join(pending))
        pending = []
    return docs


def render() -> str:
    out = []
    for name in SECTIONS:
        try:
            cls = section_class(name)
        except (ImportError, AttributeError):
            continue
        out.append(f"\n**`{name}`** ({cls.__module__}.{cls.__name__})\n")
        out.append("| key | default | meaning |")
        out.append("|---|---|---|")
        docs = field_docs(cls)
        for f in dataclasses.fields(cls):
            default = (
                f.default
                if f.default is not dataclasses.MISSING
                else (f.default_factory() if f.default_factory is not dataclasses.MISSING else "(required)")
            )
            shown = repr(dataclasses.asdict(default) if dataclasses.is_dataclass(default) else default)
            text = docs.get(f.name, "").replace("|", "\\|")
            out.append(f"| `{f.name}` | `{shown}` | {text} |")
    return "\n".join(out).strip() + "\n"


def main() -> None:
    print(render())


if __name__ == "__main__":
    main()
