"""Claims of many articles grouped by what they are about, and each group's disagreement classified: agreement
(nothing to show), conflict, update over time, ambiguity (different things sharing a name) or a lone outlier.

A claim's group keys come from the claim alone (`MapClaim.keys`), so ingesting, replacing or removing an article
only adds or removes its own claims' rows; a group is classified from its current claims whenever it is read."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from . import numbers
from .claimmap import MapClaim
from .claims import NAME
from .claimvectors import cosines
from .compare import classify
from .language import everywhere, fold
from .settings import Settings
from .types import Claim, ClaimKind, DisagreementKind, StanceValue

_ARTICLES = frozenset(everywhere("articles"))
_VERSIONED = re.compile(r"\b(?=\w*\d)(?=\w*[^\W\d])\w+\b")  # a word of letters and digits: "H800", "V3"
_MEASURES = {"number": "number", "money": "amount", "percent": "share (%)"}


@dataclass(frozen=True)
class MapEntry:
    """One place where sources disagree: its group key, a readable topic, the kind, and the sides (claims that
    agree, largest first; for an update, oldest first)."""

    key: str
    topic: str
    kind: DisagreementKind
    sides: tuple[tuple[MapClaim, ...], ...]
    copies: tuple[tuple[str, str], ...] = ()  # (article, its origin) for each article here that is a syndicated copy

    @property
    def claims(self) -> tuple[MapClaim, ...]:
        return tuple(c for side in self.sides for c in side)

    def origin(self, doc_id: str) -> str:
        return dict(self.copies).get(doc_id, doc_id)

    @property
    def sources(self) -> int:
        """Independent sources: copies of one wire report or release count once."""
        return len({self.origin(c.doc_id) for c in self.claims})

    def ids(self) -> frozenset[tuple[str, int]]:
        return frozenset((c.doc_id, c.value_start) for c in self.claims)

    def to_json(self) -> dict:
        """The stored form (the registry keeps each group's entries, recomputed with its claims): the claims as
        shown, without what only grouping reads."""
        return {"key": self.key, "topic": self.topic, "kind": self.kind.value,
                "sides": [[c.to_json(shown=True) for c in side] for side in self.sides],
                "copies": dict(self.copies)}

    @classmethod
    def from_json(cls, d: dict) -> MapEntry:
        return cls(d["key"], d["topic"], DisagreementKind(d["kind"]),
                   tuple(tuple(MapClaim.from_json(c) for c in side) for side in d["sides"]),
                   tuple(sorted(d.get("copies", {}).items())))


def claim_id(c: MapClaim) -> tuple[str, int]:
    return c.doc_id, c.value_start


def as_claim(c: MapClaim, n: int, origin: str = "") -> Claim:
    """The answer path's Claim for one map claim (`n` stands for its citation number)."""
    return Claim(source=c.doc_id, outlet=c.outlet, claimant=c.claimant, verb=c.verb, value=c.value,
                 number=c.reading.number if c.reading else None, kind=c.kind, hedged=c.hedged, evidence_id=n,
                 norm=c.norm, date=c.date, stance=c.stance, about=c.title, origin=origin or c.doc_id)


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


Pair = tuple[MapClaim, MapClaim]  # two claims stating the same fact in two articles of one story


def _aligned(claims: list[MapClaim], subject: str, term: str, settings: Settings) -> list[Pair]:
    """Pairs of claims that state the same fact in two articles of one story: the articles' leads are close
    (`map.story_similarity`: two attacks in one city, or two towns of one name, are two stories), and the claims
    are matched closest pair first (`_closeness`), each claim once, where close enough (`map.same_fact_similarity`; for
    articles only loosely one story, `map.loose_fact_similarity` and a name in common in their titles and leads).
    Pairing each claim once keeps a sentence's other figures ("33 of 150 seats", "a loss of 29") out of a contest
    they take no part in."""
    docs = sorted({c.doc_id for c in claims})
    at = {d: i for i, d in enumerate(docs)}
    story = cosines([next(c.story for c in claims if c.doc_id == d) for d in docs])
    fact = cosines([c.vector for c in claims])
    names = {c.doc_id: {n for n in c.names if subject not in n.split()} for c in claims}  # besides the group's own
    by_doc: dict[str, list[int]] = {}
    for i, c in enumerate(claims):
        by_doc.setdefault(c.doc_id, []).append(i)
    pairs: list[Pair] = []
    for x, dx in enumerate(docs):
        for dy in docs[x + 1:]:
            near = story[at[dx], at[dy]]
            if near < settings.map.loose_story_similarity or (near < settings.map.story_similarity and not names[dx] & names[dy]):
                continue
            close = settings.map.same_fact_similarity if near >= settings.map.story_similarity else settings.map.loose_fact_similarity
            score = {(i, j): _closeness(claims[i], claims[j], float(fact[i, j]), settings)
                     for i in by_doc[dx] for j in by_doc[dy]
                     if fact[i, j] >= close and _same_thing(claims[i], claims[j], term, settings)}
            taken: set[int] = set()
            for i, j in sorted(score, key=score.__getitem__, reverse=True):  # closest first, each claim once
                if i not in taken and j not in taken:
                    taken |= {i, j}
                    pairs.append((claims[i], claims[j]))
    return pairs


def _closeness(a: MapClaim, b: MapClaim, fact: float, settings: Settings) -> tuple[bool, bool, float, int]:
    """How surely two claims state one fact, compared in order: the same version of the thing or none named ("2,000
    H800 GPUs" is closer to "2,048 H800 GPUs" than to "10,000 A100 GPUs"); the same value (an article that repeats
    another's figure agrees with it, whatever else it says); their sentences' closeness; their shared words."""
    mine, theirs = versions(a), versions(b)
    if a.kind is ClaimKind.STANCE:
        same = a.stance == b.stance
    else:
        same = bool(a.reading and b.reading and numbers.agrees(a.reading, b.reading, settings.claims.rounding_tolerance))
    return (not (mine and theirs) or bool(mine & theirs), same, fact, len(set(a.terms) & set(b.terms)))


def versions(c: MapClaim) -> set[str]:
    """Versioned names a claim is about: its sentence's ("Atlas-V2") and its value's own ("2,000 H800 GPUs")."""
    return set(c.variants) | {fold(w) for w in _VERSIONED.findall(c.value)}


def _linked(pairs: list[Pair]) -> list[list[MapClaim]]:
    """The claims the pairs join, directly or through others."""
    parent: dict[tuple[str, int], tuple[str, int]] = {}
    claim: dict[tuple[str, int], MapClaim] = {}

    def root(k: tuple[str, int]) -> tuple[str, int]:
        while parent[k] != k:
            parent[k] = parent[parent[k]]
            k = parent[k]
        return k

    for a, b in pairs:
        for c in (a, b):
            claim[claim_id(c)] = c
            parent.setdefault(claim_id(c), claim_id(c))
        parent[root(claim_id(b))] = root(claim_id(a))
    out: dict[tuple[str, int], list[MapClaim]] = {}
    for k, c in claim.items():
        out.setdefault(root(k), []).append(c)
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


def _variants_differ(sides: list[list[MapClaim]]) -> bool:
    """Every side names its own version of the thing ("Atlas-V2" against "Atlas-V3"): different things, one name."""
    named = [set().union(*(versions(c) for c in side)) for side in sides]
    return all(named) and all(not (a & b) for i, a in enumerate(named) for b in named[i + 1:])


def _contested(sides: list[list[MapClaim]], pairs: list[Pair]) -> bool:
    """Some pair of aligned claims takes different sides: a yes against a no, or two values (where no sentence
    states both sides' values, as "from 9% to 10%" or "between $1,001 and $15,000" do: two facts, not a contest)."""
    side_of = {claim_id(c): n for n, side in enumerate(sides) for c in side}
    sentences = [{(c.doc_id, c.start) for c in side} for side in sides]
    for a, b in pairs:
        x, y = side_of.get(claim_id(a)), side_of.get(claim_id(b))
        if x is None or y is None or x == y or sentences[x] & sentences[y]:
            continue
        if a.kind is not ClaimKind.STANCE or {a.stance, b.stance} == {StanceValue.YES, StanceValue.NO}:
            return True
    return False


def classify_group(key: str, claims: list[MapClaim], settings: Settings,
                   origin_of: Mapping[str, str] | None = None) -> list[MapEntry]:
    """The disagreements inside one group: each set of linked sides from two articles or more, classified by the
    answer path's own rules (compare.classify), counting copies of one text once (`origin_of`: copies.origins);
    agreement yields nothing."""
    origin_of = origin_of or {}
    mine = sorted((c for c in claims if key in c.keys()), key=lambda c: (c.date, c.doc_id), reverse=True)
    mine = mine[:settings.map.max_group_claims]  # a name in every article is no one story: its newest claims
    if len({c.doc_id for c in mine}) < 2:
        return []
    pairs = _aligned(mine, key.split("|")[0], key.split("|")[2], settings)
    out = []
    for linked in _linked(pairs):
        component = [sorted(side, key=lambda c: (c.date, c.doc_id, c.value_start)) for side in _sides(linked, settings)]
        if len(component) < 2 or not _contested(component, pairs):
            continue
        numbered = {claim_id(c): n for n, c in enumerate((c for side in component for c in side), 1)}
        as_claims = [[as_claim(c, numbered[claim_id(c)], origin_of.get(c.doc_id, "")) for c in side] for side in component]
        # different versions of one name before anything else: Atlas-V2's figure and Atlas-V3's are no update
        kind = DisagreementKind.AMBIGUITY if _variants_differ(component) else classify(as_claims, settings.claims)
        if kind is None:
            continue
        if kind is DisagreementKind.UPDATE:
            component.sort(key=lambda side: min(c.date for c in side))
        else:
            component.sort(key=lambda side: (-len({origin_of.get(c.doc_id, c.doc_id) for c in side}), side[0].norm))
            if component[0][0].kind is ClaimKind.STANCE:  # an open question after the sides that answer it
                component.sort(key=lambda side: side[0].stance is StanceValue.OPEN)
        flat = [c for side in component for c in side]
        copies = tuple(sorted({(c.doc_id, origin_of[c.doc_id]) for c in flat if origin_of.get(c.doc_id, c.doc_id) != c.doc_id}))
        out.append(MapEntry(key, topic(key, flat), kind, tuple(tuple(side) for side in component), copies))
    return out


def entries(groups: dict[str, list[MapClaim]], settings: Settings,
            origin_of: Mapping[str, str] | None = None) -> list[MapEntry]:
    """Every disagreement of the given groups, most sources first; an entry mostly made of claims that an entry
    before it already shows (filed under another name or word of the same story) is left out."""
    found = [e for key, claims in groups.items() for e in classify_group(key, claims, settings, origin_of)]
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
