"""A real HTTP server on 127.0.0.1 for the link and feed tests: news pages, feeds and every way a site can fail."""

from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>{title} | {outlet}</title>
<meta property="og:site_name" content="{outlet}">
<meta property="og:title" content="{title}">
<meta name="author" content="{author}">
<meta property="article:published_time" content="{date}T08:30:00Z">
</head><body>
<header><nav><a href="/">Home</a> <a href="/news">News</a> <a href="/sport">Sport</a> <a href="/weather">Weather</a></nav></header>
<main><article>
<h1>{title}</h1>
<p class="byline">By {author}, {date}</p>
{paragraphs}
</article></main>
<aside><h2>Most read</h2><ul><li><a href="/x">Council approves new cycle lanes</a></li></ul></aside>
<footer>Copyright {outlet}. All rights reserved.</footer>
</body></html>"""


def page(title: str, outlet: str, author: str, date: str, *paragraphs: str) -> str:
    body = "\n".join(f"<p>{p}</p>" for p in paragraphs)
    return PAGE.format(title=title, outlet=outlet, author=author, date=date, paragraphs=body)


STRIKE_ENDS = page(
    "Valmora dock strike ends after twelve days", "The Harbour Times", "Ana Ruiz", "2025-03-04",
    "Dock workers at the port of Valmora returned to work on Tuesday, ending a strike that had halted "
    "container traffic for twelve days.",
    "The dockers' union said 3,400 workers had taken part in the walkout, the largest at the port since 1998.",
    "Under the agreement, wages rise by 6 percent this year and a further 4 percent next year, union "
    "secretary Tomas Ferreira told reporters outside the harbour office.",
    "The port authority said it expected the backlog of 41 ships waiting offshore to clear within a week.",
)
STRIKE_COUNT = page(
    "Port authority disputes Valmora strike turnout", "Valmora Gazette", "Lena Brandt", "2025-03-06",
    "The port authority of Valmora said on Thursday that 2,900 workers joined the recent dock strike, "
    "fewer than the union's figure.",
    "A spokesperson for the authority said its count was based on shift registers kept at the terminal "
    "gates during the twelve-day stoppage.",
    "The union rejected the figure and said many casual workers were not on the registers.",
)
FERRY = page(
    "New ferry link to Orsa island opens", "Island Weekly", "Mira Olsen", "2025-02-20",
    "A new ferry service between Valmora and Orsa island carried 1,150 passengers in its first week, the "
    "operator Nordsund Lines said on Monday.",
    "The crossing takes 47 minutes and runs six times a day in winter, the operator said.",
)
LATIN1 = page(
    "Café owners in Málaga protest rent rises", "Costa Diario", "Inés Gómez", "2025-01-15",
    "More than 230 café owners in Málaga marched to the town hall on Wednesday to protest against rent "
    "rises of up to 30 percent, the owners' association said.",
    "The association's president, José Núñez, said many cafés in the old town could close by summer.",
)
# No title, outlet, author or date in the page: the feed item's must fill them.
BARE = ("<html><body><article><h1>Orsa bridge inspection finds worn cables</h1><p>Engineers inspecting the Orsa "
        "bridge found 14 worn suspension cables, the island council said, and lorries over 12 tonnes are barred "
        "until they are replaced.</p><p>The council expects the work to take about eight weeks.</p></article>"
        "</body></html>")
NO_TEXT = "<!DOCTYPE html><html><head><title>Menu</title></head><body><nav><a href='/'>Home</a></nav></body></html>"


def rss(base: str, items: list[tuple[str, str, str]]) -> str:
    entries = "".join(
        f"<item><title>{t}</title><link>{base}{path}</link><guid>{base}{path}</guid><pubDate>{d}</pubDate></item>"
        for t, path, d in items
    )
    return (f'<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>Valmora News Wire</title>'
            f"<link>{base}/</link><description>Port and city news</description>{entries}</channel></rss>")


def atom(base: str) -> str:
    return (f'<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
            f"<title>Island Weekly</title><id>{base}/atom.xml</id><updated>2025-02-20T09:00:00Z</updated>"
            f"<entry><title>New ferry link to Orsa island opens</title><id>urn:island:ferry-1</id>"
            f'<link href="{base}/island/ferry-link.html"/><updated>2025-02-20T09:00:00Z</updated>'
            f"<author><name>Mira Olsen</name></author></entry>"
            f"<entry><title>Orsa bridge inspection finds worn cables</title><id>urn:island:bridge-1</id>"  # a relative link
            '<link href="/island/bridge.html"/><updated>2025-02-27T07:00:00Z</updated>'
            f"<author><name>Per Lund</name></author></entry></feed>")


class NewsSite:
    """Pages by path; `slow_s` is how long /slow waits before it answers; `hits` counts requests per path."""

    def __init__(self, slow_s: float = 5.0, huge_bytes: int = 4 * 1024 * 1024):
        self.slow_s = slow_s
        self.huge_bytes = huge_bytes
        self.hits: dict[str, int] = {}
        self.pages: dict[str, tuple[int, str, bytes]] = {}
        site = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args) -> None:  # keep test output clean
                pass

            def do_GET(self) -> None:
                site.hits[self.path] = site.hits.get(self.path, 0) + 1
                site.answer(self)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        html = "text/html; charset=utf-8"
        self.set("/news/valmora-strike-ends.html", STRIKE_ENDS, html)
        self.set("/news/valmora-strike-turnout.html", STRIKE_COUNT, html)
        self.set("/island/ferry-link.html", FERRY, html)
        self.set("/island/bridge.html", BARE, html)
        self.set("/mirror/strike.html", STRIKE_ENDS, html)  # the same article at a second address
        self.pages["/es/cafes.html"] = (200, "text/html; charset=iso-8859-1", LATIN1.replace('charset="utf-8"', "")
                                        .replace('<meta charset="utf-8">', "").encode("iso-8859-1"))
        self.set("/menu.html", NO_TEXT, html)
        self.set("/data.json", '{"workers": 3400}', "application/json")
        self.set("/feed.xml", rss(self.base, [
            ("Valmora dock strike ends after twelve days", "/news/valmora-strike-ends.html", "Tue, 04 Mar 2025 08:30:00 GMT"),
            ("Port authority disputes Valmora strike turnout", "/news/valmora-strike-turnout.html",
             "Thu, 06 Mar 2025 08:30:00 GMT"),
            ("A story that was taken down", "/news/taken-down.html", "Fri, 07 Mar 2025 08:30:00 GMT"),
        ]), "application/rss+xml")
        self.set("/atom.xml", atom(self.base), "application/atom+xml")
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def set(self, path: str, body: str, content_type: str = "text/html; charset=utf-8", status: int = 200) -> None:
        self.pages[path] = (status, content_type, body.encode("utf-8"))

    def url(self, path: str) -> str:
        return self.base + path

    def answer(self, h: BaseHTTPRequestHandler) -> None:
        path = h.path
        if path == "/loop":
            return self._send(h, 302, "text/html", b"", [("Location", "/loop")])
        if path.startswith("/hop/"):  # /hop/3 -> /hop/2 -> /hop/1 -> /hop/0 -> the strike article
            n = int(path.rsplit("/", 1)[1])
            target = f"/hop/{n - 1}" if n > 0 else "/news/valmora-strike-ends.html"
            return self._send(h, 301, "text/html", b"", [("Location", target)])
        if path == "/slow":
            time.sleep(self.slow_s)
            return self._send(h, 200, "text/html", STRIKE_ENDS.encode())
        if path == "/drip":  # each byte well within a per-read timeout, the whole page far beyond any deadline
            h.send_response(200)
            h.send_header("Content-Type", "text/html; charset=utf-8")
            h.send_header("Connection", "close")
            h.end_headers()
            try:
                for byte in STRIKE_ENDS.encode()[:40]:
                    h.wfile.write(bytes([byte]))
                    h.wfile.flush()
                    time.sleep(0.25)
            except (BrokenPipeError, ConnectionResetError):
                pass
            h.close_connection = True
            return None
        if path == "/huge":  # no Content-Length: the size is only known by counting
            h.send_response(200)
            h.send_header("Content-Type", "text/html; charset=utf-8")
            h.send_header("Connection", "close")
            h.end_headers()
            block = b"<p>" + b"filler text " * 680 + b"</p>\n"
            sent = 0
            try:
                h.wfile.write(b"<!DOCTYPE html><html><body>")
                while sent < self.huge_bytes:
                    h.wfile.write(block)
                    sent += len(block)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client stopped reading at its limit, as it should
            h.close_connection = True
            return None
        if path == "/huge-declared":
            return self._send(h, 200, "text/html", b"<html>", [("Content-Length", str(10**9))], close=True)
        if path == "/no-type":
            return self._send(h, 200, "", FERRY.encode())
        if path == "/no-type-binary":
            return self._send(h, 200, "", bytes(range(256)) * 8)
        if path in self.pages:
            status, ctype, body = self.pages[path]
            return self._send(h, status, ctype, body)
        return self._send(h, 404, "text/html", b"<html><body><h1>Not found</h1></body></html>")

    @staticmethod
    def _send(h, status: int, ctype: str, body: bytes, headers: list[tuple[str, str]] = (), close: bool = False) -> None:
        h.send_response(status)
        if ctype:
            h.send_header("Content-Type", ctype)
        names = {k.lower() for k, _ in headers}
        if "content-length" not in names:
            h.send_header("Content-Length", str(len(body)))
        for k, v in headers:
            h.send_header(k, v)
        if close:
            h.send_header("Connection", "close")
        h.end_headers()
        try:
            h.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass
        if close:
            h.close_connection = True

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
