"""Split a document into chunks whose offsets reproduce the original text exactly."""

from __future__ import annotations

import re

from llama_index.core import Document
from llama_index.core.node_parser import SentenceSplitter

from .settings import Settings
from .types import Chunk, SourceDoc


def _locate(text: str, piece: str, hint: int) -> tuple[int, int] | None:
    """Find `piece` in `text` at or after `hint`; tolerate whitespace the splitter normalised."""
    pos = text.find(piece, hint)
    if pos >= 0:
        return pos, pos + len(piece)
    words = piece.split()
    if not words:
        return None
    pattern = r"\s+".join(re.escape(w) for w in words)
    m = re.compile(pattern).search(text, hint) or re.compile(pattern).search(text)
    return (m.start(), m.end()) if m else None


class Chunker:
    def __init__(self, settings: Settings):
        self.splitter = SentenceSplitter(
            chunk_size=settings.ingest.chunk_size, chunk_overlap=settings.ingest.chunk_overlap, include_metadata=False
        )

    def chunks(self, doc: SourceDoc) -> list[Chunk]:
        # The splitter's own offsets come from str.find and can miss after whitespace normalisation,
        # so every chunk is re-anchored here and its text taken from the original slice.
        nodes = self.splitter.get_nodes_from_documents([Document(text=doc.text)])
        out: list[Chunk] = []
        hint = 0
        for node in nodes:
            piece = node.get_content()
            span = None
            start, end = getattr(node, "start_char_idx", None), getattr(node, "end_char_idx", None)  # TextNodes have them
            if start is not None and end is not None:
                s, e = start, end
                if doc.text[s:e] == piece:
                    span = (s, e)
            span = span or _locate(doc.text, piece, hint)
            if span is None or span[0] == span[1]:
                continue
            s, e = span
            hint = s + 1
            furniture = doc.furniture_from is not None and s >= doc.furniture_from
            out.append(Chunk(doc.id, len(out), s, e, doc.text[s:e], furniture))
        return out
