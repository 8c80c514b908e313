"""What the browser tests and the screenshot script both do: the mock they run, and the
steps that bring a page to the state worth looking at."""

from __future__ import annotations

import base64
import hashlib
from typing import Any
from urllib.parse import urlencode

import httpx

from frameio_oauth_mock.mockserver import MockServer
from tests.browser.support import REDIRECT, SPA_REDIRECT

DESKTOP = {"width": 1100, "height": 800}
PHONE = {"width": 375, "height": 740}
VERIFIER = "browser-test-verifier-" + "x" * 40
USERS = [
    {"email": "dev@example.com", "password": "password", "name": "Dev User"},
    {"email": "qa@example.com", "password": "qa-password", "name": "QA Person"},
]
CLIENTS: list[dict[str, Any]] = [
    {"client_id": "web-app", "client_secret": "web-secret", "name": "Acme Review",
     "redirect_uris": [REDIRECT], "scopes": ["account.read", "asset.read", "offline", "openid"]},
    {"client_id": "ims-web", "client_secret": "ims-web-secret", "name": "Acme for Frame.io V4",
     "profile": "adobe-ims", "redirect_uris": [REDIRECT],
     "scopes": ["openid", "email", "profile", "offline_access"]},
    {"client_id": "ims-spa", "name": "Acme SPA", "profile": "adobe-ims",
     "redirect_uris": [SPA_REDIRECT], "scopes": ["openid", "email", "profile", "offline_access"]},
]  # fmt: skip
SERVER: dict[str, Any] = {"clients": CLIENTS, "users": USERS, "auto_approve": False}


def challenge(verifier: str = VERIFIER) -> str:
    digest = hashlib.sha256(verifier.encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def authorize_url(mock: MockServer, client_id: str = "web-app", **params: str) -> str:
    """The authorization URL for one of CLIENTS (adobe-ims clients at /ims/authorize/v2)."""
    client = next(client for client in CLIENTS if client["client_id"] == client_id)
    ims = client.get("profile") == "adobe-ims"
    query = {
        "client_id": client_id,
        "response_type": "code",
        "redirect_uri": client["redirect_uris"][0],
        "scope": " ".join(client["scopes"]),
        "state": "browser-state-1234",
        **params,
    }
    if "client_secret" not in client:
        query |= {"code_challenge": challenge(), "code_challenge_method": "S256"}
    path = "/ims/authorize/v2" if ims else "/oauth2/auth"
    return f"{mock.url}{path}?{urlencode(query)}"


def catch_callbacks(page: Any, prefix: str = REDIRECT) -> None:
    """Answer the app's redirect URI in the browser (no app is listening there)."""
    page.route(
        prefix + "**",
        lambda route: route.fulfill(
            status=200, content_type="text/html", body="<!doctype html><title>app</title>app"
        ),
    )


def sign_in(page: Any, email: str = "dev@example.com", password: str = "password") -> None:
    page.fill("#email", email)
    page.fill("#password", password)
    page.click("button[type=submit]")


def open_login(mock: MockServer, page: Any, client_id: str = "web-app") -> None:
    page.goto(authorize_url(mock, client_id))


def open_consent(mock: MockServer, page: Any, client_id: str = "web-app") -> None:
    open_login(mock, page, client_id)
    sign_in(page)
    page.wait_for_selector("button[value=allow]")


def busy_inspector(mock: MockServer, page: Any) -> None:
    """The inspector after a little traffic: a flow, a refused call, a fault that fired."""
    tokens = mock.issue_token("dev@example.com", "web-app")
    with httpx.Client(base_url=mock.url) as http:
        http.get("/v2/me", headers={"Authorization": f"Bearer {tokens['access_token']}"})
        http.post("/oauth2/token", data={"grant_type": "authorization_code", "code": "used"},
                  auth=("web-app", "web-secret"))  # fmt: skip
        mock.faults.add("token", status=429, retry_after=2)
        http.post("/oauth2/token", data={"grant_type": "refresh_token",
                                         "refresh_token": tokens["refresh_token"]},
                  auth=("web-app", "web-secret"))  # fmt: skip
        http.get("/v4/me")
    mock.faults.add("api", status=503, nth=2)
    page.goto(mock.url + "/")
    page.wait_for_selector("#log-rows tr[data-endpoint]")


def decoded_token(mock: MockServer, page: Any) -> None:
    tokens = mock.issue_token("dev@example.com", "ims-web")
    page.goto(mock.url + "/inspect/token")
    page.fill("textarea[name=token]", tokens["access_token"])
    page.click("#token-form button[type=submit]")
    page.wait_for_selector("#token-verdict.live")


def error_page(mock: MockServer, page: Any) -> None:
    page.goto(f"{mock.url}/oauth2/auth?client_id=web-app&redirect_uri=http://127.0.0.1:1/elsewhere")


def adobe_login(mock: MockServer, page: Any) -> None:
    open_login(mock, page, "ims-web")


def logged_out(mock: MockServer, page: Any) -> None:
    """Signed in, then logged out with no id_token_hint: Hydra's fallback page."""
    catch_callbacks(page)
    open_consent(mock, page)
    page.click("button[value=allow]")
    page.wait_for_url(REDIRECT + "**")
    page.goto(mock.url + "/oauth2/sessions/logout")
    page.wait_for_selector("h1#title")


def login_command_callback(mock: MockServer, page: Any) -> None:
    import threading

    from frameio_oauth_mock.client._login import _CallbackServer

    listener = _CallbackServer("127.0.0.1", 0, "/callback")
    thread = threading.Thread(target=listener.handle_request, daemon=True)
    thread.start()
    page.goto(f"http://127.0.0.1:{listener.port}/callback?code=abc&state=xyz")
    thread.join(5)
    listener.server_close()


SCREENSHOT_STEPS: dict[str, dict[str, Any]] = {
    "login": {"drive": open_login},
    "consent": {"drive": open_consent},
    "consent-phone": {"drive": open_consent, "context": {"viewport": PHONE, "is_mobile": True}},
    "adobe-login": {"drive": adobe_login},
    "error": {"drive": error_page},
    "logged-out": {"drive": logged_out},
    "login-command": {"drive": login_command_callback},
    "inspector": {"drive": busy_inspector, "full_page": True},
    "token": {"drive": decoded_token, "full_page": True},
}
