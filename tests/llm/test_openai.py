"""The `openai` backend against a real OpenAI-compatible server: vLLM's, started here on localhost."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

from stages.llm import BackendError, LLMParams, Sampling, make_generator
from stages.params import build

SAMPLING = Sampling(temperature=0.8, top_p=0.95, max_tokens=12, seed=2)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def openai_params(base_url: str, **extra: object) -> LLMParams:
    raw = {"backend": "openai", "progress": False, "openai": {"base_url": base_url, **extra}}
    return build(LLMParams, raw, "llm")


@pytest.fixture(scope="module")
def server(tiny_model: Path, vllm_python: Path, tmp_path_factory: pytest.TempPathFactory):
    port = free_port()
    log = open(tmp_path_factory.mktemp("server") / "vllm-server.log", "w+")  # noqa: SIM115
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env["VLLM_CPU_KVCACHE_SPACE"] = "1"
    cmd = [str(vllm_python), "-m", "vllm.entrypoints.openai.api_server", "--model", str(tiny_model)]
    cmd += ["--host", "127.0.0.1", "--port", str(port), "--seed", "0"]
    proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=env, start_new_session=True)
    base_url = f"http://127.0.0.1:{port}/v1"
    try:
        deadline = time.monotonic() + 300
        while True:
            if proc.poll() is not None:
                log.seek(0)
                pytest.fail(f"vLLM's OpenAI server exited with {proc.returncode}:\n{log.read()[-3000:]}")
            try:
                urllib.request.urlopen(f"{base_url}/models", timeout=2).read()
                break
            except OSError:
                if time.monotonic() > deadline:
                    pytest.fail("vLLM's OpenAI server did not answer within 300 s")
                time.sleep(1)
        yield base_url
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        log.close()


@pytest.mark.vllm
def test_raw_and_chat_through_the_server_are_seeded_per_sample(
    server: str, tiny_model: Path, tmp_path: Path
) -> None:
    params = openai_params(server, concurrency=4)
    with make_generator(params, tiny_model, tmp_path / "a") as gen:
        raw = gen.generate(["def add(a, b):", "import os\n"], 3, SAMPLING)
        chat = gen.generate(["say hi"], 2, SAMPLING, chat=True)
        assert gen.describe()["served_model"] == str(tiny_model)
    assert all(0 < c.tokens <= 12 and not c.cached for row in raw + chat for c in row)
    with make_generator(params, tiny_model, tmp_path / "b") as gen:  # a fresh cache: generated again
        again = gen.generate(["def add(a, b):", "import os\n"], 3, SAMPLING)
    assert [[c.raw for c in row] for row in again] == [[c.raw for c in row] for row in raw]
    assert len({c.raw for c in raw[0]}) > 1


@pytest.mark.vllm
def test_unknown_model_fails_at_once_with_the_http_status(
    server: str, tiny_model: Path, tmp_path: Path
) -> None:
    params = openai_params(server, model="no-such-model", max_retries=3, backoff_s=5.0)
    start = time.monotonic()
    with make_generator(params, tiny_model, tmp_path) as gen, pytest.raises(BackendError, match=r"HTTP 404"):
        gen.generate(["x"], 1, SAMPLING)
    assert time.monotonic() - start < 5  # not retried


def test_unreachable_server_is_retried_with_backoff_then_reported(tiny_model: Path, tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{free_port()}/v1"  # nothing listens there
    params = openai_params(url, max_retries=2, backoff_s=0.05, timeout_s=5.0)
    with make_generator(params, tiny_model, tmp_path) as gen, pytest.raises(BackendError) as info:
        gen.generate(["x"], 1, SAMPLING)
    assert "gave up after 3 attempts: APIConnectionError" in str(info.value)
    assert url in str(info.value)
