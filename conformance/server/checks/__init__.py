"""Importing this package registers every server check in conformance.server.table.TABLE."""

from frameio_oauth_mock.conformance.server.checks import (
    authorize,
    binding,
    client_auth,
    codes,
    entropy,
    metadata,
    pages,
    pkce,
    redirects,
    refresh,
    resource,
    revocation,
    token_endpoint,
    transport,
)

__all__ = [
    "authorize",
    "binding",
    "client_auth",
    "codes",
    "entropy",
    "metadata",
    "pages",
    "pkce",
    "redirects",
    "refresh",
    "resource",
    "revocation",
    "token_endpoint",
    "transport",
]
