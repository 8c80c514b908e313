"""Randomness for one authorization request: state and the PKCE pair (RFC 7636)."""

from __future__ import annotations

import base64
import hashlib
import secrets

# 32 random bytes: 256 bits for state and verifier alike (RFC 7636 7.1 asks >= 256 for the
# verifier; RFC 6749 10.10 >= 128 for state). token_urlsafe gives 43 unreserved characters.
_RANDOM_BYTES = 32


def new_state() -> str:
    return secrets.token_urlsafe(_RANDOM_BYTES)


def new_code_verifier() -> str:
    """43 characters from the unreserved set [A-Za-z0-9-_] (RFC 7636 4.1)."""
    return secrets.token_urlsafe(_RANDOM_BYTES)


def s256_challenge(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")
