"""One question through the pipeline: retrieve -> evidence -> claims -> model draft -> verify -> Answer."""

from __future__ import annotations

import re
import time

import numpy as np
from collections.abc import Iterator
from dataclasses import dataclass, replace

from . import claims as cl
from . import numbers, prompts
from .compare import compare, statement, topic, where
from .embed import get_embedder
from .evidence import EvidenceSelector
from .llm import Generator, ModelUnavailable
from .prompts import SYSTEM, unsupported_premise_note
from .question import AnswerType, Query, analyse
from .retrieve import Retriever
from .settings import Settings
from .store import Store
from .types import Answer, Citation, Claim, ClaimKind, Disagreement, DisagreementKind, Evidence, Sentence, Timings
from .verify import check

class QuestionError(ValueError):
    """A question that cannot be asked as it is; the message says why."""


@dataclass
class Event:
    """What the stream yields: evidence first, then draft tokens, then the verified answer."""

    kind: str  # evidence / token / answer
    evidence: list[Evidence] | None = None
    claims: list[Claim] | None = None
    disagreements: list[Disagreement] | None = None
    token: str = ""
    answer: Answer | None = None


def clean_question(question: str, settings: Settings) -> str:
    q = re.sub(r"[\x00-\x08\x0b-\x1f\x7f]", " ", question or "")
    q = re.sub(r"\s+", " ", q).strip()
    if not q:
        raise QuestionError("the question is empty")
    if not re.search(r"\w", q):
        raise QuestionError("the question has no words in it")
    if len(q) > settings.max_question_chars:
        raise QuestionError(f"the question is too long ({len(q):,} characters, limit {settings.max_question_chars:,})")
    return q


def _claim(d: cl.ClaimDraft, ev_id: int) -> Claim:
    s = d.sentence
    return Claim(source=s.source, outlet=s.outlet, claimant=d.claimant, verb=d.verb, value=d.value,
                 number=d.reading.number if d.reading else None, kind=d.kind, hedged=d.hedged, evidence_id=ev_id,
                 norm=d.norm, date=s.date, stance=d.stance, about=s.title)


def _clip(text: str, limit: int = 600) -> str:
    """What the model reads of one passage; the citation itself always keeps the whole verbatim quote."""
    return text if len(text) <= limit else text[:limit] + " …"


class Assistant:
    """The programmatic API: `ask` blocks, `stream` yields Events; both end in a verified Answer."""

    def __init__(self, store: Store, settings: Settings, generator: Generator | None = None):
        self.store = store
        self.settings = settings
        self.retriever = Retriever(store, settings)
        self.selector = EvidenceSelector(settings)
        self._generator = generator

    @property
    def generator(self) -> Generator:
        if self._generator is None:
            self._generator = Generator(self.settings)
        return self._generator

    def ask(self, question: str, history: list[str] | None = None) -> Answer:
        for event in self.stream(question, history):
            if event.kind == "answer":
                return event.answer
        raise RuntimeError("the pipeline ended without an answer")

    def stream(self, question: str, history: list[str] | None = None) -> Iterator[Event]:
        t0 = time.perf_counter()
        q = clean_question(question, self.settings)
        previous = history[-1] if history else None
        follow_up = previous and (len(q.split()) <= 8 or q.lower().startswith(("and ", "what about", "how about")))
        search_text = f"{previous} {q}" if follow_up else q
        query = analyse(q, previous if follow_up else None)
        timings = Timings()

        hits = self.retriever.search(search_text, self.settings.evidence_chunks)
        timings.retrieve_s = time.perf_counter() - t0
        sentences = self.selector.candidates(hits)
        query = cl.distinctive(query, sentences)
        scored = list(zip(sentences, self.selector.score(search_text, sentences)))
        drafts = self._relevant(cl.extract(sentences, query, self._doc_names(hits, query)), dict(scored))
        evidence = self.selector.select(scored, [d.sentence for d in drafts])
        by_pos = {(e.source, e.start): e for e in evidence}
        pairs = [(d, _claim(d, by_pos[(d.sentence.source, d.sentence.start)].id)) for d in drafts
                 if (d.sentence.source, d.sentence.start) in by_pos]
        claims = [c for _, c in pairs]
        disagreements = []
        if query.type is not AnswerType.OPEN:  # an open question's figures only check its premise
            disagreements = compare(query, claims, {c: d for d, c in pairs}, self.settings.claims, self._unrelated(hits, query))
        if not disagreements and query.type is not AnswerType.YESNO and not query.type.numeric:
            disagreements = self._aligned(query, evidence, sentences, by_pos)
        best = max((sc for _, sc in scored), default=0.0)
        timings.evidence_s = time.perf_counter() - t0
        yield Event("evidence", evidence=evidence, claims=claims, disagreements=disagreements)

        if not evidence or (query.type.valued and not claims) or (best < self.settings.min_evidence_similarity and not claims):
            answer = self._abstain(q, query, evidence, claims, disagreements, timings, t0)
            yield Event("answer", answer=answer)
            return

        unsupported = self._unsupported_premise(query, evidence, claims)  # read by the prompt and the answer
        messages = self._messages(q, previous if follow_up else None, evidence, claims, disagreements, unsupported)
        draft = []
        try:
            for token in self.generator.stream(messages):
                if timings.first_token_s is None:
                    timings.first_token_s = time.perf_counter() - t0
                draft.append(token)
                yield Event("token", token=token)
        except ModelUnavailable as e:  # the model server died midway: the evidence event already stands
            yield Event("answer", answer=self._failed(q, str(e), evidence, claims, disagreements, query, timings, t0))
            return
        answer = self._finish(q, "".join(draft), evidence, claims, disagreements, query, unsupported, timings)
        answer.timings.total_s = time.perf_counter() - t0
        yield Event("answer", answer=answer)

    def _doc_names(self, hits, query: Query) -> dict[str, bool]:
        """Per source: does the article (title and text) name the question's subject at all?"""
        out: dict[str, bool] = {}
        for h in hits:
            if h.source not in out:
                text = self.store.registry.text(h.source) or ""
                out[h.source] = cl.mentions(f"{h.title} {text[:self.settings.claims.lead_chars]}", query.names) if query.names else True
        return out

    def _relevant(self, drafts: list[cl.ClaimDraft], scores: dict[Sentence, float]) -> list[cl.ClaimDraft]:
        """Claims from sentences that bear on the question: close to the best claim's sentence, above a floor."""
        if not drafts:
            return []
        cfg = self.settings.claims
        best = max(scores.get(d.sentence, 0.0) for d in drafts)
        floor = max(cfg.min_claim_score, best - cfg.claim_score_margin)
        # a stance sentence already uses the question's own key word: only the absolute floor applies
        return [replace(d, relevance=scores.get(d.sentence, 0.0)) for d in drafts
                if scores.get(d.sentence, 0.0) >= (cfg.min_claim_score if d.kind is ClaimKind.STANCE else floor)]

    def _unrelated(self, hits, query: Query):
        """Two articles are about different things of one name when their titles, the name removed, share little."""
        if not query.names:
            return None
        titles = {h.source: h.title for h in hits}
        limit = self.settings.claims.ambiguity_max_cosine

        def unrelated(a: str, b: str) -> bool:
            strip = lambda t: " ".join(w for w in t.split() if not cl.mentions(w, query.names))  # noqa: E731
            ta, tb = strip(titles.get(a, "")), strip(titles.get(b, ""))
            if not ta or not tb:
                return False
            va, vb = (np.array(v) for v in get_embedder(self.settings).get_text_embedding_batch([ta, tb]))
            return float(va @ vb) < limit

        return unrelated

    def _aligned(self, query: Query, evidence, sentences, by_pos) -> list[Disagreement]:
        """Copies of one sentence in two sources that differ in a name or number (one altered)."""
        ev_sentences = [s for s in sentences if (s.source, s.start) in by_pos]
        for a, b, va, vb in cl.aligned_conflicts(ev_sentences, self.settings.claims):
            pair = tuple(Claim(s.source, s.outlet, s.outlet, "reports", v, None, ClaimKind.ENTITY, False,
                               by_pos[(s.source, s.start)].id, cl.normalise_name(v), s.date) for s, v in ((a, va), (b, vb)))
            return [Disagreement(f"“{query.text}”", pair, DisagreementKind.CONFLICT, ((pair[0],), (pair[1],)))]
        return []

    def _messages(self, q, previous, evidence, claims, disagreements, unsupported: str) -> list[dict]:
        # Prompt tokens dominate latency on CPU: for a value the checked table stands in for the sentences.
        if claims and claims[0].kind is ClaimKind.VALUE:
            head, items = prompts.WHO_SAID_WHAT, prompts.who_said_what(claims)
        else:  # best first, so trimming drops the weakest; shown in article order
            ranked = sorted(evidence, key=lambda e: -e.score)[: self.settings.prompt_evidence]
            head = prompts.EVIDENCE
            items = [f"[{e.id}] ({e.outlet}) {_clip(e.quote)}" for e in ranked]
        tail = []
        if disagreements:
            tail += ["", prompts.disagree_note([d.topic for d in disagreements])]
        if unsupported:
            tail += ["", unsupported_premise_note(unsupported)]
        if previous:
            tail += ["", prompts.earlier(_clip(previous))]
        tail += ["", prompts.question_line(q)]

        def build(kept: list[str]) -> list[dict]:
            ordered = sorted(kept, key=lambda line: int(re.match(r"\[(\d+)\]", line).group(1))) if head == prompts.EVIDENCE else kept
            user = "\n".join([head, *ordered, *tail])
            return [{"role": "system", "content": SYSTEM}, {"role": "user", "content": user}]

        # The context window never overflows: drop the lowest-ranked evidence lines until the prompt fits.
        budget = self.settings.n_ctx - self.settings.max_answer_tokens - 64
        while items and self.generator.count_tokens(SYSTEM + "\n".join([head, *items, *tail])) > budget:
            items = items[:-1]
        return build(items)

    @staticmethod
    def _unsupported_premise(query: Query, evidence: list[Evidence], claims: list[Claim]) -> str:
        """Figures the question states that no source states about its subject, even rounded (another story's
        100,000 does not make this one's premise true)."""
        stated = [r for c in claims if c.kind is ClaimKind.VALUE for r in numbers.find(c.value)[:1]]
        have = stated or [v for e in evidence for v in numbers.find(e.quote)]
        missing = [p for p in query.premise if (p.base >= 10 or p.kind is not numbers.ValueKind.NUMBER)
                   and not any(numbers.agrees(p, h) for h in have)]
        return ", ".join(numbers.display(p) for p in missing)

    def _finish(self, q, draft, evidence, claims, disagreements, query: Query, unsupported: str, timings) -> Answer:
        checked = check(draft, evidence, claims, query)
        kept = [c for c in checked if c.ok and c.cited]
        removed = [f"{c.text} ({c.reason})" for c in checked if not c.ok]
        lines = []
        if unsupported:
            lines.append(f"No source says {unsupported}; here is what they do say.")
        lines += [f"{c.text.rstrip('.')} " + "".join(f"[{n}]" for n in c.cited) + "." for c in kept]
        if claims and not disagreements and claims[0].kind is not ClaimKind.STANCE:
            stated = " ".join(c.text for c in kept)
            if not any(c.value in stated or c.value.strip("“”") in stated for c in claims):
                lines.append(self._state(claims))  # the answer the sources give, when the draft lost it
        lines += [statement(d, query) for d in disagreements]  # the guarantee, whatever the draft said
        abstained = not kept and not disagreements and not (claims and claims[0].kind is not ClaimKind.STANCE)
        if abstained:
            lines.append("The sources don't say. " + self._closest(evidence))
        text = " ".join(lines).strip()
        return self._answer(q, text, evidence, claims, disagreements, abstained, removed, timings)

    def _failed(self, q, error: str, evidence, claims, disagreements, query: Query, timings, t0) -> Answer:
        """Generation failed: say so, and keep what code states without the model (the sources' answers)."""
        lines = [f"Generation failed: {error}. The evidence found is listed; ask again to get an answer."]
        if claims and not disagreements and claims[0].kind is not ClaimKind.STANCE:
            lines.append(self._state(claims))
        lines += [statement(d, query) for d in disagreements]
        timings.total_s = time.perf_counter() - t0
        answer = self._answer(q, " ".join(lines), evidence, claims, disagreements, False, [], timings)
        return replace(answer, error=error)

    @staticmethod
    def _state(claims: list[Claim]) -> str:
        seen: dict[str, list[Claim]] = {}
        for c in claims:
            seen.setdefault(c.norm, []).append(c)
        parts = [f"{c.text} ({where(c)}) [{c.evidence_id}]" for group in seen.values() for c in group[:2]]
        return "; ".join(parts) + "."

    def _closest(self, evidence: list[Evidence]) -> str:
        if not evidence:
            return ""
        top = max(evidence, key=lambda e: e.score)
        return f"The closest they come: {top.outlet} writes “{top.quote}” [{top.id}]."

    def _abstain(self, q, query: Query, evidence, claims, disagreements, timings, t0) -> Answer:
        said = f"The sources don't give the {topic(query)}." if query.type.valued else "The sources don't say."
        text = f"{said} {self._closest(evidence)}".strip()
        timings.total_s = time.perf_counter() - t0
        return self._answer(q, text, evidence, claims, disagreements, True, [], timings)

    def _answer(self, q, text, evidence, claims, disagreements, abstained, removed, timings) -> Answer:
        by_id = {e.id: e for e in evidence}
        cited = sorted({n for n in (int(x) for x in re.findall(r"\[(\d+)\]", text)) if n in by_id})
        cited_all = sorted(set(cited) | {c.evidence_id for d in disagreements for c in d.claims})
        return Answer(
            question=q, answer=text, citations=[Citation.of(by_id[n]) for n in cited_all], claims=claims,
            disagreements=disagreements, abstained=abstained, evidence=evidence, removed=removed, timings=timings,
        )
