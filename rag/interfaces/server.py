"""One ASGI server for every interface: the OpenAI-compatible API at /v1, MCP (Streamable HTTP) at /mcp, and the
Gradio UI at / when `ui.py` serves it (`rag serve` serves the APIs alone). Run by uvicorn."""

from __future__ import annotations

import contextlib
import hmac
import ipaddress
import json
from collections.abc import AsyncIterator, Callable
from typing import Any

from fastapi import FastAPI
from starlette.types import ASGIApp, Receive, Scope, Send

from ..settings import Settings
from .mcp_server import build_mcp
from .openai_api import build_api
from .service import Service

GUARDED = ("/v1", "/mcp")


def _loopback(host: str | None) -> bool:
    try:
        return host is not None and ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class KeyGuard:
    """The program APIs answer a request bearing `RAG_API__KEY` or, where no key is set, a loopback client only: they
    can run the model and add articles. A refusal is OpenAI's error shape, before the request reaches anything."""

    def __init__(self, app: ASGIApp, settings: Settings):
        self.app = app
        self.key = settings.api.key

    def refusal(self, scope: Scope) -> tuple[int, str, str] | None:
        if self.key:
            headers = dict(scope.get("headers") or [])
            given = headers.get(b"authorization", b"").decode("latin-1")
            token = given[7:] if given.lower().startswith("bearer ") else ""
            if not hmac.compare_digest(token.encode(), self.key.encode()):
                return 401, "invalid_api_key", "a missing or wrong API key (send 'Authorization: Bearer <RAG_API__KEY>')"
            return None
        client = scope.get("client")
        if not _loopback(client[0] if client else None):
            return 403, "forbidden", "this server answers other machines only with a key: set RAG_API__KEY"
        return None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        refused = self.refusal(scope) if scope["type"] == "http" and scope["path"].startswith(GUARDED) else None
        if refused is None:
            await self.app(scope, receive, send)
            return
        status, code, message = refused
        body = json.dumps({"error": {"message": message, "type": "invalid_request_error", "param": None,
                                     "code": code}}).encode()
        await send({"type": "http.response.start", "status": status,
                    "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
                    + ([(b"www-authenticate", b"Bearer")] if status == 401 else [])})
        await send({"type": "http.response.body", "body": body})


def build_app(service: Service, mount_ui: Callable[[FastAPI], Any] | None = None) -> FastAPI:
    """The APIs for `service`, and the UI where `mount_ui` mounts it (Gradio's catch-all path goes last)."""
    mcp = build_mcp(service)
    mcp_app = mcp.streamable_http_app(streamable_http_path="/mcp", host=service.settings.ui.host)

    @contextlib.asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        async with mcp.session_manager.run():  # a mounted app's own lifespan does not run
            yield

    app = FastAPI(title="news-rag", lifespan=lifespan, docs_url=None, redoc_url=None, openapi_url=None)
    app.mount("/v1", build_api(service))
    app.router.routes.extend(mcp_app.routes)
    app.add_middleware(KeyGuard, settings=service.settings)
    if mount_ui is not None:
        app = mount_ui(app)
    return app


def serve(app: FastAPI, settings: Settings) -> None:
    import uvicorn

    uvicorn.run(app, host=settings.ui.host, port=settings.ui.port, log_level="warning",
                timeout_graceful_shutdown=settings.ui.shutdown_grace_s)
