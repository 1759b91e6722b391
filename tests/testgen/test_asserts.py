from stages.testgen.asserts import parse_asserts, statements
from stages.testgen.prompt import completion_text, raw_prompt

CODE = 'def add(a, b):\n    """Add."""\n    return a + b\n'


def test_raw_prompt_is_multipl_t_shape():
    prompt = raw_prompt(CODE, "add")
    lines = prompt.splitlines()
    assert lines[-4:] == [
        "# Unit tests for add",
        "# Tests must be strictly of the form: assert add(...) == ...",
        "# Do not use keyword arguments.",
        "assert add(",
    ]
    assert prompt.startswith(CODE.rstrip())


def test_only_plain_equality_asserts_without_keywords_are_kept():
    completion = (
        "1, 2) == 3\n"
        "assert add(2, 2) == 4\n"
        "assert add(a=1, b=2) == 3\n"  # keyword arguments
        "assert add(1, 1) != 3\n"  # not ==
        "assert add() == 0\n"  # no argument
        "assert other(1, 2) == 3\n"  # another function
        "assert add(1, 2) == 3, 'msg'\n"  # a message
        "assert add(*xs) == 3\n"  # starred
        "assert add(2,   2) == 4\n"  # same as the second after normalisation
        "assert add([1,\n    2], [3]) == [1, 2, 3]\n"  # spans two lines
        "this is prose\n"
        "assert add(5, 5"  # cut off by max tokens
    )
    asserts = parse_asserts([completion_text(completion, "add", chat=False)], "add")
    assert asserts == [
        "assert add(1, 2) == 3",
        "assert add(2, 2) == 4",
        "assert add([1, 2], [3]) == [1, 2, 3]",
    ]


def test_duplicates_across_samples_are_dropped_in_order():
    samples = [
        "assert add(1, 2) == 3\nassert add(0, 0) == 0",
        "assert add(0, 0) == 0\nassert add(-1, 1) == 0",
    ]
    assert parse_asserts(samples, "add") == [
        "assert add(1, 2) == 3",
        "assert add(0, 0) == 0",
        "assert add(-1, 1) == 0",
    ]


def test_statements_skip_unparseable_lines_only():
    assert statements("x = 1\n)(\ny = 2") == ["x = 1", "y = 2"]
