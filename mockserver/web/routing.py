"""Route dispatch with a table for exact paths, in front of Starlette's route-by-route scan.

Starlette's Router tries each route's regular expression in turn, and each endpoint runs
inside two more wrappers (request_response and its exception guard). Nearly every request
the mock answers is for an exact path (/oauth2/auth, /oauth2/token, ...), so those are
looked up in a dict and their endpoint is called at once; the exception guard they skip is
the same one ExceptionMiddleware already holds around the whole router. Whatever the table
cannot answer exactly as the scan would (a path a parameterised route could also take, a
method the route does not accept, a root_path, non-HTTP scopes) goes through the scan.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Match, Route, Router
from starlette.types import Receive, Scope, Send

Endpoint = Callable[[Request], Awaitable[Response]]


def _probe(path: str) -> dict[str, Any]:
    return {"type": "http", "path": path, "root_path": "", "method": "GET", "headers": []}


def exact_routes(routes: Sequence[BaseRoute]) -> dict[str, list[Route]]:
    """Path -> the routes (in table order) that alone can take a request for it.

    A path is left out when an earlier route of another kind or path could match it too,
    since the scan would try that route first.
    """
    table: dict[str, list[Route]] = {}
    unsafe: set[str] = set()
    # Earlier routes that could take a request for a path: an exact route takes only its own
    # path, so only the inexact ones and the exact ones of the same path need probing (every
    # route against every earlier one cost each start-up ~0.7 ms).
    inexact: list[BaseRoute] = []
    exact_by_path: dict[str, list[Route]] = {}
    for route in routes:
        exact = (
            isinstance(route, Route)
            and not route.param_convertors
            and inspect.iscoroutinefunction(route.endpoint)
        )
        if not exact:
            inexact.append(route)
            continue
        assert isinstance(route, Route)
        path = route.path
        group = table.get(path, [])
        shadowed = any(
            all(other is not taken for taken in group)
            and other.matches(_probe(path))[0] is not Match.NONE
            for other in (*inexact, *exact_by_path.get(path, ()))
        )
        if shadowed:
            unsafe.add(path)
        elif path not in unsafe:
            table.setdefault(path, []).append(route)
        exact_by_path.setdefault(path, []).append(route)
    return table


class ExactPathRouter(Router):
    """A Router that answers exact paths from a table, and everything else as Router does.

    Only for routes without route-level middleware (the app's own never have any): the
    table calls a route's endpoint, not the route's wrapped app.
    """

    def __init__(self, routes: Sequence[BaseRoute]) -> None:
        super().__init__(routes=routes)
        self._exact = exact_routes(self.routes)

    def direct(self, scope: Scope) -> Endpoint | None:
        """The endpoint the table gives this request (scope filled in as the scan would), or
        None when the request is left to the scan. Callers that take it call it with a
        Request and send its Response themselves (the front does, skipping the layers
        between it and the endpoint)."""
        if scope["type"] != "http" or scope.get("root_path"):
            return None
        method = scope["method"]
        for route in self._exact.get(scope["path"], ()):
            if route.methods is None or method in route.methods:
                scope.setdefault("router", self)
                scope["route"] = route
                scope["endpoint"] = route.endpoint
                scope["path_params"] = dict(scope.get("path_params", {}))
                endpoint: Endpoint = route.endpoint
                return endpoint
        return None

    async def app(self, scope: Scope, receive: Receive, send: Send) -> None:
        endpoint = self.direct(scope)
        if endpoint is None:
            await super().app(scope, receive, send)
            return
        response = await endpoint(Request(scope, receive, send))
        await response(scope, receive, send)
