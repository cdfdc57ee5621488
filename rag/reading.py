"""The model reads each source: per article, the exact words that answer the question as that article states them,
or nothing; for a yes-or-no question, its stance. Code checks every proposal (rag.checks) before it is a claim.

Reading comprehension ("does this sentence say how many were *arrested*, or how many *marched*?") is what the model
is for; one short constrained call per article, its sentences last so successive calls share the prompt's start.
"""

from __future__ import annotations

import json
import logging
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, replace

from . import numbers, prompts
from .claims import ClaimDraft, mentions
from .generate import Generator, Message
from .language import Lang, fold, load
from .question import AnswerType, Query
from .settings import ReadingSettings
from .types import Sentence, StanceValue

log = logging.getLogger(__name__)

_UNSTATED = frozenset({"", "null", "none", "n/a", "not stated", "unknown"})  # null written as a string
_CONFIRM = {"type": "object", "properties": {"states": {"enum": ["yes", "no"]}}, "required": ["states"]}
_STANCES = {"yes": StanceValue.YES, "no": StanceValue.NO, "not stated": StanceValue.OPEN}


@dataclass(frozen=True)
class Window:
    """What the model reads of one article: its best sentences, in article order."""

    source: str
    title: str
    sentences: tuple[Sentence, ...]
    copies: tuple[tuple[Sentence, ...], ...] = ()  # the same sentences in syndicated copies, which are not read again


@dataclass(frozen=True)
class Proposal:
    """One answer the model proposed for one article, unchecked: `span` is meant to be verbatim; an article may hold
    several (each side it reports), or none."""

    window: Window
    span: str | None
    stance: StanceValue | None = None


def windows(scored: list[tuple[Sentence, float]], settings: ReadingSettings,
            origins: Mapping[str, str] | None = None) -> list[Window]:
    """Per article, its best sentences above the floor; articles best first, as many as the model reads. A
    syndicated copy whose sentences are the same as a window's of its origin is that window's copy, not read again
    (`origins`: copies.origins); a copy that changed them is read on its own."""
    origins = origins or {}
    by_source: dict[str, list[tuple[Sentence, float]]] = defaultdict(list)
    for s, score in scored:
        if score >= settings.min_score:
            by_source[s.source].append((s, score))
    ranked = sorted(by_source.values(), key=lambda pairs: -max(sc for _, sc in pairs))
    out: dict[tuple[str, tuple[str, ...]], Window] = {}
    for pairs in ranked:
        best = sorted(pairs, key=lambda p: -p[1])[: settings.sentences]
        chosen = tuple(sorted((s for s, _ in best), key=lambda s: s.start))
        key = (origins.get(chosen[0].source, chosen[0].source), tuple(fold(s.text) for s in chosen))
        if key in out:
            out[key] = replace(out[key], copies=out[key].copies + (chosen,))
        elif len(out) < settings.sources:
            out[key] = Window(chosen[0].source, chosen[0].title, chosen)
    return list(out.values())


def carried(drafts: list[ClaimDraft], read: list[Window]) -> list[ClaimDraft]:
    """Each checked reading also as the copies carry it: the same sentence, cited in each outlet that ran it."""
    twins: dict[Sentence, list[Sentence]] = defaultdict(list)
    for w in read:
        for copy in w.copies:
            for s, t in zip(w.sentences, copy):
                twins[s].append(t)
    return drafts + [replace(d, sentence=t) for d in drafts for t in twins.get(d.sentence, ())]


def _schema(stance: bool, max_chars: int, sentences: int, answers: int) -> dict:
    if stance:  # the sentence by its number: code cites it whole, and the model writes two tokens, not a quote
        return {"type": "object", "properties": {"answer": {"enum": list(_STANCES)},
                                                 "sentence": {"type": "integer", "minimum": 1, "maximum": sentences}},
                "required": ["answer", "sentence"]}
    return {"type": "object", "properties": {"answers": {"type": "array", "maxItems": answers,
                                                         "items": {"type": "string", "maxLength": max_chars}}},
            "required": ["answers"]}


def _stated(answers: object) -> list[str]:
    """The distinct answers a reply states; "null" written as a string, or a reply that is no list, states none."""
    if not isinstance(answers, list):
        return []
    spans = [a.strip() for a in answers if isinstance(a, str) and a.strip().lower() not in _UNSTATED]
    return list(dict.fromkeys(spans))


def keeps_names_and_figures(query: Query, translation: str, lang: Lang) -> bool:
    """A translation that changed, dropped or added a figure, or dropped every name the question writes, asks
    something else."""
    if not translation:
        return False
    asked = numbers.find(query.text, load(query.lang))
    said = numbers.find(translation, lang)
    if not (all(any(numbers.same(a, b) for b in said) for a in asked) and all(any(numbers.same(b, a) for a in asked)
                                                                             for b in said)):
        return False
    written = tuple(n for n in query.names if fold(n) in fold(query.text))  # a follow-up's inherited names are not
    return not written or mentions(translation, written)


class Reader:
    """Asks the model for each window's answer under a JSON schema; a reply that is not the schema's is "not stated"."""

    def __init__(self, generator: Generator, settings: ReadingSettings):
        self.generator = generator
        self.settings = settings

    def read(self, question: str, asked: AnswerType, found: list[Window],
             asked_in: Mapping[str, str] | None = None) -> list[Proposal]:
        """`asked_in`: the question as each source's article reads it (`in_their_languages`), else as asked."""
        stance = asked is AnswerType.YESNO
        system = prompts.READ_STANCE_SYSTEM if stance else prompts.READ_SYSTEM
        out = []
        for w in found:
            schema = _schema(stance, self.settings.max_span_chars, len(w.sentences), self.settings.answers)
            asked_here = (asked_in or {}).get(w.source, question)
            messages: list[Message] = [
                {"role": "system", "content": system},
                {"role": "user", "content": prompts.read_request(asked_here, w.title, [s.text for s in w.sentences])}]
            reply = self._parse(self.generator.complete_json(messages, schema, self.settings.max_tokens))
            if stance:
                said = _STANCES.get(str(reply.get("answer")))
                n = reply.get("sentence")
                quote = w.sentences[n - 1].text if isinstance(n, int) and 1 <= n <= len(w.sentences) else None
                out.append(Proposal(w, quote, said))
                log.debug("read %s: %s %r", w.source, said, quote)
            else:
                spans = _stated(reply.get("answers"))
                out += [Proposal(w, span) for span in spans[: self.settings.answers]]
                log.debug("read %s: %r", w.source, spans)
        return out

    def in_their_languages(self, query: Query, found: list[Window], langs: Mapping[str, str]) -> dict[str, str]:
        """Per source, the question translated into its article's language (`langs`: source -> code) where that is
        not the question's; once per language, kept only where it checks. Off by default (`translate`)."""
        if not self.settings.translate:
            return {}
        by_lang: dict[str, str] = {}
        out = {}
        for w in found:
            code = langs.get(w.source, query.lang)
            if code == query.lang:
                continue
            if code not in by_lang:
                by_lang[code] = self.translated(query, load(code))
            out[w.source] = by_lang[code]
        return out

    def translated(self, query: Query, lang: Lang) -> str:
        """The question in `lang`, or as asked where the translation lost a figure or every name the question gives."""
        schema = {"type": "object", "properties": {"question": {"type": "string"}}, "required": ["question"]}  # no
        # maxLength: llama.cpp spells a long bound out as nested grammar rules, slow to sample; `translate_tokens` bounds it
        messages: list[Message] = [{"role": "system", "content": prompts.TRANSLATE_SYSTEM},
                                   {"role": "user", "content": prompts.translate_request(query.text, lang.name)}]
        said = self._parse(self.generator.complete_json(messages, schema, self.settings.translate_tokens)).get("question")
        kept = isinstance(said, str) and keeps_names_and_figures(query, said.strip(), lang)
        log.debug("asked in %s: %r (%s)", lang.code, said, "kept" if kept else "refused")
        return said.strip() if kept and isinstance(said, str) else query.text

    def confirm(self, question: str, sentence: str, span: str) -> bool:
        """The model's yes/no reading of one sentence against the question: does it state `span` as the answer?"""
        messages: list[Message] = [{"role": "system", "content": prompts.READ_SYSTEM},
                                   {"role": "user", "content": prompts.confirm_request(question, sentence, span)}]
        reply = self._parse(self.generator.complete_json(messages, _CONFIRM, self.settings.max_tokens))
        return reply.get("states") == "yes"

    @staticmethod
    def _parse(text: str) -> dict:
        try:
            reply = json.loads(text)
        except json.JSONDecodeError:
            return {}
        return reply if isinstance(reply, dict) else {}
