"""The built-in form driver on an ordinary login form (not the mock's), served by a tiny
Starlette app on real uvicorn, and the HTML form parser under it."""

from __future__ import annotations

import secrets
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from frameio_oauth_mock.conformance.redact import Redactor
from frameio_oauth_mock.conformance.server.forms import parse_forms
from frameio_oauth_mock.conformance.server.http import Http
from frameio_oauth_mock.conformance.server.login import Drive, FormDriver
from frameio_oauth_mock.mockserver.serving import (
    NotifyingServer,
    bind_socket,
    socket_url,
    uvicorn_config,
)

CALLBACK = "https://client.example/cb"

LOGIN_PAGE = """<!doctype html><html><body>
<h1>Acme sign-in</h1>
<form action="/session" method="post">
  <input type="hidden" name="authenticity_token" value="{csrf}">
  <label>Login <input type="text" name="login" autocomplete="username"></label>
  <label>Password <input type="password" name="pwd"></label>
  <label><input type="checkbox" name="remember" value="1"> Remember me</label>
  <select name="locale">
    <option value="en">English</option><option value="fr" selected>Fr</option>
  </select>
  <input type="submit" value="Sign in">
</form></body></html>"""

CONSENT_PAGE = """<!doctype html><html><body>
<form method="post" action="/decide">
  <input type="hidden" name="authenticity_token" value="{csrf}">
  <p>Acme wants to read your profile.</p>
  <button type="submit" name="answer" value="cancel">Cancel</button>
  <button type="submit" name="answer" value="ok">Authorize Acme</button>
</form></body></html>"""


# What a Flask app in debug mode answers when a view raises: a page with a form of its own
# (the Werkzeug debugger's PIN prompt), which submits back to the URL that failed.
CRASH_PAGE = """<!doctype html><html><body><h1>AssertionError</h1>
<form action="" method="get"><input type="text" name="pin">
<button type="submit" name="btn" value="Confirm Pin">Confirm Pin</button></form>
</body></html>"""


def make_app(
    seen: list[str], password: str = "right-password", crash_on_consent: bool = False
) -> Starlette:
    """Login (303 to consent) and consent (302 to the client), CSRF-bound to a cookie."""
    csrf = secrets.token_urlsafe(16)

    async def authorize(request: Request) -> Response:
        seen.append(f"GET {request.url.path}")
        response = HTMLResponse(LOGIN_PAGE.format(csrf=csrf))
        response.set_cookie("csrf", csrf)
        return response

    async def session(request: Request) -> Response:
        form = await request.form()
        seen.append(f"POST /session {sorted(form.keys())}")
        if form.get("authenticity_token") != request.cookies.get("csrf"):
            return HTMLResponse("forbidden", 403)
        if form.get("login") != "alice" or form.get("pwd") != password:
            return HTMLResponse(LOGIN_PAGE.format(csrf=csrf))
        return RedirectResponse("/consent", 303)

    async def consent(request: Request) -> Response:
        seen.append("GET /consent")
        return HTMLResponse(CONSENT_PAGE.format(csrf=csrf))

    async def decide(request: Request) -> Response:
        form = await request.form()
        seen.append(f"POST /decide {form.get('answer')}")
        if crash_on_consent:
            return HTMLResponse(CRASH_PAGE, 500)
        if form.get("answer") == "ok":
            return RedirectResponse(f"{CALLBACK}?code=the-code&state=xyz", 302)
        return RedirectResponse(f"{CALLBACK}?error=access_denied&state=xyz", 302)

    async def client_callback(request: Request) -> Response:  # must never be reached
        seen.append("GET /cb")
        return HTMLResponse("client")

    return Starlette(
        routes=[
            Route("/authorize", authorize),
            Route("/session", session, methods=["POST"]),
            Route("/consent", consent),
            Route("/decide", decide, methods=["POST"]),
            Route("/cb", client_callback),
        ]
    )


@contextmanager
def running(app: Starlette) -> Iterator[str]:
    """The app on uvicorn on a free loopback port; yields its base URL."""
    sock = bind_socket("127.0.0.1", 0)
    ready = threading.Event()
    server = NotifyingServer(uvicorn_config(app, "warning"), on_ready=ready.set)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    assert ready.wait(10)
    try:
        yield socket_url(sock)
    finally:
        server.should_exit = True
        thread.join(10)


def drive(app: Starlette, decision: str = "allow", password: str = "right-password") -> Drive:
    with running(app) as url:
        return FormDriver(
            http=Http(Redactor([password])),
            server_origins=frozenset([url]),
            client_prefixes=(CALLBACK,),
            username="alice",
            password=password,
            decision=decision,
        ).run(f"{url}/authorize?client_id=acme")


def test_logs_in_consents_and_stops_at_the_redirect_uri() -> None:
    seen: list[str] = []
    result = drive(make_app(seen))
    assert result.callback == f"{CALLBACK}?code=the-code&state=xyz"
    assert seen == [
        "GET /authorize",
        "POST /session ['authenticity_token', 'locale', 'login', 'pwd']",
        "GET /consent",
        "POST /decide ok",
    ]  # the redirect URI itself was never requested
    assert [kind for kind, _ in result.submissions] == ["login", "consent"]
    assert [call.status for _, call in result.submissions] == [303, 302]


def test_presses_the_refusing_button_when_asked() -> None:
    seen: list[str] = []
    result = drive(make_app(seen), decision="deny")
    assert result.callback == f"{CALLBACK}?error=access_denied&state=xyz"
    assert seen[-1] == "POST /decide cancel"


def test_reports_refused_credentials_instead_of_looping() -> None:
    seen: list[str] = []
    result = drive(make_app(seen, password="another-password"))
    assert result.callback is None
    assert result.stuck == result.stopped
    assert "came back: username or password refused" in result.stopped
    assert "/session" in result.stopped  # names the page
    assert seen.count("GET /consent") == 0


def test_a_server_error_page_is_reported_not_operated() -> None:
    """oidc-provider-mock answers 500 (with a debugger's PIN form) to the consent POST of a
    request without redirect_uri: the drive ends there, as the server's failure, instead of
    submitting the PIN form, landing on the login page again and calling the login refused."""
    seen: list[str] = []
    result = drive(make_app(seen, crash_on_consent=True))
    assert result.callback is None
    assert result.stuck == ""  # not the driver's problem: nothing the driver could operate
    assert result.stopped.startswith("HTTP 500 at http://")
    assert result.stopped.endswith("/decide: the server failed when the consent form was submitted")
    assert seen[-1] == "POST /decide ok"  # the PIN form was not submitted


def test_evidence_hides_the_password_and_the_csrf_token() -> None:
    seen: list[str] = []
    login = drive(make_app(seen)).submissions[0][1].evidence().render()
    assert "right-password" not in login
    assert "pwd=" in login and "authenticity_token=" in login
    assert "redacted:" in login


@pytest.mark.parametrize(
    ("html", "expected"),
    [
        ('<form><input type="email" name="e"><input name="x"></form>', "e"),
        ('<form><input name="user_name"><input name="zip"></form>', "user_name"),
        ('<form><input name="only"></form>', "only"),
        ('<form><input name="a"><input name="b"></form>', None),
    ],
)
def test_username_heuristics(html: str, expected: str | None) -> None:
    (form,) = parse_forms(html, "http://as.test/page")
    field = form.username_field()
    assert (field.name if field else None) == expected


def test_parser_reads_actions_methods_buttons_and_defaults() -> None:
    (form,) = parse_forms(LOGIN_PAGE.format(csrf="t0k"), "http://as.test/login?x=1")
    assert (form.action, form.method) == ("http://as.test/session", "POST")
    assert [button.words for button in form.buttons] == ["Sign in"]
    assert form.pairs({"login": "bob"}, None) == [
        ("authenticity_token", "t0k"),
        ("login", "bob"),
        ("pwd", ""),
        ("locale", "fr"),
    ]  # the unchecked checkbox is not sent
    (consent,) = parse_forms(CONSENT_PAGE.format(csrf="t"), "http://as.test/consent")
    assert consent.action == "http://as.test/decide"
    assert [b.text for b in consent.buttons] == ["Cancel", "Authorize Acme"]
