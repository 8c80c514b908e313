"""The routes of the parts a flow never needs, bound to endpoints that import their part on
its first request: the control API (/_mock/), the inspector (/, /inspect/...), RP-initiated
logout and the Frame.io V4 API.

Importing those modules at start-up (their code read and unmarshalled, the inspector's script
read from disk) cost every `serve` about 2 ms before its first /health answer, for routes most
runs never call. Their routes are declared here instead, with the paths and methods they had,
so routing (the exact-path table, path parameters, 404 and 405 answers) and the control API's
OpenAPI comparison see the same table; each endpoint builds its part once, on the first
request to any of its routes, and hands the request to the part's handler.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from frameio_oauth_mock.mockserver.oauth.context import Context
from frameio_oauth_mock.mockserver.oauth.logout import FALLBACK_PATH
from frameio_oauth_mock.mockserver.web.exposure import Exposure
from frameio_oauth_mock.mockserver.web.harness_state import HarnessState
from frameio_oauth_mock.mockserver.web.routing import Endpoint

if TYPE_CHECKING:
    from frameio_oauth_mock.mockserver.web.control import ControlAPI
    from frameio_oauth_mock.mockserver.web.inspector import Inspector
    from frameio_oauth_mock.mockserver.web.logout import LogoutEndpoint
    from frameio_oauth_mock.mockserver.web.v4 import V4Endpoints

CONTROL_PATH = "/_mock"  # where the control API is mounted
# (path, handler, methods) of each part.
_CONTROL_ROUTES = (
    ("/clients", "clients", ["GET", "POST"]),
    ("/users", "users", ["GET", "POST"]),
    ("/faults", "faults", ["GET", "POST", "DELETE"]),
    ("/faults/{fault_id:int}", "fault", ["GET", "DELETE"]),
    ("/requests", "requests", ["GET", "DELETE"]),
    ("/clock", "clock", ["GET", "POST"]),
    ("/reset", "reset", ["POST"]),
    ("/tokens", "tokens", ["POST"]),
    ("/tokens/inspect", "inspect_token", ["POST"]),
    ("/openapi.json", "openapi", ["GET"]),
)
INSPECTOR_SCRIPT_PATH = "/inspect/inspector.js"
INSPECTOR_TOKEN_PAGE = "/inspect/token"
INSPECTOR_SIGN_IN = "/inspect/sign-in"
_INSPECTOR_ROUTES = (
    ("/", "overview", ["GET", "HEAD"]),
    (INSPECTOR_TOKEN_PAGE, "token_page", ["GET", "HEAD"]),
    (INSPECTOR_SIGN_IN, "sign_in", ["POST"]),
    (INSPECTOR_SCRIPT_PATH, "script", ["GET", "HEAD"]),
)
_V4_ROUTES = (
    ("/me", "me", ["GET", "HEAD"]),
    ("/accounts", "accounts", ["GET", "HEAD"]),
    ("/accounts/{account_id}", "account", ["GET", "HEAD"]),
)


class _Part:
    """One part (the control API, the inspector, ...), built the first time it is asked for.

    Building never awaits, so on one event loop no two requests build it; a server thread and
    an in-process client racing to build it would each get a working part (the parts keep no
    state of their own: it is all in the context and the harness)."""

    __slots__ = ("_build", "_built")

    def __init__(self, build: Callable[[], Any]) -> None:
        self._build = build
        self._built: Any = None

    def get(self) -> Any:
        if self._built is None:
            self._built = self._build()
        return self._built


def _routes(
    part: _Part,
    table: Sequence[tuple[str, str, list[str]]],
    handler: Callable[[Any, str], Endpoint],
    prefix: str = "",
) -> list[Route]:
    return [
        Route(prefix + path, _deferred(part, name, handler), methods=methods, name=name)
        for path, name, methods in table
    ]


def _deferred(part: _Part, name: str, handler: Callable[[Any, str], Endpoint]) -> Endpoint:
    resolved: list[Endpoint] = []  # the part's handler, once asked for

    async def endpoint(request: Request) -> Response:
        if not resolved:
            resolved.append(handler(part.get(), name))
        return await resolved[0](request)

    return endpoint


def control_routes(ctx: Context, exposure: Exposure, harness: HarnessState) -> list[Route]:
    def build() -> ControlAPI:
        from frameio_oauth_mock.mockserver.web.control import ControlAPI

        return ControlAPI(ctx, exposure, harness)

    return _routes(_Part(build), _CONTROL_ROUTES, _control_handler, CONTROL_PATH)


def _control_handler(api: ControlAPI, name: str) -> Endpoint:
    return api.guarded(name)


def inspector_routes(ctx: Context, exposure: Exposure, harness: HarnessState) -> list[Route]:
    def build() -> Inspector:
        from frameio_oauth_mock.mockserver.web.inspector import Inspector

        return Inspector(ctx, exposure, harness)

    return _routes(_Part(build), _INSPECTOR_ROUTES, _method)


def logout_routes(ctx: Context, end_session_path: str) -> list[Route]:
    def build() -> LogoutEndpoint:
        from frameio_oauth_mock.mockserver.web.logout import LogoutEndpoint

        return LogoutEndpoint(ctx)

    table = [(end_session_path, "logout", ["GET", "POST"]), (FALLBACK_PATH, "logged_out", ["GET"])]
    return _routes(_Part(build), table, _method)


def v4_routes(ctx: Context, prefix: str) -> list[Route]:
    def build() -> V4Endpoints:
        from frameio_oauth_mock.mockserver.web.v4 import V4Endpoints

        return V4Endpoints(ctx)

    return _routes(_Part(build), _V4_ROUTES, _v4_handler, prefix)


def _v4_handler(endpoints: V4Endpoints, name: str) -> Endpoint:
    return endpoints.endpoint(name)


def _method(part: Any, name: str) -> Endpoint:
    endpoint: Endpoint = getattr(part, name)
    return endpoint
