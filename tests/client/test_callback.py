"""Callbacks that must be refused before any token request (C9-C12), and iss (RFC 9207, C25)."""

from __future__ import annotations

import pytest

from frameio_oauth_mock.client import (
    AccessDeniedError,
    AuthorizationError,
    CallbackReplayedError,
    IssuerMismatchError,
    MalformedCallbackError,
    StateMismatchError,
)
from tests.client.conftest import APPS, PKCE_APP, REDIRECT, SECRET_APP, AsyncEnv, SyncEnv

KINDS = pytest.mark.parametrize("client_id", [PKCE_APP, SECRET_APP])


@KINDS
def test_wrong_state_is_refused_before_any_token_request(sync_env: SyncEnv, client_id: str) -> None:
    oauth = sync_env.oauth(client_id, APPS[client_id])
    request = oauth.authorization_url()
    callback = sync_env.authorize(request)
    other = oauth.authorization_url()  # another session's state
    with pytest.raises(StateMismatchError) as caught:
        oauth.exchange(callback, other.state, request.code_verifier)
    assert caught.value.error == "state_mismatch"
    assert caught.value.status_code is None
    assert sync_env.mock.requests.count("token") == 0


@pytest.mark.parametrize("tampering", ["wrong", "missing"])
def test_state_tampered_by_the_server_is_refused(sync_env: SyncEnv, tampering: str) -> None:
    sync_env.mock.faults.add("authorize", state=tampering)
    oauth = sync_env.oauth()
    request = oauth.authorization_url()
    with pytest.raises(StateMismatchError):
        oauth.exchange(sync_env.authorize(request), request.state, request.code_verifier)
    assert sync_env.mock.requests.count("token") == 0


@pytest.mark.parametrize(
    ("error", "kind"),
    [
        ("access_denied", AccessDeniedError),
        ("server_error", AuthorizationError),
        ("temporarily_unavailable", AuthorizationError),
    ],
)
def test_error_callbacks_raise_typed_errors_before_any_token_request(
    sync_env: SyncEnv, error: str, kind: type[AuthorizationError]
) -> None:
    sync_env.mock.faults.add("authorize", redirect_error=error)
    oauth = sync_env.oauth()
    request = oauth.authorization_url()
    with pytest.raises(kind) as caught:
        oauth.exchange(sync_env.authorize(request), request.state, request.code_verifier)
    assert caught.value.error == error
    assert caught.value.error_description
    assert sync_env.mock.requests.count("token") == 0


def test_an_error_callback_with_a_wrong_state_is_a_state_error(sync_env: SyncEnv) -> None:
    oauth = sync_env.oauth()
    request = oauth.authorization_url()
    forged = f"{REDIRECT}?error=access_denied&state=not-{request.state}"
    with pytest.raises(StateMismatchError):
        oauth.exchange(forged, request.state, request.code_verifier)


@pytest.mark.anyio
async def test_async_refusals_happen_before_any_token_request(async_env: AsyncEnv) -> None:
    async_env.mock.faults.add("authorize", redirect_error="access_denied")
    oauth = async_env.oauth()
    request = oauth.authorization_url()
    with pytest.raises(AccessDeniedError):
        await oauth.exchange(
            await async_env.authorize(request), request.state, request.code_verifier
        )
    request = oauth.authorization_url()
    callback = await async_env.authorize(request)
    with pytest.raises(StateMismatchError):
        await oauth.exchange(callback, "x" + request.state, request.code_verifier)
    assert async_env.mock.requests.count("token") == 0


def test_a_callback_delivered_twice_makes_one_token_request(sync_env: SyncEnv) -> None:
    oauth = sync_env.oauth()
    request = oauth.authorization_url()
    callback = sync_env.authorize(request)
    oauth.exchange(callback, request.state, request.code_verifier)
    with pytest.raises(CallbackReplayedError):
        oauth.exchange(callback, request.state, request.code_verifier)
    assert sync_env.mock.requests.count("token") == 1


@pytest.mark.parametrize(
    "query",
    ["code=abc&code=def&state={state}", "state={state}", "code=abc&state={state}&state={state}"],
)
def test_malformed_callbacks_are_refused(sync_env: SyncEnv, query: str) -> None:
    oauth = sync_env.oauth()
    request = oauth.authorization_url()
    callback = f"{REDIRECT}?" + query.format(state=request.state)
    with pytest.raises(MalformedCallbackError):
        oauth.exchange(callback, request.state, request.code_verifier)
    assert sync_env.mock.requests.count("token") == 0


def test_a_missing_expected_state_or_verifier_is_a_programming_error(sync_env: SyncEnv) -> None:
    oauth = sync_env.oauth()
    request = oauth.authorization_url()
    with pytest.raises(ValueError, match="expected_state"):
        oauth.exchange(f"{REDIRECT}?code=abc&state=s", "", request.code_verifier)
    with pytest.raises(ValueError, match="code_verifier"):
        oauth.exchange(f"{REDIRECT}?code=abc&state={request.state}", request.state, None)


# RFC 9207 in strict mode, where the mock sends iss and advertises it --------------------------
@pytest.fixture
def strict(sync_env: SyncEnv) -> SyncEnv:
    sync_env.mock.configure(strict=True)
    return sync_env


def test_a_correct_iss_is_checked_against_the_metadata(strict: SyncEnv) -> None:
    oauth = strict.oauth()
    request = oauth.authorization_url()
    callback = strict.authorize(request)
    assert "iss=" in callback
    token = oauth.exchange(callback, request.state, request.code_verifier)
    assert token.access_token
    assert strict.mock.requests.count("metadata") == 1
    # The metadata is fetched once per client.
    request = oauth.authorization_url()
    oauth.exchange(strict.authorize(request), request.state, request.code_verifier)
    assert strict.mock.requests.count("metadata") == 1


def test_a_wrong_iss_is_refused(strict: SyncEnv) -> None:
    strict.mock.faults.add("authorize", iss="wrong")
    oauth = strict.oauth()
    request = oauth.authorization_url()
    with pytest.raises(IssuerMismatchError):
        oauth.exchange(strict.authorize(request), request.state, request.code_verifier)
    assert strict.mock.requests.count("token") == 0


def test_a_wrong_iss_on_an_error_callback_is_refused_too(strict: SyncEnv) -> None:
    oauth = strict.oauth()
    request = oauth.authorization_url()
    forged = f"{REDIRECT}?error=access_denied&iss=https%3A%2F%2Fevil.test&state={request.state}"
    with pytest.raises(IssuerMismatchError):
        oauth.exchange(forged, request.state, request.code_verifier)


def test_a_missing_iss_is_refused_when_the_metadata_promises_it(strict: SyncEnv) -> None:
    strict.mock.faults.add("authorize", iss="missing")
    oauth = strict.oauth(discover=True)
    request = oauth.authorization_url()
    with pytest.raises(IssuerMismatchError, match="no iss"):
        oauth.exchange(strict.authorize(request), request.state, request.code_verifier)
    assert strict.mock.requests.count("token") == 0


def test_a_missing_iss_is_refused_once_the_server_has_sent_one(strict: SyncEnv) -> None:
    oauth = strict.oauth()
    request = oauth.authorization_url()
    oauth.exchange(strict.authorize(request), request.state, request.code_verifier)
    strict.mock.faults.add("authorize", iss="missing")
    request = oauth.authorization_url()
    with pytest.raises(IssuerMismatchError):
        oauth.exchange(strict.authorize(request), request.state, request.code_verifier)
    assert strict.mock.requests.count("token") == 1


def test_a_configured_issuer_needs_no_metadata(strict: SyncEnv) -> None:
    oauth = strict.oauth(expected_issuer=strict.mock.url)
    request = oauth.authorization_url()
    oauth.exchange(strict.authorize(request), request.state, request.code_verifier)
    assert strict.mock.requests.count("metadata") == 0
    elsewhere = strict.oauth(expected_issuer="https://applications.frame.io")
    request = elsewhere.authorization_url()
    with pytest.raises(IssuerMismatchError):
        elsewhere.exchange(strict.authorize(request), request.state, request.code_verifier)


def test_metadata_naming_another_issuer_is_not_used(strict: SyncEnv) -> None:
    oauth = strict.oauth(expected_issuer="https://applications.frame.io", discover=True)
    request = oauth.authorization_url()
    with pytest.raises(IssuerMismatchError, match="metadata"):
        oauth.exchange(strict.authorize(request), request.state, request.code_verifier)
    assert strict.mock.requests.count("token") == 0


def test_without_iss_support_discovery_lets_the_flow_through(sync_env: SyncEnv) -> None:
    oauth = sync_env.oauth(discover=True)
    request = oauth.authorization_url()
    callback = sync_env.authorize(request)
    assert "iss=" not in callback  # Frame.io (and the frameio-v2 profile) send no iss
    assert oauth.exchange(callback, request.state, request.code_verifier).access_token
    assert oauth.metadata()["issuer"] == sync_env.mock.url
