"""Every compiled HumanEval prompt, completed with the language's placeholder body, is a syntactically valid
program for the real runtime. One sandboxed run per language checks them all (a driver loads each file); a
prompt left without a body rides along as a control that the driver does report errors."""

from __future__ import annotations

import re

import pytest
from language_helpers import require_runtime

from stages.languages import Untranslatable
from stages.languages.benchmark import compile_problem, humaneval_problems
from stages.languages.translate import parse_prompt
from stages.sandbox import default_sandbox

DRIVERS = {
    "python": (
        "check.py",
        ["{python}", "check.py"],
        "import sys\nfor f in sys.argv[1:] or open('files.txt').read().split():\n"
        "    try:\n        compile(open(f).read(), f, 'exec')\n"
        "    except SyntaxError as e:\n        print('BAD', f, e)\nprint('CHECKED')\n",
    ),
    "lua": (
        "check.lua",
        ["lua5.4", "check.lua"],
        "for f in io.open('files.txt'):read('a'):gmatch('%S+') do\n"
        "  local ok, err = loadfile(f)\n  if not ok then print('BAD ' .. f .. ' ' .. err) end\nend\nprint('CHECKED')\n",
    ),
    "racket": (
        "check.rkt",
        ["racket", "check.rkt"],
        "#lang racket/base\n(require racket/file racket/string)\n"
        '(for ([f (string-split (file->string "files.txt"))])\n'
        '  (with-handlers ([exn:fail? (lambda (e) (printf "BAD ~a ~a\\n" f (exn-message e)))])\n'
        '    (dynamic-require (build-path (current-directory) f) #f)))\n(displayln "CHECKED")\n',
    ),
    "r": (
        "check.r",
        ["Rscript", "check.r"],
        "for (f in scan('files.txt', what = '', quiet = TRUE)) tryCatch(parse(file = f),\n"
        "  error = function(e) cat('BAD', f, conditionMessage(e), '\\n'))\ncat('CHECKED\\n')\n",
    ),
}


@pytest.mark.parametrize("name", sorted(DRIVERS))
def test_every_prompt_with_a_trivial_body_is_valid(name: str) -> None:
    lang = require_runtime(name)
    files: dict[str, str] = {}
    for problem in humaneval_problems():
        try:
            row = compile_problem(lang, problem, doctests="transform", terminology="reworded").payload
        except Untranslatable:  # a dropped problem has no prompt to check
            continue
        signature = parse_prompt(problem.prompt, problem.entry_point).signature
        files[f"p{len(files):03d}.{lang.file_ext}"] = row["prompt"] + lang.placeholder_body(signature)
    assert len(files) >= 161
    control = f"broken.{lang.file_ext}"
    files[control] = row["prompt"] + "(\n"  # an unclosed parenthesis: must be reported
    driver, argv, source = DRIVERS[name]
    sandbox = default_sandbox()
    argv = [a.format(python=sandbox.params.python) for a in argv]
    limits = lang.limits(sandbox.params.limits).override(wall_s=120.0, cpu_s=120)
    raw = sandbox.run(argv, files={**files, driver: source, "files.txt": "\n".join(files)}, limits=limits)
    assert raw.exit_code == 0 and "CHECKED" in raw.stdout, raw.stderr
    bad = re.findall(r"^BAD (\S+)", raw.stdout, re.MULTILINE)
    assert bad == [control], raw.stdout[:1500]
