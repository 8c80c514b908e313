"""The door: the one ASGI layer in front of the harness, for CORS and the request limits.

One pass over the request's headers serves both (they used to be two middlewares, each
scanning the headers and wrapping `send` and `receive` again). CORS comes first: a
preflight is answered before the limits, the request log and faults see it, and every other
answer to an allowed origin, a refusal of the limits included, gets its CORS headers. A
request whose head declares no body (no Content-Length, no Transfer-Encoding: RFC 9112 6.3)
is passed on as it is; any other has its body read here, within the limits, and replayed.
"""

from __future__ import annotations

from frameio_oauth_mock.mockserver.oauth.context import Context
from frameio_oauth_mock.mockserver.web.cors import CorsPolicy, preflight, with_cors
from frameio_oauth_mock.mockserver.web.harness import ASGIApp, Message, Receive, Scope, Send
from frameio_oauth_mock.mockserver.web.limits import Disconnected, Refused, RequestLimits


class Door:
    def __init__(self, app: ASGIApp, ctx: Context) -> None:
        self.app = app
        self.cors = CorsPolicy(ctx)
        self.limits = RequestLimits(ctx)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        origin = content_length = content_type = None
        has_body = preflight_request = False
        for raw_name, value in scope["headers"]:
            name = raw_name.lower()
            if name == b"origin":
                origin = value.decode("latin-1").lower()
            elif name == b"content-length":
                if content_length is None:
                    content_length = value.decode("latin-1")
                has_body = True
            elif name == b"content-type" and content_type is None:
                content_type = value.decode("latin-1")
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
        try:
            self.limits.check_head(scope, content_length)
            body = await self.limits.checked_body(receive, content_type) if has_body else None
        except Disconnected:
            return
        except Refused as refusal:
            await self.limits.refuse(path, send, refusal)
            return
        if body is None:
            await self.app(scope, receive, send)
            return
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)
