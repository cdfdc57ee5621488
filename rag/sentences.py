"""One sentence splitter for evidence, the verifier and the eval metrics, with exact offsets.

Hand-written rather than nltk/spaCy: it must keep byte offsets into the stored article and ship no data files.
"""

from __future__ import annotations

import re

from .language import everywhere

# A sentence ends at . ! ? (optionally closed by a quote or bracket, and followed by citation markers
# such as "[3]", which stay with it) before whitespace and a capital, digit or opening quote;
# a line break always ends one. The cut is the whitespace (group "gap").
_BOUNDARY = re.compile(
    r"[.!?][\"'”’)\]]*(?:\s*\[\d+(?:\s*[,;]\s*\d+)*\])*(?P<gap>\s+)(?=[\"'“‘(]?[A-Z0-9])|(?P<line>\n+)"
)
# ...except after an initial or a common abbreviation ("U.S. Open", "John F. Kennedy", "Dr. Li").
_ABBREV = re.compile(rf"(?:\b[A-Z]\.|\b(?:{'|'.join(map(re.escape, everywhere('abbreviations')))})\.)$")


def spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence, whitespace trimmed, so that text[start:end] is the sentence."""
    out: list[tuple[int, int]] = []
    pos = 0
    for m in [*_BOUNDARY.finditer(text), None]:
        if m is None:
            cut_start, cut_end = len(text), len(text)
        else:
            cut_start, cut_end = m.span("gap") if m.group("gap") else m.span("line")
            if m.group("gap") and "\n" not in m.group("gap") and _ABBREV.search(text[pos:cut_start]):
                continue
        raw = text[pos:cut_start]
        lead = len(raw) - len(raw.lstrip())
        if raw.strip():
            out.append((pos + lead, pos + lead + len(raw.strip())))
        pos = cut_end
    return out


def split(text: str) -> list[str]:
    return [text[s:e] for s, e in spans(text)]
