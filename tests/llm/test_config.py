from __future__ import annotations

import pytest

from stages.catalog import load_section
from stages.llm.config import LLMParams, Sampling
from stages.params import ParamsError, build


def test_params_yaml_llm_section_loads_with_cpu_default() -> None:
    params = load_section("llm")
    assert isinstance(params, LLMParams)
    assert params.backend == "hf"


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({"temperature": -0.1}, "sampling.temperature: -0.1 is outside"),
        ({"top_p": 0.0}, "sampling.top_p: 0.0 is outside (0, 1]"),
        ({"max_tokens": 0}, "sampling.max_tokens: 0 is outside"),
    ],
)
def test_sampling_rejects_out_of_range_values(raw: dict, message: str) -> None:
    with pytest.raises(
        ParamsError, match=message.replace("(", r"\(").replace(")", r"\)").replace("[", r"\[")
    ):
        build(Sampling, raw, "sampling")


def test_unknown_backend_names_the_known_ones() -> None:
    with pytest.raises(ParamsError, match=r"llm.backend: 'tgi' is not one of 'hf', 'vllm', 'openai'"):
        build(LLMParams, {"backend": "tgi"}, "llm")


def test_unknown_nested_key_names_the_known_ones() -> None:
    with pytest.raises(
        ParamsError, match=r"llm.vllm: unknown key\(s\) 'tp'; known keys: .*tensor_parallel_size"
    ):
        build(LLMParams, {"vllm": {"tp": 2}}, "llm")


def test_openai_base_url_must_be_http() -> None:
    with pytest.raises(ParamsError, match=r"llm.openai.base_url: '127.0.0.1:8000' must start with http"):
        build(LLMParams, {"openai": {"base_url": "127.0.0.1:8000"}}, "llm")


def test_int8_quantises_float32_weights_only() -> None:
    assert build(LLMParams, {"hf": {"quantize": "int8", "dtype": "auto"}}, "llm").hf.numerics == "auto/int8"
    with pytest.raises(ParamsError, match=r"int8' quantises float32 weights, but llm.hf.dtype is 'bfloat16'"):
        build(LLMParams, {"hf": {"quantize": "int8", "dtype": "bfloat16"}}, "llm")
