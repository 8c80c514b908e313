"""Token: what the token endpoint granted, with an absolute expiry so it survives storage."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from frameio_oauth_mock.client._errors import InvalidResponseError, TokenStoreError


@dataclass(frozen=True)
class Token:
    """An access token and what came with it.

    `expires_at` is seconds since the epoch (None when the server sent no `expires_in`).
    The secrets are left out of repr() so a logged Token leaks nothing.
    """

    access_token: str = field(repr=False)
    refresh_token: str | None = field(default=None, repr=False)
    scope: str = ""
    expires_at: float | None = None
    token_type: str = "bearer"
    id_token: str | None = field(default=None, repr=False)

    @property
    def scopes(self) -> tuple[str, ...]:
        return tuple(part for part in self.scope.split(" ") if part)

    def expires_in(self, now: float) -> float | None:
        """Seconds left at `now` (negative once expired), or None when unknown."""
        return None if self.expires_at is None else self.expires_at - now

    def is_expired(self, now: float, leeway: float = 0.0) -> bool:
        """True when the token expires within `leeway` seconds of `now` (never if unknown)."""
        return self.expires_at is not None and self.expires_at - now <= leeway

    @property
    def authorization(self) -> str:
        """The Authorization header value (RFC 6750 2.1)."""
        return f"Bearer {self.access_token}"

    def successor(self, refreshed: Token) -> Token:
        """`refreshed`, completed from this token where the refresh response was silent.

        The refresh token is kept only when the server sent no new one (RFC 6749 6: the
        client MUST discard the old one when a new one is issued).
        """
        return replace(
            refreshed,
            refresh_token=refreshed.refresh_token or self.refresh_token,
            scope=refreshed.scope or self.scope,
            id_token=refreshed.id_token or self.id_token,
        )

    # Serialisation ---------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        return {
            "access_token": self.access_token,
            "refresh_token": self.refresh_token,
            "scope": self.scope,
            "expires_at": self.expires_at,
            "token_type": self.token_type,
            "id_token": self.id_token,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Token:
        """Read what to_dict() wrote; unknown keys are ignored, optional ones may be missing."""
        access_token = data.get("access_token")
        if not isinstance(access_token, str) or not access_token:
            raise TokenStoreError("invalid_token_data", "'access_token' is missing")
        expires_at = data.get("expires_at")
        if expires_at is not None and not _is_number(expires_at):
            raise TokenStoreError("invalid_token_data", "'expires_at' must be a number")
        return cls(
            access_token=access_token,
            refresh_token=_text_or_none(data.get("refresh_token")),
            scope=_text_or_none(data.get("scope")) or "",
            expires_at=None if expires_at is None else float(expires_at),
            token_type=_text_or_none(data.get("token_type")) or "bearer",
            id_token=_text_or_none(data.get("id_token")),
        )

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2)

    @classmethod
    def from_json(cls, text: str) -> Token:
        try:
            data = json.loads(text)
        except ValueError as error:
            raise TokenStoreError("invalid_token_data", f"not JSON ({error})") from None
        if not isinstance(data, dict):
            raise TokenStoreError("invalid_token_data", "expected a JSON object")
        return cls.from_dict(data)

    @classmethod
    def from_response(cls, body: Mapping[str, Any], now: float, requested_scope: str = "") -> Token:
        """A token endpoint's success body (RFC 6749 5.1), read leniently where it may be.

        Unknown members are ignored and token_type is compared case-insensitively (Frame.io
        says "bearer"); a missing expires_in or refresh_token is allowed, and a missing scope
        means the requested one was granted.
        """
        access_token = body.get("access_token")
        if not isinstance(access_token, str) or not access_token:
            raise InvalidResponseError(
                "invalid_response", "the token response has no access_token", 200
            )
        token_type = body.get("token_type", "bearer")
        if not isinstance(token_type, str) or token_type.lower() != "bearer":
            raise InvalidResponseError(
                "invalid_response", f"unsupported token_type {token_type!r} (expected bearer)", 200
            )
        expires_in = _seconds(body.get("expires_in"))
        scope = body.get("scope")
        return cls(
            access_token=access_token,
            refresh_token=_text_or_none(body.get("refresh_token")),
            scope=scope if isinstance(scope, str) else requested_scope,
            expires_at=None if expires_in is None else now + expires_in,
            token_type=token_type,
            id_token=_text_or_none(body.get("id_token")),
        )


def _is_number(value: object) -> bool:
    # bool is an int in Python; true is not a lifetime.
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _text_or_none(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def _seconds(value: object) -> float | None:
    """expires_in as a number; some servers send a numeric string. Anything else: unknown."""
    if isinstance(value, str):
        try:
            value = float(value)
        except ValueError:
            return None
    if not _is_number(value):
        return None
    return max(0.0, float(value))  # type: ignore[arg-type]
