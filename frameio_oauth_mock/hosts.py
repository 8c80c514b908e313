"""Which host names are this machine's own: shared by the server, the client library and the
conformance suites (the client must not import the server, nor the server the client)."""

from __future__ import annotations

import ipaddress
from functools import lru_cache


@lru_cache(maxsize=256)  # asked on every page request (the Host check); ipaddress is slow
def is_loopback_host(host: str) -> bool:
    """True for localhost, *.localhost and loopback IP literals (127.0.0.0/8, ::1), with or
    without the brackets of a URL's IPv6 host."""
    host = host.strip("[]").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    return is_loopback_ip(host)


def is_loopback_ip(host: str | None) -> bool:
    """True for loopback IP literals only (RFC 8252 8.3 discourages "localhost", and Hydra
    lets only literals take any port), with or without brackets."""
    if not host:
        return False
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False
