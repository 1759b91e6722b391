from dataclasses import dataclass, field

import pytest
import yaml

from stages.catalog import load_all, load_section
from stages.common import CommonParams
from stages.params import ParamsError, build, check_range
from stages.prepare_model import ModelParams


@dataclass(frozen=True)
class Inner:
    k: int = 1


@dataclass(frozen=True)
class Example:
    rate: float = 0.5
    n: int = 3
    name: str = "x"
    flag: bool = False
    langs: tuple[str, ...] = ("lua",)
    inner: Inner = field(default_factory=Inner)
    maybe: int | None = None

    def __post_init__(self) -> None:
        check_range("example.rate", self.rate, 0.0, 1.0)


def test_unknown_key_names_the_key_and_the_known_ones():
    with pytest.raises(ParamsError) as exc:
        build(Example, {"n": 2, "temprature": 0.2}, where="example")
    message = str(exc.value)
    assert "'temprature'" in message
    assert "known keys: flag, inner, langs, maybe, n, name, rate" in message


def test_wrong_types_fail_naming_the_value():
    with pytest.raises(ParamsError, match=r"example.n: expected an integer, got str 'three'"):
        build(Example, {"n": "three"}, where="example")
    with pytest.raises(ParamsError, match=r"example.flag: expected true or false"):
        build(Example, {"flag": "yes"}, where="example")
    with pytest.raises(ParamsError, match=r"example.n: expected an integer, got bool"):
        build(Example, {"n": True}, where="example")
    with pytest.raises(ParamsError, match=r"example.inner: unknown key\(s\) 'j'"):
        build(Example, {"inner": {"j": 2}}, where="example")


def test_ranges_are_checked_in_post_init():
    with pytest.raises(ParamsError, match=r"example.rate: 1.5 is outside \[0.0, 1.0\]"):
        build(Example, {"rate": 1.5}, where="example")


def test_values_are_coerced_and_frozen():
    ex = build(Example, {"rate": 1, "langs": ["lua", "r"], "inner": {"k": 4}, "maybe": None}, where="example")
    assert ex.rate == 1.0 and isinstance(ex.rate, float)
    assert ex.langs == ("lua", "r")
    assert ex.inner == Inner(k=4)
    with pytest.raises(AttributeError):
        ex.n = 5  # type: ignore[misc]


def test_choices_are_checked():
    with pytest.raises(ParamsError, match=r"common.executor: 'slurm' is not one of 'local', 'ray'"):
        build(CommonParams, {"executor": "slurm"}, where="common")
    with pytest.raises(ParamsError, match="model.models.path is required"):
        build(ModelParams, {"models": {"big": {"source": "hub"}}}, where="model")


def test_committed_params_file_validates_every_section():
    sections = load_all("params.yaml")
    assert {"common", "model"} <= set(sections)
    assert load_section("model").spec("base").source == "pypi-gguf"


def test_unknown_section_is_rejected(tmp_path):
    path = tmp_path / "params.yaml"
    path.write_text(yaml.safe_dump({"common": {}, "modle": {}}))
    with pytest.raises(ParamsError, match="unknown section\\(s\\) modle"):
        load_all(path)


def test_unknown_section_class_is_a_params_error_naming_the_known_sections():
    from stages.catalog import SECTIONS, section_class

    assert section_class("common") is CommonParams and "model" in SECTIONS
    with pytest.raises(
        ParamsError, match=r"unknown params section 'modle'; known: common, llm, sandbox, model, "
    ):
        section_class("modle")
