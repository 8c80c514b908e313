"""POST /oauth2/revoke (RFC 7009), from issue 3 and docs/fidelity.md ("Other endpoints").

Client authentication works as at the token endpoint; any token (live, unknown, another
client's) is answered 200 with an empty body; revoking either token of an authorization
revokes both. Expected texts are written down (here and in token_support.py), never imported
from mockserver.
"""

from __future__ import annotations

import base64

import httpx
import pytest

from tests.conftest import REDIRECT, Flow
from tests.http.token_support import (
    EMPTY_BODY,
    INVALID_GRANT,
    NO_CREDENTIALS,
    auth_method_mismatch,
    expect_error,
    expect_router_405,
)

pytestmark = pytest.mark.anyio

REVOKE = "/oauth2/revoke"
INTROSPECT = "/oauth2/introspect"
SECRET_APP = ("secret-app", "s3cret")

MISSING_TOKEN = "Request parameter 'token' is missing"


def expect_revoked_ok(response: httpx.Response) -> None:
    assert response.status_code == 200, response.text
    assert response.content == b""
    assert response.headers["cache-control"] == "no-store"


async def revoke(
    http: httpx.AsyncClient,
    token: object,
    auth: tuple[str, str] | None = SECRET_APP,
    **extra: str,
) -> httpx.Response:
    return await http.post(
        REVOKE, data={"token": str(token), **extra}, auth=auth or httpx.USE_CLIENT_DEFAULT
    )


async def active(http: httpx.AsyncClient, token: object) -> bool:
    response = await http.post(INTROSPECT, data={"token": str(token)}, auth=SECRET_APP)
    assert response.status_code == 200, response.text
    value = response.json()["active"]
    assert isinstance(value, bool)
    return value


async def me_status(http: httpx.AsyncClient, access_token: object) -> int:
    response = await http.get("/v2/me", headers={"Authorization": f"Bearer {access_token}"})
    return response.status_code


async def refresh(http: httpx.AsyncClient, refresh_token: object) -> httpx.Response:
    return await http.post(
        "/oauth2/token",
        data={"grant_type": "refresh_token", "refresh_token": str(refresh_token)},
        auth=SECRET_APP,
    )


# Success ------------------------------------------------------------------------------------


async def test_revoking_the_access_token_revokes_the_refresh_token_too(
    http: httpx.AsyncClient, flow: Flow
) -> None:
    tokens = await flow.tokens()
    assert await me_status(http, tokens["access_token"]) == 200

    expect_revoked_ok(await revoke(http, tokens["access_token"]))

    assert await me_status(http, tokens["access_token"]) == 401
    assert not await active(http, tokens["access_token"])
    assert not await active(http, tokens["refresh_token"])
    response = await refresh(http, tokens["refresh_token"])
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"


async def test_revoking_the_refresh_token_revokes_the_access_token_too(
    http: httpx.AsyncClient, flow: Flow
) -> None:
    tokens = await flow.tokens()

    expect_revoked_ok(await revoke(http, tokens["refresh_token"]))

    assert await me_status(http, tokens["access_token"]) == 401
    assert not await active(http, tokens["access_token"])
    assert not await active(http, tokens["refresh_token"])
    response = await refresh(http, tokens["refresh_token"])
    assert response.status_code == 400
    assert response.json() == {
        "error": "invalid_grant",
        "error_description": f"{INVALID_GRANT} The refresh token is malformed or not valid.",
    }


async def test_token_type_hint_is_accepted_and_does_not_change_the_outcome(
    http: httpx.AsyncClient, flow: Flow
) -> None:
    tokens = await flow.tokens()
    # A wrong hint: RFC 7009 2.1 says the server must extend its search.
    expect_revoked_ok(await revoke(http, tokens["access_token"], token_type_hint="refresh_token"))
    assert await me_status(http, tokens["access_token"]) == 401


async def test_revoking_one_authorization_leaves_the_others_alone(
    http: httpx.AsyncClient, flow: Flow
) -> None:
    first = await flow.tokens()
    second = await flow.tokens()
    expect_revoked_ok(await revoke(http, first["access_token"]))
    assert await me_status(http, first["access_token"]) == 401
    assert await me_status(http, second["access_token"]) == 200
    assert await active(http, second["refresh_token"])


async def test_unknown_token_is_answered_with_success(http: httpx.AsyncClient) -> None:
    expect_revoked_ok(await revoke(http, "ory_at_not-a-token.at-all"))
    expect_revoked_ok(await revoke(http, "x"))


async def test_revoking_twice_is_answered_with_success(http: httpx.AsyncClient, flow: Flow) -> None:
    tokens = await flow.tokens()
    expect_revoked_ok(await revoke(http, tokens["refresh_token"]))
    expect_revoked_ok(await revoke(http, tokens["refresh_token"]))


@pytest.mark.parametrize("kind", ["access_token", "refresh_token"])
async def test_another_clients_token_is_answered_with_success_and_stays_live(
    http: httpx.AsyncClient, flow: Flow, kind: str
) -> None:
    tokens = await flow.tokens()  # issued to secret-app

    response = await http.post(
        REVOKE, data={"token": str(tokens[kind]), "client_id": "post-app", "client_secret": "p0st"}
    )
    expect_revoked_ok(response)

    assert await me_status(http, tokens["access_token"]) == 200
    assert await active(http, tokens["access_token"])
    assert await active(http, tokens["refresh_token"])
    assert (await refresh(http, tokens["refresh_token"])).status_code == 200


async def test_client_secret_post_client_revokes_its_own_token(
    http: httpx.AsyncClient, flow: Flow
) -> None:
    code = await flow.code(client_id="post-app", scope="account.read offline")
    issued = await flow.token(
        {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": REDIRECT,
            "client_id": "post-app",
            "client_secret": "p0st",
        }
    )
    assert issued.status_code == 200, issued.text
    tokens = issued.json()

    response = await http.post(
        REVOKE,
        data={"token": tokens["refresh_token"], "client_id": "post-app", "client_secret": "p0st"},
    )
    expect_revoked_ok(response)
    assert await me_status(http, tokens["access_token"]) == 401


async def test_public_client_revokes_with_its_client_id_alone(
    http: httpx.AsyncClient, flow: Flow
) -> None:
    issued = await flow.pkce_exchange("account.read offline")
    assert issued.status_code == 200, issued.text
    tokens = issued.json()

    response = await http.post(
        REVOKE, data={"token": tokens["access_token"], "client_id": "pkce-app"}
    )
    expect_revoked_ok(response)
    assert await me_status(http, tokens["access_token"]) == 401
    assert not await active(http, tokens["refresh_token"])


# Errors -------------------------------------------------------------------------------------


async def test_get_is_the_routers_405(http: httpx.AsyncClient, flow: Flow) -> None:
    tokens = await flow.tokens()
    response = await http.get(
        REVOKE, params={"token": str(tokens["access_token"])}, auth=SECRET_APP
    )
    expect_router_405(response)
    # The token in the query string was not revoked.
    assert await me_status(http, tokens["access_token"]) == 200


async def test_empty_body_is_invalid_request(http: httpx.AsyncClient) -> None:
    response = await http.post(REVOKE, auth=SECRET_APP)
    expect_error(response, "invalid_request", EMPTY_BODY)


async def test_missing_token_parameter_is_invalid_request(http: httpx.AsyncClient) -> None:
    response = await http.post(REVOKE, data={"token_type_hint": "access_token"}, auth=SECRET_APP)
    expect_error(response, "invalid_request", MISSING_TOKEN)


async def test_empty_token_parameter_is_invalid_request(http: httpx.AsyncClient) -> None:
    response = await http.post(REVOKE, data={"token": ""}, auth=SECRET_APP)
    expect_error(response, "invalid_request", MISSING_TOKEN)


async def test_no_client_credentials_is_invalid_request(
    http: httpx.AsyncClient, flow: Flow
) -> None:
    tokens = await flow.tokens()
    response = await http.post(REVOKE, data={"token": str(tokens["access_token"])})
    expect_error(response, "invalid_request", NO_CREDENTIALS)
    assert await me_status(http, tokens["access_token"]) == 200


async def test_wrong_secret_is_invalid_client_and_revokes_nothing(
    http: httpx.AsyncClient, flow: Flow
) -> None:
    tokens = await flow.tokens()
    response = await revoke(http, tokens["access_token"], auth=("secret-app", "wrong"))
    expect_error(response, "invalid_client")
    assert await me_status(http, tokens["access_token"]) == 200


async def test_missing_secret_is_invalid_client(http: httpx.AsyncClient, flow: Flow) -> None:
    tokens = await flow.tokens()
    # client_id alone in the body for a client with a secret: fosite compares the empty
    # secret and answers invalid_client with no hint.
    response = await http.post(
        REVOKE, data={"token": str(tokens["access_token"]), "client_id": "secret-app"}
    )
    expect_error(response, "invalid_client")
    assert await me_status(http, tokens["access_token"]) == 200


async def test_unknown_client_is_invalid_client(http: httpx.AsyncClient) -> None:
    response = await revoke(http, "anything", auth=("nobody", "secret"))
    expect_error(response, "invalid_client")


async def test_secret_in_body_for_a_basic_client_is_a_method_mismatch(
    http: httpx.AsyncClient, flow: Flow
) -> None:
    tokens = await flow.tokens()
    response = await http.post(
        REVOKE,
        data={
            "token": str(tokens["access_token"]),
            "client_id": "secret-app",
            "client_secret": "s3cret",
        },
    )
    expect_error(
        response,
        "invalid_client",
        auth_method_mismatch("client_secret_basic", "client_secret_post"),
    )
    assert await me_status(http, tokens["access_token"]) == 200


async def test_basic_for_a_post_client_is_a_method_mismatch(http: httpx.AsyncClient) -> None:
    response = await revoke(http, "anything", auth=("post-app", "p0st"))
    expect_error(
        response,
        "invalid_client",
        auth_method_mismatch("client_secret_post", "client_secret_basic"),
    )


async def test_public_client_sending_a_secret_is_a_method_mismatch(
    http: httpx.AsyncClient,
) -> None:
    response = await http.post(
        REVOKE, data={"token": "anything", "client_id": "pkce-app", "client_secret": "guess"}
    )
    expect_error(response, "invalid_client", auth_method_mismatch("none", "client_secret_post"))


async def test_basic_credentials_are_form_url_decoded(http: httpx.AsyncClient, flow: Flow) -> None:
    tokens = await flow.tokens()
    # "s3cret" with every character percent-encoded still authenticates.
    encoded = "".join(f"%{byte:02X}" for byte in b"s3cret")
    header = "Basic " + base64.b64encode(f"secret-app:{encoded}".encode()).decode()
    response = await http.post(
        REVOKE, data={"token": str(tokens["access_token"])}, headers={"Authorization": header}
    )
    expect_revoked_ok(response)
    assert await me_status(http, tokens["access_token"]) == 401
