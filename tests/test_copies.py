"""Syndicated copies: found at ingest (MinHash + LSH, checked on shared shingles), grouped into one origin, and counted
once where sources are counted (agreement, outliers, the map), while every copy stays citable."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from rag.answer import Assistant
from rag.claims import ClaimDraft
from rag.compare import classify, statement
from rag.copies import CopyFinder, origins, shared, shingles
from rag.interfaces.service import map_page
from rag.question import analyse
from rag.reading import carried, windows
from rag.registry import Registry
from rag.settings import ClaimSettings, CopySettings, ReadingSettings, Route, Settings
from rag.store import Store
from rag.timeline import Relation, build
from rag.types import Claim, ClaimKind, Disagreement, DisagreementKind, Sentence

from .conftest import ingest, make_settings

WIRE = [
    "At least 40 people were injured when a crowded tram derailed in central Velmora on Tuesday morning, police said.",
    "The tram, carrying commuters on the Line 4 route, left the tracks on a bend near Castellan Square shortly after "
    "8am and struck a bus shelter, a police spokesman told reporters at the scene.",
    "Emergency crews took the injured to three hospitals in the city. Several of them were in a serious condition, "
    "the spokesman said, without giving further details.",
    "The city's transport operator, Velmora Transit, said services on Line 4 were suspended for the rest of the day "
    "and that it was working with investigators to establish the cause of the derailment.",
    "Witnesses described the tram as travelling faster than usual as it approached the bend. \"There was a terrible "
    "screech and then everyone was thrown forward,\" said one passenger, a 34-year-old teacher.",
    "It was the second derailment on the network this year. In March a tram left the tracks at a depot, causing no "
    "injuries.",
]
QUOTE = "There was a terrible screech and then everyone was thrown forward"


def _record(doc_id: str, outlet: str, title: str, paragraphs: list[str], date: str = "2026-05-12") -> dict:
    return {"id": doc_id, "title": title, "outlet": outlet, "date": date, "text": "\n\n".join(paragraphs)}


def copies_of_one_wire_report() -> list[dict]:
    """The wire report as run by four papers (a new headline, a trimmed end, a local paragraph, a house style), a
    hospital's own count, and a reporter's independent story quoting the same passenger."""
    local = "Two of the injured were students from Harlow Bridge, the Harlow Bridge Courier understands."
    return [
        _record("wire", "Meridian Press", "Tram derails in Velmora, 40 hurt", WIRE, "2026-05-12"),
        _record("courier", "Harlow Bridge Courier", "Local students among injured in Velmora tram crash", WIRE + [local]),
        _record("daily", "Velmora Daily", "Tram leaves tracks near Castellan Square", WIRE[:4], "2026-05-13"),
        _record("post", "Northern Post", "Dozens hurt as tram derails",
                [p.replace("8am", "8 a.m.").replace("Tuesday", "Tuesday,") for p in WIRE]),
        _record("hospital", "St Anselm Hospital", "Statement on the Line 4 derailment", [
            "A total of 57 people were injured when a crowded tram derailed in central Velmora on Tuesday morning, "
            "the St Anselm hospital group said in a statement on Wednesday.",
            "Of those, 11 remain in hospital and three are in intensive care. The group thanked its emergency staff, "
            "who were called in from leave to cope with the number of patients arriving within an hour.",
            "Relatives seeking information should call the group's helpline rather than come to the emergency "
            "departments, the statement said.",
        ], "2026-05-13"),
        _record("reporter", "Velmora Evening Standard", "Passengers describe moment tram left the tracks", [
            "Passengers on the Line 4 tram that derailed on Tuesday described a sudden jolt as the vehicle took the "
            f"bend near Castellan Square. \"{QUOTE},\" one passenger told the Evening Standard.",
            "Our reporter saw the front carriage resting against a crushed bus shelter, with glass scattered across "
            "the pavement, as firefighters helped people out through the rear doors.",
            "Velmora Transit said it had suspended Line 4 and would not speculate on the cause. Local councillors "
            "called for an urgent review of speed limits on the network's sharpest bends.",
        ]),
    ]


def _write(tmp_path: Path, records: list[dict]) -> Path:
    path = tmp_path / "feed.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


def test_shingles_ignore_case_accents_and_punctuation():
    assert shingles("The Mayor said: «Café closed»", 3) == shingles("the mayor said cafe closed", 3)


def test_a_trimmed_copy_shares_all_of_its_shorter_text():
    whole, trimmed = shingles(" ".join(WIRE), 5), shingles(" ".join(WIRE[:3]), 5)
    assert shared(trimmed, whole) == 1.0
    assert shared(shingles(f"Witnesses said: {QUOTE}.", 5), whole) >= 0.5  # a short text: see min_shingles


def test_the_earliest_article_of_linked_copies_is_their_origin():
    order = {"b": ("2026-01-02",), "a": ("2026-01-01",), "c": ("2026-01-03",), "x": ("2026-01-01",)}
    assert origins([("b", "c"), ("c", "a")], order.__getitem__) == {"a": "a", "b": "a", "c": "a"}
    assert origins([], order.__getitem__) == {}


def test_the_finder_links_copies_and_not_reports_that_quote_the_same_passenger():
    texts = {r["id"]: r["text"] for r in copies_of_one_wire_report()}
    finder = CopyFinder([], texts.get, CopySettings())
    found = {c.doc_id for doc_id, text in texts.items() for c in finder.add(doc_id, text)[1]}
    assert found == {"courier", "daily", "post"}  # each paired with the articles before it; reporter, hospital none


def test_a_short_text_is_no_ones_copy_even_word_for_word():
    brief = f"Witnesses said: {QUOTE}, one passenger told reporters."
    finder = CopyFinder([], {"a": brief}.get, CopySettings())
    finder.add("a", brief)
    assert finder.add("b", brief)[1] == []
    assert CopyFinder([], {"a": brief}.get, CopySettings(min_shingles=1)).add("b", brief)[1] == [], "not indexed"
    twice = CopyFinder([], {}.get, CopySettings(min_shingles=1))
    twice.add("a", brief)
    assert [c.other for c in twice.add("b", brief)[1]] == ["a"]


@pytest.fixture
def copied(settings: Settings, tmp_path: Path) -> tuple[Store, Settings]:
    store = Store(settings)
    report = ingest(store, settings, _write(tmp_path, copies_of_one_wire_report()))
    assert not report.problems
    return store, settings


def test_ingest_groups_the_copies_of_one_wire_report_into_one_origin(copied):
    store, _ = copied
    found = store.origins()
    assert {d for d, o in found.items() if o == "wire"} == {"wire", "courier", "daily", "post"}
    assert "hospital" not in found and "reporter" not in found


def test_removing_the_origin_keeps_its_copies_together_under_the_next_earliest(copied):
    store, _ = copied
    assert store.remove("wire")
    found = store.origins()
    assert "wire" not in found
    assert {d for d, o in found.items() if o == "courier"} == {"courier", "daily", "post"}


def test_an_index_from_before_copies_were_found_is_signed_at_the_next_ingest(copied, tmp_path: Path):
    store, settings = copied
    with store.registry.transaction() as db:
        db.exec_driver_sql("DELETE FROM signatures")
        db.exec_driver_sql("DELETE FROM copies")
    registry = Registry(settings)
    assert registry.origins() == {}
    registry.close()
    late = _record("late", "Coastal Herald", "Velmora tram crash", WIRE[:5], "2026-05-14")
    ingest(store, settings, _write(tmp_path, [late]))
    found = store.origins()  # which of the same-day copies leads is unknown for articles stored before: any one
    assert set(found) == {"wire", "courier", "daily", "post", "late"} and len(set(found.values())) == 1


def _claim(source: str, value: str, number: float, origin: str = "", n: int = 1) -> Claim:
    return Claim(source=source, outlet=source.title(), claimant="police", verb="say", value=value, number=number,
                 kind=ClaimKind.VALUE, hedged=False, evidence_id=n, norm=str(number), date="2026-05-12", origin=origin)


def test_four_copies_against_a_hospitals_count_are_a_conflict_not_an_outlier():
    copies = [_claim(d, "40", 40, "wire", n) for n, d in enumerate(("wire", "courier", "daily", "post"), 1)]
    hospital = [_claim("hospital", "57", 57, n=5)]
    assert classify([copies, hospital], ClaimSettings()) is DisagreementKind.CONFLICT
    counted_by_article = [[_claim(c.source, "40", 40, n=c.evidence_id) for c in copies], hospital]
    assert classify(counted_by_article, ClaimSettings()) is DisagreementKind.OUTLIER


def test_the_statement_names_one_report_carried_by_several_outlets():
    copies = tuple(_claim(d, "40", 40, "wire", n) for n, d in enumerate(("wire", "courier", "daily", "post"), 1))
    hospital = (_claim("hospital", "57", 57, n=5),)
    said = statement(Disagreement("injured", copies + hospital, DisagreementKind.CONFLICT, (copies, hospital)),
                     analyse("How many people were injured?"))
    assert "one report carried by 4 outlets" in said and "[1]" in said and "[4]" in said and "[5]" in said


def test_a_copy_that_changes_a_figure_is_named_as_that_outlets_version(settings: Settings, tmp_path: Path, scripted):
    records = copies_of_one_wire_report()
    for r in records:
        if r["id"] == "post":
            r["text"] = r["text"].replace("At least 40", "At least 45")
    store = Store(settings)
    ingest(store, settings, _write(tmp_path, records))
    scripted.queue.append("The sources differ.")
    answer = Assistant(store, settings.tuned(reading={"route": Route.RULES}), scripted).ask(
        "How many people were injured in the Velmora tram derailment?")
    assert "Northern Post's version of the report Meridian Press carries says At least 45 people" in answer.answer
    assert [(c.source, k.source) for d in answer.disagreements for c, k in d.changed] == [("post", "wire")]


def _sentence(source: str, text: str, start: int) -> Sentence:
    return Sentence(source=source, title=source, outlet=source, text=text, start=start, end=start + len(text),
                    furniture=False, prev="")


def test_the_model_reads_one_copy_of_a_report_and_its_reading_is_cited_in_every_copy():
    lines = ["At least 40 people were injured, police said.", "The tram left the tracks on a bend."]
    scored = [(_sentence(d, t, 100 * i), 0.9 - i / 10) for d in ("wire", "post", "daily") for i, t in enumerate(lines)]
    scored[2] = (_sentence("post", lines[0].replace("40", "45"), 0), 0.9)  # the Post changed the figure: read apart
    cfg = ReadingSettings(sentences=2)
    read = windows(scored, cfg, {"post": "wire", "daily": "wire", "wire": "wire"})
    assert [(w.source, len(w.copies)) for w in read] == [("wire", 1), ("post", 0)]
    draft = ClaimDraft(sentence=scored[0][0], claimant="police", verb="said", value="At least 40 people",
                       kind=ClaimKind.VALUE, hedged=False, norm="40")
    assert [d.sentence.source for d in carried([draft], read)] == ["wire", "daily"]


def test_an_answer_counts_the_wire_reports_copies_once_and_gives_each_claim_its_origin(copied, scripted):
    store, settings = copied
    settings = settings.tuned(reading={"route": Route.RULES})
    scripted.queue.append("The sources differ on the number injured.")
    answer = Assistant(store, settings, scripted).ask("How many people were injured in the Velmora tram derailment?")
    by_source = {c.source: c.origin for c in answer.claims}
    assert by_source, answer.answer
    assert all(origin == ("wire" if source in {"wire", "courier", "daily", "post"} else source)
               for source, origin in by_source.items())
    assert all(c["origin"] for c in answer.to_json()["claims"])
    assert [d.kind for d in answer.disagreements] == [DisagreementKind.CONFLICT]


def test_a_timeline_marks_a_copy_of_an_earlier_report_apart_from_an_independent_repeat():
    first = _claim("wire", "40", 40, "wire", 1)
    copy = Claim(**{**first.__dict__, "source": "post", "date": "2026-05-13", "evidence_id": 2})
    repeat = Claim(**{**first.__dict__, "source": "hospital", "origin": "hospital", "date": "2026-05-14", "evidence_id": 3})
    line = build("injured", [first, copy, repeat], lambda c: {}, 0.0)
    assert [(p.claim.source, p.relation) for p in line.points] == [
        ("wire", Relation.FIRST), ("post", Relation.COPIES), ("hospital", Relation.REPEATS)]
    assert [p.to_json()["origin"] for p in line.points] == ["wire", "wire", "hospital"]


def test_the_map_counts_a_wire_reports_copies_as_one_source_and_names_each_copys_origin(copied):
    store, settings = copied
    page = map_page(store.registry, settings)
    assert [(e["kind"], e["sources"]) for e in page["entries"]] == [("conflict", 2)]  # not "an outlier, 5 sources"
    for entry in page["entries"]:
        claims = [c for side in entry["sides"] for c in side["claims"]]
        assert entry["sources"] == len({c["origin"] for c in claims})
        assert all(c["origin"] == ("wire" if c["source"] in {"wire", "courier", "daily", "post"} else c["source"])
                   for c in claims)


def test_with_grouping_switched_off_every_copy_counts_and_the_hospital_becomes_the_outlier(tmp_path: Path):
    settings = make_settings(tmp_path).tuned(copies={"group": False})
    store = Store(settings)
    ingest(store, settings, _write(tmp_path, copies_of_one_wire_report()))
    assert store.origins() == {}
    assert [(e["kind"], e["sources"]) for e in map_page(store.registry, settings)["entries"]] == [("outlier", 5)]


def test_an_article_whose_text_is_replaced_by_another_story_is_no_longer_a_copy(copied, tmp_path: Path):
    store, settings = copied
    rewritten = _record("post", "Northern Post", "Council approves budget", [
        "Northern councillors approved a budget of 12 million pounds on Monday after a three-hour debate in which "
        "opposition members called for deeper cuts to road repairs and library opening hours across the district.",
        "The leader of the council said the plan protected care services and kept the tax rise below five per cent, "
        "the lowest increase among neighbouring authorities for the third year in a row."])
    ingest(store, settings, _write(tmp_path, [rewritten]))
    assert "post" not in store.origins()
    assert {d for d, o in store.origins().items() if o == "wire"} == {"wire", "courier", "daily"}


def test_grouping_switched_off_then_on_again_signs_what_was_stored_meanwhile(tmp_path: Path):
    off = make_settings(tmp_path).tuned(copies={"group": False})
    store = Store(off)
    ingest(store, off, _write(tmp_path, copies_of_one_wire_report()))
    on = make_settings(tmp_path)
    store = Store(on)
    assert store.origins() == {}
    late = _record("late", "Coastal Herald", "Velmora tram crash", WIRE[:5], "2026-05-14")
    ingest(store, on, _write(tmp_path, [late]))
    found = store.origins()  # the lead of same-day copies stored unsigned is any one of them
    assert set(found) == {"wire", "courier", "daily", "post", "late"} and len(set(found.values())) == 1
    assert [(e["kind"], e["sources"]) for e in map_page(store.registry, on)["entries"]] == [("conflict", 2)]


def test_without_copies_two_claimants_of_one_article_are_stated_as_before():
    police = Claim(source="paper", outlet="Paper", claimant="police", verb="say", value="12,000", number=12000,
                   kind=ClaimKind.VALUE, hedged=False, evidence_id=1, norm="12000", origin="paper")
    organisers = Claim(**{**police.__dict__, "claimant": "organisers", "value": "40,000", "number": 40000,
                          "norm": "40000", "evidence_id": 2})
    other = Claim(**{**police.__dict__, "source": "radio", "outlet": "Radio", "origin": "radio", "evidence_id": 3})
    d = Disagreement("marchers", (police, other, organisers), DisagreementKind.CONFLICT, ((police, other), (organisers,)))
    said = statement(d, analyse("How many people marched?"))
    assert said == ("Sources disagree (marchers): police say 12,000 (Paper) [1]; police say 12,000 (Radio) [3] — versus — "
                    "organisers say 40,000 (Paper) [2].")
