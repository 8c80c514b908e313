"""OpenID Connect id_tokens: RS256 JWTs, and the JWKS that verifies them.

The key is generated on first use (or loaded from a PEM file), so start-up does not pay for
RSA key generation or for importing the JOSE stack unless a client asks for OpenID. joserfc
makes, loads and publishes the key; each signature is made with the key's `cryptography`
object directly, the header encoded once: the RSA operation is then nearly all it costs.
"""

from __future__ import annotations

import base64
import hashlib
import json
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

from frameio_oauth_mock.mockserver.oauth.errors import OAuthError
from frameio_oauth_mock.mockserver.profiles import Profile

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.padding import AsymmetricPadding
    from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey
    from cryptography.hazmat.primitives.hashes import HashAlgorithm
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
        self._signing: _Signing | None = None
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

    @property
    def has_key_file(self) -> bool:
        return bool(self._key_file)

    @staticmethod
    def new_pem() -> str:
        """A fresh RSA private key as PEM (for a store to keep across restarts)."""
        from joserfc.jwk import RSAKey

        key = RSAKey.generate_key(2048, private=True)
        return key.as_pem(private=True).decode("ascii")

    def use_pem(self, pem: str) -> None:
        """Sign with this PEM key from now on (the one a persistent store holds)."""
        from joserfc.jwk import RSAKey

        key = RSAKey.import_key(pem, parameters={"use": "sig", "alg": "RS256"})
        key.ensure_kid()
        with self._lock:
            self._key, self._signing = key, None

    def jwks(self) -> dict[str, Any]:
        return {"keys": [self.key.as_dict(private=False)]}

    def verify(self, value: str) -> dict[str, Any] | None:
        """The claims of a JWT this key signed (expired or not), or None."""
        from joserfc import jwt
        from joserfc.errors import JoseError

        try:
            token = jwt.decode(value, self.key, algorithms=["RS256"])
        except (JoseError, ValueError, TypeError):
            return None
        return dict(token.claims)

    def sign(self, claims: dict[str, Any]) -> str:
        """The compact JWS of `claims`, byte for byte what joserfc's jwt.encode makes."""
        signing = self._signing
        if signing is None:
            signing = self._signing = _Signing.for_key(self.key)
        signing_input = signing.header_segment + b"." + _b64(_json(claims))
        signature = signing.private_key.sign(signing_input, signing.padding, signing.hash_algorithm)
        return (signing_input + b"." + _b64(signature)).decode("ascii")


class _Signing:
    """What every signature with one key shares, made once.

    (A plain class: dataclass() would cost every start-up half a millisecond.)
    """

    __slots__ = ("hash_algorithm", "header_segment", "padding", "private_key")

    def __init__(
        self,
        header_segment: bytes,
        private_key: RSAPrivateKey,
        padding: AsymmetricPadding,
        hash_algorithm: HashAlgorithm,
    ) -> None:
        self.header_segment = header_segment
        self.private_key = private_key
        self.padding = padding
        self.hash_algorithm = hash_algorithm

    @classmethod
    def for_key(cls, key: RSAKey) -> _Signing:
        from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
        from cryptography.hazmat.primitives.hashes import SHA256

        header = {"typ": "JWT", "alg": "RS256", "kid": key.kid}
        private_key: RSAPrivateKey = key.private_key  # type: ignore[assignment]
        return cls(_b64(_json(header)), private_key, PKCS1v15(), SHA256())


def _json(value: dict[str, Any]) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _b64(data: bytes) -> bytes:
    return base64.urlsafe_b64encode(data).rstrip(b"=")


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
