"""`frameio-mock serve` imports only what answering requests needs: the HTTP client, the JOSE
stack (the signing key is made on first use), the page templates, the other stores, the client
library and the conformance suites load when something asks for them, never at start-up; so do
the control API, the inspector, logout and the V4 API (web/deferred.py), on the first request
to one of their routes.

A fresh interpreter runs the real `serve` command up to the point where uvicorn would start
serving, answers one GET /health through the app, and lists its modules.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

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
    "frameio_oauth_mock.mockserver.web.openapi",  # the control API's document, on request
)
# Parts a flow never needs, each imported by the first request to one of its routes.
DEFERRED = {
    "/_mock/clock": "frameio_oauth_mock.mockserver.web.control",
    "/inspect/inspector.js": "frameio_oauth_mock.mockserver.web.inspector",
    "/oauth2/fallbacks/logout/callback": "frameio_oauth_mock.mockserver.web.logout",
    "/v4/me": "frameio_oauth_mock.mockserver.web.v4",
}

_SERVE_ONCE = """
import asyncio, json, os, sys
from frameio_oauth_mock.mockserver import cli, serving

def run_once(self, sockets=None):
    for sock in sockets or []:
        sock.close()
    self._on_ready()

    async def receive():
        return {"type": "http.request", "body": b"", "more_body": False}

    def get(path):
        sent = []

        async def send(message):
            sent.append(message)

        scope = {
            "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET",
            "scheme": "http", "path": path, "raw_path": path.encode(), "query_string": b"",
            "root_path": "", "headers": [(b"host", b"127.0.0.1:8080")],
            "client": ("127.0.0.1", 50000), "server": ("127.0.0.1", 8080),
        }
        asyncio.run(self.config.app(scope, receive, send))
        return sent[0]["status"]

    report = {"status": get("/health"), "modules": sorted(sys.modules), "later": []}
    for path in json.loads(os.environ.get("LATER_PATHS", "[]")):  # and what each then loaded
        report["later"].append([path, get(path), sorted(sys.modules)])
    print(json.dumps(report))

serving.NotifyingServer.run = run_once
sys.exit(cli.main(["serve", "--auto-approve", "--port", "0", *sys.argv[1:]]))
"""


def serve_once(*args: str, later: Sequence[str] = ()) -> dict[str, Any]:
    """The /health status and the modules loaded then; with `later`, each path's status and
    the modules loaded after it."""
    done = subprocess.run(
        [sys.executable, "-c", _SERVE_ONCE, *args],
        capture_output=True,
        text=True,
        env=cli_env({"LATER_PATHS": json.dumps(list(later))}),
        timeout=60,
        check=True,
    )
    report: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return report


def modules_after_start(*args: str) -> set[str]:
    report = serve_once(*args)
    assert report["status"] == 200
    return set(report["modules"])


def loaded(modules: set[str], name: str) -> bool:
    return any(module == name or module.startswith(name + ".") for module in modules)


def test_the_demo_start_loads_nothing_it_does_not_need() -> None:
    modules = modules_after_start()
    assert "frameio_oauth_mock.mockserver.web.app" in modules  # the positive control
    assert [name for name in NOT_AT_START_UP if loaded(modules, name)] == []
    assert [name for name in DEFERRED.values() if name in modules] == []
    assert "tomllib" not in modules  # no file to read


def test_each_deferred_part_loads_on_the_first_request_to_it() -> None:
    report = serve_once(later=list(DEFERRED))
    assert report["status"] == 200
    assert [name for name in DEFERRED.values() if name in report["modules"]] == []
    # Each answered as it does when imported at once (the V4 API: no token, 401), and loaded
    # its own part only.
    answers = {path: status for path, status, _ in report["later"]}
    assert answers == {
        "/_mock/clock": 200,
        "/inspect/inspector.js": 200,
        "/oauth2/fallbacks/logout/callback": 200,
        "/v4/me": 401,
    }
    before = set(report["modules"])
    for path, _, modules in report["later"]:
        newly = {name for name in DEFERRED.values() if name in modules and name not in before}
        assert newly == {DEFERRED[path]}
        before = set(modules)


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
    assert [name for name in DEFERRED.values() if name in modules] == []
