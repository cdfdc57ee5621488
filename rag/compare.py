"""Per-source answers grouped across sources: agreement, conflict, update over time, ambiguity, lone outlier,
and the code's own statement of each, every side attributed and cited whatever the model drafted."""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Sequence

from . import numbers
from .claims import ClaimDraft, revised
from .language import DEFAULT, fold
from .phrasing import claim_text, phrase
from .phrasing import verb as verb_in
from .question import AnswerType, Query
from .settings import ClaimSettings
from .types import Claim, ClaimKind, Disagreement, DisagreementKind, StanceValue


def topic(query: Query) -> str:
    """What the sources disagree about, in the question's own words and language: "number of GPU hours (Llama)"."""
    if query.type in (AnswerType.YESNO, AnswerType.OPEN, AnswerType.CATEGORY):
        return f"“{query.text}”"
    about = query.subject or phrase(query.lang, "the_subject")
    written = re.search(re.escape(query.head).replace("\\ ", r"[\s-]+"), query.text, re.IGNORECASE) if query.head else None
    head = written.group(0) if written else query.head
    if query.type is AnswerType.COUNT and head:
        return phrase(query.lang, "number_of", head=head, about=about)
    return phrase(query.lang, "about", head=head or query.type.value, about=about)


def sides(claims: list[Claim], readings: dict[Claim, numbers.Value], settings: ClaimSettings) -> list[list[Claim]]:
    """Claims grouped by agreeing value: rounding agrees, stances by yes/no/open, names by normalised form."""
    if claims and claims[0].kind is ClaimKind.VALUE:
        values = [readings[c] for c in claims]
        return [[claims[i] for i in g] for g in numbers.group(values, settings.rounding_tolerance)]
    by: dict[str, list[Claim]] = {}
    for c in claims:
        key = c.norm
        if c.kind is ClaimKind.ENTITY:  # "Keller" is "Maria Keller"; "Foster & Partners" is "Foster and Partners"
            key = next((k for k in by if set(k.split()) <= set(c.norm.split()) or set(c.norm.split()) <= set(k.split())
                        or _spelled_alike(k, c.norm, settings.name_similarity)), key)
        by.setdefault(key, []).append(c)
    return list(by.values())


def _spelled_alike(a: str, b: str, threshold: float) -> bool:
    """One name spelled two ways ("Cristophe Gans", "Christophe Gans"): difflib's ratio over the characters."""
    return difflib.SequenceMatcher(None, a, b, autojunk=False).ratio() >= threshold


def _other_facts(groups: list[list[Claim]], names: Callable[[str, str], bool] | None) -> list[list[Claim]]:
    """Name sides whose every source also names another side's answer, one the other side's sources never name:
    those sources' other facts ("…the first British man since Fred Perry" beside Murray's win), not dissent. Two
    sides that each name the other's answer stay: that is how a contradiction reads."""
    if names is None or len(groups) < 2 or groups[0][0].kind is not ClaimKind.ENTITY:
        return groups
    full = {id(g): max((c.norm for c in g), key=len) for g in groups}

    def names_other(g: list[Claim], h: list[Claim]) -> bool:
        return all(names(source, full[id(h)]) for source in _sources(g))

    kept = [g for g in groups if not any(h is not g and names_other(g, h) and not names_other(h, g) for h in groups)]
    return kept or groups


def _primary(claims: list[Claim], drafts: dict[Claim, ClaimDraft]) -> list[Claim]:
    """One figure per speaker in a source: an article stating two figures in one voice (a rise, a part and
    a whole) states two facts, while police and organisers in one article are two sides. The figure kept is
    the one whose clause best fits the question."""
    best: dict[tuple[str, str], Claim] = {}
    for c in claims:
        key = (c.source, c.claimant)
        d, kept = drafts[c], best.get(key)
        if kept is None or (d.fit, d.relevance) > (drafts[kept].fit, drafts[kept].relevance):
            best[key] = c
    return [c for c in claims if best[(c.source, c.claimant)] is c]


def _sources(side: list[Claim]) -> set[str]:
    return {c.source for c in side}


def _origins(side: Sequence[Claim]) -> set[str]:
    """Independent sources: the copies of one wire report or release count once (rag/copies.py)."""
    return {c.independent for c in side}


def _copied(a: Claim, b: Claim) -> bool:
    """Two articles of one report (syndicated copies) with one speaker: what a copy carries from another."""
    return a.independent == b.independent and a.source != b.source and _same_speaker(a.claimant, b.claimant)


def _speakers(side: list[Claim]) -> set[tuple[str, str]]:
    return {(c.source, c.claimant) for c in side}


def _same_speaker(a: str, b: str) -> bool:
    """One speaker however each article words it: "the interior ministry" twice, or a shared name ("el último
    balance de la Consejería" and "el balance facilitado por la Consejería")."""
    names = lambda s: {w for w in re.findall(r"\b[A-ZÀ-ÖØ-Þ][\w'’-]{3,}", s) if not s.startswith(w)}  # noqa: E731
    return fold(a) == fold(b) or bool(names(a) & names(b))


def classify(groups: list[list[Claim]], settings: ClaimSettings,
             unrelated: Callable[[str, str], bool] | None = None,
             revised: Callable[[Claim], bool] | None = None) -> DisagreementKind | None:
    """None when the sources agree (or only one source speaks); else what kind of disagreement it is.

    Later figures are an update when each later one is reported as a revision (`revised`: "rose to", "now") or comes
    from a speaker of an earlier one; rival figures a day apart are still a conflict."""
    if len(groups) < 2 or len(set().union(*map(_speakers, groups))) < 2:
        return None
    if groups[0] and groups[0][0].kind is ClaimKind.STANCE:
        stances = {c.stance for g in groups for c in g}
        return DisagreementKind.CONFLICT if {StanceValue.YES, StanceValue.NO} <= stances else None
    # a name a source gives beside the one the others give is that source's other fact ("Andy Murray defeated Novak
    # Djokovic"), not dissent: speakers that all also say the most-sourced value agree
    agreed = max(groups, key=lambda g: (len(_origins(g)), len(_sources(g))))
    if len(_sources(agreed)) >= 2 and all(_speakers(g) <= _speakers(agreed) for g in groups):
        return None
    if unrelated is not None:  # different things of one name, whatever their dates
        firsts = [g[0].source for g in groups]
        if all(unrelated(a, b) for i, a in enumerate(firsts) for b in firsts[i + 1:]):
            return DisagreementKind.AMBIGUITY
    dated = [sorted(c.date for c in g) for g in groups]
    if all(d and all(d) for d in dated):
        order = sorted(groups, key=lambda g: min(c.date for c in g))
        spans = [sorted(c.date for c in g) for g in order]
        if all(a[-1] < b[0] for a, b in zip(spans, spans[1:])) and (revised is None or all(
                any(revised(c) or any(_same_speaker(c.claimant, e.claimant) for g in order[:i] for e in g) for c in later)
                for i, later in enumerate(order[1:], 1))):
            return DisagreementKind.UPDATE
    n_origins = len(set().union(*(_origins(g) for g in groups)))
    # one figure several independent sources agree on, and every other figure from one source alone: a dissenting
    # minority (a second figure of a source that also gives the agreed one is that source's other fact, not dissent);
    # ten outlets running one wire report are one source, never the majority against a reporter's own count
    dissent = [g for g in groups if g is not agreed and not _sources(g) <= _sources(agreed)]
    if n_origins >= settings.min_outlier_sources and len(_origins(agreed)) >= 2 and dissent \
            and all(len(_origins(g)) == 1 for g in dissent):
        return DisagreementKind.OUTLIER
    return DisagreementKind.CONFLICT


def compare(query: Query, claims: list[Claim], drafts: dict[Claim, ClaimDraft], settings: ClaimSettings,
            unrelated: Callable[[str, str], bool] | None = None,
            names: Callable[[str, str], bool] | None = None) -> list[Disagreement]:
    """`unrelated(a, b)`: are two sources about different things of one name; `names(source, name)`: does a
    source's article name this (normalised) name anywhere."""
    readings = {c: d.reading for c, d in drafts.items() if d.reading is not None}
    usable = [c for c in claims if c.kind is not ClaimKind.VALUE or c in readings]
    if not usable:
        return []
    if usable[0].kind is ClaimKind.VALUE:
        usable = _primary(usable, drafts)
    groups = _other_facts(sides(usable, readings, settings), names)
    kind = classify(groups, settings, unrelated, lambda c: revised(drafts[c]))
    if kind is None:
        return []
    if kind is DisagreementKind.UPDATE:
        groups.sort(key=lambda g: min(c.date for c in g))
    else:
        groups.sort(key=lambda g: (-len(_origins(g)), -len(_sources(g))))
    if usable[0].kind is ClaimKind.STANCE:
        groups = [g for g in groups if g[0].stance is not StanceValue.OPEN] + [g for g in groups if g[0].stance is StanceValue.OPEN]
    ordered = tuple(c for g in groups for c in g)
    return [Disagreement(topic(query), ordered, kind, tuple(tuple(g) for g in groups), _changed(groups, drafts, settings))]


def _changed(groups: list[list[Claim]], drafts: dict[Claim, ClaimDraft], settings: ClaimSettings) -> tuple[tuple[Claim, Claim], ...]:
    """Copies of one report whose figure differs in the same sentence (word-level alike, `aligned_min_ratio`): a copy
    that changes a figure is not a copy for that figure. The figure most of its copies carry is the report's (the
    origin's on a tie); each other is paired with it. A figure of a sentence the others lack (a local paragraph) is
    no change."""
    side = {id(c): i for i, g in enumerate(groups) for c in g}

    def aligned(a: Claim, b: Claim) -> bool:
        return difflib.SequenceMatcher(a=drafts[a].sentence.text.split(), b=drafts[b].sentence.text.split(),
                                       autojunk=False).ratio() >= settings.aligned_min_ratio

    out = []
    for c in (c for g in groups for c in g):
        same = [k for g in groups for k in g if _copied(c, k) and aligned(c, k)]
        others = [k for k in same if side[id(k)] != side[id(c)]]
        if not others:
            continue
        mine = 1 + sum(side[id(k)] == side[id(c)] for k in same)
        best = max(others, key=lambda k: (sum(side[id(o)] == side[id(k)] for o in others), k.source == k.independent))
        theirs = sum(side[id(o)] == side[id(best)] for o in others)
        if mine < theirs or (mine == theirs and best.source == best.independent):
            out.append((c, best))
    return tuple(out)


def _place(c: Claim, lang: str) -> str:
    return c.outlet if c.outlet != "unknown" else phrase(lang, "the_article", source=c.source)


def where(c: Claim, lang: str = DEFAULT) -> str:
    return f"{_place(c, lang)}, {c.date}" if c.date else _place(c, lang)


def _side(side: tuple[Claim, ...], lang: str) -> str:
    """One side, each independent report once with the outlets that carry copies of it: "three independent
    reports, one of them carried by eight outlets". Without copies, every claim as before."""
    members = sorted(side, key=lambda c: -len(c.value))  # the most precise figure leads its rounding group
    leads: list[tuple[Claim, list[Claim]]] = []
    for c in members:
        lead = next((pair for pair in leads if _copied(c, pair[0]) and c.source not in {x.source for x in pair[1]}), None)
        if lead is None:
            leads.append((c, []))
        else:
            lead[1].append(c)
    parts = []
    for lead_claim, carried in leads:
        part = f"{claim_text(lead_claim, lang)} ({where(lead_claim, lang)}) [{lead_claim.evidence_id}]"
        if carried:
            part += (phrase(lang, "carried", n=1 + len(carried), outlets=", ".join(where(c, lang) for c in carried))
                     + " " + "".join(f"[{c.evidence_id}]" for c in carried))
        parts.append(part)
    text = "; ".join(parts)
    reports = len({c.independent for c in members})
    if reports > 1 and any(carried for _, carried in leads):
        text = phrase(lang, "independent", n=reports, text=text)
    if len({c.value for c in members}) > 1 and members[0].kind is ClaimKind.VALUE:
        text += phrase(lang, "rounded")
    return text


def _changed_copies(d: Disagreement, lang: str) -> str:
    return "".join(phrase(lang, "changed_copy", copy=_place(c, lang), origin=_place(k, lang), value=c.value,
                          id=c.evidence_id, theirs=k.value, their_id=k.evidence_id) for c, k in d.changed)


def statement(d: Disagreement, query: Query) -> str:
    """The code's own sentence for a disagreement, in the question's language: each side with who says it, where and
    when, and its citation; then each syndicated copy that changed its report's figure."""
    return _stated(d, query) + _changed_copies(d, query.lang)


def _stated(d: Disagreement, query: Query) -> str:
    lang = query.lang
    groups = d.sides or (d.claims,)
    if d.kind is DisagreementKind.UPDATE:
        steps = [_side(g, lang) for g in groups]
        first, last = groups[0][0], groups[-1][0]
        verb = "changed"
        if first.number is not None and last.number is not None:
            verb = "rose" if last.number > first.number else "fell"
        return phrase(lang, "over_time", verb=phrase(lang, verb), topic=d.topic, steps=phrase(lang, "to").join(steps))
    if d.kind is DisagreementKind.OUTLIER:
        majority, minority = groups[0], groups[1:]
        differ = phrase(lang, "one_differs" if len(minority) == 1 else "some_differ")
        return phrase(lang, "most_agree", topic=d.topic, side=_side(majority, lang), differ=differ,
                      others=phrase(lang, "and_then").join(_side(g, lang) for g in minority))
    if d.kind is DisagreementKind.AMBIGUITY:
        parts = [f"{g[0].about or where(g[0], lang)}: {_side(g, lang)}" for g in groups]
        return phrase(lang, "different_things", subject=query.subject, parts=phrase(lang, "and_then").join(parts))
    if groups[0][0].kind is ClaimKind.STANCE:
        by_side: dict[tuple[str, str], list[Claim]] = {}
        for c in d.claims:
            who = where(c, lang) if c.claimant.startswith("“") or c.claimant == c.outlet else f"{c.claimant} ({where(c, lang)})"
            by_side.setdefault((who, verb_in(c.verb, lang)), []).append(c)
        parts = [f"{who} {verb}: " + "; ".join(f"{c.value} [{c.evidence_id}]" for c in said) for (who, verb), said in by_side.items()]
        return phrase(lang, "disagree", topic=d.topic, parts="; ".join(parts))
    return phrase(lang, "disagree", topic=d.topic, parts=phrase(lang, "versus").join(_side(g, lang) for g in groups))
