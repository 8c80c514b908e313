"""Adobe Developer Console credential types (`type = "web" | "spa" | "native" | "s2s"`) and
their rules, for adobe-ims clients.

The rules are Adobe's (developer-console docs, UserAuthentication/implementation.md): an OAuth
Web App keeps a secret; a Single-Page App and a Native App have none and must use PKCE, and get
no refresh tokens ("Refresh tokens are not available"); only a Native App redirects to a
non-https scheme (`adobe+<hash>://callback`); a Server-to-Server credential signs in no user, so
it has client_credentials and no redirect URI. A Default Redirect URI is at most 256 characters,
a Redirect URI Pattern at most 512 (the Console's limits).
"""

# Annotations are evaluated here (no `from __future__ import annotations`): typing.NamedTuple
# compiles every string annotation, which every start-up would pay.

import re
from typing import NamedTuple
from urllib.parse import urlsplit

MAX_DEFAULT_REDIRECT_URI = 256
MAX_REDIRECT_URI_PATTERN = 512


class CredentialType(NamedTuple):
    """One credential type's rules (a named tuple: created at every start-up, and a frozen
    dataclass costs a start-up a millisecond to build, a named tuple a few microseconds)."""

    name: str
    title: str  # as the Developer Console names it, for messages
    has_secret: bool  # a confidential client (else: public, PKCE required)
    # The grants it may have; also its default when the client names none.
    grant_types: tuple[str, ...]
    redirects: bool  # it signs users in, so it has redirect URIs
    custom_schemes: bool  # its redirect URIs may use a scheme other than http(s)


CREDENTIAL_TYPES = {
    kind.name: kind
    for kind in (
        CredentialType(
            "web", "OAuth Web App", True, ("authorization_code", "refresh_token"), True, False
        ),
        CredentialType("spa", "OAuth Single-Page App", False, ("authorization_code",), True, False),
        CredentialType("native", "OAuth Native App", False, ("authorization_code",), True, True),
        CredentialType(
            "s2s", "OAuth Server-to-Server", True, ("client_credentials",), False, False
        ),
    )
}


def default_grant_types(credential_type: str) -> tuple[str, ...]:
    """The grants a client of this type has when it names none."""
    kind = CREDENTIAL_TYPES.get(credential_type)
    return kind.grant_types if kind else ("authorization_code", "refresh_token")


def compile_redirect_pattern(pattern: str) -> re.Pattern[str]:
    """The Redirect URI Pattern, compiled; ValueError (one line) if it is not a regex."""
    if len(pattern) > MAX_REDIRECT_URI_PATTERN:
        raise ValueError(
            f"redirect_uri_pattern is longer than {MAX_REDIRECT_URI_PATTERN} characters "
            "(the Developer Console's limit)"
        )
    try:
        return re.compile(pattern)
    except (re.error, OverflowError, RecursionError) as error:
        raise ValueError(
            f"redirect_uri_pattern {pattern!r} is not a valid regular expression ({error})"
        ) from None


def scheme_problem(credential_type: str, uri: str) -> str | None:
    """Why a client of this type may not redirect to `uri`'s scheme, or None."""
    kind = CREDENTIAL_TYPES.get(credential_type)
    if kind is None or kind.custom_schemes:
        return None
    scheme = urlsplit(uri).scheme.lower()
    if scheme in ("http", "https"):
        return None
    return (
        f"redirect URI {uri!r} uses the {scheme}: scheme; only a native credential "
        '(type = "native") may redirect to a custom scheme'
    )


def credential_problem(
    credential_type: str,
    has_secret: bool,
    grant_types: tuple[str, ...],
    redirect_uris: tuple[str, ...],
    default_redirect_uri: str | None,
    redirect_uri_pattern: str,
) -> str | None:
    """Why a client's settings break its credential type's rules, or None."""
    kind = CREDENTIAL_TYPES.get(credential_type)
    if kind is None:
        known = ", ".join(f'"{name}"' for name in CREDENTIAL_TYPES)
        return f"unknown type {credential_type!r} (use one of {known})"
    where = f'type "{kind.name}" ({kind.title})'
    if kind.has_secret and not has_secret:
        return f"{where} needs a client_secret"
    if not kind.has_secret and has_secret:
        return f"{where} is a public client: no client_secret (it uses PKCE instead)"
    for grant in grant_types:
        if grant not in kind.grant_types:
            allowed = ", ".join(kind.grant_types)
            return f"{where} cannot have grant type '{grant}' (it may have: {allowed})"
    if not kind.redirects and (redirect_uris or default_redirect_uri or redirect_uri_pattern):
        return f"{where} signs in no user, so it has no redirect URIs"
    if kind.redirects and not (redirect_uris or default_redirect_uri):
        return f"{where} needs a default_redirect_uri (or redirect_uris)"
    return None
