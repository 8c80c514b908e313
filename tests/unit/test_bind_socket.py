"""`serve` binds an address literal without asking the resolver; what it binds must be what
getaddrinfo would have given, for literals and names alike."""

from __future__ import annotations

import socket

import pytest

from frameio_oauth_mock.mockserver.serving import BindError, bind_socket


def _has_ipv6_loopback() -> bool:
    try:
        with socket.socket(socket.AF_INET6, socket.SOCK_STREAM) as sock:
            sock.bind(("::1", 0))
    except OSError:
        return False
    return True


HOSTS = ["127.0.0.1", "0.0.0.0", "localhost", "127.0.0.2"]
if _has_ipv6_loopback():
    HOSTS += ["::1", "::"]


@pytest.mark.parametrize("host", HOSTS)
def test_binds_where_getaddrinfo_points(host: str) -> None:
    family, kind, _, _, address = socket.getaddrinfo(
        host, 0, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
    )[0]
    sock = bind_socket(host, 0)
    try:
        assert (sock.family, sock.type) == (family, kind)
        assert sock.getsockname()[0] == address[0]
        assert sock.getsockname()[1] != 0  # port 0 picked a free port
    finally:
        sock.close()


def test_a_literal_that_is_no_local_address_is_a_bind_error() -> None:
    with pytest.raises(BindError, match=r"^cannot listen on 192\.0\.2\.1:0: "):
        bind_socket("192.0.2.1", 0)  # TEST-NET-1: never this machine's


def test_a_name_that_does_not_resolve_is_a_resolve_error() -> None:
    with pytest.raises(BindError, match=r"^cannot resolve host 'no-such-host\.invalid': "):
        bind_socket("no-such-host.invalid", 0)
