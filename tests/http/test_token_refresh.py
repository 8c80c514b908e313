"""The refresh_token grant at POST /oauth2/token (docs/fidelity.md, frameio-v2)."""

from __future__ import annotations

import httpx
import pytest

from frameio_oauth_mock.mockserver.clock import Clock
from frameio_oauth_mock.mockserver.oauth.context import Context
from frameio_oauth_mock.mockserver.settings import Settings
from tests.conftest import Flow, make_settings
from tests.http.token_support import (
    CODE_ONLY_APP,
    REFRESH_EXPIRED,
    REFRESH_INVALID,
    REFRESH_OTHER_CLIENT,
    REFRESH_USED,
    expect_error,
    expect_tokens,
    is_live,
    not_allowed_grant,
    raw_keys,
)

pytestmark = pytest.mark.anyio

SECRET_AUTH = ("secret-app", "s3cret")
SCOPE = "account.read offline"
DAY = 24 * 3600
REFRESH_TTL = 30 * DAY


@pytest.fixture
def settings() -> Settings:
    return make_settings(extra_clients=(CODE_ONLY_APP,))


def refresh_request(token: object, **extra: str) -> dict[str, str]:
    return {"grant_type": "refresh_token", "refresh_token": str(token), **extra}


async def refresh(
    flow: Flow, token: object, auth: tuple[str, str] = SECRET_AUTH, **extra: str
) -> httpx.Response:
    return await flow.token(refresh_request(token, **extra), auth=auth)


async def test_refresh_answers_with_the_token_response(flow: Flow) -> None:
    first = await flow.tokens(SCOPE)
    response = await refresh(flow, first["refresh_token"])
    expect_tokens(response, SCOPE, refresh=True)
    assert raw_keys(response) == [
        "access_token",
        "expires_in",
        "refresh_token",
        "scope",
        "token_type",
    ]


async def test_refresh_rotates_both_tokens(flow: Flow, context: Context) -> None:
    first = await flow.tokens(SCOPE)
    second = expect_tokens(await refresh(flow, first["refresh_token"]), SCOPE, refresh=True)
    assert second["refresh_token"] != first["refresh_token"]
    assert second["access_token"] != first["access_token"]
    assert not is_live(context, first["access_token"])
    assert not is_live(context, first["refresh_token"])
    assert is_live(context, second["access_token"])
    assert is_live(context, second["refresh_token"])
    # The chain goes on, one rotation at a time.
    third = expect_tokens(await refresh(flow, second["refresh_token"]), SCOPE, refresh=True)
    assert len({first["refresh_token"], second["refresh_token"], third["refresh_token"]}) == 3
    assert not is_live(context, second["access_token"])


async def test_reusing_a_rotated_refresh_token_revokes_the_whole_family(
    flow: Flow, context: Context
) -> None:
    first = await flow.tokens(SCOPE)
    second = expect_tokens(await refresh(flow, first["refresh_token"]), SCOPE, refresh=True)

    expect_error(await refresh(flow, first["refresh_token"]), "invalid_grant", REFRESH_USED)

    assert not is_live(context, second["access_token"])
    assert not is_live(context, second["refresh_token"])
    response = await refresh(flow, second["refresh_token"])
    expect_error(response, "invalid_grant", REFRESH_INVALID)


async def test_reuse_does_not_touch_other_authorizations(flow: Flow, context: Context) -> None:
    first = await flow.tokens(SCOPE)
    other = await flow.tokens(SCOPE)
    await refresh(flow, first["refresh_token"])
    expect_error(await refresh(flow, first["refresh_token"]), "invalid_grant", REFRESH_USED)
    assert is_live(context, other["access_token"])
    expect_tokens(await refresh(flow, other["refresh_token"]), SCOPE, refresh=True)


async def test_reuse_by_another_client_also_revokes(flow: Flow, context: Context) -> None:
    first = await flow.tokens(SCOPE)
    second = expect_tokens(await refresh(flow, first["refresh_token"]), SCOPE, refresh=True)
    response = await refresh(flow, first["refresh_token"], auth=("two-uri-app", "tw0"))
    expect_error(response, "invalid_grant", REFRESH_USED)
    assert not is_live(context, second["refresh_token"])


@pytest.mark.parametrize(
    "scope",
    ["account.read", "offline", "account.read asset.read offline", "project.delete", "nonsense"],
)
async def test_scope_parameter_is_ignored(flow: Flow, scope: str) -> None:
    first = await flow.tokens(SCOPE)
    response = await refresh(flow, first["refresh_token"], scope=scope)
    expect_tokens(response, SCOPE, refresh=True)


async def test_refresh_token_of_another_client(flow: Flow, context: Context) -> None:
    first = await flow.tokens(SCOPE)
    response = await refresh(flow, first["refresh_token"], auth=("two-uri-app", "tw0"))
    expect_error(response, "invalid_grant", REFRESH_OTHER_CLIENT)
    # The refused attempt neither rotated nor revoked anything.
    assert is_live(context, first["access_token"])
    expect_tokens(await refresh(flow, first["refresh_token"]), SCOPE, refresh=True)


async def test_public_client_cannot_use_a_confidential_clients_token(flow: Flow) -> None:
    first = await flow.tokens(SCOPE)
    response = await flow.token(refresh_request(first["refresh_token"], client_id="pkce-app"))
    expect_error(response, "invalid_grant", REFRESH_OTHER_CLIENT)


@pytest.mark.parametrize(
    "token",
    [
        pytest.param("ory_rt_" + "A" * 43 + "." + "B" * 43, id="forged"),
        pytest.param("garbage", id="garbage"),
        pytest.param("", id="empty"),
    ],
)
async def test_unknown_refresh_token(flow: Flow, token: str) -> None:
    expect_error(await refresh(flow, token), "invalid_grant", REFRESH_INVALID)


async def test_missing_refresh_token(flow: Flow) -> None:
    response = await flow.token({"grant_type": "refresh_token"}, auth=SECRET_AUTH)
    expect_error(response, "invalid_grant", REFRESH_INVALID)


async def test_an_access_token_is_not_a_refresh_token(flow: Flow, context: Context) -> None:
    first = await flow.tokens(SCOPE)
    response = await refresh(flow, first["access_token"])
    expect_error(response, "invalid_grant", REFRESH_INVALID)
    assert is_live(context, first["access_token"])


async def test_a_code_is_not_a_refresh_token(flow: Flow) -> None:
    code = await flow.code(scope=SCOPE)
    expect_error(await refresh(flow, code), "invalid_grant", REFRESH_INVALID)


async def test_refresh_token_lives_thirty_days(flow: Flow, clock: Clock) -> None:
    first = await flow.tokens(SCOPE)
    clock.advance(REFRESH_TTL - 1)
    second = expect_tokens(await refresh(flow, first["refresh_token"]), SCOPE, refresh=True)
    # The rotated token gets a fresh thirty days.
    clock.advance(REFRESH_TTL - 1)
    expect_tokens(await refresh(flow, second["refresh_token"]), SCOPE, refresh=True)


async def test_expired_refresh_token(flow: Flow, clock: Clock) -> None:
    first = await flow.tokens(SCOPE)
    clock.advance(REFRESH_TTL + 1)
    expect_error(await refresh(flow, first["refresh_token"]), "invalid_grant", REFRESH_EXPIRED)


async def test_expiry_is_reported_before_the_client_mismatch(flow: Flow, clock: Clock) -> None:
    # fosite validates the token (expiry) before comparing clients.
    first = await flow.tokens(SCOPE)
    clock.advance(REFRESH_TTL + 1)
    response = await refresh(flow, first["refresh_token"], auth=("two-uri-app", "tw0"))
    expect_error(response, "invalid_grant", REFRESH_EXPIRED)


async def test_client_without_the_refresh_grant_is_unauthorized(flow: Flow) -> None:
    first = await flow.tokens(SCOPE)
    for token in (first["refresh_token"], "garbage"):
        response = await refresh(flow, token, auth=("code-only-app", "c0de"))
        expect_error(response, "unauthorized_client", not_allowed_grant("refresh_token"))
    # Checked before the token is looked at: secret-app's token is untouched.
    expect_tokens(await refresh(flow, first["refresh_token"]), SCOPE, refresh=True)


async def test_refresh_with_openid_returns_the_original_scopes_and_an_id_token(
    flow: Flow,
) -> None:
    first = await flow.tokens("openid account.read offline")
    response = await refresh(flow, first["refresh_token"], scope="account.read")
    expect_tokens(response, "openid account.read offline", refresh=True)
