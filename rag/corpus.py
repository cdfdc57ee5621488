"""Read articles from disk into SourceDocs, with a clear Problem for anything that cannot be read."""

from __future__ import annotations

import errno
import json
import logging
import os
import re
import stat
import tomllib
import unicodedata
from collections.abc import Iterator
from pathlib import Path
from typing import Literal

from .settings import Settings
from .types import Problem, SourceDoc

log = logging.getLogger(__name__)

SUPPORTED = (".txt", ".md", ".html", ".htm", ".pdf", ".jsonl")
MANIFEST = "sources.toml"


class ReadError(Exception):
    """A file (or record) that cannot become a document; the message says why, in one line."""


def slugify(text: str, max_len: int = 60, max_bytes: int = 180) -> str:
    """An id and file name from any title: letters, digits and marks of every script, lowercase, NFC.

    Everything else (punctuation, spaces, '/', '.', controls, symbols) becomes '-', so the result is a
    single safe path component ("Zürich Bericht (1)" -> "zürich-bericht-1", "../x" -> "x"). The byte
    cap keeps a name plus a hash suffix and extension under the usual 255-byte file name limit.
    """
    text = unicodedata.normalize("NFC", unicodedata.normalize("NFC", text).lower())
    # Letters, digits and combining marks stay; invisible format characters (ZWNJ inside a Persian
    # word, bidi controls) go without splitting the word; anything else separates words.
    kept = "".join(
        ch if unicodedata.category(ch)[0] in "LNM" else "" if unicodedata.category(ch) == "Cf" else "-"
        for ch in text
    )
    slug = re.sub(r"-+", "-", kept).strip("-")[:max_len]
    while len(slug.encode("utf-8")) > max_bytes:
        slug = slug[:-1]
    slug = slug.strip("-")
    # A leading combining mark (its base was punctuation) would attach to nothing.
    while slug and unicodedata.category(slug[0]).startswith("M"):
        slug = slug[1:].lstrip("-")
    return slug or "doc"


def _looks_binary(data: bytes, control_share: float) -> bool:
    sample = data[:8192]
    if b"\x00" in sample:
        return True
    controls = sum(1 for b in sample if b < 32 and b not in (9, 10, 12, 13))
    return controls > len(sample) * control_share


def _decode(data: bytes, settings: Settings) -> str:
    if not data.strip():
        raise ReadError("empty file")
    if _looks_binary(data, settings.ingest.binary_control_share):
        raise ReadError("binary content, not text")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise ReadError(f"not valid UTF-8 (byte {e.start})") from None
    return text.removeprefix("\ufeff")


def _check_text(text: str, settings: Settings) -> str:
    if not text.strip():
        raise ReadError("no text in it")
    if len(text) > settings.ingest.max_doc_chars:
        raise ReadError(f"text too long ({len(text):,} characters, limit {settings.ingest.max_doc_chars:,})")
    return text


def furniture_offset(text: str, settings: Settings, marker: str | None = None) -> int | None:
    """Where page furniture starts: the manifest's marker, else the first known marker on a line of its own."""
    if marker:
        pos = text.find(marker)
        return pos if pos >= 0 else None
    best = None
    for m in settings.ingest.furniture_markers:
        found = re.search(rf"(?m)^\s*{re.escape(m)}\s*$", text)
        if found and (best is None or found.start() < best):
            best = found.start()
    return best


def _first_line(text: str) -> str:
    for line in text.splitlines():
        line = line.strip().lstrip("#").strip()
        if line:
            return line
    return "untitled"


def _title(given: object, text: str, settings: Settings) -> str:
    limit = settings.ingest.max_title_chars
    return (str(given) if given else _first_line(text))[:limit]


def _file_doc(path: Path, text: str, title: str | None, settings: Settings) -> list[SourceDoc]:
    """A file that is one article, named by its file name."""
    return [SourceDoc(id=slugify(path.stem), title=_title(title, text, settings), outlet="unknown", text=text,
                      origin=str(path), furniture_from=furniture_offset(text, settings))]


def _read_plain(path: Path, data: bytes, settings: Settings) -> list[SourceDoc]:
    return _file_doc(path, _check_text(_decode(data, settings), settings), None, settings)


def _read_html(path: Path, data: bytes, settings: Settings) -> list[SourceDoc]:
    import trafilatura

    html = _decode(data, settings)
    text = trafilatura.extract(html, include_comments=False, include_tables=True, favor_precision=True)
    if not text or not text.strip():
        raise ReadError("no article text found in the HTML")
    meta = trafilatura.extract_metadata(html)
    text = _check_text(text, settings)
    return [
        SourceDoc(
            id=slugify(path.stem),
            title=_title(meta.title if meta else None, text, settings),
            outlet=(meta.sitename if meta and meta.sitename else "unknown"),
            text=text,
            origin=str(path),
            date=(meta.date or "") if meta else "",
            url=(meta.url or "") if meta else "",
        )
    ]


def read_html(path: Path, data: bytes, settings: Settings) -> SourceDoc:
    """A page already in memory (a downloaded link), with the same checks as an uploaded .html file at `path`."""
    return _read_html(path, data, settings)[0]


def _read_pdf(path: Path, data: bytes, settings: Settings) -> list[SourceDoc]:
    import io

    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    # pypdf warns per malformed object of a real-world PDF; what matters to a user is the one-line ReadError
    logging.getLogger("pypdf").setLevel(logging.ERROR)
    try:
        reader = PdfReader(io.BytesIO(data))
        pages = [page.extract_text() or "" for page in reader.pages]
    except (PdfReadError, ValueError, KeyError, TypeError) as e:
        raise ReadError(f"unreadable PDF ({e})") from None
    text = "\n\n".join(p.strip() for p in pages if p.strip())
    if not text.strip():
        raise ReadError("the PDF has no extractable text (scanned image?)")
    text = _check_text(text, settings)
    title = ""
    if reader.metadata and reader.metadata.title:
        title = str(reader.metadata.title)
    return _file_doc(path, text, title, settings)


def _json_kind(value: object) -> str:
    if isinstance(value, bool):
        return "true/false"
    kinds = {int: "a number", float: "a number", list: "a list", dict: "an object"}
    return kinds.get(type(value), type(value).__name__)


def _read_jsonl(path: Path, data: bytes, settings: Settings) -> tuple[list[SourceDoc], list[Problem]]:
    docs, problems = [], []
    for n, line in enumerate(_decode(data, settings).splitlines(), start=1):
        if not line.strip():
            continue
        where = f"{path}:{n}"
        try:
            rec = json.loads(line)
            if not isinstance(rec, dict):
                raise ReadError("a record must be a JSON object")
            if rec.get("text") is None:
                raise ReadError('missing "text"')
            text = rec["text"]
            if not isinstance(text, str):
                raise ReadError(f'"text" is not a string (it is {_json_kind(text)})')
            text = _check_text(text, settings)
            title = _title(rec.get("title"), text, settings)
            doc_id = slugify(str(rec.get("id") or title))
            docs.append(
                SourceDoc(
                    id=doc_id,
                    title=title,
                    outlet=str(rec.get("source") or rec.get("outlet") or "unknown"),
                    text=text,
                    origin=where,
                    date=str(rec.get("date") or ""),
                    url=str(rec.get("url") or ""),
                    furniture_from=furniture_offset(text, settings),
                )
            )
        except json.JSONDecodeError as e:
            problems.append(Problem(where, f"broken JSON ({e.msg})"))
        except ReadError as e:
            problems.append(Problem(where, str(e)))
    return docs, problems


def read_file(path: Path, settings: Settings) -> tuple[list[SourceDoc], list[Problem]]:
    """Read one file; every failure becomes a Problem naming the file, never an exception."""
    suffix = path.suffix.lower()
    try:
        if suffix not in SUPPORTED:
            raise ReadError(f"unsupported file type '{suffix or path.name}' (supported: {', '.join(SUPPORTED)})")
        size = path.stat().st_size
        if size > settings.ingest.max_file_bytes:
            raise ReadError(f"too large ({size / 2**20:.1f} MiB, limit {settings.ingest.max_file_bytes / 2**20:.0f} MiB)")
        data = path.read_bytes()
        if suffix == ".jsonl":
            return _read_jsonl(path, data, settings)
        reader = {".html": _read_html, ".htm": _read_html, ".pdf": _read_pdf}.get(suffix, _read_plain)
        return reader(path, data, settings), []
    except ReadError as e:
        return [], [Problem(str(path), str(e))]
    except OSError as e:
        return [], [Problem(str(path), f"cannot read ({e.strerror or e})")]


_KINDS = {stat.S_IFIFO: "a named pipe", stat.S_IFSOCK: "a socket", stat.S_IFCHR: "a device", stat.S_IFBLK: "a device"}


PathKind = Literal["dir", "file", "skip"]


def _classify(path: Path, folder: Path | None) -> tuple[PathKind, str | None]:
    """('file' | 'dir' | 'skip', reason): what a path is, following links, and why it is skipped if it is.

    `folder` is the folder being walked (None for a path given by the user, whose links are followed).
    """
    try:
        st = os.stat(path)  # follows links
    except OSError as e:
        if e.errno == errno.ELOOP:
            return "skip", "symlink loop"
        if e.errno == errno.ENOENT:
            if path.is_symlink():
                return "skip", f"broken symlink (its target {os.readlink(path)} does not exist)"
            return "skip", "no such file or folder"
        return "skip", f"cannot read ({e.strerror or e})"
    if stat.S_ISDIR(st.st_mode):
        if folder is not None and path.is_symlink():
            target = path.resolve()
            if folder.resolve().is_relative_to(target):
                return "skip", f"symlink loop (leads back to {target})"
            return "skip", f"a link to the folder {target}, not followed (ingest that folder itself)"
        return "dir", None
    if stat.S_ISREG(st.st_mode):
        return "file", None
    return "skip", f"not a regular file ({_KINDS.get(stat.S_IFMT(st.st_mode), 'a special file')})"


def _walk(folder: Path, skip: tuple[Path, ...]) -> Iterator[tuple[Path, str | None]]:
    try:
        names = sorted(os.listdir(folder))
    except OSError as e:
        yield folder, f"cannot read the folder ({e.strerror or e})"
        return
    for name in names:
        path = folder / name
        if name.startswith("."):
            log.debug("not an article (hidden): %s", path)  # editors' temp files, .git, our own .part files
            continue
        kind, reason = _classify(path, folder)
        if kind == "dir":
            if any(path.resolve() == s for s in skip):
                log.debug("not walked: %s", path)
                continue
            yield from _walk(path, skip)
        elif kind == "file":
            if name != MANIFEST:
                yield path, None
        else:
            yield path, reason


def iter_files(paths: list[Path], skip: tuple[Path, ...] = ()) -> Iterator[tuple[Path, str | None]]:
    """Each file under the given paths, or a path that is skipped with its reason; folders in sorted order.

    Every skipped entry is named (symlink loops, broken links, unreadable folders, pipes and devices),
    except what is not an article by convention: names starting with '.', and the manifest itself.
    Links to files are read; links to folders are not followed (no loops, nothing outside the folder
    given). `skip`: folders not to walk into when met inside a given folder.
    """
    resolved = tuple(s.resolve() for s in skip)
    for p in paths:
        kind, reason = _classify(p, None)
        if kind == "dir":
            yield from _walk(p, resolved)
        else:
            yield p, reason


def load_manifest(folder: Path) -> dict[str, dict]:
    """File name -> manifest entry, from the folder's sources.toml when it has one."""
    manifest = folder / MANIFEST
    if not manifest.is_file():
        return {}
    entries = tomllib.loads(manifest.read_text(encoding="utf-8")).get("source", [])
    return {e["file"]: e for e in entries}


def apply_manifest(doc: SourceDoc, entry: dict, settings: Settings) -> SourceDoc:
    return SourceDoc(
        id=entry.get("id", doc.id),
        title=entry.get("title", doc.title),
        outlet=entry.get("outlet", doc.outlet),
        text=doc.text,
        origin=doc.origin,
        date=entry.get("date", doc.date),
        url=entry.get("url", doc.url),
        furniture_from=furniture_offset(doc.text, settings, entry.get("furniture_from")),
    )


def read_paths(
    paths: list[Path], settings: Settings, skip: tuple[Path, ...] = ()
) -> Iterator[tuple[Path, list[SourceDoc], list[Problem]]]:
    """Each file with the documents it yields and its problems; manifest metadata applied where present."""
    manifests: dict[Path, dict[str, dict]] = {}
    for f, skipped in iter_files(paths, skip):
        if skipped:
            yield f, [], [Problem(str(f), skipped)]
            continue
        docs, problems = read_file(f, settings)
        folder = f.parent
        if folder not in manifests:
            manifests[folder] = load_manifest(folder)
        entry = manifests[folder].get(f.name)
        if entry:
            docs = [apply_manifest(d, entry, settings) for d in docs]
        yield f, docs, problems


def origin_file(origin: str) -> Path:
    """The file an origin names: a .jsonl record's origin is 'PATH:LINE'."""
    m = re.fullmatch(r"(.+\.jsonl):\d+", origin, flags=re.IGNORECASE)
    return Path(m.group(1) if m else origin)
