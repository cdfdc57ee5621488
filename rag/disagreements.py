"""The disagreement map of one index, as the CLI, the UI and the API show it: entries filtered and sorted by how
many sources take part, each as JSON with its sides and citations, and a map entry's timeline."""

from __future__ import annotations

from .claimgroups import MapEntry, as_claim, claim_id, distinct
from .claimmap import MapClaim
from .registry import Registry
from .settings import Settings
from .timeline import Timeline, build
from .types import Claim


def map_entries(registry: Registry, settings: Settings, since: str = "", outlet: str = "",
                first_page: bool = False) -> list[MapEntry]:
    """The stored map (regrouped at every ingest and removal), most sources first, keeping entries in which the
    outlet takes part and with a claim dated on or after `since` (ISO). An entry mostly made of claims a larger one
    shows (the same story filed under another name) is left out; `first_page` reads only enough for one page."""
    limit = settings.map.page_size * 2 if first_page and not since and not outlet else None
    return distinct(registry.map_entries(limit, since, outlet), settings)


def citation(c: MapClaim) -> dict:
    """Where the claim's sentence lies: `article_text[start:end] == quote`."""
    return {"source": c.doc_id, "title": c.title, "outlet": c.outlet, "quote": c.quote, "start": c.start, "end": c.end}


def _claim_json(c: MapClaim, origin: str) -> dict:
    return {"source": c.doc_id, "origin": origin, "outlet": c.outlet, "date": c.date, "claimant": c.claimant,
            "verb": as_claim(c, 0).verb_form, "value": c.value, "stance": c.stance.value if c.stance else None,
            "citation": citation(c)}


def entry_json(e: MapEntry) -> dict:
    """One entry: its topic, kind and independent sources (syndicated copies count once; each claim's `origin` says
    which article's text it runs), and each side (claims that agree) with what it is about."""
    return {"topic": e.topic, "kind": e.kind.value, "key": e.key, "sources": e.sources,
            "sides": [{"value": side[0].norm if side[0].stance else side[0].value,
                       "about": sorted({v for c in side for v in c.variants}),
                       "claims": [_claim_json(c, e.origin(c.doc_id)) for c in side]} for side in e.sides]}


def timeline(e: MapEntry, settings: Settings) -> Timeline:
    """The entry's claims by date: who said what when, and how each later report relates to the earlier ones."""
    numbered = {claim_id(c): n for n, c in enumerate(e.claims, 1)}
    claims = [as_claim(c, numbered[claim_id(c)], e.origin(c.doc_id)) for c in e.claims]
    by_claim: dict[Claim, MapClaim] = dict(zip(claims, e.claims))
    return build(e.topic, claims, lambda c: citation(by_claim[c]), settings.claims.rounding_tolerance)
