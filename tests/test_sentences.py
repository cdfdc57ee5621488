"""The one sentence splitter: exact offsets, abbreviations, markers stay with their sentence."""

from hypothesis import given
from hypothesis import strategies as st

from rag.sentences import spans, split


def test_abbreviations_and_initials_do_not_end_a_sentence():
    assert split("Who won the U.S. Open? Dr. Li and John F. Kennedy came. Then rain.") == [
        "Who won the U.S. Open?", "Dr. Li and John F. Kennedy came.", "Then rain."
    ]


def test_citation_markers_stay_with_the_sentence_they_follow():
    assert split("She won. [3] He lost [1][2]. \"Quoted.\" Done.\nNew line") == [
        "She won. [3]", "He lost [1][2].", '"Quoted."', "Done.", "New line"
    ]


@given(st.text(alphabet="ab .!?\n[]3U.S\"", max_size=80))
def test_spans_are_exact_trimmed_and_ordered(text):
    last = 0
    for start, end in spans(text):
        piece = text[start:end]
        assert piece == piece.strip() and piece
        assert start >= last
        last = end
