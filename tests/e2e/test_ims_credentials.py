"""Adobe IMS credential types in a real `frameio-mock serve` process (TOML config, real uvicorn,
the SQLite store): an OAuth Web App with a Default Redirect URI and a Redirect URI Pattern signs
a user in through the login and consent pages, and a Native App is answered at its custom
scheme. The pending login travels through the store, so the credential settings must too."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx

from tests.serverproc import ServerPool, write_config

DEFAULT = "https://app.example.com/callback"
NATIVE = "adobe+9f8e7d6c://callback"
CONFIG = r"""
[server]
auto_approve = false

[[clients]]
client_id = "ims-web"
client_secret = "ims-web-secret"
profile = "adobe-ims"
type = "web"
default_redirect_uri = "https://app.example.com/callback"
redirect_uri_pattern = 'https://app\.example\.com/(callback|done)'
scopes = ["openid", "email", "offline_access"]

[[clients]]
client_id = "ims-native"
profile = "adobe-ims"
type = "native"
default_redirect_uri = "adobe+9f8e7d6c://callback"
scopes = ["openid"]

[[users]]
email = "dev@example.com"
password = "password"
"""


def hidden_fields(page: str) -> dict[str, str]:
    return dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', page))


def sign_in(browser: httpx.Client, params: dict[str, str]) -> str:
    """Login page, consent page, Allow: returns where the browser is sent."""
    login = browser.get("/ims/authorize/v2", params=params)
    assert login.status_code == 200 and 'name="password"' in login.text, login.text
    form = {**hidden_fields(login.text), "email": "dev@example.com", "password": "password"}
    logged_in = browser.post("/ims/authorize/v2/login", data=form)
    assert logged_in.status_code in (302, 303), logged_in.text
    consent = browser.get(logged_in.headers["location"])
    allowed = browser.post(
        "/ims/authorize/v2/consent", data={**hidden_fields(consent.text), "decision": "allow"}
    )
    assert allowed.status_code == 302, allowed.text
    return allowed.headers["location"]


def allow(browser: httpx.Client, page: httpx.Response) -> httpx.Response:
    """Allow on a consent page (logged in already: no login page)."""
    assert page.status_code == 200, page.text
    assert 'value="allow"' in page.text and 'name="password"' not in page.text, page.text
    fields = {**hidden_fields(page.text), "decision": "allow"}
    allowed = browser.post("/ims/authorize/v2/consent", data=fields)
    assert allowed.status_code == 302, allowed.text
    return allowed


def test_typed_credentials_through_a_served_process(tmp_path: Path) -> None:
    config = write_config(tmp_path, CONFIG)
    store = f"sqlite:///{tmp_path / 'mock.db'}"
    with ServerPool() as pool:
        server = pool.start("--config", str(config), "--store", store, "--port", "0")
        with httpx.Client(base_url=server.url) as browser:
            # A redirect_uri the pattern does not match: answered at the default.
            location = sign_in(
                browser,
                {
                    "client_id": "ims-web",
                    "scope": "openid email offline_access",
                    "state": "web-state",
                    "redirect_uri": "https://app.example.com/elsewhere",
                },
            )
            assert location.startswith(DEFAULT + "?"), location
            answer = {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}
            assert answer["state"] == "web-state"
            tokens = browser.post(
                "/ims/token/v3",
                data={"grant_type": "authorization_code", "code": answer["code"]},
                auth=("ims-web", "ims-web-secret"),
            )
            assert tokens.status_code == 200, tokens.text
            assert {"access_token", "refresh_token", "id_token", "sub"} <= set(tokens.json())

            # One the pattern matches is answered there (logged in now: consent only).
            matched = browser.get(
                "/ims/authorize/v2",
                params={
                    "client_id": "ims-web",
                    "scope": "openid",
                    "redirect_uri": "https://app.example.com/done",
                },
            )
            matched = allow(browser, matched)
            assert matched.headers["location"].startswith("https://app.example.com/done?code=")

            native = browser.get(
                "/ims/authorize/v2",
                params={"client_id": "ims-native", "scope": "openid", "code_challenge": "c" * 43},
            )
            native = allow(browser, native)
            assert native.headers["location"].startswith(NATIVE + "?code="), native.headers
