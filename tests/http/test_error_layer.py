"""The app has no ServerErrorMiddleware of its own (web/app.py's MockApp): an uncaught error
still gets uvicorn's 500 and leaves the server serving, an in-process caller still sees the
exception, and Starlette's layer comes back when debug or a 500 handler asks for it."""

from __future__ import annotations

import httpx
import pytest
from starlette.middleware.errors import ServerErrorMiddleware
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from frameio_oauth_mock.mockserver.oauth.context import Context
from frameio_oauth_mock.mockserver.testing import MockServer
from frameio_oauth_mock.mockserver.web import create_app
from frameio_oauth_mock.mockserver.web import token as token_module
from frameio_oauth_mock.mockserver.web.front import Front
from tests.conftest import make_settings

pytestmark = pytest.mark.anyio

FORM = {"grant_type": "client_credentials"}


async def _broken_engine(*_: object) -> dict[str, object]:
    raise RuntimeError("an engine bug")


def test_an_uncaught_error_gets_uvicorns_500_and_the_server_goes_on(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(token_module, "handle_token_request", _broken_engine)
    with MockServer() as mock:
        answer = httpx.post(mock.token_url, data=FORM)
        assert answer.status_code == 500
        assert answer.text == "Internal Server Error"
        assert answer.headers["content-type"].startswith("text/plain")
        assert httpx.get(mock.url + "/health").json() == {"status": "ok"}
        logged = mock.requests.last("token")
        assert logged is not None and logged.form["grant_type"] == "client_credentials"


async def test_an_in_process_caller_sees_the_exception(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(token_module, "handle_token_request", _broken_engine)
    app = create_app(context=Context.from_settings(make_settings()))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://mock.test") as client:
        with pytest.raises(RuntimeError, match="an engine bug"):
            await client.post("/oauth2/token", data=FORM)


async def test_a_caller_that_does_not_re_raise_gets_the_plain_500(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """As Starlette's ServerErrorMiddleware answered: the same text, type and length."""
    monkeypatch.setattr(token_module, "handle_token_request", _broken_engine)
    app = create_app(context=Context.from_settings(make_settings()))
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://mock.test") as client:
        answer = await client.post("/oauth2/token", data=FORM)
        health = await client.get("/health")
    assert (answer.status_code, answer.text) == (500, "Internal Server Error")
    assert answer.headers["content-type"] == "text/plain; charset=utf-8"
    assert answer.headers["content-length"] == "21"
    assert health.status_code == 200
    logged = app.state.harness.log.all()
    assert [(entry.endpoint, entry.status) for entry in logged] == [("token", 0)]


async def test_an_unlogged_part_that_fails_gets_the_plain_500_too() -> None:
    app = create_app(context=Context.from_settings(make_settings()))

    async def broken(request: Request) -> Response:
        raise RuntimeError("a control API bug")

    app.router.routes.insert(0, Route("/_mock/broken", broken))
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://mock.test") as client:
        answer = await client.get("/_mock/broken")
    assert (answer.status_code, answer.text) == (500, "Internal Server Error")


def test_the_front_is_outermost_unless_debug_or_a_500_handler_wants_starlettes_layer() -> None:
    app = create_app(context=Context.from_settings(make_settings()))
    assert type(app.build_middleware_stack()) is Front
    app.debug = True
    assert type(app.build_middleware_stack()) is ServerErrorMiddleware

    async def on_error(request: Request, error: Exception) -> Response:
        return PlainTextResponse("custom", 500)

    handled = create_app(context=Context.from_settings(make_settings()))
    handled.add_exception_handler(500, on_error)
    assert type(handled.build_middleware_stack()) is ServerErrorMiddleware


class _Tagging:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def tagged(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message["headers"], (b"x-added", b"yes")]
            await send(message)

        await self.app(scope, receive, tagged)


async def test_middleware_a_user_adds_still_wraps_the_app() -> None:
    app = create_app(context=Context.from_settings(make_settings()))
    app.add_middleware(_Tagging)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://mock.test") as client:
        answer = await client.get("/health")
    assert answer.headers["x-added"] == "yes"
    assert answer.json() == {"status": "ok"}
