"""GET|POST /oauth2/auth in auto-approve mode: validation order, error targets, redirect URIs.

Every expectation comes from docs/fidelity.md (profile frameio-v2, "Authorization endpoint").
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlsplit

import httpx
import pytest

from frameio_oauth_mock.mockserver.clock import Clock
from frameio_oauth_mock.mockserver.oauth.context import Context
from frameio_oauth_mock.mockserver.settings import ClientConfig, Settings
from tests.conftest import (
    REDIRECT,
    SCOPES,
    make_settings,
    pkce_pair,
    pkce_redemption,
    redirect_target,
)
from tests.http.authorize_support import (
    BAD_REDIRECT,
    PKCE_MISSING,
    PKCE_PLAIN,
    PKCE_UNKNOWN_METHOD,
    UNKNOWN_CLIENT,
    UNSUPPORTED_RESPONSE_TYPE,
    WEAK_STATE,
    assert_error_page,
    page_field,
    response_type_refused,
    scope_refused,
)
from tests.http.token_support import INVALID_REQUEST

pytestmark = pytest.mark.anyio

TENANT_URI = "https://app.example.com/cb?tenant=1"
V4_LOOPBACK = "http://127.0.0.1:8765/callback"
V6_LOOPBACK = "http://[::1]:8765/cb6"
LOCALHOST_URI = "http://localhost:8765/local"
STATE = "state-12345"


@pytest.fixture
def settings() -> Settings:
    """The shared clients plus one registering IPv4, IPv6 and "localhost" loopback URIs."""
    loopback = ClientConfig(
        "loopback-app",
        (V4_LOOPBACK, V6_LOOPBACK, LOCALHOST_URI),
        SCOPES,
        client_secret="l00p",
    )
    return make_settings(auto_approve=True, extra_clients=(loopback,))


# Helpers -----------------------------------------------------------------------------------


def good_params(**changes: str | None) -> dict[str, str]:
    """A valid request for secret-app; a value of None drops the parameter."""
    params: dict[str, str | None] = {
        "client_id": "secret-app",
        "redirect_uri": REDIRECT,
        "response_type": "code",
        "scope": "account.read offline",
        "state": STATE,
    }
    params.update(changes)
    return {key: value for key, value in params.items() if value is not None}


async def authorize(http: httpx.AsyncClient, **changes: str | None) -> httpx.Response:
    return await http.get("/oauth2/auth", params=good_params(**changes))


def full_query(location: str) -> dict[str, str]:
    """The redirect's query, blank values kept, each name present once."""
    pairs = parse_qsl(urlsplit(location).query, keep_blank_values=True, strict_parsing=False)
    names = [name for name, _ in pairs]
    assert len(names) == len(set(names)), f"a parameter is repeated in {location}"
    return dict(pairs)


def assert_error_redirect(
    response: httpx.Response,
    error: str,
    description: str,
    state: str | None = STATE,
    target: str = REDIRECT,
) -> dict[str, str]:
    """Refused back to the (trusted) redirect_uri: 303 with error, error_description, state."""
    assert response.status_code == 303, response.text
    location = response.headers["location"]
    assert redirect_target(location) == redirect_target(target)
    query = full_query(location)
    # fosite always sets state on an error redirect: `state=` when none was sent.
    expected = {"error": error, "error_description": description, "state": state or ""}
    expected.update(dict(parse_qsl(urlsplit(target).query)))
    assert query == expected
    return query


def code_of(response: httpx.Response, target: str = REDIRECT) -> dict[str, str]:
    assert response.status_code == 303, response.text
    location = response.headers["location"]
    assert redirect_target(location) == redirect_target(target)
    query = full_query(location)
    assert "error" not in query
    assert query["code"].startswith("ory_ac_")
    return query


async def redeem(
    http: httpx.AsyncClient, code: str, redirect_uri: str | None = REDIRECT
) -> httpx.Response:
    data = {"grant_type": "authorization_code", "code": code}
    if redirect_uri is not None:
        data["redirect_uri"] = redirect_uri
    return await http.post("/oauth2/token", data=data, auth=("secret-app", "s3cret"))


# Order of checks ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "status", "error", "description", "state"),
    [
        pytest.param(
            {
                "client_id": "nobody",
                "redirect_uri": "https://evil.example/cb",
                "scope": "team.delete",
                "response_type": None,
                "state": None,
                "code_challenge_method": "plain",
                "code_challenge": "x" * 43,
            },
            401,
            "invalid_client",
            UNKNOWN_CLIENT,
            None,
            id="client-first",
        ),
        pytest.param(
            {
                "redirect_uri": "https://evil.example/cb",
                "scope": "team.delete",
                "response_type": None,
                "state": "short",
            },
            400,
            "invalid_request",
            BAD_REDIRECT,
            None,
            id="redirect_uri-before-scope",
        ),
        pytest.param(
            {"scope": "team.delete", "response_type": "token", "state": "short"},
            303,
            "invalid_scope",
            scope_refused("team.delete"),
            "short",
            id="scope-before-response_type",
        ),
        pytest.param(
            {"response_type": None, "state": None, "code_challenge_method": "plain"},
            303,
            "unsupported_response_type",
            UNSUPPORTED_RESPONSE_TYPE,
            None,
            id="response_type-before-state",
        ),
        pytest.param(
            {"state": "1234567", "code_challenge": "x" * 43, "code_challenge_method": "plain"},
            303,
            "invalid_state",
            WEAK_STATE,
            "1234567",
            id="state-before-pkce",
        ),
        pytest.param(
            {"code_challenge": "x" * 43, "code_challenge_method": "plain"},
            303,
            "invalid_request",
            PKCE_PLAIN,
            STATE,
            id="pkce-last",
        ),
    ],
)
async def test_the_first_fault_in_hydras_order_is_reported(
    http: httpx.AsyncClient,
    changes: dict[str, str | None],
    status: int,
    error: str,
    description: str,
    state: str | None,
) -> None:
    response = await authorize(http, **changes)
    if status == 303:
        assert_error_redirect(response, error, description, state)
    else:
        assert_error_page(response, status, error, description)


# Errors that must never reach the given redirect_uri ----------------------------------------


@pytest.mark.parametrize("client_id", ["nobody", "SECRET-APP", "secret-app ", None])
async def test_unknown_client_gets_the_error_page(
    http: httpx.AsyncClient, client_id: str | None
) -> None:
    response = await authorize(http, client_id=client_id, redirect_uri="https://evil.example/cb")
    assert_error_page(response, 401, "invalid_client", UNKNOWN_CLIENT)


async def test_error_page_carries_the_security_headers(http: httpx.AsyncClient) -> None:
    response = await authorize(http, client_id="nobody")
    assert response.headers["x-frame-options"] == "DENY"
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["referrer-policy"] == "same-origin"


@pytest.mark.parametrize(
    "redirect_uri",
    [
        pytest.param("http://127.0.0.1:8765/callback/evil", id="path-suffix"),
        pytest.param("http://127.0.0.1:8765/callbackevil", id="path-extended"),
        pytest.param("http://127.0.0.1:8765/callback/", id="trailing-slash"),
        pytest.param("http://127.0.0.1:8765/", id="path-dropped"),
        pytest.param("http://127.0.0.1:8765/Callback", id="path-case"),
        pytest.param("https://app.example.com/cb/", id="https-trailing-slash"),
        pytest.param("https://APP.example.com/cb?tenant=1", id="host-case"),
        pytest.param("https://app.example.com/CB?tenant=1", id="https-path-case"),
        pytest.param("https://evil.app.example.com/cb?tenant=1", id="subdomain"),
        pytest.param("https://app.example.com.evil.test/cb?tenant=1", id="suffix-domain"),
        pytest.param("http://127.0.0.1.evil.test:8765/callback", id="loopback-as-subdomain"),
        pytest.param("https://evil@app.example.com/cb?tenant=1", id="userinfo"),
        pytest.param("https://app.example.com@evil.test/cb?tenant=1", id="userinfo-host-swap"),
        pytest.param("http://evil@127.0.0.1:8765/callback", id="loopback-userinfo"),
        pytest.param("http://127.0.0.1:8765/callback?x=1", id="query-added"),
        pytest.param("http://127.0.0.1:9999/callback?x=1", id="loopback-other-port-query"),
        pytest.param("https://app.example.com/cb?tenant=2", id="query-changed"),
        pytest.param("https://app.example.com/cb?tenant=1&x=1", id="query-extended"),
        pytest.param("https://app.example.com/cb", id="query-dropped"),
        pytest.param("http://127.0.0.1:8765/%63allback", id="percent-encoded-char"),
        pytest.param("http://127.0.0.1:8765%2Fcallback", id="percent-encoded-slash"),
        pytest.param("https://app.example.com/cb?tenant%3D1", id="percent-encoded-query"),
        pytest.param("http://127.0.0.1:8765/callback#frag", id="fragment"),
        pytest.param("http://127.0.0.1:8765/callback#", id="empty-fragment"),
        pytest.param("https://app.example.com/cb?tenant=1#x", id="https-fragment"),
        pytest.param("https://127.0.0.1:8765/callback", id="https-instead-of-http"),
        pytest.param("http://app.example.com/cb?tenant=1", id="http-instead-of-https"),
        pytest.param("http://127.0.0.2:8765/callback", id="other-loopback-address"),
        pytest.param("http://localhost:8765/callback", id="localhost-for-ip"),
        pytest.param("http://[::1]:8765/callback", id="ipv6-for-ipv4"),
        pytest.param(" http://127.0.0.1:8765/callback", id="leading-space"),
        pytest.param(" http://127.0.0.1:9999/callback", id="leading-space-other-port"),
        pytest.param("\x01http://127.0.0.1:9999/callback", id="leading-control"),
        pytest.param("http://127.0.0.1:9999/call\tback", id="tab-inside"),
        pytest.param("http://127.0.0.1:9999/call\nback", id="newline-inside"),
        pytest.param("http://127.0.0.1:9999/callback\r\nX-Evil: 1", id="header-injection"),
        pytest.param("http://127.0.0.1:8765/callback ", id="trailing-space"),
        pytest.param("//127.0.0.1:8765/callback", id="scheme-relative"),
        pytest.param("/callback", id="relative"),
        pytest.param("javascript:alert(1)//", id="javascript"),
    ],
)
async def test_unregistered_redirect_uri_gets_the_error_page(
    http: httpx.AsyncClient, redirect_uri: str
) -> None:
    # two-uri-app has both a loopback and an https URI, so each variant has a near miss.
    response = await authorize(http, client_id="two-uri-app", redirect_uri=redirect_uri)
    assert_error_page(response, 400, "invalid_request", BAD_REDIRECT)


@pytest.mark.parametrize(
    "redirect_uri",
    [
        pytest.param("http://localhost:9999/local", id="localhost-other-port"),
        pytest.param("http://localhost/local", id="localhost-no-port"),
        pytest.param("http://[::1]:8765/cb6/", id="ipv6-trailing-slash"),
        pytest.param("http://[::1]:8765/cb6?x=1", id="ipv6-query-added"),
        pytest.param("https://[::1]:8765/cb6", id="ipv6-https"),
        pytest.param("http://[::2]:8765/cb6", id="ipv6-not-loopback"),
        pytest.param("http://[0:0:0:0:0:0:0:1]:8765/cb6", id="ipv6-spelled-out"),
        pytest.param("http://127.0.0.1:notaport/callback", id="malformed-port"),
        pytest.param("http://127.0.0.1:99999/callback", id="port-out-of-range"),
    ],
)
async def test_loopback_exception_is_narrow(http: httpx.AsyncClient, redirect_uri: str) -> None:
    response = await authorize(http, client_id="loopback-app", redirect_uri=redirect_uri)
    assert_error_page(response, 400, "invalid_request", BAD_REDIRECT)


async def test_redirect_uri_may_not_be_omitted_with_two_registered(
    http: httpx.AsyncClient,
) -> None:
    response = await authorize(http, client_id="two-uri-app", redirect_uri=None)
    assert_error_page(response, 400, "invalid_request", BAD_REDIRECT)


async def test_untrusted_redirect_uri_wins_over_later_faults(http: httpx.AsyncClient) -> None:
    response = await authorize(
        http, redirect_uri="https://evil.example/cb", response_type="token", state="x"
    )
    assert_error_page(response, 400, "invalid_request", BAD_REDIRECT)
    assert "evil.example" not in response.text


# Redirect URIs that are accepted -------------------------------------------------------------


@pytest.mark.parametrize(
    "redirect_uri",
    [
        pytest.param("http://127.0.0.1:9999/callback", id="ipv4-other-port"),
        pytest.param("http://127.0.0.1:1/callback", id="ipv4-port-1"),
        pytest.param("http://127.0.0.1/callback", id="ipv4-no-port"),
        pytest.param("http://[::1]:54321/cb6", id="ipv6-other-port"),
        pytest.param("http://[::1]/cb6", id="ipv6-no-port"),
        pytest.param(V4_LOOPBACK, id="ipv4-exact"),
        pytest.param(V6_LOOPBACK, id="ipv6-exact"),
        pytest.param(LOCALHOST_URI, id="localhost-exact"),
    ],
)
async def test_loopback_ip_literal_matches_any_port(
    http: httpx.AsyncClient, redirect_uri: str
) -> None:
    response = await authorize(http, client_id="loopback-app", redirect_uri=redirect_uri)
    query = code_of(response, target=redirect_uri)
    # The answer goes to the port the client listens on, not the registered one.
    assert response.headers["location"].startswith(redirect_uri + "?")
    assert query["state"] == STATE


async def test_loopback_code_is_bound_to_the_port_used(http: httpx.AsyncClient) -> None:
    used = "http://127.0.0.1:9999/callback"
    code = code_of(await authorize(http, redirect_uri=used), target=used)["code"]
    refused = await redeem(http, code, redirect_uri=REDIRECT)
    assert refused.status_code == 400
    assert refused.json()["error"] == "invalid_grant"
    code = code_of(await authorize(http, redirect_uri=used), target=used)["code"]
    accepted = await redeem(http, code, redirect_uri=used)
    assert accepted.status_code == 200, accepted.text


@pytest.mark.parametrize("omitted", [None, ""])
async def test_omitted_redirect_uri_uses_the_only_registered_one(
    http: httpx.AsyncClient, omitted: str | None
) -> None:
    response = await authorize(http, redirect_uri=omitted)
    query = code_of(response)
    assert response.headers["location"].startswith(REDIRECT + "?")
    assert query["state"] == STATE
    # None was sent at /oauth2/auth, so none is required at the token endpoint.
    token = await redeem(http, query["code"], redirect_uri=None)
    assert token.status_code == 200, token.text


async def test_omitted_redirect_uri_errors_go_to_the_only_registered_one(
    http: httpx.AsyncClient,
) -> None:
    response = await authorize(http, redirect_uri=None, scope="team.delete")
    assert_error_redirect(response, "invalid_scope", scope_refused("team.delete"))


async def test_either_registered_uri_of_two_is_accepted(http: httpx.AsyncClient) -> None:
    first = code_of(await authorize(http, client_id="two-uri-app"))
    assert first["state"] == STATE
    second = await authorize(http, client_id="two-uri-app", redirect_uri=TENANT_URI)
    query = code_of(second, target=TENANT_URI)
    assert query["tenant"] == "1"
    assert set(query) == {"code", "scope", "state", "tenant"}


# Errors sent back to the trusted redirect_uri ------------------------------------------------


@pytest.mark.parametrize("scope", ["team.delete", "account.read team.delete", "ACCOUNT.READ"])
async def test_scope_not_allowed(http: httpx.AsyncClient, scope: str) -> None:
    response = await authorize(http, scope=scope)
    refused = scope.split(" ")[-1]
    assert_error_redirect(response, "invalid_scope", scope_refused(refused))


async def test_scope_the_profile_knows_but_the_client_may_not_request(
    http: httpx.AsyncClient,
) -> None:
    response = await authorize(http, client_id="no-offline-app", scope="account.read offline")
    assert_error_redirect(response, "invalid_scope", scope_refused("offline"))


async def test_error_keeps_the_redirect_uris_own_query(http: httpx.AsyncClient) -> None:
    response = await authorize(
        http, client_id="two-uri-app", redirect_uri=TENANT_URI, scope="team.delete"
    )
    query = assert_error_redirect(
        response, "invalid_scope", scope_refused("team.delete"), target=TENANT_URI
    )
    assert query["tenant"] == "1"
    assert response.headers["location"].startswith("https://app.example.com/cb?")


@pytest.mark.parametrize("response_type", [None, ""])
async def test_missing_response_type_has_no_hint(
    http: httpx.AsyncClient, response_type: str | None
) -> None:
    response = await authorize(http, response_type=response_type)
    assert_error_redirect(response, "unsupported_response_type", UNSUPPORTED_RESPONSE_TYPE)


@pytest.mark.parametrize("response_type", ["token", "id_token", "code token", "CODE"])
async def test_response_type_not_allowed(http: httpx.AsyncClient, response_type: str) -> None:
    response = await authorize(http, response_type=response_type)
    assert_error_redirect(
        response, "unsupported_response_type", response_type_refused(response_type)
    )


@pytest.mark.parametrize(
    ("state", "echoed"),
    [
        pytest.param(None, None, id="missing"),
        pytest.param("", None, id="empty"),
        pytest.param("1234567", "1234567", id="seven-characters"),
        pytest.param("a", "a", id="one-character"),
    ],
)
async def test_weak_state(http: httpx.AsyncClient, state: str | None, echoed: str | None) -> None:
    response = await authorize(http, state=state)
    assert_error_redirect(response, "invalid_state", WEAK_STATE, state=echoed)


async def test_eight_character_state_is_enough(http: httpx.AsyncClient) -> None:
    query = code_of(await authorize(http, state="12345678"))
    assert query["state"] == "12345678"


@pytest.mark.parametrize(
    ("client_id", "pkce", "description"),
    [
        pytest.param("secret-app", {"code_challenge_method": "plain"}, PKCE_PLAIN, id="plain"),
        pytest.param("pkce-app", {"code_challenge_method": "plain"}, PKCE_PLAIN, id="pkce-plain"),
        pytest.param("pkce-app", {}, PKCE_PLAIN, id="challenge-without-method"),
        pytest.param("pkce-app", {"code_challenge_method": "S512"}, PKCE_UNKNOWN_METHOD, id="S512"),
        pytest.param(
            "pkce-app", {"code_challenge_method": "s256"}, PKCE_UNKNOWN_METHOD, id="lowercase-s256"
        ),
        pytest.param(
            "pkce-app",
            {"code_challenge": None, "code_challenge_method": None},
            PKCE_MISSING,
            id="public-client-without-challenge",
        ),
        pytest.param(
            "pkce-app",
            {"code_challenge": "", "code_challenge_method": "S256"},
            PKCE_MISSING,
            id="public-client-empty-challenge",
        ),
    ],
)
async def test_pkce_errors(
    http: httpx.AsyncClient, client_id: str, pkce: dict[str, str | None], description: str
) -> None:
    params: dict[str, str | None] = {"client_id": client_id, "code_challenge": pkce_pair()[1]}
    params.update(pkce)
    response = await authorize(http, **params)
    assert_error_redirect(response, "invalid_request", description)


async def test_pkce_app_with_s256_succeeds_and_redeems(http: httpx.AsyncClient) -> None:
    verifier, challenge = pkce_pair()
    response = await authorize(
        http, client_id="pkce-app", code_challenge=challenge, code_challenge_method="S256"
    )
    code = code_of(response)["code"]
    token = await http.post("/oauth2/token", data=pkce_redemption(code, verifier))
    assert token.status_code == 200, token.text


@pytest.mark.parametrize(
    "state",
    [
        "ünïcødé-ßtate-✓",
        "with spaces  inside",
        "a&b=c&state=evil",
        "plus+percent%20hash#",
        "quote\"apostrophe'<tag>",
        " leading-and-trailing ",
    ],
)
async def test_state_is_echoed_byte_for_byte(http: httpx.AsyncClient, state: str) -> None:
    query = code_of(await authorize(http, state=state))
    assert query["state"] == state
    refused = await authorize(http, state=state, scope="team.delete")
    assert_error_redirect(refused, "invalid_scope", scope_refused("team.delete"), state=state)


async def test_error_description_replaces_double_quotes(http: httpx.AsyncClient) -> None:
    response = await authorize(http, scope='say"hi"')
    assert_error_redirect(response, "invalid_scope", scope_refused("say'hi'"))


# Success -------------------------------------------------------------------------------------


async def test_success_redirects_with_code_scope_and_state(
    http: httpx.AsyncClient, context: Context, clock: Clock
) -> None:
    response = await authorize(http)
    assert response.status_code == 303
    location = response.headers["location"]
    assert location.startswith(REDIRECT + "?")
    query = full_query(location)
    assert set(query) == {"code", "scope", "state"}
    assert query["scope"] == "account.read offline"
    assert query["state"] == STATE
    assert re.fullmatch(r"ory_ac_[A-Za-z0-9_-]{43}\.[A-Za-z0-9_-]+", query["code"])
    assert response.headers["cache-control"] == "no-store"
    record = await context.store.find_code(query["code"])
    assert record is not None
    assert record.grant.client_id == "secret-app"
    assert record.grant.scopes == ("account.read", "offline")


@pytest.mark.parametrize("scope", [None, "", "   "])
async def test_scope_is_present_even_when_empty(http: httpx.AsyncClient, scope: str | None) -> None:
    response = await authorize(http, scope=scope)
    query = code_of(response)
    assert query["scope"] == ""
    assert "scope=" in urlsplit(response.headers["location"]).query
    token = await redeem(http, query["code"])
    assert token.status_code == 200, token.text
    assert token.json()["scope"] == ""
    assert "refresh_token" not in token.json()


async def test_scope_order_is_kept_and_duplicates_collapse(http: httpx.AsyncClient) -> None:
    query = code_of(await authorize(http, scope="offline  account.read offline"))
    assert query["scope"] == "offline account.read"


async def test_each_code_is_new(http: httpx.AsyncClient) -> None:
    first = code_of(await authorize(http))["code"]
    second = code_of(await authorize(http))["code"]
    assert first != second


async def test_post_to_the_authorization_endpoint_works(http: httpx.AsyncClient) -> None:
    response = await http.post("/oauth2/auth", data=good_params())
    query = code_of(response)
    assert query["state"] == STATE
    assert query["scope"] == "account.read offline"
    token = await redeem(http, query["code"])
    assert token.status_code == 200, token.text


async def test_post_to_the_authorization_endpoint_is_validated(http: httpx.AsyncClient) -> None:
    response = await http.post("/oauth2/auth", data=good_params(state="short"))
    assert_error_redirect(response, "invalid_state", WEAK_STATE, state="short")
    response = await http.post("/oauth2/auth", data=good_params(client_id="nobody"))
    assert_error_page(response, 401, "invalid_client", UNKNOWN_CLIENT)


@pytest.mark.parametrize(
    "name", ["client_id", "redirect_uri", "response_type", "scope", "state", "code_challenge"]
)
async def test_duplicated_parameter_is_refused(http: httpx.AsyncClient, name: str) -> None:
    params = list(good_params().items())
    if name not in dict(params):
        params.append((name, "x" * 43))
    params.append((name, dict(params)[name]))
    response = await http.get("/oauth2/auth", params=params)
    assert_error_page(
        response,
        400,
        "invalid_request",
        INVALID_REQUEST + f" Request parameter '{name}' must not be included more than once.",
    )


async def test_parameter_in_both_query_and_body_is_refused(http: httpx.AsyncClient) -> None:
    response = await http.post(
        "/oauth2/auth", params={"state": "other-state-1"}, data=good_params()
    )
    assert response.status_code == 400
    assert "location" not in response.headers
    assert page_field(response, "error") == "invalid_request"


@pytest.mark.parametrize(
    "changes",
    [
        pytest.param({"code_challenge": "", "code_challenge_method": ""}, id="pkce"),
        pytest.param({"redirect_uri": ""}, id="redirect_uri"),
        pytest.param({"nonce": "", "login_hint": "", "prompt": ""}, id="optional"),
    ],
)
async def test_empty_parameters_count_as_omitted(
    http: httpx.AsyncClient, changes: dict[str, str]
) -> None:
    query = code_of(await authorize(http, **changes))
    assert query["state"] == STATE


async def test_empty_client_id_is_an_unknown_client(http: httpx.AsyncClient) -> None:
    response = await authorize(http, client_id="")
    assert_error_page(response, 401, "invalid_client", UNKNOWN_CLIENT)


async def test_unknown_parameters_are_ignored(http: httpx.AsyncClient) -> None:
    params = [*good_params().items(), ("foo", "1"), ("foo", "2"), ("audience", ""), ("x", "<y>")]
    response = await http.get("/oauth2/auth", params=params)
    query = code_of(response)
    assert set(query) == {"code", "scope", "state"}


@pytest.mark.parametrize(
    ("login_hint", "email"),
    [
        (None, "dev@example.com"),
        ("other@example.com", "other@example.com"),
        ("OTHER@example.com", "other@example.com"),
        ("dev@example.com", "dev@example.com"),
    ],
)
async def test_login_hint_picks_the_user(
    http: httpx.AsyncClient,
    context: Context,
    clock: Clock,
    login_hint: str | None,
    email: str,
) -> None:
    query = code_of(await authorize(http, login_hint=login_hint))
    record = await context.store.find_code(query["code"])
    assert record is not None
    user = context.registry.user_by_email(email)
    assert user is not None
    assert record.grant.subject == user.id


async def test_login_hint_naming_nobody_is_access_denied(http: httpx.AsyncClient) -> None:
    response = await authorize(http, login_hint="nobody@example.com")
    assert_error_redirect(
        response,
        "access_denied",
        "The resource owner or authorization server denied the request. "
        "No registered user matches the login_hint.",
    )
