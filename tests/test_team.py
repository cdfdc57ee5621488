"""A team on several hosts with no shared disk: two workers, each with its own empty folder, against one real
`chroma run` and one real PostgreSQL. Each worker is the real `rag` command in its own process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

from rag.settings import PROJECT_ROOT

from .articles import articles, write_jsonl

pytestmark = pytest.mark.slow

STORY = (
    "Harbour strike enters second week\n\n"
    "Dock workers at the Veldmark harbour stayed off the job for an eighth day on Tuesday. The port authority "
    "said 1,240 workers had joined the strike, while the dockers' union put the number at 2,900. Ships queued "
    "outside the breakwater as talks on night-shift pay stalled again."
)


class Worker:
    """One host: its own local folder (index cache, uploads), the shared servers, the real CLI."""

    def __init__(self, root: Path, chroma_url: str, registry_url: str):
        self.root = root
        self.env = {**os.environ, "RAG_INDEX_DIR": str(root / "index"), "RAG_CORPUS_DIR": str(root / "corpus"),
                    "RAG_CHROMA_URL": chroma_url, "RAG_REGISTRY_URL": registry_url}
        (root / "corpus").mkdir(parents=True)

    def start(self, *args: str) -> subprocess.Popen:
        return subprocess.Popen([sys.executable, "-m", "rag", *args], env=self.env, cwd=PROJECT_ROOT, text=True,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)

    def run(self, *args: str) -> subprocess.CompletedProcess:
        proc = self.start(*args)
        out, err = proc.communicate(timeout=600)
        return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)

    def search(self, query: str) -> list[str]:
        done = self.run("search", "--json", query)
        assert done.returncode == 0, done.stderr
        return [h["source"] for h in json.loads(done.stdout)["hits"]]

    def sources(self) -> list[str]:
        done = self.run("sources")
        assert done.returncode == 0, done.stderr
        return [line.split("\t")[0] for line in done.stdout.splitlines()]


@pytest.fixture
def workers(tmp_path, chroma_server, postgres_server) -> tuple[Worker, Worker]:
    return (Worker(tmp_path / "host-a", chroma_server, postgres_server),
            Worker(tmp_path / "host-b", chroma_server, postgres_server))


def test_two_hosts_share_articles_and_removals_through_the_servers_alone(workers, tmp_path):
    a, b = workers
    story = tmp_path / "outside" / "harbour-strike.txt"
    story.parent.mkdir()
    story.write_text(STORY, encoding="utf-8")

    done = a.run("ingest", str(story))
    assert done.returncode == 0, done.stderr
    assert "1 added" in done.stdout

    # Host B never saw the file: the article, its chunks and its text come from the servers.
    assert b.sources() == ["harbour-strike"]
    assert b.search("how many workers joined the harbour strike")[0] == "harbour-strike"
    asked = b.run("ask", "--json", "--model", "smollm2-135m", "How many dock workers joined the strike?")
    assert asked.returncode == 0, asked.stderr
    answer = json.loads(asked.stdout)
    assert {c["source"] for c in answer["citations"]} == {"harbour-strike"}
    assert all(c["quote"] in STORY for c in answer["citations"])
    assert "2,900" in answer["answer"] or "1,240" in answer["answer"]
    assert not (b.root / "index" / "registry.sqlite3").exists()
    assert not (b.root / "index" / "chroma").exists()

    # A removal through A holds for B: gone from its answers, listed as removed, refused on re-ingest.
    done = a.run("remove", "harbour-strike", "--reason", "wrong port")
    assert done.returncode == 0, done.stderr
    assert b.sources() == []
    assert "harbour-strike" not in b.search("how many workers joined the harbour strike")
    assert "wrong port" in b.run("sources", "--removed").stdout
    copy = b.root / "mine" / "harbour-strike.txt"
    copy.parent.mkdir()
    copy.write_text(STORY, encoding="utf-8")
    done = b.run("ingest", str(copy))
    assert done.returncode == 1 and "was removed from this index" in done.stderr
    assert a.sources() == []

    # B restores an article whose kept copy only A had: the original comes from the registry server.
    done = b.run("restore", "harbour-strike")
    assert done.returncode == 0, done.stderr
    assert (b.root / "index" / "uploads" / "harbour-strike.txt").read_text(encoding="utf-8") == STORY
    assert a.search("how many workers joined the harbour strike")[0] == "harbour-strike"

    # A rebuild on a third, new host takes in every host's uploads from the registry server.
    c = Worker(tmp_path / "host-c", *[a.env[k] for k in ("RAG_CHROMA_URL", "RAG_REGISTRY_URL")])
    done = c.run("reindex")
    assert done.returncode == 0, done.stderr
    assert c.sources() == ["harbour-strike"]
    assert a.search("how many workers joined the harbour strike")[0] == "harbour-strike"


def test_concurrent_ingests_on_two_hosts_leave_one_consistent_index(workers, tmp_path, chroma_server,
                                                                    postgres_server):
    a, b = workers
    first, second = articles(12, seed=1)[:6], articles(12, seed=1)[6:]
    procs = [a.start("ingest", str(write_jsonl(tmp_path / "a.jsonl", first))),
             b.start("ingest", str(write_jsonl(tmp_path / "b.jsonl", second)))]
    for proc in procs:
        _, err = proc.communicate(timeout=600)
        assert proc.returncode == 0, err
    assert sorted(a.sources()) == sorted(art.id for art in first + second) == sorted(b.sources())

    # Exactly the registry's chunks are in Chroma: no orphan, no duplicate, nothing missing.
    import chromadb

    from rag.vectors import COLLECTION

    port = int(chroma_server.rsplit(":", 1)[1])
    stored = set(chromadb.HttpClient(host="127.0.0.1", port=port).get_collection(COLLECTION).get(include=[])["ids"])
    engine = sa.create_engine(postgres_server.replace("postgresql://", "postgresql+psycopg://"))
    with engine.connect() as db:
        registered = set(db.execute(sa.text("SELECT chunk_id FROM chunks")).scalars())
    engine.dispose()
    assert stored == registered and len(registered) >= 12
    # The answer to each article's own question is that article, through either host.
    for art in (first[0], second[-1]):
        assert a.search(art.question)[0] == b.search(art.question)[0] == art.id


def test_an_unreachable_registry_server_is_one_clear_line(tmp_path, chroma_server):
    from .conftest import free_port

    worker = Worker(tmp_path / "host", chroma_server, f"postgresql://rag:secret@127.0.0.1:{free_port()}/postgres")
    done = worker.run("sources")
    assert done.returncode == 2
    assert done.stderr.startswith("error: cannot use the registry database at postgresql")
    assert "secret" not in done.stderr and "Traceback" not in done.stderr
