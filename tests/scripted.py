"""The scripted model, registered as `scripted` when this module is imported: by conftest in-process, and by a
subprocess through `RAG_PLUGINS='["tests.scripted"]'` (the project's plug-in hook), as simonw/llm registers its mock."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

from rag.generate import Message, register_generator


class ScriptedGenerator:
    """Stands in for the model in tests of the code around it (prompts, verification, abstention, events), as
    simonw/llm's MockModel does: replies are queued or computed from the prompt, and every prompt is recorded."""

    name = "scripted"

    def __init__(self) -> None:
        self.queue: list[str | Callable[[list[Message]], str]] = []
        self.readings: list[str | Callable[[list[Message]], str]] = []  # replies to constrained (JSON) calls
        self.prompts: list[list[Message]] = []

    def read_as(self, *replies: str | Callable[[list[Message]], str]) -> ScriptedGenerator:
        """Queue replies to the model's readings (rag.reading); with none queued a reading says "not stated"."""
        self.readings.extend(replies)
        return self

    def enqueue(self, *replies: str | Callable[[list[Message]], str]) -> ScriptedGenerator:
        self.queue.extend(replies)
        return self

    def count_tokens(self, text: str) -> int:
        return len(text) // 4 + 1

    def stream(self, messages: list[Message], max_tokens: int | None = None) -> Iterator[str]:
        self.prompts.append(messages)
        reply = self.queue.pop(0) if self.queue else ""
        yield from re.findall(r"\S+\s*", reply(messages) if callable(reply) else reply)

    def complete_json(self, messages: list[Message], schema: dict, max_tokens: int) -> str:
        self.prompts.append(messages)
        reply = self.readings.pop(0) if self.readings else '{"answers": []}'
        return reply(messages) if callable(reply) else reply


SCRIPTED = ScriptedGenerator()
register_generator("scripted", lambda settings: SCRIPTED)  # RAG_MODEL=scripted / --model scripted in CLI tests
