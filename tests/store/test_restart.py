"""A `frameio-mock serve --store sqlite:///...` process stopped and started again keeps its state.

Real processes on one database file: a token file saved by `frameio-mock login` before the
restart still refreshes after it, and codes, pending logins, the signing key and the clients
and users added through the control API are all still there.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from frameio_oauth_mock.client import FileTokenStore, FrameioOAuth
from tests.serverproc import ServerPool, ServerProcess, cli_command, cli_env

DEMO_PKCE_APP = "demo-pkce-app"
DEMO_REDIRECT = "http://127.0.0.1:8765/callback"
ANY_PORT_REDIRECT = "http://127.0.0.1:0/callback"
LOGIN_TIMEOUT = 60.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def serve(pool: ServerPool, store: str, port: int, *extra: str) -> ServerProcess:
    return pool.start("--store", store, "--port", str(port), *extra)


def cli_login(base_url: str, token_file: Path) -> None:
    """`frameio-mock login --token-file` in its own process, with this test as the browser."""
    proc = subprocess.Popen(
        cli_command(
            "login",
            "--base-url",
            base_url,
            "--redirect-uri",
            ANY_PORT_REDIRECT,
            "--token-file",
            str(token_file),
            "--no-browser",
            "--timeout",
            str(LOGIN_TIMEOUT),
        ),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=cli_env(),
    )
    try:
        assert proc.stderr is not None
        url = ""
        deadline = time.monotonic() + LOGIN_TIMEOUT
        while not url and time.monotonic() < deadline:
            line = proc.stderr.readline()
            if not line:
                break
            url = next((word for word in line.split() if "/oauth2/auth?" in word), "")
        assert url, "login printed no authorization URL"
        with httpx.Client() as browser:
            answer = browser.get(url)  # auto-approve: straight back to the loopback listener
            assert answer.status_code == 303, answer.text
            assert browser.get(answer.headers["location"]).status_code == 200
        assert proc.wait(timeout=LOGIN_TIMEOUT) == 0, proc.stderr.read()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_a_token_file_saved_before_a_restart_still_refreshes(tmp_path: Path) -> None:
    store = f"sqlite:///{tmp_path / 'mock.db'}"
    port = free_port()
    token_file = tmp_path / "token.json"
    with ServerPool() as pool:
        first = serve(pool, store, port, "--auto-approve")
        cli_login(first.url, token_file)
        first.stop()
        saved = FileTokenStore(token_file).load()
        assert saved is not None and saved.refresh_token

        second = serve(pool, store, port, "--auto-approve")
        with FrameioOAuth(
            DEMO_PKCE_APP,
            redirect_uri=DEMO_REDIRECT,
            base_url=second.url,
            api_url=second.url,
            token_store=FileTokenStore(token_file),
        ) as oauth:
            refreshed = oauth.refresh()
            assert refreshed.refresh_token != saved.refresh_token
            assert oauth.me()["email"] == "dev@example.com"
        # The rotated token is remembered as used across the restart too: reuse is caught.
        reuse = httpx.post(
            second.url + "/oauth2/token",
            data={
                "grant_type": "refresh_token",
                "refresh_token": saved.refresh_token,
                "client_id": DEMO_PKCE_APP,
            },
        )
        assert reuse.status_code == 400
        assert reuse.json()["error_description"].endswith("The refresh token was already used.")


def test_codes_logins_keys_and_added_clients_survive_a_restart(tmp_path: Path) -> None:
    store = f"sqlite:///{tmp_path / 'mock.db'}"
    port = free_port()
    added_client = {
        "client_id": "added-app",
        "client_secret": "added-secret",
        "redirect_uris": [DEMO_REDIRECT],
        "scopes": ["account.read", "offline", "openid"],
    }
    added_user = {"email": "added@example.com", "password": "pw-added"}
    authorize = {
        "client_id": "added-app",
        "response_type": "code",
        "redirect_uri": DEMO_REDIRECT,
        "scope": "account.read offline openid",
        "state": "restart-state-1",
        "nonce": "restart-nonce-0123456789",
    }
    with ServerPool() as pool:
        first = serve(pool, store, port)
        with httpx.Client(base_url=first.url) as http:
            assert http.post("/_mock/clients", json=added_client).status_code == 201
            assert http.post("/_mock/users", json=added_user).status_code == 201
            keys_before = http.get("/.well-known/jwks.json").json()
            http.post("/_mock/clock", json={"freeze": False})
            # An interactive login left waiting on the login page...
            login_page = http.get("/oauth2/auth", params=authorize)
            assert login_page.status_code == 200
            cookies = dict(http.cookies)
        first.stop()

        second = serve(pool, store, port)
        with httpx.Client(base_url=second.url, cookies=cookies) as http:
            assert http.get("/.well-known/jwks.json").json() == keys_before
            clients = {client["client_id"] for client in http.get("/_mock/clients").json()}
            assert "added-app" in clients
            # ...goes on after the restart, as the added user, to a code and tokens.
            form = _hidden_fields(login_page.text)
            consent = http.post(
                "/oauth2/auth/login",
                data={**form, "email": added_user["email"], "password": added_user["password"]},
            )
            assert consent.status_code == 303, consent.text
            page = http.get(consent.headers["location"])
            decision = http.post(
                "/oauth2/auth/consent", data={**_hidden_fields(page.text), "decision": "allow"}
            )
            assert decision.status_code == 303, decision.text
            code = httpx.URL(decision.headers["location"]).params["code"]
        second.stop()

        third = serve(pool, store, port)  # and the code, issued before this restart, redeems
        with httpx.Client(base_url=third.url) as http:
            answer = http.post(
                "/oauth2/token",
                data={
                    "grant_type": "authorization_code",
                    "code": code,
                    "redirect_uri": DEMO_REDIRECT,
                },
                auth=("added-app", "added-secret"),
            )
            assert answer.status_code == 200, answer.text
            me = http.get(
                "/v2/me", headers={"Authorization": f"Bearer {answer.json()['access_token']}"}
            )
            assert me.json()["email"] == added_user["email"]
            assert http.get("/.well-known/jwks.json").json() == keys_before


def _hidden_fields(html: str) -> dict[str, str]:
    import re

    return dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', html))


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX paths")
def test_a_store_that_cannot_be_opened_is_a_one_line_error(tmp_path: Path) -> None:
    from tests.serverproc import run_cli

    missing = tmp_path / "no-such-directory" / "mock.db"
    result = run_cli("serve", "--store", f"sqlite:///{missing}", "--port", "0")
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("frameio-mock: error: cannot open store")
