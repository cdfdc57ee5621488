"""The one configuration object. Defaults work offline on a laptop; RAG_* environment variables override."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from .numbers import ROUNDING_TOLERANCE

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class ClaimSettings(BaseModel):
    """Per-source answers and how they are compared (env: RAG_CLAIMS__<FIELD>)."""

    rounding_tolerance: float = Field(ROUNDING_TOLERANCE, description="Two figures this close (relative) may be one figure rounded.")
    aligned_min_ratio: float = Field(0.6, description="Word-level similarity above which two sources' sentences are "
                                                      "copies, so a differing name or number in them is a conflict.")
    ambiguity_max_cosine: float = Field(0.3, description="Articles whose leads (the shared name removed) are less "
                                                         "similar than this are about different things of that name.")
    min_claim_score: float = Field(0.25, description="A claim's sentence must score at least this (cosine to the "
                                                     "question plus word overlap) to count as an answer.")
    claim_score_margin: float = Field(0.4, description="...and at most this far below the best claim sentence.")
    lead_chars: int = Field(1500, description="An article whose title or first characters name the subject is about "
                                              "it: its sentences that name no one else may answer for it.")
    min_outlier_sources: int = Field(3, description="Sources needed before a lone different value is an outlier.")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="RAG_", extra="ignore", env_nested_delimiter="__")

    claims: ClaimSettings = ClaimSettings()

    # Where things live.
    corpus_dir: Path = PROJECT_ROOT / "corpus"
    index_dir: Path = PROJECT_ROOT / "index"
    model_cache_dir: Path = PROJECT_ROOT / "models"

    # Ingestion.
    chunk_size: int = 256  # tokens; a few hundred keeps a chunk on one topic
    chunk_overlap: int = 32
    embed_batch_size: int = 32
    ingest_batch_chunks: int = Field(default=64, ge=1)  # chunks embedded together across documents
    max_file_bytes: int = 20 * 1024 * 1024
    max_doc_chars: int = 2_000_000
    min_free_bytes: int = Field(64 << 20, ge=0, description="Ingest stops ('disk full') before a batch when the "
                                "index's disk has less free than this: Chroma's embedded engine hangs in-process after "
                                "a write that ran out of space, so the UI must never get there.")
    disk_full_bytes: int = Field(1 << 20, description="A write to the index that fails with less free space than "
                                                      "this on its disk is reported as 'disk full'.")
    furniture_markers: tuple[str, ...] = (
        "Leave a Comment",
        "Leave a Reply",
        "Related Posts:",
        "Related Articles",
        "More Tech",
        "Latest Stories",
        "Source link",
        "Read more:",
    )

    # Retrieval.
    top_k: int = 8
    rrf_k: int = 60
    furniture_penalty: float = 0.5  # furniture chunks stay findable but rank below article text
    exact_token_max_chunks: int = 3  # a query token in at most this many chunks puts them first (codes, ids)

    # Scale-out: a Chroma server instead of the embedded index/.
    chroma_url: str | None = None

    # Generation.
    model: str = "qwen2.5-coder-1.5b"  # a key of rag.llm.MODELS
    llm_url: str | None = None  # an OpenAI-compatible /v1 endpoint instead of in-process
    llm_model_name: str = "local"
    n_threads: int = Field(default=2, ge=1)
    n_ctx: int = 4096
    max_answer_tokens: int = 220
    max_question_chars: int = 2000

    # Web UI.
    ui_host: str = "127.0.0.1"
    ui_port: int = 7860

    # Evidence.
    evidence_chunks: int = 12  # chunks whose sentences compete to be evidence; claims need breadth
    max_evidence: int = 8
    prompt_evidence: int = 6  # of those, how many the model reads (prompt tokens cost ~25 ms each on 2 cores)
    min_evidence_similarity: float = 0.35  # below this nothing retrieved answers the question

    @property
    def chroma_dir(self) -> Path:
        return self.index_dir / "chroma"

    @property
    def registry_path(self) -> Path:
        return self.index_dir / "registry.sqlite3"

    @property
    def uploads_dir(self) -> Path:
        # Each index owns its uploads: `rag reindex` of one index never takes in another's articles.
        return self.index_dir / "uploads"
