"""Client authentication at POST /oauth2/token (docs/fidelity.md, frameio-v2)."""

from __future__ import annotations

import base64
from urllib.parse import quote_plus

import httpx
import pytest

from frameio_oauth_mock.mockserver.settings import ClientConfig, Settings
from tests.conftest import REDIRECT, SCOPES, Flow, make_settings, pkce_pair
from tests.http.token_support import (
    ID_DECODE,
    NO_CREDENTIALS,
    SECRET_DECODE,
    TOKEN,
    auth_method_mismatch,
    basic,
    expect_error,
    expect_tokens,
)

pytestmark = pytest.mark.anyio

# Registered secrets that only survive Basic if the form-url-encoding is honoured.
ODD_ID = "odd app:1+"
ODD_SECRET = "p:a+s%s w\u20acrd/\u00fc="
SPACE_SECRET = "two words"
PLUS_SECRET = "a+b"


@pytest.fixture
def settings() -> Settings:
    extra = (
        ClientConfig(ODD_ID, (REDIRECT,), SCOPES, client_secret=ODD_SECRET),
        ClientConfig("space-app", (REDIRECT,), SCOPES, client_secret=SPACE_SECRET),
        ClientConfig("plus-app", (REDIRECT,), SCOPES, client_secret=PLUS_SECRET),
    )
    return make_settings(extra_clients=extra)


def code_request(code: str, **extra: str) -> dict[str, str]:
    return {"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT, **extra}


def raw_basic(text: bytes) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(text).decode("ascii")}


async def redeem_with(flow: Flow, client_id: str, headers: dict[str, str]) -> httpx.Response:
    code = await flow.code(client_id, scope="account.read")
    return await flow.token(code_request(code), headers=headers)


# Basic, form-url-decoded -------------------------------------------------------------------------


async def test_basic_id_and_secret_are_form_url_decoded(flow: Flow) -> None:
    response = await redeem_with(flow, ODD_ID, basic(ODD_ID, ODD_SECRET))
    expect_tokens(response, "account.read", refresh=False)


async def test_basic_percent_encoding_without_plus_also_works(flow: Flow) -> None:
    id_, secret = (quote_plus(part, safe="").replace("+", "%20") for part in (ODD_ID, ODD_SECRET))
    response = await redeem_with(flow, ODD_ID, basic(id_, secret, encode=False))
    expect_tokens(response, "account.read", refresh=False)


@pytest.mark.parametrize("secret", ["two+words", "two%20words", "two words", "two+w%6Frds"])
async def test_plus_in_basic_decodes_to_a_space(flow: Flow, secret: str) -> None:
    response = await redeem_with(flow, "space-app", basic("space-app", secret, encode=False))
    expect_tokens(response, "account.read", refresh=False)


async def test_a_literal_plus_must_be_percent_encoded(flow: Flow) -> None:
    response = await redeem_with(flow, "plus-app", basic("plus-app", "a%2Bb", encode=False))
    expect_tokens(response, "account.read", refresh=False)
    # Sent raw, '+' becomes a space and the secret no longer matches.
    response = await redeem_with(flow, "plus-app", basic("plus-app", "a+b", encode=False))
    expect_error(response, "invalid_client")


async def test_unencoded_odd_secret_fails(flow: Flow) -> None:
    # "%s " is not a valid escape, so the raw secret cannot even be decoded.
    response = await redeem_with(flow, ODD_ID, basic(quote_plus(ODD_ID), ODD_SECRET, encode=False))
    expect_error(response, "invalid_request", SECRET_DECODE)


@pytest.mark.parametrize(
    ("raw", "hint"),
    [
        pytest.param(b"%zz:s3cret", ID_DECODE, id="id-not-hex"),
        pytest.param(b"secret-app%:s3cret", ID_DECODE, id="id-trailing-percent"),
        pytest.param(b"secret-app%4:s3cret", ID_DECODE, id="id-one-digit"),
        pytest.param(b"%:%", ID_DECODE, id="both-bad-id-first"),
        pytest.param(b"secret-app:s3cret%", SECRET_DECODE, id="secret-trailing-percent"),
        pytest.param(b"secret-app:%g0", SECRET_DECODE, id="secret-not-hex"),
        pytest.param(b"unknown-app:100%", SECRET_DECODE, id="before-client-lookup"),
    ],
)
async def test_malformed_percent_escape_in_basic(flow: Flow, raw: bytes, hint: str) -> None:
    response = await redeem_with(flow, "secret-app", raw_basic(raw))
    expect_error(response, "invalid_request", hint)


async def test_basic_scheme_is_case_insensitive(flow: Flow) -> None:
    header = basic("secret-app", "s3cret")["Authorization"].replace("Basic", "bAsIc")
    response = await redeem_with(flow, "secret-app", {"Authorization": header})
    expect_tokens(response, "account.read", refresh=False)


async def test_only_the_first_colon_separates_id_and_secret(flow: Flow) -> None:
    # ODD_SECRET's ':' sent unencoded still belongs to the secret.
    raw = quote_plus(ODD_ID, safe="") + ":" + quote_plus(ODD_SECRET, safe=":")
    assert raw.count(":") == 2
    response = await redeem_with(flow, ODD_ID, raw_basic(raw.encode()))
    expect_tokens(response, "account.read", refresh=False)


# Methods: basic, post, none ----------------------------------------------------------------------


async def test_post_client_authenticates_in_the_body(flow: Flow) -> None:
    code = await flow.code("post-app", scope="account.read offline")
    data = code_request(code, client_id="post-app", client_secret="p0st")
    expect_tokens(await flow.token(data), "account.read offline", refresh=True)


@pytest.mark.parametrize("secret", ["s3cret", "wrong"])
async def test_basic_client_using_post_is_refused(flow: Flow, secret: str) -> None:
    code = await flow.code("secret-app", scope="account.read")
    data = code_request(code, client_id="secret-app", client_secret=secret)
    response = await flow.token(data)
    expect_error(
        response,
        "invalid_client",
        auth_method_mismatch("client_secret_basic", "client_secret_post"),
    )


@pytest.mark.parametrize("secret", ["p0st", "wrong"])
async def test_post_client_using_basic_is_refused(flow: Flow, secret: str) -> None:
    response = await redeem_with(flow, "post-app", basic("post-app", secret))
    expect_error(
        response,
        "invalid_client",
        auth_method_mismatch("client_secret_post", "client_secret_basic"),
    )


async def test_public_client_sending_a_secret_in_the_body_is_refused(flow: Flow) -> None:
    verifier, challenge = pkce_pair()
    code = await flow.code("pkce-app", code_challenge=challenge, code_challenge_method="S256")
    data = code_request(code, client_id="pkce-app", client_secret="x", code_verifier=verifier)
    response = await flow.token(data)
    expect_error(response, "invalid_client", auth_method_mismatch("none", "client_secret_post"))


async def test_public_client_sending_a_basic_secret_is_refused(flow: Flow) -> None:
    verifier, challenge = pkce_pair()
    code = await flow.code("pkce-app", code_challenge=challenge, code_challenge_method="S256")
    data = code_request(code, code_verifier=verifier)
    response = await flow.token(data, headers=basic("pkce-app", "x"))
    expect_error(response, "invalid_client", auth_method_mismatch("none", "client_secret_basic"))


@pytest.mark.parametrize(
    "headers",
    [
        pytest.param(basic("pkce-app", ""), id="basic-empty-secret"),
        pytest.param({}, id="client-id-in-body"),
    ],
)
async def test_public_client_authenticates_with_its_id_alone(
    flow: Flow, headers: dict[str, str]
) -> None:
    verifier, challenge = pkce_pair()
    code = await flow.code(
        "pkce-app",
        scope="account.read offline",
        code_challenge=challenge,
        code_challenge_method="S256",
    )
    data = code_request(code, code_verifier=verifier)
    if not headers:
        data["client_id"] = "pkce-app"
    response = await flow.token(data, headers=headers)
    expect_tokens(response, "account.read offline", refresh=True)


# Missing, unknown and wrong credentials ---------------------------------------------------------


@pytest.mark.parametrize(
    "headers",
    [
        pytest.param({}, id="nothing"),
        pytest.param({"Authorization": "Bearer s3cret"}, id="not-basic"),
        pytest.param({"Authorization": "Basic"}, id="basic-without-credentials"),
        pytest.param({"Authorization": "Basic !!!not-base64!!!"}, id="basic-not-base64"),
        pytest.param(raw_basic(b"secret-app"), id="basic-without-colon"),
    ],
)
async def test_no_credentials(flow: Flow, headers: dict[str, str]) -> None:
    code = await flow.code("secret-app", scope="account.read")
    response = await flow.token(code_request(code), headers=headers)
    expect_error(response, "invalid_request", NO_CREDENTIALS)


async def test_a_secret_without_a_client_id_is_no_credentials(flow: Flow) -> None:
    code = await flow.code("secret-app", scope="account.read")
    response = await flow.token(code_request(code, client_secret="s3cret"))
    expect_error(response, "invalid_request", NO_CREDENTIALS)


async def test_credentials_in_the_query_string_are_ignored(
    http: httpx.AsyncClient, flow: Flow
) -> None:
    code = await flow.code("post-app", scope="account.read")
    for query in (
        {"client_id": "post-app", "client_secret": "p0st"},
        {"client_id": "pkce-app"},
    ):
        response = await http.post(TOKEN, params=query, data=code_request(code))
        expect_error(response, "invalid_request", NO_CREDENTIALS)
    data = code_request(code, client_id="post-app", client_secret="p0st")
    expect_tokens(await flow.token(data), "account.read", refresh=False)


@pytest.mark.parametrize(
    ("headers", "body"),
    [
        pytest.param(basic("unknown-app", "s3cret"), {}, id="basic"),
        pytest.param({}, {"client_id": "unknown-app", "client_secret": "s3cret"}, id="post"),
        pytest.param({}, {"client_id": "unknown-app"}, id="none"),
        pytest.param(basic("Secret-App", "s3cret"), {}, id="id-is-case-sensitive"),
    ],
)
async def test_unknown_client(flow: Flow, headers: dict[str, str], body: dict[str, str]) -> None:
    code = await flow.code("secret-app", scope="account.read")
    response = await flow.token(code_request(code, **body), headers=headers)
    expect_error(response, "invalid_client")


@pytest.mark.parametrize(
    ("client_id", "secret"),
    [
        ("secret-app", "wrong"),
        ("secret-app", ""),
        ("secret-app", "S3CRET"),
        ("secret-app", "s3cre"),
        ("secret-app", "s3cret "),
        ("secret-app", "s3cret\u00e9"),
        ("secret-app", "p0st"),
        ("space-app", "two%2Bwords"),
    ],
)
async def test_wrong_basic_secret(flow: Flow, client_id: str, secret: str) -> None:
    response = await redeem_with(flow, client_id, basic(client_id, secret))
    expect_error(response, "invalid_client")


async def test_wrong_post_secret(flow: Flow) -> None:
    code = await flow.code("post-app", scope="account.read")
    data = code_request(code, client_id="post-app", client_secret="s3cret")
    expect_error(await flow.token(data), "invalid_client")
    # The refused request did not consume the code.
    data["client_secret"] = "p0st"
    expect_tokens(await flow.token(data), "account.read", refresh=False)


async def test_client_authentication_comes_before_the_code(flow: Flow) -> None:
    response = await flow.token(code_request("no-such-code"), auth=("secret-app", "wrong"))
    expect_error(response, "invalid_client")


# Basic wins over the body -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        pytest.param({"client_id": "pkce-app"}, id="other-client-id"),
        pytest.param({"client_secret": "wrong"}, id="wrong-body-secret"),
        pytest.param({"client_id": "unknown-app"}, id="unknown-client-id"),
    ],
)
async def test_basic_wins_over_body_credentials(flow: Flow, body: dict[str, str]) -> None:
    code = await flow.code("secret-app", scope="account.read")
    response = await flow.token(code_request(code, **body), auth=("secret-app", "s3cret"))
    expect_tokens(response, "account.read", refresh=False)


async def test_basic_wins_even_when_the_body_would_authenticate(flow: Flow) -> None:
    code = await flow.code("post-app", scope="account.read")
    data = code_request(code, client_id="post-app", client_secret="p0st")
    response = await flow.token(data, headers=basic("post-app", "p0st"))
    expect_error(
        response,
        "invalid_client",
        auth_method_mismatch("client_secret_post", "client_secret_basic"),
    )


async def test_wrong_basic_is_not_rescued_by_the_body(flow: Flow) -> None:
    code = await flow.code("pkce-app", code_challenge=pkce_pair()[1], code_challenge_method="S256")
    response = await flow.token(
        code_request(code, client_id="pkce-app"), headers=basic("secret-app", "wrong")
    )
    expect_error(response, "invalid_client")
