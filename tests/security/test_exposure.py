"""Loopback is judged from the address actually bound, not from the --host text (issue 16,
item 2): a name that resolves to 0.0.0.0 listens on every interface."""

from __future__ import annotations

import socket
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from frameio_oauth_mock.mockserver.cli import _describe_control_api
from frameio_oauth_mock.mockserver.settings import ServerSettings
from frameio_oauth_mock.mockserver.web.exposure import Exposure
from tests.harness.support import HTTP_TIMEOUT, make_mock

WIDE_NAME = "everywhere.localhost"  # "*.localhost" reads as loopback, but this one is not


@pytest.fixture
def wide_name(monkeypatch: pytest.MonkeyPatch) -> str:
    """A host name that resolves to 0.0.0.0 (as a hosts-file entry could make it)."""
    real = socket.getaddrinfo

    def resolve(host: Any, *args: Any, **kwargs: Any) -> Any:
        return real("0.0.0.0" if host == WIDE_NAME else host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", resolve)
    return WIDE_NAME


def test_a_name_bound_to_every_interface_gets_no_open_control_api(wide_name: str) -> None:
    with make_mock(host=wide_name) as mock:
        port = urlsplit(mock.url).port
        assert not mock.app.state.exposure.loopback_only
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=HTTP_TIMEOUT) as http:
            listed = http.get("/_mock/clients")
            assert listed.status_code == 404, listed.text
            assert "client_secret" not in listed.text
            issue = {"user": "dev@example.com", "client_id": "app"}
            minted = http.post("/_mock/tokens", json=issue)
            assert minted.status_code == 404
            assert http.get("/.well-known/openid-configuration").status_code == 200


def test_with_an_admin_token_it_is_on_behind_the_token(wide_name: str) -> None:
    with make_mock(host=wide_name, admin_token="T0ken-xyz") as mock:
        port = urlsplit(mock.url).port
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=HTTP_TIMEOUT) as http:
            assert http.get("/_mock/clients").status_code == 401
            admin = {"Authorization": "Bearer T0ken-xyz"}
            assert http.get("/_mock/clients", headers=admin).status_code == 200


def bound(address: str) -> Exposure:
    exposure = Exposure()
    family = socket.AF_INET6 if ":" in address else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        sock.bind((address, 0))  # bound, never listening
        exposure.bind(sock)
    return exposure


def test_exposure_is_judged_from_the_bound_address() -> None:
    assert bound("127.0.0.1").loopback_only
    assert not bound("0.0.0.0").loopback_only
    assert Exposure().loopback_only  # in-process: only this process reaches the app


def test_banner_follows_the_bound_address() -> None:
    server = ServerSettings(host=WIDE_NAME)
    assert "is off" in _describe_control_api(server, loopback_only=False)
    assert "loopback only" in _describe_control_api(server, loopback_only=True)
    with_token = ServerSettings(host=WIDE_NAME, admin_token="t")
    assert "requires" in _describe_control_api(with_token, loopback_only=False)
