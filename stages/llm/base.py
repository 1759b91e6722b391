"""The backend contract: what every generation backend receives and returns.

A backend only turns requests into raw text. Everything shared (cache keys, chat templates, code extraction,
stop strings, batching, progress) lives in `generator.py`, so a new backend is one module and one registry line.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Any

from stages.llm.config import Sampling


class BackendUnavailable(RuntimeError):
    """A backend's library or environment is missing: the message says what to install, and how."""


class BackendError(RuntimeError):
    """A backend failed while generating (a dead worker, a server refusing requests)."""


@dataclass(frozen=True)
class Request:
    """One sample to draw: a prompt (raw text, or the user message when `chat`) and its own seed."""

    prompt: str
    chat: bool
    seed: int


@dataclass(frozen=True)
class RawOutput:
    """What a backend returns for one request: the text as generated, why it ended, how many tokens."""

    text: str
    finish_reason: str  # "stop" (end of sequence or a stop string) or "length" (max_tokens reached)
    tokens: int


@dataclass(frozen=True)
class Completion:
    """One completion of one prompt, as a generation stage sees it."""

    text: str  # code after extraction (chat) and cutting at the first stop string
    raw: str  # the model's text as generated (cached verbatim)
    finish_reason: str  # "stop" or "length"
    index: int  # global sample index of this completion for its prompt
    cached: bool  # True when it was read from the cache instead of generated now
    tokens: int  # tokens the model generated for it
    key: str  # its content-addressed cache key (stable lineage id for the sample)


class Backend(ABC):
    """Generates raw text for a batch of requests. Instances hold a loaded model; `close` frees it."""

    name: str = ""
    # Requests the generator hands over per call; also the unit of cache writes.
    batch_size: int = 1

    @classmethod  # noqa: B027 (optional hook: most backends need no check)
    def preflight(cls, params: Any) -> None:
        """Cheap checks that the backend can start (raise BackendUnavailable naming the fix), run before any
        work; loading the model itself waits until a completion is not in the cache."""

    @abstractmethod
    def generate(self, requests: list[Request], sampling: Sampling, stop: list[str]) -> list[RawOutput]:
        """One RawOutput per request, in order. `stop` ends generation early (raw prompts only)."""

    @abstractmethod
    def describe(self) -> dict[str, Any]:
        """Library versions and device, recorded beside the outputs."""

    def close(self) -> None:  # noqa: B027 (optional hook: most backends hold nothing to release)
        """Release the model, worker process or connections."""
