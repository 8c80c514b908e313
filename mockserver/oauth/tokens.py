"""Opaque credentials shaped like Hydra's: prefix + b64url(32 random bytes) + "." + b64url(HMAC)."""

from __future__ import annotations

import binascii
import hashlib
import random
import secrets
from collections.abc import Callable

_URLSAFE = bytes.maketrans(b"+/", b"-_")


def _b64(data: bytes) -> str:
    """base64url without padding (base64.urlsafe_b64encode's output, one call less)."""
    return binascii.b2a_base64(data, newline=False).translate(_URLSAFE).rstrip(b"=").decode()


# RFC 2104's inner and outer pads, as translation tables: key.translate(_IPAD) is key XOR ipad.
_IPAD = bytes(byte ^ 0x36 for byte in range(256))
_OPAD = bytes(byte ^ 0x5C for byte in range(256))
_SHA256_BLOCK = 64


class Sha256Hmac:
    """HMAC-SHA256 under one key: hmac.digest's digest, from the two padded-key states
    hashed once. (OpenSSL 3 sets up its HMAC anew on every hmac.digest call: about 2 µs of
    every code and token minted.)"""

    def __init__(self, key: bytes) -> None:
        if len(key) > _SHA256_BLOCK:
            key = hashlib.sha256(key).digest()
        key = key.ljust(_SHA256_BLOCK, b"\0")
        self._inner = hashlib.sha256(key.translate(_IPAD))
        self._outer = hashlib.sha256(key.translate(_OPAD))

    def digest(self, message: bytes) -> bytes:
        inner = self._inner.copy()
        inner.update(message)
        outer = self._outer.copy()
        outer.update(inner.digest())
        return outer.digest()


class TokenFactory:
    """Mints codes and tokens with 256 bits of randomness each.

    `random_bytes` is `secrets.token_bytes` unless a test asks for a seeded generator.
    """

    def __init__(self, random_bytes: Callable[[int], bytes] = secrets.token_bytes) -> None:
        self._random_bytes = random_bytes
        self._signer = Sha256Hmac(random_bytes(32))

    @classmethod
    def seeded(cls, seed: int | None) -> TokenFactory:
        """Random tokens, or with a seed the same sequence every run (for golden files)."""
        if seed is None:
            return cls()
        return cls(random.Random(seed).randbytes)

    def mint(self, prefix: str) -> str:
        body = self._random_bytes(32)
        signature = self._signer.digest(body)
        return f"{prefix}{_b64(body)}.{_b64(signature)}"

    def opaque_id(self) -> str:
        """An unguessable identifier for server-side records (pending logins, sessions)."""
        return _b64(self._random_bytes(24))
