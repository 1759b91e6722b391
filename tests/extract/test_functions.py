import pytest

from stages.extract.functions import Unparseable, candidates

MODULE = '''\
import re
import os.path as osp
from collections import Counter as C
from . import sibling


def words(text, *, lower=True):
    """Split text into words."""
    return re.findall(r"\\w+", text.lower() if lower else text)


def no_doc(x):
    return x


async def fetch(x):
    """Async: not a candidate."""
    return x


class K:
    def method(self, x):
        """Methods are not top-level."""
        return x


@staticmethod
def decorated(a, b=1):
    """Decorated, docstring first."""
    def inner():
        return 1
    inner()


def gen(items):
    """A generator."""
    for item in items:
        yield item


def uses_relative(x):
    """Relies on a relative import."""
    return sibling.f(x) + C(x)


def shadowed(osp):
    """A parameter named like a module is not the module."""
    return osp + 1
'''


def by_name():
    return {c.name: c for c in candidates(MODULE)}


def test_only_top_level_sync_functions_with_a_docstring():
    assert sorted(by_name()) == ["decorated", "gen", "shadowed", "uses_relative", "words"]


def test_code_carries_exactly_the_imports_it_uses():
    words = by_name()["words"]
    assert words.imports == ("import re",)
    assert words.code.startswith("import re\n\n\ndef words(text, *, lower=True):\n")
    assert words.modules == {"re"}
    assert words.prompt.endswith('"""Split text into words."""\n')
    assert "return" not in words.prompt
    assert words.signature == "def words(text, *, lower=True):"
    assert words.docstring == "Split text into words."
    # a relative import points into a package: left out, so the function is not self-contained
    rel = by_name()["uses_relative"]
    assert rel.imports == ("from collections import Counter as C",)
    assert rel.modules == {"collections"}
    assert by_name()["shadowed"].imports == ()


def test_facts_for_the_filters():
    f = by_name()
    assert (f["words"].n_args, f["words"].returns_value, f["words"].is_generator) == (1, True, False)
    # the nested function's return is not the outer function's
    assert f["decorated"].returns_value is False
    assert f["decorated"].code.startswith("@staticmethod\ndef decorated(a, b=1):")
    assert f["decorated"].n_args == 2
    assert f["gen"].is_generator and not f["gen"].returns_value
    assert f["words"].n_lines == 3 and f["words"].lineno == 7


def test_return_none_is_not_a_value():
    found = candidates('def f(x):\n    """Doc."""\n    if x:\n        return None\n    return\n')
    assert found[0].returns_value is False


def test_unparseable_source_raises_a_named_error():
    with pytest.raises(Unparseable, match="SyntaxError"):
        candidates("def broken(:\n    pass\n")
