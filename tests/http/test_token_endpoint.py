"""POST /oauth2/token: the request preamble, the answer's shape and the authorization_code grant.

Every expectation comes from docs/fidelity.md (profile frameio-v2, "Token endpoint").
Client authentication is in test_token_client_auth.py, the refresh_token grant in
test_token_refresh.py.
"""

from __future__ import annotations

from urllib.parse import urlencode

import httpx
import pytest

from frameio_oauth_mock.mockserver.clock import Clock
from frameio_oauth_mock.mockserver.oauth.context import Context
from frameio_oauth_mock.mockserver.oauth.errors import OAuthError
from frameio_oauth_mock.mockserver.oauth.pkce import s256_challenge
from frameio_oauth_mock.mockserver.profiles import FRAMEIO_V2
from frameio_oauth_mock.mockserver.settings import ClientConfig, Settings
from tests.conftest import REDIRECT, SCOPES, Flow, make_settings, pkce_pair
from tests.http.token_support import (
    CODE_ONLY_APP,
    CODE_OTHER_CLIENT,
    CODE_USED,
    DEFAULT_HINT,
    EMPTY_BODY,
    ERRORS,
    NO_CREDENTIALS,
    NO_GRANT_TYPE,
    PKCE_BAD_CHARACTERS,
    PKCE_MISMATCH,
    PKCE_NOT_STARTED,
    PKCE_REQUIRED,
    PKCE_TOO_LONG,
    PKCE_TOO_SHORT,
    REDIRECT_MISMATCH,
    REFRESH_INVALID,
    TOKEN,
    basic,
    expect_error,
    expect_router_405,
    expect_tokens,
    is_live,
    not_allowed_grant,
    raw_keys,
    token_pattern,
)

pytestmark = pytest.mark.anyio

SECRET_AUTH = ("secret-app", "s3cret")
# A code in the right shape that the server never issued.
FORGED_CODE = "ory_ac_" + "A" * 43 + "." + "B" * 43


@pytest.fixture
def settings() -> Settings:
    refresh_only = ClientConfig(
        "refresh-only-app",
        (REDIRECT,),
        SCOPES,
        client_secret="r3fresh",
        grant_types=("refresh_token",),
    )
    return make_settings(extra_clients=(CODE_ONLY_APP, refresh_only))


def code_request(code: str, **extra: str) -> dict[str, str]:
    return {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT, **extra}


async def redeem(flow: Flow, code: str, **extra: str) -> httpx.Response:
    """Redeem secret-app's code with HTTP Basic."""
    return await flow.token(code_request(code, **extra), auth=SECRET_AUTH)


# Preamble ----------------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["GET", "HEAD", "PUT", "PATCH", "DELETE"])
async def test_only_post_is_accepted(http: httpx.AsyncClient, method: str) -> None:
    # Hydra's router answers before fosite: fosite's "HTTP method is 'GET'" is unreachable.
    response = await http.request(method, TOKEN)
    if method == "HEAD":
        assert response.status_code == 405
        assert response.headers["allow"] == "OPTIONS, POST"
    else:
        expect_router_405(response)


async def test_options_names_the_allowed_methods(http: httpx.AsyncClient) -> None:
    response = await http.options(TOKEN)
    assert response.status_code == 200
    assert response.headers["allow"] == "OPTIONS, POST"
    assert response.content == b""


async def test_get_with_a_complete_request_in_the_query_is_refused(
    http: httpx.AsyncClient, flow: Flow
) -> None:
    code = await flow.code(scope="account.read")
    response = await http.get(TOKEN, params=code_request(code), auth=SECRET_AUTH)
    expect_router_405(response)
    # The refused request did not touch the code.
    expect_tokens(await redeem(flow, code), "account.read", refresh=False)


async def test_empty_body_is_refused_before_client_authentication(
    http: httpx.AsyncClient,
) -> None:
    response = await http.post(TOKEN, auth=("nobody", "wrong"))
    expect_error(response, "invalid_request", EMPTY_BODY)


@pytest.mark.parametrize(
    "request_kwargs",
    [
        pytest.param({"json": {"grant_type": "authorization_code", "code": "x"}}, id="json"),
        pytest.param(
            {
                "content": b"grant_type=authorization_code&code=x",
                "headers": {"Content-Type": "text/plain"},
            },
            id="text-plain",
        ),
        pytest.param({"content": b"grant_type=authorization_code&code=x"}, id="no-content-type"),
    ],
)
async def test_a_body_that_is_not_a_form_counts_as_empty(
    http: httpx.AsyncClient, request_kwargs: dict[str, object]
) -> None:
    response = await http.post(TOKEN, auth=SECRET_AUTH, **request_kwargs)  # type: ignore[arg-type]
    expect_error(response, "invalid_request", EMPTY_BODY)


@pytest.mark.parametrize(
    "data",
    [
        pytest.param({"code": "x", "redirect_uri": REDIRECT}, id="absent"),
        pytest.param({"grant_type": "", "code": "x"}, id="empty"),
    ],
)
async def test_missing_grant_type(flow: Flow, data: dict[str, str]) -> None:
    # Checked before client authentication: the credentials here are wrong.
    response = await flow.token(data, auth=("secret-app", "wrong"))
    expect_error(response, "invalid_request", NO_GRANT_TYPE)


async def test_grant_type_in_the_query_is_not_read(http: httpx.AsyncClient, flow: Flow) -> None:
    code = await flow.code()
    response = await http.post(
        TOKEN,
        params={"grant_type": "authorization_code"},
        data={"code": code, "redirect_uri": REDIRECT},
        auth=SECRET_AUTH,
    )
    expect_error(response, "invalid_request", NO_GRANT_TYPE)


@pytest.mark.parametrize(
    "grant_type",
    [
        "password",
        "implicit",
        "urn:ietf:params:oauth:grant-type:device_code",
        "urn:ietf:params:oauth:grant-type:jwt-bearer",
        "Authorization_Code",
        "made_up",
    ],
)
async def test_unknown_grant_type_is_invalid_request_with_the_default_hint(
    flow: Flow, grant_type: str
) -> None:
    # Hydra never answers unsupported_grant_type; and this comes before client authentication.
    data = {"grant_type": grant_type, "username": "dev@example.com", "password": "password"}
    for auth in (SECRET_AUTH, None, ("nobody", "wrong")):
        response = await flow.token(data, auth=auth)
        expect_error(response, "invalid_request", DEFAULT_HINT)


async def test_client_authentication_comes_after_the_grant_type_checks(flow: Flow) -> None:
    response = await flow.token(code_request(FORGED_CODE))
    expect_error(response, "invalid_request", NO_CREDENTIALS)
    response = await flow.token(code_request(FORGED_CODE), auth=("secret-app", "wrong"))
    expect_error(response, "invalid_client")


@pytest.mark.parametrize(
    "name", ["grant_type", "code", "redirect_uri", "client_id", "code_verifier"]
)
async def test_a_parameter_sent_twice_is_refused(flow: Flow, name: str) -> None:
    code = await flow.code()
    pairs = [
        ("grant_type", "authorization_code"),
        ("code", code),
        ("redirect_uri", REDIRECT),
        ("client_id", "secret-app"),
        ("code_verifier", "v" * 43),
    ]
    pairs.append((name, dict(pairs)[name]))  # the same value again: still refused
    response = await flow.http.post(
        TOKEN,
        content=urlencode(pairs),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        auth=SECRET_AUTH,
    )
    expect_error(
        response,
        "invalid_request",
        f"Request parameter '{name}' must not be included more than once.",
    )


def test_double_quotes_in_a_hint_become_single_quotes() -> None:
    error = OAuthError("invalid_request", 'The "thing" is wrong.')
    expected = ERRORS["invalid_request"][1] + " The 'thing' is wrong."
    assert error.as_json(FRAMEIO_V2) == {"error": "invalid_request", "error_description": expected}


# Success ---------------------------------------------------------------------------------------


async def test_code_exchange_answers_with_hydras_token_response(flow: Flow) -> None:
    code = await flow.code(scope="account.read offline")
    assert token_pattern("ory_ac_").fullmatch(code)
    response = await redeem(flow, code)
    body = expect_tokens(response, "account.read offline", refresh=True)
    assert raw_keys(response) == [
        "access_token",
        "expires_in",
        "refresh_token",
        "scope",
        "token_type",
    ]
    assert body["access_token"] != body["refresh_token"]


async def test_every_exchange_mints_new_tokens(flow: Flow) -> None:
    first = await flow.tokens()
    second = await flow.tokens()
    assert first["access_token"] != second["access_token"]
    assert first["refresh_token"] != second["refresh_token"]


@pytest.mark.parametrize(
    ("scope", "refresh"),
    [
        pytest.param(None, False, id="no-scope"),
        pytest.param("account.read", False, id="no-offline"),
        pytest.param("asset.read account.read", False, id="two-no-offline"),
        pytest.param("offline", True, id="offline-only"),
        pytest.param("account.read asset.read offline", True, id="with-offline"),
    ],
)
async def test_refresh_token_only_when_offline_is_granted(
    flow: Flow, scope: str | None, refresh: bool
) -> None:
    code = await flow.code(scope=scope)  # type: ignore[arg-type]
    # `scope` is always present, empty when nothing was granted.
    expect_tokens(await redeem(flow, code), scope or "", refresh=refresh)


async def test_openid_adds_an_id_token(flow: Flow) -> None:
    code = await flow.code(scope="openid account.read offline")
    response = await redeem(flow, code)
    body = expect_tokens(response, "openid account.read offline", refresh=True)
    assert str(body["id_token"]).count(".") == 2


async def test_state_and_scope_sent_to_the_token_endpoint_are_ignored(flow: Flow) -> None:
    code = await flow.code(scope="account.read offline")
    response = await redeem(flow, code, state="state-12345", scope="asset.read project.delete")
    expect_tokens(response, "account.read offline", refresh=True)


# authorization_code errors ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "code",
    [
        pytest.param(FORGED_CODE, id="forged"),
        pytest.param("not-a-code", id="garbage"),
        pytest.param("", id="empty"),
    ],
)
async def test_unknown_code(flow: Flow, code: str) -> None:
    expect_error(await redeem(flow, code), "invalid_grant")


async def test_missing_code(flow: Flow) -> None:
    data = {"grant_type": "authorization_code", "redirect_uri": REDIRECT}
    expect_error(await flow.token(data, auth=SECRET_AUTH), "invalid_grant")


async def test_an_access_token_is_not_a_code(flow: Flow) -> None:
    tokens = await flow.tokens()
    expect_error(await redeem(flow, str(tokens["access_token"])), "invalid_grant")


async def test_a_code_is_valid_for_ten_minutes(flow: Flow, clock: Clock) -> None:
    code = await flow.code(scope="account.read")
    clock.advance(599)
    expect_tokens(await redeem(flow, code), "account.read", refresh=False)


async def test_an_expired_code_is_unknown(flow: Flow, clock: Clock) -> None:
    code = await flow.code()
    clock.advance(601)
    expect_error(await redeem(flow, code), "invalid_grant")


async def test_code_reuse_is_refused_and_revokes_what_the_code_issued(
    flow: Flow, context: Context
) -> None:
    code = await flow.code(scope="account.read offline")
    first = expect_tokens(await redeem(flow, code), "account.read offline", refresh=True)
    assert is_live(context, first["access_token"])
    assert is_live(context, first["refresh_token"])

    expect_error(await redeem(flow, code), "invalid_grant", CODE_USED)

    assert not is_live(context, first["access_token"])
    assert not is_live(context, first["refresh_token"])
    refresh = {"grant_type": "refresh_token", "refresh_token": str(first["refresh_token"])}
    expect_error(await flow.token(refresh, auth=SECRET_AUTH), "invalid_grant", REFRESH_INVALID)
    # And it stays used.
    expect_error(await redeem(flow, code), "invalid_grant", CODE_USED)


async def test_a_used_code_presented_after_it_expired_is_still_reuse(
    flow: Flow, context: Context, clock: Clock
) -> None:
    """The store keeps no entry for the code itself: it is traced to its grant."""
    code = await flow.code(scope="account.read offline")
    first = expect_tokens(await redeem(flow, code), "account.read offline", refresh=True)
    clock.advance(1800)  # the code expired 20 minutes ago; its access token lives
    assert is_live(context, first["access_token"])
    expect_error(await redeem(flow, code), "invalid_grant", CODE_USED)
    assert not is_live(context, first["access_token"])
    refresh = {"grant_type": "refresh_token", "refresh_token": str(first["refresh_token"])}
    expect_error(await flow.token(refresh, auth=SECRET_AUTH), "invalid_grant", REFRESH_INVALID)


async def test_code_reuse_also_revokes_tokens_from_later_refreshes(
    flow: Flow, context: Context
) -> None:
    code = await flow.code(scope="account.read offline")
    first = expect_tokens(await redeem(flow, code), "account.read offline", refresh=True)
    refresh = {"grant_type": "refresh_token", "refresh_token": str(first["refresh_token"])}
    second = expect_tokens(
        await flow.token(refresh, auth=SECRET_AUTH), "account.read offline", refresh=True
    )

    expect_error(await redeem(flow, code), "invalid_grant", CODE_USED)

    assert not is_live(context, second["access_token"])
    refresh = {"grant_type": "refresh_token", "refresh_token": str(second["refresh_token"])}
    expect_error(await flow.token(refresh, auth=SECRET_AUTH), "invalid_grant", REFRESH_INVALID)


async def test_code_reuse_by_another_client_still_revokes(flow: Flow, context: Context) -> None:
    code = await flow.code(scope="account.read offline")
    first = expect_tokens(await redeem(flow, code), "account.read offline", refresh=True)
    response = await flow.token(code_request(code), auth=("two-uri-app", "tw0"))
    expect_error(response, "invalid_grant", CODE_USED)
    assert not is_live(context, first["access_token"])


async def test_a_code_issued_to_another_client(flow: Flow) -> None:
    code = await flow.code("secret-app", scope="account.read")
    response = await flow.token(code_request(code), auth=("two-uri-app", "tw0"))
    expect_error(response, "invalid_grant", CODE_OTHER_CLIENT)
    # A refused attempt does not consume the code.
    expect_tokens(await redeem(flow, code), "account.read", refresh=False)


@pytest.mark.parametrize(
    "redirect_uri",
    [
        pytest.param(None, id="missing"),
        pytest.param("http://127.0.0.1:8765/callback/", id="trailing-slash"),
        pytest.param("http://127.0.0.1:8765/other", id="other-path"),
        pytest.param("https://app.example.com/cb?tenant=1", id="other-client-uri"),
    ],
)
async def test_redirect_uri_must_repeat_the_one_sent_to_authorize(
    flow: Flow, redirect_uri: str | None
) -> None:
    code = await flow.code(scope="account.read")
    data = code_request(code)
    if redirect_uri is None:
        del data["redirect_uri"]
    else:
        data["redirect_uri"] = redirect_uri
    expect_error(await flow.token(data, auth=SECRET_AUTH), "invalid_grant", REDIRECT_MISMATCH)
    # A refused attempt does not consume the code.
    expect_tokens(await redeem(flow, code), "account.read", refresh=False)


async def test_loopback_redirect_uri_is_bound_with_the_port_used(flow: Flow) -> None:
    other_port = "http://127.0.0.1:9999/callback"
    code = await flow.code(redirect_uri=other_port, scope="account.read")
    response = await flow.token(code_request(code), auth=SECRET_AUTH)
    expect_error(response, "invalid_grant", REDIRECT_MISMATCH)
    response = await flow.token(code_request(code, redirect_uri=other_port), auth=SECRET_AUTH)
    expect_tokens(response, "account.read", refresh=False)


async def test_redirect_uri_is_not_required_when_authorize_had_none(flow: Flow) -> None:
    code = await flow.code(redirect_uri=None, scope="account.read")  # type: ignore[arg-type]
    data = {"grant_type": "authorization_code", "code": code}
    expect_tokens(await flow.token(data, auth=SECRET_AUTH), "account.read", refresh=False)


@pytest.mark.parametrize("code", [None, FORGED_CODE])
async def test_client_without_the_grant_is_unauthorized(flow: Flow, code: str | None) -> None:
    code = code or await flow.code("refresh-only-app")
    response = await flow.token(code_request(code), auth=("refresh-only-app", "r3fresh"))
    expect_error(response, "unauthorized_client", not_allowed_grant("authorization_code"))


async def test_client_with_only_the_code_grant_gets_no_refresh_token(flow: Flow) -> None:
    code = await flow.code("code-only-app", scope="account.read offline")
    response = await flow.token(code_request(code), auth=("code-only-app", "c0de"))
    expect_tokens(response, "account.read offline", refresh=False)


# PKCE --------------------------------------------------------------------------------------------


async def pkce_code(flow: Flow, challenge: str, client_id: str = "pkce-app") -> str:
    return await flow.code(
        client_id,
        scope="account.read offline",
        code_challenge=challenge,
        code_challenge_method="S256",
    )


def public_request(code: str, verifier: str | None) -> dict[str, str]:
    data = code_request(code, client_id="pkce-app")
    if verifier is not None:
        data["code_verifier"] = verifier
    return data


ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~"


@pytest.mark.parametrize(
    ("verifier", "hint"),
    [
        pytest.param(None, PKCE_TOO_SHORT, id="missing"),
        pytest.param("", PKCE_TOO_SHORT, id="empty"),
        pytest.param("a" * 42, PKCE_TOO_SHORT, id="42-chars"),
        pytest.param("a" * 129, PKCE_TOO_LONG, id="129-chars"),
        pytest.param("a" * 42 + "+", PKCE_BAD_CHARACTERS, id="plus"),
        pytest.param("a" * 42 + "=", PKCE_BAD_CHARACTERS, id="equals"),
        pytest.param("a" * 42 + "/", PKCE_BAD_CHARACTERS, id="slash"),
        pytest.param("a" * 21 + " " + "a" * 21, PKCE_BAD_CHARACTERS, id="space"),
        pytest.param("a" * 43, PKCE_MISMATCH, id="mismatch"),
        pytest.param(ALPHABET, PKCE_MISMATCH, id="mismatch-all-allowed-characters"),
    ],
)
async def test_pkce_verifier_errors(flow: Flow, verifier: str | None, hint: str) -> None:
    right, challenge = pkce_pair()
    code = await pkce_code(flow, challenge)
    response = await flow.token(public_request(code, verifier))
    expect_error(response, "invalid_grant", hint)
    # The failed attempt deleted the code's PKCE record (not the code): a retry with the
    # right verifier finds no PKCE data, and one without a verifier is refused for a PKCE app.
    retry = await flow.token(public_request(code, right))
    expect_error(retry, "invalid_grant", PKCE_NOT_STARTED)
    expect_error(await flow.token(public_request(code, None)), "invalid_request", PKCE_REQUIRED)


@pytest.mark.parametrize("length", [43, 128])
async def test_pkce_verifier_length_limits_are_inclusive(flow: Flow, length: int) -> None:
    verifier = (ALPHABET * 2)[:length]
    code = await pkce_code(flow, s256_challenge(verifier))
    response = await flow.token(public_request(code, verifier))
    expect_tokens(response, "account.read offline", refresh=True)


async def test_verifier_without_a_challenge_at_authorize(flow: Flow) -> None:
    code = await flow.code(scope="account.read")
    verifier, _ = pkce_pair()
    response = await redeem(flow, code, code_verifier=verifier)
    expect_error(response, "invalid_grant", PKCE_NOT_STARTED)
    expect_tokens(await redeem(flow, code), "account.read", refresh=False)


async def test_confidential_client_with_a_challenge_must_send_the_verifier(flow: Flow) -> None:
    verifier, challenge = pkce_pair()
    code = await pkce_code(flow, challenge, client_id="secret-app")
    expect_error(await redeem(flow, code), "invalid_grant", PKCE_TOO_SHORT)
    # fosite deleted the code's PKCE record at the failed attempt, not the code: the right
    # verifier now finds no PKCE data, and (Hydra's real behaviour) no verifier at all passes.
    response = await redeem(flow, code, code_verifier=verifier)
    expect_error(response, "invalid_grant", PKCE_NOT_STARTED)
    expect_tokens(await redeem(flow, code), "account.read offline", refresh=True)


async def test_pkce_app_full_flow(flow: Flow, context: Context) -> None:
    verifier, challenge = pkce_pair()
    code = await pkce_code(flow, challenge)
    first = expect_tokens(
        await flow.token(public_request(code, verifier)), "account.read offline", refresh=True
    )
    assert is_live(context, first["access_token"])
    refresh = {
        "grant_type": "refresh_token",
        "refresh_token": str(first["refresh_token"]),
        "client_id": "pkce-app",
    }
    second = expect_tokens(await flow.token(refresh), "account.read offline", refresh=True)
    assert token_pattern("ory_rt_").fullmatch(str(second["refresh_token"]))
    assert second["refresh_token"] != first["refresh_token"]
    assert not is_live(context, first["access_token"])
    # A second redemption of the PKCE code is reuse, whatever the verifier.
    response = await flow.token(public_request(code, verifier))
    expect_error(response, "invalid_grant", CODE_USED)
    assert not is_live(context, second["access_token"])


async def test_pkce_code_cannot_be_redeemed_with_basic_for_another_client(flow: Flow) -> None:
    verifier, challenge = pkce_pair()
    code = await pkce_code(flow, challenge)
    response = await flow.token(
        code_request(code, code_verifier=verifier), headers=basic("secret-app", "s3cret")
    )
    expect_error(response, "invalid_grant", CODE_OTHER_CLIENT)
