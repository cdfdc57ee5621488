"""Each retrieved source's own answer: a verbatim span of the expected type in a sentence about the question's
subject, with who it is attributed to. Code proposes nothing that is not in the text."""

from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import NamedTuple

from . import numbers
from .attribution import attribute
from .entities import refused, unlabelled
from .language import Lang, Stance, detect, everywhere, fold, load, plain, relation_groups, units, words
from .numbers import Value, ValueKind
from .question import AnswerType, Query, name_stem, plural, stem
from .settings import ClaimSettings
from .types import ClaimKind, Sentence, StanceValue

_PLACE_BEFORE = re.compile(rf"(?<!\w)(?:{'|'.join(re.escape(w) for w in everywhere('place_prepositions'))})\s+$")
# where a "where" question's answer stands: after a place or destination preposition, perhaps with an article
_PLACE_ANSWER = re.compile(rf"(?<!\w)(?:{'|'.join(re.escape(w) for w in everywhere('place_prepositions') + everywhere('destination_prepositions'))})"
                           rf"\s+(?:(?:{'|'.join(re.escape(w) for w in everywhere('articles'))})\s+)?$")
_PARTICLES = "|".join(re.escape(w) for w in everywhere("name_particles"))
NAME = re.compile(rf"(?<![\w'’])([a-z]?[A-ZÀ-ÖØ-ÞĀ-Ž][\w'’&.-]*(?:\s+(?:(?:{_PARTICLES})\s+)?[A-ZÀ-ÖØ-ÞĀ-Ž][\w'’&.-]*)*)")


@dataclass(frozen=True)
class ClaimDraft:
    """A claim found in one sentence, before it is numbered as evidence."""

    sentence: Sentence
    claimant: str
    verb: str
    value: str  # verbatim from the sentence
    kind: ClaimKind
    hedged: bool
    norm: str
    reading: Value | None = None
    stance: StanceValue | None = None
    fit: float = 0.0  # how well the value's own clause matches the question
    relevance: float = 0.0  # its sentence's score against the question
    typed: bool = False  # the question's own specific word types the value ("9 metres long", "41 species")
    known: bool = True  # a name the entity pipeline sees as one (or could not judge)
    described: bool = False  # someone described, not named ("a private collector from Singapore")
    agent: bool = False  # who did the asked thing, by the sentence's grammar ("bought by the Merrow Gallery")


def sentence_lang(s: Sentence) -> Lang:
    return load(_detected(f"{s.title} {s.prev} {s.text}"))


@lru_cache(maxsize=8192)
def _detected(text: str) -> str:
    """Detection per sentence once: every claim rule asks for its sentence's language."""
    return detect(text)


def source_label(s: Sentence) -> str:
    """The outlet, or the article's title where the text names no outlet."""
    if s.outlet != "unknown":
        return s.outlet
    return f"“{s.title[:60]}{'…' if len(s.title) > 60 else ''}”"


def mentions(text: str, names: tuple[str, ...]) -> bool:
    """A name is mentioned as written, or by its stem ("Lyon's"); a compound with a digit ("DeepSeek-V3") only by
    itself or its distinctive part ("V3"), never by its family name alone."""
    low = fold(text)
    for n in names:
        name = fold(n)
        if re.search(rf"(?<!\w){re.escape(name)}(?!\w)", low):  # "Port" is not in "reported"
            return True
        if any(c.isdigit() for c in name):
            parts = [p for p in re.split(r"[-\s]", name) if any(c.isdigit() for c in p) and len(p) > 1]
            if any(re.search(rf"(?<!\w){re.escape(p)}(?!\w)", low) for p in parts):
                return True
        elif len(name) > 5:  # "Lyon's", "Privatbanken" by the stem, as a name: "private equity" is not "Privatbank",
            raw = unicodedata.normalize("NFC", text)  # nor "Hollinsford" "Hollin" (at most a short ending more)
            if any(raw[m.start()].isupper() and len(m.group()) <= len(name) + 3
                   for m in re.finditer(rf"(?<!\w){re.escape(name_stem(name))}[\w'’]*", low) if len(raw) == len(low)):
                return True
    return False


def other_names(text: str, lang: Lang, besides: str = "") -> list[str]:
    """Names in a stretch of text other than the claimant's: capitalised runs not opening the text, not function
    words, months or weekdays, not short acronyms of common nouns ("GPU", "AI")."""
    skip = {fold(w) for w in words(besides)}
    out = []
    for m in NAME.finditer(text):
        name = m.group(1)
        first = fold(name.split()[0])
        if m.start() == 0 or first in lang.stopwords or fold(name) in lang.months or first in skip \
                or re.sub(r"['’]s$", "", first) in lang.weekdays:  # "on Tuesday afternoon" names no one
            continue
        if name.isupper() and len(name) <= 3:
            continue
        if re.search(r"-[a-zà-ÿ]+$", name):
            continue  # "the St. Gallen-based bank", "a London-listed firm": an attribute, not another subject
        out.append(name)
    return out


def about_subject(s: Sentence, query: Query, upto: int, doc_names: bool, claimant: str = "", said_end: int = -1) -> bool:
    """The value's own clause names the subject; or what it says (after its reporting verb) names no one else, and
    the sentence, the one before, or the article's title or lead names the subject (news rarely repeats the name)."""
    if not query.names:
        return True
    versions = tuple(n for n in query.names if any(c.isdigit() for c in n))
    if versions and not mentions(f"{s.prev} {s.text}", versions):
        return False  # "R2" is not "V3": a name with a number in it must be there
    clause = clause_of(s.text, upto)
    if mentions(clause, query.names):
        return True
    lang = sentence_lang(s)
    start = s.text.find(clause)
    said = s.text[max(start, said_end):upto] if 0 <= said_end < upto else s.text[start:upto]
    own = " ".join([claimant, *query.names, *(w for run in query.runs for w in run)])  # "Corvell" of "Corvell Chemicals"
    if not lang.nouns_capitalised and other_names(said, lang, own):
        return False  # "Meta reported 16,384…" answers for Meta, whatever the sentence before was about
    return mentions(s.text, query.names) or mentions(s.prev, query.names) or doc_names


def _per(text: str, end: int, lang: Lang, unit: str) -> bool:
    """The value is a rate of that unit: "$38 a share", "€12 pro Stunde", or its clause says before it whose each
    one is ("Each claimant is seeking up to £12,000")."""
    def rate_of(ws: list[str]) -> bool:
        return any(w in lang.rate_words and i + 1 < len(ws) and stem(ws[i + 1]) == stem(unit) for i, w in enumerate(ws))
    start = _clause_bounds(text, end - 1)[0]
    return rate_of([fold(w) for w in words(text[end:end + 40])[:3]]) or rate_of([fold(w) for w in words(text[start:end])])


def _rate(text: str, end: int, lang: Lang) -> bool:
    """The value is a rate of something: "$38 a share", "a $33-a-share approach"; "£69 million a year" is still an
    amount (a yearly one)."""
    if re.match(r"\s*[,;:.]", text[end:]):
        return False  # "$6 million, a fraction of…": the clause goes on, no rate follows
    after = [fold(w) for w in re.findall(r"\w+", text[end:end + 30])[:2]]  # "-a-share" is two words here
    if len(after) < 2 or after[0] not in lang.rate_words or not after[1][:1].isalpha() or after[1] in lang.stopwords:
        return False
    unit = units().units.get(after[1])
    return after[1] not in everywhere("date_nouns") and not (unit and unit.dimension == "duration")


def _of_other_amount(text: str, start: int, end: int, lang: Lang, query: Query) -> bool:
    """The value is "<money noun> of" it ("sales of", "a fine of") or "of <money noun>", where the noun is not one
    the question asks."""
    before = [fold(w) for w in words(text[max(0, start - 40):start])][-2:]
    asked = {stem(w) for w in words(query.text)}
    if len(before) == 2 and before[1] in lang.fraction_of and before[0] in lang.money_cues and stem(before[0]) not in asked:
        return True
    after = [fold(w) for w in words(text[end:end + 30])][:2]  # "£31 million of sales": the sales, not the price
    return len(after) == 2 and after[0] in lang.fraction_of and after[1] in lang.money_cues and stem(after[1]) not in asked


def _measures_other(text: str, end: int, query: Query, lang: Lang) -> bool:
    """"12 km of coastline" measures the coastline, not the oil asked about ("70 tonnes of crude oil" does)."""
    m = re.match(rf"\s+(?:{'|'.join(map(re.escape, lang.fraction_of))})\s+([^.,;:()]*)", fold(text[end:end + 60]))
    return m is not None and bool(query.head) and stem(query.head) not in {stem(w) for w in words(m.group(1))[:3]}


def _modifies_asked(text: str, end: int, query: Query, lang: Lang) -> bool:
    """A value set before the asked thing measures it: "a £4.7 billion railway", "a £7.4 billion line between
    Calderford and Hullmouth", "the 178 km stage" (not "48.2 billion yen in the year to March": a preposition
    follows)."""
    after = words(text[end:end + 60])[:4]
    asked = {stem(t) for t in query.terms} | {stem(n) for n in query.names}
    return bool(after) and (lang.nouns_capitalised or after[0][:1].islower()) and fold(after[0]) not in lang.stopwords \
        and any(stem(w) in asked for w in after)


def _priced(text: str, v: Value, query: Query, lang: Lang) -> bool:
    """The amount is what the question's generic money word asks: that word governs it in its clause ("sold for
    £6.8m", "the final price was £7.9m"; not "raised £60,000 for legal costs"), or it prices the asked thing."""
    before = text[_clause_bounds(text, v.start)[0]:v.start]
    priced = re.search(r"([^\W\d]+)\s+([^\W\d]+)\s*$", before)
    if priced and is_word_of(priced.group(2), lang.generic_money, lang) and priced.group(1).islower() \
            and fold(priced.group(1)) not in lang.stopwords and stem(priced.group(1)) not in {stem(t) for t in query.terms} \
            and not is_word_of(priced.group(1), lang.money_cues, lang):  # "a deal worth £42m" prices the deal asked
        return False  # "frozen assets worth £650,000": the price of another thing than the one asked
    return any(is_word_of(w, lang.generic_money, lang) for w in words(before)) or _modifies_asked(text, v.end, query, lang)


def is_word_of(word: str, vocabulary: frozenset[str], lang: Lang) -> bool:
    """The word is one of the vocabulary's, by stem, or (where the language compounds) ends in one:
    "Gesamtkosten" is a "Kosten"."""
    w = fold(word)
    return stem(w) in {stem(c) for c in vocabulary} \
        or (lang.compounds and any(w.endswith(c) for c in vocabulary if len(c) > 4))


def clause_terms(text: str) -> set[str]:
    return {stem(w) for w in words(text) if len(w) > 2}


def _count_fits(query: Query, v: Value, s: Sentence, lang: Lang) -> bool:
    """A count of the asked thing: its own noun is the question's head, or it has no noun of its own and the
    head is nearby ("police put the crowd at 12,000"); never a count of something else or a rate."""
    after_raw = words(s.text[v.end:v.end + 50])[:3]
    after = [fold(w) for w in after_raw]
    head_words = words(query.head)
    head_last = stem(head_words[-1]) if head_words else ""
    if v.number == 1 and not (after and stem(after[0]) == head_last):
        return False  # "one of the…" is no count
    if any(numbers.ends_with_word(fold(s.text[max(0, v.start - 20):v.start]).rstrip(), m)
           or re.search(rf"(?<!\w){re.escape(m)}\s+\d+\s+(?:{'|'.join(everywhere('and_words'))})\s*$", fold(s.text[:v.start]))
           for m in lang.age_markers):
        return False  # "two men, aged 23 and 31": ages, not counts
    if re.search(r"[A-ZÀ-ÖØ-Þ][\w'’-]+,\s*$", s.text[:v.start]) and re.match(r"\s*,", s.text[v.end:]):
        return False  # "Elderly resident Amparo Ruiz, 86, said…": an age set off after a name
    before = words(re.split(r"[,;:]", fold(s.text[max(0, v.start - 60):v.start]))[-1])
    if before and before[-1] in lang.difference_prepositions and set(before[-6:-1]) & lang.difference_verbs \
            and before[-1] not in words(fold(query.text)):
        return False  # "declared the winner by 3,105 votes": a margin, unless the question asks "by how many"
    if any(w in units().units for w in after[:2]) and not any(w in units().units for w in map(fold, head_words)):
        return False  # "2.8 million GPU hours" is a measure, not a count of GPUs
    qlang = load(query.lang)  # the head is a word of the question's language, whatever the article's
    generic = query.head in qlang.people_nouns or query.head in qlang.count_nouns or not query.head
    if after and after[0] in lang.fraction_of and head_words and not generic:
        rest = [fold(w) for w in words(s.text[v.end:v.end + 60])[1:7]]
        rest = [w for w in rest if w not in lang.stopwords and not w[0].isdigit() and w not in lang.number_words]
        if head_last not in {stem(w) for w in rest[:3]} | clause_terms(clause_of(s.text, v.start)):
            return False  # "11 of the 15 affected villages" counts villages, not the homes asked about
    if len(after) > 1 and v.number > 1 and head_words and stem(after[0]) == head_last and lang.plural_endings \
            and not plural(after[0], lang) and plural(fold(head_words[-1]), lang) and after[1] not in lang.stopwords:
        return False  # "two pupil referral units": a singular after "two" modifies what is counted
    low_after = fold(s.text[v.end:v.end + 30]).lstrip()
    if any(re.match(rf"{re.escape(w)}(?!\w)", low_after) for w in lang.increment_after) \
            or any(numbers.ends_with_word(fold(s.text[max(0, v.start - 25):v.start]).rstrip(), w) for w in lang.increment_before):
        return False  # "five more bodies", "another five": what was added, not the figure
    if after and after[0] in lang.rate_words and not (query.per and len(after) > 1 and stem(after[1]) == stem(query.per)):
        return False  # "37 billion per token" is a rate, unless the question asks one per token
    if any(stem(w) == head_last and not _false_friend(query, w, lang) for w in after) \
            or _noun_in_asked_group(query, after[:1], own_words(s.text, v.start), lang):
        return True
    if head_words and fold(head_words[-1]) in units().units:
        return False  # "GPU hours": the unit itself must follow the number
    window = clause_terms(s.prev + " " + s.text)
    # a lower-case word after the number is its own noun ("4 arrests"); a capitalised one names a model or brand,
    # except where every noun is capitalised ("zwölf Monaten")
    own_noun = bool(after) and (after_raw[0][:1].isupper() if lang.nouns_capitalised else after_raw[0][:1].islower()) \
        and after[0] not in lang.stopwords and after[0] not in lang.reporting_verbs
    if generic:  # "how many people": marchers, manifestantes, Teilnehmer all count, where the clause says
        # what the question asks happened to them ("died", "took part")
        said = words(clause_of(s.text, v.start) + " " + s.prev)
        return not query.relation or not own_noun \
            or bool(_asked_happening(query) & ({stem(w) for w in said} | _happenings(said, lang)))
    return not own_noun and head_last in window


_CLAUSE_CUT = re.compile(
    rf";|,\s+(?:{'|'.join(everywhere('clause_conjunctions'))})\s"
    rf"|\s(?:{'|'.join(everywhere('and_words'))})\s(?=\S+\s+\S+\s+(?:{'|'.join(everywhere('clause_auxiliaries'))}))",
    re.IGNORECASE)


def _part(text: str, u: Value, lang: Lang) -> bool:
    """"seven people, including two port workers": the two are some of the seven ("most of them over 75" too)."""
    before = fold(text[max(0, u.start - 30):u.start]).rstrip()
    hedge = numbers.hedge_before(before + " ", len(before) + 1, lang)  # "most of them over 75"
    before = before[:len(before) - len(hedge)].rstrip() if hedge else before
    return any(numbers.ends_with_word(before, m) for m in lang.part_markers)


def _own_segment(text: str, v: Value, values: list[Value], restated: bool, lang: Lang) -> str:
    """The figure's own words: from the figure before it (or, where not restated, the last "and" or comma) to the
    figure after it, inside its clause ("six people died and 31 are missing": "31 are missing")."""
    a, b = _clause_bounds(text, v.start)
    a = 0 if restated else max([a, *(u.end for u in values if u.end <= v.start)])
    if not restated:
        a += max((m.end() for m in _JOIN.finditer(text[a:v.start])), default=0)
    b = min([b, *(u.start for u in values if u.start >= v.end and not _part(text, u, lang))])
    return text[a:b]


def _happened(query: Query, text: str, v: Value, values: list[Value], restated: bool, lang: Lang) -> bool:
    """Between the figure's neighbouring figures in its clause, what the question says happened to those counted
    ("died", "missing") is said in any of its words ("the death toll reached 27"), or at least nothing else that
    happens to people ("six people died and 31 are missing": the six are not the missing). A figure restated ("put
    the number at 167", "gives a figure of 142") keeps what the sentence said before it."""
    if _part(text, v, lang):
        return False
    counted = {stem(w) for w in words(query.head)}  # `extract` asks each alternative head on its own
    said = [fold(w) for w in words(_own_segment(text, v, values, restated, lang)) if stem(w) not in counted]
    happened = _happenings(said, lang)  # "polled 14,382 votes": the counted noun is no happening
    if _asked_happening(query) & (happened | {stem(w) for w in said}):
        return True
    return not happened  # refused only where something else is said to have happened to them


def _happenings(said: list[str], lang: Lang) -> set[str]:
    groups = relation_groups(lang.code)
    return {groups[fold(w)] for w in said if fold(w) in groups}


def _noun_in_asked_group(query: Query, nouns: list[str], clause: str, lang: Lang) -> bool:
    """The counted noun is, in its own language, one of the question's head or asked happening ("how many
    spectators": "48.500 espectadores"; "how many people took part": "12 400 manifestants"), or people of whom
    the clause says that ("40 000 personnes ont défilé", "la asistencia en 42.000 personas")."""
    head = words(query.head)
    asked = _asked_happening(query) | ({relation_groups(query.lang).get(fold(head[-1]), "")} - {""} if head else set())
    groups = relation_groups(lang.code)
    folded = [fold(n) for n in nouns]
    return any(groups.get(n) in asked for n in folded) \
        or (any(n in lang.people_nouns for n in folded) and bool(asked & _happenings(words(clause), lang)))


def _false_friend(query: Query, word: str, lang: Lang) -> bool:
    """Across languages one stem can name two things ("320 spectacles" is not "spectators"): where the asked noun
    has a `[same_relation]` group that the article's language has too, the article's noun must be in it; in any
    language, a noun of a group the asked noun is not in is another thing ("spectacles" are not "spectateurs")."""
    if not query.head:
        return False
    head = fold(words(query.head)[-1])
    asked = relation_groups(query.lang).get(head)
    groups = relation_groups(lang.code)
    said = groups.get(fold(word))
    if lang.code == query.lang:
        return bool(said) and fold(word) != head and said != asked
    return bool(asked) and asked in groups.values() and said != asked


def _asked_happening(query: Query) -> set[str]:
    """What the question says happened to those counted: its relation words, as their shared groups where the
    language data has them ("died" -> die), and any group word among its terms ("…in Lahnbach verletzt?")."""
    groups = relation_groups(query.lang)
    return {groups.get(fold(w), stem(w)) for w in query.relation} | {groups[fold(w)] for w in query.terms if fold(w) in groups}


_JOIN = re.compile(rf",|;|(?<!\w)(?:{'|'.join(everywhere('and_words'))})(?!\w)", re.IGNORECASE)


_RELATIVE = re.compile(rf",\s+(?:{'|'.join(everywhere('relative_pronouns'))})\s[^,;]*(?:,|$)", re.IGNORECASE)


def _clause_bounds(text: str, pos: int) -> tuple[int, int]:
    cuts = [0] + [m.end() for m in _CLAUSE_CUT.finditer(text)] + [len(text)]
    return next(((a, b) for a, b in zip(cuts, cuts[1:]) if a <= pos < b), (0, len(text)))


def clause_of(text: str, pos: int) -> str:
    a, b = _clause_bounds(text, pos)
    return text[a:b]


def own_words(text: str, pos: int) -> str:
    """The words said of the value at `pos`: its clause, less a relative clause that interrupts it; or that
    relative clause where the value stands inside it ("Cardew, who died in 1911, painted it in 1884")."""
    a, b = _clause_bounds(text, pos)
    inner = [(m.start() + 1, m.end()) for m in _RELATIVE.finditer(text) if a <= m.start() and m.end() <= b]
    inside = next(((x, y) for x, y in inner if x <= pos < y), None)
    if inside:
        return text[inside[0]:inside[1]]
    for x, y in reversed(inner):
        text, b = text[:x] + text[y:], b - (y - x)
    return text[a:b]


def _conditional(text: str, v: Value, lang: Lang) -> bool:
    """The value stands in a condition set off after a comma ("…, once about £400,000 repaid is deducted")."""
    subs = "|".join(map(re.escape, lang.condition_subordinators))
    return bool(subs) and re.search(rf",\s*(?:{subs})\s[^,;]*$", fold(text[:v.start])) is not None


def _restated(text: str, pos: int, lang: Lang) -> bool:
    """The value's own clause names it by a word for a count before it: "the union put the number at 2,900"."""
    return any(fold(w) in lang.count_nouns for w in words(text[_clause_bounds(text, pos)[0]:pos]))


_DATELINE_AFTER = re.compile(r"\s*(?:\([^()]{1,40}\))?\s*(?:\.{3}|…|—|–|-|\|)(?:\s|$)")


def dateline(text: str, v: Value) -> bool:
    """A date that opens a sentence, after nothing but capitalised words (a place), and is cut off from it by a dash,
    a bar or an ellipsis: "Jun 4, 2023 ... The iPhone 11…", "BERLIN, 4 June (dpa) – …"."""
    return _DATELINE_AFTER.match(text, v.end) is not None and all(w[:1].isupper() for w in words(text[:v.start]))


def is_baseline(text: str, start: int, lang: Lang) -> bool:
    low = fold(text)
    if numbers.hedge_before(low, start, lang):
        return False  # "more than 5,000" is a hedged answer, not a comparison
    before = low[max(0, start - 25):start].rstrip(" ~$€£¥")
    return any(numbers.ends_with_word(before, m) for m in lang.baseline_markers)


def _of_asked_period(text: str, v: Value, query: Query, lang: Lang) -> bool:
    """A figure compared against is the answer where its own words name the period the question asks ("compared to
    $10.4 billion in revenue in Q1 2021" for "revenue in Q1 2021")."""
    asked = [u.text for u in numbers.find(query.text, load(query.lang)) if u.kind is ValueKind.YEAR] \
        + [n for n in query.names if any(c.isdigit() for c in n)]  # "Q1", "H2": a period written as a name
    said = text[v.end:_clause_bounds(text, v.start)[1]].split(",")[0]
    return bool(asked) and all(re.search(rf"(?<!\w){re.escape(p)}(?!\w)", said) for p in asked)


def _said_of_the_past(text: str, v: Value, values: list[Value], lang: Lang) -> bool:
    """A past marker in the figure's clause is nearer to it than to any other figure: "410 cases last year"; not the
    $1.45 billion of "sales of $3.9 billion last year as the deal was agreed for $1.45 billion"."""
    a, b = _clause_bounds(text, v.start)
    low = fold(text)
    for m in lang.past_markers:
        for hit in re.finditer(rf"(?<!\w){re.escape(m)}(?!\w)", low[a:b]):
            at = a + hit.start()
            nearest = min((u for u in values if a <= u.start < b and u.kind is v.kind),
                          key=lambda u: min(abs(at - u.start), abs(at - u.end)))
            if nearest is v:
                return True
    return False


def earlier_year(s: Sentence, v: Value, lang: Lang) -> bool:
    """"…after a CHF 52 million penalty in 2019": a value its own clause places in a year before the article's is
    a past figure, not this story's answer."""
    if not s.date[:4].isdigit():
        return False
    if not lang.year_prepositions:
        return False
    after = s.text[v.end:v.end + 80]  # the same clause: no comma, semicolon or full stop before the year
    preps = "|".join(map(re.escape, lang.year_prepositions))
    year = rf"({numbers.YEAR_DIGITS})(?!\d)"
    m = re.search(rf"^[^.;,]{{0,60}}?(?<!\w)(?:{preps})\s+{year}", fold(after))
    # or a clause that opens on its year: "Bereits im Jahr 2023 hatte ein zweitägiger Streik…", "En 2019, otro
    # incendio…", "in 1998, when more than 200 people died"
    scene = "|".join(map(re.escape, lang.scene_subordinators)) or "(?!)"
    before = fold(s.text[_clause_bounds(s.text, v.start)[0]:v.start])
    m = m or re.search(rf"(?<!\w)(?:{preps})\s+{year}(?:,\s*(?:{scene})\b)?[^.;,]{{0,40}}$", before) \
        or re.match(rf"\W*(?:\w+\s+)?(?:{preps})\s+{year},[^.;,]{{0,60}}$", before)
    return m is not None and int(m.group(1)) < int(s.date[:4])


def value_span(text: str, v: Value, head_noun: str, lang: Lang) -> tuple[int, int]:
    """Where the value as the source writes it lies, with its hedge and counted noun: "around 50,000 GPUs"."""
    start, end = v.start, v.end
    low = fold(text)
    hedge = numbers.hedge_before(low, start, lang) if v.hedged else ""
    if hedge:
        start = len(low[:start].rstrip(" \u00a0“\"'(")) - len(hedge)
    head = words(head_noun)
    if head:
        m = re.match(rf"(\s+[^\s,.;:]+){{0,3}}?\s+\w*{re.escape(stem(head[-1]))}\w*", text[end:], re.IGNORECASE)
        if m:
            end += m.end()
    while start < end and text[start] in " “\"'":
        start += 1
    while end > start and text[end - 1] in " “\"'":
        end -= 1
    return start, end


def value_claims(sentences: list[Sentence], query: Query, doc_names: dict[str, bool]) -> list[ClaimDraft]:
    """Values of the expected kind in sentences about the subject, each with its claimant. Where one sentence
    holds several, only those whose own clause uses the question's words ("took part", not "were arrested")."""
    kinds = query.type.value_kinds
    if not kinds:
        return []
    out = []
    terms = {stem(t) for t in query.terms}
    head = words(query.head)
    rel = {stem(w) for w in query.relation}
    qlang = load(query.lang)
    # a question about a date, or one naming a year, asks what was so then: a past figure may be its answer
    past_is_answer = query.type is AnswerType.DATE or any(
        v.kind is ValueKind.YEAR for v in numbers.find(query.text, qlang)) \
        or any(re.search(rf"(?<!\w){re.escape(m)}(?!\w)", fold(query.text)) for m in qlang.past_markers)
    past: set[tuple[Sentence, int]] = set()
    # "how much oil", "what is its diameter": a noun names what is measured ("how long" is an adjective of `how_measure`)
    asked_noun = query.type is AnswerType.MEASURE and bool(query.head) \
        and not any(words(cue)[-1] == fold(query.head) for cue in qlang.how_measure)
    change = query.type is AnswerType.PERCENT and fold(query.head) in qlang.change_words  # any word of change names it
    for s in sentences:
        lang = sentence_lang(s)
        found = []
        values = numbers.find(s.text, lang)
        for v in values:
            if v.kind not in kinds:
                continue
            if query.type is AnswerType.MEASURE and query.dimensions and v.dimension not in query.dimensions:
                continue
            if query.type is AnswerType.MEASURE and not query.dimensions and v.dimension == "duration":
                continue  # "how much of the jewellery": an amount, never "less than four minutes"
            if query.type is AnswerType.COUNT and not _count_fits(query, v, s, lang):
                continue
            if query.type is AnswerType.COUNT and rel \
                    and not _happened(query, s.text, v, values, _restated(s.text, v.start, lang), lang):
                continue  # "six people died and 31 are missing": the six are not the missing
            who = attribute(s.text, v.start, lang, s.prev, query.names[0] if query.names else "")
            if not about_subject(s, query, v.start, doc_names.get(s.source, False), who.claimant, who.end):
                continue
            if v.kind is ValueKind.DATE and dateline(s.text, v):
                continue  # "WASHINGTON, June 4 (Reuters) —": when the article was filed, not what it reports
            if (is_baseline(s.text, v.start, lang) and not _of_asked_period(s.text, v, query, lang)) \
                    or (not past_is_answer and earlier_year(s, v, lang)):
                continue  # "down from 63 per cent in 2024" is what it was before, not the answer
            if not past_is_answer and _said_of_the_past(s.text, v, values, lang):
                past.add((s, v.start))
            if asked_noun and _measures_other(s.text, v.end, query, lang):
                continue
            if query.per and not _per(s.text, v.end, lang, query.per):
                continue  # "price per share": "$38 a share", not the deal's $1.45 billion
            if not query.per and query.type is AnswerType.MONEY and _rate(s.text, v.end, lang):
                continue  # "how much is it paying": the $1.2 billion, not "$38 a share"
            if query.type is AnswerType.MONEY and _of_other_amount(s.text, v.start, v.end, lang, query):
                continue  # "sales of $3.9 billion" answers what the sales were, not what was paid
            window = clause_terms(s.prev + " " + s.text)
            clause = clause_of(s.text, v.start)
            # the question's head noun right after a count ("12,000 people"), or its cue in the value's clause
            # ("Turnout was 41.2 per cent")
            near = words(s.text[v.end:v.end + 50])[:3] if query.type is AnswerType.COUNT else words(clause)
            restated = query.type is AnswerType.COUNT and _restated(s.text, v.start, lang)
            named = restated or (bool(head) and any(stem(w) == stem(head[-1]) for w in near)) \
                or (query.type is AnswerType.COUNT and _noun_in_asked_group(query, near[:1], own_words(s.text, v.start), lang)) \
                or (query.type is AnswerType.MONEY and fold(query.head) in qlang.generic_money
                    and any(is_word_of(w, lang.money_cues, lang) for w in near)) \
                or (change and any(fold(w) in lang.change_words for w in near)  # "grow": "Net sales rose 6 per cent",
                    and bool(terms & clause_terms(_own_segment(s.text, v, values, False, lang))))  # not "volumes fell 3 per cent"
            properties = units().measure_groups.get(v.dimension, {})
            measured = [w for w in near if v.dimension in units().dimension_words.get(fold(w), ()) or fold(w) in properties] \
                if query.type is AnswerType.MEASURE else []
            said = {properties.get(fold(w), "") for w in measured} - {""}
            asked = properties.get(fold(query.head), "")
            if asked and said and asked not in said:
                continue  # "what is its diameter": not "passing at a distance of 1.2 million km"
            named = named or (bool(measured) and (not asked or asked in said))  # "how cold": "The temperature … fell to minus 14F"
            if terms and not (terms & window) and not mentions(clause, query.names) and not named:
                continue
            if query.payer and not {stem(w) for w in query.payer} & (window | clause_terms(s.title)):
                continue  # "how much will residents pay": the sum residents pay, not the contract's whole value
            if query.paid_for and stem(query.paid_for) not in window | clause_terms(s.title):
                continue  # "how much did it pay lobbyists": not the contract it won
            cues = {stem(head[-1])} | ({stem(w) for w in lang.money_cues} if fold(head[-1]) in qlang.generic_money else set()) if head else set()
            if query.type is AnswerType.MONEY and head and not (window & cues) and not query.per \
                    and not _modifies_asked(s.text, v.end, query, lang):
                continue  # "how much did it cost": an amount near "cost", not any amount
            own = clause_terms(own_words(s.text, v.start))
            found.append((len(terms & own), named, v, who, own, restated, bool(asked) and asked in said))
        if any(not _conditional(s.text, f[2], lang) for f in found):  # "£3.8 million, once about £400,000 repaid
            found = [f for f in found if not _conditional(s.text, f[2], lang)]  # … is deducted": the sum, not its adjustment
        if any(named for _, named, *_ in found):  # "671 billion parameters" leaves "2048" in the same sentence out
            found = [f for f in found if f[1]]
        if query.type is not AnswerType.COUNT and head and len(found) > 1:
            # "91 per cent … voted for strike action, on a turnout of 58 per cent": the figure nearest the head word
            heads = sorted(lang.change_words, key=len, reverse=True) if change else [name_stem(head[-1])]
            spots = [m.start() for m in re.finditer(rf"(?<!\w)(?:{'|'.join(map(re.escape, heads))})", fold(s.text))]
            if change and not spots:  # "its offer is worth 4.5 per cent, against inflation of 4.4": nearest the offer
                spots = [m.start() for m in re.finditer(r"\w+", s.text) if stem(fold(m.group())) in terms]
            if spots:
                gap = {id(f): min(min(abs(p - f[2].start), abs(p - f[2].end)) for p in spots) for f in found}
                found = [f for f in found if gap[id(f)] == min(gap.values())]
        best_fit = max((f for f, *_ in found), default=0)
        generic = fold(query.head) in qlang.people_nouns | qlang.count_nouns | qlang.generic_money
        for fit, named, v, who, own, restated, property_named in found:
            if fit < best_fit and not restated:  # a restated figure answers what its sentence's best clause asks
                continue
            hedged = v.hedged or who.stance is Stance.ESTIMATE
            # typed: the question's specific noun names the value, or (for people and other generic heads) what the
            # question says happened to them is said in the value's own clause ("police have arrested two men")
            # what the question says happened is said in the value's clause or the sentence before, in any of its
            # languages' words ("attended": "ont assisté")
            happened = not rel or bool(rel & (own | clause_terms(s.prev))) or bool(
                _asked_happening(query) & _happenings(words(own_words(s.text, v.start) + " " + s.prev), lang))
            typed = (named and not generic and happened) \
                or (query.type is AnswerType.COUNT and generic and bool(rel) and (rel <= own or bool(
                    _asked_happening(query) & _happenings(words(_own_segment(s.text, v, values, restated, lang)), lang)))) \
                or (query.type is AnswerType.MONEY and generic and _priced(s.text, v, query, lang)) \
                or (query.type is AnswerType.MEASURE and (property_named or _modifies_asked(s.text, v.end, query, lang)))
            a, b = value_span(s.text, v, query.head, lang)
            out.append(ClaimDraft(s, who.claimant or source_label(s), who.verb, s.text[a:b],
                                  ClaimKind.VALUE, hedged=hedged, norm=v.key, reading=v, fit=fit, typed=typed))
    # "410 cases last year" beside the story's own figure in that source is the past; alone, it may be the answer
    current = {d.sentence.source for d in out if (d.sentence, d.reading.start if d.reading else -1) not in past}
    out = [d for d in out if d.sentence.source not in current
           or (d.sentence, d.reading.start if d.reading else -1) not in past]
    if query.type in (AnswerType.MONEY, AnswerType.PERCENT):  # a source that states the asked price or share answers
        priced = {d.sentence.source for d in out if d.typed}  # with it, not with its other sums
        out = [d for d in out if d.typed or d.sentence.source not in priced]
    # "what growth rate": sources that say growth outrank other shares; a rise is often left unsaid ("its offer is
    # worth 4.5 per cent"), so only each source's own shares are ranked by it (above)
    if query.type is AnswerType.PERCENT and fold(query.head) not in qlang.percent_nouns | qlang.change_words \
            | set(qlang.percent_cues) and any(d.typed for d in out):
        out = [d for d in out if d.typed]
    # "what is its diameter" (a noun, not the adjective of "how close"): a source that names it outranks bare lengths
    if asked_noun and any(
            units().measure_groups.get(d.reading.dimension, {}).get(fold(query.head)) for d in out if d.typed and d.reading):
        out = [d for d in out if d.typed]
    dims = {d.reading.dimension for d in out if d.reading}
    if query.type is AnswerType.MEASURE and len(dims) > 1:  # "how long": miles or minutes, whichever fits
        best_dim = max(sorted(dims), key=lambda dim: max(d.fit for d in out if d.reading and d.reading.dimension == dim))
        out = [d for d in out if d.reading and d.reading.dimension == best_dim]
    if query.type is AnswerType.DATE:  # a date answers only where its clause uses the question's words
        top = max((d.fit for d in out), default=0)
        out = [d for d in out if d.fit >= max(1, top)]
    return out


STANCE_VERBS = {StanceValue.YES: "affirms", StanceValue.NO: "denies", StanceValue.OPEN: "leaves open"}  # as answers show them


def stance_claims(sentences: list[Sentence], query: Query, doc_names: dict[str, bool]) -> list[ClaimDraft]:
    """Yes / no / open per sentence that uses the question's most specific term ("smuggled", not "chips")."""
    # "was the tram speeding when it derailed": the point is the speeding; what follows "when" only sets the scene
    qlang = load(query.lang)
    scene = re.search(rf"(?<!\w)(?:{'|'.join(map(re.escape, qlang.scene_subordinators))})(?!\w)", fold(query.text)) \
        if qlang.scene_subordinators else None
    background = {stem(w) for w in words(fold(query.text)[scene.end():])} if scene else set()
    terms = [t for t in query.terms if stem(t) not in background] or list(query.terms)
    stems = [stem(t) for t in terms]
    tokens = [(s, {stem(w) for w in words(s.text)}) for s in sentences]
    counts = {st: sum(st in toks for _, toks in tokens) for st in stems}
    present = [st for st in stems if counts[st]]
    if not present:
        return []
    long = [stem(t) for t in terms if stem(t) in present and len(t) >= 5] or present  # "smuggled" says more than "use"
    key = min(long, key=lambda st: counts[st])
    out = []
    for s, toks in tokens:
        low = fold(s.text)
        lang = sentence_lang(s)
        # "Marrick Energy denied this": a denial of what the sentence before said, where that used the key word
        answers_prev = key in {stem(w) for w in words(s.prev)} and _denies_prev(s.text, lang, s.prev, query)
        # the most specific word, or two of the question's longer words ("denied discussing the tender")
        if (key not in toks and len(set(long) & toks) < 2 and not answers_prev) \
                or not about_subject(s, query, len(s.text), doc_names.get(s.source, False)):
            continue
        who = attribute(s.text, max(low.find(key), 0), lang, s.prev, query.names[0] if query.names else "")
        negated = who.stance is Stance.DENY or any(re.search(rf"(?<!\w){re.escape(n)}(?!\w)", low) for n in lang.negations)
        if negated:
            stance = StanceValue.NO
        elif any(re.search(rf"(?<!\w){re.escape(n)}(?!\w)", low) for n in lang.open_markers):
            stance = StanceValue.OPEN
        else:
            stance = StanceValue.YES
        verb = STANCE_VERBS[stance]
        said = clause_of(s.text, max(low.find(key), 0)).strip(" ,;")
        said = said if len(words(said)) >= 4 else s.text  # what this side says, in its own words, for the statement
        out.append(ClaimDraft(s, who.claimant or source_label(s), verb, f"“{said}”", ClaimKind.STANCE,
                              stance is StanceValue.OPEN, stance.value, stance=stance))
    return out


def _denies_prev(text: str, lang: Lang, prev: str, query: Query) -> bool:
    """The sentence opens with a denial whose object points back ("denied this", "rejected the claims")."""
    who = attribute(text, 0, lang, prev, query.names[0] if query.names else "")
    if who.stance is not Stance.DENY or who.end < 0:
        return False
    after = fold(text[who.end:who.end + 40]).lstrip()
    return any(re.match(rf"{re.escape(a)}(?!\w)", after) for a in lang.anaphors)


_YEAR = re.compile(rf"(?<!\d)({numbers.YEAR_DIGITS})(?!\d)")


def another_year(s: Sentence, query: Query) -> bool:
    """The question names a year and the sentence names only other years: "Medvedev at the 2019 U.S. Open" does
    not say who won in 2020."""
    asked = set(_YEAR.findall(query.text))
    if not asked:  # most questions name no year: no need to read the sentence's dates
        return False
    lang = sentence_lang(s)
    said = set(_YEAR.findall(undated(s.text, lang)))
    return bool(asked and said) and not asked & (said | set(_YEAR.findall(undated(s.prev, lang))))


def undated(text: str, lang: Lang) -> str:
    """The sentence less its dateline: "Sep 11, 2020 ... Medvedev at the 2019 U.S. Open" says only 2019."""
    line = next((v for v in numbers.find(text, lang) if v.kind is ValueKind.DATE and dateline(text, v)), None)
    return text[line.end:] if line else text


class _Named(NamedTuple):
    """A name in a sentence, as a candidate answer; ordered by `gap` (0 where the question's word titles it)."""

    gap: int  # characters to the nearest of the question's words
    name: str
    object: bool  # a verb's object, not its agent (_object)
    kinded: bool  # the question's kind written right before it ("the law firm Brannock Webb")
    unknown: bool  # the entity pipeline sees no name there (_unknown)
    agent: bool = False  # the asked verb's subject or its passive agent (_did)


def entity_claims(sentences: list[Sentence], query: Query, doc_names: dict[str, bool]) -> list[ClaimDraft]:
    """Names in sentences that use the question's own words, nearest to them: who / which company / where."""
    terms = [stem(t) for t in query.terms]
    if not terms:
        return []
    # the question's own names, word by word ("Oskar" is in "Finance Minister Oskar Lindqvist", "Council" is not in
    # "Councillor Ann Whitlow"), all of them and not only the distinctive ones
    asked = {fold(w) for n in (*query.names, *(w for run in query.runs for w in run)) for w in n.split()}
    places = _places(sentences) if query.type is AnswerType.PERSON else set()
    head = stem(words(query.head)[-1]) if query.head else ""
    happened = {relation_groups(query.lang).get(fold(t)) for t in query.terms} - {None}
    undergone = _undergone(query.text, load(query.lang))
    agent = _asks_agent(query)
    out = []
    for s in sentences:
        lang = sentence_lang(s)
        if another_year(s, query):
            continue
        # the answer is itself a name, so "names no one else" cannot apply: the window or the article names the subject
        about = mentions(f"{s.prev} {s.text}", query.names) or doc_names.get(s.source, False) or not query.names
        if lang.nouns_capitalised or not about:
            continue
        low = fold(s.text)
        # the question's words as written here, in any form ("bought" for "buy", "auctioned" for "auction"), or a word
        # of the same `[same_relation]` group ("cleared" for "acquitted")
        groups = relation_groups(lang.code)
        tokens = [(m, stem(m.group())) for m in re.finditer(r"\w[\w'’-]*", low)]
        spans = [m.span() for m, st in tokens
                 if any(st == t or m.group().startswith(t) for t in terms) or groups.get(m.group()) in happened]
        if not spans:
            continue
        anchors = [a for a, _ in spans]
        # the kind the question asks for, written before a name ("the law firm Brannock Webb"), types it
        kind_spans = [m.span() for m, st in tokens if head and st == head]
        found = []
        who = attribute(s.text, anchors[0], lang, s.prev, query.names[0] if query.names else "")
        for m in NAME.finditer(s.text):
            start, name = m.start(), m.group(1).rstrip(".")
            if any(a == start for a, _ in spans) and len(name.split()) > 1:  # "Mayor Geoffrey Tarrant": title, name
                start = start + len(name.split()[0]) + 1
                name = name.split(None, 1)[1]
            name = re.sub(r"['’]s$", "", name)
            folded = fold(name)
            # named by the question's own word right before it ("chief executive, Urs Baumgartner"): the answer even
            # where the sentence then quotes that person
            kinded = any(0 <= start - b <= 2 and not s.text[b:start].strip(" ,") for _, b in kind_spans)
            titled = kinded or any(0 <= start - b <= 2 and not s.text[b:start].strip(" ,") for _, b in spans)
            if (start == 0 and folded.split()[0] in lang.stopwords) or folded in asked or folded in lang.months \
                    or folded in lang.weekdays or (start == 0 and len(name.split()) == 1):
                continue
            # "displayed at the Tarran Heritage Centre": a place the asked verb puts the thing at, though it shares
            # a word with the question's place ("Loch Tarran")
            placed = query.type is AnswerType.PLACE and not set(folded.split()) <= asked \
                and any(_PLACE_ANSWER.search(s.text[b:start]) and len(s.text[b:start].split()) <= 2 for _, b in spans)
            if (set(folded.split()) & asked and not placed) or folded in lang.stopwords \
                    or (fold(who.claimant) == folded and not titled):
                continue
            if all(stem(w) in terms for w in words(folded)):
                continue  # "Directed by …", "Women's Singles": the question's own words, capitalised, are no answer
            if query.type is AnswerType.PLACE and not _PLACE_ANSWER.search(s.text[:start]):
                continue
            if folded in places:
                continue  # "the stage from Kerrow": a place, never the person asked for
            if refused(s.text, start, start + len(name), lang.code, query.type):
                continue  # "the Adelaide Hills Open", "the Little Hadwell fraudster": no person
            if undergone and _other_happening(own_words(s.text, start), undergone, groups, lang):
                continue  # "who was acquitted": not "Pelling, of Little Hadwell, was convicted of fraud"
            found.append(_Named(0 if titled else min(abs(start - a) for a in anchors), name, _object(s.text, start, lang),
                                kinded, _unknown(s.text, start, name, spans, lang),
                                bool(agent) and _did(s.text, start, start + len(name), tokens, agent, lang)))
        if agent and any(not f.object for f in found):  # "who won": "Andy Murray defeated Novak Djokovic"
            found = [f for f in found if not f.object]
        described = _described_agent(s.text, tokens, agent, lang) if agent and not found else ""
        if found or described:
            best = min(found) if found else _Named(0, described, False, False, False, True)
            own = who.claimant and fold(who.claimant) != fold(best.name)  # "Urs Baumgartner said" names him, not a source
            out.append(ClaimDraft(s, who.claimant if own else source_label(s), who.verb if own else "names", best.name,
                                  ClaimKind.ENTITY, False, normalise_name(best.name), typed=best.kinded, known=not best.unknown,
                                  described=bool(described), agent=best.agent))
    if any(d.typed for d in out):  # names written as of the asked kind ("the law firm Brannock Webb") answer
        out = [d for d in out if d.typed]
    if any(d.known and not d.described for d in out):  # beside names the entity pipeline knows, a capitalised phrase it does not
        out = [d for d in out if d.known]  # ("Once Upon", "Crew List") is no answer
    return out


def _undergone(text: str, lang: Lang) -> set[str]:
    """What the text says was done to someone, as `[same_relation]` groups: a group word after a form of "be"
    ("was acquitted", "were arrested"); "who held the jersey" says no such thing."""
    toks = words(fold(text))
    groups = relation_groups(lang.code)
    return {groups[w] for prev, w in zip(toks, toks[1:]) if w in groups and prev in lang.passive_be}


def _other_happening(clause: str, asked: set[str], groups: dict[str, str], lang: Lang) -> bool:
    """The clause says something else was done to someone ("was convicted") and never the asked thing."""
    return bool(_undergone(clause, lang) - asked) and not {groups.get(w) for w in words(fold(clause))} & asked


def _unknown(text: str, start: int, name: str, spans: list[tuple[int, int]], lang: Lang) -> bool:
    """A capitalised phrase the entity pipeline does not see as a name ("Once Upon", "Crew List"), unless it opens
    the sentence or follows the question's own word ("acquired by Facebook"), where the small pipeline misses names."""
    bound = start == 0 or any(0 <= start - b and len(words(text[b:start])) <= 1 for _, b in spans)
    return not bound and unlabelled(text, start, start + len(name), lang.code)


def _asks_agent(query: Query) -> str:
    """"Who won", "which company bought": the one who did it, not the one it was done to ("who was acquitted");
    the asked verb's stem, or "" where the question asks no agent."""
    qlang = load(query.lang)
    after = [w for w in words(fold(query.text))[1:3] if w not in qlang.person_nouns | qlang.org_nouns]
    return stem(after[0]) if after and after[0] not in qlang.passive_auxiliaries and after[0] not in qlang.stopwords else ""


def _did(text: str, start: int, end: int, tokens: list[tuple[re.Match[str], str]], verb: str, lang: Lang) -> bool:
    """The name did the asked thing: it stands, a set-off aside aside, right before the asked verb ("Merrow Gallery
    bought"), or after it and an agent preposition ("was bought by the Merrow Gallery")."""
    by = "|".join(map(re.escape, lang.agent_prepositions)) or "(?!)"
    articles = "|".join(map(re.escape, lang.articles))
    for m, st in tokens:
        if st != verb:
            continue
        if m.start() >= end and re.fullmatch(r"\s*(?:,[^,]*,\s*)?", text[end:m.start()]):
            return True
        if m.end() <= start and re.fullmatch(rf"\s+(?:{by})\s+(?:(?:{articles})\s+)?", fold(text[m.end():start])):
            return True
    return False


def _described_agent(text: str, tokens: list[tuple[re.Match[str], str]], verb: str, lang: Lang) -> str:
    """Someone described, not named, who did the asked thing: the sentence opens on an indefinite article and its
    words run, a set-off aside aside, into the asked verb ("A private collector from Singapore, bidding by
    telephone, bought…")."""
    at = next((m.start() for m, st in tokens if st == verb), None)
    articles = "|".join(map(re.escape, lang.indefinite_articles))
    if at is None or not articles:
        return ""
    subject = re.sub(r",[^,]*,\s*$", "", text[:at]).strip()  # ", bidding by telephone,": an aside
    m = re.fullmatch(rf"(?:{articles})\s+[^\W\d][\w'’ -]*", subject, re.IGNORECASE)
    return subject if m and len(words(subject)) <= 8 else ""


def _object(text: str, start: int, lang: Lang) -> bool:
    """The name stands right after a lower-case word that is no function word: a verb's object ("defeated Novak
    Djokovic"), not its subject or an agent after "by"."""
    before = re.search(r"([^\W\d]+)\s+$", text[max(0, start - 30):start])
    if before is None or not before.group(1).islower():
        return False
    word = fold(before.group(1))
    return word not in lang.stopwords and word not in lang.person_nouns | lang.org_nouns  # "race leader Sem Verhoeven"


def _ages(text: str, lang: Lang, names: tuple[str, ...]) -> list[tuple[int, int, int, int, bool]]:
    """(span start, span end, age, where its number starts, set off after a subject's name) for each age written
    in the text: "the 19-year-old", "aged 31", "Marsh, 31,"."""
    low = fold(text)
    after = "|".join(re.escape(a) for a in lang.age_after)
    before = "|".join(re.escape(m) for m in lang.age_markers)
    # (pattern, whether the whole match is the span shown): "the 19-year-old" whole, "Marsh, 31," just the number
    patterns = [(rf"(?<![\w.,])(\d{{1,3}})(?:{after})(?!\w)", True) if after else None,
                (rf"(?<!\w)(?:{before})\s+(\d{{1,3}})(?![\w.,]\d)", True) if before else None,
                (rf"(?<!\w)(?:{'|'.join(re.escape(fold(n)) for n in names)}),\s+(\d{{1,3}}),", False) if names else None]
    found = []
    for pattern, whole in filter(None, patterns):
        for m in re.finditer(pattern, low):
            if 0 < int(m.group(1)) < 125:
                found.append((m.start() if whole else m.start(1), m.end() if whole else m.end(1), int(m.group(1)),
                              m.start(1), not whole))
    return sorted(set(found))


def _places(sentences: list[Sentence]) -> set[str]:
    """Names the retrieved text writes after a place preposition somewhere ("in Valmont", "from Kerrow"): a
    corpus-level type check, where a tagger trained on real names fails on the invented ones news is full of."""
    out = set()
    for s in sentences:
        for text in (s.prev, s.text):
            for m in NAME.finditer(text):
                if _PLACE_BEFORE.search(text[:m.start()]):
                    out.add(fold(m.group(1).rstrip(".")))
    return out


def age_claims(sentences: list[Sentence], query: Query, doc_names: dict[str, bool]) -> list[ClaimDraft]:
    """Ages of the subject: a sentence (or the one before) names the subject, or its article does and the age's
    clause names no one else."""
    out = []
    for s in sentences:
        lang = sentence_lang(s)
        for start, end, age, at, named in _ages(s.text, lang, tuple(w for run in query.runs for w in run)):
            who = attribute(s.text, at, lang, s.prev, query.names[0] if query.names else "")
            if not named and not about_subject(s, query, at, doc_names.get(s.source, False), who.claimant, who.end):
                continue
            reading = Value(at, at + len(str(age)), str(age), ValueKind.NUMBER, float(age), base=float(age),
                            significant=len(str(age).rstrip("0")) or 1)
            out.append(ClaimDraft(s, who.claimant or source_label(s), who.verb, s.text[start:end], ClaimKind.VALUE,
                                  hedged=False, norm=reading.key, reading=reading, typed=True))
    return out


def revised(d: ClaimDraft) -> bool:
    """The claim's sentence reports its figure as a revision ("rose to 19", "have now arrested five"; a count
    "reached 27")."""
    low = fold(d.sentence.text)
    lang = sentence_lang(d.sentence)
    cues = lang.update_cues + (lang.count_update_cues if d.reading and d.reading.kind is ValueKind.NUMBER else ())
    return any(re.search(rf"(?<!\w){re.escape(c)}(?!\w)", low) for c in cues)


_TITLES = frozenset(everywhere("person_nouns")) | frozenset(everywhere("honorifics"))


def normalise_name(name: str) -> str:
    """How names compare: no article, no title before the name ("Professor Gurnah", "Mr. Gurnah" are "Gurnah"), no accents
    ("Chloé Zhao" is "Chloe Zhao")."""
    folded = re.sub(r"^(the|der|die|das|la|le|les|el|los|las)\s+", "", fold(name)).replace("&", "and")
    parts = folded.split()
    while len(parts) > 1 and parts[0].rstrip(".") in _TITLES:
        parts = parts[1:]
    return plain(" ".join(parts))


def names_in(text: str, name: str) -> bool:
    """Does a text (language.plain) name a normalised name: its last word, as a word ("Murray" for "andy murray")."""
    last = name.split()[-1] if name.split() else ""
    return bool(last) and re.search(rf"(?<!\w){re.escape(last)}(?!\w)", text) is not None


def aligned_conflicts(sentences: list[Sentence], settings: ClaimSettings, names: tuple[str, ...] = (),
                      terms: tuple[str, ...] = ()) -> list[tuple[Sentence, Sentence, str, str]]:
    """Near-identical sentences of two sources that differ in a name or number (one copied, one altered). With the
    question's names, both must be about that subject: "the Nitoutre library opened…" and "the Nigreibe library
    opened…" are two stories written alike, not two answers. A copy word for word but the answer
    (`copied_min_ratio`) needs no name: search snippets often never write their subject. Words that differ only in
    the question's own terms ("the modern Olympics" / "the modern Games") are no answers."""
    about = {id(s): not names or mentions(f"{s.prev} {s.text}", names) for s in sentences}
    asked = {stem(t) for t in terms}

    def bare(span: str) -> str:  # the span less the question's own terms
        return " ".join(w for w in span.split() if not words(w) or stem(words(w)[0]) not in asked).strip(" .,;:")
    out = []
    spans = {id(s): [m.span() for m in re.finditer(r"\S+", s.text)] for s in sentences}  # the tokens of str.split()
    statements = [(s, s.text.split()) for s in sentences if sum(bool(re.search(r"[^\W\d_]{2}", t)) for t in s.text.split()) >= 5]
    found: dict[tuple[int, str], list[Value]] = {}  # each sentence's values, read once however many pairs it is in

    def whole(s: Sentence, i: int, j: int, lang: Lang) -> str:
        key = (id(s), lang.code)
        if key not in found:
            found[key] = numbers.find(s.text, lang)
        return _whole_value(s.text, spans[id(s)], i, j, found[key])

    for i, (a, ta) in enumerate(statements):
        lang = sentence_lang(a)
        for b, tb in statements[i + 1:]:
            if a.source == b.source:
                continue
            sm = difflib.SequenceMatcher(a=ta, b=tb, autojunk=False)
            ratio = sm.ratio()
            if ratio < settings.aligned_min_ratio or (ratio < settings.copied_min_ratio and not (about[id(a)] and about[id(b)])):
                continue
            for op, i1, i2, j1, j2 in sm.get_opcodes():
                if op != "replace" or (0 < i1 <= 2 and fold(ta[i1 - 1]).rstrip(".") in lang.months):
                    continue  # a dateline's publication day, not the fact ("Sep 11, 2021 Emma Raducanu won…")
                if i1 and j1 and fold(ta[i1 - 1]).rstrip(".") in lang.months:  # "March 3, 2017", not "3, 2017"
                    i1, j1 = i1 - 1, j1 - 1
                va, vb = whole(a, i1, i2, lang), whole(b, j1, j2, lang)
                if mentions(va, names) or mentions(vb, names):
                    break  # the subject itself is what differs
                va, vb = bare(va), bare(vb)
                if not va or not vb or _same_values(va, vb, lang):
                    continue  # "April 29, 2015" and "April 29": one date, the year said once
                if fold(va) != fold(vb) and re.search(r"[A-Z0-9]", va) and re.search(r"[A-Z0-9]", vb):
                    out.append((a, b, va, vb))
                    break
    return out


def _whole_value(text: str, spans: list[tuple[int, int]], i: int, j: int, values: list[Value]) -> str:
    """Tokens i..j of a sentence (their spans), widened to every value they touch: "November 18" differs,
    "November 18, 2020" is what the source says."""
    a, b = spans[i][0], spans[j - 1][1]
    for v in values:
        if v.start < b and a < v.end:
            a, b = min(a, v.start), max(b, v.end)
    return text[a:b].strip(".,;:")


def _same_values(a: str, b: str, lang: Lang) -> bool:
    """Both spans hold values, and each value of either is the same figure as one of the other's (numbers.same)."""
    xs, ys = numbers.find(a, lang), numbers.find(b, lang)
    return bool(xs and ys) and all(any(numbers.same(x, y) for y in ys) for x in xs) \
        and all(any(numbers.same(x, y) for x in xs) for y in ys)


def distinctive(query: Query, sentences: list[Sentence]) -> Query:
    """Each name written as a run ("Port Ellery") stands for its most distinctive word among the candidate
    sentences, so another story's "Port of Belmara" does not pass for it, and a later "Ellery" still does: a
    word the sentences also write in lower case is a common noun ("port", "markets"), else the rarest wins."""
    if not query.runs:
        return query
    texts = [fold(s.text) for s in sentences]
    raw = " ".join(s.text for s in sentences)
    keys = []
    for run in query.runs:
        counts = {w: sum(bool(re.search(rf"(?<!\w){re.escape(fold(w))}", t)) for t in texts) for w in run}
        common = {w: bool(re.search(rf"(?<!\w){re.escape(w.lower())}(?!\w)", raw)) for w in run if w != w.lower()}
        present = [w for w in run if counts[w]]
        keys.append(min(present, key=lambda w: (common.get(w, False), counts[w], -len(w))) if present else run[-1])
    return replace(query, names=tuple(dict.fromkeys(keys)))


def extract(sentences: list[Sentence], query: Query, doc_names: dict[str, bool]) -> list[ClaimDraft]:
    """Per-source answers of the question's type; a false premise's count ("why did 5,000 workers…") is checked too."""
    if query.type is AnswerType.YESNO:
        return stance_claims(sentences, query, doc_names)
    if query.type.entity:
        return entity_claims(sentences, query, doc_names)
    if query.type is AnswerType.AGE:
        return age_claims(sentences, query, doc_names)
    if query.type.valued and query.alternatives:  # "accounts or clients": each source's count of either
        drafts = [d for h in (query.head, *query.alternatives)
                  for d in value_claims(sentences, replace(query, head=h, alternatives=()), doc_names)]
        unique: dict[tuple[Sentence, int], ClaimDraft] = {}
        for d in drafts:
            unique.setdefault((d.sentence, d.reading.start if d.reading else -1), d)
        return list(unique.values())
    if query.type.valued:
        return value_claims(sentences, query, doc_names)
    counted = [p for p in query.premise if p.kind is ValueKind.NUMBER]
    if counted:
        after = words(query.text[counted[0].end:])[:1]
        head = after[0] if after else ""
        counted_words = {fold(a) for a in after}
        derived = replace(query, type=AnswerType.COUNT, head=head, dimensions=(), premise=(),
                          names=tuple(n for n in query.names if fold(n) not in counted_words),
                          runs=tuple(r for r in query.runs if not counted_words & {fold(w) for w in r}),
                          terms=tuple(t for t in query.terms if t not in counted_words))
        return value_claims(sentences, derived, {})  # a premise is checked only where the subject is named
    return []
