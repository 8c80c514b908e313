"""Scripted faults: rules that make chosen calls misbehave, for negative tests of clients.

A rule matches an endpoint (and optionally a client_id and grant_type), counts the calls it
matches, and fires on calls nth .. nth+times-1. What it does is its effect: an HTTP error with
an OAuth body, a malformed body, changed members in a token answer, a dropped connection, a
delay, or (at the authorization endpoint) a tampered authorization response: an error redirect,
a wrong or missing state or iss.
"""

# Annotations are evaluated here (no `from __future__ import annotations`): typing.NamedTuple
# compiles every string annotation, which every start-up would pay.

import itertools
import json
import threading
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from frameio_oauth_mock.mockserver.fieldwise import BY_FACTORY, Fieldwise

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


# Effects: what a firing rule does. Each is its own small type, built from the rule's fields;
# named tuples (immutable, compared and shown by their fields) because this module loads at
# every start-up, where six frozen dataclasses cost about 2 ms to create.
class HttpError(NamedTuple):
    """Answer with this status and an OAuth error body (optionally Retry-After)."""

    status: int
    error: str | None = None
    error_description: str | None = None
    retry_after: int | None = None

    def body(self, describe: Callable[[str], str]) -> dict[str, str]:
        error = self.error or _DEFAULT_ERRORS.get(self.status, "server_error")
        return {"error": error, "error_description": self.error_description or describe(error)}


class MalformedBody(NamedTuple):
    """Answer with a damaged body: one of MALFORMED_BODIES."""

    kind: str


class ChangedMembers(NamedTuple):
    """Set (None: remove) JSON members of a successful token answer."""

    members: dict[str, Any]


class DropConnection(NamedTuple):
    """Start answering, then close the connection."""


class RedirectError(NamedTuple):
    """Send the client an error redirect instead of the authorization response."""

    error: str
    error_description: str | None = None

    def tamper(self, params: dict[str, str], describe: Callable[[str], str]) -> dict[str, str]:
        tampered = {
            "error": self.error,
            "error_description": self.error_description or describe(self.error),
        }
        for kept in ("state", "iss"):
            if kept in params:
                tampered[kept] = params[kept]
        return tampered


_REPLACEMENTS = {"state": "tampered-state-0d1e", "iss": WRONG_ISSUER}


class TamperParameter(NamedTuple):
    """Send the authorization response with `name` (state or iss) wrong or missing."""

    name: str
    how: str  # "wrong" or "missing"

    def tamper(self, params: dict[str, str], describe: Callable[[str], str]) -> dict[str, str]:
        tampered = dict(params)
        if self.how == "wrong":
            tampered[self.name] = _REPLACEMENTS[self.name]
        else:
            tampered.pop(self.name, None)
        return tampered


RequestEffect = HttpError | MalformedBody | ChangedMembers | DropConnection
ResponseTampering = RedirectError | TamperParameter
Effect = RequestEffect | ResponseTampering

# The fields that choose an effect, in the order a rule's description lists them.
EFFECT_FIELDS = ("status", "body", "members", "drop", "redirect_error", "state", "iss")
_TAMPERING_FIELDS = ("redirect_error", "state", "iss")


def _build_effect(name: str, data: Mapping[str, Any]) -> Effect:
    if name == "status":
        return HttpError(
            data["status"],
            data.get("error"),
            data.get("error_description"),
            data.get("retry_after"),
        )
    if name == "body":
        return MalformedBody(data["body"])
    if name == "members":
        return ChangedMembers(data["members"])
    if name == "drop":
        return DropConnection()
    if name == "redirect_error":
        return RedirectError(data["redirect_error"], data.get("error_description"))
    return TamperParameter(name, data[name])


# Field checks: (field, is the value acceptable, the message naming it).
def _is_string(value: object) -> bool:
    return isinstance(value, str)


_FIELD_CHECKS: tuple[tuple[str, Callable[[Any], bool], str], ...] = (
    (
        "delay",
        lambda v: not isinstance(v, bool) and isinstance(v, int | float) and 0 <= v <= 300,
        "must be between 0 and 300 seconds",
    ),
    (
        "status",
        # 1xx are interim answers: one cannot end a request.
        lambda v: _is_int(v) and 200 <= v <= 599,
        "must be an HTTP status between 200 and 599",
    ),
    ("retry_after", lambda v: _is_int(v) and v >= 0, "must be a whole number of seconds >= 0"),
    ("drop", lambda v: isinstance(v, bool), "must be true or false"),
    ("client_id", _is_string, "must be a string"),
    ("grant_type", _is_string, "must be a string"),
    ("error", _is_string, "must be a string"),
    ("error_description", _is_string, "must be a string"),
    ("body", lambda v: v in MALFORMED_BODIES, f"must be one of {', '.join(MALFORMED_BODIES)}"),
    ("members", _is_json_object, "must be a non-empty JSON object"),
    (
        "redirect_error",
        lambda v: v in REDIRECT_ERRORS,
        f"must be one of {', '.join(REDIRECT_ERRORS)}",
    ),
    ("state", lambda v: v in TAMPERING, "must be 'wrong' or 'missing'"),
    ("iss", lambda v: v in TAMPERING, "must be 'wrong' or 'missing'"),
)


def _check_fields(data: Mapping[str, Any]) -> None:
    endpoint = data.get("endpoint")
    if endpoint not in ENDPOINTS:
        raise FaultError(f"endpoint: must be one of {', '.join(ENDPOINTS)}")
    nth = data.get("nth", 1)
    if not _is_int(nth) or nth < 1:
        raise FaultError("nth: must be a whole number >= 1")
    times = data.get("times", 1)
    if times is not None and (not _is_int(times) or times < 1):
        raise FaultError("times: must be a whole number >= 1, or null for every call")
    for name, acceptable, message in _FIELD_CHECKS:
        if data.get(name) is not None and not acceptable(data[name]):
            raise FaultError(f"{name}: {message}")
    if data.get("members") is not None and endpoint != "token":
        raise FaultError("members: only the token endpoint has this effect")


def _choose_effect(data: Mapping[str, Any]) -> Effect | None:
    """The one effect the fields name; None for a pure delay."""
    chosen = [name for name in EFFECT_FIELDS if data.get(name)]
    if len(chosen) > 1:
        raise FaultError(f"{chosen[1]}: a rule has one effect, and this one has {chosen[0]}")
    delay = data.get("delay", 0.0)
    if not chosen and not delay:
        raise FaultError(
            "status: a rule needs an effect (status, body, members, drop, delay, "
            "redirect_error, state or iss)"
        )
    if chosen and chosen[0] in _TAMPERING_FIELDS:
        if data["endpoint"] != "authorize":
            raise FaultError(f"{chosen[0]}: only the authorize endpoint has this effect")
        if delay:
            # The response is tampered with deep inside the flow, where nothing can wait.
            raise FaultError(
                f"delay: cannot join {chosen[0]}; add a separate authorize rule with the delay"
            )
    if data.get("error") is not None and data.get("status") is None and not data.get("body"):
        raise FaultError("error: needs a status")
    return _build_effect(chosen[0], data) if chosen else None


# Every field a rule may be given, in the order its description lists them.
FAULT_FIELDS = (
    "endpoint",
    "client_id",
    "grant_type",
    "nth",
    "times",
    "status",
    "error",
    "error_description",
    "retry_after",
    "body",
    "members",
    "drop",
    "delay",
    "redirect_error",
    "state",
    "iss",
)


@dataclass(init=False, repr=False, eq=False)  # see fieldwise.py
class Fault(Fieldwise):
    """One rule: which calls it matches, when it fires, and its one effect. `delay` may join
    any request effect (not the authorization-response tampering)."""

    endpoint: str
    effect: Effect | None
    client_id: str | None = None
    grant_type: str | None = None
    nth: int = 1
    times: int | None = 1  # None: every matching call from the nth on
    delay: float = 0.0
    # The fields it was built from, so it describes itself as it was given.
    fields: dict[str, Any] = field(default_factory=dict, repr=False)
    # Bookkeeping
    id: int = 0
    seen: int = 0  # matching calls so far
    fired: int = 0  # calls it changed so far

    __hash__ = None  # type: ignore[assignment]  # changes as it fires, as a dataclass's would

    def __init__(
        self,
        endpoint: str,
        effect: Effect | None,
        client_id: str | None = None,
        grant_type: str | None = None,
        nth: int = 1,
        times: int | None = 1,
        delay: float = 0.0,
        fields: dict[str, Any] = BY_FACTORY,
        id: int = 0,
        seen: int = 0,
        fired: int = 0,
    ) -> None:
        self.endpoint = endpoint
        self.effect = effect
        self.client_id = client_id
        self.grant_type = grant_type
        self.nth = nth
        self.times = times
        self.delay = delay
        self.fields = {} if fields is BY_FACTORY else fields
        self.id = id
        self.seen = seen
        self.fired = fired

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> "Fault":
        unknown = sorted(set(data) - set(FAULT_FIELDS))
        if unknown:
            raise FaultError(f"{unknown[0]}: unknown field")
        if "endpoint" not in data:
            raise FaultError("endpoint: required")
        _check_fields(data)
        effect = _choose_effect(data)
        return cls(
            endpoint=data["endpoint"],
            effect=effect,
            client_id=data.get("client_id"),
            grant_type=data.get("grant_type"),
            nth=data.get("nth", 1),
            times=data.get("times", 1),
            delay=data.get("delay", 0.0),
            fields=dict(data),
        )

    # The fields as given, read as the rule's attributes (rule.status, rule.retry_after...).
    @property
    def status(self) -> int | None:
        return self.fields.get("status")

    @property
    def error(self) -> str | None:
        return self.fields.get("error")

    @property
    def error_description(self) -> str | None:
        return self.fields.get("error_description")

    @property
    def retry_after(self) -> int | None:
        return self.fields.get("retry_after")

    @property
    def body(self) -> str | None:
        return self.fields.get("body")

    @property
    def members(self) -> dict[str, Any] | None:
        return self.fields.get("members")

    @property
    def drop(self) -> bool:
        return bool(self.fields.get("drop"))

    @property
    def redirect_error(self) -> str | None:
        return self.fields.get("redirect_error")

    @property
    def state(self) -> str | None:
        return self.fields.get("state")

    @property
    def iss(self) -> str | None:
        return self.fields.get("iss")

    @property
    def tampers_authorization_response(self) -> bool:
        return isinstance(self.effect, RedirectError | TamperParameter)

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
        assert isinstance(self.effect, RedirectError | TamperParameter)
        return self.effect.tamper(params, describe)

    def as_dict(self) -> dict[str, Any]:
        given = {"nth": self.nth, "times": self.times, "delay": self.delay, **self.fields}
        described = {
            name: given[name]
            for name in FAULT_FIELDS
            if given.get(name) is not None and given.get(name) is not False
        }
        return {**described, "id": self.id, "seen": self.seen, "fired": self.fired}


class FaultList:
    """The active rules, in the order they were added; the first that fires wins.

    (A plain class: every server builds one at start-up, and the rest of this module's
    dataclasses already cost start-up a few milliseconds to create.)"""

    def __init__(self) -> None:
        self.rules: list[Fault] = []
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        # (endpoint, tampers the authorization response) -> its rules in order: firing()
        # looks only at the rules that can match, and a call no rule can match costs one
        # look-up.
        self._index: dict[tuple[str, bool], list[Fault]] = {}

    def add(self, endpoint: str, **options: Any) -> Fault:
        """Add a rule: add("token", status=429, retry_after=2), add("authorize", state="wrong")."""
        return self.add_from_mapping({"endpoint": endpoint, **options})

    def add_from_mapping(self, data: Mapping[str, Any]) -> Fault:
        fault = Fault.from_mapping(data)
        with self._lock:
            fault.id = next(self._ids)
            self.rules.append(fault)
            self._reindex()
        return fault

    def remove(self, fault_id: int) -> bool:
        with self._lock:
            before = len(self.rules)
            self.rules = [rule for rule in self.rules if rule.id != fault_id]
            self._reindex()
            return len(self.rules) != before

    def clear(self) -> None:
        with self._lock:
            self.rules = []
            self._reindex()

    def _reindex(self) -> None:
        index: dict[tuple[str, bool], list[Fault]] = {}
        for rule in self.rules:
            index.setdefault((rule.endpoint, rule.tampers_authorization_response), []).append(rule)
        self._index = index

    def may_fire(self, endpoint: str, tampering: bool = False) -> bool:
        """Whether any rule is scripted for `endpoint` (of the `tampering` kind)."""
        return (endpoint, tampering) in self._index

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
            for rule in self._index.get((endpoint, tampering), ()):
                if rule.matches(endpoint, client_id, grant_type) and rule.take_turn():
                    chosen = chosen or rule
            if chosen is not None:
                chosen.fired += 1
        return chosen
