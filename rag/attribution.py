"""Who a value is attributed to inside an article: "police said", "according to the organisers", "…, the union claims".

Hand-written on purpose: attribution is exactly what a 1.5B model gets wrong (it turned "insiders estimate
~50,000" into "DeepSeek claimed 50,000"), so it is code, with its words from the language data.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .language import Lang, Stance, everywhere, fold, occurrences, relation_groups
from .numbers import YEAR_DIGITS

_CLAUSE = re.compile(rf";|—|–|:\s|,\s+(?=(?:{'|'.join(everywhere('contrast_conjunctions'))})\b)", re.IGNORECASE)
_WORD = re.compile(r"[^\W_][\w'’&.,-]*(?<![.,])", re.UNICODE)
# determiners and linking words that may stand inside a claimant ("a spokesperson for the ministry")
_INSIDE = frozenset(everywhere("claimant_inner_words"))
_ARTICLES = frozenset(everywhere("articles"))


@dataclass(frozen=True)
class Attribution:
    claimant: str  # "" when the article states it in its own voice
    verb: str  # the verb shown in an answer: "says", "estimates", "denies"
    stance: Stance
    end: int = -1  # where the attribution ends in the sentence (-1: none)


def _clauses(text: str) -> list[tuple[int, int]]:
    cuts = [0] + [m.end() for m in _CLAUSE.finditer(text)] + [len(text)]
    return [(a, b) for a, b in zip(cuts, cuts[1:]) if b > a]


def _phrase_before(text: str, end: int, lang: Lang) -> str:
    """The noun phrase just before `end`, walking back over words until punctuation or a function word."""
    head = text[:end].rstrip()
    if head.endswith(")") and "(" in head:  # "The Federal Banking Oversight Office (FBOO) said": the name before it
        end = head.rfind("(")
    words = list(_WORD.finditer(text[:end]))
    taken: list[re.Match] = []
    for m in reversed(words):
        gap = text[m.end(): taken[-1].start() if taken else end]
        if re.search(r"[,;:()\"“”]", gap):
            break
        w = fold(m.group(0))
        if (w in lang.stopwords and w not in _INSIDE) or w[0].isdigit() or w in lang.scales or w in lang.number_words:
            break
        if w in lang.reporting_verbs and taken:
            break
        taken.append(m)
        if len(taken) >= 8:
            break
    while taken and fold(taken[-1].group(0)) in _INSIDE - _ARTICLES:
        taken.pop()
    while taken and fold(taken[0].group(0)) in _INSIDE:
        taken.pop(0)
    if not taken:
        return ""
    return text[taken[-1].start(): taken[0].end()].strip(" ,.")


def _phrase_after(text: str, start: int, lang: Lang) -> str:
    """The noun phrase after `start`: up to punctuation, a number or (where nouns are capitalised) a verb."""
    m = re.match(r"\s*([^,.;:()\"“”\d]{2,60})", text[start:])
    if not m:
        return ""
    words = m.group(1).split()[:10]
    if re.match(r"\w", text[start + m.end():]):  # the length bound cut a word: "…de Medio Ambiente difundi"
        words = words[:-1]
    if lang.nouns_capitalised:
        kept: list[str] = []
        for w in words:
            if kept and w[:1].islower() and fold(w) not in _INSIDE:
                break
            kept.append(w)
        words = kept
    return " ".join(words).strip()


def _according(text: str, lang: Lang) -> list[tuple[int, str]]:
    out = []
    for start, end, _ in occurrences(fold(text), lang.according_to):
        who = _phrase_after(text, end, lang)
        if who:
            out.append((start, who))
    return out


def _title_cased(text: str, share: float = 0.7) -> bool:
    """A headline in title case ("Police Say 12,000 Marched"), where a capitalised verb is still a verb."""
    long = re.findall(r"[^\W\d_]{4,}", text)
    return bool(long) and sum(w[0].isupper() for w in long) >= share * len(long)


def _verbs(text: str, lang: Lang) -> list[tuple[int, int, str]]:
    low = fold(text)
    out = []
    articles = "|".join(map(re.escape, lang.articles))
    titled = _title_cased(text)
    for start, end, form in occurrences(low, tuple(lang.reporting_verbs)):
        if articles and re.search(rf"(?<!\w)(?:{articles})\s+$", low[:start]):
            continue  # "an estimated $6 million": a hedge on the value, not someone estimating
        prev = re.search(r"(?<!\w)([^\W\d_]+)\s+$", low[:start])
        prev_word = prev.group(1) if prev else ""
        if prev_word in lang.record_adverbs:
            continue  # "the highest ever recorded": a record, nobody reporting
        following = re.match(r"\s+([^\W\d_]+)", low[end:])
        if following and following.group(1) in relation_groups(lang.code) and prev_word in lang.people_nouns:
            continue  # "the number of people confirmed dead": a participle saying what happened, nobody reporting
        if text[start].isupper() and not titled and re.search(r"[^\W\d_][\s-]+$", text[:start]):
            continue  # "released in the United States": a capitalised word inside a sentence is a name's
        out.append((start, end, form))
    return out


def _nearer_figure(text: str, pos: int, start: int) -> bool:
    """"…qui avait réuni 7 800 personnes d'après la même source": a marker right after another figure (not a year)
    and its noun attributes that figure, not the value before it."""
    between = text[pos:start]
    runs = [m for m in re.finditer(r"\d(?:[\d.,'’\s]?\d)*", between) if m.start() > 3]  # the value's own digits open it
    if not runs or re.fullmatch(YEAR_DIGITS, runs[-1].group(0)):
        return False
    tail = between[runs[-1].end():]
    return not re.search(r"[,;:()\"“”«»]", tail) and len(tail.split()) <= 3


def resolve_pronoun(who: str, before: str, lang: Lang, subject: str = "") -> str:
    """"it", "they" -> the question's subject when the sentence before names it, else that sentence's first name."""
    if fold(who) not in lang.pronouns:
        return who
    if subject and fold(subject) in fold(before):
        return subject
    runs = re.findall(r"\b([A-ZÀ-ÖØ-Þ][\w'’&-]+(?:\s+[A-ZÀ-ÖØ-Þ][\w'’&-]+)*)", before)
    runs = [r for r in runs if fold(r) not in lang.stopwords]
    return runs[0] if runs else subject


def attribute(text: str, pos: int, lang: Lang, before: str = "", subject: str = "") -> Attribution:
    """The claimant and reporting verb for the value at `pos`: the marker ("according to", a reporting verb)
    in the value's own clause nearest to it, else the nearest in the sentence."""
    clause = next(((a, b) for a, b in _clauses(text) if a <= pos < b), (0, len(text)))
    markers = [(a, a, "", who) for a, who in _according(text, lang)] + [(a, b, f, "") for a, b, f in _verbs(text, lang)]
    in_clause = [m for m in markers if clause[0] <= m[0] < clause[1]]
    # a verb before the value governs it; one after it only when none stands before ("…, police said")
    for start, end, form, who in sorted(in_clause or markers, key=lambda m: (m[0] > pos, abs(m[0] - pos))):
        if start > pos and _nearer_figure(text, pos, start):
            continue
        if not form:
            return Attribution(resolve_pronoun(who, before, lang, subject), "says", Stance.SAY, start + len(who) + 14)
        verb = lang.reporting_verbs[form]
        who = _phrase_before(text, start, lang)
        if fold(who) in lang.weekdays or fold(who) in lang.months:
            who = ""  # "…on Thursday measured 6.1": a day says nothing
        pronoun = re.search(r"(\w+)\s*$", text[:start])
        if not who and pronoun and fold(pronoun.group(1)) in lang.pronouns:
            who = pronoun.group(1)
        relative = re.search(rf",\s*(?:{'|'.join(map(re.escape, lang.relative_pronouns))})\b[^,;]*,\s*$", fold(text[:start])) \
            if not who and lang.relative_pronouns else None
        if relative:  # "Law firm Hartley Moss, which is bringing the case, said…": the speaker stands before "which"
            who = _phrase_before(text, relative.start(), lang)
        set_off = re.search(r",\s*$", text[:start]) if not who and pos > start else None
        if set_off:  # "The operator, Bluewater Island Lines, said 142…": the name set off before the verb
            aside = re.search(rf",\s*(?:{'|'.join(map(re.escape, lang.asides))})\s*$", fold(text[:set_off.start()])) \
                if lang.asides else None
            who = _phrase_before(text, aside.start() if aside else set_off.start(), lang)  # "The coast guard, however, put"
        if not who and re.search(r"[,\"”»]\s*$", text[:start]):  # inverted: "…, said police" / "…, a déclaré le maire"
            who = _phrase_after(text, end, lang)
            first = who.split()[0] if who else ""
            opens_badly = fold(first) in lang.pronouns | set(everywhere("complementisers")) \
                or (first.islower() and fold(first) in lang.stopwords and fold(first) not in lang.articles)
            who = "" if opens_badly else who  # "…, expected in the first quarter of 2027": no speaker
        if who:
            # "Wang told CNBC that he suspected…": the pronoun's antecedent opens its own sentence where one does
            own = text[:start - len(who)] if fold(who) in lang.pronouns else ""
            named = [r for r in re.findall(r"\b([A-ZÀ-ÖØ-Þ][\w'’&-]+(?:\s+[A-ZÀ-ÖØ-Þ][\w'’&-]+)*)", own)
                     if fold(r.split()[0]) not in lang.stopwords
                     and not re.search(r"['’]s$", r)]  # "Pelling's wife, Sandra, … she told": not Pelling
            return Attribution(named[0] if named else resolve_pronoun(who, before, lang, subject), verb.shown,
                               verb.stance, end)
    return Attribution("", "reports", Stance.SAY)
