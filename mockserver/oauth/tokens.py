"""Opaque credentials shaped like Hydra's: prefix + b64url(32 random bytes) + "." + b64url(HMAC)."""

from __future__ import annotations

import binascii
import hashlib
import os
import random
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


# Credentials drawn per OS call: one getrandom(2) per 256 credentials instead of one each
# (about 0.3 µs of every code and token).
_DRAWS_PER_BATCH = 256
_DRAW = 32


class _OsRandomDraws:
    """32-byte draws from os.urandom, fetched in batches and each handed out once.

    list.pop is atomic, so threads never share a draw; a forked child starts empty, so it
    never repeats draws its parent holds (or hands out later).
    """

    def __init__(self) -> None:
        self._draws: list[bytes] = []
        self.take_from_batch = self._draws.pop  # raises IndexError when the batch is used up

    def take(self) -> bytes:
        try:
            return self.take_from_batch()
        except IndexError:
            return self.refill()

    def refill(self) -> bytes:
        """One draw, having fetched the next batch."""
        data = os.urandom(_DRAWS_PER_BATCH * _DRAW)
        self._draws.extend([data[at : at + _DRAW] for at in range(_DRAW, len(data), _DRAW)])
        return data[:_DRAW]

    def forget(self) -> None:
        self._draws.clear()


_OS_DRAWS = _OsRandomDraws()
if hasattr(os, "register_at_fork"):  # not on Windows, which has no fork either
    os.register_at_fork(after_in_child=_OS_DRAWS.forget)


def os_random_bytes(size: int) -> bytes:
    """`size` bytes from the OS's CSPRNG (as secrets.token_bytes), batched when size <= 32."""
    return _OS_DRAWS.take()[:size] if size <= _DRAW else os.urandom(size)


class TokenFactory:
    """Mints codes and tokens with 256 bits of randomness each.

    `random_bytes` is the OS's CSPRNG (os_random_bytes) unless a test asks for a seeded
    generator.
    """

    def __init__(self, random_bytes: Callable[[int], bytes] | None = None) -> None:
        self._random_bytes = random_bytes or os_random_bytes
        # The OS's draws are taken straight from the batch (a call less per credential).
        self._os_draws = random_bytes is None
        self._signer = Sha256Hmac(self._random_bytes(32))

    @classmethod
    def seeded(cls, seed: int | None) -> TokenFactory:
        """Random tokens, or with a seed the same sequence every run (for golden files)."""
        if seed is None:
            return cls()
        return cls(random.Random(seed).randbytes)

    def mint(self, prefix: str) -> str:
        if self._os_draws:
            try:
                body = _OS_DRAWS.take_from_batch()
            except IndexError:
                body = _OS_DRAWS.refill()
        else:
            body = self._random_bytes(32)
        signature = self._signer.digest(body)
        return f"{prefix}{_b64(body)}.{_b64(signature)}"

    def opaque_id(self) -> str:
        """An unguessable identifier for server-side records (pending logins, sessions)."""
        return _b64(self._random_bytes(24))
