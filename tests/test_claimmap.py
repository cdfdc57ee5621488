"""The disagreement map without a question: claims per article, groups across articles, their kinds, timelines."""

from __future__ import annotations

import json

import pytest

from rag import numbers
from rag.claimgroups import as_claim, by_key, entries
from rag.claimmap import MapClaim, extract
from rag.claimvectors import claims_of
from rag.corpus import read_paths
from rag.embed import get_embedder
from rag.settings import PROJECT_ROOT, Settings
from rag.timeline import Relation, build
from rag.types import ClaimKind, DisagreementKind, IngestReport, SourceDoc, StanceValue


def doc(id: str, title: str, outlet: str, text: str, date: str = "") -> SourceDoc:
    return SourceDoc(id=id, title=title, outlet=outlet, text=text, origin=f"{id}.txt", date=date)


FERRY_A = doc("ferry-a", "Ferry capsizes off Kerran Island", "Harbourline News",
              "The ferry Aurelia Star capsized off Kerran Island on Tuesday. Its operator Bluewater Island Lines "
              "said 142 passengers were on board the Aurelia Star.", "2026-09-02")
FERRY_B = doc("ferry-b", "Coast guard revises Aurelia Star figures", "Coastal Gazette",
              "The coast guard said 167 passengers were on board the Aurelia Star when it capsized off Kerran Island, "
              "more than the operator Bluewater Island Lines had listed.", "2026-09-02")


@pytest.fixture(scope="module")
def settings() -> Settings:
    return Settings()


def claimed(docs: list[SourceDoc], settings: Settings) -> list[MapClaim]:
    """Claims as ingest stores them: with their sentence's and article's vectors, from the real embedder."""
    return [c for found in claims_of(docs, settings, get_embedder(settings).get_text_embedding_batch) for c in found]


def test_claims_are_verbatim_with_what_they_count_who_says_it_and_what_about(settings):
    claims = extract(FERRY_A, settings)
    c = next(c for c in claims if c.kind is ClaimKind.VALUE)
    assert FERRY_A.text[c.start:c.end] == c.quote and FERRY_A.text[c.value_start:c.value_end] == c.value
    assert c.value == "142 passengers" and c.noun == "passen" and c.counted == "passengers"
    assert c.claimant == "operator Bluewater Island Lines" and c.verb == "says"
    assert {"aurelia", "star"} <= set(c.subjects) and c.date == "2026-09-02" and c.outlet == "Harbourline News"
    assert c.keys() == tuple(f"{s}|number|passen" for s in c.subjects)


def test_a_counted_code_counts_what_the_article_writes_after_it_and_names_with_versions_are_no_figures(settings):
    text = ("The city runs 40 X40 trams on Route 9. Engineers said the depot holds 12 X40s in reserve, and the "
            "Atlas 910B signal box dates from the old network.")
    claims = extract(doc("trams", "City trams", "Metro Post", text), settings)
    values = {c.value: c for c in claims if c.kind is ClaimKind.VALUE}
    assert values["40 X40 trams"].noun == values["12 X40s"].noun == "tram"
    assert not any(v.startswith(("9", "910")) for v in values)  # "Route 9", "Atlas 910B" are names


def test_stances_take_a_side_on_a_statement(settings):
    no = claimed([doc("a", "Inquiry", "Post", "There is no evidence that Harcastle bribed officials in the tender for the Vestby depot of Norland Rail.")],
                 settings)
    yes = claimed([doc("b", "Claims", "Wire", "The builder Harcastle reportedly bribed officials in the tender for the Vestby depot of Norland Rail.")],
                  settings)
    assert [c.stance for c in no] == [StanceValue.NO] and [c.stance for c in yes] == [StanceValue.YES]
    assert set(no[0].keys()) & set(yes[0].keys())  # filed under the same subject and contested word
    found = entries(by_key(no + yes), settings)
    assert [e.kind for e in found] == [DisagreementKind.CONFLICT]
    assert {c.stance for e in found for c in e.claims} == {StanceValue.YES, StanceValue.NO}


def test_two_sources_for_one_question_conflict_and_the_groups_follow_each_articles_claims(settings):
    a, b = claimed([FERRY_A], settings), claimed([FERRY_B], settings)
    found = entries(by_key(a + b), settings)
    assert [e.kind for e in found] == [DisagreementKind.CONFLICT]
    assert {s[0].value for s in found[0].sides} == {"142 passengers", "167 passengers"}
    assert found[0].topic == "number of passengers (Aurelia Star)"
    assert entries(by_key(a), settings) == []  # the other article removed: its rows gone, nothing left to show


def _dated(id: str, date: str, figure: str, outlet: str) -> SourceDoc:
    return doc(id, f"Hazar quake report {id}", outlet, f"The Hazar province earthquake killed {figure} people in "
                                                       f"the village of Dorak near Tarsun, the interior ministry said.", date)


def test_values_that_change_between_dates_are_an_update_and_the_timeline_says_revised_repeated_contradicted(settings):
    docs = [_dated("d1", "2026-04-09", "nine", "Global Dispatch"), _dated("d2", "2026-04-10", "14", "Eastern Courier"),
            _dated("d3", "2026/4/11", "14", "Tribune")]
    claims = claimed(docs, settings)
    found = entries(by_key(claims), settings)
    assert [e.kind for e in found] == [DisagreementKind.UPDATE]
    assert [s[0].date for s in found[0].sides] == ["2026-04-09", "2026-04-10"]
    undated = claimed([_dated("d0", "", "twelve", "Undated Daily")], settings)
    as_claims = [as_claim(c, n) for n, c in enumerate(claims + undated, 1)]
    line = build("deaths", as_claims, lambda c: {"source": c.source}, settings.claims.rounding_tolerance)
    assert [p.relation for p in line.points] == [Relation.FIRST, Relation.REVISES, Relation.REPEATS]
    assert [p.claim.source for p in line.undated] == ["d0"]  # shown apart, never placed on the axis
    same_day = [c for d in (_dated("e1", "2026-04-09", "nine", "A"), _dated("e2", "2026-04-09", "14", "B"))
                for c in extract(d, settings)]
    line = build("deaths", [as_claim(c, n) for n, c in enumerate(same_day, 1)], lambda c: {},
                 settings.claims.rounding_tolerance)
    assert [p.relation for p in line.points] == [Relation.FIRST, Relation.CONTRADICTS]


def test_one_source_against_several_is_an_outlier_and_rounding_or_a_bound_is_agreement(settings):
    figures = [("o1", "48.2 billion yen"), ("o2", "48.2 billion yen"), ("o3", "42.8 billion yen")]
    docs = [doc(i, "Shiraki results", f"Outlet {i}", f"Osaka-based Shiraki Beverages reported operating profit of {f} "
                                                     "for the year to March, President Haruto Ishizaka said in Tokyo.",
                "2026-05-13") for i, f in figures]
    found = entries(by_key(claimed(docs, settings)), settings)
    assert [e.kind for e in found] == [DisagreementKind.OUTLIER] and len(found[0].sides[-1]) == 1
    agree = [doc(i, "Shiraki results", f"Outlet {i}", f"Shiraki Beverages reported operating profit of {f} for the "
                                                      "year to March.", "2026-05-13")
             for i, f in (("r1", "48.2 billion yen"), ("r2", "about 48 billion yen"), ("r3", "over 48.1 billion yen"))]
    assert entries(by_key(claimed(agree, settings)), settings) == []


def test_versioned_names_are_different_things_sharing_a_name(settings):
    docs = [doc("v2", "Atlas launch", "Post", "The Atlas-V2 rocket carries 12 satellites, the company said."),
            doc("v3", "Atlas plans", "Wire", "The Atlas-V3 rocket carries 40 satellites, the company said.")]
    found = entries(by_key(claimed(docs, settings)), settings)
    assert [e.kind for e in found] == [DisagreementKind.AMBIGUITY]


def test_iso_days_and_bounds():
    assert numbers.iso_day("2017/3/30") == "2017-03-30" and numbers.iso_day("2026-03") == "2026-03"
    assert numbers.iso_day("March 2026") == "" and numbers.iso_day("2026-13-01") == ""
    over, exact = numbers.find("over 2.78 million")[0], numbers.find("2.788 million")[0]
    assert over.bound is numbers.Bound.AT_LEAST and numbers.agrees(over, exact)
    assert not numbers.agrees(numbers.find("under 2.7 million")[0], exact)


def test_the_shipped_articles_map_lists_what_a_careful_reader_finds_and_nothing_else(settings):
    docs = [d for _, found, _ in read_paths([PROJECT_ROOT / "corpus"], settings) for d in found]
    found = entries(by_key(claimed(docs, settings)), settings)
    by_topic = {e.topic: e for e in found}
    gpus = by_topic["number of GPUs (DeepSeek)"]
    sides = [{numbers.find(c.value)[0].number for c in side} for side in gpus.sides]
    assert {2048.0, 2000.0} in sides and {50000.0} in sides
    # two articles agree on 2,048 / 2,000; the insiders' 50,000 is the one dissenting source's
    assert gpus.kind is DisagreementKind.OUTLIER
    smuggled = by_topic["whether “smuggled” (DeepSeek)"]
    assert {c.stance for c in smuggled.claims} == {StanceValue.YES, StanceValue.NO, StanceValue.OPEN}
    assert smuggled.kind is DisagreementKind.CONFLICT and smuggled.sources == 4
    hours = by_topic["number of GPU hours (Llama)"]
    assert {c.value for c in hours.claims} == {"30.8 million GPU hours", "39.3 million GPU hours"}
    # the rest are versions of a model (V3 against R2, Llama 3 against 3.1), shown as such, not as contradictions
    others = [e for e in found if e not in (gpus, smuggled, hours)]
    assert all(e.kind is DisagreementKind.AMBIGUITY for e in others) and len(others) <= 2
    # DeepSeek's own GPU-hour figures (2.8, 2.78 'over', 2.788 million) agree: no entry
    assert not any("GPU hours (DeepSeek)" in e.topic for e in found)


def test_a_year_before_a_singular_word_is_no_count(settings):
    text = ("Harwick's 2016 campaign cost 41 staff their jobs, the union said. "
            "Organisers said 1995 runners finished the Harwick marathon.")
    counted = {c.value for c in extract(doc("y", "Harwick", "Post", text), settings) if c.kind is ClaimKind.VALUE}
    assert counted == {"41 staff", "1995 runners"}


def test_claims_never_come_from_page_furniture(settings):
    text = "Port Ellery council said 70 tonnes leaked.\n\nMore News\n\nPort Ellery fans counted 300 tonnes of snow."
    d = SourceDoc("f", "Leak", "Post", text, "f.txt", furniture_from=text.index("More News"))
    assert all(c.end <= d.furniture_from for c in extract(d, Settings()))




def _reports(folder, figures: dict[str, tuple[str, str]]):
    folder.mkdir(exist_ok=True)
    path = folder / "quake.jsonl"
    path.write_text("\n".join(json.dumps({
        "id": i, "title": f"Hazar quake report {i}", "source": f"Outlet {i}", "date": date,
        "text": f"The Hazar province earthquake killed {figure} people in the village of Dorak near Tarsun, the interior "
                f"ministry said. Report {i} of the {date} edition."}) for i, (date, figure) in figures.items()),
                    encoding="utf-8")
    return path


def _claim_docs(store) -> set[str]:
    with store.registry.engine.connect() as db:
        return {r[0] for r in db.exec_driver_sql("SELECT DISTINCT doc_id FROM claims")}


def test_claims_are_stored_with_their_article_regrouped_on_replace_and_remove_and_survive_a_restart(tmp_path):
    from rag.disagreements import map_entries
    from rag.ingest import Ingestor
    from rag.store import Store

    from .conftest import make_settings

    settings = make_settings(tmp_path)
    store = Store(settings)
    ingestor = Ingestor(store, settings)
    ingestor.ingest_paths([_reports(tmp_path / "a", {"q1": ("2026-04-09", "nine"), "q2": ("2026-04-10", "14"),
                                                      "q3": ("2026-04-11", "14")})], progress=False)
    assert [c.value for c in store.registry.claims("q1")] == ["nine people"]
    found = map_entries(store.registry, settings)
    assert [(e.kind, e.sources) for e in found] == [(DisagreementKind.UPDATE, 3)]

    reopened = Store(settings)  # as the next process would
    assert map_entries(reopened.registry, settings) == found

    Ingestor(reopened, settings).ingest_paths([_reports(tmp_path / "b", {"q2": ("2026-04-10", "nine")})],
                                              progress=False)  # a changed article replaces its claims
    assert [c.value for c in reopened.registry.claims("q2")] == ["nine people"]
    assert [[c.doc_id for c in side] for side in map_entries(reopened.registry, settings)[0].sides] == [["q1", "q2"], ["q3"]]

    Ingestor(reopened, settings).remove("q3")  # claims never outlive their article
    assert reopened.registry.claims("q3") == [] and _claim_docs(reopened) == {"q1", "q2"}
    assert map_entries(reopened.registry, settings) == []  # nine and nine agree: nothing left to show


def test_two_places_sharing_a_name_are_never_a_conflict_but_one_weeks_reports_of_one_story_are(settings):
    kansas = doc("k", "Tornado tears through Redwater, Kansas", "Plains Daily Record",
                 "A tornado damaged 214 homes in Redwater, Kansas, Harmon County emergency manager Dale Hutchins said.",
                 "2026-05-19")
    queensland = doc("q", "Hailstorm batters Redwater", "The Queensland Examiner",
                     "A hailstorm damaged 1,350 homes in Redwater, in south-east Queensland, Mayor Karen Pike said.",
                     "2026-05-21")
    assert entries(by_key(claimed([kansas, queensland], settings)), settings) == []  # two stories: nothing contested
    again = doc("k2", "Redwater tornado damage assessed", "Wichita Wire",
                "A tornado damaged 230 homes in Redwater, Kansas, county officials said.", "2026-05-20")
    found = entries(by_key(claimed([kansas, again], settings)), settings)
    assert [(e.kind, e.sources) for e in found] == [(DisagreementKind.UPDATE, 2)]  # one story, the next day


def test_only_the_figures_that_state_the_same_fact_contest_each_other(settings):
    """Each claim pairs with its closest in the other article: a sentence's other figures take no part."""
    a = doc("p1", "Dutch election: Labour routed", "Lowland Post",
            "Labour won only five seats, a loss of 29 seats, as the party that had 38 seats four years ago collapsed.",
            "2027-03-16")
    b = doc("p2", "Dutch election results: Labour collapses", "Polder Wire",
            "Labour won only nine seats, a loss of 29 seats, its worst result since the war.", "2027-03-16")
    found = entries(by_key(claimed([a, b], settings)), settings)
    assert len(found) == 1
    assert sorted(c.value for c in found[0].claims) == ["five seats", "nine seats"]


def test_a_claims_fact_is_embedded_only_once_an_article_of_a_like_story_shares_its_group(tmp_path):
    from rag.disagreements import map_entries
    from rag.ingest import Ingestor
    from rag.store import Store

    from .conftest import make_settings

    settings = make_settings(tmp_path)
    cruise = doc("cruise", "Aurelia Star opens Porto route", "Travel Weekly",
                 "Aurelia Star, the budget airline, opened its new route from Porto to Geneva on Friday with a ceremony "
                 "at the terminal. The airline said 180 passengers were on board the first Aurelia Star flight, and fares "
                 "start at 39 euros.", "2026-05-01")  # another story filed under the same name and noun
    store = Store(settings)
    ingestor = Ingestor(store, settings)
    ingestor.ingest_docs([cruise, FERRY_A], IngestReport(), progress=False)
    stored = {d: store.registry.claims(d) for d in ("cruise", "ferry-a")}
    assert all(c.story and not c.vector for found in stored.values() for c in found)  # two stories: nothing to compare
    assert map_entries(store.registry, settings) == []

    ingestor.ingest_docs([FERRY_B], IngestReport(), progress=False)  # the ferry's second report: its like story
    ferry = store.registry.claims("ferry-a") + store.registry.claims("ferry-b")
    assert any(c.vector for c in store.registry.claims("ferry-a")) and any(c.vector for c in store.registry.claims("ferry-b"))
    assert not any(c.vector for c in store.registry.claims("cruise"))
    eager = entries(by_key(claimed([cruise, FERRY_A, FERRY_B], settings)), settings)
    lazy = map_entries(Store(settings).registry, settings)  # as the next process reads it
    assert [(e.kind, e.topic, [[c.value for c in side] for side in e.sides]) for e in lazy] == \
        [(e.kind, e.topic, [[c.value for c in side] for side in e.sides]) for e in eager]
    assert {"142 passengers", "167 passengers"} <= {c.value for c in ferry if c.vector}
