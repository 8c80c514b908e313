"""`frameio-mock serve` imports only what answering requests needs: the HTTP client, the JOSE
stack (the signing key is made on first use), the page templates, the other stores, the client
library and the conformance suites load when something asks for them, never at start-up.

A fresh interpreter runs the real `serve` command up to the point where uvicorn would start
serving, answers one GET /health through the app, and lists its modules.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.serverproc import cli_env

# Each costs start-up milliseconds (httpx ~30 ms, the JOSE stack and an RSA key far more).
NOT_AT_START_UP = (
    "httpx",
    "websockets",
    "h11",
    "cryptography",
    "joserfc",
    "jinja2",
    "redis",
    "sqlite3",
    "importlib.metadata",
    "frameio_oauth_mock.client",
    "frameio_oauth_mock.conformance",
)

_SERVE_ONCE = """
import asyncio, json, sys
from frameio_oauth_mock.mockserver import cli, serving

def run_once(self, sockets=None):
    for sock in sockets or []:
        sock.close()
    self._on_ready()
    sent = []

    async def receive():
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message):
        sent.append(message)

    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET",
        "scheme": "http", "path": "/health", "raw_path": b"/health", "query_string": b"",
        "root_path": "", "headers": [(b"host", b"127.0.0.1:8080")],
        "client": ("127.0.0.1", 50000), "server": ("127.0.0.1", 8080),
    }
    asyncio.run(self.config.app(scope, receive, send))
    print(json.dumps({"status": sent[0]["status"], "modules": sorted(sys.modules)}))

serving.NotifyingServer.run = run_once
sys.exit(cli.main(["serve", "--auto-approve", "--port", "0", *sys.argv[1:]]))
"""


def modules_after_start(*args: str) -> set[str]:
    done = subprocess.run(
        [sys.executable, "-c", _SERVE_ONCE, *args],
        capture_output=True,
        text=True,
        env=cli_env(),
        timeout=60,
        check=True,
    )
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report["status"] == 200
    return set(report["modules"])


def loaded(modules: set[str], name: str) -> bool:
    return any(module == name or module.startswith(name + ".") for module in modules)


def test_the_demo_start_loads_nothing_it_does_not_need() -> None:
    modules = modules_after_start()
    assert "frameio_oauth_mock.mockserver.web.app" in modules  # the positive control
    assert [name for name in NOT_AT_START_UP if loaded(modules, name)] == []
    assert "tomllib" not in modules  # no file to read


def test_a_config_file_start_adds_the_toml_reader_and_nothing_else(tmp_path: Path) -> None:
    config = tmp_path / "mock.toml"
    config.write_text(
        '[[clients]]\nclient_id = "app"\n'
        'client_secret = "app-secret"\nredirect_uris = ["http://127.0.0.1:8765/callback"]\n'
        'scopes = ["account.read", "openid"]\n\n[[users]]\nemail = "a@example.com"\n'
        'password = "password"\n',
        encoding="utf-8",
    )
    modules = modules_after_start("--config", str(config))
    assert "tomllib" in modules
    assert [name for name in NOT_AT_START_UP if loaded(modules, name)] == []
