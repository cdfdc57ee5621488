"""Question-free claims of one article: each value a reader would compare across articles (counts, money,
percentages, measures) and each yes / no / open stance on a contested statement, with what it is about, who says
it and its verbatim span. Computed once at ingest, so the disagreement map never re-reads articles."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, fields, replace
from functools import cache

from . import instructions, numbers
from . import sentences as splitter
from .attribution import attribute
from .claims import NAME, STANCE_VERBS, clause_of, earlier_year, is_baseline, source_label, value_span
from .language import Lang, Stance, detect, fold, load, units, words
from .numbers import Bound, Value, ValueKind
from .question import plural, stem
from .settings import Settings
from .types import ClaimKind, Sentence, SourceDoc, StanceValue

COMPARED = (ValueKind.NUMBER, ValueKind.MONEY, ValueKind.PERCENT, ValueKind.MEASURE)  # dates and years are not compared


_GROUPING = ("subjects", "terms", "names", "vector", "story")  # what only grouping reads


@dataclass(frozen=True)
class MapClaim:
    """One claim of one article, as the map files it. `text[start:end] == quote` (the sentence); `value` is the
    value as written (with its hedge and counted noun) and lies at `value_start:value_end` in the article."""

    doc_id: str
    title: str
    outlet: str
    date: str
    kind: ClaimKind  # VALUE or STANCE
    value: str
    value_start: int
    value_end: int
    norm: str  # what compares: a normalised value, or the stance
    claimant: str
    verb: str
    quote: str
    start: int
    end: int
    measure: str  # what sort of figure: number, money:USD, percent, length, …; for a stance, its statement word
    noun: str = ""  # what a count counts, stemmed ("tram", "man hour"); "" for people in general or unnamed
    counted: str = ""  # that noun as written ("trams", "man hours")
    subjects: tuple[str, ...] = ()  # normalised names the claim is about, nearest to the value first
    terms: tuple[str, ...] = ()  # stems around the value: what it says about the subject
    names: tuple[str, ...] = ()  # the article's names (title and lead): what story it is
    variants: tuple[str, ...] = ()  # versioned names in the sentence ("atlas-v2", "route 9"): which thing it is
    reading: Value | None = None  # offsets in the article
    stance: StanceValue | None = None
    hedged: bool = False
    vector: str = ""  # the embedding of the words around the value, packed (claimvectors): which fact it states
    story: str = ""  # the article's lead chunk's embedding, packed: which story it belongs to

    def keys(self) -> tuple[str, ...]:
        """The groups this claim belongs to, from the claim alone: one per subject (a stance: per subject and
        contested word)."""
        if self.kind is ClaimKind.STANCE:
            return tuple(f"{s}|{self.measure}|{t}" for s in self.subjects for t in self.terms)
        return tuple(f"{s}|{self.measure}|{self.noun}" for s in self.subjects)

    def to_json(self, shown: bool = False) -> dict:
        """The stored form (the registry keeps claims with their article); `shown`: without what only grouping
        reads (subjects, terms, names), as a map entry keeps it."""
        # by hand, one level deep: asdict deep-copies every tuple, a sixth of the map's regrouping time at ingest
        d = {f.name: getattr(self, f.name) for f in fields(self) if not (shown and f.name in _GROUPING)}
        if self.reading is not None:
            d["reading"] = {f.name: getattr(self.reading, f.name) for f in fields(self.reading)}
        return d

    @classmethod
    def from_json(cls, d: dict) -> MapClaim:
        reading = d.get("reading")
        value = Value(**(reading | {"kind": ValueKind(reading["kind"]), "bound": Bound(reading["bound"])})) if reading else None
        tuples = {k: tuple(d.get(k, ())) for k in ("subjects", "terms", "names", "variants")}
        return cls(**(d | tuples | {"kind": ClaimKind(d["kind"]), "reading": value,
                                    "stance": StanceValue(d["stance"]) if d.get("stance") else None}))


def name_key(name: str) -> str:
    """A name as filed: folded, without a possessive or version parts ("Atlas-V2's" -> "atlas")."""
    out = []
    for word in fold(name).split():
        word = re.sub(r"['’]s?$", "", word)
        parts = [p for p in word.split("-") if p and not any(c.isdigit() for c in p)]
        if parts:
            out.append("-".join(parts))
    key = " ".join(out).strip(".")
    return key if len(key.replace(".", "")) > 2 else ""


@dataclass(frozen=True)
class _Article:
    """What every sentence of one article shares: its language and the words it writes as names."""

    lang: Lang
    proper: frozenset[str]  # words written capitalised inside a sentence somewhere in the article
    lower: frozenset[str]  # words written in lower case somewhere in the article
    capital: frozenset[str]  # words written capitalised somewhere in the article's text
    codes: dict[str, str]  # a model or code -> the noun the article writes after it ("x40" -> "tram")


_CODE_NOUN = re.compile(r"(?<![\w-])([A-Za-z]+\d\w*?)s?\s+([a-z][a-z]+|[A-Z]{2,5}s)\b")


def _article(text: str) -> _Article:
    lang = load(detect(text[:4000]))
    proper = {fold(m.group(0)) for m in re.finditer(r"(?<=[\w,;:’'\"”)] )[A-ZÀ-ÖØ-ÞĀ-Ž][\w’'-]*", text)}
    lower = {w for w in words(text) if w[:1].islower()}
    codes: dict[str, str] = {}
    for m in _CODE_NOUN.finditer(text):
        if fold(m.group(2)) not in lang.stopwords:
            codes.setdefault(fold(m.group(1)), stem(m.group(2)))
    capital = frozenset(fold(w) for w in words(text) if w[:1].isupper())
    return _Article(lang, frozenset(proper), frozenset(fold(w) for w in lower), capital, codes)


def _names(text: str, art: _Article, skip: Sequence[tuple[int, int]] = (), title: bool = False) -> list[tuple[int, str]]:
    """(position, key) of each name: capitalised runs without their leading function words, not months or short
    acronyms, not inside a value's own phrase ("40 Vestry trams"). A sentence's first word (and any word of a
    title) is a name only where the article writes it capitalised inside a sentence and never in lower case."""
    lang = art.lang
    out = []
    for m in NAME.finditer(text):
        pos, parts = m.start(), m.group(1).split()
        while parts and (fold(parts[0]) in lang.stopwords or parts[0] in lang.sentence_openers):
            pos = text.index(parts[1], pos + len(parts[0])) if len(parts) > 1 else pos
            parts = parts[1:]
        if not parts or any(a < pos + 1 and pos < b for a, b in skip):
            continue
        first = fold(parts[0]).rstrip(".,")
        initial = not text[:pos].strip() or title
        if initial and len(parts) == 1 and (first in art.lower or first not in (art.proper if not title else art.capital)):
            continue
        key = name_key(" ".join(parts))
        if not key or key in lang.months or key in lang.weekdays or (key.isalpha() and parts[0].isupper() and len(key) <= 3):
            continue
        out.append((pos, key))
    return out


_VARIANT = re.compile(r"(?<![\w-])([A-Z][\w’'-]*(?:\s\d+(?:\.\d+)*\b|-[\w.]*\d[\w.]*)|[A-Z]{1,2}\d+\b)")


def _variants(text: str, spans: list[tuple[int, int]]) -> tuple[str, ...]:
    """Versioned names outside the values' own phrases: "Atlas-V2", "R2", "Route 9"."""
    found = {fold(m.group(1)).rstrip(".") for m in _VARIANT.finditer(text) if not any(a <= m.start() < b for a, b in spans)}
    return tuple(sorted(v for v in found if not re.fullmatch(r"\S+ (?:1[89]|2[01])\d\d", v)))  # "December 2024" is a date


def _a_year(v: Value, noun: tuple[str, str], lang: Lang) -> bool:
    """A bare year-like figure that counts nothing, or that stands before a word its language would write in the
    plural after a count ("the 2016 campaign", "a 2005 federal tax bill"; not "1995 runners", nor "2000 Menschen"
    where plurals have no one ending)."""
    if not re.fullmatch(r"(?:1[89]|20)\d\d", v.text):
        return False
    written = noun[1].split()
    return not noun[0] or bool(lang.plural_endings and written and not plural(written[-1], lang))


def _noun(text: str, v: Value, art: _Article) -> tuple[str, str]:
    """(key, words as written) of what a count counts: its first common noun ("40 Vestry X40 trams" -> "tram";
    "2.8 million man hours" -> "man hour"), else its model or code, as the noun the article writes after that code
    elsewhere ("12 X40s" where it writes "X40 trams" -> "tram"); a rate is "per" its unit ("38 dollars per
    share"); people in general are ""."""
    lang = art.lang
    run: list[str] = []
    for m in re.finditer(r"\S+", text[v.end:v.end + 60]):
        token = m.group(0)
        word = token.strip(",.;:!?)”\"'“(")
        if not re.match(r"[^\W\d_]", word):
            break  # "(2)</script>": no word follows
        if run and fold(run[-1]) in lang.per_words:
            return f"{fold(run[-1])} {stem(word)}", word
        if not word or (fold(word) in lang.stopwords and fold(word) not in lang.per_words) \
                or fold(word) in lang.reporting_verbs or word[0].isdigit() or fold(word).rstrip(".") in lang.months:
            break  # "31 March" is a day
        run.append(word)
        if token != word.rstrip("”\"'") and re.search(r"[,.;:!?)]", token) or len(run) == 3:
            break
    head, written = "", ""
    for i, word in enumerate(run):
        parts = word.split("-")
        last = parts[-1]
        if len(parts) > 1 and i + 1 < len(run):
            continue  # "low-floor trams": a compound before a noun describes it
        if last[:1].islower() or re.fullmatch(r"[A-Z]{2,5}s", last) or (lang.nouns_capitalised and not any(c.isdigit() for c in last)):
            before = parts[-2] if len(parts) > 1 else (run[i - 1] if i else "")
            compound = fold(last) in units().units and before
            head = f"{before} {last}" if compound else last
            written = word if len(parts) > 1 or not compound else f"{before} {word}"
            break
    codes = [w for w in run if any(c.isdigit() for c in w)]
    if not head and codes:  # "2048 NVIDIA H800s"; a capitalised word alone ("2015 TARGET", "4 Ways") is no noun
        head = written = codes[-1]
        code = re.sub(r"s$", "", fold(head))
        if code in art.codes:
            return art.codes[code], written
    if not head or fold(head) in lang.people_nouns or fold(head) in lang.count_nouns:
        return "", written
    key = " ".join(stem(w).rstrip("s") if any(c.isdigit() for c in w) else stem(w) for w in fold(head).split())
    return key, written


def _not_a_figure(text: str, v: Value, lang: Lang) -> bool:
    """Numbers that are no figure a source claims: part of a name ("Route 9", "Atlas 910B"), a day after its month
    ("Jan 29"), a time of day ("8 a.m."), an age after a name ("Ms Frade, 44,"), a compound or code ("49-year-old",
    "215-205", "f(2)") or a score or tally ("by 358 to 256")."""
    if v.kind is not ValueKind.NUMBER:
        return False
    before, after = text[:v.start], text[v.end:]
    m = re.search(r"(?:^|\s)([A-ZÀ-ÖØ-Þ][\w’'.-]*) $", before)
    if m and (m.start(1) > 0 or fold(m.group(1)).rstrip(".") in lang.months):
        return True  # "Route 9" inside a sentence, "Jan 29" anywhere
    if re.match(r"-\w|['’]?s\b", after) or re.search(r"\w[-(]$", before):
        return True  # "49-year-old", "f(2)", "in his 30s"
    if re.search(r"[A-ZÀ-ÖØ-Þ][\w’'-]+,\s*$", before) and re.match(r"\s*[,)]", after):
        return True  # "Aysha Frade, 44, a teacher": an age
    if any(re.match(rf"\s*{re.escape(t)}(?!\w)", fold(after)) for t in lang.time_markers):
        return True  # "as of 8 a.m."
    link = "|".join(map(re.escape, lang.per_words + ("to", "-", "–")))
    return bool(re.match(rf"\s*(?:{link})\s*\d", after) or re.search(rf"\d\s*(?:{link})\s*$", before))


def _terms(text: str, v: Value, span_end: int, art: _Article, n: int) -> tuple[str, ...]:
    """Stems of the common words within n words of the value in its clause (what the value is said to be; a
    sentence's first word too, unless the article writes it as a name: "Turnout was 41.2 per cent"), and of every
    word of its own phrase ("2,000 Nvidia H800 GPUs": the model counted is part of what it says)."""
    lang = art.lang
    clause = clause_of(text, v.start)
    at = text.find(clause)
    first = words(text)[:1]
    common = [w for w in words(text[at:v.start]) if w[:1].islower()
              or (at == 0 and [w] == first and fold(w) not in art.proper)]
    before = common[-n:]
    after = [w for w in words(text[v.end:at + len(clause)]) if w[:1].islower()][:n]
    own = [w for w in words(text[v.end:span_end]) if not w[:1].isdigit()]
    return tuple(sorted({stem(w) for w in before + after + own if fold(w) not in lang.stopwords and len(w) > 2
                         and fold(w) not in lang.hedges and fold(w) not in lang.scales}))


def _subjects(s: Sentence, v: Value, who_end: int, claimant: str, spans: list[tuple[int, int]], art: _Article,
              title_names: list[str], limit: int) -> tuple[str, ...]:
    """The names a value is about: those in what its clause says (after the reporting verb), nearest first; the
    claimant where what it says refers back to it ("the union claims it brought out 2,000"); else the names of the
    sentence before, else the title's."""
    text, lang = s.text, art.lang
    clause = clause_of(text, v.start)
    c0 = text.find(clause)
    said_from = who_end if c0 <= who_end <= v.start else c0
    said = text[said_from:c0 + len(clause)]
    # the speaker is not what is spoken about, unless only a pronoun stood for it here
    mine = {name_key(w) for w in claimant.split()} | {name_key(claimant)} if claimant and claimant in text[:said_from] else set()
    found = [(p + said_from, k) for p, k in _names(said, art, [(a - said_from, b - said_from) for a, b in spans])
             if k not in mine]
    keys = [k for p, k in sorted(found, key=lambda f: -f[0]) if p < v.start]
    if not keys and any(fold(w) in lang.pronouns for w in words(text[said_from:v.start])):
        keys = [k for _, k in _names(claimant, art)]  # "the union claims it brought out 2,000": about itself
    if not keys:
        keys = [k for p, k in sorted(found) if p > v.start]
    if not keys and mine:
        keys = [k for _, k in _names(claimant, art)]  # "Shiraki Beverages said operating profit rose to…": its own
    if not keys and s.prev:
        prev_spans = [value_span(s.prev, p, _noun(s.prev, p, art)[1], lang) for p in numbers.find(s.prev, lang)]
        keys = [k for _, k in _names(s.prev, art, prev_spans)]
    return _filed(keys or title_names, art, limit)


def _filed(names: list[str], art: _Article, limit: int) -> tuple[str, ...]:
    """The words a claim is filed under: each name's own words ("Shiraki Beverages" -> "shiraki", "beverages"), so a
    later "Shiraki's" or "Zuckerberg" finds it; not words the article also writes in lower case ("port")."""
    out = [w for name in names for w in name.split()
           if len(w) > 2 and w not in art.lang.stopwords and w not in art.lower]
    return tuple(dict.fromkeys(out))[:limit]


@cache
def _markers(code: str) -> tuple[tuple[StanceValue, re.Pattern[str]], ...]:
    lang = load(code)
    denials = tuple(w for w in lang.negations if w not in lang.weak_negations)
    tables = ((StanceValue.NO, denials), (StanceValue.OPEN, lang.open_markers), (StanceValue.YES, lang.affirm_markers))
    return tuple((stance, re.compile(rf"(?<!\w)(?:{'|'.join(map(re.escape, sorted(words, key=len, reverse=True)))})(?!\w)"))
                 for stance, words in tables if words)


def _stance(s: Sentence, art: _Article, title_names: list[str], settings: Settings) -> MapClaim | None:
    """A sentence that takes a side on a statement: denied or without evidence (no), asked or investigated
    (open), reported or confirmed (yes); filed under its subject and the statement's words after the marker."""
    lang, low, cfg = art.lang, fold(s.text), settings.map
    if " " not in s.text.strip():
        return None  # a link or a code, no statement
    found = next(((stance, m) for stance, pattern in _markers(lang.code) if (m := pattern.search(low))), None)
    if found is None:
        return None
    stance, m = found
    marked = {w for table in (lang.negations, lang.open_markers, lang.affirm_markers) for p in table for w in words(p)}

    def content(text: str) -> list[str]:
        return [stem(w) for w in words(text) if w[:1].islower() and len(w) >= 5 and fold(w) not in lang.stopwords
                and fold(w) not in marked]

    terms = content(s.text[m.end():])[:cfg.stance_terms]
    if len(terms) < 2:
        terms += content(s.text[:m.start()])[::-1][:cfg.stance_terms - len(terms)]
    if len(set(terms)) < 2:
        return None
    who = attribute(s.text, m.start(), lang, s.prev)
    mine = {name_key(who.claimant)} if who.claimant and who.claimant in s.text else set()
    found_names = [(p, k) for p, k in _names(s.text, art) if k not in mine]
    keys = [k for p, k in sorted(found_names, key=lambda f: (f[0] < m.start(), abs(f[0] - m.start())))]
    if not keys and s.prev:
        keys = [k for _, k in _names(s.prev, art)]
    subjects = _filed(keys or title_names, art, cfg.max_subjects)
    if not subjects:
        return None
    return MapClaim(s.source, s.title, s.outlet, s.date, ClaimKind.STANCE, s.text, s.start, s.end, stance.value,
                    who.claimant or source_label(s), STANCE_VERBS[stance], s.text, s.start, s.end, "stance",
                    subjects=subjects, terms=tuple(dict.fromkeys(terms)), stance=stance,
                    hedged=stance is StanceValue.OPEN)


def _sentences(doc: SourceDoc) -> Iterator[Sentence]:
    body = doc.text[:doc.furniture_from] if doc.furniture_from is not None else doc.text
    prev = ""
    for a, b in splitter.spans(body):
        text = doc.text[a:b]
        yield Sentence(doc.id, doc.title, doc.outlet, text, a, b, False, prev, numbers.iso_day(doc.date))
        prev = text


def extract(doc: SourceDoc, settings: Settings) -> list[MapClaim]:
    """Every value and stance claim of the article's body (page furniture left out), in article order; none from an
    article that addresses AI systems (`instructions`): such a page is no source."""
    if instructions.scan(doc.text, doc.title, doc.outlet):
        return []
    cfg = settings.map
    art = _article(doc.text)
    lang = art.lang
    title_names = [k for _, k in _names(doc.title, art, title=True)]
    lead = doc.text[:settings.claims.lead_chars]
    names = tuple(sorted(set(title_names) | {k for a, b in splitter.spans(lead) for _, k in _names(lead[a:b], art)}))
    day = numbers.iso_day(doc.date)
    out: list[MapClaim] = []
    seen: set[str] = set()
    for s in _sentences(doc):
        if s.text in seen:
            continue  # a title repeated as the first line
        seen.add(s.text)
        stance = _stance(s, art, title_names, settings)
        if stance is not None:
            out.append(replace(stance, names=names))
        values = [v for v in numbers.find(s.text, lang) if v.kind in COMPARED]
        nouns = {v: _noun(s.text, v, art) if v.kind is ValueKind.NUMBER else ("", "") for v in values}
        spans = {v: value_span(s.text, v, nouns[v][1], lang) for v in values}
        for v in values:
            if v.kind is ValueKind.NUMBER and (v.number < cfg.min_count or _a_year(v, nouns[v], lang)):
                continue  # "one of", and a year ("2015 TARGET:", "the 2016 campaign")
            if _not_a_figure(s.text, v, lang) or is_baseline(s.text, v.start, lang) or earlier_year(s, v, lang):
                continue  # "up from 41.5 billion", "a penalty in 2019": not this story's figure
            who = attribute(s.text, v.start, lang, s.prev)
            claimant = who.claimant or source_label(s)
            a, b = spans[v]
            subjects = _subjects(s, v, who.end, who.claimant, list(spans.values()), art, title_names, cfg.max_subjects)
            if not subjects:
                continue
            out.append(MapClaim(
                doc.id, doc.title, doc.outlet, day, ClaimKind.VALUE, s.text[a:b], s.start + a, s.start + b,
                v.key, claimant, who.verb, s.text, s.start, s.end, str(v.dimension or v.kind), nouns[v][0], nouns[v][1], subjects,
                _terms(s.text, v, b, art, cfg.context_words), names, _variants(s.text, list(spans.values())),
                replace(v, start=s.start + v.start, end=s.start + v.end), hedged=v.hedged or who.stance is Stance.ESTIMATE,
            ))
    return out
