"""The smaller findings of issue 16, item 8."""

from __future__ import annotations

import hashlib
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import jwt
import pytest

from frameio_oauth_mock.mockserver import fingerprint
from frameio_oauth_mock.mockserver.faults import FaultError
from tests.harness.support import APP_ID, HTTP_TIMEOUT, USER_EMAIL, authorize_params, make_mock
from tests.serverproc import ServerPool

pytestmark = pytest.mark.anyio
ISSUER = "https://auth.example.test"


# Fingerprints: keyed per process, so a dictionary of common secrets finds nothing ------------


def test_fingerprints_are_not_unsalted_sha256() -> None:
    for secret in ("password", "demo-secret"):
        unsalted = "redacted:" + hashlib.sha256(secret.encode()).hexdigest()[:12]
        assert fingerprint(secret) != unsalted
        assert fingerprint(secret) == fingerprint(secret)  # tests can still compare


def test_fingerprints_differ_between_processes() -> None:
    code = "from frameio_oauth_mock.mockserver import fingerprint; print(fingerprint('password'))"
    other = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert other.stdout.strip().startswith("redacted:")
    assert other.stdout.strip() != fingerprint("password")


# Fault statuses without a body -------------------------------------------------------------


@pytest.mark.parametrize("status", [204, 205, 304])
def test_bodyless_fault_statuses_send_no_body(status: int) -> None:
    with make_mock() as mock:
        mock.faults.add("token", status=status)
        host, port = urlsplit(mock.url).hostname, urlsplit(mock.url).port
        assert host and port
        with socket.create_connection((host, port), timeout=10) as sock:
            sock.sendall(
                b"POST /oauth2/token HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\n"
                b"Connection: close\r\n\r\n"
            )
            sock.settimeout(10)
            raw = b""
            while chunk := sock.recv(65536):
                raw += chunk
        head, _, body = raw.partition(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 %d " % status), raw
        assert body == b"", raw
        assert b"content-type" not in head.lower()


def test_interim_statuses_are_refused_as_faults() -> None:
    mock = make_mock()
    for status in (100, 101, 199):
        with pytest.raises(FaultError, match="status"):
            mock.faults.add("token", status=status)


# Secure cookies behind https ---------------------------------------------------------------


async def test_cookies_are_secure_when_the_issuer_is_https() -> None:
    mock = make_mock(auto_approve=False, issuer=ISSUER)
    async with mock.async_client() as http:
        page = await http.get("/oauth2/auth", params=authorize_params())
        cookies = page.headers.get_list("set-cookie")
        assert cookies and all("secure" in cookie.lower() for cookie in cookies), cookies


async def test_cookies_are_not_secure_on_plain_http() -> None:
    mock = make_mock(auto_approve=False)
    async with mock.async_client() as http:
        page = await http.get("/oauth2/auth", params=authorize_params())
        assert all("secure" not in c.lower() for c in page.headers.get_list("set-cookie"))


# The issuer comes from --issuer when given ---------------------------------------------------


def test_issue_token_names_the_configured_issuer() -> None:
    with make_mock(issuer=ISSUER) as mock:
        tokens = mock.issue_token(USER_EMAIL, APP_ID, ["account.read", "openid"])
        claims = jwt.decode(tokens["id_token"], options={"verify_signature": False})
        assert claims["iss"] == ISSUER


def test_a_host_header_does_not_change_the_configured_issuer() -> None:
    with make_mock(issuer=ISSUER) as mock, httpx.Client(base_url=mock.url) as http:
        evil = {"Host": "evil.example", "X-Forwarded-Host": "evil.example"}
        metadata = http.get("/.well-known/openid-configuration", headers=evil).json()
        assert metadata["issuer"] == ISSUER
        assert all("evil" not in str(value) for value in metadata.values())


# SIGTERM and disconnects ---------------------------------------------------------------------


def control(url: str, path: str, document: dict[str, object]) -> None:
    answer = httpx.post(url + path, json=document, timeout=HTTP_TIMEOUT)
    assert answer.status_code == 201, answer.text


def test_sigterm_finishes_in_flight_requests_within_a_bounded_time() -> None:
    with ServerPool() as servers:
        server = servers.start("--port", "0")
        control(server.url, "/_mock/faults", {"endpoint": "api", "delay": 0.5})
        control(server.url, "/_mock/faults", {"endpoint": "userinfo", "delay": 120})
        answers: dict[str, int | str] = {}

        def call(name: str, path: str) -> None:
            try:
                answers[name] = httpx.get(server.url + path, timeout=60).status_code
            except httpx.HTTPError as error:
                answers[name] = type(error).__name__

        before = _open_sockets(server.proc.pid)
        short = threading.Thread(target=call, args=("short", "/v2/me"))
        long = threading.Thread(target=call, args=("long", "/userinfo"))
        short.start()
        long.start()
        # Both requests are in flight once the server has accepted both connections (a fixed
        # sleep is not enough on a loaded machine), and a moment later their handlers run.
        deadline = time.monotonic() + 30
        while _open_sockets(server.proc.pid) < before + 2 and time.monotonic() < deadline:
            time.sleep(0.01)
        time.sleep(0.2)
        server.proc.send_signal(signal.SIGTERM)
        # Bounded: far below the 120 s delay still running (the grace period is 5 s). uvicorn
        # re-raises the signal once it has shut down, so the status is -SIGTERM or 0.
        assert server.proc.wait(timeout=30) in (0, -signal.SIGTERM)
        short.join(30)
        long.join(30)
        assert answers["short"] == 401  # finished during the shutdown
        assert answers["long"] != 200  # cut off at the end of the grace period


def _open_sockets(pid: int) -> int:
    """How many sockets the process holds: its listening socket plus accepted connections."""
    count = 0
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            count += os.readlink(fd).startswith("socket:")
        except OSError:  # closed while we looked
            continue
    return count


def test_a_client_that_disconnects_mid_body_logs_no_traceback() -> None:
    with ServerPool() as servers:
        server = servers.start("--port", "0")
        host, port = urlsplit(server.url).hostname, urlsplit(server.url).port
        assert host and port
        for path in (b"/oauth2/token", b"/_mock/clients", b"/nowhere"):
            with socket.create_connection((host, port), timeout=10) as sock:
                sock.sendall(
                    b"POST " + path + b" HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: "
                    b"application/x-www-form-urlencoded\r\nContent-Length: 1000\r\n\r\ngrant"
                )
        assert httpx.get(server.url + "/health", timeout=HTTP_TIMEOUT).status_code == 200
        time.sleep(0.2)  # let the server notice the closed connections
        server.stop()
        assert "Traceback" not in server.stderr, server.stderr
        assert "Exception" not in server.stderr, server.stderr
