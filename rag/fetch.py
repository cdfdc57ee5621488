"""Download one URL with hard limits (time, size, redirects, content type) into a typed Page, or a one-line FetchError."""

from __future__ import annotations

import functools
import ipaddress
import logging
import re
import socket
import ssl
import time
from dataclasses import dataclass
from enum import StrEnum
from urllib.parse import urlsplit

import httpx

from .settings import Settings

log = logging.getLogger(__name__)

HTML_TYPES = ("text/html", "application/xhtml+xml")
FEED_TYPES = ("application/rss+xml", "application/atom+xml", "application/rdf+xml", "application/xml", "text/xml")


class Failure(StrEnum):
    """Why a download gave nothing, for callers that act on it; the reason text is for people."""

    URL = "url"  # not an http(s) address
    HTTP = "http"  # an error status
    TIMEOUT = "timeout"
    TOO_LARGE = "too_large"
    WRONG_TYPE = "wrong_type"  # not HTML (or not a feed)
    REDIRECTS = "redirects"
    NETWORK = "network"  # no network, unknown host, connection refused
    PRIVATE = "private"  # a local address while allow_private is off
    ENCODING = "encoding"
    EMPTY = "empty"
    OTHER = "other"


class FetchError(Exception):
    """A URL that gave nothing usable; `reason` is one line (HTTP 404, timeout after 20 s, no network, ...)."""

    def __init__(self, url: str, kind: Failure, reason: str):
        reason = " ".join(reason.split())  # one line, whatever a library's message held
        super().__init__(f"{url}: {reason}")
        self.url = url
        self.kind = kind
        self.reason = reason


@dataclass(frozen=True)
class Page:
    """A downloaded body, as text; `final_url` is where the redirects ended."""

    url: str
    final_url: str
    media_type: str  # "text/html", "application/rss+xml", ... ("" when the server sent none)
    text: str
    last_modified: str = ""


def is_url(text: str) -> bool:
    """True for what `rag ingest` should download rather than read from disk."""
    return bool(re.match(r"(?i)https?://", text.strip()))


def check_url(url: str) -> str:
    """The URL, trimmed, or a FetchError when it is not an http(s) address with a host."""
    url = url.strip()
    try:
        parts = urlsplit(url)
    except ValueError as e:
        raise FetchError(url, Failure.URL, f"not a valid URL ({e})") from None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise FetchError(url, Failure.URL, "not an http(s) URL with a host name")
    if any(ch.isspace() or ord(ch) < 32 for ch in url):
        raise FetchError(url, Failure.URL, "not a valid URL (it contains spaces or control characters)")
    return url


def _connect_reason(url: str, error: Exception) -> str:
    """What a connection failure means to a user. httpx keeps the OS error only as text, hence the matching."""
    text = str(error)
    host = urlsplit(url).hostname or url
    if re.search(r"name resolution|name or service not known|nodename nor servname|getaddrinfo|no address", text, re.I):
        return f"no network, or the host {host} does not exist (its name could not be resolved)"
    if re.search(r"network is unreachable|no route to host", text, re.I):
        return f"no network (cannot reach {host})"
    if re.search(r"connection refused", text, re.I):
        return f"connection refused by {host}"
    return f"cannot connect to {host} ({text or type(error).__name__})"


def _charset(media_header: str, head: bytes) -> str | None:
    """The declared character set: the Content-Type header first, else a <meta charset> or <?xml encoding?>."""
    declared = re.search(r"charset=[\"']?([\w.:-]+)", media_header, re.I)
    if declared:
        return declared.group(1)
    m = re.search(rb"<meta[^>]+charset=[\"']?([\w.:-]+)|<\?xml[^>]+encoding=[\"']([\w.:-]+)", head[:4096], re.I)
    return (m.group(1) or m.group(2)).decode("ascii") if m else None


def _decode(url: str, body: bytes, media_header: str) -> str:
    try:
        return body.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError:
        pass
    charset = _charset(media_header, body)
    if not charset or charset.lower().replace("_", "-") in ("utf-8", "utf8"):
        raise FetchError(url, Failure.ENCODING, "not valid UTF-8 and no other character set declared")
    try:
        return body.decode(charset)
    except LookupError:
        raise FetchError(url, Failure.ENCODING, f"unknown character set '{charset}'") from None
    except UnicodeDecodeError as e:
        raise FetchError(url, Failure.ENCODING, f"not valid {charset} (byte {e.start})") from None


def _sniff(body: bytes) -> str:
    """A media type for a body the server sent without one: only unmistakable HTML or XML counts."""
    head = body[:1024].lstrip().lower()
    if head.startswith((b"<!doctype html", b"<html")):
        return "text/html"
    if head.startswith(b"<?xml") or b"<rss" in head or b"<feed" in head:
        return "application/xml"
    return ""


def _refuse_private(url: str):
    """An httpx request hook: each request (the first and every redirect) must go to a public address."""

    def check(request: httpx.Request) -> None:
        host = request.url.host
        try:
            infos = socket.getaddrinfo(host, request.url.port or 80, proto=socket.IPPROTO_TCP)
        except OSError:
            return  # httpx's own connect reports what is wrong with the name
        for info in infos:
            addr = ipaddress.ip_address(info[4][0])
            if not addr.is_global:
                named = host if host == str(addr) else f"{host} ({addr})"
                raise FetchError(url, Failure.PRIVATE, f"refused: {named} is a private or local address; "
                                      f"RAG_FETCH__ALLOW_PRIVATE=true permits it")

    return check


@functools.cache
def _tls() -> ssl.SSLContext:
    """One TLS context per process: building it (loading the CA bundle) costs more than a loopback download."""
    return httpx.create_ssl_context()


def fetch(url: str, settings: Settings, accept: tuple[str, ...] = HTML_TYPES, what: str = "HTML") -> Page:
    """GET one URL within the limits of `settings.fetch`; anything else is a FetchError naming the URL and why.

    The limits hold whatever the server does: redirects are capped (a loop ends there), the body is
    counted as it streams (a missing or false Content-Length changes nothing, a compressed body is
    counted decompressed), and the whole download has one deadline besides httpx's per-wait timeouts.
    """
    cfg = settings.fetch
    url = check_url(url)
    deadline = time.monotonic() + cfg.timeout_s
    too_slow = f"timeout after {cfg.timeout_s:g} s"
    try:
        with httpx.Client(
            verify=_tls(),
            follow_redirects=True,
            max_redirects=cfg.max_redirects,
            timeout=httpx.Timeout(cfg.timeout_s),
            headers={"User-Agent": cfg.user_agent, "Accept": ", ".join(accept) + ", */*;q=0.1"},
            event_hooks={"request": [] if cfg.allow_private else [_refuse_private(url)]},
        ) as client, client.stream("GET", url) as resp:
            if resp.status_code >= 400:
                raise FetchError(url, Failure.HTTP, f"HTTP {resp.status_code} {resp.reason_phrase}".strip())
            if resp.status_code >= 300:
                raise FetchError(url, Failure.HTTP, f"HTTP {resp.status_code} redirect without a usable Location")
            header = resp.headers.get("content-type", "")
            media = header.split(";")[0].strip().lower()
            if media and media not in accept:
                raise FetchError(url, Failure.WRONG_TYPE, f"not {what} (the server says {media})")
            declared = resp.headers.get("content-length", "")
            if declared.isdigit() and int(declared) > cfg.max_bytes:
                raise FetchError(url, Failure.TOO_LARGE, f"body over {cfg.max_bytes:,} bytes (it declares {int(declared):,})")
            body = bytearray()
            for part in resp.iter_bytes():
                body += part
                if len(body) > cfg.max_bytes:
                    raise FetchError(url, Failure.TOO_LARGE, f"body over {cfg.max_bytes:,} bytes")
                if time.monotonic() > deadline:
                    raise FetchError(url, Failure.TIMEOUT, too_slow)
            final_url = str(resp.url)
            last_modified = resp.headers.get("last-modified", "")
    except httpx.TooManyRedirects:
        raise FetchError(url, Failure.REDIRECTS, f"too many redirects (more than {cfg.max_redirects})") from None
    except httpx.TimeoutException:
        raise FetchError(url, Failure.TIMEOUT, too_slow) from None
    except httpx.ConnectError as e:
        raise FetchError(url, Failure.NETWORK, _connect_reason(url, e)) from None
    except httpx.UnsupportedProtocol as e:
        raise FetchError(url, Failure.URL, f"redirected to an address that is not http(s) ({e})") from None
    except httpx.HTTPError as e:
        raise FetchError(url, Failure.OTHER, f"download failed ({type(e).__name__}: {e})") from None
    if not body.strip():
        raise FetchError(url, Failure.EMPTY, "empty body")
    if not media:
        media = _sniff(bytes(body))
        if media not in accept:
            raise FetchError(url, Failure.WRONG_TYPE, f"not {what} (no Content-Type, and the body does not look like it)")
    log.info("fetched %s (%d bytes, %s)", final_url, len(body), media)
    return Page(url, final_url, media, _decode(url, bytes(body), header), last_modified)
