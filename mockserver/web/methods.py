"""Hydra's router in front of its POST endpoints (token, revoke, introspect).

A method other than POST never reaches fosite there: the router answers 405 itself (and
OPTIONS with the allowed methods), so fosite's "HTTP method is 'GET', expected 'POST'." is
never seen. Profiles whose server does not work that way pass every method to the endpoint.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

Endpoint = Callable[[Request], Awaitable[Response]]
ALLOW = {"Allow": "OPTIONS, POST"}


def post_only(endpoint: Endpoint) -> Endpoint:
    async def routed(request: Request) -> Response:
        method = request.scope["method"]
        if method == "POST":
            return await endpoint(request)
        if method == "OPTIONS":
            return Response(status_code=200, headers=ALLOW)
        return PlainTextResponse("Method Not Allowed", 405, headers=ALLOW)

    return routed
