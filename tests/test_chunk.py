from __future__ import annotations

from hypothesis import given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from rag.chunk import Chunker
from rag.corpus import load_manifest, read_file
from rag.settings import Settings
from rag.types import SourceDoc

from .conftest import CORPUS

CHUNKER = Chunker(Settings().tuned(ingest={"chunk_size": 64, "chunk_overlap": 8}))


def _doc(text: str) -> SourceDoc:
    return SourceDoc(id="d", title="t", outlet="o", text=text, origin="mem")


def test_every_seed_chunk_is_an_exact_slice_and_the_chunks_cover_the_article():
    default = Chunker(Settings())
    for name in load_manifest(CORPUS):
        (doc,), _ = read_file(CORPUS / name, Settings())
        chunks = default.chunks(doc)
        assert len(chunks) >= 3
        for c in chunks:
            assert doc.text[c.start : c.end] == c.text
        covered = set()
        for c in chunks:
            covered.update(range(c.start, c.end))
        non_space = {i for i, ch in enumerate(doc.text) if not ch.isspace()}
        assert non_space <= covered


@hsettings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), min_size=1, max_size=120),
        min_size=1,
        max_size=30,
    ),
    st.sampled_from([" ", "\n", "\n\n", "  \t", ". ", "\r\n"]),
)
def test_offsets_always_reproduce_the_text(parts: list[str], sep: str):
    text = sep.join(parts)
    for c in CHUNKER.chunks(_doc(text)):
        assert text[c.start : c.end] == c.text
        assert c.text.strip()
