"""ASGI middleware for testing: records every request in the log and applies scripted faults.

It wraps the app at the ASGI level (no BaseHTTPMiddleware) so the cost on the hot path is
one body read, one query/form split (which the endpoints reuse) and one raw log entry: the
log redacts and fingerprints it only when read, and faults are looked up by endpoint.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

from frameio_oauth_mock.mockserver.faults import (
    ChangedMembers,
    DropConnection,
    Fault,
    HttpError,
    MalformedBody,
)
from frameio_oauth_mock.mockserver.oauth.context import Context
from frameio_oauth_mock.mockserver.oauth.v4api import error_body as v4_error_body
from frameio_oauth_mock.mockserver.requestlog import RawRequest, raw_header
from frameio_oauth_mock.mockserver.web import refusals
from frameio_oauth_mock.mockserver.web.forms import (
    PARSED_FORM_KEY,
    PARSED_QUERY_KEY,
    parse_pairs,
)
from frameio_oauth_mock.mockserver.web.harness_state import HarnessState
from frameio_oauth_mock.mockserver.web.responses import json_body
from frameio_oauth_mock.mockserver.web.routing import Endpoint, ExactPathRouter

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

_NO_BODY_STATUSES = frozenset([204, 205, 304])
UNLOGGED_PREFIXES = ("/_mock/", "/health", "/inspect/")
GATEWAY_PAGE = (
    b"<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
    b"<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n"
    b"</body>\r\n</html>\r\n"
)


class _QuietDroppedConnections(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        return not getattr(exc, "scripted_drop", False)


logging.getLogger("uvicorn.error").addFilter(_QuietDroppedConnections())


class HarnessMiddleware:
    def __init__(self, app: ASGIApp, ctx: Context, harness: HarnessState) -> None:
        self.app = app
        self.ctx = ctx
        self.harness = harness
        # Path -> (endpoint name, the context of the profile serving it).
        self.endpoints = {
            path: (name, ctx.for_profile(profile_name))
            for profile_name, profile in ctx.state.profiles.items()
            for path, name in profile.paths.endpoint_names().items()
        }
        # Frame.io V4 API paths (with ids in them): all the `api` endpoint, answering faults
        # in V4's error shape.
        self.v4_prefixes = {
            profile.paths.v4 + "/": ctx.for_profile(profile_name)
            for profile_name, profile in ctx.state.profiles.items()
            if profile.paths.v4
        }

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        await self.harness.load_clock(self.ctx.clock)
        await self.ctx.sync_from_store()
        # The control API and the inspector watch the log; they are not part of it.
        if path == "/" or path.startswith(UNLOGGED_PREFIXES):
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        body = await _read_body(receive)
        raw_headers: list[tuple[bytes, bytes]] = list(scope["headers"])
        query = parse_pairs(scope.get("query_string", b"").decode("latin-1"))
        scope[PARSED_QUERY_KEY] = query
        form: list[tuple[str, str]] = []
        content_type = raw_header(raw_headers, b"content-type") or ""
        if content_type.startswith("application/x-www-form-urlencoded"):
            form = parse_pairs(body.decode("utf-8", "replace"))
            scope[PARSED_FORM_KEY] = form  # the endpoints read this instead of parsing again
        v4_ctx = next(
            (found for prefix, found in self.v4_prefixes.items() if path.startswith(prefix)), None
        )
        if v4_ctx is not None:
            endpoint, profile_ctx = "api", v4_ctx
        else:
            endpoint, profile_ctx = self.endpoints.get(path, ("other", self.ctx))
        entry = RawRequest(
            self.ctx.clock.now(),
            scope["method"],
            path,
            endpoint,
            query,
            raw_headers,
            form,
            profile_ctx.profile.parameters_in_query,
        )
        # Token answers, and every error answer, are kept whole: the log reads what they
        # issued or refused, and why, when it is read.
        answer: list[bytes] = []
        reading = [endpoint == "token"]  # a cell the nested send can switch on
        watch = refusals.AnswerWatch() if refusals.enabled() else None  # for the refusal log

        async def replay() -> Message:
            nonlocal body
            if body is not None:
                message = {"type": "http.request", "body": body, "more_body": False}
                body = None  # type: ignore[assignment]
                return message
            return await receive()

        fault: Fault | None = None
        recorded = False
        # The answer's start, held back until its first body part: uvicorn writes the status
        # line at once, and an answer without a body (a redirect) is complete with it.
        held: list[Message] = []

        async def record() -> None:
            """Log the entry once, before the answer's last byte leaves: a client that has its
            answer finds it in the log (a test reads the log right after its request)."""
            nonlocal recorded
            if recorded:
                return
            recorded = True
            entry.duration_ms = round((time.perf_counter() - started) * 1000, 3)
            if fault is not None and isinstance(fault.effect, DropConnection):
                entry.status = 0  # the answer was never finished: no status was given
                refusals.log_dropped(entry.logged(), fault.id)
            elif watch is not None and entry.may_be_refusal():
                refusals.log_refusal(entry.logged(), watch)
            await self.harness.record(entry)

        async def recording_send(message: Message) -> None:
            if watch is not None:
                watch.see(message)
            if message["type"] == "http.response.start":
                entry.status = status = message["status"]
                if 300 <= status < 400:  # only redirects carry a Location worth logging
                    entry.location = raw_header(message.get("headers", []), b"location")
                elif status >= 400:
                    reading[0] = True
            elif reading[0] and message["type"] == "http.response.body":
                answer.append(message.get("body", b""))
                if not message.get("more_body", False):
                    entry.answer = b"".join(answer)
            if message["type"] == "http.response.start":
                held.append(message)
                return
            if message["type"] == "http.response.body":
                if not message.get("more_body", False):
                    await record()
                if held:
                    await send(held.pop())
            await send(message)

        try:
            if self.harness.may_fire(endpoint):  # who is calling, only if a rule may care
                fault = await self.harness.firing(
                    endpoint, entry.client_id, entry.grant_type, tampering=False
                )
            direct = None if fault is not None else _direct_endpoint(scope)
            if direct is not None:
                response = await _answer_of(direct, Request(scope, replay, recording_send))
                await response(scope, replay, recording_send)
            elif fault is None:
                await self.app(scope, replay, recording_send)
            else:
                entry.fault = fault.id
                await self._apply(
                    fault, profile_ctx, scope, replay, recording_send, v4=v4_ctx is not None
                )
        finally:
            await record()  # an answer that never finished (a dropped connection, an error)

    async def _apply(
        self,
        fault: Fault,
        ctx: Context,
        scope: Scope,
        receive: Receive,
        send: Send,
        v4: bool = False,
    ) -> None:
        if fault.delay:
            await asyncio.sleep(fault.delay)
        profile = ctx.profile
        effect = fault.effect
        if isinstance(effect, HttpError):
            data = effect.body(lambda error: profile.error(error).description)
            headers = dict(profile.token_response_headers)
            if v4:  # the V4 API answers in its own error shape
                data = v4_error_body(effect.status, data["error_description"] or data["error"])
                headers = {"Content-Type": "application/json; charset=utf-8"}
            if effect.retry_after is not None:
                headers["Retry-After"] = str(effect.retry_after)
            status = effect.status
            if status in _NO_BODY_STATUSES:  # RFC 9110: these answers have no content
                headers = {k: v for k, v in headers.items() if k.lower() != "content-type"}
                # 205 says so with Content-Length: 0; 204 and 304 must not send the header.
                await _respond(send, status, headers, b"", content_length=status == 205)
            else:
                await _respond(send, status, headers, json_body(data))
        elif isinstance(effect, MalformedBody) and effect.kind == "not_json":
            await _respond(send, 200, {"Content-Type": "application/json"}, b"<<not json>>")
        elif isinstance(effect, MalformedBody) and effect.kind == "html":
            await _respond(send, 502, {"Content-Type": "text/html"}, GATEWAY_PAGE)
        elif isinstance(effect, MalformedBody):
            await self._rewrite_answer(effect.kind, scope, receive, send)
        elif isinstance(effect, ChangedMembers):
            await self._rewrite_answer("members", scope, receive, send, effect.members)
        elif isinstance(effect, DropConnection):
            # uvicorn's access log would say 200 (the start goes out with the first body part)
            hidden = refusals.dropping.set(True)
            try:
                await send(
                    {
                        "type": "http.response.start",
                        "status": 200,
                        "headers": [
                            (b"content-type", b"application/json"),
                            (b"content-length", b"512"),
                        ],
                    }
                )
                await send({"type": "http.response.body", "body": b'{"access', "more_body": True})
            finally:
                refusals.dropping.reset(hidden)
            # Imported here: it needs httpx, which the server's start-up should not pay for.
            from frameio_oauth_mock.mockserver.web.dropped import DroppedConnection

            raise DroppedConnection()
        else:  # a pure delay: answer normally, late
            await self.app(scope, receive, send)

    async def _rewrite_answer(
        self,
        kind: str,
        scope: Scope,
        receive: Receive,
        send: Send,
        members: dict[str, Any] | None = None,
    ) -> None:
        """Let the app answer for real, then damage (or, for `members`, change) what it said."""
        start: Message = {}
        chunks: list[bytes] = []

        async def capture(message: Message) -> None:
            if message["type"] == "http.response.start":
                start.update(message)
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))

        await self.app(scope, receive, capture)
        content = b"".join(chunks)
        changed = [b"content-length"] if kind == "members" else [b"content-length", b"content-type"]
        headers = {
            name.decode("latin-1"): value.decode("latin-1")
            for name, value in start.get("headers", [])
            if name.lower() not in changed
        }
        if kind == "members":
            if start.get("status") == 200:  # error answers stay as they are
                content = _with_members(content, members or {})
        elif kind == "truncated_json":
            headers["Content-Type"] = "application/json;charset=UTF-8"
            content = content[: max(1, len(content) // 2)]
        else:
            headers["Content-Type"] = "text/html; charset=utf-8"
        await _respond(send, start.get("status", 200), headers, content)


def _with_members(content: bytes, members: dict[str, Any]) -> bytes:
    """A JSON object answer with `members` set (a None value removes the member)."""
    try:
        document = json.loads(content)
    except ValueError:
        return content
    if not isinstance(document, dict):
        return content
    for name, value in members.items():
        if value is None:
            document.pop(name, None)
        else:
            document[name] = value
    return json_body(document)


def _direct_endpoint(scope: Scope) -> Endpoint | None:
    """The endpoint the app's router takes this request to from its exact-path table, if it
    does: then the harness calls it itself, without the exception and routing layers
    Starlette puts in between. The router is read from the app each time, so an app whose
    router was swapped (tests compare the table with Starlette's scan) routes as it says."""
    router = getattr(scope.get("app"), "router", None)
    return router.direct(scope) if isinstance(router, ExactPathRouter) else None


async def _answer_of(endpoint: Endpoint, request: Request) -> Response:
    """The endpoint's answer; an HTTPException becomes the answer ExceptionMiddleware gives."""
    try:
        return await endpoint(request)
    except HTTPException as error:
        if error.status_code in {204, 304}:
            return Response(status_code=error.status_code, headers=error.headers)
        return PlainTextResponse(error.detail, status_code=error.status_code, headers=error.headers)


async def _read_body(receive: Receive) -> bytes:
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


async def _respond(
    send: Send, status: int, headers: dict[str, str], content: bytes, content_length: bool = True
) -> None:
    raw = [
        (name.lower().encode("latin-1"), value.encode("latin-1")) for name, value in headers.items()
    ]
    if content_length:
        raw.append((b"content-length", str(len(content)).encode()))
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": content})
