"""The front: the one ASGI layer between Starlette's error guard and the endpoints.

It does in one pass over each request what used to be two middlewares, the door (CORS and
the request limits) and the harness (request log and scripted faults), and it hands a
request the router answers from its exact-path table straight to its endpoint. Every
request crosses it, so it works with plain values: one scan of the headers, one body read,
one query and form split (which the endpoints reuse), one raw log entry (redacted when
read), faults looked up by endpoint, and an answer that is whole (token JSON, redirects)
logged and sent without going through `Response.__call__`.

Order, as before: CORS first, so a preflight is answered before the limits, the log and
faults see it, and every other answer to an allowed origin (a refusal of the limits too)
gets its CORS headers; then the limits, which bound what everything inside reads; then the
log and faults. A request whose head declares no body (no Content-Length, no
Transfer-Encoding: RFC 9112 6.3) has its (empty) body read from the server as it comes.
"""

from __future__ import annotations

import time

from starlette.exceptions import HTTPException
from starlette.middleware.errors import ServerErrorMiddleware
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

from frameio_oauth_mock.mockserver.faults import DropConnection, Fault
from frameio_oauth_mock.mockserver.oauth.context import Context
from frameio_oauth_mock.mockserver.requestlog import RawRequest, raw_header
from frameio_oauth_mock.mockserver.urlencoded import parse_pairs
from frameio_oauth_mock.mockserver.web import refusals
from frameio_oauth_mock.mockserver.web.cors import CorsPolicy, preflight, with_cors
from frameio_oauth_mock.mockserver.web.forms import PARSED_FORM_KEY, PARSED_QUERY_KEY
from frameio_oauth_mock.mockserver.web.harness import (
    UNLOGGED_PREFIXES,
    ASGIApp,
    FaultApplier,
    Message,
    Receive,
    Scope,
    Send,
)
from frameio_oauth_mock.mockserver.web.harness_state import HarnessState
from frameio_oauth_mock.mockserver.web.limits import Disconnected, Refused, RequestLimits
from frameio_oauth_mock.mockserver.web.responses import EncodedResponse
from frameio_oauth_mock.mockserver.web.routing import Endpoint, ExactPathRouter

_FORM = "application/x-www-form-urlencoded"


class Front:
    def __init__(self, app: ASGIApp, ctx: Context, harness: HarnessState) -> None:
        self.app = app
        self.ctx = ctx
        self.harness = harness
        self.cors = CorsPolicy(ctx)
        self.limits = RequestLimits(ctx)
        self.faults = FaultApplier(app)
        # The app has no ServerErrorMiddleware in front of this layer (app.py's MockApp), so
        # the unlogged parts (control API, inspector, /health) get it here, and logged
        # requests the same plain 500 from `_logged`.
        self.unlogged = ServerErrorMiddleware(app)
        # Which of the harness's methods its class replaces (a harness shared through a store
        # keeps the clock and the log elsewhere); see `_harness_does`.
        self._replaced = {
            method: getattr(type(harness), method) is not getattr(HarnessState, method)
            for method in ("load_clock", "record")
        }
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
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        # One pass over the head for CORS and the limits.
        origin = content_length = content_type = last_type = None
        has_body = preflight_request = False
        for raw_name, value in scope["headers"]:
            name = raw_name.lower()
            if name == b"origin":
                origin = value.decode("latin-1").lower()
            elif name == b"content-length":
                if content_length is None:
                    content_length = value.decode("latin-1")
                has_body = True
            elif name == b"content-type":
                # The limits read the first value; the log (as a dict would) the last.
                if content_type is None:
                    content_type = value.decode("latin-1")
                last_type = value
            elif name == b"transfer-encoding":
                has_body = True
            elif name == b"access-control-request-method":
                preflight_request = True
        path: str = scope.get("path", "")
        if origin:
            cors = self.cors.headers_for(path, origin)
            if cors is not None:
                if scope["method"] == "OPTIONS" and preflight_request:
                    await preflight(send, *cors)
                    return
                send = with_cors(send, cors[0])
        limits = self.limits
        try:
            limits.check_head(scope, content_length)
            body = await limits.checked_body(receive, content_type) if has_body else None
        except Disconnected:
            return
        except Refused as refusal:
            await limits.refuse(path, send, refusal)
            return
        if self._harness_does("load_clock"):
            await self.harness.load_clock(self.ctx.clock)
        if self.ctx.state.store.persistent:
            await self.ctx.sync_from_store()
        # The control API and the inspector watch the log; they are not part of it.
        if path == "/" or path.startswith(UNLOGGED_PREFIXES):
            await self.unlogged(scope, receive if body is None else _Replay(body, receive), send)
            return
        form_body = last_type is not None and last_type.decode("latin-1").startswith(_FORM)
        await self._logged(scope, receive, send, path, body, form_body)

    def _harness_does(self, method: str) -> bool:
        """Whether the harness's `method` does work of its own that must be awaited: its class
        replaces it, or a test set one on the instance (looked for on each request)."""
        return self._replaced[method] or method in vars(self.harness)

    async def _logged(
        self,
        scope: Scope,
        receive: Receive,
        send: Send,
        path: str,
        body: bytes | None,
        form_body: bool,
    ) -> None:
        """Answer a request the log records and faults may script."""
        started = time.perf_counter()
        if body is None:
            body = await _read_body(receive)
        # A log entry lives long, so it holds few objects the garbage collector walks: the
        # headers as a tuple (tuples of text leave its sight), the query and the form as the
        # text they came as (split again when the log is read).
        raw_headers = tuple(scope["headers"])
        query_text = scope.get("query_string", b"").decode("latin-1")
        scope[PARSED_QUERY_KEY] = parse_pairs(query_text) if query_text else []
        form_text = None
        if form_body:
            form_text = body.decode("utf-8", "replace")
            # The endpoints read this instead of parsing again.
            scope[PARSED_FORM_KEY] = parse_pairs(form_text)
        v4_ctx = None
        for prefix, found in self.v4_prefixes.items():
            if path.startswith(prefix):
                v4_ctx = found
                break
        if v4_ctx is not None:
            endpoint, profile_ctx = "api", v4_ctx
        else:
            endpoint, profile_ctx = self.endpoints.get(path, ("other", self.ctx))
        entry = RawRequest(
            self.ctx.clock.now(),
            scope["method"],
            path,
            endpoint,
            query_text,
            raw_headers,
            form_text,
            profile_ctx.profile.parameters_in_query,
        )
        local_log = not self._harness_does("record")
        exchange = _Exchange(self.harness, local_log, entry, started, send, body, receive, endpoint)
        try:
            fault = None
            if self.harness.may_fire(endpoint):  # who is calling, only if a rule may care
                fault = await self.harness.firing(
                    endpoint, entry.client_id, entry.grant_type, tampering=False
                )
            if fault is not None:
                exchange.fault = fault
                entry.fault = fault.id
                await self.faults.apply(
                    fault,
                    profile_ctx,
                    scope,
                    exchange.replay,
                    exchange.send,
                    v4=v4_ctx is not None,
                )
                return
            direct = _direct_endpoint(scope)
            if direct is None:
                await self.app(scope, exchange.replay, exchange.send)
                return
            try:
                response = await direct(Request(scope, exchange.replay, exchange.send))
            except HTTPException as error:  # the answer ExceptionMiddleware would give
                response = _http_exception_answer(error)
            if type(response) is EncodedResponse:
                await exchange.send_whole(response)
            else:
                await response(scope, exchange.replay, exchange.send)
        except Exception:
            # What ServerErrorMiddleware does (app.py leaves it out): an answer not yet begun
            # becomes a plain 500, sent once the entry is logged (as it was, with no status),
            # and the error goes on to the server, which logs it.
            if not exchange.answer_begun:
                await exchange.record()
                await PlainTextResponse("Internal Server Error", 500)(scope, receive, send)
            raise
        finally:
            if not exchange.recorded:  # an answer that never finished (dropped, an error)
                await exchange.record()


class _Exchange:
    """One logged request on its way through: the body to replay, the answer to log."""

    __slots__ = (
        "_held",
        "_parts",
        "_reading",
        "_send",
        "_started",
        "_watch",
        "answer_begun",
        "entry",
        "fault",
        "harness",
        "local_log",
        "recorded",
        "replay",
    )

    def __init__(
        self,
        harness: HarnessState,
        local_log: bool,
        entry: RawRequest,
        started: float,
        send: Send,
        body: bytes | None,
        receive: Receive,
        endpoint: str,
    ) -> None:
        self.harness = harness
        self.local_log = local_log  # the log is in this process: appended to at once
        self.entry = entry
        self.fault: Fault | None = None
        self._started = started
        self._send = send
        self.replay = _Replay(body, receive)
        # Token answers, and every error answer, are kept whole: the log reads what they
        # issued or refused, and why, when it is read.
        self._reading = endpoint == "token"
        self._parts: list[bytes] = []
        # The answer's start, held back until its first body part: uvicorn writes the
        # status line at once, and an answer without a body (a redirect) is complete with it.
        self._held: Message | None = None
        self.answer_begun = False  # its start has gone to the server
        self.recorded = False
        self._watch = refusals.AnswerWatch() if refusals.enabled() else None

    async def record(self) -> None:
        """Log the entry once, before the answer's last byte leaves: a client that has its
        answer finds it in the log (a test reads the log right after its request)."""
        if self.recorded:
            return
        self.recorded = True
        entry = self.entry
        entry.duration_ms = (time.perf_counter() - self._started) * 1000  # rounded when read
        fault = self.fault
        if fault is not None and isinstance(fault.effect, DropConnection):
            entry.status = 0  # the answer was never finished: no status was given
            refusals.log_dropped(entry.logged(), fault.id)
        elif self._watch is not None and entry.may_be_refusal():
            refusals.log_refusal(entry.logged(), self._watch)
        if self.local_log:
            self.harness.log.append(entry)  # reset() may have replaced it: not kept
        else:
            await self.harness.record(entry)

    def _start(self, status: int, headers: list[tuple[bytes, bytes]]) -> None:
        self.entry.status = status
        if 300 <= status < 400:  # only redirects carry a Location worth logging
            self.entry.location = raw_header(headers, b"location")
        elif status >= 400:
            self._reading = True

    async def send(self, message: Message) -> None:
        if self._watch is not None:
            self._watch.see(message)
        kind = message["type"]
        if kind == "http.response.start":
            self._start(message["status"], message.get("headers", []))
            self._held = message
            return
        if kind == "http.response.body":
            last = not message.get("more_body", False)
            if self._reading:
                self._parts.append(message.get("body", b""))
                if last:
                    self.entry.answer = b"".join(self._parts)
            if last:
                await self.record()
            held = self._held
            if held is not None:
                self._held = None
                self.answer_begun = True
                await self._send(held)
        await self._send(message)

    async def send_whole(self, response: EncodedResponse) -> None:
        """A whole answer: logged, then sent (what `send` does with its two messages)."""
        status = response.status_code
        start = {"type": "http.response.start", "status": status, "headers": response.raw_headers}
        whole = {"type": "http.response.body", "body": response.body}
        if self._watch is not None:
            self._watch.see(start)
            self._watch.see(whole)
        self._start(status, response.raw_headers)
        if self._reading:
            self.entry.answer = bytes(response.body)
        await self.record()
        self.answer_begun = True
        await self._send(start)
        await self._send(whole)


def _direct_endpoint(scope: Scope) -> Endpoint | None:
    """The endpoint the app's router takes this request to from its exact-path table, if it
    does: then it is called here, without the exception and routing layers Starlette puts
    in between. The router is read from the app each time, so an app whose router was
    swapped (tests compare the table with Starlette's scan) routes as it says."""
    router = getattr(scope.get("app"), "router", None)
    return router.direct(scope) if isinstance(router, ExactPathRouter) else None


def _http_exception_answer(error: HTTPException) -> Response:
    """The answer ExceptionMiddleware gives for an HTTPException."""
    if error.status_code in {204, 304}:
        return Response(status_code=error.status_code, headers=error.headers)
    return PlainTextResponse(error.detail, status_code=error.status_code, headers=error.headers)


class _Replay:
    """A receive that gives the body already read first, then the server's own messages."""

    __slots__ = ("_body", "_receive")

    def __init__(self, body: bytes | None, receive: Receive) -> None:
        self._body = body
        self._receive = receive

    async def __call__(self) -> Message:
        body = self._body
        if body is not None:
            self._body = None
            return {"type": "http.request", "body": body, "more_body": False}
        return await self._receive()


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
