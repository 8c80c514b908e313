"""The real `frameio-mock` command in subprocesses: errors, the demo, flows over real sockets."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import pkce_pair, query_of
from tests.serverproc import ServerPool, run_cli, write_config

HTTP_TIMEOUT = httpx.Timeout(10.0)
DEMO_REDIRECT = "http://127.0.0.1:8765/callback"
# uvicorn shuts down gracefully on SIGTERM, then re-raises the signal (so -SIGTERM is normal).
GRACEFUL_EXIT = (0, -signal.SIGTERM) if os.name == "posix" else (0, 1)

VALID = """
[server]
auto_approve = false
access_token_ttl = 120

[[clients]]
client_id = "file-app"
client_secret = "file-secret"
redirect_uris = ["http://127.0.0.1:9999/cb"]
scopes = ["account.read", "offline"]
name = "File App"

[[users]]
email = "file@example.com"
password = "file-password"
"""

CLIENT = """
[[clients]]
client_id = "my-app"
client_secret = "s3cret"
redirect_uris = ["http://127.0.0.1:8765/callback"]
scopes = ["account.read", "offline"]
"""


@pytest.fixture
def servers() -> Iterator[ServerPool]:
    with ServerPool() as pool:
        yield pool


def assert_one_line_error(result: subprocess.CompletedProcess[str], *fragments: str) -> str:
    """Exit status 2, one 'frameio-mock: error:' line on stderr containing every fragment."""
    assert result.returncode == 2, (result.returncode, result.stdout, result.stderr)
    stderr = result.stderr
    assert "Traceback" not in stderr
    lines = stderr.splitlines()
    assert len(lines) == 1, stderr
    line = lines[0]
    assert line.startswith("frameio-mock: error: "), line
    for fragment in fragments:
        assert fragment in line, (fragment, line)
    return line


# Bad configuration -------------------------------------------------------------------------

BAD_CONFIGS = {
    "syntax": ("[server]\nport 8080\n", "TOML syntax error"),
    "unknown key in server": (
        "[server]\nauto_aprove = true\n",
        "[server]: unknown key 'auto_aprove'",
    ),
    "unknown key in client": (
        CLIENT + 'secret = "x"\n',
        "clients[0] (my-app): unknown key 'secret'",
    ),
    "unknown key in user": (
        '[[users]]\nemail = "a@example.com"\npassword = "pw"\nrole = "x"\n',
        "users[0]: unknown key 'role'",
    ),
    "unknown section": ("[serverr]\n", "unknown section 'serverr'"),
    "unknown scope": (
        CLIENT.replace('"offline"', '"offline", "asset.destroy"'),
        "clients[0] (my-app): unknown scope 'asset.destroy'",
    ),
    "no redirect uris": (
        '[[clients]]\nclient_id = "my-app"\nscopes = ["account.read"]\n',
        "clients[0] (my-app): has no redirect_uris",
    ),
    "duplicate client_id": (CLIENT + CLIENT, "clients[1] (my-app): duplicate client_id 'my-app'"),
    "duplicate user": (
        '[[users]]\nemail = "dev@example.com"\npassword = "pw"\n'
        '[[users]]\nemail = "DEV@example.com"\npassword = "pw"\n',
        "users[1] (DEV@example.com): duplicate user 'DEV@example.com'",
    ),
    "http on non-loopback host": (
        CLIENT.replace("http://127.0.0.1:8765", "http://example.com"),
        "clients[0] (my-app): redirect URI 'http://example.com/callback' uses http on a "
        "non-loopback host",
    ),
    "fragment": (
        CLIENT.replace("/callback", "/callback#x"),
        "must not contain a fragment",
    ),
    "string ttl": ('[server]\ncode_ttl = "600"\n', "'code_ttl' must be a whole number, got '600'"),
    "true ttl": ("[server]\ncode_ttl = true\n", "'code_ttl' must be a whole number, got True"),
    "negative ttl": ("[server]\naccess_token_ttl = -5\n", "'access_token_ttl' must be positive"),
    "unknown profile": ('[server]\nprofile = "nope"\n', "unknown profile 'nope'"),
    "secret with none": (
        CLIENT + 'token_endpoint_auth_method = "none"\n',
        "has a client_secret but token_endpoint_auth_method 'none'",
    ),
    "basic without secret": (
        CLIENT.replace('client_secret = "s3cret"\n', "")
        + 'token_endpoint_auth_method = "client_secret_basic"\n',
        "token_endpoint_auth_method 'client_secret_basic' needs a client_secret",
    ),
    "port out of range": ("[server]\nport = 70000\n", "'port' must be between 0 and 65535"),
    "unknown log level": ('[server]\nlog_level = "verbose"\n', "unknown log_level 'verbose'"),
    "newline in a key": ('"a\\nb" = 1\n', "unknown section 'a\\nb'"),
}


@pytest.mark.parametrize(("text", "problem"), BAD_CONFIGS.values(), ids=BAD_CONFIGS.keys())
def test_bad_config_exits_2_with_one_line(tmp_path: Path, text: str, problem: str) -> None:
    path = write_config(tmp_path, text)
    result = run_cli("serve", "--port", "0", "--config", str(path))
    assert_one_line_error(result, f"frameio-mock: error: {path}: ", problem)
    assert "listening on" not in result.stdout


def test_missing_config_file(tmp_path: Path) -> None:
    path = tmp_path / "missing.toml"
    result = run_cli("serve", "--port", "0", "--config", str(path))
    assert_one_line_error(result, f"{path}: no such file")


def test_config_from_environment_variable(tmp_path: Path) -> None:
    path = tmp_path / "from-env.toml"
    env = {**os.environ, "FRAMEIO_MOCK_CONFIG": str(path)}
    result = subprocess.run(
        [sys.executable, "-m", "frameio_oauth_mock", "serve", "--port", "0"],
        capture_output=True,
        text=True,
        env=env,
        stdin=subprocess.DEVNULL,
        timeout=30,
        check=False,
    )
    assert_one_line_error(result, f"{path}: no such file")


# Bad flags -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "problem"),
    [
        (["serve", "--bogus"], "unrecognized arguments: --bogus"),
        (["--bogus"], "--bogus"),
        (["launch"], "invalid choice: 'launch'"),
        (["serve", "--port", "abc"], "invalid int value: 'abc'"),
        (["serve", "--port", "70000"], "--port must be between 0 and 65535, got 70000"),
        (["serve", "--port", "-1"], "--port must be between 0 and 65535, got -1"),
        (["serve", "--log-level", "loud"], "invalid choice: 'loud'"),
        (["serve", "--issuer", "ftp://example.com"], "--issuer must be an http(s) URL"),
        (["serve", "--config"], "expected one argument"),
        (["serve", "--store", "mysql://db"], "--store: store 'mysql://db' is not one of memory"),
        (["serve", "--store", "sqlite://"], "--store: store 'sqlite://' is not one of"),
    ],
)
def test_bad_flags_exit_2_with_one_line(args: list[str], problem: str) -> None:
    result = run_cli(*args)
    line = assert_one_line_error(result, problem)
    assert "usage:" not in line


def test_help_exits_0() -> None:
    result = run_cli("serve", "--help")
    assert result.returncode == 0, result.stderr
    for flag in ("--host", "--port", "--config", "--auto-approve", "--issuer", "--log-level"):
        assert flag in result.stdout


def test_console_script_is_installed() -> None:
    script = Path(sys.executable).parent / (
        "frameio-mock.exe" if os.name == "nt" else "frameio-mock"
    )
    if not script.exists():
        pytest.skip("console script not installed next to this interpreter")
    result = subprocess.run(
        [str(script), "--help"], capture_output=True, text=True, timeout=30, check=False
    )
    assert result.returncode == 0, result.stderr
    assert "serve" in result.stdout


def test_port_already_in_use() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = run_cli("serve", "--port", str(port))
    assert_one_line_error(result, f"cannot listen on 127.0.0.1:{port}: port already in use")
    assert "listening on" not in result.stdout


# Serving -------------------------------------------------------------------------------------


def test_demo_prints_credentials_then_listening_url(servers: ServerPool) -> None:
    server = servers.start("--port", "0")
    banner = "".join(server.banner)
    for expected in (
        "client_id=demo-app",
        "client_secret=demo-secret",
        "client_id=demo-pkce-app",
        DEMO_REDIRECT,
        "dev@example.com / password",
    ):
        assert expected in banner
    last = server.banner[-1]
    assert re.search(r"listening on http://127\.0\.0\.1:\d+$", last.rstrip()), last
    port = int(server.url.rsplit(":", 1)[1])
    assert port != 0
    assert server.url == f"http://127.0.0.1:{port}"

    response = httpx.get(f"{server.url}/health", timeout=HTTP_TIMEOUT)
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}

    # Interactive by default: the authorization endpoint shows the login page.
    response = httpx.get(
        f"{server.url}/oauth2/auth",
        params={
            "client_id": "demo-app",
            "response_type": "code",
            "redirect_uri": DEMO_REDIRECT,
            "scope": "account.read",
            "state": "state-12345",
        },
        timeout=HTTP_TIMEOUT,
    )
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert 'type="password"' in response.text

    assert server.stop() in GRACEFUL_EXIT
    assert "Traceback" not in server.stderr


def test_demo_auto_approve_flows(servers: ServerPool) -> None:
    server = servers.start("--port", "0", "--auto-approve", "--log-level", "warning")
    assert "auto-approve" in server.banner[-1]
    with httpx.Client(base_url=server.url, timeout=HTTP_TIMEOUT) as http:
        # Confidential app: code, then tokens with HTTP Basic.
        response = http.get(
            "/oauth2/auth",
            params={
                "client_id": "demo-app",
                "response_type": "code",
                "redirect_uri": DEMO_REDIRECT,
                "scope": "account.read offline",
                "state": "state-12345",
            },
        )
        assert response.status_code == 303
        location = response.headers["location"]
        assert location.startswith(DEMO_REDIRECT + "?")
        query = query_of(location)
        assert query["state"] == "state-12345"
        assert query["scope"] == "account.read offline"
        response = http.post(
            "/oauth2/token",
            data={
                "grant_type": "authorization_code",
                "code": query["code"],
                "redirect_uri": DEMO_REDIRECT,
            },
            auth=("demo-app", "demo-secret"),
        )
        assert response.status_code == 200, response.text
        assert response.headers["cache-control"] == "no-store"
        tokens = response.json()
        assert sorted(tokens) == [
            "access_token",
            "expires_in",
            "refresh_token",
            "scope",
            "token_type",
        ]
        assert tokens["token_type"] == "bearer"
        assert tokens["expires_in"] == 3600
        assert tokens["scope"] == "account.read offline"
        assert tokens["access_token"].startswith("ory_at_")
        assert tokens["refresh_token"].startswith("ory_rt_")

        # Refresh rotates.
        response = http.post(
            "/oauth2/token",
            data={"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]},
            auth=("demo-app", "demo-secret"),
        )
        assert response.status_code == 200, response.text
        assert response.json()["refresh_token"] != tokens["refresh_token"]

        # PKCE app: S256 challenge, client_id in the body, no secret.
        verifier, challenge = pkce_pair()
        response = http.get(
            "/oauth2/auth",
            params={
                "client_id": "demo-pkce-app",
                "response_type": "code",
                "redirect_uri": DEMO_REDIRECT,
                "scope": "account.read",
                "state": "state-67890",
                "code_challenge": challenge,
                "code_challenge_method": "S256",
            },
        )
        assert response.status_code == 303, response.text
        code = query_of(response.headers["location"])["code"]
        response = http.post(
            "/oauth2/token",
            data={
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": DEMO_REDIRECT,
                "client_id": "demo-pkce-app",
                "code_verifier": verifier,
            },
        )
        assert response.status_code == 200, response.text
        body = response.json()
        assert "refresh_token" not in body
        assert body["scope"] == "account.read"
    assert server.stop() in GRACEFUL_EXIT


def test_config_file_serves_its_clients(tmp_path: Path, servers: ServerPool) -> None:
    path = write_config(tmp_path, VALID)
    server = servers.start("--port", "0", "--config", str(path), "--auto-approve")
    banner = "".join(server.banner)
    assert "demo-app" not in banner
    assert "demo-secret" not in banner
    with httpx.Client(base_url=server.url, timeout=HTTP_TIMEOUT) as http:
        assert http.get("/health").status_code == 200
        params = {
            "client_id": "file-app",
            "response_type": "code",
            "redirect_uri": "http://127.0.0.1:9999/cb",
            "scope": "account.read offline",
            "state": "state-12345",
        }
        response = http.get("/oauth2/auth", params=params)
        assert response.status_code == 303, response.text
        code = query_of(response.headers["location"])["code"]
        response = http.post(
            "/oauth2/token",
            data={
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": "http://127.0.0.1:9999/cb",
            },
            auth=("file-app", "file-secret"),
        )
        assert response.status_code == 200, response.text
        # The file's access_token_ttl is used.
        assert response.json()["expires_in"] == 120

        # The demo clients are not there: an error page, never a redirect.
        response = http.get(
            "/oauth2/auth",
            params={**params, "client_id": "demo-app", "redirect_uri": DEMO_REDIRECT},
        )
        assert response.status_code != 303
        assert "location" not in response.headers
        assert "invalid_client" in response.text
    assert server.stop() in GRACEFUL_EXIT


def test_config_file_auto_approve(tmp_path: Path, servers: ServerPool) -> None:
    path = write_config(tmp_path, VALID.replace("auto_approve = false", "auto_approve = true"))
    server = servers.start("--port", "0", "--config", str(path))
    assert "auto-approve" in server.banner[-1]
    response = httpx.get(
        f"{server.url}/oauth2/auth",
        params={
            "client_id": "file-app",
            "response_type": "code",
            "redirect_uri": "http://127.0.0.1:9999/cb",
            "scope": "account.read",
            "state": "state-12345",
        },
        timeout=HTTP_TIMEOUT,
    )
    assert response.status_code == 303
    assert "code" in query_of(response.headers["location"])
