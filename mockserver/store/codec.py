"""Records as JSON text and back, for the stores that keep them outside this process."""

from __future__ import annotations

import json
from dataclasses import asdict, fields
from typing import Any

from frameio_oauth_mock.mockserver.settings import ClientConfig
from frameio_oauth_mock.mockserver.store.records import (
    AuthorizationRequest,
    Grant,
    PendingAuthorization,
    Session,
)

_KINDS: tuple[tuple[str, Any], ...] = (
    ("grant", Grant),
    ("client", ClientConfig),
    ("request", AuthorizationRequest),
)
# Which fields are tuples (JSON gives lists back).
_TUPLE_FIELDS = {
    name: {f.name for f in fields(kind) if str(f.type).startswith("tuple")} for name, kind in _KINDS
}


def _tuples(kind: str, data: dict[str, Any]) -> dict[str, Any]:
    return {
        name: tuple(value) if name in _TUPLE_FIELDS[kind] and value is not None else value
        for name, value in data.items()
    }


def dump_grant(grant: Grant) -> str:
    return json.dumps(asdict(grant), separators=(",", ":"))


def load_grant(text: str) -> Grant:
    return Grant(**_tuples("grant", json.loads(text)))


def _dump_request(request: AuthorizationRequest) -> dict[str, Any]:
    data = {f.name: getattr(request, f.name) for f in fields(request)}
    data["client"] = asdict(request.client)
    data["prompt"] = sorted(request.prompt)
    return data


def _load_request(data: dict[str, Any]) -> AuthorizationRequest:
    data = _tuples("request", data)
    data["client"] = ClientConfig(**_tuples("client", data["client"]))
    data["prompt"] = frozenset(data["prompt"])
    return AuthorizationRequest(**data)


def dump_pending(pending: PendingAuthorization) -> str:
    data = {f.name: getattr(pending, f.name) for f in fields(pending)}
    data["request"] = _dump_request(pending.request)
    return json.dumps(data, separators=(",", ":"))


def load_pending(text: str) -> PendingAuthorization:
    data = json.loads(text)
    data["request"] = _load_request(data["request"])
    return PendingAuthorization(**data)


def dump_session(session: Session) -> str:
    return json.dumps(asdict(session), separators=(",", ":"))


def load_session(text: str) -> Session:
    return Session(**json.loads(text))
