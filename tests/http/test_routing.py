"""The exact-path table (web/routing.py) answers every request as Starlette's route scan does.

Two apps over equal state: one with the table, one with a plain Router over the same
routes. Every route's path is asked with every method; the status, the header names in
order and the values of the headers that say what the answer is (Allow, Content-Type) must
be the same, including the 404 and 405 answers the scan gives. (Bodies differ where they
carry a fresh key, CSRF token or timing, so only the routing's part is compared.)
"""

from __future__ import annotations

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route, Router

from frameio_oauth_mock.mockserver.clock import Clock
from frameio_oauth_mock.mockserver.oauth.context import Context
from frameio_oauth_mock.mockserver.web import create_app
from frameio_oauth_mock.mockserver.web.routing import ExactPathRouter, exact_routes
from tests.conftest import make_settings

pytestmark = pytest.mark.anyio

METHODS = ("GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS")


def _app(scan: bool) -> Starlette:
    clock = Clock()
    clock.freeze(1_900_000_000.0)
    app = create_app(context=Context.from_settings(make_settings(), clock=clock, seed=19))
    assert isinstance(app.router, ExactPathRouter)
    if scan:
        app.router = Router(app.router.routes)
    return app


COMPARED_VALUES = ("allow", "content-type")


async def _answers(app: Starlette, paths: list[str]) -> list[tuple[str, int, list[str]]]:
    answers = []
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://mock.test") as client:
        for path in paths:
            for method in METHODS:
                response = await client.request(method, path)
                headers = [
                    f"{name}: {value}" if name in COMPARED_VALUES else name
                    for name, value in response.headers.multi_items()
                ]
                answers.append((f"{method} {path}", response.status_code, headers))
    return answers


async def test_every_route_answers_as_the_scan_does() -> None:
    table_app, scan_app = _app(scan=False), _app(scan=True)
    paths = sorted({route.path for route in table_app.routes if isinstance(route, Route)})
    paths = [path.replace("{fault_id:int}", "1").replace("{account_id}", "a1") for path in paths]
    paths += ["/no/such/path", "/oauth2/token/", "/health/"]
    table_answers = await _answers(table_app, paths)
    assert table_answers == await _answers(scan_app, paths)
    statuses = {status for _, status, _ in table_answers}
    assert {200, 404, 405} <= statuses  # the comparison covered answers of each kind


async def _hello(request: Request) -> Response:
    return PlainTextResponse(f"{request.scope['endpoint'].__name__}")


async def _parameterised(request: Request) -> Response:
    return PlainTextResponse("parameterised " + request.path_params["name"])


async def _post_only(request: Request) -> Response:
    return PlainTextResponse("post only")


def test_a_path_an_earlier_route_could_take_is_left_to_the_scan() -> None:
    routes = [
        Route("/items/{name}", _parameterised),
        Route("/items/special", _hello),  # the scan never reaches it for GET
        Route("/plain", _post_only, methods=["POST"]),
        Route("/plain", _hello, methods=["GET"]),
    ]
    table = exact_routes(routes)
    assert "/items/special" not in table
    assert [route.endpoint for route in table["/plain"]] == [_post_only, _hello]


async def test_the_table_router_picks_the_route_the_scan_picks() -> None:
    routes = [
        Route("/items/{name}", _parameterised),
        Route("/items/special", _hello),
        Route("/plain", _post_only, methods=["POST"]),
        Route("/plain", _hello, methods=["GET"]),
    ]
    app = Starlette()
    app.router = ExactPathRouter(routes)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        assert (await client.get("/items/special")).text == "parameterised special"
        assert (await client.post("/plain")).text == "post only"
        assert (await client.get("/plain")).text == "_hello"
        refused = await client.put("/plain")
        assert refused.status_code == 405
        assert refused.headers["allow"] == "POST"  # the scan's first partial match decides
