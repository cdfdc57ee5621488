"""An OpenAI-compatible chat API over the assistant: `GET /v1/models`, `POST /v1/chat/completions` (blocking or
server-sent events ending in `[DONE]`). Open WebUI, LibreChat and any OpenAI SDK script can ask it.

The reply's text is the verified answer with its [n] markers (and, for chat clients, the quotes under it); the same
object carries `rag ask --json`'s answer in the extra field `rag`, which OpenAI clients ignore and scripts read.
Errors are OpenAI's shape, `{"error": {"message", "type", "param", "code"}}`, never a stack trace.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from typing import Literal

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, StreamingResponse
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from starlette.concurrency import run_in_threadpool

from ..answer import QuestionError, clean_question
from ..registry import IndexUnusable
from ..types import Answer
from .exports import chat_reply
from .service import Service


class ApiError(Exception):
    """An OpenAI-shaped error response: HTTP status, message, type and code."""

    def __init__(self, status: int, message: str, kind: str = "invalid_request_error", code: str | None = None,
                 param: str | None = None):
        super().__init__(message)
        self.status, self.message, self.kind, self.code, self.param = status, message, kind, code, param

    def response(self) -> JSONResponse:
        return JSONResponse({"error": {"message": self.message, "type": self.kind, "param": self.param,
                                       "code": self.code}}, status_code=self.status)


class TextPart(BaseModel):
    model_config = ConfigDict(extra="allow")

    type: str
    text: str = ""


class ChatMessage(BaseModel):
    model_config = ConfigDict(extra="allow")  # name, tool_calls...: accepted, not used

    role: Literal["system", "developer", "user", "assistant", "tool"]
    content: str | list[TextPart] | None = None

    @property
    def text(self) -> str:
        if isinstance(self.content, list):
            return " ".join(p.text for p in self.content if p.type == "text")
        return self.content or ""


class ChatRequest(BaseModel):
    """What is read of a request; sampling options (temperature, top_p...) are accepted and ignored: the answer is
    greedy and verified, and nothing a client sends can loosen that."""

    model_config = ConfigDict(extra="allow")

    model: str
    messages: list[ChatMessage] = Field(min_length=1)
    stream: bool = False


def _question_and_history(req: ChatRequest) -> tuple[str, list[str]]:
    """The last message is the question; earlier user turns are the chat history (system prompts instruct nothing)."""
    last = req.messages[-1]
    if last.role != "user":
        raise ApiError(400, "the last message must be the user's question", param="messages")
    return last.text, [m.text for m in req.messages[:-1] if m.role == "user" and m.text.strip()]


def _completion_id() -> str:
    return f"chatcmpl-{uuid.uuid4().hex}"


def _sse(obj: dict | str) -> bytes:
    return f"data: {obj if isinstance(obj, str) else json.dumps(obj, ensure_ascii=False)}\n\n".encode()


def _pieces(text: str, size: int) -> Iterator[str]:
    """The verified text in pieces of about `size` characters, cut after a space so words stay whole."""
    while text:
        cut = text.rfind(" ", 0, size) + 1 if len(text) > size else len(text)
        cut = cut if cut > 0 else min(size, len(text))
        yield text[:cut]
        text = text[cut:]


def build_api(service: Service) -> FastAPI:
    """The /v1 application; mount it at `/v1` (`rag.interfaces.server` does, behind the key guard)."""
    settings = service.settings
    model_id = settings.api.model_id
    api = FastAPI(title="news-rag OpenAI-compatible API", docs_url=None, redoc_url=None, openapi_url=None)

    @api.exception_handler(ApiError)
    async def _api_error(_request: Request, e: ApiError) -> JSONResponse:
        return e.response()

    @api.exception_handler(404)
    async def _not_found(request: Request, _e) -> JSONResponse:
        return ApiError(404, f"no route {request.url.path}", code="not_found").response()

    @api.exception_handler(405)
    async def _not_allowed(request: Request, _e) -> JSONResponse:
        return ApiError(405, f"{request.method} is not allowed on {request.url.path}").response()

    def model_card() -> dict:
        return {"id": model_id, "object": "model", "created": 0, "owned_by": "news-rag"}

    @api.get("/models")
    def models() -> dict:
        return {"object": "list", "data": [model_card()]}

    @api.get("/models/{name}")
    def model(name: str) -> dict:
        if name != model_id:
            raise ApiError(404, f"the model '{name}' does not exist (this server has '{model_id}')",
                           code="model_not_found", param="model")
        return model_card()

    async def read_request(request: Request) -> ChatRequest:
        body = await request.body()
        if len(body) > settings.api.max_body_bytes:
            raise ApiError(413, f"the request body is {len(body):,} bytes (limit {settings.api.max_body_bytes:,})")
        try:
            req = ChatRequest.model_validate_json(body)
        except ValidationError as e:
            first = e.errors()[0]
            where = ".".join(str(p) for p in first["loc"]) or "body"
            raise ApiError(400, f"invalid request: {where}: {first['msg']}",
                           param=where if first["loc"] else None) from None
        if req.model != model_id:
            raise ApiError(404, f"the model '{req.model}' does not exist (this server has '{model_id}')",
                           code="model_not_found", param="model")
        if len(req.messages) > settings.api.max_messages:
            raise ApiError(413, f"{len(req.messages)} messages (limit {settings.api.max_messages})", param="messages")
        return req

    def reply(answer: Answer) -> tuple[str, dict]:
        payload = service.answer_json(answer)
        return chat_reply(answer, service.docs(), settings.api.sources_in_text), payload

    def blocking(question: str, history: list[str]) -> dict:
        try:
            text, payload = reply(service.answer(question, history))
        except QuestionError as e:
            raise ApiError(400, str(e), param="messages") from None
        except IndexUnusable as e:
            raise ApiError(503, str(e), kind="server_error", code="index_unusable") from None
        return {"id": _completion_id(), "object": "chat.completion", "created": int(time.time()), "model": model_id,
                "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "logprobs": None,
                             "finish_reason": "stop"}],
                "usage": {"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0}, "rag": payload}

    def streamed(question: str, history: list[str]) -> Iterator[bytes]:
        """The role at once, the verified text in pieces once it stands (never the unverified draft), then a last
        chunk with `finish_reason` and the `rag` payload, then `[DONE]`."""
        head = {"id": _completion_id(), "object": "chat.completion.chunk", "created": int(time.time()),
                "model": model_id}

        def chunk(delta: dict, finish: str | None = None, **extra) -> bytes:
            return _sse(head | {"choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}]}
                        | extra)

        yield chunk({"role": "assistant", "content": ""})
        try:
            text, payload = reply(service.answer(question, history))
        except (QuestionError, IndexUnusable) as e:  # the question was checked before; the index may fail midway
            yield _sse({"error": {"message": str(e), "type": "server_error", "param": None, "code": None}})
            return
        for piece in _pieces(text, settings.api.stream_piece_chars):
            yield chunk({"content": piece})
        yield chunk({}, "stop", rag=payload)
        yield _sse("[DONE]")

    @api.post("/chat/completions")
    async def chat_completions(request: Request):
        req = await read_request(request)
        question, history = _question_and_history(req)
        try:
            clean_question(question, settings)
        except QuestionError as e:
            raise ApiError(400, str(e), param="messages") from None
        if req.stream:
            return StreamingResponse(streamed(question, history), media_type="text/event-stream",
                                     headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})
        return await run_in_threadpool(blocking, question, history)

    return api
