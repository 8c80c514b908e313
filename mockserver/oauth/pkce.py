"""RFC 7636 verification with fosite's checks and hints, in fosite's order."""

from __future__ import annotations

import binascii
import hashlib
import hmac
import re

from frameio_oauth_mock.mockserver.oauth.errors import OAuthError, invalid_grant
from frameio_oauth_mock.mockserver.oauth.params import go_len

_VERIFIER_CHARACTERS = re.compile(r"[A-Za-z0-9\-._~]*")


def s256_challenge(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    # base64url without padding: base64.urlsafe_b64encode's output, its wrapper's calls saved.
    encoded = binascii.b2a_base64(digest, newline=False)
    return encoded.translate(_URLSAFE).rstrip(b"=").decode("ascii")


_URLSAFE = bytes.maketrans(b"+/", b"-_")


def check_verifier(
    challenge: str | None,
    method: str | None,
    verifier: str | None,
    recorded: bool | None = None,
    required: bool = False,
) -> None:
    """Raise invalid_grant unless `verifier` proves possession for the stored challenge.

    `recorded` says whether the code still has PKCE data (fosite keeps it when either
    code_challenge or code_challenge_method was sent, until the first exchange reaches here);
    by default it has them when either is set.
    """
    if recorded is None:
        recorded = bool(challenge or method)
    if not recorded:
        if verifier:
            raise invalid_grant("Unable to find initial PKCE data tied to this request")
        if required:
            raise _challenge_missing()
        return
    if not challenge and not verifier:
        return
    verifier = verifier or ""
    size = go_len(verifier)
    if size < 43:
        raise invalid_grant("The PKCE code verifier must be at least 43 characters.")
    if size > 128:
        raise invalid_grant("The PKCE code verifier can not be longer than 128 characters.")
    if not _VERIFIER_CHARACTERS.fullmatch(verifier):
        raise invalid_grant(
            "The PKCE code verifier must only contain [a-Z], [0-9], '-', '.', '_', '~'."
        )
    if not challenge:
        raise invalid_grant(
            "The PKCE code verifier was provided but the code challenge was absent from the "
            "authorization request."
        )
    expected = s256_challenge(verifier) if method == "S256" else verifier
    if not hmac.compare_digest(expected.encode(), challenge.encode()):
        raise invalid_grant("The PKCE code challenge did not match the code verifier.")


def check_challenge(
    challenge: str | None, method: str | None, allowed: frozenset[str], required: bool
) -> OAuthError | None:
    """The invalid_request an authorization request's PKCE parameters earn, or None."""
    if not challenge:
        return _challenge_missing() if required else None
    method = method or "plain"
    if method in allowed:
        return None
    if method == "plain":
        return OAuthError(
            "invalid_request", "Clients must use code_challenge_method=S256, plain is not allowed."
        )
    return OAuthError(
        "invalid_request", "The code_challenge_method is not supported, use S256 instead."
    )


def _challenge_missing() -> OAuthError:
    return OAuthError(
        "invalid_request",
        "This client must include a code_challenge when performing the authorize code flow, "
        "but it is missing.",
    )
