"""Opaque credentials shaped like Hydra's: prefix + b64url(32 random bytes) + "." + b64url(HMAC)."""

from __future__ import annotations

import base64
import hmac
import random
import secrets
from collections.abc import Callable


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


class TokenFactory:
    """Mints codes and tokens with 256 bits of randomness each.

    `random_bytes` is `secrets.token_bytes` unless a test asks for a seeded generator.
    """

    def __init__(self, random_bytes: Callable[[int], bytes] = secrets.token_bytes) -> None:
        self._random_bytes = random_bytes
        self._key = random_bytes(32)

    @classmethod
    def seeded(cls, seed: int | None) -> TokenFactory:
        """Random tokens, or with a seed the same sequence every run (for golden files)."""
        if seed is None:
            return cls()
        return cls(random.Random(seed).randbytes)

    def mint(self, prefix: str) -> str:
        body = self._random_bytes(32)
        signature = hmac.digest(self._key, body, "sha256")  # one C call, same digest
        return f"{prefix}{_b64(body)}.{_b64(signature)}"

    def opaque_id(self) -> str:
        """An unguessable identifier for server-side records (pending logins, sessions)."""
        return _b64(self._random_bytes(24))
