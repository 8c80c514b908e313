"""`serve` configured the way container and CI users expect: FRAMEIO_MOCK_* variables for every
server option, the whole configuration inline as JSON, a summary of what it serves, a warning
when that cannot complete a flow; and `login` that says at once when no server answers."""

from __future__ import annotations

import json
import socket
import time
from dataclasses import fields
from pathlib import Path

import httpx
import pytest

from frameio_oauth_mock.mockserver.environment import option_variables, server_options
from frameio_oauth_mock.mockserver.settings import ConfigError, ServerSettings
from tests.serverproc import ServerPool, run_cli, write_config

REDIRECT = "http://127.0.0.1:9999/cb"
JSON_CONFIG = {
    "server": {"access_token_ttl": 77},
    "clients": [
        {
            "client_id": "json-app",
            "client_secret": "json-secret",
            "redirect_uris": [REDIRECT],
            "scopes": ["account.read", "offline"],
        },
        {
            "client_id": "json-ims",
            "profile": "adobe-ims",
            "redirect_uris": [REDIRECT],
            "scopes": ["openid", "offline_access"],
        },
    ],
    "users": [{"email": "json@example.com", "password": "pw", "name": "Jay Son"}],
}


@pytest.fixture
def servers() -> ServerPool:
    with ServerPool() as pool:
        yield pool  # type: ignore[misc]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# Every option has its variable ------------------------------------------------------------------


def test_every_server_option_has_a_variable() -> None:
    variables = option_variables()
    assert set(variables.values()) == {field.name for field in fields(ServerSettings)}
    assert variables["FRAMEIO_MOCK_PORT"] == "port"
    assert variables["FRAMEIO_MOCK_ADMIN_TOKEN"] == "admin_token"


@pytest.mark.parametrize(
    ("variable", "raw", "expected"),
    [
        ("FRAMEIO_MOCK_HOST", "0.0.0.0", "0.0.0.0"),
        ("FRAMEIO_MOCK_PORT", "9001", 9001),
        ("FRAMEIO_MOCK_PROFILE", "adobe-ims", "adobe-ims"),
        ("FRAMEIO_MOCK_ISSUER", "https://auth.example.test", "https://auth.example.test"),
        ("FRAMEIO_MOCK_AUTO_APPROVE", "true", True),
        ("FRAMEIO_MOCK_AUTO_APPROVE", "0", False),
        ("FRAMEIO_MOCK_STRICT", "yes", True),
        ("FRAMEIO_MOCK_ACCESS_TOKEN_TTL", "120", 120),
        ("FRAMEIO_MOCK_REFRESH_TOKEN_TTL", "3600", 3600),
        ("FRAMEIO_MOCK_CODE_TTL", "30", 30),
        ("FRAMEIO_MOCK_LOG_LEVEL", "warning", "warning"),
        ("FRAMEIO_MOCK_ADMIN_TOKEN", "t0ken", "t0ken"),
    ],
)
def test_a_variable_sets_its_option(variable: str, raw: str, expected: object) -> None:
    assert server_options({variable: raw}) == {option_variables()[variable]: expected}


@pytest.mark.parametrize(
    ("variable", "raw", "message"),
    [
        ("FRAMEIO_MOCK_PORT", "eighty", "$FRAMEIO_MOCK_PORT: must be a whole number, got 'eighty'"),
        ("FRAMEIO_MOCK_PORT", "70000", "$FRAMEIO_MOCK_PORT: 'port' must be between 0 and 65535"),
        ("FRAMEIO_MOCK_STRICT", "maybe", "$FRAMEIO_MOCK_STRICT: must be true or false"),
        ("FRAMEIO_MOCK_PROFILE", "okta", "$FRAMEIO_MOCK_PROFILE: unknown profile 'okta'"),
        ("FRAMEIO_MOCK_CODE_TTL", "-5", "$FRAMEIO_MOCK_CODE_TTL: 'code_ttl' must be positive"),
        ("FRAMEIO_MOCK_SIGNING_KEY_FILE", "/nonexistent.pem", "$FRAMEIO_MOCK_SIGNING_KEY_FILE"),
    ],
)
def test_a_bad_variable_is_one_line_naming_it(variable: str, raw: str, message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        server_options({variable: raw})
    assert str(caught.value).startswith(message)
    result = run_cli("serve", env={variable: raw})
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1
    assert result.stderr.startswith(f"frameio-mock: error: {message}")


def test_json_config_and_variables_configure_a_running_server(servers: ServerPool) -> None:
    port = _free_port()
    server = servers.start(
        env={
            "FRAMEIO_MOCK_JSON_CONFIG": json.dumps(JSON_CONFIG),
            "FRAMEIO_MOCK_PORT": str(port),
            "FRAMEIO_MOCK_AUTO_APPROVE": "true",
            "FRAMEIO_MOCK_STRICT": "true",
        },
    )
    assert server.url == f"http://127.0.0.1:{port}"
    metadata = httpx.get(server.url + "/.well-known/oauth-authorization-server").json()
    assert metadata["code_challenge_methods_supported"] == ["S256"]  # strict
    answer = httpx.post(
        server.url + "/_mock/tokens",
        json={"user": "json@example.com", "client_id": "json-app"},
    )
    assert answer.status_code == 201
    assert answer.json()["expires_in"] == 77  # the JSON's [server] access_token_ttl
    # The summary names each client with its profile, and the user; never a secret.
    banner = "".join(server.banner)
    assert "Configuration from $FRAMEIO_MOCK_JSON_CONFIG: 2 client(s), 1 user(s)" in banner
    assert "client  json-app  frameio-v2  auth client_secret_basic" in banner
    assert "client  json-ims  adobe-ims  auth none (PKCE app)" in banner
    assert "user    json@example.com  (Jay Son)" in banner
    assert "json-secret" not in server.stdout + server.stderr
    assert "auto-approve" in banner
    assert server.stderr.count("warning") == 0


def test_flags_override_variables_which_override_the_file(
    tmp_path: Path, servers: ServerPool
) -> None:
    config = write_config(tmp_path, "[server]\naccess_token_ttl = 50\nport = 1\n")
    port = _free_port()
    server = servers.start(
        "--config",
        str(config),
        "--port",
        str(port),
        env={"FRAMEIO_MOCK_PORT": "2", "FRAMEIO_MOCK_ACCESS_TOKEN_TTL": "60"},
    )
    assert server.url == f"http://127.0.0.1:{port}"
    httpx.post(
        server.url + "/_mock/clients",
        json={"client_id": "c", "redirect_uris": [REDIRECT], "scopes": ["account.read"]},
    )
    httpx.post(server.url + "/_mock/users", json={"email": "u@example.com", "password": "p"})
    answer = httpx.post(
        server.url + "/_mock/tokens", json={"user": "u@example.com", "client_id": "c"}
    )
    assert answer.json()["expires_in"] == 60


def test_json_config_and_a_config_file_together_are_refused(tmp_path: Path) -> None:
    config = write_config(tmp_path, "")
    result = run_cli(
        "serve", "--config", str(config), env={"FRAMEIO_MOCK_JSON_CONFIG": json.dumps({})}
    )
    assert result.returncode == 2
    assert "$FRAMEIO_MOCK_JSON_CONFIG are both set; use one" in result.stderr


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("{not json", "$FRAMEIO_MOCK_JSON_CONFIG: not valid JSON"),
        ("[1, 2]", "$FRAMEIO_MOCK_JSON_CONFIG: must be a JSON object"),
        ('{"clients": [{"client_id": "x"}]}', "clients[0] (x): has no redirect_uris"),
        ('{"server": {"strict": "yes"}}', "[server]: 'strict' must be true or false"),
    ],
)
def test_bad_json_config_is_one_line(raw: str, message: str) -> None:
    result = run_cli("serve", env={"FRAMEIO_MOCK_JSON_CONFIG": raw})
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1
    assert message in result.stderr


# Summary and warnings ----------------------------------------------------------------------


def test_an_empty_config_starts_with_warnings(tmp_path: Path, servers: ServerPool) -> None:
    config = write_config(tmp_path, "# nothing yet\n")
    server = servers.start("--config", str(config), "--port", "0")
    assert f"Configuration from {config}: 0 client(s), 0 user(s)" in "".join(server.banner)
    time.sleep(0.2)  # stderr is drained by another thread
    warnings = [line for line in server.stderr.splitlines() if "warning" in line]
    assert warnings == [
        f"frameio-mock: warning: {config} defines no clients: every authorization and token "
        "request will be refused (add [[clients]])",
        f"frameio-mock: warning: {config} defines no users: nobody can log in (add [[users]])",
    ]


def test_a_config_with_clients_but_no_users_warns_once(tmp_path: Path, servers: ServerPool) -> None:
    config = write_config(
        tmp_path,
        f'[[clients]]\nclient_id = "a"\nredirect_uris = ["{REDIRECT}"]\n'
        'scopes = ["account.read"]\n',
    )
    server = servers.start("--config", str(config), "--port", "0")
    time.sleep(0.2)
    warnings = [line for line in server.stderr.splitlines() if "warning" in line]
    assert warnings == [
        f"frameio-mock: warning: {config} defines no users: nobody can log in (add [[users]])"
    ]


# login --------------------------------------------------------------------------------


def test_login_without_a_server_says_so_at_once() -> None:
    port = _free_port()  # nothing listens here
    # --timeout 300 would be the wait for the browser; run_cli gives up (and fails) after 30 s.
    result = run_cli(
        "login", "--base-url", f"http://127.0.0.1:{port}", "--no-browser", "--timeout", "300"
    )
    assert result.returncode == 2
    assert result.stderr.startswith(f"frameio-mock: error: cannot reach http://127.0.0.1:{port}")
    assert result.stderr.count("\n") == 1
    assert "http://" not in result.stdout  # no authorization URL was printed: no flow began
