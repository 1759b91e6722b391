"""The generation call end to end on the `hf` backend with the tiny model (real transformers, real cache)."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from stages.llm import LLMParams, Sampling, make_generator
from stages.llm.base import Request
from stages.llm.cache import CACHE_FILE
from stages.params import build
from tests.e2e.tree import completions

ROOT = Path(__file__).resolve().parents[2]
SAMPLING = Sampling(temperature=0.8, top_p=0.95, max_tokens=12, seed=3)
PROMPTS = ["def add(a, b):", "import string\n"]


def hf_params(batch_size: int = 4, threads: int = 1) -> LLMParams:
    hf = {"batch_size": batch_size, "threads": threads}
    return build(LLMParams, {"backend": "hf", "progress": False, "hf": hf}, "llm")


@pytest.fixture
def gen(tiny_model: Path, tmp_path: Path):
    with make_generator(hf_params(), tiny_model, tmp_path / "cache") as generator:
        yield generator


def test_n_completions_per_prompt_in_order(gen) -> None:
    out = gen.generate(PROMPTS, 3, SAMPLING)
    assert [len(row) for row in out] == [3, 3]
    assert [c.index for c in out[1]] == [0, 1, 2]
    assert not any(c.cached for row in out for c in row)
    assert all(c.finish_reason in ("stop", "length") and 0 < c.tokens <= 12 for row in out for c in row)
    assert len({c.key for row in out for c in row}) == 6


def test_batches_do_not_depend_on_what_the_cache_holds(gen, tiny_model: Path, tmp_path: Path) -> None:
    # Batches (of 4) are cut from every request of a call: [prompt 0: 0-3], [prompt 1: 0-3], [prompt 0: 4].
    # The first is already cached whole and is reused; the third holds one cached sample and is generated
    # whole; the bytes equal a run on an empty cache.
    gen.generate(PROMPTS[:1], 4, SAMPLING)
    gen.generate(PROMPTS[:1], 1, SAMPLING, first_index=4)
    warm = gen.generate([PROMPTS[0], PROMPTS[1], PROMPTS[0]], 4, SAMPLING)
    assert [c.cached for c in warm[0]] == [True] * 4 and not any(c.cached for c in warm[1])
    with make_generator(hf_params(), tiny_model, tmp_path / "empty") as fresh:
        cold = fresh.generate([PROMPTS[0], PROMPTS[1], PROMPTS[0]], 4, SAMPLING)
    assert [[c.raw for c in row] for row in warm] == [[c.raw for c in row] for row in cold]


def test_the_runtime_is_part_of_where_completions_are_stored(tiny_model: Path, tmp_path: Path) -> None:
    with make_generator(hf_params(), tiny_model, tmp_path) as gen:
        first = gen.generate(PROMPTS, 1, SAMPLING)
        assert gen.runtime["backend"] == "hf" and gen.runtime["packages"]["transformers"]
        assert (
            gen.runtime["device"] == "cpu" and gen.runtime["threads"] == 1 and gen.runtime["cpu_capability"]
        )
    with make_generator(hf_params(threads=2), tiny_model, tmp_path) as gen:
        again = gen.generate(PROMPTS, 1, SAMPLING)
    # another thread count is another runtime: nothing reused, while the request keys (row lineage) agree
    assert not any(c.cached for row in again for c in row)
    assert [c.key for row in again for c in row] == [c.key for row in first for c in row]


def test_rounds_replay_from_one_large_draw(gen) -> None:
    big = gen.generate(PROMPTS[:1], 8, SAMPLING)[0]
    round1 = gen.generate(PROMPTS[:1], 3, SAMPLING, first_index=0)[0]
    round2 = gen.generate(PROMPTS[:1], 5, SAMPLING, first_index=3)[0]
    replay = round1 + round2
    assert all(c.cached for c in replay)
    assert [(c.index, c.raw, c.key) for c in replay] == [(c.index, c.raw, c.key) for c in big]


def test_template_version_and_sampling_are_part_of_the_key(gen) -> None:
    gen.generate(PROMPTS[:1], 2, SAMPLING, template_version="v1")
    assert not any(c.cached for c in gen.generate(PROMPTS[:1], 2, SAMPLING, template_version="v2")[0])
    other = Sampling(temperature=0.5, top_p=0.95, max_tokens=12, seed=3)
    assert not any(c.cached for c in gen.generate(PROMPTS[:1], 2, other, template_version="v1")[0])
    assert all(c.cached for c in gen.generate(PROMPTS[:1], 2, SAMPLING, template_version="v1")[0])


def test_stop_strings_cut_the_text_and_the_raw_keeps_it(gen) -> None:
    out = gen.generate(["x"], 6, Sampling(temperature=1.0, top_p=1.0, max_tokens=24, seed=0), stop=["e"])
    for c in (c for row in out for c in row):
        assert "e" not in c.text
        assert c.raw.startswith(c.text)
        if "e" in c.raw:
            assert c.finish_reason == "stop"


def test_chat_mode_applies_the_template_and_shares_nothing_with_raw_mode(gen) -> None:
    raw = gen.generate(["hello"], 1, Sampling(temperature=0.0, max_tokens=6))[0][0]
    chat = gen.generate(["hello"], 1, Sampling(temperature=0.0, max_tokens=6), chat=True)[0][0]
    assert raw.key != chat.key and not chat.cached


def test_record_names_backend_identity_versions_and_device(gen, tmp_path: Path) -> None:
    gen.generate(PROMPTS[:1], 1, SAMPLING)
    record = json.loads(gen.write_record(tmp_path / "out" / "generation.json").read_text())
    assert record["backend"] == "hf"
    assert record["device"] == "cpu"
    assert set(record["versions"]) == {"torch", "transformers"}
    assert record["model_identity"]["weights_sha256"]
    assert record["stats"]["generated"] == 1 and record["stats"]["tokens"] > 0


def test_bad_arguments_fail_with_the_value(gen) -> None:
    with pytest.raises(ValueError, match="n must be >= 1, got 0"):
        gen.generate(PROMPTS, 0, SAMPLING)
    with pytest.raises(TypeError, match="list of strings"):
        gen.generate("def f():", 1, SAMPLING)


def test_a_folder_without_identity_is_refused(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="identity.json is missing"):
        make_generator(hf_params(), tmp_path, tmp_path / "cache")


# --- resume after SIGKILL ------------------------------------------------------------------------------------

CHILD = """
import sys
sys.path.insert(0, {root!r})
from stages.llm import LLMParams, Sampling, make_generator
from stages.params import build
from tests.e2e.tree import completions
params = build(LLMParams, {{"backend": "hf", "progress": False, "hf": {{"batch_size": 2, "threads": 1}}}}, "llm")
gen = make_generator(params, {model!r}, {cache!r})
prompts = [f"def f{{i}}(x):" for i in range(6)]
out = gen.generate(prompts, 5, Sampling(temperature=0.8, max_tokens=24, seed=1))
import json
print(json.dumps({{"generated": gen.stats.generated, "cached": gen.stats.cached,
                  "keys": [c.key for row in out for c in row], "raws": [c.raw for row in out for c in row]}}))
"""


def test_sigkill_mid_run_then_rerun_gives_every_completion_exactly_once(
    tiny_model: Path, tmp_path: Path
) -> None:
    cache = tmp_path / "cache"
    script = CHILD.format(root=str(ROOT), model=str(tiny_model), cache=str(cache))
    db = cache / CACHE_FILE
    total = 6 * 5
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while completions(db) < 4 and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.005)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    at_kill = completions(db)
    assert 4 <= at_kill < total, f"the kill should land mid-run; {at_kill} of {total} were cached"
    assert at_kill % 2 == 0  # whole batches only: nothing half-written

    rerun = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=120
    )
    result = json.loads(rerun.stdout.strip().splitlines()[-1])
    assert result["cached"] == at_kill
    assert result["generated"] == total - at_kill  # nothing generated twice
    assert len(result["keys"]) == len(set(result["keys"])) == total
    assert completions(db) == total

    third = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=120
    )
    again = json.loads(third.stdout.strip().splitlines()[-1])
    assert again["generated"] == 0 and again["raws"] == result["raws"]

    # the resumed run's bytes are those of an uninterrupted run on an empty cache
    fresh = CHILD.format(root=str(ROOT), model=str(tiny_model), cache=str(tmp_path / "fresh"))
    whole = subprocess.run(
        [sys.executable, "-c", fresh], capture_output=True, text=True, check=True, timeout=120
    )
    uninterrupted = json.loads(whole.stdout.strip().splitlines()[-1])
    assert uninterrupted["generated"] == total and uninterrupted["raws"] == result["raws"]


def test_int8_is_its_own_numerics_and_loads_a_bfloat16_folder(tiny_model: Path, tmp_path: Path) -> None:
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    # A bfloat16 folder (as params/cpu-1.5b.yaml saves the 1.5B) is cast up to float32, then quantised.
    folder = tmp_path / "bf16"
    AutoModelForCausalLM.from_pretrained(tiny_model, dtype=torch.bfloat16).save_pretrained(folder)
    AutoTokenizer.from_pretrained(tiny_model).save_pretrained(folder)
    (folder / "identity.json").write_text((tiny_model / "identity.json").read_text())
    int8 = build(
        LLMParams, {"backend": "hf", "progress": False, "hf": {"quantize": "int8", "threads": 1}}, "llm"
    )
    with make_generator(int8, folder, tmp_path / "cache") as gen:
        quantised = gen.generate(PROMPTS, 1, SAMPLING)
    with make_generator(hf_params(), folder, tmp_path / "cache") as gen:
        plain = gen.generate(PROMPTS, 1, SAMPLING)
    assert all(0 < c.tokens <= 12 for row in quantised for c in row)
    assert not any(c.cached for row in plain for c in row)  # another cache entry, never int8's answers
    assert {c.key for row in quantised for c in row}.isdisjoint(c.key for row in plain for c in row)


def test_an_int8_model_is_quantised_once_and_then_read_from_the_cache(
    tiny_model: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import torch
    import torch.ao.quantization as quantization

    from stages.llm.hf import HFBackend

    params = build(LLMParams, {"backend": "hf", "hf": {"quantize": "int8", "threads": 1}}, "llm")
    first = HFBackend(params, str(tiny_model), int8_cache=tmp_path)
    assert len(list(tmp_path.glob("*.pt"))) == 1 and not list(tmp_path.glob("*.partial"))

    def no_quantising(*args, **kwargs):
        raise AssertionError("the cached int8 model should have been read")

    monkeypatch.setattr(quantization, "quantize_dynamic", no_quantising)
    second = HFBackend(params, str(tiny_model), int8_cache=tmp_path)
    ids = torch.tensor([[1, 2, 3, 4]])
    with torch.inference_mode():
        assert torch.equal(first.model(ids).logits, second.model(ids).logits)
    assert first.generate([Request("def f(", False, 1)], SAMPLING, []) == second.generate(
        [Request("def f(", False, 1)], SAMPLING, []
    )

    # Other weights are another entry.
    identity = json.loads((tiny_model / "identity.json").read_text())
    other = tmp_path / "other"
    shutil.copytree(tiny_model, other)
    identity["weights_sha256"] = {"model.safetensors": "0" * 64}
    (other / "identity.json").write_text(json.dumps(identity))
    monkeypatch.undo()
    HFBackend(params, str(other), int8_cache=tmp_path)
    assert len(list(tmp_path.glob("*.pt"))) == 2
