"""Lexical tokens, one definition for BM25 and the verifier's word checks."""

from __future__ import annotations

import re
import unicodedata

_TOKEN = re.compile(r"\$?\d[\d,]*(?:\.\d+)?[^\W\d_]*|[^\W\d_][^\W_]*(?:[-'][^\W_]+)*")
TOKENIZER = "u1"
_STOP = frozenset(
    "a an and are as at be by did do does for from had has have how in is it its of on or that the their "
    "there this to was were what when where which who whom why will with".split()
)


def tokenize(text: str) -> list[str]:
    """BM25 tokens: numbers lose their thousands separators ("2,048" == "2048"), plurals fold ("H800s" == "H800")."""
    out = []
    for tok in _TOKEN.findall(unicodedata.normalize("NFC", text).lower()):
        tok = tok.replace(",", "").lstrip("$").replace("’", "'")
        if tok in _STOP:
            continue
        if len(tok) > 3 and tok.endswith("s") and not tok.endswith("ss"):
            tok = tok[:-1]
        out.append(tok)
    return out
