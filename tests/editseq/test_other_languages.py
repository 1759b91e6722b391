"""LintSeq for Lua (luac5.4 + luacheck) and OCaml (ocamlc): the Python tests' properties over real code the
runtimes ship (Debian's luaunit.lua, whole; small OCaml stdlib modules, which compile alone as one unit), the
linters' parsing, comment lines, and the stage on Lua rows."""

from __future__ import annotations

from pathlib import Path

import pytest
from sequence_properties import ENCODE_SETTINGS, check_sequence

from stages.common import CommonParams
from stages.editseq import (
    linter_for,
)
from stages.editseq.languages import comment_lines
from stages.editseq.linters import Luacheck, MissingTool
from stages.editseq.task import encode
from stages.lintseq import LintSeqParams, LintSeqSource, run
from stages.records import Source, new_row, read_rows, write_rows
from stages.stage import Context

pytestmark = pytest.mark.runtime

LUAUNIT = Path("/usr/share/lua/5.4/luaunit.lua")
OCAML_STDLIB = Path("/usr/lib/ocaml")
# Small modules that type-check alone (the stdlib is opened as usual): records, variants, functors, exceptions.
OCAML_FILES = ("option.ml", "result.ml", "either.ml", "stack.ml", "queue.ml")

# A translation-like Lua program: global and local functions, a table, an upvalue, nested blocks.
LUA_PROGRAM = """\
local function is_prime(n)
    if n < 2 then
        return false
    end
    for d = 2, math.floor(math.sqrt(n)) do
        if n % d == 0 then
            return false
        end
    end
    return true
end

-- the primes below a bound
function primes_below(bound)
    local out = {}
    for n = 2, bound - 1 do
        if is_prime(n) then
            table.insert(out, n)
        end
    end
    return out
end

local count = #primes_below(30)
print(count, table.concat(primes_below(20), ","))"""


def test_luaunit_round_trips_with_luacheck():
    program = LUAUNIT.read_text(encoding="utf-8")
    assert check_sequence(program, "luacheck", 1, language="lua") > 3


@pytest.mark.parametrize("seed", range(4))
def test_a_translation_like_lua_program_round_trips(seed):
    assert check_sequence(LUA_PROGRAM, "luacheck", seed, language="lua") > 2


@pytest.mark.parametrize("name", OCAML_FILES)
def test_ocaml_stdlib_modules_round_trip(name):
    program = (OCAML_STDLIB / name).read_text(encoding="utf-8")
    assert not linter_for("ocaml").error_lines(program)
    assert check_sequence(program, "ocaml", 1, language="ocaml") > 3


def test_luacheck_counts_run_time_errors_only():
    lua = linter_for("luacheck")
    unused_and_globals = (
        "local unused = 1\nfunction helper(a) return a end\nos.exit = nil\nprint(helper(1))\n"
    )
    assert lua.error_lines(unused_and_globals) == set()
    # A program's inline options (`-- luacheck: ignore`) cannot silence its errors.
    failing = (
        "-- luacheck: ignore\nprint(undefined_name)\nlocal s = string.nope(1)\nmissing.k = 1\nprint(s)\n"
    )
    assert lua.error_lines(failing) == {2, 3, 4}
    # An unclosed block is blamed on its opener, not where the parser gave up.
    assert lua.error_lines("local function f()\n    return 1\n\nprint(2)\n") == {1}


def test_ocaml_counts_errors_not_warnings():
    ocaml = linter_for("ocaml")
    assert ocaml.error_lines("let f x = match x with\n  | 0 -> 1\nlet unused = 2\n") == set()
    assert ocaml.error_lines('let f x = x + 1\nlet g = f "a"\n') == {2}
    assert ocaml.error_lines("let h = (1 +\n  2\nlet k = 3\n") == {1}


def test_comment_lines_follow_the_language():
    lua = [
        "--[[ a",
        "long comment ]]",
        "local s = [==[",
        "text ]] still",
        "]==]",
        "-- note",
        "x = 1 -- trailing",
    ]
    assert comment_lines(lua, "lua") == {0, 1, 3, 4, 5}
    ocaml = ["(* a", "   nested (* c *) still", "*)", "let x = 1 (* trailing *)", "let y = 2"]
    assert comment_lines(ocaml, "ocaml") == {0, 1, 2}
    assert comment_lines(["# c", "x = 1  # t", "-- not"], "python") == {0}


def test_a_missing_tool_names_its_debian_package(monkeypatch):
    monkeypatch.setattr("stages.editseq.linters.shutil.which", lambda command: None)
    with pytest.raises(MissingTool, match="lua5.4|lua-check"):
        Luacheck()


SETTINGS = ENCODE_SETTINGS


def test_encode_uses_the_languages_checker():
    lua = encode(
        {"id": "r", "program": f"```lua\n{LUA_PROGRAM}\n```", "instruction": "", "language": "lua"}, SETTINGS
    )
    assert [(s["language"], s["linter"]) for s in lua["sequences"]] == [("lua", "luacheck")] * 2
    broken = {
        "id": "b",
        "program": "local function f(\n  return 1\nend\n",
        "instruction": "",
        "language": "lua",
    }
    assert encode(broken, SETTINGS) == {"drop": "syntax_error"}
    ocaml = {"id": "o", "program": "let f x =\n  x +\n", "instruction": "", "language": "ocaml"}
    assert encode(ocaml, SETTINGS) == {"drop": "syntax_error"}


def test_the_stage_writes_lua_rows(tmp_path):
    src = Source(dataset="translations", path="lua")
    rows = [
        new_row({"prompt": "primes", "code": LUA_PROGRAM}, stage="s", source=src),
        new_row({"prompt": "broken", "code": "if x then\n"}, stage="s", source=src),
    ]
    write_rows(tmp_path / "lua", rows)
    out = tmp_path / "out"
    params = LintSeqParams(
        sources=(
            LintSeqSource(rows=str(tmp_path / "lua"), program="code", instruction="prompt", language="lua"),
        ),
        s=2,
        out_dir=str(out),
        funnel=str(out / "funnel.json"),
        plot=str(out / "plot.json"),
    )
    funnel = run(params, Context(common=CommonParams(cache_dir=str(tmp_path / "cache"), workers=1)))
    assert (funnel.rows_in, funnel.rows_out, dict(funnel.dropped)) == (2, 1, {"syntax_error": 1})
    written = list(read_rows(out))
    assert len(written) == 2
    assert {(r["language"], r["linter"], r["source_id"]) for r in written} == {
        ("lua", "luacheck", rows[0]["id"])
    }
