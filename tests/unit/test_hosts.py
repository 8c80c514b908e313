"""The one loopback test the server, the client library and the conformance suites share."""

from __future__ import annotations

import subprocess
import sys

import pytest

from frameio_oauth_mock.hosts import is_loopback_host, is_loopback_ip


@pytest.mark.parametrize(
    ("host", "loopback", "literal"),
    [
        ("localhost", True, False),
        ("LocalHost", True, False),
        ("a.b.localhost", True, False),
        ("127.0.0.1", True, True),
        ("127.8.9.10", True, True),
        ("[::1]", True, True),
        ("::1", True, True),
        ("example.com", False, False),
        ("localhost.example.com", False, False),
        ("192.168.1.1", False, False),
        ("[::2]", False, False),
        ("", False, False),
    ],
)
def test_loopback_names_and_literals(host: str, loopback: bool, literal: bool) -> None:
    assert is_loopback_host(host) is loopback
    assert is_loopback_ip(host) is literal


def test_no_host_is_no_loopback_literal() -> None:
    assert is_loopback_ip(None) is False


def test_the_client_library_loads_without_the_server() -> None:
    code = (
        "import sys, frameio_oauth_mock.client, frameio_oauth_mock.hosts;"
        "print([m for m in sys.modules if m.startswith('frameio_oauth_mock.mockserver')])"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert run.stdout.strip() == "[]"
