"""One question through the pipeline: retrieve -> evidence -> claims -> model draft -> verify -> Answer."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from dataclasses import dataclass

from . import claims as cl
from .evidence import EvidenceSelector
from .llm import Generator
from .retrieve import Retriever
from .settings import Settings
from .store import Store
from .types import Answer, Citation, Claim, Disagreement, Evidence, Sentence, Timings
from .verify import check

SYSTEM = (  # no "say you don't know" rule: code decides abstention; with it the 1.5B model abstained on answerable questions
    "You answer questions about news articles using ONLY the numbered evidence you are given.\n"
    "Rules:\n"
    "- Answer the question directly in 1 to 3 short sentences, using the evidence that answers it.\n"
    "- End every sentence with the marker of its evidence, like [2].\n"
    "- Copy numbers and names exactly as the evidence writes them. Never add facts that are not in the evidence.\n"
    "- When a 'Who said what' list is given, it is checked: say who claims or estimates each number "
    "exactly as listed, and keep 'claims' apart from 'estimates'.\n"
    "- When the sources disagree, state each side with its source."
)


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


def _topic(frame: cl.Frame, question: str) -> str:
    who = ", ".join(frame.subjects) or "the subject"
    if frame.kind == "quantity" and frame.unit:
        return f"number of {frame.unit} ({who})"
    return f"“{question}”"


def _claim(s: Sentence, fields: dict, ev_id: int) -> Claim:
    return Claim(source=s.source, outlet=s.outlet, evidence_id=ev_id, **fields)


def _disagreements(frame: cl.Frame, question: str, claims: list[Claim], evidence: list[Evidence],
                   sentences: dict[int, Sentence]) -> list[Disagreement]:
    out = []
    quantities = [c for c in claims if c.kind == "quantity"]
    if quantities:
        groups = cl.group_values([c.number for c in quantities])
        if len(groups) > 1 and len({c.source for c in quantities}) > 1:
            ordered = tuple(quantities[i] for g in groups for i in g)
            out.append(Disagreement(_topic(frame, question), ordered))
    stances = [c for c in claims if c.kind.startswith("stance:")]
    if {c.kind for c in stances} >= {"stance:yes", "stance:no"}:
        out.append(Disagreement(_topic(frame, question), tuple(c for c in stances if c.kind != "stance:open")))
    if not out:
        ev_sentences = [sentences[e.id] for e in evidence]
        ids = {(s.source, s.start): e.id for e, s in zip(evidence, ev_sentences)}
        for a, b, va, vb in cl.aligned_conflicts(ev_sentences):
            pair = tuple(
                Claim(s.source, s.outlet, s.outlet, "reports", v, None, "entity", False, ids[(s.source, s.start)])
                for s, v in ((a, va), (b, vb))
            )
            out.append(Disagreement(_topic(frame, question), pair))
            break
    return out


def _clip(text: str, limit: int = 600) -> str:
    """What the model reads of one passage; the citation itself always keeps the whole verbatim quote."""
    return text if len(text) <= limit else text[:limit] + " …"


def _who_said_what(claims: list[Claim]) -> str:
    return "\n".join(f"- {c.text} (reported by {c.outlet}) [{c.evidence_id}]" for c in claims)


def disagreement_sentence(d: Disagreement) -> str:
    """The code's own statement of a disagreement: every side attributed and cited, rounding kept together."""
    if d.claims and d.claims[0].kind == "quantity":
        claims = list(d.claims)
        groups = cl.group_values([c.number for c in claims])
        groups.sort(key=lambda g: -len({claims[i].source for i in g}))
        sides = []
        for g in groups:
            members = sorted((claims[i] for i in g), key=lambda c: cl.precision_rank(c.number))
            text = "; ".join(f"{c.text} (in {_where(c)}) [{c.evidence_id}]" for c in members)
            if len({c.number for c in members}) > 1:
                text += ", the same figure rounded"
            sides.append(text)
        return f"Sources disagree ({d.topic}): " + " — versus — ".join(sides) + "."
    by_side: dict[tuple[str, str], list[int]] = {}
    for c in d.claims:  # a stance is its verb ("denies"); a name or place is stated: each side's own answer
        said = f"{c.verb} “{c.value}”" if c.kind == "entity" else c.verb
        by_side.setdefault((_where(c), said), []).append(c.evidence_id)
    sides = [f"{where} {said} " + "".join(f"[{n}]" for n in ids) for (where, said), ids in by_side.items()]
    return f"Sources disagree ({d.topic}): " + "; ".join(sides) + "."


def _where(c: Claim) -> str:
    return c.outlet if c.outlet != "unknown" else f"the article {c.source}"


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
        query = f"{previous} {q}" if follow_up else q
        frame = cl.frame(q, previous if follow_up else None)
        timings = Timings()

        hits = self.retriever.search(query, self.settings.evidence_chunks)
        timings.retrieve_s = time.perf_counter() - t0
        sentences = self.selector.candidates(hits)
        wants_values = frame.kind == "quantity" or (frame.premise_numbers and frame.unit)
        found = cl.quantity_claims(sentences, frame) if wants_values else []
        if frame.kind == "yesno":
            found = cl.stance_claims(sentences, frame)
        scored = list(zip(sentences, self.selector.score(query, sentences)))
        evidence = self.selector.select(scored, [s for s, _ in found])
        by_pos = {(e.source, e.start): e for e in evidence}
        sentence_of = {by_pos[(s.source, s.start)].id: s for s in sentences if (s.source, s.start) in by_pos}
        claims = [_claim(s, f, by_pos[(s.source, s.start)].id) for s, f in found if (s.source, s.start) in by_pos]
        disagreements = _disagreements(frame, q, claims, evidence, sentence_of)
        best = max((sc for _, sc in scored), default=0.0)
        timings.evidence_s = time.perf_counter() - t0
        yield Event("evidence", evidence=evidence, claims=claims, disagreements=disagreements)

        if not evidence or (best < self.settings.min_evidence_similarity and not claims):
            answer = self._abstain(q, evidence, claims, disagreements, scored, timings, t0)
            yield Event("answer", answer=answer)
            return

        messages = self._messages(q, previous if follow_up else None, evidence, claims, disagreements, frame)
        draft = []
        for token in self.generator.stream(messages):
            if timings.first_token_s is None:
                timings.first_token_s = time.perf_counter() - t0
            draft.append(token)
            yield Event("token", token=token)
        answer = self._finish(q, "".join(draft), evidence, claims, disagreements, frame, timings)
        answer.timings.total_s = time.perf_counter() - t0
        yield Event("answer", answer=answer)

    def _messages(self, q, previous, evidence, claims, disagreements, frame) -> list[dict]:
        # Prompt tokens dominate latency on CPU: for a quantity the checked table stands in for the sentences.
        if claims and any(c.kind == "quantity" for c in claims):
            head, items = "Who said what (checked evidence):", _who_said_what(claims).splitlines()
        else:  # best first, so trimming drops the weakest; shown in article order
            ranked = sorted(evidence, key=lambda e: -e.score)[: self.settings.prompt_evidence]
            head = "Evidence:"
            items = [f"[{e.id}] ({e.outlet}) {_clip(e.quote)}" for e in ranked]
        tail = []
        if disagreements:
            tail += ["", "The sources disagree on: " + "; ".join(d.topic for d in disagreements) + "."]
        unsupported = self._unsupported_premise(frame, evidence)
        if unsupported:
            tail += ["", f"Note: no source states {unsupported}; say so and give what the sources do say."]
        if previous:
            tail += ["", f"Earlier question: {_clip(previous)}"]
        tail += ["", f"Question: {q}"]

        def build(kept: list[str]) -> list[dict]:
            ordered = sorted(kept, key=lambda line: int(re.match(r"\[(\d+)\]", line).group(1))) if head == "Evidence:" else kept
            user = "\n".join([head, *ordered, *tail])
            return [{"role": "system", "content": SYSTEM}, {"role": "user", "content": user}]

        # The context window never overflows: drop the lowest-ranked evidence lines until the prompt fits.
        budget = self.settings.n_ctx - self.settings.max_answer_tokens - 64
        while items and self.generator.count_tokens(SYSTEM + "\n".join([head, *items, *tail])) > budget:
            items = items[:-1]
        return build(items)

    @staticmethod
    def _unsupported_premise(frame: cl.Frame, evidence: list[Evidence]) -> str:
        have = [v for e in evidence for v in cl.numbers_in(e.quote)]
        missing = [v for v in frame.premise_numbers if v >= 10 and not any(cl.compatible(v, h) for h in have)]
        return ", ".join(f"{v:,.0f}" for v in missing)

    def _finish(self, q, draft, evidence, claims, disagreements, frame, timings) -> Answer:
        checked = check(draft, evidence, claims)
        kept = [c for c in checked if c.ok and c.cited]
        removed = [f"{c.text} ({c.reason})" for c in checked if not c.ok]
        lines = []
        unsupported = self._unsupported_premise(frame, evidence)
        if unsupported:
            lines.append(f"No source says {unsupported}; here is what they do say.")
        lines += [f"{c.text.rstrip('.')} " + "".join(f"[{n}]" for n in c.cited) + "." for c in kept]
        lines += [disagreement_sentence(d) for d in disagreements]  # the guarantee, whatever the draft said
        abstained = not kept and not disagreements
        if abstained:
            lines.append("The sources don't say. " + self._closest(evidence))
        text = " ".join(lines).strip()
        return self._answer(q, text, evidence, claims, disagreements, abstained, removed, timings)

    def _closest(self, evidence: list[Evidence]) -> str:
        if not evidence:
            return ""
        top = max(evidence, key=lambda e: e.score)
        return f"The closest they come: {top.outlet} writes “{top.quote}” [{top.id}]."

    def _abstain(self, q, evidence, claims, disagreements, scored, timings, t0) -> Answer:
        text = f"The sources don't say. {self._closest(evidence)}".strip()
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
