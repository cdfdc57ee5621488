"""Claims of many articles grouped by what they are about, and each group's disagreement classified: agreement
(nothing to show), conflict, update over time, ambiguity (different things sharing a name) or a lone outlier.

A claim's group keys come from the claim alone (`MapClaim.keys`), so ingesting, replacing or removing an article
only adds or removes its own claims' rows; a group is classified from its current claims whenever it is read."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from . import numbers
from .claimmap import MapClaim
from .claims import NAME
from .compare import classify
from .language import everywhere
from .settings import Settings
from .types import Claim, ClaimKind, DisagreementKind, StanceValue

_ARTICLES = frozenset(everywhere("articles"))
_MEASURES = {"number": "number", "money": "amount", "percent": "share (%)"}


@dataclass(frozen=True)
class MapEntry:
    """One place where sources disagree: its group key, a readable topic, the kind, and the sides (claims that
    agree, largest first; for an update, oldest first)."""

    key: str
    topic: str
    kind: DisagreementKind
    sides: tuple[tuple[MapClaim, ...], ...]

    @property
    def claims(self) -> tuple[MapClaim, ...]:
        return tuple(c for side in self.sides for c in side)

    @property
    def sources(self) -> int:
        return len({c.doc_id for c in self.claims})

    def ids(self) -> frozenset[tuple[str, int]]:
        return frozenset((c.doc_id, c.value_start) for c in self.claims)

    def to_json(self) -> dict:
        """The stored form (the registry keeps each group's entries, recomputed with its claims): the claims as
        shown, without what only grouping reads."""
        return {"key": self.key, "topic": self.topic, "kind": self.kind.value,
                "sides": [[c.to_json(shown=True) for c in side] for side in self.sides]}

    @classmethod
    def from_json(cls, d: dict) -> MapEntry:
        return cls(d["key"], d["topic"], DisagreementKind(d["kind"]),
                   tuple(tuple(MapClaim.from_json(c) for c in side) for side in d["sides"]))


def claim_id(c: MapClaim) -> tuple[str, int]:
    return c.doc_id, c.value_start


def as_claim(c: MapClaim, n: int) -> Claim:
    """The answer path's Claim for one map claim (`n` stands for its citation number)."""
    return Claim(source=c.doc_id, outlet=c.outlet, claimant=c.claimant, verb=c.verb, value=c.value,
                 number=c.reading.number if c.reading else None, kind=c.kind, hedged=c.hedged, evidence_id=n,
                 norm=c.norm, date=c.date, stance=c.stance, about=c.title)


def by_key(claims: Iterable[MapClaim]) -> dict[str, list[MapClaim]]:
    out: dict[str, list[MapClaim]] = {}
    for c in claims:
        for key in c.keys():
            out.setdefault(key, []).append(c)
    return out


def _same_thing(a: MapClaim, b: MapClaim, term: str, settings: Settings) -> bool:
    """Two claims of one group answer the same question: a count of a named thing ("seats") does by its noun; a yes
    and a no where they share more contested words than the group's own, an open question where the group's word
    is what it asks first ("whether the mayor resigned…"); anything else only where the words around the values
    overlap."""
    shared = len(set(a.terms) & set(b.terms))
    if a.kind is ClaimKind.STANCE:
        asked = StanceValue.OPEN in (a.stance, b.stance) and term in (a.terms[:1] + b.terms[:1])
        return asked or shared >= settings.map.stance_shared_terms
    return shared >= (settings.map.noun_shared_terms if a.noun else settings.map.min_shared_terms)


def _sides(claims: list[MapClaim], settings: Settings) -> list[list[MapClaim]]:
    """Claims partitioned by agreeing value (rounding agrees), or by stance."""
    if claims[0].kind is ClaimKind.STANCE:
        by: dict[str, list[MapClaim]] = {}
        for c in claims:
            by.setdefault(c.norm, []).append(c)
        return list(by.values())
    readings = [c.reading for c in claims if c.reading is not None]
    return [[claims[i] for i in g] for g in numbers.group(readings, settings.claims.rounding_tolerance)]


def _components(claims: list[MapClaim], term: str, settings: Settings) -> list[list[MapClaim]]:
    """Claims linked, directly or through others, by being about the same thing (`_same_thing`). Only claims
    sharing a word are compared (counts of a named thing need none), so a large group costs little."""
    if claims and claims[0].kind is ClaimKind.VALUE and claims[0].noun and not settings.map.noun_shared_terms:
        return [claims]
    parent = list(range(len(claims)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    postings: dict[str, list[int]] = {}
    for i, c in enumerate(claims):
        for t in set(c.terms):
            postings.setdefault(t, []).append(i)
    for ids in postings.values():
        for x, i in enumerate(ids):
            for j in ids[x + 1:]:
                if root(i) != root(j) and _same_thing(claims[i], claims[j], term, settings):
                    parent[root(j)] = root(i)
    out: dict[int, list[MapClaim]] = {}
    for i, c in enumerate(claims):
        out.setdefault(root(i), []).append(c)
    return list(out.values())


def _subject(key: str, claims: Iterable[MapClaim]) -> str:
    """The group's subject as an article writes it: the name holding its word ("Aurelia Star"), else the word."""
    word = key.split("|")[0]
    for c in claims:
        for text in (c.quote, c.title):
            for m in NAME.finditer(text):
                parts = [re.sub(r"['’]s$", "", p) for p in m.group(1).split()]
                at = next((i for i, p in enumerate(parts) if p.casefold() == word), None)
                if at is not None:
                    first = next(i for i in range(at + 1) if all(q[:1].isupper() for q in parts[i:at + 1])
                                 and (i == at or parts[i].casefold() not in _ARTICLES))
                    last = next((i for i in range(at, len(parts)) if i + 1 == len(parts) or m.group(1).split()[i].endswith(("’s", "'s"))), at)
                    return " ".join(parts[first:last + 1]).strip(".,")
    return word


def topic(key: str, claims: list[MapClaim]) -> str:
    """"number of seats (Harwick)", "amount in USD (Brightwell)", "whether “resigned” (Okafor)"."""
    _, measure, noun = key.split("|", 2)
    subject = _subject(key, claims)
    if claims[0].kind is ClaimKind.STANCE:
        said = re.compile(rf"(?<!\w){re.escape(noun)}\w*", re.IGNORECASE)
        word = next((m.group(0) for c in claims if (m := said.search(c.quote))), noun)
        return f"whether “{word}” ({subject})"
    written = next((c.counted for c in claims if c.counted and not any(ch.isdigit() for ch in c.counted)), noun)
    if noun.startswith("per "):
        return f"{noun} ({subject})"
    if written:
        return f"number of {written} ({subject})"
    kind = measure.split(":")[0]
    unit = f" in {measure.split(':')[1]}" if ":" in measure else ""
    return f"{_MEASURES.get(kind, kind)}{unit} ({subject})"


def _days_apart(a: str, b: str) -> int | None:
    try:
        return abs((date.fromisoformat(a[:10]) - date.fromisoformat(b[:10])).days)
    except ValueError:  # undated, or dated to the month only
        return None


def _unrelated(key: str, claims: list[MapClaim], settings: Settings):
    """Two articles are about different things sharing the group's name when their titles and leads share fewer
    other names than `map.min_shared_names` (no place, person or body in common); one fewer will do for articles
    published within `map.story_days` of each other (one week's news of one name is likelier one story)."""
    subject = key.split("|")[0]
    names = {c.doc_id: {n for n in c.names if subject not in n.split()} for c in claims}
    dates = {c.doc_id: c.date for c in claims}

    def unrelated(a: str, b: str) -> bool:
        apart = _days_apart(dates[a], dates[b])
        close = apart is not None and apart <= settings.map.story_days
        return len(names[a] & names[b]) < settings.map.min_shared_names - (1 if close else 0)

    return unrelated


def _variants_differ(sides: list[list[MapClaim]]) -> bool:
    """Every side names its own version of the thing ("Atlas-V2" against "Atlas-V3"): different things, one name."""
    named = [set().union(*(c.variants for c in side)) for side in sides]
    return all(named) and all(not (a & b) for i, a in enumerate(named) for b in named[i + 1:])


def _contested(sides: list[list[MapClaim]], term: str, unrelated, settings: Settings) -> bool:
    """Some two claims of different sides and articles directly answer the same question (and no sentence states
    both sides' values): a yes against a no
    sharing more contested words, or two values about the same thing, from articles about the same story (or, for
    articles about different things of one name, with the same words around the values)."""
    for i, side in enumerate(sides):
        for other in sides[i + 1:]:
            if {(c.doc_id, c.start) for c in side} & {(c.doc_id, c.start) for c in other}:
                continue  # one sentence states both ("from 9% to 10%", "between $1,001 and $15,000"): two facts
            for a in side:
                for b in other:
                    if a.doc_id == b.doc_id or not _same_thing(a, b, term, settings):
                        continue
                    shared = len(set(a.terms) & set(b.terms))
                    if a.kind is ClaimKind.STANCE:
                        if {a.stance, b.stance} == {StanceValue.YES, StanceValue.NO} and not unrelated(a.doc_id, b.doc_id) \
                                and shared >= settings.map.stance_shared_terms:
                            return True
                    elif not unrelated(a.doc_id, b.doc_id) or (shared >= settings.map.min_shared_terms and a.noun):
                        return True  # articles about different things of one name: only a count of one thing
    return False


def classify_group(key: str, claims: list[MapClaim], settings: Settings) -> list[MapEntry]:
    """The disagreements inside one group: each set of linked sides from two articles or more, classified by the
    answer path's own rules (compare.classify); agreement yields nothing."""
    mine = sorted((c for c in claims if key in c.keys()), key=lambda c: (c.date, c.doc_id), reverse=True)
    mine = mine[:settings.map.max_group_claims]  # a name in every article is no one story: its newest claims
    if len({c.doc_id for c in mine}) < 2:
        return []
    unrelated = _unrelated(key, mine, settings)
    out = []
    for linked in _components(mine, key.split("|")[2], settings):
        component = [sorted(side, key=lambda c: (c.date, c.doc_id, c.value_start)) for side in _sides(linked, settings)]
        if len(component) < 2 or not _contested(component, key.split("|")[2], unrelated, settings):
            continue
        numbered = {claim_id(c): n for n, c in enumerate((c for side in component for c in side), 1)}
        as_claims = [[as_claim(c, numbered[claim_id(c)]) for c in side] for side in component]
        firsts = [side[0].doc_id for side in component]
        different = _variants_differ(component) or all(unrelated(a, b) for i, a in enumerate(firsts) for b in firsts[i + 1:])
        # different things sharing a name before anything else: two towns' figures are no update
        kind = DisagreementKind.AMBIGUITY if different else classify(as_claims, settings.claims)
        if kind is None:
            continue
        if kind is DisagreementKind.UPDATE:
            component.sort(key=lambda side: min(c.date for c in side))
        else:
            component.sort(key=lambda side: (-len({c.doc_id for c in side}), side[0].norm))
            if component[0][0].kind is ClaimKind.STANCE:  # an open question after the sides that answer it
                component.sort(key=lambda side: side[0].stance is StanceValue.OPEN)
        flat = [c for side in component for c in side]
        out.append(MapEntry(key, topic(key, flat), kind, tuple(tuple(side) for side in component)))
    return out


def entries(groups: dict[str, list[MapClaim]], settings: Settings) -> list[MapEntry]:
    """Every disagreement of the given groups, most sources first; an entry mostly made of claims that an entry
    before it already shows (filed under another name or word of the same story) is left out."""
    found = [e for key, claims in groups.items() for e in classify_group(key, claims, settings)]
    return distinct(found, settings)


def distinct(found: list[MapEntry], settings: Settings) -> list[MapEntry]:
    found = sorted(found, key=lambda e: (-e.sources, -len(e.claims), e.topic))
    kept: list[MapEntry] = []
    shown: set[tuple[str, int]] = set()
    for e in found:
        ids = e.ids()
        if len(ids & shown) <= settings.map.max_shown_share * len(ids):
            kept.append(e)
            shown |= ids
    return kept


def matches(e: MapEntry, since: str = "", outlet: str = "") -> bool:
    """An entry in which the outlet takes part, with a claim from an article dated on or after `since`."""
    if since and not any(c.date and c.date[:10] >= since for c in e.claims):
        return False
    return not outlet or any(c.outlet.casefold() == outlet.casefold() for c in e.claims)
