"""`python -m bench.spans`: the two routes to each source's own answer, side by side on the multi-domain dev set.

- rules: `claims.extract` (number and unit parsing, attribution, the spaCy veto), as the assistant runs it;
- model: the packaged 1.5B model proposes each retrieved source's answer span under a JSON schema (llama.cpp turns
  it into a grammar), and code keeps a span only where it is verbatim in that source's evidence and holds a value of
  the question's expected kind (a figure of the asked kind; a capitalised name for who / which / where).

Both see the same retrieved evidence. Reported per route, over the dev set's answerable value and name questions
and its unanswerable ones: questions where a kept span holds a gold fact, conflicts whose every side is held, and
unanswerable questions given a span; and the time per question (to the evidence for the rules, plus the model's
calls for the model). Numbers are reported, not asserted.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from collections import defaultdict
from pathlib import Path

from tqdm import tqdm

from evals.datasets import Item, load_stories
from evals.metrics import has_fact
from evals.run import fresh_store
from rag import numbers, prompts
from rag.answer import Assistant, EventKind
from rag.entities import refused
from rag.ingest import Ingestor
from rag.language import fold, load, words
from rag.models import MODELS, model_file
from rag.question import AnswerType, Query, analyse
from rag.settings import Settings
from rag.types import Evidence, IngestReport

SCHEMA = {"type": "object", "properties": {"answer": {"type": ["string", "null"]}}, "required": ["answer"]}
NAMED = (AnswerType.PERSON, AnswerType.ORGANISATION, AnswerType.PLACE, AnswerType.CATEGORY)


def asked(items: list[Item]) -> list[Item]:
    """Questions a span can answer: values and names (stances and open questions have none), and unanswerable ones."""
    return [it for it in items if it.kind != "false_premise"
            and (analyse(it.question).type.valued or analyse(it.question).type in NAMED)]


def kept(span: str | None, evidence: list[Evidence], query: Query) -> bool:
    """The code's check of a proposal: verbatim in the source's evidence, and of the expected kind."""
    quote = next((e.quote for e in evidence if span and span.strip() and span in e.quote), "")
    if not quote or not span:
        return False
    lang = load(query.lang)
    if query.type.valued:
        return any(v.kind in query.type.value_kinds for v in numbers.find(span, lang))
    at = quote.index(span)  # a name, as the rules take one: capitalised, no day or month, not vetoed by the pipeline
    return any(w[:1].isupper() and fold(w) not in lang.weekdays and fold(w) not in lang.months for w in words(span)) \
        and not refused(quote, at, at + len(span), lang.code, query.type)


def propose(llm, question: str, evidence: list[Evidence], max_tokens: int) -> str | None:
    reply = llm.create_chat_completion(
        messages=[{"role": "system", "content": prompts.SPAN_SYSTEM},
                  {"role": "user", "content": prompts.span_request(question, [e.quote for e in evidence])}],
        response_format={"type": "json_object", "schema": SCHEMA}, temperature=0.0, top_k=1, max_tokens=max_tokens)
    try:
        answer = json.loads(reply["choices"][0]["message"]["content"]).get("answer")
    except (json.JSONDecodeError, AttributeError):
        return None
    return answer if isinstance(answer, str) else None


def main(argv: list[str] | None = None) -> dict:
    p = argparse.ArgumentParser(prog="python -m bench.spans", description=__doc__.splitlines()[0])
    p.add_argument("--limit", type=int, default=0, help="every Nth question only (0: all)")
    p.add_argument("--out", type=Path, default=None, help="write the result JSON here")
    args = p.parse_args(argv)
    settings = Settings()
    items = load_stories()
    with tempfile.TemporaryDirectory() as tmp:
        store, s = fresh_store(Path(tmp), settings)
        Ingestor(store, s).ingest_docs(items[0].docs, IngestReport(), progress=True)
        store.lexical.refresh()
        assistant = Assistant(store, s)
        from llama_cpp import Llama  # native code, loaded only for this route

        g = s.generation
        llm = Llama(model_path=str(model_file(MODELS[s.model], s)), n_ctx=g.n_ctx, n_threads=g.n_threads,
                    n_threads_batch=g.n_threads, n_batch=g.n_batch, seed=0, verbose=False)
        chosen = asked(items)[:: args.limit or 1]
        held: dict[str, dict[str, int]] = {"rules": defaultdict(int), "model": defaultdict(int)}
        seconds: dict[str, list[float]] = {"rules": [], "model": []}
        for it in tqdm(chosen, desc="Spans", unit="question"):
            query = analyse(it.question)
            t0 = time.perf_counter()
            event = next(e for e in assistant.stream(it.question) if e.kind is EventKind.EVIDENCE)
            t_rules = time.perf_counter() - t0
            by_source: dict[str, list[Evidence]] = defaultdict(list)
            for e in event.evidence or []:
                by_source[e.source].append(e)
            t1 = time.perf_counter()
            spans = [sp for ev in by_source.values()
                     if kept(sp := propose(llm, it.question, ev, s.generation.max_answer_tokens), ev, query)]
            seconds["rules"].append(t_rules)
            seconds["model"].append(t_rules + time.perf_counter() - t1)
            for route, values in (("rules", [c.value for c in event.claims or []]), ("model", spans)):
                said = " | ".join(values)
                h = held[route]
                if not it.answerable:
                    h["unanswerable"] += 1
                    h["unanswerable given a span"] += bool(values)
                    continue
                h["answerable"] += 1
                h["a gold fact held"] += any(has_fact(said, f) for f in it.gold_facts)
                if it.gold_sides and it.disagreement and it.kind != "update":
                    h["sides questions"] += 1
                    h["every side held"] += all(has_fact(said, f) for f in it.gold_sides)
    result = {route: {**dict(held[route]), "p50 s": round(statistics.median(seconds[route]), 2),
                      "p95 s": round(statistics.quantiles(seconds[route], n=20)[-1], 2)} for route in held}
    result["questions"] = len(chosen)
    line = json.dumps(result)
    if args.out:
        args.out.write_text(line + "\n", encoding="utf-8")
    print(line)
    return result


if __name__ == "__main__":
    main()
