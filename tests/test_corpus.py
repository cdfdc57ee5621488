from __future__ import annotations

import json
import os
import shutil
import tempfile
import unicodedata
from contextlib import contextmanager
from pathlib import Path

import pytest

from rag.corpus import load_manifest, read_file, read_paths, slugify
from rag.settings import PROJECT_ROOT, Settings

from .pdfs import blank_pdf, text_pdf

SEEDS = PROJECT_ROOT.parent / "shared" / "seeds"
CORPUS = PROJECT_ROOT / "corpus"


def test_manifest_covers_every_shipped_article():
    manifest = load_manifest(CORPUS)
    files = {p.name for p in CORPUS.glob("*.txt")}
    assert set(manifest) == files and len(files) == 5
    ids = [e["id"] for e in manifest.values()]
    assert len(set(ids)) == 5
    outlets = {e["outlet"] for e in manifest.values()}
    assert {"GIGAZINE", "Sherwood News", "Gnoppix"} <= outlets
    for name, entry in manifest.items():
        text = (CORPUS / name).read_text(encoding="utf-8")
        assert entry["furniture_from"] in text  # the marker really is where the body ends


@pytest.mark.skipif(not SEEDS.is_dir(), reason="the team's shared/seeds is not beside this checkout")
def test_shipped_articles_are_byte_identical_to_the_seeds():
    seeds = sorted(p.read_bytes() for p in SEEDS.glob("*.txt"))
    shipped = sorted(p.read_bytes() for p in CORPUS.glob("*.txt"))
    assert seeds == shipped


def test_reads_each_supported_type(tmp_path: Path):
    s = Settings()
    (tmp_path / "a.txt").write_text("Plain title\n\nBody about H800 GPUs.", encoding="utf-8")
    (tmp_path / "b.md").write_text("# Markdown title\n\nBody.", encoding="utf-8")
    (tmp_path / "c.html").write_text(
        "<html><head><title>Html title</title></head><body><nav>Menu Home About</nav><article><h1>Html title</h1>"
        + "<p>The main story says DeepSeek trained on 2,048 H800 GPUs, according to its paper.</p>" * 3
        + "</article><footer>Copyright footer</footer><script>alert(1)</script></body></html>",
        encoding="utf-8",
    )
    (tmp_path / "d.pdf").write_bytes(text_pdf("PDF body about 50,000 GPUs"))
    (tmp_path / "e.jsonl").write_text(
        json.dumps({"id": "r1", "title": "Rec", "source": "Wire", "url": "http://x", "date": "2025-01-01", "text": "T"})
        + "\n",
        encoding="utf-8",
    )
    docs = {p.suffix: read_file(p, s) for p in tmp_path.iterdir()}
    assert docs[".txt"][0][0].title == "Plain title"
    assert docs[".md"][0][0].title == "Markdown title"
    html = docs[".html"][0][0]
    assert "2,048 H800 GPUs" in html.text and "alert(1)" not in html.text and "Menu Home" not in html.text
    assert "50,000 GPUs" in docs[".pdf"][0][0].text
    rec = docs[".jsonl"][0][0]
    assert (rec.id, rec.outlet, rec.date, rec.url) == ("r1", "Wire", "2025-01-01", "http://x")
    assert all(not problems for _, problems in docs.values())


@pytest.mark.parametrize(
    "name,content,reason",
    [
        ("empty.txt", b"", "empty"),
        ("blank.md", b"  \n\n ", "empty"),
        ("binary.txt", bytes(range(256)) * 10, "binary"),
        ("latin1.txt", "caf\xe9 na\xefve".encode("latin-1"), "UTF-8"),
        ("sheet.xlsx", b"PK\x03\x04", "unsupported"),
        ("scan.pdf", None, "no extractable text"),
        ("broken.pdf", b"%PDF-1.4 garbage", "PDF"),
    ],
)
def test_bad_files_get_one_line_reasons(tmp_path: Path, name: str, content: bytes | None, reason: str):
    path = tmp_path / name
    path.write_bytes(blank_pdf() if content is None else content)
    docs, problems = read_file(path, Settings())
    assert docs == [] and len(problems) == 1
    message = str(problems[0])
    assert str(path) in message and reason.lower() in message.lower() and "\n" not in message


def test_too_large_file_is_refused_before_reading(tmp_path: Path):
    path = tmp_path / "big.txt"
    path.write_bytes(b"x" * 2048)
    docs, problems = read_file(path, Settings().tuned(ingest={"max_file_bytes": 1024}))
    assert not docs and "too large" in str(problems[0])


def test_a_200_mb_file_is_refused_by_size_without_being_read(tmp_path: Path):
    path = tmp_path / "huge.txt"
    with open(path, "wb") as fh:
        fh.truncate(200 * 1024 * 1024)  # sparse: costs no disk
    docs, problems = read_file(path, Settings())
    assert not docs and "too large (200.0 MiB, limit 20 MiB)" in str(problems[0])


def test_jsonl_reports_bad_lines_by_number_and_keeps_good_ones(tmp_path: Path):
    path = tmp_path / "feed.jsonl"
    path.write_text('{"id": "ok1", "text": "first"}\n{not json\n[1, 2]\n{"id": "ok2", "text": "second"}\n{"id": "x"}\n')
    docs, problems = read_file(path, Settings())
    assert [d.id for d in docs] == ["ok1", "ok2"]
    assert [p.where for p in problems] == [f"{path}:2", f"{path}:3", f"{path}:5"]


@pytest.mark.parametrize(
    "name,slug",
    [
        ("Zürich Bericht (1)", "zürich-bericht-1"),
        ("Zu\u0308rich", "zürich"),  # decomposed input comes out composed (NFC)
        ("東京 ニュース", "東京-ニュース"),
        ("Привет, Мир!", "привет-мир"),
        ("हिन्दी समाचार", "हिन्दी-समाचार"),  # vowel signs are marks: kept, the word is not split
        ("مرحبا بالعالم", "مرحبا-بالعالم"),
        ("می\u200cخواهم", "میخواهم"),  # an invisible joiner does not split the word
        ("../../etc/passwd", "etc-passwd"),
        ("evil name$", "evil-name"),
        ("a_b.c", "a-b-c"),
        ("😀 ....", "doc"),
    ],
)
def test_slugify_keeps_letters_of_every_script(name: str, slug: str):
    assert slugify(name) == slug


def test_slugify_is_always_one_safe_file_name_component():
    for name in ["../x", "x/../../y", "/abs/path", "\x00nul", "a\\b", "con:", "." * 300, "𠀀" * 300, "é" * 300]:
        s = slugify(name)
        assert s and "/" not in s and "\\" not in s and "\x00" not in s and s not in (".", "..")
        assert len(s.encode("utf-8")) <= 180 and s == unicodedata.normalize("NFC", s)


def _skips(paths: list[Path]) -> tuple[list[str], dict[str, str]]:
    """(ids read, {file name: reason}) of a real read of these paths."""
    results = list(read_paths(paths, Settings()))
    ids = [d.id for _, docs, _ in results for d in docs]
    return ids, {Path(p.where).name: p.reason for _, _, problems in results for p in problems}


def test_every_skipped_entry_of_a_folder_is_named_with_its_reason(tmp_path: Path):
    outside = tmp_path / "outside.txt"
    outside.write_text("Outside\n\nLinked in from elsewhere.", encoding="utf-8")
    folder = tmp_path / "batch"
    (folder / "sub").mkdir(parents=True)
    (folder / "good.txt").write_text("Good\n\nA fine article about 321 lighthouses.", encoding="utf-8")
    (folder / "linked.txt").symlink_to(outside)  # a link to a file is read, as before
    (folder / "loop-a.txt").symlink_to(folder / "loop-b.txt")
    (folder / "loop-b.txt").symlink_to(folder / "loop-a.txt")
    (folder / "sub" / "up").symlink_to(folder)  # a folder link back to where it is
    (folder / "gone.txt").symlink_to(tmp_path / "nowhere.txt")
    os.mkfifo(folder / "pipe.txt")  # reading it would block forever
    ids, reasons = _skips([folder])
    assert ids == ["good", "linked"]
    assert reasons["loop-a.txt"] == reasons["loop-b.txt"] == "symlink loop"
    assert reasons["up"].startswith("symlink loop (leads back to")
    assert reasons["gone.txt"].startswith("broken symlink")
    assert reasons["pipe.txt"] == "not a regular file (a named pipe)"
    assert set(reasons) == {"loop-a.txt", "loop-b.txt", "up", "gone.txt", "pipe.txt"}
    assert _skips([folder / "loop-a.txt"])[1] == {"loop-a.txt": "symlink loop"}  # named on the command line too


@contextmanager
def _unprivileged():
    """Permissions apply: root reads everything, so a root test run drops to 'nobody' for the block."""
    if os.geteuid() != 0:
        yield
        return
    os.setegid(65534)
    os.seteuid(65534)
    try:
        yield
    finally:
        os.seteuid(0)
        os.setegid(0)


def test_an_unreadable_folder_inside_an_ingested_folder_is_named():
    base = Path(tempfile.mkdtemp(prefix="rag-perm-"))  # traversable by 'nobody', unlike pytest's tmp_path
    try:
        base.chmod(0o755)
        (base / "ok.txt").write_text("Readable\n\nIt reads fine.", encoding="utf-8")
        (base / "ok.txt").chmod(0o644)
        locked = base / "locked"
        locked.mkdir()
        (locked / "inner.txt").write_text("Inner\n\nNever seen.", encoding="utf-8")
        locked.chmod(0)
        with _unprivileged():
            ids, reasons = _skips([base])
        assert ids == ["ok"]
        assert reasons == {"locked": "cannot read the folder (Permission denied)"}
    finally:
        (base / "locked").chmod(0o755)
        shutil.rmtree(base)


def test_jsonl_text_that_is_not_a_string_is_named_as_such(tmp_path: Path):
    path = tmp_path / "feed.jsonl"
    path.write_text('{"id": "n", "text": 42}\n{"id": "l", "text": ["a"]}\n{"id": "m"}\n{"id": "z", "text": null}\n')
    docs, problems = read_file(path, Settings())
    assert not docs
    assert [p.reason for p in problems] == [
        '"text" is not a string (it is a number)', '"text" is not a string (it is a list)',
        'missing "text"', 'missing "text"',
    ]
