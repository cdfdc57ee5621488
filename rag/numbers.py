"""Numbers, money, percentages, measures and dates in text, normalised so values from different sources compare.

Hand-written over quantulum3: every value must keep its exact span in the article (for the citation), and the words
come from the per-language data files, so one parser serves English, German, French and Spanish. Compound number
words ("two hundred and thirty", "zweihundertdreißig") are text2num's, whose token spans map back to the text's.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from enum import StrEnum
from functools import cache

from .language import Lang, Unit, everywhere, fold, load, occurrences, units

YEAR_DIGITS = r"(?:1[89]|20)\d\d"  # a year as news writes it, 1800-2099

# Same figure, rounded: at most this far apart (relative), and the coarser one a rounding of the finer.
ROUNDING_TOLERANCE = 0.05
_FRACTION_OF = "|".join(map(re.escape, everywhere("fraction_of")))  # "a quarter of", "un tiers de"
_ORDINAL = "|".join(map(re.escape, everywhere("ordinal_suffixes")))  # "3rd", "1er": a rank, not a count


class ValueKind(StrEnum):
    NUMBER = "number"  # a count or any plain figure
    MONEY = "money"
    PERCENT = "percent"
    MEASURE = "measure"
    YEAR = "year"
    DATE = "date"


class Bound(StrEnum):
    """What a hedge says of the true figure: "over 2.78 million" is at least that, "up to 50" at most."""

    NONE = ""
    AT_LEAST = "at_least"
    AT_MOST = "at_most"


@dataclass(frozen=True)
class Value:
    """One value as written (`text == sentence[start:end]`) and normalised (`base` in the unit's base)."""

    start: int
    end: int
    text: str
    kind: ValueKind
    number: float  # as written, scaled ("2.5 Millionen" -> 2.5e6); a percent as 0..100
    unit: str = ""  # ISO currency, unit symbol or "%"
    dimension: str = ""  # money:EUR, length, temperature_c, ...
    base: float = 0.0  # number in the dimension's base unit (km -> m); what comparisons use
    significant: int = 0  # significant digits as written: 2,000 -> 1, 2,048 -> 4, 2.8 million -> 2
    hedged: bool = False  # "about", "more than", "rund"
    iso: str = ""  # dates: YYYY, YYYY-MM or YYYY-MM-DD
    bound: Bound = Bound.NONE

    @property
    def key(self) -> str:
        """What must be equal for two values to be the same figure (before rounding is considered)."""
        if self.kind in (ValueKind.YEAR, ValueKind.DATE):
            return f"date:{self.iso}"
        return f"{self.dimension or self.kind}:{self.base:.6g}"


_SEP = r"[,.\u00a0\u202f' ]"
_DIGITS = re.compile(rf"(?<![\w.,:/])(\d{{1,3}}(?:{_SEP}\d{{3}})+(?:[.,]\d+)?|\d+(?:[.,]\d+)?)(?![\w]|[.,:/]\d)|"
                     rf"(?<![\w.,:/])(\d{{1,3}}(?:{_SEP}\d{{3}})+(?:[.,]\d+)?|\d+(?:[.,]\d+)?)(?=[a-zA-Z°%€$£¥])")
_ISO_DATE = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")


def _parse_digits(raw: str, lang: Lang) -> tuple[float, int] | None:
    """(value, significant digits) of "12.000", "2,5", "1,234.5", "12 000" by the language's conventions."""
    s = raw.replace("\u00a0", " ").replace("\u202f", " ")
    decimal = "," if lang.decimal_comma else "."
    seps = [c for c in s if not c.isdigit()]
    if not seps:
        intpart, frac = s, ""
    else:
        last = s.rfind(seps[-1])
        tail = s[last + 1:]
        # one separator that is the language's decimal mark, or any separator not followed by exactly 3 digits
        if (len(seps) == 1 and seps[0] == decimal) or len(tail) != 3 or (len(set(seps)) > 1 and seps[-1] in ",."):
            intpart, frac = re.sub(r"\D", "", s[:last]), tail
        else:
            intpart, frac = re.sub(r"\D", "", s), ""
    try:
        value = float(f"{intpart or '0'}.{frac or '0'}")
    except ValueError:
        return None
    digits = (intpart.lstrip("0") + frac) if frac else intpart.lstrip("0").rstrip("0")
    return value, max(1, len(digits))


def _phrase_at(text_low: str, pos: int, table) -> tuple[str, int] | None:
    """The longest entry of `table` written at `pos` and ending on a word boundary: (entry, end)."""
    for alias in _by_length(tuple(table)):
        if text_low.startswith(alias, pos):
            end = pos + len(alias)
            if end >= len(text_low) or not (text_low[end].isalnum() and alias[-1].isalnum()):
                return alias, end
    return None


@cache
def _by_length(aliases: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(sorted(aliases, key=len, reverse=True))


def _skip_space(text: str, pos: int) -> int:
    while pos < len(text) and text[pos] in " \u00a0\u202f":
        pos += 1
    return pos


def ends_with_word(text: str, phrase: str) -> bool:
    """`text` ends with `phrase` beginning on a word boundary ("more than", not "furthermore than")."""
    return text.endswith(phrase) and (len(text) == len(phrase) or not text[-len(phrase) - 1].isalnum())


def hedge_before(low: str, start: int, lang: Lang) -> str:
    """The hedge written just before a value ("about", "rund", "plus de"), or ""."""
    before = low[max(0, start - 30):start].rstrip(" \u00a0“\"'(")
    return next((h for h in _by_length(lang.hedges) if ends_with_word(before, h)), "")


@cache
def _first_words(phrases: tuple[str, ...]) -> frozenset[str]:
    """The words number phrases begin with: a token that begins none is no number (most tokens), checked at once."""
    return frozenset(p.split()[0] for p in phrases if p.split())


class _Token:
    """A word or mark of the text with its place, as text2num's `find_numbers` reads tokens."""

    __slots__ = ("word", "start", "end")

    def __init__(self, word: str, start: int, end: int):
        self.word, self.start, self.end = word, start, end

    def text(self) -> str:
        return self.word

    def nt_separated(self, previous: _Token) -> bool:
        return False

    def not_a_number_part(self) -> bool:
        return False


_T2N_WORD = re.compile(r"[^\W\d_]+|[^\w\s]")


def _compound_numbers(text: str, lang: Lang) -> list[tuple[int, int, float, int]]:
    """Number words of two or more parts ("two hundred and thirty", "zweihundertdreißig", "quatre-vingt-dix-sept",
    "doscientas treinta") through text2num, which knows each language's grammar of them; spans stay the text's own."""
    from text_to_num import find_numbers

    tokens = [_Token(m.group(0), m.start(), m.end()) for m in _T2N_WORD.finditer(text)]
    if not tokens:
        return []
    out = []
    for o in find_numbers(tokens, lang.code, threshold=0):
        start = o.start + (o.value < 0)  # "au moins dix-sept" is at least 17: signs are the tables' minus_words
        value, end = abs(float(o.value)), tokens[o.end - 1].end
        if o.is_ordinal or (o.end - start == 1 and _left_to_tables(value)) or _HYPHENATED.match(text, end):
            continue
        out.append((tokens[start].start, end, value, len(str(int(value)).rstrip("0")) if value >= 1 else 1))
    return out


def _left_to_tables(value: float) -> bool:
    """A lone word the tables read better: "one", "ein", "un" (a count or an article) and a lone power of ten (they
    know "hundred" and "thousand"; text2num reads "hundreds" and "thousands of protesters" as exact figures)."""
    return value < 3 or math.log10(value).is_integer()


_HYPHENATED = re.compile(r"-[^\W\d_]")  # "seven-year-old", "four-hour": the tables' compounds with units


def _word_numbers(text: str, low: str, lang: Lang) -> list[tuple[int, int, float, int]]:
    """Numbers written as words: "four", "twenty-three", "a dozen", "two million" -> (start, end, value, sig); where
    text2num reads a compound, its reading replaces the tables' pieces of it."""
    compound = _compound_numbers(text, lang) if lang.text2num and _has_letters(text) else []
    words = _table_numbers(text, low, lang)
    longer = [w[:2] for w in words if any(a < w[1] and w[0] < b and w[1] - w[0] > b - a for a, b, *_ in compound)]
    longer += [f[:2] for f in _fractions(low, lang)]  # "three quarters" is a share, read by find's fractions
    compound = [c for c in compound if not any(a < c[1] and c[0] < b for a, b in longer)]
    words = [w for w in words if not any(a < w[1] and w[0] < b for a, b, *_ in compound)]
    return sorted(compound + words)


def _has_letters(text: str) -> bool:
    return any(c.isalpha() for c in text)


def _table_numbers(text: str, low: str, lang: Lang) -> list[tuple[int, int, float, int]]:
    """Number words from the language's tables: single words, "a dozen", "a four-hour strike", "ein vierstündiger"."""
    out = []
    table = {**lang.number_words, **lang.fractions}
    firsts = _first_words(tuple(table))
    tokens = [(m.start(), m.end(), m.group(0)) for m in re.finditer(r"[^\W\d_]+(?:[-'’][^\W\d_]+)*", low)]
    i = 0
    while i < len(tokens):
        s0, e0, w = tokens[i]
        found = None
        for n in (3, 2, 1) if w in firsts else ():  # "a dozen", "two thirds", "twenty-three"
            if i + n > len(tokens):
                continue
            phrase = low[s0:tokens[i + n - 1][1]]
            if re.sub(r"\s+", " ", phrase) in table:
                found = (n, lang.number_words.get(phrase, None))
                break
        if found is None:
            parts = w.split("-")
            if len(parts) == 2 and all(p in lang.number_words for p in parts) and lang.number_words[parts[0]] >= 20:
                found = (1, lang.number_words[parts[0]] + lang.number_words[parts[1]])
            elif len(parts) == 2 and parts[0] in lang.number_words and parts[1] in units().units:
                out.append((s0, s0 + len(parts[0]), float(lang.number_words[parts[0]]), 1))  # "a four-hour strike"
                i += 1
                continue
            elif lang.compounds and (glued := next((n for n in _by_length(tuple(lang.number_words))
                                                           if w.startswith(n) and len(w) - len(n) > 3 and w[len(n):] in units().units), None)):
                out.append((s0, s0 + len(glued), float(lang.number_words[glued]), 1))  # "ein vierstündiger Streik"
                i += 1
                continue
        if found is None or found[1] is None:
            i += 1
            continue
        n, value = found[0], float(found[1])
        end = tokens[i + n - 1][1]
        j = i + n
        if j < len(tokens) and tokens[j][2] in lang.scales and low[end:tokens[j][0]].strip() == "" and len(tokens[j][2]) > 2:
            value *= lang.scales[tokens[j][2]]
            end = tokens[j][1]
            j += 1
        if value >= 1 or value == 0:
            out.append((s0, end, float(value), 1))
        i = j
    return out


def _fractions(low: str, lang: Lang) -> list[tuple[int, int, float]]:
    """'a quarter of', 'two thirds of' -> a share, as a percentage; the longest phrase first where two begin together."""
    found = sorted(occurrences(low, tuple(lang.fractions)), key=lambda o: (o[0], o[0] - o[1]))
    return [(start, end, lang.fractions[phrase] * 100) for start, end, phrase in found]


def _ratios(text: str, low: str, raw: list[tuple[int, int, float, int]], lang: Lang) -> list[Value]:
    """'one in three trains', 'un train sur trois', 'seven out of ten': a share, as a percentage."""
    if not lang.ratio_words:
        return []
    between = re.compile(rf"\s+(?:([^\W\d]+)\s+)?(?:{'|'.join(map(re.escape, lang.ratio_words))})\s+")
    out = []
    for (s1, e1, n1, _), (s2, e2, n2, _) in zip(raw, raw[1:]):
        m = between.fullmatch(low, e1, s2)
        if not m or not (n1.is_integer() and n2.is_integer() and 1 <= n1 < n2 <= 1000):
            continue
        follows = re.match(r"\s*([^\W\d]+)", low[e2:e2 + 30])
        nxt = follows.group(1) if follows else ""
        if nxt in units().units or (m.group(1) and nxt and nxt not in lang.stopwords):
            continue  # "3 in 10 minutes", "12 goals in 20 matches": a count over a span, not a share
        out.append(Value(s1, e2, text[s1:e2], ValueKind.PERCENT, n1 / n2 * 100, unit="%", dimension="percent",
                         base=n1 / n2 * 100, significant=2, hedged=True))
    return out


def _unit_after(text: str, low: str, pos: int, lang: Lang, money_context: bool):
    """What follows a number: (end, scale, currency, unit, is_percent)."""
    end, scale = pos, 1.0
    hyphened = _phrase_at(low, pos + 1, units().units) if text[pos:pos + 1] == "-" else None
    if hyphened and hyphened[0][-1].isalpha() and text[hyphened[1]:hyphened[1] + 1] != "-":  # "a 35-day trip", not "35-year-old"
        return hyphened[1], scale, "", units().units[hyphened[0]], False
    p = _skip_space(text, pos)
    sc = _phrase_at(low, p, lang.scales)
    # a short scale ("m", "bn") only beside money: "€300m" is millions, "300m" alone is metres
    if sc and (len(sc[0]) > 2 or money_context or (p == pos and _phrase_at(low, sc[1], units().currencies))):
        scale, end = lang.scales[sc[0]], sc[1]
        p = _skip_space(text, end)
    pw = next((w for w in sorted(lang.percent_words, key=len, reverse=True)
               if low.startswith(w, p) and (w == "%" or p + len(w) >= len(low) or not low[p + len(w)].isalnum())), None)
    if pw:
        return p + len(pw), scale, "", None, True
    conn = re.match(r"(?:de |d'|d’|of )", low[p:]) if scale != 1.0 else None
    q = p + (conn.end() if conn else 0)
    cur = _phrase_at(low, q, units().currencies)
    if cur:
        return cur[1], scale, units().currencies[cur[0]], None, False
    if p == pos and re.match(r"[CF](?![\w°])", text[p:p + 2]):  # "46.8C", "116F": the press's attached degrees
        return p + 1, scale, "", units().units["°" + text[p].lower()], False
    un = _phrase_at(low, p, units().units)
    if un and not (un[0] in ("m", "t") and scale != 1.0):
        unit = units().units[un[0]]
        if unit.symbol == "l":  # "87 Liter Regen pro Quadratmeter": a litre on each square metre is a millimetre of rain
            area = re.match(rf"\s+(?:[^\W\d]+\s+)?({'|'.join(map(re.escape, units().volume_per_area))})", low[un[1]:un[1] + 40])
            if area:
                return un[1] + area.end(), scale, "", Unit("mm", "length", 0.001), False
        return un[1], scale, "", unit, False
    return end, scale, "", None, False


def _written_before(low: str, start: int, phrases, keep=lambda phrase, at: True) -> tuple[str, int] | None:
    """The longest of `phrases` written right before `start`, spaces allowed between: (phrase, where it begins)."""
    before = low[max(0, start - 12):start]
    stripped = before.rstrip(" \u00a0")
    for phrase in _by_length(tuple(phrases)):
        at = start - (len(before) - len(stripped)) - len(phrase)
        if ends_with_word(stripped, phrase) and keep(phrase, at):
            return phrase, at
    return None


def _currency_before(text: str, low: str, start: int) -> tuple[str, int] | None:
    # a currency word before a number is a code ("CHF 2 Mio"); in lower case it is a word ("won 2-1")
    found = _written_before(low, start, units().currencies,
                            lambda alias, at: not alias.isalpha() or text[at:at + len(alias)].isupper())
    return (units().currencies[found[0]], found[1]) if found else None


def _minus_before(text: str, low: str, start: int, lang: Lang) -> int | None:
    """Where a minus sign or word written right before a number begins ("minus 14", "−3,5", not the "-" of "2-1")."""
    if start and text[start - 1] in "-\u2212" and (start == 1 or text[start - 2] in " (\u00a0"):
        return start - 1
    found = _written_before(low, start, lang.minus_words)
    hedge = _written_before(low, start, lang.hedges)
    if found and hedge and hedge[1] < found[1]:
        return None  # "au moins 17", "al menos 17": a hedge that ends in the minus word, at least 17
    return found[1] if found and found[1] + len(found[0]) < start else None  # a word, then a space


def _prefix_unit(low: str, start: int):
    before = low[max(0, start - 14):start].rstrip(" -\u00a0")
    for alias, unit in units().prefix_units.items():
        a = alias.rstrip("-")
        if ends_with_word(before, a):
            return unit, start - (len(low[max(0, start - 14):start]) - len(before)) - len(a)
    return None


@cache
def _month_names(written: tuple[str, ...]) -> tuple[dict[str, int], str]:
    """A language's month names and abbreviations (after the twelve full names) -> number, and their regex."""
    full = written[:12]
    months = {m: i for i, m in enumerate(full, 1)}
    for abbr in written[12:]:
        months.setdefault(abbr, next((i for i, f in enumerate(full, 1) if f.startswith(abbr[:3])), 0))
    return months, "|".join(sorted((re.escape(m) for m in months), key=len, reverse=True))


def _dates(text: str, low: str, lang: Lang) -> list[Value]:
    out = []
    months, names = _month_names(lang.months)
    pats = [
        rf"(?<!\w)(?P<mon>{names})\.?\s+(?P<day>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<year>\d{{4}})(?!\d)",
        rf"(?<!\w)(?P<day>\d{{1,2}})(?:st|nd|rd|th|er|\.)?\s+(?:de\s+)?(?P<mon>{names})\.?,?\s+(?:de\s+|del\s+)?(?P<year>\d{{4}})(?!\d)",
        rf"(?<!\w)(?P<mon>{names})\.?\s+(?:de\s+|del\s+)?(?P<year>\d{{4}})(?!\d)",
    ]
    yearless = [  # "on 19 May", "le 19 mai", "am 19. Mai", "May 19": a day whose year the article's date gives
        rf"(?<!\w)(?P<day>\d{{1,2}})(?:st|nd|rd|th|er|\.)?\s+(?:de\s+)?(?P<mon>{names})(?!\w)",
        rf"(?<!\w)(?P<mon>{names})\.?\s+(?P<day>\d{{1,2}})(?:st|nd|rd|th)?(?![\w]|[.,]?\d)",
    ]
    taken: list[tuple[int, int]] = []
    for pat in pats + yearless:
        for m in re.finditer(pat, low):
            if any(s < m.end() and m.start() < e for s, e in taken):
                continue
            mon = months.get(m.group("mon"))
            if not mon:
                continue
            day = m.groupdict().get("day")
            year = m.groupdict().get("year")
            if not year:
                written = text[m.start("mon")]
                if not 1 <= int(day or 0) <= 31 or written.islower() and (lang.months_capitalised or m.group("mon") in lang.stopwords):
                    continue  # "12 may have", "the 20 march"
            iso = (f"{year}-{mon:02d}" if year else f"--{mon:02d}") + (f"-{int(day):02d}" if day else "")
            taken.append(m.span())
            out.append(Value(m.start(), m.end(), text[m.start():m.end()], ValueKind.DATE, float(year or 0), iso=iso))
    for m in _ISO_DATE.finditer(text):
        if not any(s < m.end() and m.start() < e for s, e in taken):
            out.append(Value(m.start(), m.end(), m.group(0), ValueKind.DATE, float(m.group(1)), iso=m.group(0)))
    return out


def _counts_something(text: str, end: int, lang: Lang) -> bool:
    """"2048 NVIDIA H800s": a four-digit number followed by a noun counts it; "in 2019, the…" is a year."""
    m = re.match(r" ([^\W\d_][\w-]*)", text[end:end + 30])
    return m is not None and fold(m.group(1)) not in lang.stopwords and fold(m.group(1)) not in lang.months


# Citation furniture an article carries ("said [2]", "[12, 13]", "[4–6]"): a marker, never a figure.
CITATION_MARKERS = re.compile(r"\[\s*\d{1,3}(?:\s*[-–,;]\s*\d{1,3})*\s*\]")


def find(text: str, lang: Lang | None = None) -> list[Value]:
    """Every value in `text`, left to right; spans never overlap. A bracketed citation marker is none."""
    lang = lang or load()
    low = fold(text)
    if len(low) != len(text):  # folding changed lengths (rare ligatures): fall back to a same-length lower case
        low = "".join(c.lower() if len(c.lower()) == 1 else c for c in text)
    markers = [m.span() for m in CITATION_MARKERS.finditer(text)]
    out: list[Value] = [v for v in _dates(text, low, lang) if not any(a <= v.start and v.end <= b for a, b in markers)]
    taken = [(v.start, v.end) for v in out] + markers

    def free(s: int, e: int) -> bool:
        return not any(a < e and s < b for a, b in taken)

    raw: list[tuple[int, int, float, int]] = []
    for m in _DIGITS.finditer(text):
        g = m.group(1) or m.group(2)
        parsed = _parse_digits(g, lang)
        if parsed:
            raw.append((m.start(), m.start() + len(g), parsed[0], parsed[1]))
    raw += _word_numbers(text, low, lang)
    raw.sort()
    fracs = _fractions(low, lang)
    for v in _ratios(text, low, raw, lang):
        if free(v.start, v.end):
            out.append(v)
            taken.append((v.start, v.end))
    for start, end, number, sig in raw:
        if not free(start, end):
            continue
        if re.match(rf"(?:{_ORDINAL})\b", low[end:end + 3]) or re.match(r"[:/]\d", text[end:end + 2]):
            continue  # ordinals, times, fractions like 3/4
        if start and re.match(r"[^\W\d_]", text[start - 1]) or (start > 1 and text[start - 1] == "-" and text[start - 2].isalpha() and not _prefix_unit(low, start)):
            continue  # part of a name: "COVID-19", "G7", "F-35"
        cur_before = _currency_before(text, low, start)
        fin, scale, cur_after, unit, percent = _unit_after(text, low, end, lang, bool(cur_before))
        if not cur_before and (minus := _minus_before(text, low, start, lang)) is not None:
            start, number = minus, -number  # "minus 14F", "-3.5 °C"
        first = cur_before[1] if cur_before else start
        hedge = hedge_before(low, first, lang)
        hedged = bool(hedge)
        bound = Bound.AT_LEAST if hedge in lang.lower_bounds else Bound.AT_MOST if hedge in lang.upper_bounds else Bound.NONE
        value = number * scale
        sig = sig if scale == 1.0 else max(1, len(f"{number:g}".replace(".", "").lstrip("0")))
        currency = cur_before[0] if cur_before else cur_after
        if currency:
            v = Value(first, fin, text[first:fin], ValueKind.MONEY, value, unit=currency, dimension=f"money:{currency}",
                      base=value, significant=sig, hedged=hedged, bound=bound)
        elif percent:
            v = Value(start, fin, text[start:fin], ValueKind.PERCENT, value, unit="%", dimension="percent", base=value,
                      significant=sig, hedged=hedged, bound=bound)
        elif unit is not None and unit.dimension == "temperature_f":  # affine: compare in °C with the rest
            v = Value(start, fin, text[start:fin], ValueKind.MEASURE, value, unit=unit.symbol, dimension="temperature_c",
                      base=(value - 32) * 5 / 9, significant=sig, hedged=hedged, bound=bound)
        elif unit is not None:
            v = Value(start, fin, text[start:fin], ValueKind.MEASURE, value, unit=unit.symbol, dimension=unit.dimension,
                      base=value * unit.factor, significant=sig, hedged=hedged, bound=bound)
        elif (pre := _prefix_unit(low, start)) is not None:
            unit, ustart = pre
            v = Value(ustart, fin, text[ustart:fin], ValueKind.MEASURE, value, unit=unit.symbol, dimension=unit.dimension,
                      base=value * unit.factor, significant=sig, hedged=hedged, bound=bound)
        elif scale == 1.0 and number.is_integer() and 1800 <= number <= 2100 and re.fullmatch(r"\d{4}", text[start:end]) \
                and not _counts_something(text, end, lang):
            v = Value(start, end, text[start:end], ValueKind.YEAR, number, iso=f"{int(number)}")
        else:
            v = Value(start, fin, text[start:fin], ValueKind.NUMBER, value, base=value, significant=sig, hedged=hedged, bound=bound)
        if free(v.start, v.end):
            out.append(v)
            taken.append((v.start, v.end))
    for start, end, share in fracs:
        # "a quarter of the vote", "reste d'environ un tiers,": a share; "a third attempt" is a rank
        if free(start, end) and re.match(rf"\s+(?:{_FRACTION_OF})\b|\s*(?:[,.;:)]|$)", low[end:end + 5]):
            out.append(Value(start, end, text[start:end], ValueKind.PERCENT, share, unit="%", dimension="percent", base=share,
                             significant=2, hedged=True))
            taken.append((start, end))
    return sorted(out, key=lambda v: v.start)


def same(a: Value, b: Value) -> bool:
    """The same figure as written, up to notation: "2,048" = "2048" = "2.048" (de); "$1.2 billion" = "$1,200 million"."""
    if a.kind in (ValueKind.YEAR, ValueKind.DATE) or b.kind in (ValueKind.YEAR, ValueKind.DATE):
        if a.iso.startswith("--") or b.iso.startswith("--"):  # "19 May" is "19 May 2026": the year is not said
            days = all(v.iso.startswith("--") or len(v.iso) == 10 for v in (a, b))
            return days and a.iso[-5:] == b.iso[-5:]
        return a.iso == b.iso or (a.iso[:4] == b.iso[:4] and min(len(a.iso), len(b.iso)) == 4 and a.kind != b.kind)
    if (a.dimension or "") != (b.dimension or "") and a.dimension and b.dimension:
        return False
    return math.isclose(a.base, b.base, rel_tol=1e-6, abs_tol=1e-9)


def _coarse_rounds_fine(coarse: Value, fine: Value) -> bool:
    """Within half a unit of the coarser figure's last digit, where that figure is a rounding: hedged, at most
    two significant digits, or converted from another unit (46.8C is 116.2F)."""
    if coarse.significant > fine.significant and not coarse.hedged:
        return False
    if coarse.number == 0:
        return False
    exponent = math.floor(math.log10(abs(coarse.number))) - coarse.significant + 1
    half_unit = 0.5 * 10 ** exponent * (abs(coarse.base / coarse.number) if coarse.base else 1)
    converted = coarse.unit != fine.unit
    return abs(coarse.base - fine.base) <= half_unit * (1 + 1e-9) and (coarse.significant <= 2 or coarse.hedged or converted)


def agrees(a: Value, b: Value, tolerance: float = ROUNDING_TOLERANCE) -> bool:
    """Rounding is not disagreement: 2,048 and 2,000, 2.788 and 2.8 million, 54.3 % and 54 % agree;
    12,000 and 10,000 do not (17 % apart), nor 41 and 43 deaths (no rounding of one gives the other)."""
    if same(a, b):
        return True
    if a.kind != b.kind or (a.dimension != b.dimension) or a.kind in (ValueKind.YEAR, ValueKind.DATE):
        return False
    if abs(a.base - b.base) > tolerance * max(abs(a.base), abs(b.base)):
        return False
    if any(x.bound is Bound.AT_LEAST and y.base >= x.base or x.bound is Bound.AT_MOST and y.base <= x.base
           for x, y in ((a, b), (b, a))):
        return True  # "over 2.78 million" and 2.788 million: the bound holds
    coarse, fine = sorted((a, b), key=lambda v: (v.significant, not v.hedged))
    return _coarse_rounds_fine(coarse, fine)


def group(values: list[Value], tolerance: float = ROUNDING_TOLERANCE) -> list[list[int]]:
    """Indices of values clustered by agreement (single linkage in sorted order); a partition of the input."""
    order = sorted(range(len(values)), key=lambda i: (values[i].dimension, values[i].kind, values[i].base, values[i].iso))
    groups: list[list[int]] = []
    for i in order:
        if groups and any(agrees(values[j], values[i], tolerance) for j in groups[-1]):
            groups[-1].append(i)
        else:
            groups.append([i])
    return groups


_DAY = re.compile(r"\s*(\d{4})(?:[-/.](\d{1,2})(?:[-/.](\d{1,2}))?)?(?!\d)")


def iso_day(text: str) -> str:
    """A date as ISO ("2017/3/30" -> "2017-03-30", "2026-03" stays), so dates sort and compare; "" when it is none."""
    m = _DAY.match(text or "")
    if not m or not 1800 <= int(m.group(1)) <= 2200:
        return ""
    parts = [m.group(1)] + [f"{int(g):02d}" for g in m.groups()[1:] if g]
    if len(parts) > 1 and not 1 <= int(parts[1]) <= 12 or len(parts) > 2 and not 1 <= int(parts[2]) <= 31:
        return ""
    return "-".join(parts)


def display(v: Value) -> str:
    return v.text.strip(" “\"'")
