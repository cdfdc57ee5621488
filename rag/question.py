"""The question's expected answer type and subject, read from its structure alone (no topic lists)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cache

from nltk.stem.porter import PorterStemmer

from . import numbers
from .language import Lang, base_forms, detect, fold, load, relation_groups, units, words


class AnswerType(StrEnum):
    COUNT = "count"  # a count of a thing: its head noun says of what
    AGE = "age"  # how old someone is
    MONEY = "money"
    PERCENT = "percent"
    MEASURE = "measure"  # a quantity with a unit (°C, km, MW)
    DATE = "date"
    PERSON = "person"
    ORGANISATION = "organisation"
    PLACE = "place"
    CATEGORY = "category"  # a member of a category the question names ("which sport")
    YESNO = "yesno"
    OPEN = "open"  # why / how / what happened

    @property
    def numeric(self) -> bool:
        return self in (AnswerType.COUNT, AnswerType.AGE, AnswerType.MONEY, AnswerType.PERCENT, AnswerType.MEASURE)

    @property
    def valued(self) -> bool:
        """Answered by a value the code can find and compare: a number, an amount, a measure or a date."""
        return bool(self.value_kinds)

    @property
    def value_kinds(self) -> tuple[numbers.ValueKind, ...]:
        """The kinds of value that answer this type (none for names, stances and open questions)."""
        return _VALUE_KINDS.get(self, ())

    @property
    def entity(self) -> bool:
        return self in (AnswerType.PERSON, AnswerType.ORGANISATION, AnswerType.PLACE)


_VALUE_KINDS = {
    AnswerType.COUNT: (numbers.ValueKind.NUMBER,),
    AnswerType.AGE: (numbers.ValueKind.NUMBER,),
    AnswerType.MONEY: (numbers.ValueKind.MONEY,),
    AnswerType.PERCENT: (numbers.ValueKind.PERCENT,),
    AnswerType.MEASURE: (numbers.ValueKind.MEASURE,),
    AnswerType.DATE: (numbers.ValueKind.DATE, numbers.ValueKind.YEAR),
}


@dataclass(frozen=True)
class Query:
    """What a question asks: its type, what is counted or named, and what it is about."""

    text: str
    lang: str
    type: AnswerType
    head: str = ""  # the counted noun ("people"), the category ("sport"), or the cue ("cost")
    dimensions: tuple[str, ...] = ()  # for a measure: length, temperature_c, ...
    names: tuple[str, ...] = ()  # proper names in the question (capitalised, not its first word)
    runs: tuple[tuple[str, ...], ...] = ()  # the names grouped as written together: ("Port", "Ellery")
    terms: tuple[str, ...] = ()  # other content words, folded
    premise: tuple[numbers.Value, ...] = field(default=(), compare=False)  # values the question itself states
    relation: tuple[str, ...] = ()  # what happened to the counted thing: "died", "took part", "were evacuated"
    per: str = ""  # a rate's unit: "price per share" -> "share"
    payer: tuple[str, ...] = ()  # who pays, in common nouns: "how much will residents pay" -> residents
    paid_for: str = ""  # what the money goes on: "pay lobbyists", "spend each year on agency nurses" -> agency
    alternatives: tuple[str, ...] = ()  # other counted nouns: "how many accounts or clients" -> ("clients",)

    @property
    def subject(self) -> str:
        return " ".join(self.names) or " ".join(self.terms[:4])


_PORTER = PorterStemmer()


@cache
def stem(word: str) -> str:
    """A crude prefix stem, good enough to match "smuggled" with "smuggling", "paint" with "painted" (Porter's
    suffix rules first) and, through the language data's irregular forms, "found" with "finds", in any of our
    languages."""
    w = fold(word)
    w = base_forms().get(w, w)
    if w.isascii() and w.isalpha():  # Porter knows English suffixes only; it leaves other words' letters alone
        w = _PORTER.stem(w, to_lowercase=False)
    return name_stem(w)


def name_stem(word: str) -> str:
    """A name's stem: its prefix only ("Lyon's" is Lyon), never a suffix rule ("Racing" is not "Race")."""
    w = fold(word)
    return w[:6] if len(w) > 6 else w.rstrip("s") if len(w) > 3 else w


def _starts(low: str, phrases, anywhere: bool = True) -> str | None:
    """The longest phrase in the question (or, with anywhere=False, opening it after an optional preposition)."""
    lead = r"(?<!\w)" if anywhere else r"^\W*(?:\w+\s+)?"
    return next((p for p in sorted(phrases, key=len, reverse=True) if re.search(rf"{lead}{re.escape(p)}(?!\w)", low)), None)


def _next_content(low: str, after: str, lang: Lang, skip: frozenset[str] = frozenset()) -> str:
    m = re.search(rf"(?<!\w){re.escape(after)}(?!\w)", low)
    if not m:
        return ""
    for w in words(low[m.end():]):
        if w in lang.stopwords or w in skip or w.isdigit():
            continue
        return w
    return ""


def analyse(question: str, previous: str | None = None) -> Query:
    """The expected answer type from the question's structure; a short follow-up inherits the earlier subject."""
    q = question.strip()
    lang = load(detect(q)) if len(words(q)) > 2 else load()
    low = fold(q)
    toks = words(q)
    premise = tuple(v for v in numbers.find(q, lang) if v.kind is not numbers.ValueKind.YEAR)
    qtype, head, dims = _type(low, toks, lang)
    toks = [_unelided(w, lang) for w in toks]  # "d'Eschbrunn" is Eschbrunn
    names = tuple(dict.fromkeys(
        re.sub(r"['’]s$", "", w) for i, w in enumerate(toks)
        if (w[0].isupper() or any(c.isupper() for c in w[1:])) and i > 0 and fold(w) not in lang.stopwords
        and fold(w) not in lang.question_words and fold(w) not in lang.months  # "on 14 March": a date, not a subject
    ))
    names = tuple(n for n in names if stem(n) not in {stem(w) for w in words(head)}
                  and not re.fullmatch(r"[A-Z]{2,5}s", n))  # "GPUs", "CEOs": a plural acronym is a common noun
    if lang.nouns_capitalised:  # German capitalises every noun: only words the stop list and a noun test leave
        names = tuple(n for n in names if not fold(n).endswith(lang.noun_suffixes))
    ignore = set(lang.stopwords) | set(lang.question_words) | set(lang.yesno_openers) | {fold(n) for n in names}
    ignore |= {fold(w) for p in (*lang.how_count, *lang.how_much, *lang.how_measure, *lang.date_cues) for w in words(p)}
    terms = tuple(dict.fromkeys(fold(w) for w in toks if fold(w) not in ignore and not w.isdigit() and len(w) > 2
                                and fold(w) != head and fold(re.sub(r"['’]s$", "", w)) not in ignore))  # "Cardew's": a name
    alternatives = _alternatives(low, head, lang) if qtype is AnswerType.COUNT else ()
    relation = _relation(low, (alternatives or (head,))[-1], lang, {fold(n) for n in names}) \
        if qtype is AnswerType.COUNT else ()
    terms = tuple(t for t in terms if t not in alternatives)
    if previous and not names:
        before = analyse(previous)
        names, terms = before.names, tuple(dict.fromkeys(terms + before.terms))
    runs, run = [], []
    for w in toks:
        if w in names or re.sub(r"['’]s$", "", w) in names:
            run.append(re.sub(r"['’]s$", "", w))
        elif run:
            runs.append(tuple(run))
            run = []
    if run:
        runs.append(tuple(run))
    per = "" if qtype is AnswerType.PERCENT else _per_unit(low, lang)
    paying = qtype is AnswerType.MONEY and head in lang.payer_verbs
    payer = _payer(low, head, lang, names) if paying else ()
    paid_for = _paid_for(low, head, lang, names) if paying else ""
    return Query(q, lang.code, qtype, head=head, dimensions=dims, names=names, runs=tuple(runs), terms=terms,
                 alternatives=alternatives,
                 premise=premise, relation=relation, per=per, payer=payer, paid_for=paid_for)


def _unelided(word: str, lang: Lang) -> str:
    """The word without an article glued to its front ("d'Eschbrunn", "l'Oréal" stays whole: its own capital)."""
    low = fold(word)
    cut = next((e for e in lang.elisions if low.startswith(e) and len(word) > len(e) + 1), "")
    return word[len(cut):] if cut and word[len(cut)].isupper() and word[0].islower() else word


def _paid_for(low: str, head: str, lang: Lang, names: tuple[str, ...]) -> str:
    """The first common noun the money goes on, after the verb of paying or its purpose preposition; empty where
    that is a name (checked as the subject already) or the question says none."""
    m = re.search(rf"(?<!\w){re.escape(head)}(?!\w)", low)
    named = {fold(n) for n in names}
    for w in words(low[m.end():]) if m else []:
        if w in lang.purpose_prepositions or w in lang.stopwords or w in lang.date_nouns:
            continue
        return "" if re.sub(r"['’]s$", "", w) in named else w
    return ""


def _payer(low: str, head: str, lang: Lang, names: tuple[str, ...]) -> tuple[str, ...]:
    """The common nouns between "how much" and a verb of paying: who pays ("will Westmoor residents pay", "did the
    seller originally pay"); names are checked as the subject already."""
    cue = _starts(low, lang.how_much)
    m = re.search(rf"(?<!\w){re.escape(head)}(?!\w)", low)
    if cue is None or not m:
        return ()
    named = {stem(n) for n in names}
    between = words(low[low.find(cue) + len(cue):m.start()])
    return tuple(w for w in between if w not in lang.stopwords and w not in lang.passive_auxiliaries and len(w) > 2
                 and stem(re.sub(r"['’]s$", "", w)) not in named)


def _per_unit(low: str, lang: Lang) -> str:
    """The unit of a rate the question asks for: the word right after "per" ("price per share"); "por el brote"
    is no rate (an article follows)."""
    for p in lang.per_words:
        m = re.search(rf"(?<!\w){re.escape(p)}\s+(\w+)", low)
        if m and m.group(1) not in lang.stopwords:
            return m.group(1)
    return ""


def plural(word: str, lang: Lang, *, modifier: bool = False) -> bool:
    """Written as a plural; a modifier ending in -us or -is ("virus cases", "crisis talks") is taken as singular."""
    return len(word) > 3 and word.endswith(lang.plural_endings) and not word.endswith(("ss", "us", "is") if modifier else "ss")


def _alternatives(low: str, head: str, lang: Lang) -> tuple[str, ...]:
    """Counted nouns joined to the head by "or": "how many accounts or clients were involved" -> ("clients",)."""
    if not head or not lang.or_words:
        return ()
    ors = "|".join(map(re.escape, lang.or_words))
    m = re.search(rf"(?<!\w){re.escape(head)}\s+(?:{ors})\s+([^\W\d]+)", low)
    return (m.group(1),) if m and m.group(1) not in lang.stopwords and plural(m.group(1), lang) else ()


def _relation(low: str, head: str, lang: Lang, names: set[str]) -> tuple[str, ...]:
    """The content words after a count's head up to the first function word that is not an auxiliary, names
    skipped: "how many people died during…" -> ("died",); "how many members of the National Assembly voted in
    favour" -> ("voted", "favour")."""
    if not head:
        return ()
    m = re.search(rf"(?<!\w){re.escape(head)}(?!\w)", low)
    if not m:
        return ()
    out: list[str] = []
    after = words(low[m.end():])[:8]
    groups = relation_groups(lang.code)
    for i, w in enumerate(after):
        if w in lang.yesno_openers or w in lang.passive_auxiliaries or w in names:
            continue
        if w in lang.stopwords and w not in groups:
            if out and not (i + 1 < len(after) and after[i + 1] in groups):  # "voted in favour", "voted against"
                break
            continue
        out.append(w)
        if len(out) == 2:
            break
    return tuple(out)


def _type(low: str, toks: list[str], lang: Lang) -> tuple[AnswerType, str, tuple[str, ...]]:
    first = fold(toks[0]) if toks else ""
    u = units()
    if _starts(low, lang.how_old) is not None:
        return AnswerType.AGE, "", ()
    if (cue := _starts(low, lang.how_count)) is not None:
        head = _next_content(low, cue, lang, frozenset(lang.comparatives))
        names = {fold(w) for w in toks[1:] if w.istitle() and w.isalpha()} if not lang.nouns_capitalised else set()
        for _ in range(4):  # "how many Greystone tenants": the counted noun, not the name before it
            if head not in names:
                break
            head = _next_content(low, head, lang, frozenset(lang.comparatives))
        following = _next_content(low, head, lang) if head else ""
        if following in u.units and head not in u.units:  # "GPU hours": the unit names what is counted
            head = f"{head} {following}"
        elif plural(following, lang) and not plural(head, lang, modifier=True) and re.search(rf"(?<!\w){re.escape(head)}\s+{re.escape(following)}(?!\w)", low):
            head = f"{head} {following}"  # "dock workers", "police officers": the plural is what is counted
        if head in u.units:
            return AnswerType.MEASURE, head, (u.units[head].dimension,)
        if head in u.dimension_words and head not in lang.count_nouns:  # "combien de temps": a time, not a count
            return AnswerType.MEASURE, head, u.dimension_words[head]
        if head in lang.percent_words:
            return AnswerType.PERCENT, head, ()
        return AnswerType.COUNT, head, ()
    if (cue := _starts(low, lang.percent_cues)) is not None:
        return AnswerType.PERCENT, cue, ()
    content = [fold(w) for w in toks]
    if (cue := _starts(low, lang.how_measure)) is not None:
        adjective = words(cue)[-1]
        money = next((w for w in content if w in lang.money_cues or w in u.currencies), "")
        # "how large is the budget", "how high was the fine": an amount of money; "how long was the contract" a time
        if money and "duration" not in u.dimension_words.get(adjective, ()):
            return AnswerType.MONEY, money, ()
        counted = next((w for w in content if w in lang.count_nouns), "")
        if counted:
            return AnswerType.COUNT, counted, ()  # "how big was the crowd": a head count
        dims = u.dimension_words.get(adjective, ())
        if "duration" in dims and any(w in lang.duration_verbs for w in content):
            dims = ("duration",)  # "how long did the expedition last": days, not metres
        return AnswerType.MEASURE, adjective, dims
    if (cue := _starts(low, lang.how_much)) is not None:
        money = next((w for w in content if w in lang.money_cues or w in u.currencies), "")
        dims = tuple(d for w in content for d in u.dimension_words.get(w, ()))
        change = next((w for w in content if w in lang.change_words), "")
        # "by how much will charges rise", "how much will prices rise": news gives a change in per cent; "how much
        # funding was cut" is money
        if change and not dims and (not money or not low.startswith(cue)):
            return AnswerType.PERCENT, change, ()
        if money:
            return AnswerType.MONEY, money, ()
        # "how much oil leaked": an amount of oil in whatever unit the source uses
        return AnswerType.MEASURE, _next_content(low, cue, lang), dims
    if first in lang.question_words or first in lang.question_prepositions:
        nxt = _next_content(low, first, lang)
        kinds = (*lang.person_nouns, *lang.org_nouns, *lang.place_nouns)
        compound = _next_content(low, f"{first} {nxt}", lang) if nxt and nxt not in kinds else ""
        if compound in kinds:  # "which law firm", "which football club": the kind is the compound's last noun
            nxt = compound
        change = next((b for a, b in zip(content[1:5], content[2:6]) if a in lang.money_cues and b in lang.change_words), "")
        if change:  # "what pay rise", "what price increase": a change in per cent
            return AnswerType.PERCENT, change, ()
        money = next((w for w in content[1:6] if w in lang.money_cues), "")
        person_or_place = (*lang.who_words, *lang.where_words)
        if money and first not in (*person_or_place, *lang.when_words):
            return AnswerType.MONEY, money, ()  # "what is the total spending": an amount, not a count
        for w in content[1:6]:
            if w in u.dimension_words and w not in lang.money_cues:
                return AnswerType.MEASURE, w, u.dimension_words[w]
            if w in lang.count_nouns:
                return AnswerType.COUNT, w, ()
            if w in lang.money_cues and first not in person_or_place:
                return AnswerType.MONEY, w, ()
            if w in lang.percent_nouns:  # "what economic growth rate": a share, written in per cent, of growth
                i = content.index(w)
                before = content[i - 1] if i > 1 else ""
                of = _next_content(low, f"{w} {lang.fraction_of[0]}", lang) if lang.fraction_of else ""
                modifier = before if before and before not in lang.stopwords and before not in lang.question_words else of
                return AnswerType.PERCENT, modifier or w, ()
        if _starts(low, lang.date_cues, anywhere=False) is not None:
            return AnswerType.DATE, "", ()
        if _starts(low, lang.place_cues, anywhere=False) is not None:
            return AnswerType.PLACE, "", ()
        if first in lang.question_words[:3] or first in lang.entity_openers:
            if nxt in lang.person_nouns:
                return AnswerType.PERSON, nxt, ()
            if nxt in lang.org_nouns:
                return AnswerType.ORGANISATION, nxt, ()
            if nxt in lang.place_nouns:
                return AnswerType.PLACE, nxt, ()
            if nxt in lang.date_nouns:
                return AnswerType.DATE, nxt, ()
        if first in lang.who_words:
            return AnswerType.PERSON, "", ()
        if first in lang.category_openers and nxt:
            return AnswerType.CATEGORY, nxt, ()
        return AnswerType.OPEN, "", ()
    if first in lang.yesno_openers or any(low.startswith(o + " ") for o in lang.yesno_openers):
        return AnswerType.YESNO, "", ()
    return AnswerType.OPEN, "", ()
