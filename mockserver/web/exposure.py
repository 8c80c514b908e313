"""Who can reach the mock, and which requests the control API and the pages accept.

The control API (/_mock/) hands out every client secret and can mint tokens, and the login and
consent pages sign users in. A web page in the user's browser must not drive either: not by
posting a form or a `no-cors` fetch to 127.0.0.1 (refused by the Origin and Content-Type
checks), and not through DNS rebinding, where the page's own host name resolves to 127.0.0.1
(refused by the Host check).

Whether the mock is loopback-only is judged from the addresses it actually bound, never from
the --host text: a name may resolve to 0.0.0.0.
"""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

from frameio_oauth_mock.hosts import is_loopback_host
from frameio_oauth_mock.mockserver.settings import ServerSettings

_WILDCARDS = frozenset(["", "0.0.0.0", "::", "*"])  # noqa: S104 (names, not a bind)


def _ip(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(text.strip("[]").split("%", 1)[0])
    except ValueError:
        return None


class Exposure:
    """The addresses the server listens on; none while it is driven in-process (ASGI)."""

    def __init__(self) -> None:
        self.addresses: tuple[str, ...] = ()

    def bind(self, sock: socket.socket) -> None:
        """Record the address `sock` is bound to (called once the socket is bound)."""
        self.addresses = (*self.addresses, str(sock.getsockname()[0]))

    def unbind(self) -> None:
        self.addresses = ()

    @property
    def listening(self) -> bool:
        return bool(self.addresses)

    @property
    def loopback_only(self) -> bool:
        """True when no other machine can connect: every bound address is a loopback one.

        In-process (no socket) counts as loopback: only code in this process reaches the app.
        """
        for address in self.addresses:
            ip = _ip(address)
            if ip is None or not ip.is_loopback:
                return False
        return True

    def control_api_enabled(self, server: ServerSettings) -> bool:
        return server.admin_token is not None or self.loopback_only

    def served_hosts(self, server: ServerSettings) -> set[str]:
        """Host names (beyond the loopback names) this mock answers to."""
        names = {address.lower() for address in self.addresses if address not in _WILDCARDS}
        if server.host not in _WILDCARDS:
            names.add(server.host.strip("[]").lower())
        if server.issuer:
            issuer_host = urlsplit(server.issuer).hostname
            if issuer_host:
                names.add(issuer_host.lower())
        return names


def host_name(host_header: str) -> str:
    """The name in a Host header, without port and brackets, lowercased."""
    host = host_header.strip().lower()
    if host.startswith("["):
        return host[1:].split("]", 1)[0]
    if host.count(":") == 1:
        return host.split(":", 1)[0]
    return host


def host_problem(exposure: Exposure, server: ServerSettings, host_header: str | None) -> str | None:
    """Why a request with this Host header is refused (DNS rebinding), or None.

    Checked only on a real socket: in-process requests cannot come from a browser.
    """
    if not exposure.listening:
        return None
    if host_header is None:  # HTTP/1.0 without Host: not a browser
        return None
    name = host_name(host_header)
    if is_loopback_host(name) or name in exposure.served_hosts(server):
        return None
    return (
        f"Host {host_header!r} is not a name this mock serves (loopback names, --host, "
        "--issuer's host); pass --issuer with the URL clients use"
    )


def own_origins(scheme: str, host_header: str | None, server: ServerSettings) -> set[str]:
    """The mock's own origins: this request's scheme and Host, and --issuer's origin."""
    origins = set()
    if host_header:
        origins.add(f"{scheme}://{host_header.strip().lower()}")
    if server.issuer:
        parts = urlsplit(server.issuer)
        origins.add(f"{parts.scheme}://{parts.netloc}".lower())
    return origins


def origin_problem(
    origin: str | None, scheme: str, host_header: str | None, server: ServerSettings
) -> str | None:
    """Why a request sent from this Origin is refused (another site's page), or None.

    Browsers send Origin on every cross-origin request and on same-origin POSTs; a request
    without one (curl, a test's HTTP client) is not a page's.
    """
    if origin is None:
        return None
    if origin.strip().lower() in own_origins(scheme, host_header, server):
        return None
    return f"Origin {origin!r} is not this mock's own; pages on other sites may not use it"
