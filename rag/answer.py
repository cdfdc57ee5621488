"""One question through the pipeline: retrieve -> evidence -> claims -> model draft -> verify -> Answer."""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from enum import StrEnum

import numpy as np

from . import claims as cl
from . import instructions, language, numbers, prompts
from .checks import Refusal, checked, holds_asked_value
from .compare import compare, statement, topic, where
from .embed import get_embedder
from .evidence import EvidenceSelector
from .generate import Generator, Message, load_generator
from .language import fold
from .models import ModelUnavailable
from .phrasing import claim_text, phrase
from .prompts import SYSTEM, unsupported_premise_note
from .question import AnswerType, Query, analyse
from .reading import Reader, carried, windows
from .retrieve import Retriever
from .sentences import spans as sentence_spans
from .settings import Route, Settings
from .store import Store
from .types import (
    Answer,
    Citation,
    Claim,
    ClaimKind,
    Disagreement,
    DisagreementKind,
    Evidence,
    Hit,
    Sentence,
    SourceWarning,
    Timings,
)
from .verify import check

log = logging.getLogger(__name__)


class QuestionError(ValueError):
    """A question that cannot be asked as it is; the message says why."""


class EventKind(StrEnum):
    EVIDENCE = "evidence"  # once, before the model starts: evidence, claims and disagreements
    TOKEN = "token"  # each piece of the model's draft
    ANSWER = "answer"  # once, last: the verified Answer


@dataclass
class Event:
    """What the stream yields: evidence first, then draft tokens, then the verified answer."""

    kind: EventKind
    evidence: list[Evidence] | None = None
    claims: list[Claim] | None = None
    disagreements: list[Disagreement] | None = None
    token: str = ""
    answer: Answer | None = None
    warnings: list[SourceWarning] | None = None  # retrieved articles set aside: they address AI systems


@dataclass
class Findings:
    """What the pipeline knows before the model writes; the prompt, the verifier and the answer all read it."""

    question: str
    query: Query
    evidence: list[Evidence]
    claims: list[Claim]
    disagreements: list[Disagreement]
    timings: Timings
    unsupported: str = ""  # figures the question states that no source states
    warnings: list[SourceWarning] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)  # the model's proposals a check refused, and which check
    unasked: list[str] = field(default_factory=list)  # further questions of the same message, not answered here


# Terminal escape sequences (colours, cursor moves), with their ESC or as the fragment left once it was stripped:
# "\x1b[31m" must not leave "31m" for the question's reader to take as a figure.
_ESCAPES = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b.|\[[0-9;]*m(?!\])")


def clean_question(question: str, settings: Settings) -> str:
    """The question as it is read: escape sequences and control characters gone, spaces collapsed; or why not."""
    q = _ESCAPES.sub(" ", question or "")
    q = re.sub(r"[\x00-\x08\x0b-\x1f\x7f]", " ", q)
    q = re.sub(r"\s+", " ", q).strip()
    if not q:
        raise QuestionError("the question is empty")
    if not re.search(r"\w", q):
        raise QuestionError("the question has no words in it")
    if len(q) > settings.question.max_chars:
        raise QuestionError(f"the question is too long ({len(q):,} characters, limit {settings.question.max_chars:,})")
    return q


def split_questions(question: str) -> tuple[str, list[str]]:
    """The first question of a message that asks several ("How many attended? Did they use smuggled chips?") and
    the others: each needs its own evidence and reading, so one is answered and the answer names the rest."""
    asked = [question[a:b] for a, b in sentence_spans(question)]
    questions = [p for p in asked if p.rstrip().endswith(("?", "？", "¿")) and len(p.split()) >= 2]
    if len(questions) < 2:
        return question, []
    return questions[0], questions[1:]


def _claim(d: cl.ClaimDraft, ev_id: int, origins: dict[str, str]) -> Claim:
    s = d.sentence
    return Claim(source=s.source, outlet=s.outlet, claimant=d.claimant, verb=d.verb, value=d.value,
                 number=d.reading.number if d.reading else None, kind=d.kind, hedged=d.hedged, evidence_id=ev_id,
                 norm=d.norm, date=s.date, stance=d.stance, about=s.title, origin=origins.get(s.source, s.source))


def _clip(text: str, limit: int) -> str:
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
        self._hostile: dict[tuple[str, str], list[SourceWarning]] = {}  # (article, content hash) -> its warnings
        self._langs: dict[tuple[str, str], str] = {}  # (article, content hash) -> its language

    @property
    def generator(self) -> Generator:
        if self._generator is None:
            self._generator = load_generator(self.settings)
        return self._generator

    def ask(self, question: str, history: list[str] | None = None) -> Answer:
        for event in self.stream(question, history):
            if event.kind is EventKind.ANSWER and event.answer is not None:
                return event.answer
        raise RuntimeError("the pipeline ended without an answer")

    def stream(self, question: str, history: list[str] | None = None) -> Iterator[Event]:
        t0 = time.perf_counter()
        q, unasked = split_questions(clean_question(question, self.settings))
        previous = history[-1] if history else None
        openers = language.load(language.detect(q)).follow_up_openers
        follow_up = bool(previous) and (len(q.split()) <= self.settings.question.follow_up_words
                                        or fold(q).startswith(openers))
        search_text = f"{previous} {q}" if follow_up else q
        query = analyse(q, previous if follow_up else None)
        timings = Timings()

        hits, warnings = self._screen(self.retriever.search(search_text, self.settings.evidence.chunks))
        timings.retrieve_s = time.perf_counter() - t0
        sentences = self.selector.candidates(hits)
        query = cl.distinctive(query, sentences)
        scored = list(zip(sentences, self.selector.score(search_text, sentences)))
        refusals: list[Refusal] = []
        origins = self.store.origins()  # syndicated copies (rag/copies.py): one report, however many outlets ran it
        about = self._doc_names(hits, query)
        drafts = self._relevant(cl.extract(sentences, query, about), dict(scored), query.lang)  # the rules' reading
        route = self.settings.reading.route if query.type is not AnswerType.OPEN else Route.RULES
        read = route is Route.MODEL
        readable = [(s, sc) for s, sc in scored if not self.settings.reading.named_only or about.get(s.source, True)]
        if read:  # the model's reading, the rules' its tie-breaker
            drafts, refusals = self._read(q, query, readable, drafts, origins)
        elif route is Route.MIXED:  # the rules read articles in the question's language; the model (checked) the rest
            langs = {source: self._doc_lang(source) for source in {s.source for s, _ in readable}}
            theirs = [(s, sc) for s, sc in readable if langs[s.source] != query.lang]
            if theirs:
                foreign = {s.source for s, _ in theirs}
                mine = [d for d in drafts if d.sentence.source not in foreign]
                others, refusals = self._read(q, query, theirs, [d for d in drafts if d.sentence.source in foreign],
                                              origins)
                drafts = mine + others
                # what the model read and code checked is stated by code, as on the model route; where it refused
                # every reading and the rules read nothing, the answer abstains and names what was refused
                read = bool(others) or (bool(refusals) and not mine)
        timings.read_s = time.perf_counter() - t0 - timings.retrieve_s
        evidence = self.selector.select(scored, [d.sentence for d in drafts], origins=origins)
        by_pos = {(e.source, e.start): e for e in evidence}
        pairs = [(d, _claim(d, by_pos[(d.sentence.source, d.sentence.start)].id, origins)) for d in drafts
                 if (d.sentence.source, d.sentence.start) in by_pos]
        claims = [c for _, c in pairs]
        disagreements = []
        if query.type is not AnswerType.OPEN:  # an open question's figures only check its premise
            disagreements = compare(query, claims, {c: d for d, c in pairs}, self.settings.claims, self._unrelated(hits, query),
                                    self._names())
        if not disagreements and query.type is not AnswerType.YESNO and (not query.type.numeric or not claims):
            disagreements = self._aligned(query, evidence, sentences, by_pos, origins)
        best = max((sc for _, sc in scored), default=0.0)
        timings.evidence_s = time.perf_counter() - t0
        log.debug("%s question: %d evidence, %d claims, %d disagreements in %.3f s", query.type, len(evidence),
                  len(claims), len(disagreements), timings.evidence_s)
        yield Event(EventKind.EVIDENCE, evidence=evidence, claims=claims, disagreements=disagreements, warnings=warnings)

        found = Findings(q, query, evidence, claims, disagreements, timings, warnings=warnings,
                         refused=[str(r) for r in refusals], unasked=unasked)
        if not evidence or ((query.type.valued or read) and not claims) or (best < self.settings.evidence.min_similarity and not claims):
            answer = self._stated(found) if disagreements else self._abstain(found)
            answer.timings.total_s = time.perf_counter() - t0
            yield Event(EventKind.ANSWER, answer=answer)
            return

        found.unsupported = self._unsupported_premise(query, evidence, claims)
        if read:  # the checked readings are the answer: code states them, no free draft to check
            answer = self._said(found)
            answer.timings.total_s = time.perf_counter() - t0
            for piece in re.findall(r"\S+\s*", answer.answer):
                yield Event(EventKind.TOKEN, token=piece)
            yield Event(EventKind.ANSWER, answer=answer)
            return
        messages = self._messages(found, previous if follow_up else None)
        draft = []
        try:
            for token in self.generator.stream(messages):
                if timings.first_token_s is None:
                    timings.first_token_s = time.perf_counter() - t0
                draft.append(token)
                yield Event(EventKind.TOKEN, token=token)
        except ModelUnavailable as e:  # the model server died midway: the evidence event already stands
            answer = self._failed(found, str(e))
            answer.timings.total_s = time.perf_counter() - t0
            yield Event(EventKind.ANSWER, answer=answer)
            return
        answer = self._finish(found, "".join(draft))
        answer.timings.total_s = time.perf_counter() - t0
        log.debug("generated %d draft pieces; first token %.2f s, total %.2f s", len(draft),
                  timings.first_token_s or 0.0, answer.timings.total_s)
        yield Event(EventKind.ANSWER, answer=answer)

    def _read(self, question: str, query: Query, scored: list[tuple[Sentence, float]],
              rules: list[cl.ClaimDraft], origins: dict[str, str]) -> tuple[list[cl.ClaimDraft], list[Refusal]]:
        """The model reads each of the best articles; code checks what it proposes, the rules' reading of the same
        article the tie-breaker, and a second yes/no reading of the one sentence where only the model reads one."""
        cfg = self.settings.reading
        reader = Reader(self.generator, cfg)
        if query.type.valued:  # the window's places go to sentences whose figures could pass the `typed` check
            scored = [(s, sc) for s, sc in scored if holds_asked_value(s, query)]
        read = windows(scored, cfg, origins)
        asked_in = reader.in_their_languages(query, read, {w.source: self._doc_lang(w.source) for w in read})
        drafts, refusals = checked(reader.read(question, query.type, read, asked_in), query, dict(scored), cfg.checks_off,
                                   rules, lambda c: reader.confirm(asked_in.get(c.sentence.source, question),
                                                                   c.sentence.text, c.span))
        return carried(drafts, read), refusals

    def _screen(self, hits: list[Hit]) -> tuple[list[Hit], list[SourceWarning]]:
        """The hits of articles that address AI systems set aside, and why: nothing such an article says reaches the
        model, a claim, a side or the closest passage. Each article is read once per version (its content hash)."""
        warnings: list[SourceWarning] = []
        hostile: set[str] = set()
        for source in dict.fromkeys(h.source for h in hits):
            doc = self.store.registry.get(source)
            if doc is None:
                continue
            key = (source, doc.hash)
            if key not in self._hostile:
                found = instructions.scan(self.store.registry.text(source) or "", doc.title, doc.outlet)
                self._hostile[key] = [SourceWarning(source, doc.outlet, doc.title, i.where, i.sentence, i.start, i.end,
                                                    i.reason) for i in found]
            if self._hostile[key]:
                hostile.add(source)
                warnings += self._hostile[key]
        return [h for h in hits if h.source not in hostile], warnings

    def _doc_names(self, hits, query: Query) -> dict[str, bool]:
        """Per source: does the article (title and text) name the question's subject at all?"""
        out: dict[str, bool] = {}
        for h in hits:
            if h.source not in out:
                text = self.store.registry.text(h.source) or ""
                out[h.source] = cl.mentions(f"{h.title} {text[:self.settings.claims.lead_chars]}", query.names) if query.names else True
        return out

    def _doc_lang(self, source: str) -> str:
        """An article's language, from its title and lead (one short sentence can read as English); once per version."""
        doc = self.store.registry.get(source)
        key = (source, doc.hash if doc else "")
        if key not in self._langs:
            text = self.store.registry.text(source) or ""
            self._langs[key] = language.detect(f"{doc.title if doc else ''} {text[:self.settings.claims.lead_chars]}")
        return self._langs[key]

    def _relevant(self, drafts: list[cl.ClaimDraft], scores: dict[Sentence, float], lang: str) -> list[cl.ClaimDraft]:
        """Claims from sentences that bear on the question: close to the best claim's sentence, above a floor."""
        if not drafts:
            return []
        cfg = self.settings.claims
        best = max(scores.get(d.sentence, 0.0) for d in drafts)  # the best claim's own sentence
        floor = max(cfg.min_claim_score, best - cfg.claim_score_margin)
        # a stance sentence already uses the question's own key word, and a value typed by the question's specific
        # word ("9 metres long", "41 species") is an answer however the rest of its sentence is worded: for those
        # only the absolute floor applies
        def needed(d: cl.ClaimDraft) -> float:
            if not (d.kind is ClaimKind.STANCE or d.typed):
                return floor
            return cfg.min_claim_score if cl.sentence_lang(d.sentence).code == lang else cfg.min_claim_score_other_language

        # a claim's window (its sentence and the one before, where the subject is often named) bears as its best
        # sentence does across languages, where the embedder's cosine runs low, and for a name that did the asked
        # thing ("The painting was bought by the Merrow Gallery": the painting is named the sentence before)
        by_text = {(s.source, s.text): score for s, score in scores.items()}

        def score(d: cl.ClaimDraft) -> float:
            s = d.sentence
            window = by_text.get((s.source, s.prev), 0.0) if d.agent or cl.sentence_lang(s).code != lang else 0.0
            return max(scores.get(s, 0.0), window)

        return [replace(d, relevance=score(d)) for d in drafts if score(d) >= needed(d)]

    def _unrelated(self, hits, query: Query):
        """Two articles are about different things of one name when their leads (title and opening), the name
        removed, share little: a dairy's job cuts and a solar firm's hiring; one story's articles share their topic."""
        if not query.names:
            return None
        titles = {h.source: h.title for h in hits}
        cfg = self.settings.claims

        def lead(source: str) -> str:
            text = f"{titles.get(source, '')}. {(self.store.registry.text(source) or '')[:cfg.ambiguity_lead_chars]}"
            return " ".join(w for w in text.split() if not cl.mentions(w, query.names))

        def unrelated(a: str, b: str) -> bool:
            ta, tb = lead(a), lead(b)
            if not ta or not tb:
                return False
            va, vb = (np.array(v) for v in get_embedder(self.settings).get_text_embedding_batch([ta, tb]))
            return float(va @ vb) < cfg.ambiguity_max_cosine

        return unrelated

    def _names(self) -> Callable[[str, str], bool]:
        """Does a source's article name a (normalised) name anywhere (claims.names_in), each article read once."""
        texts: dict[str, str] = {}

        def names(source: str, name: str) -> bool:
            if source not in texts:
                texts[source] = language.plain(self.store.registry.text(source) or "")
            return cl.names_in(texts[source], name)

        return names

    def _aligned(self, query: Query, evidence, sentences, by_pos, origins: dict[str, str]) -> list[Disagreement]:
        """Copies of one sentence in two sources that differ in a name or number (one altered)."""
        ev_sentences = [s for s in sentences if (s.source, s.start) in by_pos]
        for a, b, va, vb in cl.aligned_conflicts(ev_sentences, self.settings.claims, query.names, query.terms):
            pair = tuple(Claim(source=s.source, outlet=s.outlet, claimant=s.outlet, verb="reports", value=v, number=None,
                               kind=ClaimKind.ENTITY, hedged=False, evidence_id=by_pos[(s.source, s.start)].id,
                               norm=cl.normalise_name(v), date=s.date, origin=origins.get(s.source, s.source))
                         for s, v in ((a, va), (b, vb)))
            return [Disagreement(f"“{query.text}”", pair, DisagreementKind.CONFLICT, ((pair[0],), (pair[1],)))]
        return []

    def _messages(self, f: Findings, previous: str | None) -> list[Message]:
        gen, claims, evidence = self.settings.generation, f.claims, f.evidence
        # Prompt tokens dominate latency on CPU: for a value the checked table stands in for the sentences.
        # Each line with its order of display: claims keep theirs (0 for all, the sort is stable); evidence is
        # listed best first, so trimming drops the weakest, and shown in article order.
        if claims and claims[0].kind is ClaimKind.VALUE:
            head, items = prompts.WHO_SAID_WHAT, [(0, line) for line in prompts.who_said_what(claims)]
        else:
            ranked = sorted(evidence, key=lambda e: -e.score)[: gen.prompt_evidence]
            head = prompts.EVIDENCE
            items = [(e.id, f"[{e.id}] ({e.outlet}) {_clip(e.quote, gen.passage_chars)}") for e in ranked]
        tail = []
        if f.disagreements:
            tail += ["", prompts.disagree_note([d.topic for d in f.disagreements])]
        if f.unsupported:
            tail += ["", unsupported_premise_note(f.unsupported)]
        if previous:
            tail += ["", prompts.earlier(_clip(previous, gen.passage_chars))]
        tail += ["", prompts.question_line(f.question)]

        def user(kept: list[tuple[int, str]]) -> str:
            return "\n".join([head, *(line for _, line in sorted(kept, key=lambda p: p[0])), *tail])

        # The context window never overflows: drop the lowest-ranked evidence lines until the prompt fits.
        budget = gen.n_ctx - gen.max_answer_tokens - gen.prompt_margin_tokens
        while items and self.generator.count_tokens(SYSTEM + "\n" + user(items)) > budget:
            items = items[:-1]
        return [{"role": "system", "content": SYSTEM}, {"role": "user", "content": user(items)}]

    @staticmethod
    def _unsupported_premise(query: Query, evidence: list[Evidence], claims: list[Claim]) -> str:
        """Figures the question states that no source states about its subject, even rounded (another story's
        100,000 does not make this one's premise true). A figure of another kind than the claims' (the day of a
        march whose size is asked) is checked against the evidence, and the day an article was filed is one it states."""
        stated = [r for c in claims if c.kind is ClaimKind.VALUE for r in numbers.find(c.value)[:1]]
        quoted = [v for e in evidence for v in numbers.find(e.quote)]
        filed = [v for day in {c.date for c in claims if c.date} for v in numbers.find(day)]

        def have(p: numbers.Value) -> list[numbers.Value]:
            return ([h for h in stated if h.kind is p.kind] or quoted) + filed

        missing = [p for p in query.premise if (p.base >= 10 or p.kind is not numbers.ValueKind.NUMBER)
                   and not any(numbers.agrees(p, h) for h in have(p))]
        return ", ".join(numbers.display(p) for p in missing)

    def _finish(self, f: Findings, draft: str) -> Answer:
        checked = check(draft, f.evidence, f.claims, f.query, self.settings.verify.min_shared_words)
        kept = [c for c in checked if c.ok and c.cited]
        removed = [f"{c.text} ({c.reason})" for c in checked if not c.ok]
        removed += [f"[{n}] in “{c.text}” (no passage of this answer has that number)" for c in checked for n in c.stray]
        cited = {n for c in kept for n in c.cited}  # ids the code put there: a "[3]" quoted from an article is text
        lines = []
        lang = f.query.lang
        if f.unsupported:
            lines.append(phrase(lang, "no_source_says", values=f.unsupported))
        lines += [f"{c.text.rstrip('.')} " + "".join(f"[{n}]" for n in c.cited) + "." for c in kept]
        if f.claims and not f.disagreements and f.claims[0].kind is not ClaimKind.STANCE:
            stated = " ".join(c.text for c in kept)
            if not any(c.value in stated or c.value.strip("“”") in stated for c in f.claims):
                said, ids = self._sources_say(f.claims, lang)  # the answer the sources give, when the draft lost it
                lines.append(said)
                cited |= ids
        lines += [statement(d, f.query) for d in f.disagreements]  # the guarantee, whatever the draft said
        abstained = not kept and not f.disagreements and not (f.claims and f.claims[0].kind is not ClaimKind.STANCE)
        if abstained:
            closest, top = self._closest(f.evidence, lang)
            lines.append(f"{phrase(lang, 'dont_say')} {closest}".strip())
            cited |= top
        return self._answer(f, " ".join(lines).strip(), cited, abstained, removed)

    def _said(self, f: Findings) -> Answer:
        """The answer code states from the checked readings: each side of a disagreement, else the sources' answers."""
        lines = [phrase(f.query.lang, "no_source_says", values=f.unsupported)] if f.unsupported else []
        cited: set[int] = set()
        if f.disagreements:
            lines += [statement(d, f.query) for d in f.disagreements]
        else:
            said, cited = self._sources_say(f.claims, f.query.lang)
            lines.append(said)
        return self._answer(f, " ".join(lines), cited, False, [])

    def _failed(self, f: Findings, error: str) -> Answer:
        """Generation failed: say so, and keep what code states without the model (the sources' answers)."""
        lines = [f"Generation failed: {error}. The evidence found is listed; ask again to get an answer."]
        cited: set[int] = set()
        if f.claims and not f.disagreements and f.claims[0].kind is not ClaimKind.STANCE:
            said, cited = self._sources_say(f.claims, f.query.lang)
            lines.append(said)
        lines += [statement(d, f.query) for d in f.disagreements]
        return replace(self._answer(f, " ".join(lines), cited, False, []), error=error)

    @staticmethod
    def _sources_say(claims: list[Claim], lang: str) -> tuple[str, set[int]]:
        """The sources' answers stated by code (up to two claims per distinct value, in the order found), with the
        evidence ids it cites."""
        seen: dict[str, list[Claim]] = {}
        for c in claims:
            seen.setdefault(c.norm, []).append(c)
        shown = [c for group in seen.values() for c in group[:2]]
        return ("; ".join(f"{claim_text(c, lang)} ({where(c, lang)}) [{c.evidence_id}]" for c in shown) + ".",
                {c.evidence_id for c in shown})

    @staticmethod
    def _closest(evidence: list[Evidence], lang: str) -> tuple[str, set[int]]:
        if not evidence:
            return "", set()
        top = max(evidence, key=lambda e: e.score)
        return phrase(lang, "closest", outlet=top.outlet, quote=top.quote, id=top.id), {top.id}

    def _stated(self, f: Findings) -> Answer:
        """No source's answer could be read, but copies of one sentence differ in it: code states both, no model."""
        return self._answer(f, " ".join(statement(d, f.query) for d in f.disagreements), set(), False, [])

    def _abstain(self, f: Findings) -> Answer:
        lang = f.query.lang
        said = phrase(lang, "dont_give", topic=topic(f.query)) if f.query.type.valued else phrase(lang, "dont_say")
        closest, top = self._closest(f.evidence, lang)
        return self._answer(f, f"{said} {closest}".strip(), top, True, [])

    @staticmethod
    def _answer(f: Findings, text: str, cited: set[int], abstained: bool, removed: list[str]) -> Answer:
        by_id = {e.id: e for e in f.evidence}
        if f.unasked:
            rest = phrase(f.query.lang, "and").join(f"“{u}”" for u in f.unasked)
            text += " " + phrase(f.query.lang, "only_answers", question=f.question, rest=rest)
        cited_all = sorted((cited | {c.evidence_id for d in f.disagreements for c in d.claims}) & set(by_id))
        return Answer(
            question=f.question, answer=text, citations=[Citation.of(by_id[n]) for n in cited_all], claims=f.claims,
            disagreements=f.disagreements, abstained=abstained, evidence=f.evidence, removed=f.refused + removed,
            timings=f.timings, warnings=f.warnings,
        )
