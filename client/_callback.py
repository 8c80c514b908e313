"""Reading and checking the authorization response (the callback URL): pure functions, no I/O."""

from __future__ import annotations

import hashlib
import hmac
import threading
from collections import OrderedDict
from urllib.parse import parse_qsl, urlsplit

from frameio_oauth_mock.client._errors import (
    AccessDeniedError,
    AuthorizationError,
    CallbackReplayedError,
    MalformedCallbackError,
    StateMismatchError,
)

# What an authorization response may carry (RFC 6749 4.1.2, 4.1.2.1; RFC 9207).
RESPONSE_PARAMETERS = frozenset(["code", "state", "error", "error_description", "error_uri", "iss"])


def read_callback(callback_url: str) -> dict[str, str]:
    """The callback's query parameters, form-decoded; empty values count as absent.

    A repeated OAuth parameter is refused (RFC 6749 3.1: parameters MUST NOT appear twice),
    since which copy to believe would be a guess an attacker could steer. The redirect URI's
    own query parameters (RFC 6749 3.1.2: kept as registered) may repeat: they are not read.
    """
    params: dict[str, str] = {}
    seen: set[str] = set()
    for name, value in parse_qsl(urlsplit(callback_url).query, keep_blank_values=True):
        if name in seen and name in RESPONSE_PARAMETERS:
            raise MalformedCallbackError(
                "invalid_callback", f"the callback repeats the parameter {name!r}"
            )
        seen.add(name)
        if value:
            params[name] = value
    return params


def same_secret(presented: str, expected: str) -> bool:
    """Constant-time comparison, so timing reveals nothing about the expected value."""
    return hmac.compare_digest(presented.encode("utf-8"), expected.encode("utf-8"))


def check_state(params: dict[str, str], expected_state: str) -> str:
    """The callback's state, if it is the one this client sent (CSRF, RFC 6749 10.12)."""
    if not expected_state:
        raise ValueError("expected_state: the state from authorization_url() is required")
    state = params.get("state")
    if state is None:
        raise StateMismatchError("state_mismatch", "the callback carries no state")
    if not same_secret(state, expected_state):
        raise StateMismatchError(
            "state_mismatch", "the callback's state is not the one this client sent"
        )
    return state


def raise_for_error(params: dict[str, str]) -> None:
    """An error callback (RFC 6749 4.1.2.1) as an AuthorizationError."""
    error = params.get("error")
    if error is None:
        return
    kind = AccessDeniedError if error == "access_denied" else AuthorizationError
    raise kind(error, params.get("error_description"))


def authorization_code(params: dict[str, str]) -> str:
    code = params.get("code")
    if code is None:
        raise MalformedCallbackError(
            "invalid_callback", "the callback carries neither code nor error"
        )
    return code


class ConsumedCallbacks:
    """The states and codes this client has already acted on (C10, C11), as hashes.

    A callback delivered twice (a reload, a replay) must not start a second token request.
    Bounded, oldest forgotten first; thread-safe so two deliveries at once cannot both pass.
    """

    def __init__(self, capacity: int = 1024) -> None:
        self._seen: OrderedDict[bytes, None] = OrderedDict()
        self._capacity = capacity
        self._lock = threading.Lock()

    def take(self, state: str, code: str | None) -> None:
        keys = [_digest("state", state)] + ([_digest("code", code)] if code else [])
        with self._lock:
            if any(key in self._seen for key in keys):
                raise CallbackReplayedError(
                    "callback_replayed", "this callback was already used; authorize again"
                )
            for key in keys:
                self._seen[key] = None
            while len(self._seen) > self._capacity:
                self._seen.popitem(last=False)


def _digest(kind: str, value: str) -> bytes:
    return hashlib.sha256(f"{kind}:{value}".encode()).digest()
