"""The one configuration object. Defaults work offline on a laptop; RAG_* environment variables override.

Where things live and which servers to use are top-level fields (`RAG_INDEX_DIR`, `RAG_CHROMA_URL`, `RAG_LLM_URL`);
tuning numbers sit in groups, one per pipeline stage (`RAG_RETRIEVAL__TOP_K`, `RAG_CLAIMS__ROUNDING_TOLERANCE`).
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

from pydantic import BaseModel, Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from .numbers import ROUNDING_TOLERANCE

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class Embedder(StrEnum):
    """The packaged embedders (rag.embed.SPECS pins their weights)."""

    MINILM = "all-MiniLM-L6-v2"
    E5 = "multilingual-e5-small"


class IngestSettings(BaseModel):
    """Reading, chunking and embedding articles (env: RAG_INGEST__<FIELD>)."""

    chunk_size: int = Field(256, ge=16, description="Tokens per chunk; a few hundred keeps a chunk on one topic.")
    chunk_overlap: int = Field(32, ge=0, description="Tokens shared by neighbouring chunks, so no sentence is cut off.")
    embedder: Embedder = Field(Embedder.MINILM, description="Which packaged embedder turns chunks and questions into "
                                                            "vectors; an index keeps the one it was built with until "
                                                            "`rag reembed` moves it.")
    embed_batch_size: int = Field(32, ge=1, description="Texts the embedder encodes at once.")
    batch_chunks: int = Field(64, ge=1, description="Chunks embedded together across documents during ingest.")
    max_file_bytes: int = Field(20 * 1024 * 1024, ge=1, description="Larger files are refused with a reason.")
    max_doc_chars: int = Field(2_000_000, ge=1, description="Longer extracted texts are refused with a reason.")
    min_free_bytes: int = Field(64 << 20, ge=0, description="Ingest stops ('disk full') before a batch when the "
                                "index's disk has less free than this: Chroma's embedded engine hangs in-process after "
                                "a write that ran out of space, so the UI must never get there.")
    disk_full_bytes: int = Field(1 << 20, description="A write to the index that fails with less free space than "
                                                      "this on its disk is reported as 'disk full'.")
    max_title_chars: int = Field(200, ge=10, description="Titles (given or taken from the first line) are cut here.")
    binary_control_share: float = Field(0.05, description="A file whose first 8 KiB hold more control bytes than "
                                                          "this share is binary, not text.")
    furniture_markers: tuple[str, ...] = Field(
        ("Leave a Comment", "Leave a Reply", "Related Posts:", "Related Articles", "More Tech", "Latest Stories",
         "Source link", "Read more:"),
        description="Lines that start page furniture (comments, link lists): text after them ranks lower.",
    )


class RetrievalSettings(BaseModel):
    """Hybrid search: dense and BM25 rankings fused (env: RAG_RETRIEVAL__<FIELD>)."""

    top_k: int = Field(8, ge=1, description="Chunks returned by a plain search.")
    pool_factor: int = Field(4, ge=1, description="Each ranking contributes this many times k candidates to fusion.")
    min_pool: int = Field(20, ge=1, description="...and at least this many.")
    rrf_k: int = Field(60, ge=1, description="Reciprocal rank fusion constant (Cormack et al. 2009 use 60).")
    furniture_penalty: float = Field(0.5, description="Furniture chunks stay findable but their fused score is "
                                                      "multiplied by this.")
    exact_token_max_chunks: int = Field(3, ge=0, description="A query token found in at most this many chunks (a code, "
                                                             "an id) puts those chunks first.")


class EvidenceSettings(BaseModel):
    """Which sentences become evidence (env: RAG_EVIDENCE__<FIELD>)."""

    chunks: int = Field(12, ge=1, description="Chunks whose sentences compete to be evidence; claims need breadth.")
    max_evidence: int = Field(8, ge=1, description="Sentences kept as numbered evidence.")
    per_source: int = Field(3, ge=1, description="At most this many evidence sentences from one article, beside "
                                                 "those a claim rests on.")
    min_sentence_chars: int = Field(12, ge=1, description="Shorter fragments are never evidence.")
    lexical_weight: float = Field(0.25, description="Weight of the question-word overlap added to a sentence's cosine.")
    furniture_penalty: float = Field(0.2, description="Subtracted from the score of a sentence in page furniture.")
    min_similarity: float = Field(0.35, description="Below this best score (and with no claim) nothing retrieved "
                                                    "answers the question: abstain.")
    embedding_cache: int = Field(20_000, ge=0, description="Sentence embeddings kept across questions.")


class QuestionSettings(BaseModel):
    """Reading the question (env: RAG_QUESTION__<FIELD>)."""

    max_chars: int = Field(2000, ge=10, description="Longer questions are refused with a reason.")
    follow_up_words: int = Field(8, ge=0, description="A question this short after another is read as a follow-up "
                                                      "and searched with the previous one.")


class GenerationSettings(BaseModel):
    """The local model that phrases the answer (env: RAG_GENERATION__<FIELD>)."""

    n_threads: int = Field(2, ge=1, description="CPU threads llama.cpp uses.")
    n_ctx: int = Field(4096, ge=256, description="Context window in tokens.")
    n_batch: int = Field(512, ge=1, description="Prompt tokens llama.cpp evaluates per batch.")
    max_answer_tokens: int = Field(220, ge=1, description="Longest draft the model may write.")
    prompt_margin_tokens: int = Field(64, ge=0, description="Tokens kept free besides the answer when evidence is "
                                                            "trimmed to fit the window.")
    prompt_evidence: int = Field(6, ge=1, description="Evidence sentences the model reads (prompt tokens cost ~25 ms "
                                                      "each on 2 cores).")
    passage_chars: int = Field(600, ge=50, description="What the model reads of one passage; the citation keeps the "
                                                       "whole quote.")
    repeat_penalty: float = Field(1.05, description="llama.cpp repeat penalty; greedy decoding otherwise.")
    server_timeout_s: float = Field(120, gt=0, description="Seconds to wait for an OpenAI-compatible model server.")


class VerifySettings(BaseModel):
    """Checking the model's draft against its cited passages (env: RAG_VERIFY__<FIELD>)."""

    min_shared_words: float = Field(0.25, ge=0, le=1, description="Share of a draft sentence's words its cited "
                                    "passages (with their outlet, title and claimant) must hold: a marker the model "
                                    "copied from an article's text cites a passage that says nothing the sentence says.")


class UISettings(BaseModel):
    """The Gradio web UI (env: RAG_UI__<FIELD>)."""

    host: str = Field("127.0.0.1", description="Interface to listen on; 0.0.0.0 serves the network.")
    port: int = Field(7860, ge=1, le=65535, description="Port of the web UI and its HTTP APIs (also `rag serve`'s).")
    shutdown_grace_s: int = Field(5, ge=0, description="Seconds a stopping server gives open requests (chat "
                                                           "streams, queue connections) before it closes them, so a "
                                                           "TERM ends it promptly.")


class ApiSettings(BaseModel):
    """The interfaces for programs: the OpenAI-compatible chat API and the MCP server (env: RAG_API__<FIELD>)."""

    key: str | None = Field(None, description="Bearer key the OpenAI-compatible API and MCP over HTTP require. "
                                              "Without one they answer loopback clients only: a shared server must "
                                              "not let anyone on the network add articles or run the model.")
    model_id: str = Field("news-rag", description="The one model /v1/models lists; a request naming another is refused.")
    max_messages: int = Field(64, ge=1, description="A chat request with more messages is refused (413): the history "
                                                    "is read only for follow-up questions, so more is a client's bug.")
    max_body_bytes: int = Field(1 << 20, ge=1, description="A request body larger than this is refused (413) before "
                                                           "it is parsed.")
    sources_in_text: bool = Field(True, description="Chat replies list each cited quote under the answer: chat clients "
                                                    "(Open WebUI) show only the text, and a [n] without its quote "
                                                    "checks nothing. Scripts read the extra `rag` field either way.")
    stream_piece_chars: int = Field(80, ge=1, description="A streamed reply is sent in pieces of about this many "
                                                          "characters, once it is verified (never the unchecked draft).")


class ClaimSettings(BaseModel):
    """Per-source answers and how they are compared (env: RAG_CLAIMS__<FIELD>)."""

    rounding_tolerance: float = Field(ROUNDING_TOLERANCE, description="Two figures this close (relative) may be one figure rounded.")
    aligned_min_ratio: float = Field(0.6, description="Word-level similarity above which two sources' sentences are "
                                                      "copies, so a differing name or number in them is a conflict.")
    copied_min_ratio: float = Field(0.85, description="Above this word-level similarity two sources' sentences are one "
                                                      "text copied, about the question's subject even where neither "
                                                      "names it.")
    ambiguity_max_cosine: float = Field(0.4, description="Articles whose leads (the shared name removed) are less "
                                                         "similar than this are about different things of that name.")
    ambiguity_lead_chars: int = Field(600, description="An article's lead for that test: its title and this many "
                                                       "first characters (titles alone are too short to tell).")
    min_claim_score: float = Field(0.25, description="A claim's sentence must score at least this (cosine to the "
                                                     "question plus word overlap) to count as an answer.")
    claim_score_margin: float = Field(0.4, description="...and at most this far below the best claim sentence.")
    min_claim_score_other_language: float = Field(0.15, description="The floor for a typed claim in a language other "
                                                                    "than the question's: the English embedder scores "
                                                                    "such sentences low however well they answer.")
    lead_chars: int = Field(1500, description="An article whose title or first characters name the subject is about "
                                              "it: its sentences that name no one else may answer for it.")
    min_outlier_sources: int = Field(3, description="Sources needed before a lone different value is an outlier.")
    name_similarity: float = Field(0.9, description="Two names whose characters are this alike (difflib's ratio) are "
                                                    "one name spelled two ways (\"Cristophe\", \"Christophe\").")


class Route(StrEnum):
    """Who reads each source's answer: the model proposes and code checks, or the hand-written rules alone."""

    MODEL = "model"
    RULES = "rules"
    MIXED = "mixed"  # the rules read articles in the question's language, the model those in any other


class ReadingSettings(BaseModel):
    """The model reading each source (env: RAG_READING__<FIELD>)."""

    route: Route = Field(Route.RULES, description="model: the model proposes each source's answer span and code "
                                                  "checks it (rag.checks); rules: the hand-written extraction alone, "
                                                  "kept for comparison (bench.spans) and ablation; mixed: the rules "
                                                  "read articles in the question's language and the model every "
                                                  "other (the rules' noun checks work within one language).")
    sources: int = Field(4, ge=1, description="Articles the model reads per question, best first: each costs one "
                                              "short call (~1 s on 2 cores).")
    sentences: int = Field(3, ge=1, description="Sentences of one article the model reads, its best by score, in "
                                                "article order: prompt tokens are most of the cost on CPU.")
    min_score: float = Field(0.25, description="A sentence scoring below this (cosine plus word overlap) is not "
                                               "read: nothing in it is about the question.")
    max_span_chars: int = Field(80, ge=8, description="Longest span the model may propose (a grammar bound): "
                                                      "answers are a figure or a name, not a sentence.")
    answers: int = Field(2, ge=1, description="Answers one article may state, each checked on its own: a report often "
                                              "gives two sides (\"police said 1,800; organisers 3,000\").")
    named_only: bool = Field(True, description="Read only articles whose title or lead names the question's subject: "
                                               "a report of another event is not read (off: the model and the checks "
                                               "must tell, but a report that names only the town is read).")
    max_tokens: int = Field(48, ge=8, description="Tokens one reading may generate (its JSON included).")
    translate: bool = Field(False, description="Read an article in another language than the question's with the "
                                               "question translated by the model into the article's language (one "
                                               "call per language, ~2 s). Off: the 1.5B model's translations lose "
                                               "what is asked more often than they help (crosslang-dev, model "
                                               "route, first 51 q.: 2 figures found, 7 lost); for a stronger model "
                                               "behind RAG_LLM_URL.")
    translate_tokens: int = Field(96, ge=16, description="Tokens a translated question may take (its JSON included).")
    checks_off: tuple[str, ...] = Field((), description="Named checks (rag.checks.CHECKS) switched off, for "
                                                        "ablation: RAG_READING__CHECKS_OFF='[\"dateline\"]'.")


class MapSettings(BaseModel):
    """The disagreement map: claims found without a question, grouped across articles (env: RAG_MAP__<FIELD>)."""

    max_subjects: int = Field(3, ge=1, description="Name words a claim is filed under (nearest to its value first): "
                                                   "\"Harcastle bought Brightwell for…\" is about both.")
    context_words: int = Field(8, ge=1, description="Words on each side of a value, inside its clause, that say "
                                                    "what the value is (\"killed\", \"missing\", \"fee\").")
    min_shared_terms: int = Field(2, ge=1, description="Two different values with no counted noun (amounts, shares, "
                                                       "measures, bare figures) disagree only where the words around "
                                                       "them share this many (\"killed\", \"on board\").")
    noun_shared_terms: int = Field(1, ge=0, description="...and two counts of the same named thing (\"seats\") this "
                                                        "many.")
    min_count: float = Field(2, ge=0, description="Smaller plain counts (\"one of\", \"a\") are not claims.")
    story_similarity: float = Field(0.7, ge=-1, le=1, description="Two articles are one story, whose figures may "
                                                                  "contest each other, where their leads' embeddings "
                                                                  "are this close (cosine): two attacks in one city "
                                                                  "are two stories.")
    same_fact_similarity: float = Field(0.4, ge=-1, le=1, description="...and two claims state the same fact where "
                                                                      "the words around their values are this close "
                                                                      "(matched closest pair first, each claim once).")
    fact_words: int = Field(12, ge=1, description="Words of a value's clause on each side of it that its vector "
                                                  "embeds: what the figure is said to be.")
    loose_story_similarity: float = Field(0.6, ge=-1, le=1, description="Articles whose leads are only this close "
                                                                        "(a lead cluttered with links) are one story where "
                                                                        "they name someone or something else in common, for "
                                                                        "claims whose sentences are `loose_fact_similarity` "
                                                                        "close.")
    loose_fact_similarity: float = Field(0.55, ge=-1, le=1, description="See `loose_story_similarity`.")
    stance_terms: int = Field(6, ge=1, description="Words after a stance marker (\"no evidence that…\", "
                                                   "\"reportedly…\") a stance is filed under: what is contested.")
    stance_shared_terms: int = Field(2, ge=1, description="A yes and a no disagree only where their contested "
                                                          "words share this many (\"concede\", \"defeat\").")
    max_shown_share: float = Field(0.5, ge=0, le=1, description="An entry with more of its claims than this share "
                                                                "already shown by a larger entry is left out (the same "
                                                                "story filed under another name or word).")
    max_group_claims: int = Field(300, ge=2, description="A group with more claims is classified on its newest this "
                                                        "many, so ingest stays fast when a name is in every article.")
    page_size: int = Field(50, ge=1, description="Map entries per page, most sources first.")


class FetchSettings(BaseModel):
    """Downloading articles and feeds by URL (env: RAG_FETCH__<FIELD>)."""

    timeout_s: float = Field(20.0, gt=0, description="Seconds one URL may take: connecting, each wait for data, and the "
                                                      "whole body; a slower server is reported as a timeout.")
    max_bytes: int = Field(10 * 1024 * 1024, ge=1, description="A page or feed body larger than this (after "
                                                               "decompression) is refused before it is stored.")
    max_redirects: int = Field(5, ge=0, description="Redirects followed per URL; more (or a loop) is an error.")
    user_agent: str = Field("news-rag/0.1 (offline news assistant)", description="Sent with every request; some "
                                                                                 "sites refuse clients without one.")
    allow_private: bool = Field(True, description="Whether links may point at loopback, private or link-local "
                                                  "addresses (an intranet news site). Set false where a shared UI must "
                                                  "not read the host's own network; checked at every redirect.")
    min_text_chars: int = Field(80, ge=1, description="A linked page whose main text is shorter than this is not an "
                                                      "article (a home page, a menu, a paywall stub) and is refused.")
    feed_max_items: int = Field(50, ge=1, description="New items ingested per feed and pull; the rest wait for the "
                                                      "next pull (a first pull of a long archive stays bounded).")
    feed_max_seen: int = Field(5000, ge=1, description="Item ids remembered per feed (newest kept), so an item is "
                                                       "never ingested twice while it is still in the feed.")


class CopySettings(BaseModel):
    """Syndicated copies grouped into one origin at ingest (env: RAG_COPIES__<FIELD>)."""

    group: bool = Field(True, description="Find copies at ingest; off, every article counts as its own source (what "
                                          "an ablation compares against).")
    shingle_words: int = Field(5, ge=1, description="Words per shingle: five are rarely shared by chance, and a house "
                                                    "style's changed word breaks only the five around it.")
    num_perm: int = Field(128, ge=16, description="MinHash permutations: the similarity estimate's error is about "
                                                  "1/sqrt(num_perm), 0.09 at 128; each costs 8 bytes per article.")
    seed: int = Field(1, description="MinHash seed; stored signatures made with another are made again.")
    candidate_similarity: float = Field(0.2, gt=0, lt=1, description="LSH threshold (estimated Jaccard) for a pair "
                                                                     "to be checked: low, because a copy trimmed to its "
                                                                     "first paragraphs shares only a part of the whole.")
    min_shared: float = Field(0.75, gt=0, le=1, description="Share of the shorter text's shingles the other must "
                                                            "hold to be a copy: independent reports quoting one "
                                                            "official share under a fifth, an outlet's follow-up that "
                                                            "recycles its earlier story's background half to three "
                                                            "quarters (the bench's 3,824 news articles), a copy more.")
    min_shingles: int = Field(20, ge=1, description="A text with fewer shingles (about 25 words) is too short to tell "
                                                    "a copy from a shared quote and is no one's copy.")


# Every cosine floor below was set with all-MiniLM-L6-v2. Another embedder's cosines, on the same dev text, lie along a
# line a + b·(MiniLM's): its floors are a + b·t and its weights and margins b·w, unless set explicitly.
# Measured with `python -m bench.calibrate` on 1,000 dev pairs of each kind (rank correlation 0.84 / 0.94).
CALIBRATION: dict[Embedder, dict[str, tuple[float, float]]] = {
    Embedder.E5: {"query": (0.702, 0.261), "passage": (0.746, 0.25)},
}
# Which fields sit on which scale: (group, field, "query" for question against sentence, "passage" for text against
# text, and whether the field is a level (a + b·t) or a width (b·w)).
CALIBRATED = (
    ("evidence", "min_similarity", "query", "level"), ("evidence", "lexical_weight", "query", "width"),
    ("evidence", "furniture_penalty", "query", "width"), ("claims", "min_claim_score", "query", "level"),
    ("claims", "claim_score_margin", "query", "width"), ("claims", "min_claim_score_other_language", "query", "level"),
    ("reading", "min_score", "query", "level"), ("claims", "ambiguity_max_cosine", "passage", "level"),
    ("map", "story_similarity", "passage", "level"), ("map", "same_fact_similarity", "passage", "level"),
    ("map", "loose_story_similarity", "passage", "level"), ("map", "loose_fact_similarity", "passage", "level"),
)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="RAG_", extra="ignore", env_nested_delimiter="__")

    # Where things live.
    corpus_dir: Path = Field(PROJECT_ROOT / "corpus", description="The shipped articles `rag reindex` reads.")
    index_dir: Path = Field(PROJECT_ROOT / "index", description="Registry, vectors, BM25 and this index's uploads.")
    model_cache_dir: Path = Field(PROJECT_ROOT / "models", description="Where a model assembled from parts is kept.")

    # Which model and servers.
    model: str = Field("qwen2.5-coder-1.5b", description="A key of rag.models.MODELS (run in-process) or of a registered generator.")
    chroma_url: str | None = Field(None, description="A Chroma server instead of the embedded index/chroma.")
    registry_url: str | None = Field(None, description="A PostgreSQL server (postgresql://user:password@host/db) for the "
                                                       "registry instead of the SQLite file in the index folder: with "
                                                       "chroma_url, workers on several hosts share no disk.")
    llm_url: str | None = Field(None, description="An OpenAI-compatible /v1 endpoint instead of the in-process model.")
    llm_model_name: str = Field("local", description="The model name sent to that endpoint.")
    plugins: tuple[str, ...] = Field((), description="Python modules imported at start-up, each of which may register a "
                                                     "generator (rag.generate.register_generator), as simonw/llm's "
                                                     "plug-ins do; e.g. RAG_PLUGINS='[\"my_models\"]'.")

    ingest: IngestSettings = IngestSettings()
    retrieval: RetrievalSettings = RetrievalSettings()
    evidence: EvidenceSettings = EvidenceSettings()
    question: QuestionSettings = QuestionSettings()
    generation: GenerationSettings = GenerationSettings()
    verify: VerifySettings = VerifySettings()
    ui: UISettings = UISettings()
    api: ApiSettings = ApiSettings()
    claims: ClaimSettings = ClaimSettings()
    fetch: FetchSettings = FetchSettings()
    map: MapSettings = MapSettings()
    reading: ReadingSettings = ReadingSettings()
    copies: CopySettings = CopySettings()

    @model_validator(mode="after")
    def _on_embedders_scale(self) -> Settings:
        return self._calibrated()

    def _calibrated(self) -> Settings:
        """The embedder's own floors, where no one set them: a floor tuned for MiniLM on e5's scale passes everything."""
        lines = CALIBRATION.get(self.ingest.embedder)
        for group in {g for g, *_ in CALIBRATED}:  # copies: the groups' default instances are shared
            object.__setattr__(self, group, getattr(self, group).model_copy())
        for group, field, kind, shape in CALIBRATED:
            sub = getattr(self, group)
            if field not in sub.model_fields_set:
                a, b = lines[kind] if lines else (0.0, 1.0)
                t = type(sub).model_fields[field].default
                object.__setattr__(sub, field, round(a + b * t if shape == "level" else b * t, 3))
        return self

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

    def tuned(self, **groups: dict) -> Settings:
        """A copy with some fields of some groups changed: `settings.tuned(generation={"n_ctx": 700})`."""
        update = {name: getattr(self, name).model_copy(update=fields) for name, fields in groups.items()}
        copy = self.model_copy(update=update)
        return copy._calibrated() if self.ingest.embedder != copy.ingest.embedder else copy
