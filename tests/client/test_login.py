"""login() and `frameio-mock login`, with a test playing the browser."""

from __future__ import annotations

import json
import socket
import stat
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from frameio_oauth_mock.client import (
    AccessDeniedError,
    FileTokenStore,
    FrameioOAuth,
    LoginError,
    LoginTimeoutError,
    login,
)
from frameio_oauth_mock.mockserver.cli import main
from frameio_oauth_mock.mockserver.testing import MockServer
from tests.client.conftest import SECRET, SECRET_APP, USER, SyncEnv

ANY_PORT_REDIRECT = "http://127.0.0.1:0/callback"


class Browser:
    """Follows the authorization URL on the mock (auto-approve), then the redirect to the
    loopback listener, as a real browser would; records what the listener answered."""

    def __init__(self, authorize: httpx.Client) -> None:
        self.authorize = authorize
        self.pages: list[httpx.Response] = []

    def __call__(self, url: str) -> bool:
        answer = self.authorize.get(url, follow_redirects=False)
        assert answer.status_code == 303, answer.text
        with httpx.Client() as loopback:  # a real socket: the listener is a real server
            self.pages.append(loopback.get(answer.headers["location"]))
        return True


def test_login_catches_the_callback_and_exchanges(sync_env: SyncEnv) -> None:
    oauth = sync_env.oauth(redirect_uri=ANY_PORT_REDIRECT)
    browser = Browser(sync_env.http)
    shown: list[str] = []

    token = login(oauth, open_browser=browser, announce=shown.append, timeout=60)

    assert oauth.token_store.load() == token
    assert oauth.me()["email"] == USER
    assert len(shown) == 1 and "/oauth2/auth?" in shown[0]
    (page,) = browser.pages
    assert page.status_code == 200
    assert "Authorization received" in page.text
    assert page.headers["referrer-policy"] == "no-referrer"
    assert page.headers["cache-control"] == "no-store"
    assert "default-src 'none'" in page.headers["content-security-policy"]
    exchange = sync_env.mock.requests.last("token")
    assert exchange is not None and exchange.status == 200
    # The free port the listener got is the redirect_uri in both requests.
    redirect = exchange.form["redirect_uri"]
    assert isinstance(redirect, str) and redirect.startswith("http://127.0.0.1:")
    assert not redirect.startswith("http://127.0.0.1:0/")


def test_login_with_a_fixed_port_and_a_secret(sync_env: SyncEnv) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    oauth = sync_env.oauth(SECRET_APP, SECRET, redirect_uri=f"http://127.0.0.1:{port}/callback")
    token = oauth.login(open_browser=Browser(sync_env.http), announce=lambda _: None, timeout=60)
    assert token.access_token
    entry = sync_env.mock.requests.last("token")
    assert entry is not None and entry.form["redirect_uri"] == f"http://127.0.0.1:{port}/callback"


def test_an_error_callback_is_reported_to_the_browser_and_raised(sync_env: SyncEnv) -> None:
    sync_env.mock.faults.add("authorize", redirect_error="access_denied")
    oauth = sync_env.oauth(redirect_uri=ANY_PORT_REDIRECT)
    browser = Browser(sync_env.http)
    with pytest.raises(AccessDeniedError):
        login(oauth, open_browser=browser, announce=lambda _: None, timeout=60)
    assert "Authorization failed" in browser.pages[0].text
    assert sync_env.mock.requests.count("token") == 0


def test_other_paths_are_not_taken_for_the_callback(sync_env: SyncEnv) -> None:
    oauth = sync_env.oauth(redirect_uri=ANY_PORT_REDIRECT)
    browser = Browser(sync_env.http)

    def stray_then_real(url: str) -> bool:
        target = httpx.URL(url).params["redirect_uri"]
        with httpx.Client() as loopback:
            assert loopback.get(target.replace("/callback", "/favicon.ico")).status_code == 404
            assert loopback.get(target).status_code == 404  # no query: not a callback
        return browser(url)

    assert login(oauth, open_browser=stray_then_real, announce=lambda _: None, timeout=60)


def test_login_times_out_without_a_callback(sync_env: SyncEnv) -> None:
    oauth = sync_env.oauth(redirect_uri=ANY_PORT_REDIRECT)
    with pytest.raises(LoginTimeoutError):
        login(oauth, open_browser=None, announce=lambda _: None, timeout=0.2)


def test_login_needs_a_loopback_http_redirect() -> None:
    oauth = FrameioOAuth("app", redirect_uri="https://app.example.com/callback")
    with pytest.raises(LoginError, match="loopback"):
        login(oauth, open_browser=None)


def test_a_taken_port_is_a_clear_error() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        oauth = FrameioOAuth("app", redirect_uri=f"http://127.0.0.1:{port}/callback")
        with pytest.raises(LoginError, match=f"cannot listen on 127.0.0.1:{port}"):
            login(oauth, open_browser=None)


# The CLI --------------------------------------------------------------------------------------
@pytest.fixture
def browser_for_cli(frameio_mock: MockServer, monkeypatch: pytest.MonkeyPatch) -> Iterator[Browser]:
    """Stand in for the system browser that `frameio-mock login` opens."""
    http = httpx.Client()
    browser = Browser(http)
    monkeypatch.setattr("webbrowser.open", browser)
    yield browser
    http.close()


def run(mock: MockServer, *args: str) -> int:
    return main(["login", "--base-url", mock.url, "--redirect-uri", ANY_PORT_REDIRECT, *args])


def test_cli_login_stores_the_token(
    frameio_mock: MockServer,
    browser_for_cli: Browser,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    path = tmp_path / "token.json"
    assert run(frameio_mock, "--token-file", str(path)) == 0
    out, err = capsys.readouterr()
    assert out == ""  # the token went to the file, not the terminal
    assert "/oauth2/auth?" in err and f"token saved to {path}" in err
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    token = FileTokenStore(path).load()
    assert token is not None and token.scope == "account.read offline"
    entry = frameio_mock.requests.last("token")
    assert entry is not None and entry.client_id == "demo-pkce-app"


def test_cli_login_prints_the_token_and_takes_a_secret(
    frameio_mock: MockServer, browser_for_cli: Browser, capsys: pytest.CaptureFixture[str]
) -> None:
    status = run(
        frameio_mock,
        "--client-id",
        SECRET_APP,
        "--client-secret",
        SECRET,
        "--scope",
        "account.read",
    )
    assert status == 0
    out, _ = capsys.readouterr()
    printed = json.loads(out)
    assert printed["scope"] == "account.read" and printed["refresh_token"] is None
    entry = frameio_mock.requests.last("token")
    assert entry is not None and entry.headers["authorization"].startswith("Basic ")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--base-url", "ftp://x"], "--base-url: must be an http(s) URL"),
        (["--redirect-uri", "http://example.com/cb"], "--redirect-uri: http is allowed only"),
        (["--timeout", "0"], "--timeout must be positive"),
    ],
)
def test_cli_errors_are_one_line_and_exit_2(
    args: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["login", *args]) == 2
    _, err = capsys.readouterr()
    lines = [line for line in err.splitlines() if line.startswith("frameio-mock: error:")]
    assert len(lines) == 1 and message in lines[0], err


def test_cli_login_timeout_is_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    # A server that answers, and a browser that never comes back.
    with MockServer() as mock:
        args = ["--base-url", mock.url, "--no-browser", "--timeout", "0.2"]
        assert main(["login", *args, "--redirect-uri", ANY_PORT_REDIRECT]) == 2
    _, err = capsys.readouterr()
    lines = [line for line in err.splitlines() if line.startswith("frameio-mock: error:")]
    assert len(lines) == 1 and "login_timeout" in lines[0], err


def test_cli_reports_an_unreachable_server_in_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{probe.getsockname()[1]}"

    def browser(url: str) -> bool:
        target = httpx.URL(url).params["redirect_uri"]
        state = httpx.URL(url).params["state"]
        with httpx.Client() as loopback:
            loopback.get(f"{target}?code=c0de&state={state}")
        return True

    monkeypatch.setattr("webbrowser.open", browser)
    assert main(["login", "--base-url", dead, "--redirect-uri", ANY_PORT_REDIRECT]) == 2
    _, err = capsys.readouterr()
    assert err.splitlines()[-1].startswith(f"frameio-mock: error: cannot reach {dead}")
