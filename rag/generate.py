"""The model that phrases answers, behind one small interface: in-process llama.cpp or an OpenAI-compatible server.

`load_generator` picks the implementation from the settings; tests register a scripted one under a model key, as
simonw/llm registers its mock model, so the pipeline around the model runs in milliseconds.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable, Iterator
from typing import Any, Literal, Protocol, TypedDict

from .models import MODELS, ModelUnavailable, model_file
from .settings import Settings

log = logging.getLogger(__name__)


class Message(TypedDict):
    role: Literal["system", "user", "assistant"]
    content: str


class Generator(Protocol):
    """Streams a chat completion, greedily: the same evidence gives the same answer."""

    name: str

    def count_tokens(self, text: str) -> int: ...

    def stream(self, messages: list[Message], max_tokens: int | None = None) -> Iterator[str]: ...

    def complete_json(self, messages: list[Message], schema: dict, max_tokens: int) -> str:
        """A reply the JSON schema constrains (llama.cpp compiles it to a grammar), as text."""
        ...


class LlamaCppGenerator:
    """A pinned GGUF run in-process. One model per process; calls are serialised (llama.cpp is not re-entrant)."""

    def __init__(self, settings: Settings, model: str):
        if model not in MODELS:
            raise ModelUnavailable(f"unknown model '{model}' (known: {', '.join([*MODELS, *_REGISTERED])})")
        self.settings = settings.generation
        self.spec = MODELS[model]
        self.name = self.spec.name
        self.path = model_file(self.spec, settings)
        self._lock = threading.Lock()
        self._llm: Any = None  # llama_cpp.Llama, imported on first use (it loads native code)

    def _load(self):
        if self._llm is None:
            from llama_cpp import Llama

            cfg = self.settings
            log.debug("loading %s from %s", self.name, self.path)
            try:
                self._llm = Llama(model_path=str(self.path), n_ctx=cfg.n_ctx, n_threads=cfg.n_threads,
                                  n_threads_batch=cfg.n_threads, n_batch=cfg.n_batch, seed=0, verbose=False)
            except ValueError as e:
                raise ModelUnavailable(f"{self.name}: llama.cpp could not load {self.path} ({e})") from e
        return self._llm

    def count_tokens(self, text: str) -> int:
        return len(self._load().tokenize(text.encode("utf-8"), add_bos=False, special=True))

    def stream(self, messages: list[Message], max_tokens: int | None = None) -> Iterator[str]:
        with self._lock:
            llm = self._load()
            for part in llm.create_chat_completion(
                messages=messages, temperature=0.0, top_k=1, max_tokens=max_tokens or self.settings.max_answer_tokens,
                stream=True, repeat_penalty=self.settings.repeat_penalty,
            ):
                delta = part["choices"][0]["delta"].get("content")
                if delta:
                    yield delta

    def complete_json(self, messages: list[Message], schema: dict, max_tokens: int) -> str:
        with self._lock:
            reply = self._load().create_chat_completion(
                messages=messages, temperature=0.0, top_k=1, max_tokens=max_tokens,
                response_format={"type": "json_object", "schema": schema})
        return reply["choices"][0]["message"]["content"] or ""


class OpenAIGenerator:
    """Any OpenAI-compatible /v1 server (llama.cpp's, vLLM, Ollama): generation scales apart from retrieval."""

    def __init__(self, settings: Settings):
        assert settings.llm_url
        self.url = settings.llm_url.rstrip("/")
        self.model = settings.llm_model_name
        self.settings = settings.generation
        self.name = f"{self.model} at {self.url}"

    def count_tokens(self, text: str) -> int:
        return len(text) // 4 + 1  # the server's tokenizer is not ours to call; ~4 characters per token

    def stream(self, messages: list[Message], max_tokens: int | None = None) -> Iterator[str]:
        import httpx

        body = {"model": self.model, "messages": messages, "temperature": 0.0, "stream": True,
                "max_tokens": max_tokens or self.settings.max_answer_tokens}
        try:
            with httpx.stream("POST", self.url + "/chat/completions", json=body,
                              timeout=self.settings.server_timeout_s) as resp:
                resp.raise_for_status()
                for line in resp.iter_lines():
                    if not line.startswith("data:") or line.strip() == "data: [DONE]":
                        continue
                    delta = json.loads(line[5:])["choices"][0].get("delta", {}).get("content")
                    if delta:
                        yield delta
        except httpx.HTTPError as e:
            raise ModelUnavailable(f"the model server at {self.url} failed ({e})") from e

    def complete_json(self, messages: list[Message], schema: dict, max_tokens: int) -> str:
        import httpx

        body = {"model": self.model, "messages": messages, "temperature": 0.0, "max_tokens": max_tokens,
                "response_format": {"type": "json_schema", "json_schema": {"name": "reading", "schema": schema}}}
        try:
            resp = httpx.post(self.url + "/chat/completions", json=body, timeout=self.settings.server_timeout_s)
            resp.raise_for_status()
            return resp.json()["choices"][0]["message"].get("content") or ""
        except (httpx.HTTPError, KeyError, IndexError, ValueError) as e:
            raise ModelUnavailable(f"the model server at {self.url} failed ({e})") from e


_REGISTERED: dict[str, Callable[[Settings], Generator]] = {}


def register_generator(key: str, factory: Callable[[Settings], Generator]) -> None:
    """Make `RAG_MODEL=<key>` (or `model=key`) build this generator; tests register a scripted one."""
    _REGISTERED[key] = factory


def load_generator(settings: Settings, model: str | None = None) -> Generator:
    """The generator the settings ask for: a server when `llm_url` is set, else a registered or pinned model."""
    if settings.llm_url:
        return OpenAIGenerator(settings)
    key = model or settings.model
    if key in _REGISTERED:
        return _REGISTERED[key](settings)
    return LlamaCppGenerator(settings, key)
