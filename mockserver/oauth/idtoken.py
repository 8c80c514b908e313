"""OpenID Connect id_tokens: RS256 JWTs signed with joserfc, and the JWKS that verifies them.

The key is generated on first use (or loaded from a PEM file), so start-up does not pay for
RSA key generation or for importing the JOSE stack unless a client asks for OpenID.
"""

from __future__ import annotations

import base64
import hashlib
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

from frameio_oauth_mock.mockserver.oauth.errors import OAuthError
from frameio_oauth_mock.mockserver.profiles import Profile

if TYPE_CHECKING:
    from joserfc.jwk import RSAKey

    from frameio_oauth_mock.mockserver.store import Grant


class SigningKeyError(Exception):
    """The configured key file cannot be used; the message is meant for the user."""


def load_signing_key(path: str | Path) -> RSAKey:
    from joserfc.jwk import RSAKey

    try:
        pem = Path(path).read_bytes()
    except OSError as error:
        raise SigningKeyError(f"cannot read signing key {str(path)!r}: {error.strerror}") from None
    try:
        key = RSAKey.import_key(pem, parameters={"use": "sig", "alg": "RS256"})
    except Exception:  # joserfc raises several types for malformed PEM
        raise SigningKeyError(
            f"signing key {str(path)!r} is not an RSA private key in PEM"
        ) from None
    if not key.is_private:
        raise SigningKeyError(f"signing key {str(path)!r} is a public key; a private key is needed")
    key.ensure_kid()
    return key


class IdTokenSigner:
    def __init__(self, key_file: str | None = None) -> None:
        self._key_file = key_file
        self._key: RSAKey | None = None
        self._lock = threading.Lock()

    @property
    def key(self) -> RSAKey:
        if self._key is None:
            with self._lock:
                if self._key is None:
                    self._key = self._make_key()
        return self._key

    def _make_key(self) -> RSAKey:
        if self._key_file:
            return load_signing_key(self._key_file)
        from joserfc.jwk import RSAKey

        return RSAKey.generate_key(
            2048, parameters={"use": "sig", "alg": "RS256"}, private=True, auto_kid=True
        )

    def jwks(self) -> dict[str, Any]:
        return {"keys": [self.key.as_dict(private=False)]}

    def sign(self, claims: dict[str, Any]) -> str:
        from joserfc import jwt

        return jwt.encode({"alg": "RS256", "kid": self.key.kid, "typ": "JWT"}, claims, self.key)


def at_hash(access_token: str) -> str:
    """OpenID Connect Core 3.1.3.6: left half of SHA-256 of the access token, base64url."""
    digest = hashlib.sha256(access_token.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest[:16]).rstrip(b"=").decode("ascii")


def check_nonce(profile: Profile, grant: Grant) -> None:
    """fosite refuses to issue an id_token for a nonce too short to prevent replay."""
    nonce = (grant.nonce or "").encode("utf-8", "surrogateescape")  # Go's len: bytes
    if "openid" in grant.scopes and nonce and len(nonce) < profile.min_nonce_length:
        raise OAuthError(
            "insufficient_entropy",
            f"Parameter 'nonce' is set but does not satisfy the minimum entropy of "
            f"{profile.min_nonce_length} characters.",
        )
