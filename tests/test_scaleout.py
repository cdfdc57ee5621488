"""The same code path against existing servers: a real Chroma server and an OpenAI-compatible model server."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from rag.answer import Assistant
from rag.generate import load_generator
from rag.ingest import ensure_index
from rag.models import MODELS, model_file
from rag.settings import Settings
from rag.store import Store

from .conftest import free_port, make_settings, wait_for_port

pytestmark = pytest.mark.slow


def test_ingest_and_ask_against_a_chroma_server(chroma_server, tmp_path):
    settings = make_settings(tmp_path, chroma_url=chroma_server, model="smollm2-135m")
    store = Store(settings)
    assert store.vectors.collection.count() == 0
    ensure_index(store, settings, progress=False)
    assert store.vectors.collection.count() == sum(d.n_chunks for d in store.registry.docs()) > 20
    assert not (settings.index_dir / "chroma").exists()  # the vectors live on the server
    answer = Assistant(store, settings).ask("How many GPU hours did it take to train Llama?")
    assert answer.disagreements and "39.3 million" in answer.answer
    for c in answer.citations:
        assert store.registry.text(c.source)[c.start : c.end] == c.quote


def test_generation_through_an_openai_compatible_server(tmp_path, seed_store, seed_settings):
    path = model_file(MODELS["smollm2-135m"], Settings())
    port = free_port()
    log = tmp_path / "llm.log"
    proc = subprocess.Popen(
        [sys.executable, "-m", "llama_cpp.server", "--model", str(path), "--host", "127.0.0.1", "--port", str(port),
         "--n_threads", "2", "--n_ctx", "4096"],
        stdout=open(log, "w"), stderr=subprocess.STDOUT, env={**os.environ},
    )
    try:
        wait_for_port(port, proc, log)
        settings = seed_settings.model_copy(update={"llm_url": f"http://127.0.0.1:{port}/v1", "llm_model_name": "smollm2"})
        generator = load_generator(settings)
        assert "".join(generator.stream([{"role": "user", "content": "Say hi."}], max_tokens=8)).strip()
        answer = Assistant(seed_store, settings, generator).ask("How many GPUs did DeepSeek claim?")
        assert answer.timings.first_token_s is not None and answer.disagreements
        for c in answer.citations:
            assert seed_store.registry.text(c.source)[c.start : c.end] == c.quote
    finally:
        proc.terminate()
        proc.wait(timeout=30)
