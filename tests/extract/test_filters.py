import shutil
import sys
from pathlib import Path

import pytest

from stages.extract.filters import (
    BANNED_WORD,
    BLACKLISTED_MODULE,
    LICENSE_MISSING,
    LICENSE_NOT_ALLOWED,
    NO_RETURN_VALUE,
    NON_STDLIB_IMPORT,
    NOT_ASCII,
    TOO_FEW_ARGS,
    TOO_FEW_LINES,
    TOO_LONG,
    TOO_MANY_LINES,
    UNDEFINED_NAMES,
    FilterParams,
    PyrightCheck,
    PyrightMissing,
    build_filters,
    first_failure,
    undefined_names,
)
from stages.extract.functions import candidates
from stages.params import ParamsError, build

GOOD = '''\
def clamp(x, lo, hi):
    """Clamp x into [lo, hi]."""
    return max(lo, min(x, hi))
'''


DEFAULTS = FilterParams()


def reason(source, params=DEFAULTS, licenses=None, name=None):
    found = {c.name: c for c in candidates(source)}
    candidate = found[name] if name else next(iter(found.values()))
    return first_failure(build_filters(params), candidate, licenses)


def test_a_good_function_passes_every_default_filter():
    assert reason(GOOD) is None


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ('def f(x):\n    """Caf\u00e9."""\n    return x\n', NOT_ASCII),
        ('def f():\n    """No args."""\n    return 1\n', TOO_FEW_ARGS),
        (
            'def f(*, key):\n    """Keyword-only cannot be called positionally."""\n    return key\n',
            TOO_FEW_ARGS,
        ),
        ('def f(x):\n    """Prints."""\n    print(x)\n', NO_RETURN_VALUE),
        ('def f(x):\n    """Doc."""\n    # todo: handle negatives\n    return x\n', BANNED_WORD),
        ('def f(x):\n    """Doc."""\n    return x  # FIXME\n', BANNED_WORD),
        ('def f(x):\n    """Doc."""\n    return undefined_helper(x)\n', UNDEFINED_NAMES),
        ('import numpy\n\n\ndef f(x):\n    """Doc."""\n    return numpy.sum(x)\n', NON_STDLIB_IMPORT),
        ("def f(x): return x\n", None),  # no docstring: not even a candidate (checked below)
    ],
)
def test_each_filter_drops_with_its_named_reason(source, expected):
    if expected is None:
        assert candidates(source) == []
    else:
        assert reason(source) == expected


def test_banned_words_match_whole_words_only():
    assert reason('def f(todos):\n    """Count todos."""\n    return len(todos)\n') is None


def test_line_and_size_bounds():
    long_body = "".join(f"    x = x + {i}\n" for i in range(40))
    assert reason(f'def f(x):\n    """Doc."""\n{long_body}    return x\n') == TOO_MANY_LINES
    params = FilterParams(min_lines=5)
    assert reason(GOOD, params) == TOO_FEW_LINES
    assert reason(GOOD, FilterParams(max_chars=50)) == TOO_LONG


def test_blacklist_is_judged_per_function_not_per_file():
    source = (
        "import os\nimport re\n\n\n"
        'def env(name):\n    """Read a variable."""\n    return os.environ.get(name)\n\n\n'
        'def digits(text):\n    """Digits in text."""\n    return re.findall("[0-9]", text)\n'
    )
    assert reason(source, name="env") == BLACKLISTED_MODULE
    assert reason(source, name="digits") is None
    own_import = 'def f(x):\n    """Doc."""\n    import subprocess\n    return subprocess.run(x)\n'
    assert reason(own_import) == BLACKLISTED_MODULE
    assert reason(source, FilterParams(blacklist_modules=()), name="env") is None


def test_license_allow_list_applies_only_to_sources_that_carry_licenses():
    params = FilterParams(licenses=("MIT", "Apache-2.0"))
    assert reason(GOOD, params, licenses=("mit",)) is None
    assert reason(GOOD, params, licenses=("GPL-3.0", "apache-2.0")) is None
    assert reason(GOOD, params, licenses=("GPL-3.0",)) == LICENSE_NOT_ALLOWED
    assert reason(GOOD, params, licenses=()) == LICENSE_MISSING
    assert reason(GOOD, params, licenses=None) is None


def test_pyflakes_names_the_undefined_names():
    assert undefined_names("def f(x):\n    return g(x) + y\n") == ["g", "y"]
    assert undefined_names("import re\n\n\ndef f(x):\n    return re.sub('a', 'b', x)\n") == []


def test_bad_params_are_rejected_with_the_value():
    with pytest.raises(ParamsError, match="max_lines.*2"):
        build(FilterParams, {"min_lines": 5, "max_lines": 2}, "extract.filters")
    with pytest.raises(ParamsError, match="unknown key.*'max_line'"):
        build(FilterParams, {"max_line": 2}, "extract.filters")


def pyright_installed():
    return shutil.which("pyright") is not None or (Path(sys.executable).parent / "pyright").exists()


@pytest.mark.skipif(pyright_installed(), reason="pyright is installed")
def test_pyright_missing_says_how_to_install_it():
    with pytest.raises(PyrightMissing, match="pip install 'polyforge\\[pyright\\]'"):
        PyrightCheck()


@pytest.mark.skipif(not pyright_installed(), reason="pyright not installed (the `pyright` extra)")
def test_pyright_flags_type_errors():
    checker = PyrightCheck()
    assert checker.errors([GOOD, 'def f(x: int) -> str:\n    """Doc."""\n    return x + 1\n']) == [
        False,
        True,
    ]
