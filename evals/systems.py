"""The two systems under test, on the same index and the same local model, each returning an `Outcome`."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from typing import Any

from rag.answer import Assistant
from rag.embed import get_embedder
from rag.generate import Generator
from rag.settings import Settings
from rag.store import Store


@dataclass
class Outcome:
    answer: str
    citations: list[dict]  # {id, source, title, quote, start, end}
    disagreements: int
    abstained: bool
    ttft_s: float | None
    total_s: float
    extra: dict = field(default_factory=dict)
    evidence_s: float | None = None  # ours only: when the evidence (and its disagreements) was on screen


class Ours:
    name = "ours"

    def __init__(self, store: Store, settings: Settings, generator: Generator):
        self.assistant = Assistant(store, settings, generator)

    def run(self, question: str) -> Outcome:
        a = self.assistant.ask(question)
        j = a.to_json()
        return Outcome(answer=a.answer, citations=j["citations"], disagreements=len(a.disagreements),
                       abstained=a.abstained, ttft_s=a.timings.first_token_s, total_s=a.timings.total_s,
                       extra={"disagreements": j["disagreements"], "removed": a.removed},
                       evidence_s=a.timings.evidence_s)


def _llama_index_llm(generator: Generator, settings: Settings):
    """Our in-process model behind llama-index's LLM interface, so the baseline uses the same weights."""
    from llama_index.core.llms import CompletionResponse, CustomLLM, LLMMetadata
    from llama_index.core.llms.callbacks import llm_completion_callback

    class LocalLLM(CustomLLM):
        @property
        def metadata(self) -> LLMMetadata:
            return LLMMetadata(context_window=settings.generation.n_ctx, num_output=settings.generation.max_answer_tokens,
                               model_name=generator.name)

        @llm_completion_callback()
        def complete(self, prompt: str, formatted: bool = False, **kwargs: Any) -> CompletionResponse:
            return CompletionResponse(text="".join(generator.stream([{"role": "user", "content": prompt}])))

        @llm_completion_callback()
        def stream_complete(self, prompt: str, formatted: bool = False, **kwargs: Any):
            text = ""
            for token in generator.stream([{"role": "user", "content": prompt}]):
                text += token
                yield CompletionResponse(text=text, delta=token)

    return LocalLLM()


def _citation_engine(index, settings: Settings, generator: Generator, **options: Any):
    from llama_index.core.query_engine import CitationQueryEngine

    return CitationQueryEngine.from_args(index, llm=_llama_index_llm(generator, settings), streaming=True, **options)


class Baseline:
    """Plain LlamaIndex: VectorStoreIndex over our Chroma collection, CitationQueryEngine, defaults otherwise.

    The one baseline: the evals and the benchmark (`bench.jobs answer baseline`) both run this class.
    """

    name = "baseline"

    def __init__(self, store: Store, settings: Settings, generator: Generator):
        from llama_index.core import VectorStoreIndex

        self.store = store
        index = VectorStoreIndex.from_vector_store(store.vectors.store, embed_model=get_embedder(settings))
        self.engine = _citation_engine(index, settings, generator)

    def run(self, question: str) -> Outcome:
        from llama_index.core.base.response.schema import StreamingResponse

        t0 = time.perf_counter()
        response = self.engine.query(question)
        assert isinstance(response, StreamingResponse)  # streaming=True above
        first, parts = None, []
        for token in response.response_gen:
            first = first or time.perf_counter() - t0
            parts.append(token)
        text = "".join(parts).strip()
        citations = []
        for n, node in enumerate(response.source_nodes, 1):
            quote = re.sub(r"^Source \d+:\n", "", node.node.get_content())
            doc_id = node.node.metadata.get("doc_id", "")
            article = self.store.registry.text(doc_id) or ""
            start = article.find(quote)
            if f"[{n}]" in text:
                citations.append({"id": n, "source": doc_id, "title": node.node.metadata.get("title", ""),
                                  "outlet": node.node.metadata.get("outlet", ""),
                                  "quote": quote, "start": start, "end": start + len(quote)})
        abstained = bool(re.search(r"\b(don't|do not|cannot|can't)\b.*\b(know|say|answer|information|provided)", text, re.I))
        flagged = int(bool(re.search(r"disagree|conflict|contradict|discrepanc|inconsistent", text, re.I)))
        return Outcome(answer=text, citations=citations, disagreements=flagged, abstained=abstained or not text,
                       ttft_s=first, total_s=time.perf_counter() - t0)


class StockBaseline(Baseline):
    """LlamaIndex as its quick start builds it: its own in-memory index of the articles with the default chunking
    (1,024 tokens), `CitationQueryEngine` with `similarity_top_k=3`; the same model and embedder."""

    name = "stock"

    def __init__(self, store: Store, settings: Settings, generator: Generator):
        from llama_index.core import Document, VectorStoreIndex

        self.store = store
        docs = [Document(text=store.registry.text(d.id) or "", metadata={"doc_id": d.id, "title": d.title,
                                                                        "outlet": d.outlet},
                         excluded_embed_metadata_keys=["doc_id"], excluded_llm_metadata_keys=["doc_id"])
                for d in store.registry.docs()]
        index = VectorStoreIndex.from_documents(docs, embed_model=get_embedder(settings))
        self.engine = _citation_engine(index, settings, generator, similarity_top_k=3)
