"""Problems that need more than the language's core, each with a reference completion that meets the need the
way a program must (from inside the function body: a completion cannot add an import or an #include above it).

The oracle's lookup table passes any problem whose tests agree, so it cannot see a runtime need; the oracle also
runs these references in the sandbox, and a problem whose reference fails there is dropped as `reference_failed`
with the need named, not counted as passable. HumanEval/162 (md5):

- JavaScript and TypeScript: Node's built-in `crypto` module, present in the sandbox (an npm package such as
  `js-md5` is not: programs run with no node_modules, as MultiPL-E's do).
- C++: libcrypto's MD5. MultiPL-E's command (`g++ -std=c++17`, no `-lcrypto`) does not link it, so the reference
  fails to link and the problem is dropped for C++; only a hand-written md5 could pass it there.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Need:
    what: str  # the need, as a drop names it
    completion: str  # a reference completion (MultiPL-E's unit: what follows the prompt) that uses it


_NODE_MD5 = "  if (text === '') return undefined;\n  return require('crypto').createHash('md5').update(text).digest('hex');\n}\n"

NEEDS: dict[str, dict[str, Need]] = {
    "javascript": {"HumanEval_162": Need("md5 from Node's built-in crypto module", _NODE_MD5)},
    "typescript": {"HumanEval_162": Need("md5 from Node's built-in crypto module", _NODE_MD5)},
    "cpp": {
        "HumanEval_162": Need(
            "md5 from OpenSSL's libcrypto, which MultiPL-E's g++ command does not link (no -lcrypto)",
            "  if (text.empty()) return std::nullopt;\n"
            '  extern unsigned char *md5(const unsigned char *, unsigned long, unsigned char *) asm("MD5");\n'
            "  unsigned char digest[16];\n"
            "  md5(reinterpret_cast<const unsigned char *>(text.data()), text.size(), digest);\n"
            "  std::string hex;\n"
            "  for (unsigned char b : digest) {\n"
            '    hex += "0123456789abcdef"[b >> 4];\n'
            '    hex += "0123456789abcdef"[b & 15];\n'
            "  }\n"
            "  return hex;\n",  # MultiPL-E's C++ tests close the function
        )
    },
}


def short_name(name: str) -> str:
    """`HumanEval_162_string_to_md5` -> `HumanEval_162`."""
    parts = name.split("_")
    return "_".join(parts[:2]) if len(parts) >= 2 and parts[1].isdigit() else name


def need_of(language: str, name: str) -> Need | None:
    """The runtime need of a compiled problem (by row name) in `language`, if it has one."""
    return NEEDS.get(language, {}).get(short_name(name))
