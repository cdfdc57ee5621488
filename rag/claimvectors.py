"""What each map claim is about, as vectors: the words around its value (which fact it states) and its article's lead
(which story it belongs to). Two figures sharing a name and a noun are one question only where both are close;
shared words alone cannot tell "six killed in the Lahore bombing" from "19 died in a Lahore factory collapse"."""

from __future__ import annotations

import base64
from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace

import numpy as np

from .chunk import Chunk, Chunker
from .claimmap import MapClaim, extract
from .claims import clause_of
from .settings import Settings
from .types import ClaimKind, SourceDoc

Embed = Callable[[list[str]], list[list[float]]]


def pack(vector: Sequence[float]) -> str:
    """A unit vector as int8 in base64: 512 characters for the 384-d embedder, cosines kept to about 0.01."""
    v = np.asarray(vector, dtype=np.float32)
    v = v / (np.linalg.norm(v) or 1.0)
    return base64.b64encode(np.clip(np.round(v * 127), -127, 127).astype(np.int8).tobytes()).decode("ascii")


def cosines(packed: Sequence[str]) -> np.ndarray:
    """Every pair's cosine, for vectors packed by `pack`; a missing vector (a claim stored without one) is close to
    nothing."""
    dim = _dim(packed)
    rows = np.stack([np.frombuffer(base64.b64decode(p), dtype=np.int8).astype(np.float32) if p
                     else np.zeros(dim, dtype=np.float32) for p in packed])
    unit = rows / np.maximum(np.linalg.norm(rows, axis=1, keepdims=True), 1e-9)
    return np.asarray(unit @ unit.T)


def _dim(packed: Sequence[str]) -> int:
    return next((len(base64.b64decode(p)) for p in packed if p), 1)


def lead(chunks: Sequence[Chunk]) -> int | None:
    """The chunk that says what story an article is: its first one that is not page furniture."""
    return next((i for i, c in enumerate(chunks) if not c.furniture), None)


def with_stories(found: Sequence[tuple[list[MapClaim], str]]) -> list[list[MapClaim]]:
    """Each article's claims with its story vector (`found`: an article's claims and its lead chunk's packed vector,
    which ingest has already computed). Their facts' vectors wait for `due`: most claims never need one."""
    return [[replace(c, story=story) for c in claims] for claims, story in found]


def due(groups: Iterable[Sequence[MapClaim]], settings: Settings) -> list[MapClaim]:
    """The claims of these groups that need their fact's vector now: those without one that share a group with a
    claim of another article whose lead is at least `map.loose_story_similarity` close to theirs. Facts are compared
    only between such articles (claimgroups._aligned), so a claim no like story ever meets is never embedded: on the
    3,824 news articles of the benchmark, three claims in four."""
    out: dict[int, MapClaim] = {}
    for group in groups:
        stories = {c.doc_id: c.story for c in group}
        if len(stories) < 2 or all(c.vector for c in group):
            continue
        ids = list(stories)
        sims = cosines([stories[d] for d in ids])
        np.fill_diagonal(sims, -1.0)
        close = {d for d, row in zip(ids, sims) if row.max() >= settings.map.loose_story_similarity}
        out.update((id(c), c) for c in group if not c.vector and c.doc_id in close)
    return list(out.values())


def with_facts(claims: Sequence[MapClaim], settings: Settings, embed: Embed) -> list[MapClaim]:
    """The claims with their fact's vector (`fact`); texts repeated among them are embedded once, in one call."""
    said = [fact(c, settings) for c in claims]
    texts = sorted(set(said), key=len)  # batches of like lengths: the embedder pads each to its longest
    packed = dict(zip(texts, map(pack, embed(texts)))) if texts else {}
    return [replace(c, vector=packed[t]) for c, t in zip(claims, said)]


def ahead(batch: Sequence[Sequence[MapClaim]], stored: Sequence[MapClaim], settings: Settings, embed: Embed) -> Embed:
    """`embed` with the facts a batch of articles will ask for already embedded, in one call: their claims' and the
    stored claims' (`stored`: those under the batch's keys) that `due` picks. Each article's put regroups in its own
    transaction and asks for a few texts; on the news benchmark, one call per article took 22 ms per article where
    one call per batch takes 16."""
    mine = [c for claims in batch for c in claims]
    replaced = {c.doc_id for c in mine}
    groups: dict[str, list[MapClaim]] = {}
    for c in [c for c in stored if c.doc_id not in replaced] + mine:
        for key in c.keys():
            groups.setdefault(key, []).append(c)
    texts = sorted({fact(c, settings) for c in due(groups.values(), settings)}, key=len)
    known = dict(zip(texts, embed(texts))) if texts else {}

    def cached(wanted: list[str]) -> list[list[float]]:
        missing = [t for t in dict.fromkeys(wanted) if t not in known]
        known.update(zip(missing, embed(missing)) if missing else ())
        return [known[t] for t in wanted]

    return cached


def fact(c: MapClaim, settings: Settings) -> str:
    """What a claim's vector embeds: the words of its value's clause nearest the value (`map.fact_words` on each
    side), so "2,000 H800 GPUs" is closer to "2,048 H800 GPUs" than to the same sentence's other figures, and a
    long sentence costs the embedder no more than a short one."""
    if c.kind is not ClaimKind.VALUE:
        return c.quote
    at = c.value_start - c.start
    clause = clause_of(c.quote, at)
    offset = c.quote.find(clause)
    before, after = clause[:max(at - offset, 0)].split(), clause[max(at - offset, 0):].split()
    n = settings.map.fact_words
    return " ".join(before[-n:] + after[:n + 1])


def claims_of(docs: Sequence[SourceDoc], settings: Settings, embed: Embed) -> list[list[MapClaim]]:
    """Articles' claims with both vectors, every fact embedded, where no ingest has embedded their chunks (claims of
    stored articles after an upgrade, evals, tests): each article's lead chunk is embedded here."""
    chunker = Chunker(settings)
    chunks = [chunker.chunks(d) for d in docs]
    firsts = [(n, cs[i].text) for n, cs in enumerate(chunks) if (i := lead(cs)) is not None]
    stories = dict(zip((n for n, _ in firsts), map(pack, embed([t for _, t in firsts])))) if firsts else {}
    found = [(extract(d, settings), stories.get(n, "")) for n, d in enumerate(docs)]  # all furniture: no story, as at ingest
    claimed = with_stories(found)
    facts = iter(with_facts([c for claims in claimed for c in claims], settings, embed))  # one call for all
    return [[next(facts) for _ in claims] for claims in claimed]
