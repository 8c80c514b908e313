"""The server's log, as someone watching `frameio-mock serve` reads it: one info line per refused
request naming the OAuth error and its description (never a secret), and a dropped connection
reported as dropped, not as the 200 it never finished."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator

import httpx
import pytest

from tests.serverproc import ServerPool, ServerProcess

SECRET = "not-the-secret-4f1c9a"
CODE = "ory_ac_madeup-code-7d2b"
TOKEN = "ory_at_madeup-token-91ce"
REDIRECT = "http://127.0.0.1:8765/callback"
SENTINEL = "refused GET /userinfo: request_unauthorized"


@pytest.fixture(scope="module")
def server() -> Iterator[ServerProcess]:
    with ServerPool() as pool:
        yield pool.start("--port", "0")


def _log_after(server: ServerProcess, action: object) -> list[str]:
    """The log lines the server wrote while `action` ran.

    A known refusal is sent last and awaited: requests are answered in order, so once its line
    is in, so is every line `action` caused (no guessing how long the pipe takes).
    """
    before = len(server.stderr.splitlines())
    assert callable(action)
    action()
    httpx.get(server.url + "/userinfo", params={"sentinel": "1"})
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        lines = server.stderr.splitlines()[before:]
        if any(SENTINEL in line for line in lines):
            return [line for line in lines if SENTINEL not in line]
        time.sleep(0.02)
    raise AssertionError(f"the sentinel refusal was never logged:\n{server.stderr}")


def _refusals(lines: list[str]) -> list[str]:
    return [line.split("refused ", 1)[1] for line in lines if "refused " in line]


def test_token_refusal_names_error_and_description_without_secrets(server: ServerProcess) -> None:
    def act() -> None:
        httpx.post(
            server.url + "/oauth2/token",
            auth=("demo-app", SECRET),
            data={"grant_type": "authorization_code", "code": CODE, "redirect_uri": REDIRECT},
        )

    lines = _log_after(server, act)
    assert _refusals(lines) == [
        "POST /oauth2/token (client demo-app): invalid_client: Client authentication failed "
        "(e.g., unknown client, no client authentication included, or unsupported "
        "authentication method)."
    ]
    assert next(line for line in lines if "refused" in line).startswith("INFO:")
    assert SECRET not in server.stderr + server.stdout
    assert CODE not in server.stderr + server.stdout


def test_wrong_code_is_invalid_grant(server: ServerProcess) -> None:
    def act() -> None:
        httpx.post(
            server.url + "/oauth2/token",
            auth=("demo-app", "demo-secret"),
            data={"grant_type": "authorization_code", "code": CODE, "redirect_uri": REDIRECT},
        )

    (line,) = _refusals(_log_after(server, act))
    assert line.startswith("POST /oauth2/token (client demo-app): invalid_grant: ")
    assert CODE not in server.stderr


def test_error_page_and_error_redirect_are_both_logged(server: ServerProcess) -> None:
    def act() -> None:
        httpx.get(server.url + "/oauth2/auth", params={"client_id": "nobody", "state": "s" * 8})
        httpx.get(
            server.url + "/oauth2/auth",
            params={
                "client_id": "demo-app",
                "response_type": "code",
                "redirect_uri": REDIRECT,
                "scope": "made.up",
                "state": "state-123456",
            },
        )

    page, redirect = _refusals(_log_after(server, act))
    assert page.startswith("GET /oauth2/auth (client nobody): invalid_client: ")
    assert "The requested OAuth 2.0 Client does not exist." in page
    assert redirect.startswith("GET /oauth2/auth (client demo-app): invalid_scope: ")
    assert "'made.up'" in redirect
    assert "state-123456" not in redirect  # a refusal line carries no query


def test_bad_bearer_token_is_logged_without_the_token(server: ServerProcess) -> None:
    def act() -> None:
        httpx.get(server.url + "/v2/me", headers={"Authorization": f"Bearer {TOKEN}"})

    (line,) = _refusals(_log_after(server, act))
    assert line.startswith("GET /v2/me: invalid_token: ")
    assert TOKEN not in server.stderr


def test_a_success_is_not_a_refusal(server: ServerProcess) -> None:
    def act() -> None:
        httpx.get(server.url + "/.well-known/openid-configuration").raise_for_status()

    assert _refusals(_log_after(server, act)) == []


def test_a_drop_fault_is_logged_as_dropped_not_200(server: ServerProcess) -> None:
    rule = httpx.post(server.url + "/_mock/faults", json={"endpoint": "token", "drop": True})
    fault_id = rule.json()["id"]

    def act() -> None:
        with pytest.raises(httpx.RemoteProtocolError):
            httpx.post(
                server.url + "/oauth2/token",
                auth=("demo-app", "demo-secret"),
                data={"grant_type": "authorization_code", "code": CODE},
            )

    lines = _log_after(server, act)
    assert (
        f"dropped POST /oauth2/token (client demo-app): connection closed mid-answer "
        f"[fault {fault_id}]" in "\n".join(lines)
    )
    assert not [line for line in lines if re.search(r'"POST /oauth2/token HTTP/1.1" 200', line)]
    assert not _refusals(lines)
    # The request log, too, records no status for the answer that was never finished.
    logged = httpx.get(server.url + "/_mock/requests", params={"endpoint": "token"}).json()
    assert logged["requests"][-1]["fault"] == fault_id
    assert logged["requests"][-1]["status"] == 0
    httpx.delete(server.url + "/_mock/faults")


# uvicorn's access lines: one per answer at info and below, none above ---------------------------


def _access_log(level: str) -> str:
    """stdout (where uvicorn's access lines go) of a server that answered two requests, read
    after the process has exited, so every line it wrote is in."""
    with ServerPool() as pool:
        server = pool.start("--port", "0", "--log-level", level)
        assert httpx.get(server.url + "/health").status_code == 200
        refused = httpx.post(server.url + "/oauth2/token", data={"grant_type": "password"})
        assert refused.status_code == 400
        server.stop()
    return server.stdout


@pytest.mark.parametrize("level", ["info", "debug"])
def test_access_lines_are_logged_at_info_and_debug(level: str) -> None:
    log = _access_log(level)
    assert re.search(r'"GET /health HTTP/1\.1" 200', log), log
    assert re.search(r'"POST /oauth2/token HTTP/1\.1" 400', log), log


def test_no_access_lines_at_warning() -> None:
    log = _access_log("warning")
    assert "listening on" in log  # the banner is on stdout: this is the stream that would hold them
    assert 'HTTP/1.1"' not in log, log
