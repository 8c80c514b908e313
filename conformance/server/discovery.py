"""Where the server's endpoints are: RFC 8414 metadata, then OpenID discovery, then the
target's explicit URLs (which always win)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from frameio_oauth_mock.conformance.server.http import Call, Http

# Metadata member -> the target's [endpoints] name.
_MEMBERS = {
    "authorization_endpoint": "authorization",
    "token_endpoint": "token",
    "revocation_endpoint": "revocation",
    "introspection_endpoint": "introspection",
    "userinfo_endpoint": "userinfo",
}


class SetupError(Exception):
    """The run cannot start: the server's endpoints could not be found."""


@dataclass
class Discovery:
    metadata: dict[str, Any] | None = None
    metadata_url: str | None = None
    calls: list[Call] = field(default_factory=list)  # every document fetched, for S62


def well_known_urls(issuer: str) -> list[str]:
    """RFC 8414 3.1 inserts the well-known segment before the issuer's path; OpenID
    Discovery appends it. Both are tried, 8414 first."""
    parts = urlsplit(issuer)
    path = parts.path.rstrip("/")
    rfc8414 = urlunsplit(
        (parts.scheme, parts.netloc, "/.well-known/oauth-authorization-server" + path, "", "")
    )
    oidc = issuer.rstrip("/") + "/.well-known/openid-configuration"
    return [rfc8414, oidc]


def discover(http: Http, issuer: str | None, explicit: str | None) -> Discovery:
    urls = [explicit] if explicit else well_known_urls(issuer) if issuer else []
    found = Discovery()
    for url in urls:
        call = http.get(url)
        found.calls.append(call)
        document = call.json() if call.status == 200 else None
        if document is not None and found.metadata is None:
            found.metadata, found.metadata_url = document, url
    return found


def resolve_endpoints(explicit: dict[str, str], metadata: dict[str, Any] | None) -> dict[str, str]:
    endpoints: dict[str, str] = {}
    for member, name in _MEMBERS.items():
        value = (metadata or {}).get(member)
        if isinstance(value, str) and value:
            endpoints[name] = value
    endpoints.update(explicit)
    missing = [name for name in ("authorization", "token") if name not in endpoints]
    if missing:
        raise SetupError(
            f"no {' and no '.join(missing)} endpoint: discovery found no metadata and the "
            "target's [endpoints] do not name it"
        )
    return endpoints
