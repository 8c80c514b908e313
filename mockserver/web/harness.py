"""Scripted faults applied to an answer, for the front (front.py), which records every request
in the log and picks the fault that fires, if any.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from frameio_oauth_mock.mockserver.faults import (
    ChangedMembers,
    DropConnection,
    Fault,
    HttpError,
    MalformedBody,
)
from frameio_oauth_mock.mockserver.oauth.context import Context
from frameio_oauth_mock.mockserver.oauth.v4api import error_body as v4_error_body
from frameio_oauth_mock.mockserver.web import refusals
from frameio_oauth_mock.mockserver.web.responses import json_body

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


class FaultApplier:
    """What a scripted fault does to a request's answer (the front decides which one fires)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app  # the app behind the front, for the faults that let it answer first

    async def apply(
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
