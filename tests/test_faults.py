"""Faults made for real: a full disk, a Chroma server and a model server killed mid-operation, load during an
ingest, a long run of questions. Each test makes the fault (a tmpfs that fills, SIGKILL, real clients)."""

from __future__ import annotations

import json
import os
import re
import select
import shutil
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from click.testing import CliRunner

from rag.cli import main
from rag.ingest import Ingestor, ensure_index
from rag.models import MODELS, model_file
from rag.retrieve import Retriever
from rag.settings import PROJECT_ROOT, Settings
from rag.store import Store

from .articles import articles, write_jsonl
from .conftest import free_port, make_settings, wait_for_port

pytestmark = pytest.mark.slow


def _cli(*args: str, **env: str):
    return CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)


def _errors(output: str) -> list[str]:
    return [line for line in output.splitlines() if line.startswith("error:")]


def _chroma(settings: Settings):
    """The collection as stored now (another process may have written it since this one last looked)."""
    from chromadb.api.shared_system_client import SharedSystemClient

    if not settings.chroma_url:
        SharedSystemClient.clear_system_cache()
    return Store(settings).vectors.collection


def _registry(settings: Settings) -> dict[str, int]:
    """The registry is sound, every document has its chunks and no chunk lacks its document: doc id -> chunks."""
    conn = sqlite3.connect(settings.registry_path)
    try:
        assert conn.execute("PRAGMA quick_check").fetchone()[0] == "ok"
        conn.execute("BEGIN")  # one snapshot for both reads: a writer may commit an article between them
        docs = dict(conn.execute("SELECT id, n_chunks FROM docs"))
        assert dict(conn.execute("SELECT doc_id, COUNT(*) FROM chunks GROUP BY doc_id")) == docs
        return docs
    finally:
        conn.close()


def _listed(settings: Settings) -> int:
    """How many articles a running ingest has listed so far: 0 until it has created the registry's tables."""
    if not settings.registry_path.exists():
        return 0
    conn = sqlite3.connect(settings.registry_path)
    try:
        if not conn.execute("SELECT 1 FROM sqlite_master WHERE type='table' AND name='docs'").fetchone():
            return 0
        return conn.execute("SELECT COUNT(*) FROM docs").fetchone()[0]
    finally:
        conn.close()


def _consistent(settings: Settings) -> dict[str, int]:
    """The registry is sound and every chunk it lists has its vector; returns doc id -> chunks."""
    docs = _registry(settings)
    conn = sqlite3.connect(settings.registry_path)
    try:
        chunk_ids = [r[0] for r in conn.execute("SELECT chunk_id FROM chunks")]
    finally:
        conn.close()
    found = _chroma(settings).get(ids=chunk_ids, include=[])["ids"]
    assert sorted(found) == sorted(chunk_ids)  # the registry, written last, names only stored vectors
    return docs


@pytest.fixture
def small_disk(tmp_path):
    """A 64 MiB tmpfs mounted for the test (root only), always unmounted."""
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root")
    mount = tmp_path / "disk"
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64m", "tmpfs", str(mount)], capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip()}")
    try:
        yield mount
    finally:
        from chromadb.api.shared_system_client import SharedSystemClient

        SharedSystemClient.clear_system_cache()  # the in-process Chroma client holds files on the mount
        subprocess.run(["umount", "-l", str(mount)], check=False)


def _fill_and_resume(settings: Settings, disk: Path, reserve: int, rag) -> None:
    """Ingest 300 articles onto a disk with room for about a third of them; free the space; ingest again.

    `reserve` is RAG_INGEST__MIN_FREE_BYTES (0: no guard, the writes themselves run out of space); `rag(*args, env)`
    runs the command and returns (exit status, stdout, stderr).
    """
    batch = articles(300)
    write_jsonl(settings.corpus_dir / "wire.jsonl", batch)  # the corpus is outside the mount; only the index fills
    Store(settings)  # the empty index; then a ballast file leaves the reserve plus 2 MiB (~1/3 of the writes)
    ballast = disk / "ballast"
    with open(ballast, "wb") as fh:
        os.posix_fallocate(fh.fileno(), 0, shutil.disk_usage(disk).free - reserve - (2 << 20))
    env = {"RAG_INDEX_DIR": str(settings.index_dir), "RAG_CORPUS_DIR": str(settings.corpus_dir),
           "RAG_INGEST__MIN_FREE_BYTES": str(reserve)}

    status, out, err = rag("ingest", env=env)
    assert status == 2, out + err
    (error,) = _errors(err)  # one line, naming the fault and the folder
    assert error.startswith(f"error: disk full: cannot write to {settings.index_dir}" if not reserve
                            else f"error: disk full: {settings.index_dir} has ")
    assert "Traceback" not in out + err
    kept = _registry(settings)
    assert 0 < len(kept) < len(batch)  # it failed midway
    committed = next(a for a in batch if a.id in kept)
    if reserve:  # stopped before the disk was full: the index answers as it is
        assert Retriever(Store(settings), settings).search(committed.question, 1)[0].source == committed.id

    ballast.unlink()  # space is freed (Chroma's engine cannot even read with none left: it writes as it reads)
    assert _consistent(settings) == kept  # what it committed is whole: every listed chunk has its vector
    assert Retriever(Store(settings), settings).search(committed.question, 1)[0].source == committed.id
    # the same command resumes where it stopped
    status, out, err = rag("ingest", env=env)
    assert status == 0, out + err
    assert f"{len(batch) + 5 - len(kept)} added" in out and f"{len(kept)} unchanged" in out
    docs = _consistent(settings)
    assert len(docs) == len(batch) + 5
    assert _chroma(settings).count() == sum(docs.values())  # the failed write's orphans were pruned
    last = batch[-1]
    assert Retriever(Store(settings), settings).search(last.question, 1)[0].source == last.id


def test_a_disk_filling_during_ingest_stops_it_at_the_reserve_and_the_same_process_resumes(small_disk, tmp_path):
    """The UI's case: a long-lived process must stop before Chroma's engine runs out of space (it hangs after)."""
    settings = make_settings(tmp_path).model_copy(update={"index_dir": small_disk / "index"})

    def rag(*args: str, env: dict[str, str]):
        result = _cli(*args, **env)  # in this process: the Chroma client stays open between the two runs
        return result.exit_code, result.stdout, result.stderr

    _fill_and_resume(settings, small_disk, 8 << 20, rag)


def test_a_disk_that_runs_out_during_writes_gives_a_clear_error_and_the_next_run_resumes(small_disk, tmp_path):
    """No reserve: the writes themselves fail (Chroma's engine or SQLite); each run is its own `rag` process."""
    settings = make_settings(tmp_path).model_copy(update={"index_dir": small_disk / "index"})

    def rag(*args: str, env: dict[str, str]):
        done = subprocess.run([sys.executable, "-m", "rag", *args], env={**os.environ, **env}, capture_output=True,
                              text=True, cwd=PROJECT_ROOT, timeout=600)
        return done.returncode, done.stdout, done.stderr

    _fill_and_resume(settings, small_disk, 0, rag)


class ChromaServer:
    """A real `chroma run` on loopback that the test can SIGKILL and start again on the same port and data."""

    def __init__(self, root: Path):
        self.root, self.port = root, free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        chroma = shutil.which("chroma", path=str(Path(sys.executable).parent))
        log = self.root / "chroma.log"
        self.proc = subprocess.Popen([chroma, "run", "--path", str(self.root / "chroma-data"), "--host", "127.0.0.1",
                                      "--port", str(self.port)], stdout=open(log, "a"), stderr=subprocess.STDOUT)
        wait_for_port(self.port, self.proc, log)

    def kill(self) -> None:
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()


@pytest.fixture
def chroma(tmp_path):
    server = ChromaServer(tmp_path)
    server.start()
    yield server
    if server.proc.poll() is None:
        server.kill()


def _env(settings: Settings, **extra: str) -> dict[str, str]:
    return {**os.environ, "RAG_INDEX_DIR": str(settings.index_dir), "RAG_CORPUS_DIR": str(settings.corpus_dir),
            **({"RAG_CHROMA_URL": settings.chroma_url} if settings.chroma_url else {}), **extra}


def _rag(settings: Settings, *args: str, **popen) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "rag", *args], env=_env(settings), cwd=PROJECT_ROOT, text=True,
                            **popen)


def test_a_chroma_server_killed_mid_ingest_is_named_leaves_the_registry_whole_and_the_ingest_resumes(chroma, tmp_path):
    settings = make_settings(tmp_path, chroma_url=chroma.url)
    batch = articles(200)
    write_jsonl(settings.corpus_dir / "wire.jsonl", batch)
    proc = _rag(settings, "ingest", stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 300
    while _listed(settings) < 10:  # some articles are in
        assert proc.poll() is None and time.monotonic() < deadline, proc.communicate()
        time.sleep(0.05)
    chroma.kill()  # mid-ingest: the first batch's articles are being written
    out, err = proc.communicate(timeout=300)
    assert proc.returncode == 2, out + err
    (error,) = _errors(err)
    assert error.startswith(f"error: the Chroma server at {chroma.url} is unreachable (") and "Traceback" not in err
    kept = _registry(settings)  # nothing half-written: each listed article has all its chunks
    assert 10 <= len(kept) < len(batch) + 5

    chroma.start()  # back on the same port and data
    assert _consistent(settings) == kept  # every chunk the registry lists has its vector on the server
    done = subprocess.run([sys.executable, "-m", "rag", "ingest"], env=_env(settings), cwd=PROJECT_ROOT,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"{len(batch) + 5 - len(kept)} added" in done.stdout and f"{len(kept)} unchanged" in done.stdout
    docs = _consistent(settings)
    assert len(docs) == len(batch) + 5 and _chroma(settings).count() == sum(docs.values())
    last = batch[-1]
    assert Retriever(Store(settings), settings).search(last.question, 1)[0].source == last.id


def _line(proc: subprocess.Popen, seconds: float = 300) -> str:
    """The process's next stdout line, failing (not hanging) when none comes."""
    ready, _, _ = select.select([proc.stdout], [], [], seconds)
    assert ready, "no answer line in time"
    return proc.stdout.readline()


def test_a_chroma_server_killed_between_answers_is_named_and_the_same_process_answers_once_it_is_back(chroma, tmp_path):
    settings = make_settings(tmp_path, chroma_url=chroma.url)
    before = {d.id: d.hash for d in _seed(settings).registry.docs()}
    proc = _rag(settings, "ask", "--json", "--model", "smollm2-135m", "-", stdin=subprocess.PIPE,
                stdout=subprocess.PIPE, stderr=subprocess.PIPE, bufsize=1)
    question = "How many GPU hours did it take to train Llama?"
    try:
        proc.stdin.write(question + "\n")
        first = json.loads(_line(proc))
        assert "error" not in first and "39.3 million" in first["answer"]

        chroma.kill()  # the server dies while the process is answering questions
        proc.stdin.write(question + "\n")
        failed = json.loads(_line(proc))
        assert failed["question"] == question and set(failed) == {"question", "error"}
        assert failed["error"].startswith(f"the Chroma server at {chroma.url} is unreachable (")
        assert "\n" not in failed["error"] and proc.poll() is None  # one line; the process goes on

        chroma.start()
        proc.stdin.write(question + "\n")
        again = json.loads(_line(proc))
        assert "error" not in again and again["answer"] == first["answer"]
        assert again["citations"] == first["citations"]
    finally:
        proc.stdin.close()
        proc.wait(timeout=120)
    assert proc.returncode == 2  # one question failed
    assert {d.id: d.hash for d in Store(settings).registry.docs()} == before
    assert _consistent(settings)


def _seed(settings: Settings) -> Store:
    store = Store(settings)
    ensure_index(store, settings, progress=False)
    return store


class ModelServer:
    """A real OpenAI-compatible `llama_cpp.server` with smollm2-135m on loopback, killable and restartable."""

    def __init__(self, root: Path):
        self.root, self.port = root, free_port()
        self.url = f"http://127.0.0.1:{self.port}/v1"
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        path = model_file(MODELS["smollm2-135m"], Settings())
        log = self.root / "llm.log"
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "llama_cpp.server", "--model", str(path), "--host", "127.0.0.1",
             "--port", str(self.port), "--n_threads", "2", "--n_ctx", "4096"],
            stdout=open(log, "a"), stderr=subprocess.STDOUT)
        wait_for_port(self.port, self.proc, log)

    def kill(self) -> None:
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()


def test_a_model_server_killed_mid_stream_leaves_the_evidence_on_screen_and_the_next_question_works(tmp_path):
    import ui

    llm = ModelServer(tmp_path)
    llm.start()
    try:
        settings = make_settings(tmp_path, llm_url=llm.url, llm_model_name="smollm2").tuned(generation={"max_answer_tokens": 400})
        app = ui.App(settings)  # the UI's own handler, as a browser session drives it
        question = "What did Nvidia say about its revenue from Singapore?"
        screens, killed_after = [], None
        chat: list = []
        answers: list = []
        for step in app.respond(question, [], []):
            chat, answers, panel, status, _ = step
            screens.append((panel, status))
            if status.startswith("Writing a draft") and killed_after is None:
                killed_after = len(screens)
                llm.kill()  # mid-stream: the server has sent its first token
        assert killed_after is not None  # it was streaming when it died
        panels = [p for p, _ in screens if isinstance(p, str)]  # the others leave the panel as it is
        assert len(panels) == 2 and "evidence-list" in panels[0]  # shown before the first token ...
        final_panel, final_status = screens[-1]
        assert final_panel == panels[0]  # ... and still the same after the failure: the evidence stays on screen
        assert final_status.startswith("⚠ generation failed (the model server at " + llm.url)
        (answer,) = answers
        assert answer.answer.startswith("Generation failed: the model server at " + llm.url) and answer.error
        assert chat[-1]["role"] == "assistant" and "Generation failed" in chat[-1]["content"]
        assert answer.evidence and all(
            app.store.registry.text(e.source)[e.start : e.end] == e.quote for e in answer.evidence)

        llm.start()  # the next question, once the server is back, is answered in the same session
        *_, last = app.respond("How many GPUs did DeepSeek claim?", chat, answers)
        chat, answers, _, status, _ = last
        assert status.startswith("✔") and len(answers) == 2 and not answers[1].error
        assert answers[1].disagreements and "2,048" in answers[1].answer
        assert [m["role"] for m in chat] == ["user", "assistant", "user", "assistant"]
    finally:
        if llm.proc.poll() is None:
            llm.kill()


def test_twenty_api_clients_during_an_ingest_of_500_articles_each_get_their_own_answer(chroma, tmp_path):
    """The team set-up (a Chroma server, a UI worker, `rag ingest` in another process) under 20 clients."""
    from gradio_client import Client

    from .test_ui import _serve

    settings = make_settings(tmp_path, chroma_url=chroma.url)
    old, new = articles(40, seed=1), articles(500, seed=2)
    assert not {a.name for a in old} & {a.name for a in new}
    Ingestor(_seed(settings), settings).ingest_paths([write_jsonl(tmp_path / "old.jsonl", old)], progress=False)
    ui_proc, url = _serve(tmp_path, RAG_CHROMA_URL=chroma.url, RAG_MODEL="smollm2-135m", RAG_GENERATION__MAX_ANSWER_TOKENS="48")
    figures = {a.figure for a in old + new}
    lock = threading.Lock()
    asked: set[str] = set()
    failures: list[str] = []
    answered_during: list[str] = []
    ingest = _rag(settings, "ingest", str(write_jsonl(tmp_path / "new.jsonl", new)), stdout=subprocess.PIPE,
                  stderr=subprocess.PIPE)

    def check(a, r: dict) -> None:
        cited = {c["source"] for c in r.get("citations", [])}
        stated = set(re.findall(r"\d{1,3}(?:,\d{3})+", r.get("answer", ""))) & figures
        if "error" in r or r["question"] != a.question or a.id not in cited or stated != {a.figure}:
            failures.append(f"{a.question} -> {json.dumps(r)[:600]}")

    def next_new():
        """A new article the registry already lists (committed) that nobody has asked about yet."""
        committed = set(_registry(settings))
        with lock:
            fresh = [a for a in new if a.id in committed and a.id not in asked]
            if fresh:
                asked.add(fresh[-1].id)
                return fresh[-1]
        return None

    def client(i: int) -> None:
        api = Client(url, verbose=False)
        ask = lambda a: check(a, api.predict(question=a.question, api_name="/ask"))  # noqa: E731
        ask(old[i])
        while (a := next_new()) is None and ingest.poll() is None:
            time.sleep(0.5)
        if a is not None:  # an article committed a moment ago, asked while the ingest goes on
            running = ingest.poll() is None
            ask(a)
            if running:
                answered_during.append(a.id)

    try:
        with ThreadPoolExecutor(max_workers=20) as pool:
            list(pool.map(client, range(20)))
        out, err = ingest.communicate(timeout=600)
        assert ingest.returncode == 0 and "500 added" in out, out + err[-2000:]
        api = Client(url, verbose=False)
        for a in new[-3:]:  # and the last of them, once the ingest is done
            check(a, api.predict(question=a.question, api_name="/ask"))
    finally:
        if ingest.poll() is None:
            ingest.kill()
        ui_proc.terminate()
        ui_proc.wait(timeout=30)
    assert not failures, f"{len(failures)} wrong answers, e.g. {failures[:3]}"
    assert len(answered_during) >= 10  # new articles were answered while the ingest was still writing
    assert len(_consistent(settings)) == 5 + 40 + 500


def _rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError(f"no VmRSS for {pid}")


def test_three_hundred_questions_in_one_process_keep_its_memory_flat(tmp_path):
    """300 different questions through one `rag ask --json -` process: RSS after 300 within 10 % of after 30."""
    settings = make_settings(tmp_path)
    subjects = articles(100, seed=3)
    Ingestor(_seed(settings), settings).ingest_paths([write_jsonl(tmp_path / "wire.jsonl", subjects)], progress=False)
    questions = [q for a in subjects for q in (a.question, f"When did the {a.name} {a.place} open?",
                                               f"Who runs the {a.name} {a.place}?")]
    assert len(set(questions)) == 300
    env = _env(settings, RAG_MODEL="smollm2-135m", RAG_GENERATION__MAX_ANSWER_TOKENS="16", RAG_GENERATION__N_THREADS="1")
    proc = subprocess.Popen([sys.executable, "-m", "rag", "ask", "--json", "-"], env=env, cwd=PROJECT_ROOT, text=True,
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, bufsize=1)
    rss: dict[int, int] = {}
    try:
        for n, q in enumerate(questions, 1):
            proc.stdin.write(q + "\n")
            r = json.loads(_line(proc))
            assert r["question"] == q and "error" not in r, r
            if n in (30, 100, 200, 300):
                rss[n] = _rss_kb(proc.pid)  # idle between questions: nothing in flight
    finally:
        proc.stdin.close()
        proc.wait(timeout=60)
    assert rss[300] <= 1.10 * rss[30], f"RSS in kB after question n: {rss}"
