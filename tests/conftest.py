"""Shared fixtures: real Chroma, the real embedder, indexes in temporary folders (never the user's index/)."""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

import rag  # noqa: F401  (sets the offline environment first)
from rag.ingest import Ingestor, ensure_index
from rag.settings import PROJECT_ROOT, Settings
from rag.store import Store

from .scripted import SCRIPTED, ScriptedGenerator

CORPUS = PROJECT_ROOT / "corpus"


@pytest.fixture
def scripted() -> Iterator[ScriptedGenerator]:
    """The registered scripted generator, emptied before and after each test."""
    for queue in (SCRIPTED.queue, SCRIPTED.readings, SCRIPTED.prompts):
        queue.clear()
    yield SCRIPTED
    for queue in (SCRIPTED.queue, SCRIPTED.readings, SCRIPTED.prompts):
        queue.clear()


def make_settings(root: Path, **overrides) -> Settings:
    corpus = root / "corpus"
    if not corpus.exists():
        shutil.copytree(CORPUS, corpus, ignore=shutil.ignore_patterns("uploads"))
    return Settings(corpus_dir=corpus, index_dir=root / "index", **overrides)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return make_settings(tmp_path)


@pytest.fixture
def empty_store(settings: Settings) -> Store:
    return Store(settings)


@pytest.fixture(scope="session")
def seed_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return make_settings(tmp_path_factory.mktemp("seed"))


@pytest.fixture(scope="session")
def seed_store(seed_settings: Settings) -> Store:
    store = Store(seed_settings)
    ensure_index(store, seed_settings, progress=False)
    return store


def ingest(store: Store, settings: Settings, *paths: Path):
    return Ingestor(store, settings).ingest_paths(list(paths), progress=False)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port: int, proc: subprocess.Popen, log: Path, seconds: float = 120) -> None:
    """Until a real server process listens on loopback; its log tail if it dies or never listens."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(log.read_text()[-3000:])
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.3)
    proc.kill()
    raise RuntimeError(f"nothing listened on {port}: {log.read_text()[-3000:]}")


@pytest.fixture
def chroma_server(tmp_path: Path) -> Iterator[str]:
    """A real `chroma run` on loopback, with its data in this test's folder."""
    chroma = shutil.which("chroma", path=str(Path(sys.executable).parent))
    port = free_port()
    log = tmp_path / "chroma.log"
    proc = subprocess.Popen([chroma, "run", "--path", str(tmp_path / "chroma-data"), "--host", "127.0.0.1",
                             "--port", str(port)], stdout=open(log, "w"), stderr=subprocess.STDOUT)
    wait_for_port(port, proc, log)
    yield f"http://127.0.0.1:{port}"
    proc.terminate()
    proc.wait(timeout=30)


@pytest.fixture
def postgres_server() -> Iterator[str]:
    """A real PostgreSQL (Debian's package) on loopback; as root it runs as the `postgres` user, as it requires."""
    initdb, postgres = shutil.which("initdb"), shutil.which("postgres")
    if not (initdb and postgres):
        pytest.skip("PostgreSQL is not installed (Debian: apt-get install postgresql)")
    folder = Path(tempfile.mkdtemp(prefix="rag-pg-"))  # not under pytest's root-only tmp folder
    as_user: list[str] = []
    if os.geteuid() == 0:
        os.chown(folder, pwd.getpwnam("postgres").pw_uid, -1)
        as_user = ["runuser", "-u", "postgres", "--"]
    port, log = free_port(), folder / "postgres.log"
    try:
        subprocess.run([*as_user, initdb, "-D", str(folder / "data"), "-A", "trust", "-U", "rag", "--no-sync"],
                       check=True, capture_output=True)
        proc = subprocess.Popen([*as_user, postgres, "-D", str(folder / "data"), "-h", "127.0.0.1", "-p", str(port),
                                 "-k", str(folder), "-F"], stdout=open(log, "w"), stderr=subprocess.STDOUT)
        wait_for_port(port, proc, log)
        yield f"postgresql://rag@127.0.0.1:{port}/postgres"
        proc.terminate()
        proc.wait(timeout=30)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
