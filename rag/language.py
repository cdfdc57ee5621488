"""Language data (reporting verbs, hedges, number words, stop words, units) from `rag/lang/*.toml`, and which
language a text is in. The pipeline reads words from here, never from its own code."""

from __future__ import annotations

import re
import tomllib
import unicodedata
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from pathlib import Path

LANG_DIR = Path(__file__).parent / "lang"
DEFAULT = "en"
WORD = re.compile(r"\w+(?:[-'’]\w+)*", re.UNICODE)


class Stance(StrEnum):
    """What a reporting verb does to the value it reports."""

    SAY = "say"
    CLAIM = "claim"
    ESTIMATE = "estimate"
    DENY = "deny"
    DOUBT = "doubt"


@dataclass(frozen=True)
class ReportingVerb:
    shown: str  # the present-tense form used in an answer ("estimates")
    stance: Stance


@dataclass(frozen=True)
class Lang:
    code: str
    decimal_comma: bool
    nouns_capitalised: bool
    stopwords: frozenset[str]
    question_words: tuple[str, ...]
    yesno_openers: tuple[str, ...]
    how_count: tuple[str, ...]
    how_much: tuple[str, ...]
    how_measure: tuple[str, ...]
    percent_cues: tuple[str, ...]
    date_cues: tuple[str, ...]
    place_cues: tuple[str, ...]
    money_cues: frozenset[str]
    generic_money: frozenset[str]
    payer_verbs: frozenset[str]
    purpose_prepositions: frozenset[str]
    part_markers: tuple[str, ...]
    difference_prepositions: tuple[str, ...]
    difference_verbs: frozenset[str]
    past_markers: tuple[str, ...]
    minus_words: tuple[str, ...]
    duration_verbs: frozenset[str]
    months_capitalised: bool
    increment_after: tuple[str, ...]
    increment_before: tuple[str, ...]
    ratio_words: tuple[str, ...]
    percent_nouns: frozenset[str]
    change_words: frozenset[str]
    scene_subordinators: tuple[str, ...]
    relative_pronouns: tuple[str, ...]
    compounds: bool
    anaphors: tuple[str, ...]
    person_nouns: frozenset[str]
    honorifics: frozenset[str]  # courtesy titles before a name ("Mr", "Frau"): no part of whom it names
    org_nouns: frozenset[str]
    place_nouns: frozenset[str]
    date_nouns: frozenset[str]
    people_nouns: frozenset[str]
    count_nouns: frozenset[str]
    number_words: dict[str, float]
    scales: dict[str, float]
    fractions: dict[str, float]
    percent_words: tuple[str, ...]
    irregular_forms: dict[str, str]
    same_relation: dict[str, tuple[str, ...]]
    hedges: tuple[str, ...]
    lower_bounds: tuple[str, ...]
    upper_bounds: tuple[str, ...]
    reporting_verbs: dict[str, ReportingVerb]
    according_to: tuple[str, ...]
    negations: tuple[str, ...]
    weak_negations: tuple[str, ...]
    open_markers: tuple[str, ...]
    affirm_markers: tuple[str, ...]
    pronouns: frozenset[str]
    months: tuple[str, ...]
    weekdays: frozenset[str]
    time_markers: tuple[str, ...]
    rate_words: frozenset[str]
    baseline_markers: tuple[str, ...]
    follow_up_openers: tuple[str, ...]
    per_words: tuple[str, ...]
    plural_endings: tuple[str, ...]
    plural_speakers: frozenset[str]
    # grammar words: question openers, clause cuts, name particles (see the toml files for what each does)
    who_words: tuple[str, ...]
    where_words: tuple[str, ...]
    when_words: tuple[str, ...]
    entity_openers: tuple[str, ...]
    category_openers: tuple[str, ...]
    question_prepositions: tuple[str, ...]
    comparatives: tuple[str, ...]
    passive_auxiliaries: tuple[str, ...]
    passive_be: tuple[str, ...]
    clause_conjunctions: tuple[str, ...]
    contrast_conjunctions: tuple[str, ...]
    and_words: tuple[str, ...]
    or_words: tuple[str, ...]
    clause_auxiliaries: tuple[str, ...]
    year_prepositions: tuple[str, ...]
    age_markers: tuple[str, ...]
    how_old: tuple[str, ...]
    age_after: tuple[str, ...]
    place_prepositions: tuple[str, ...]
    destination_prepositions: tuple[str, ...]
    subordinators: tuple[str, ...]
    condition_subordinators: tuple[str, ...]
    perfect_auxiliaries: tuple[str, ...]
    articles: tuple[str, ...]
    indefinite_articles: tuple[str, ...]
    agent_prepositions: tuple[str, ...]
    claimant_inner_words: tuple[str, ...]
    complementisers: tuple[str, ...]
    asides: tuple[str, ...]
    record_adverbs: tuple[str, ...]
    name_particles: tuple[str, ...]
    fraction_of: tuple[str, ...]
    ordinal_suffixes: tuple[str, ...]
    speaker_verbs: tuple[str, ...]
    noun_suffixes: tuple[str, ...]
    abbreviations: tuple[str, ...]
    sentence_openers: tuple[str, ...]
    update_up: str
    update_down: str
    update_cues: tuple[str, ...]
    count_update_cues: tuple[str, ...]
    text2num: bool = True  # compound number words ("zweihundertdreißig") read by text2num; off: the word tables alone
    name: str = ""  # the language's name in English, as a prompt names it ("German")
    elisions: tuple[str, ...] = ()  # articles glued to the next word ("d'Eschbrunn"): not part of a name


@dataclass(frozen=True)
class Unit:
    symbol: str  # canonical symbol shown ("km", "°C", "EUR")
    dimension: str  # what it measures; values compare only within one dimension
    factor: float  # to the dimension's base unit


@dataclass(frozen=True)
class Units:
    currencies: dict[str, str]  # alias -> ISO code
    units: dict[str, Unit]  # alias after a number
    prefix_units: dict[str, Unit]  # alias before a number ("magnitude 6.4")
    volume_per_area: tuple[str, ...]  # "pro Quadratmeter" after litres: rain in mm
    dimension_words: dict[str, tuple[str, ...]]  # question word -> dimensions it asks about
    measure_groups: dict[str, dict[str, str]]  # dimension -> word -> the property it names ("deepest" -> depth)


def fold(text: str) -> str:
    """Lower case, NFC: how every lookup in the language data is keyed."""
    return unicodedata.normalize("NFC", text).lower()


def plain(text: str) -> str:
    """Folded and without accents ("Pogačar" is "pogacar"): how names match however a source spells them."""
    return "".join(c for c in unicodedata.normalize("NFKD", fold(text)) if not unicodedata.combining(c))


def words(text: str) -> list[str]:
    """Unicode words ("Zürich", "l'accord", "co-founder"); never splits a letter of any script."""
    return WORD.findall(text)


@cache
def _starts(phrases: tuple[str, ...]) -> re.Pattern[str]:
    alternatives = "|".join(re.escape(p) for p in sorted(phrases, key=len, reverse=True))
    return re.compile(rf"(?<!\w)(?=(?:{alternatives})(?!\w))")


_WORD_CHAR = re.compile(r"\w")


def occurrences(low: str, phrases: tuple[str, ...]) -> list[tuple[int, int, str]]:
    """Every phrase written in `low` on word boundaries, overlapping ones too, left to right: (start, end, phrase).

    One scan finds where any phrase begins; a loop of one regex per phrase (hundreds of reporting verbs) took a
    tenth of a claim's extraction time.
    """
    out = []
    for m in _starts(phrases).finditer(low):
        at = m.start()
        for p in phrases:
            end = at + len(p)
            if low.startswith(p, at) and not _WORD_CHAR.match(low, end):
                out.append((at, end, p))
    return sorted(out)


@cache
def load(code: str = DEFAULT) -> Lang:
    path = LANG_DIR / f"{code}.toml"
    if not path.is_file():
        known = ", ".join(available())
        raise ValueError(f"no language data for '{code}' (known: {known})")
    raw = tomllib.loads(path.read_text(encoding="utf-8"))
    tup = lambda key: tuple(fold(w) for w in raw.get(key, []))  # noqa: E731
    fs = lambda key: frozenset(tup(key))  # noqa: E731
    return Lang(
        code=raw["code"], decimal_comma=raw["decimal_comma"], nouns_capitalised=raw.get("nouns_capitalised", False),
        stopwords=frozenset(fold(raw["stopwords"]).split()),
        question_words=tup("question_words"), yesno_openers=tup("yesno_openers"), how_count=tup("how_count"),
        how_much=tup("how_much"), how_measure=tup("how_measure"), percent_cues=tup("percent_cues"),
        date_cues=tup("date_cues"), place_cues=tup("place_cues"), money_cues=fs("money_cues"), generic_money=fs("generic_money"),
        payer_verbs=fs("payer_verbs"), purpose_prepositions=fs("purpose_prepositions"), part_markers=tup("part_markers"),
        difference_prepositions=tup("difference_prepositions"), difference_verbs=fs("difference_verbs"),
        past_markers=tup("past_markers"), minus_words=tup("minus_words"), duration_verbs=fs("duration_verbs"),
        months_capitalised=raw.get("months_capitalised", False), increment_after=tup("increment_after"), increment_before=tup("increment_before"), ratio_words=tup("ratio_words"), percent_nouns=fs("percent_nouns"), change_words=fs("change_words"), scene_subordinators=tup("scene_subordinators"), relative_pronouns=tup("relative_pronouns"), compounds=raw.get("compounds", False), anaphors=tup("anaphors"),
        person_nouns=fs("person_nouns"), honorifics=fs("honorifics"), org_nouns=fs("org_nouns"), place_nouns=fs("place_nouns"),
        date_nouns=fs("date_nouns"), people_nouns=fs("people_nouns"), count_nouns=fs("count_nouns"),
        number_words={fold(k): float(v) for k, v in raw["number_words"].items()},
        scales={fold(k): float(v) for k, v in raw["scales"].items()},
        fractions={fold(k): float(v) for k, v in raw["fractions"].items()},
        percent_words=tup("percent_words"), hedges=tup("hedges"), lower_bounds=tup("lower_bounds"), upper_bounds=tup("upper_bounds"),
        irregular_forms={fold(k): fold(v) for k, v in raw.get("irregular_forms", {}).items()},
        same_relation={fold(k): tuple(fold(w) for w in v) for k, v in raw.get("same_relation", {}).items()},
        reporting_verbs={fold(k): ReportingVerb(v[0], Stance(v[1])) for k, v in raw["reporting_verbs"].items()},
        according_to=tup("according_to"), negations=tup("negations"), weak_negations=tup("weak_negations"), open_markers=tup("open_markers"), affirm_markers=tup("affirm_markers"),
        pronouns=fs("pronouns"), months=tup("months"), weekdays=fs("weekdays"), time_markers=tup("time_markers"), rate_words=fs("rate_words"), baseline_markers=tup("baseline_markers"),
        follow_up_openers=tup("follow_up_openers"), per_words=tup("per_words"), plural_endings=tup("plural_endings"), plural_speakers=fs("plural_speakers"),  # "and " keeps its space: "android" opens no follow-up
        who_words=tup("who_words"), where_words=tup("where_words"), when_words=tup("when_words"),
        entity_openers=tup("entity_openers"), category_openers=tup("category_openers"),
        question_prepositions=tup("question_prepositions"), comparatives=tup("comparatives"),
        passive_auxiliaries=tup("passive_auxiliaries"), passive_be=tup("passive_be"), clause_conjunctions=tup("clause_conjunctions"),
        contrast_conjunctions=tup("contrast_conjunctions"), and_words=tup("and_words"), or_words=tup("or_words"),
        clause_auxiliaries=tup("clause_auxiliaries"), year_prepositions=tup("year_prepositions"), age_markers=tup("age_markers"), how_old=tup("how_old"), age_after=tup("age_after"), place_prepositions=tup("place_prepositions"), destination_prepositions=tup("destination_prepositions"), subordinators=tup("subordinators"), condition_subordinators=tup("condition_subordinators"),
        perfect_auxiliaries=tup("perfect_auxiliaries"), articles=tup("articles"), indefinite_articles=tup("indefinite_articles"), agent_prepositions=tup("agent_prepositions"),
        claimant_inner_words=tup("claimant_inner_words"), complementisers=tup("complementisers"),
        asides=tup("asides"), record_adverbs=tup("record_adverbs"),
        name_particles=tup("name_particles"), fraction_of=tup("fraction_of"),
        ordinal_suffixes=tup("ordinal_suffixes"), speaker_verbs=tup("speaker_verbs"),
        noun_suffixes=tup("noun_suffixes"), abbreviations=tuple(raw.get("abbreviations", [])),
        sentence_openers=tuple(raw.get("sentence_openers", [])),  # case kept: abbreviations, openers
        update_up=raw["update_up"], update_down=raw["update_down"], update_cues=tup("update_cues"), count_update_cues=tup("count_update_cues"),
        text2num=raw.get("text2num", True), name=raw.get("name", raw["code"]), elisions=tup("elisions"),
    )


@cache
def units() -> Units:
    raw = tomllib.loads((LANG_DIR / "units.toml").read_text(encoding="utf-8"))
    unit = lambda table: {fold(k): Unit(v[0], v[1], float(v[2])) for k, v in raw[table].items()}  # noqa: E731
    return Units(
        currencies={fold(k): v for k, v in raw["currencies"].items()},
        units=unit("units"), prefix_units=unit("prefix_units"),
        volume_per_area=tuple(fold(p) for p in raw["volume_per_area"]["phrases"]),
        dimension_words={fold(k): tuple(v) for k, v in raw["dimension_words"].items()},
        measure_groups={dim: {fold(w): group for group, ws in groups.items() for w in ws}
                        for dim, groups in raw["measure_groups"].items()},
    )


SHARED_FILES = frozenset({"units", "instructions", "answers"})  # data files of every language, not a language's own


@cache
def available() -> tuple[str, ...]:
    return tuple(sorted(p.stem for p in LANG_DIR.glob("*.toml") if p.stem not in SHARED_FILES))


@cache
def everywhere(field: str) -> tuple[str, ...]:
    """One list of grammar words across every language we have, for rules applied before a text's language is
    known or where articles mix languages (a clause cut, a name particle)."""
    return tuple(dict.fromkeys(w for code in available() for w in getattr(load(code), field)))


@cache
def base_forms() -> dict[str, str]:
    """Irregular word forms to their base ("found" -> "find") across every language, for the crude stemmer."""
    return {k: v for code in available() for k, v in load(code).irregular_forms.items()}


@cache
def relation_groups(code: str) -> dict[str, str]:
    """Each word of a language that says what happened to those counted, to the group every language shares ("killed",
    "dead", "Tote", "morts" -> die), so "how many died" finds "the death toll reached 27"."""
    return {w: base for base, ws in load(code).same_relation.items() for w in ws}


def detect(text: str) -> str:
    """The language whose stop words cover most of the text's words; English when nothing stands out."""
    toks = [fold(w) for w in words(text[:4000])]
    if not toks:
        return DEFAULT
    share = {code: sum(t in load(code).stopwords for t in toks) / len(toks) for code in available()}
    best = max(share, key=lambda code: share[code])
    return best if share[best] > share.get(DEFAULT, 0.0) + 0.03 else DEFAULT
