"""What the client conformance harness needs from the mock: the `members` fault effect, the
invalid_request error redirect, and the request log's secret-free facts (shapes of secret
parameters, fingerprints of what a token answer issued, the error it gave)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from frameio_oauth_mock.mockserver import FaultError, MockServer, fingerprint
from frameio_oauth_mock.mockserver.requestlog import value_shape
from tests.harness.support import (
    APP_ID,
    PKCE_ID,
    SyncFlow,
    make_mock,
    pkce_pair,
    query_of,
)


@pytest.fixture(scope="module")
def server() -> Iterator[MockServer]:
    with make_mock() as mock:
        yield mock


@pytest.fixture
def flow(mock: MockServer) -> Iterator[SyncFlow]:
    with httpx.Client(base_url=mock.url, timeout=10) as http:
        yield SyncFlow(http)


# The members effect -------------------------------------------------------------------------
def test_members_change_a_successful_token_answer(mock: MockServer, flow: SyncFlow) -> None:
    rule = mock.fault(
        "token",
        grant_type="authorization_code",
        members={"token_type": "Bearer", "x_unknown": {"a": [1]}, "expires_in": None},
    )
    verifier, challenge = pkce_pair()
    response = flow.exchange(flow.code(challenge=challenge), verifier=verifier)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json;charset=UTF-8"
    assert response.headers["cache-control"] == "no-store"
    body = response.json()
    assert body["token_type"] == "Bearer"
    assert body["x_unknown"] == {"a": [1]}
    assert "expires_in" not in body
    assert set(body) >= {"access_token", "refresh_token", "scope"}
    # The tokens are real: the access token works.
    assert flow.me(body["access_token"]).status_code == 200
    assert rule.fired == 1
    assert mock.requests.last("token").fault == rule.id  # type: ignore[union-attr]


def test_members_leave_error_answers_alone(mock: MockServer, flow: SyncFlow) -> None:
    mock.fault("token", members={"token_type": "Bearer"})
    response = flow.exchange("not-a-code")
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"
    assert "token_type" not in response.json()


def test_members_through_the_control_api(mock: MockServer, flow: SyncFlow) -> None:
    created = flow.http.post(
        "/_mock/faults", json={"endpoint": "token", "members": {"refresh_token": None}}
    )
    assert created.status_code in (200, 201), created.text
    assert created.json()["members"] == {"refresh_token": None}
    verifier, challenge = pkce_pair()
    body = flow.exchange(flow.code(challenge=challenge), verifier=verifier).json()
    assert "refresh_token" not in body and body["access_token"]


@pytest.mark.parametrize(
    ("options", "field"),
    [
        ({"endpoint": "token", "members": {}}, "members"),
        ({"endpoint": "token", "members": ["token_type"]}, "members"),
        ({"endpoint": "token", "members": {"x": object()}}, "members"),
        ({"endpoint": "api", "members": {"x": 1}}, "members"),
        ({"endpoint": "token", "members": {"x": 1}, "status": 500}, "members"),
    ],
)
def test_bad_members_rules_name_the_field(
    mock: MockServer, options: dict[str, Any], field: str
) -> None:
    with pytest.raises(FaultError) as raised:
        mock.faults.add_from_mapping(options)
    assert str(raised.value).startswith(f"{field}:"), str(raised.value)


def test_invalid_request_error_redirect(mock: MockServer, flow: SyncFlow) -> None:
    mock.fault(
        "authorize",
        redirect_error="invalid_request",
        error_description="The code_challenge_method is not supported.",
    )
    _, challenge = pkce_pair()
    response = flow.authorize(PKCE_ID, challenge=challenge)
    query = query_of(response.headers["location"])
    assert query["error"] == "invalid_request"
    assert query["error_description"] == "The code_challenge_method is not supported."
    assert "code" not in query


# The request log's facts --------------------------------------------------------------------
def test_value_shape_tells_length_and_classes_only() -> None:
    assert value_shape("aZ0-._~") == "7 A-Z a-z 0-9 - . _ ~"
    assert value_shape("abc") == "3 a-z"
    assert value_shape("s3 cr:t+%&/é") == "12 a-z 0-9 other"
    assert value_shape("") == "0"


def test_log_keeps_shapes_of_secret_parameters_not_values(mock: MockServer, flow: SyncFlow) -> None:
    verifier, challenge = pkce_pair()
    code = flow.code(challenge=challenge)
    flow.exchange(code, verifier=verifier)
    entry = mock.requests.last("token")
    assert entry is not None
    assert entry.shapes["code_verifier"] == value_shape(verifier)
    assert entry.shapes["code_verifier"].split()[0] == str(len(verifier))
    assert set(entry.shapes) == {"code_verifier"}  # the client's secrets, not the server's
    assert verifier not in json.dumps(entry.as_dict())
    authorize = mock.requests.last("authorize")
    assert authorize is not None and authorize.shapes == {}  # state and challenge are not secret


def test_log_records_what_a_token_answer_issued(mock: MockServer, flow: SyncFlow) -> None:
    tokens = flow.tokens()
    granted = mock.requests.last("token")
    assert granted is not None and granted.error is None
    assert granted.issued == {
        "access_token": fingerprint(tokens["access_token"]),
        "refresh_token": fingerprint(tokens["refresh_token"]),
    }
    assert tokens["access_token"] not in mock.requests.to_json()
    assert flow.refresh(tokens["refresh_token"], APP_ID).status_code == 200  # rotates it
    assert flow.refresh(tokens["refresh_token"], APP_ID).status_code == 400  # the rotated one
    last = mock.requests.last("token")
    assert last is not None
    assert last.error == "invalid_grant" and last.issued == {}


def test_log_records_the_error_of_a_fault(mock: MockServer, flow: SyncFlow) -> None:
    mock.fault("token", status=429, retry_after=1)
    flow.exchange("whatever")
    entry = mock.requests.last("token")
    assert entry is not None
    assert entry.status == 429 and entry.error == "temporarily_unavailable"
