"""Scripted faults: rules that make chosen calls misbehave, for negative tests of clients.

A rule matches an endpoint (and optionally a client_id and grant_type), counts the calls it
matches, and fires on calls nth .. nth+times-1. What it does is its effect: an HTTP error with
an OAuth body, a malformed body, changed members in a token answer, a dropped connection, a
delay, or (at the authorization endpoint) a tampered authorization response: an error redirect,
a wrong or missing state or iss.
"""

from __future__ import annotations

import itertools
import json
import threading
from collections.abc import Callable, Iterator, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

ENDPOINTS = ("authorize", "token", "revoke", "introspect", "userinfo", "api")
MALFORMED_BODIES = ("not_json", "truncated_json", "html", "wrong_content_type")
REDIRECT_ERRORS = ("access_denied", "temporarily_unavailable", "server_error", "invalid_request")
TAMPERING = ("wrong", "missing")
WRONG_ISSUER = "https://wrong-issuer.invalid"

# The OAuth error a bare status stands for, when the rule names none.
_DEFAULT_ERRORS = {
    400: "invalid_request",
    401: "invalid_client",
    403: "access_denied",
    429: "temporarily_unavailable",
    500: "server_error",
    502: "server_error",
    503: "temporarily_unavailable",
    504: "temporarily_unavailable",
}


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_json_object(value: object) -> bool:
    if not isinstance(value, dict) or not value:
        return False
    try:
        json.dumps(value)
    except (TypeError, ValueError):
        return False
    return all(isinstance(name, str) for name in value)


class FaultError(ValueError):
    """A fault rule that cannot be built; the message names the bad field."""


@dataclass
class Fault:
    """One rule. Exactly one effect field is set, except `delay`, which may join any of the
    request effects (not the authorization-response ones: redirect_error, state, iss)."""

    endpoint: str
    client_id: str | None = None
    grant_type: str | None = None
    nth: int = 1
    times: int | None = 1  # None: every matching call from the nth on
    # Effects
    status: int | None = None
    error: str | None = None
    error_description: str | None = None
    retry_after: int | None = None
    body: str | None = None  # one of MALFORMED_BODIES
    # JSON members set in a successful token answer (None removes one): unknown members,
    # token_type "Bearer", no expires_in...
    members: dict[str, Any] | None = None
    drop: bool = False
    delay: float = 0.0
    redirect_error: str | None = None  # one of REDIRECT_ERRORS
    state: str | None = None  # "wrong" or "missing"
    iss: str | None = None  # "wrong" or "missing"
    # Bookkeeping
    id: int = 0
    seen: int = 0  # matching calls so far
    fired: int = 0  # calls it changed so far

    def __post_init__(self) -> None:
        self._check()

    @property
    def tampers_authorization_response(self) -> bool:
        return bool(self.redirect_error or self.state or self.iss)

    def _check(self) -> None:
        if self.endpoint not in ENDPOINTS:
            raise FaultError(f"endpoint: must be one of {', '.join(ENDPOINTS)}")
        if not _is_int(self.nth) or self.nth < 1:
            raise FaultError("nth: must be a whole number >= 1")
        if self.times is not None and (not _is_int(self.times) or self.times < 1):
            raise FaultError("times: must be a whole number >= 1, or null for every call")
        if (
            isinstance(self.delay, bool)
            or not isinstance(self.delay, int | float)
            or not 0 <= self.delay <= 300
        ):
            raise FaultError("delay: must be between 0 and 300 seconds")
        if self.status is not None and not (_is_int(self.status) and 100 <= self.status <= 599):
            raise FaultError("status: must be an HTTP status between 100 and 599")
        if self.retry_after is not None and (not _is_int(self.retry_after) or self.retry_after < 0):
            raise FaultError("retry_after: must be a whole number of seconds >= 0")
        if not isinstance(self.drop, bool):
            raise FaultError("drop: must be true or false")
        for name in ("client_id", "grant_type", "error", "error_description"):
            if getattr(self, name) is not None and not isinstance(getattr(self, name), str):
                raise FaultError(f"{name}: must be a string")
        if self.body is not None and self.body not in MALFORMED_BODIES:
            raise FaultError(f"body: must be one of {', '.join(MALFORMED_BODIES)}")
        if self.members is not None and not _is_json_object(self.members):
            raise FaultError("members: must be a non-empty JSON object")
        if self.members is not None and self.endpoint != "token":
            raise FaultError("members: only the token endpoint has this effect")
        if self.redirect_error is not None and self.redirect_error not in REDIRECT_ERRORS:
            raise FaultError(f"redirect_error: must be one of {', '.join(REDIRECT_ERRORS)}")
        for name in ("state", "iss"):
            if getattr(self, name) is not None and getattr(self, name) not in TAMPERING:
                raise FaultError(f"{name}: must be 'wrong' or 'missing'")
        effects = [
            name
            for name in ("status", "body", "members", "drop", "redirect_error", "state", "iss")
            if getattr(self, name)
        ]
        if len(effects) > 1:
            raise FaultError(f"{effects[1]}: a rule has one effect, and this one has {effects[0]}")
        if not effects and not self.delay:
            raise FaultError(
                "status: a rule needs an effect (status, body, members, drop, delay, "
                "redirect_error, state or iss)"
            )
        if self.tampers_authorization_response and self.endpoint != "authorize":
            raise FaultError(f"{effects[0]}: only the authorize endpoint has this effect")
        if self.tampers_authorization_response and self.delay:
            # The response is tampered with deep inside the flow, where nothing can wait.
            raise FaultError(
                f"delay: cannot join {effects[0]}; add a separate authorize rule with the delay"
            )
        if self.error is not None and self.status is None and self.body is None:
            raise FaultError("error: needs a status")

    def matches(self, endpoint: str, client_id: str | None, grant_type: str | None) -> bool:
        return (
            self.endpoint == endpoint
            and (self.client_id is None or self.client_id == client_id)
            and (self.grant_type is None or self.grant_type == grant_type)
        )

    def take_turn(self) -> bool:
        """Count one matching call; True when the rule is due to fire on it."""
        self.seen += 1
        after_start = self.seen - self.nth
        return after_start >= 0 and (self.times is None or after_start < self.times)

    def tamper(self, params: dict[str, str], describe: Callable[[str], str]) -> dict[str, str]:
        """The authorization-response parameters this rule sends instead of `params`."""
        if self.redirect_error:
            tampered = {
                "error": self.redirect_error,
                "error_description": self.error_description or describe(self.redirect_error),
            }
            for kept in ("state", "iss"):
                if kept in params:
                    tampered[kept] = params[kept]
            return tampered
        tampered = dict(params)
        for name, replacement in (("state", "tampered-state-0d1e"), ("iss", WRONG_ISSUER)):
            if getattr(self, name) == "wrong":
                tampered[name] = replacement
            elif getattr(self, name) == "missing":
                tampered.pop(name, None)
        return tampered

    def error_body(self, describe: Callable[[str], str]) -> dict[str, str]:
        """The OAuth error JSON a `status` rule answers with."""
        error = self.error or _DEFAULT_ERRORS.get(self.status or 500, "server_error")
        return {"error": error, "error_description": self.error_description or describe(error)}

    def as_dict(self) -> dict[str, Any]:
        return {
            key: value
            for key, value in asdict(self).items()
            if value is not None and value is not False
        }


_FAULT_FIELDS = {name for name in Fault.__dataclass_fields__ if name not in ("id", "seen", "fired")}


@dataclass
class FaultList:
    """The active rules, in the order they were added; the first that fires wins."""

    rules: list[Fault] = field(default_factory=list)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, endpoint: str, **options: Any) -> Fault:
        """Add a rule: add("token", status=429, retry_after=2), add("authorize", state="wrong")."""
        return self.add_from_mapping({"endpoint": endpoint, **options})

    def add_from_mapping(self, data: Mapping[str, Any]) -> Fault:
        unknown = sorted(set(data) - _FAULT_FIELDS)
        if unknown:
            raise FaultError(f"{unknown[0]}: unknown field")
        try:
            fault = Fault(**data)
        except TypeError as error:  # a required field is missing
            raise FaultError(f"endpoint: required ({error})") from None
        with self._lock:
            fault.id = next(self._ids)
            self.rules.append(fault)
        return fault

    def remove(self, fault_id: int) -> bool:
        with self._lock:
            before = len(self.rules)
            self.rules = [rule for rule in self.rules if rule.id != fault_id]
            return len(self.rules) != before

    def clear(self) -> None:
        with self._lock:
            self.rules = []

    def __bool__(self) -> bool:
        return bool(self.rules)

    def __iter__(self) -> Iterator[Fault]:
        return iter(list(self.rules))

    def __len__(self) -> int:
        return len(self.rules)

    def firing(
        self,
        endpoint: str,
        client_id: str | None,
        grant_type: str | None,
        tampering: bool = False,
    ) -> Fault | None:
        """The rule that fires on this call, if any; every matching rule counts the call.

        `tampering` selects the authorization-response rules (counted per response sent to a
        client) rather than the request rules (counted per request).
        """
        chosen: Fault | None = None
        with self._lock:
            for rule in self.rules:
                if rule.tampers_authorization_response != tampering:
                    continue
                if rule.matches(endpoint, client_id, grant_type) and rule.take_turn():
                    chosen = chosen or rule
            if chosen is not None:
                chosen.fired += 1
        return chosen
