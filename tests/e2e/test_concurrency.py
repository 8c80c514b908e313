"""Atomic redemption over real sockets: of many concurrent requests with the same code or
refresh token, exactly one succeeds (docs/fidelity.md, frameio-v2 token endpoint)."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import query_of
from tests.serverproc import ServerPool, write_config

pytestmark = pytest.mark.anyio

CONCURRENCY = 50
REDIRECT = "http://127.0.0.1:8765/callback"
AUTH = ("race-app", "race-secret")

INVALID_GRANT = (
    "The provided authorization grant (e.g., authorization code, resource owner credentials) "
    "or refresh token is invalid, expired, revoked, does not match the redirection URI used in "
    "the authorization request, or was issued to another client."
)

CONFIG = f"""
[server]
auto_approve = true

[[clients]]
client_id = "race-app"
client_secret = "race-secret"
redirect_uris = ["{REDIRECT}"]
scopes = ["account.read", "offline"]

[[users]]
email = "racer@example.com"
password = "password"
"""


@pytest.fixture(scope="module")
def server_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    config = write_config(Path(tmp_path_factory.mktemp("concurrency")), CONFIG)
    with ServerPool() as pool:
        server = pool.start(
            "--port", "0", "--auto-approve", "--log-level", "warning", "--config", str(config)
        )
        yield server.url


@pytest.fixture
async def http(server_url: str) -> AsyncIterator[httpx.AsyncClient]:
    limits = httpx.Limits(max_connections=CONCURRENCY, max_keepalive_connections=CONCURRENCY)
    async with httpx.AsyncClient(
        base_url=server_url, timeout=httpx.Timeout(30.0), limits=limits
    ) as client:
        yield client


async def new_code(http: httpx.AsyncClient) -> str:
    response = await http.get(
        "/oauth2/auth",
        params={
            "client_id": "race-app",
            "response_type": "code",
            "redirect_uri": REDIRECT,
            "scope": "account.read offline",
            "state": "state-12345",
        },
    )
    assert response.status_code == 303, response.text
    return query_of(response.headers["location"])["code"]


async def redeem(http: httpx.AsyncClient, code: str) -> httpx.Response:
    return await http.post(
        "/oauth2/token",
        data={"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT},
        auth=AUTH,
    )


async def refresh(http: httpx.AsyncClient, refresh_token: str) -> httpx.Response:
    return await http.post(
        "/oauth2/token",
        data={"grant_type": "refresh_token", "refresh_token": refresh_token},
        auth=AUTH,
    )


def split(responses: list[httpx.Response]) -> tuple[list[httpx.Response], list[httpx.Response]]:
    winners = [response for response in responses if response.status_code == 200]
    losers = [response for response in responses if response.status_code != 200]
    return winners, losers


def assert_invalid_grant(response: httpx.Response, hint: str) -> None:
    assert response.status_code == 400, response.text
    assert response.json() == {
        "error": "invalid_grant",
        "error_description": f"{INVALID_GRANT} {hint}",
    }


async def is_active(http: httpx.AsyncClient, token: str) -> bool:
    response = await http.post("/oauth2/introspect", data={"token": token}, auth=AUTH)
    assert response.status_code == 200, response.text
    active: bool = response.json()["active"]
    return active


def assert_family_revoked_answer(response: httpx.Response) -> None:
    # docs/fidelity.md pins the wording for the reused token only; a revoked one is invalid_grant.
    assert response.status_code == 400, response.text
    assert response.json()["error"] == "invalid_grant"


async def warm_up(http: httpx.AsyncClient) -> None:
    """Open the connections first, so the requests below really arrive together."""
    responses = await asyncio.gather(*(http.get("/health") for _ in range(CONCURRENCY)))
    assert {response.status_code for response in responses} == {200}


async def test_concurrent_redemptions_of_one_code_exactly_one_succeeds(
    http: httpx.AsyncClient,
) -> None:
    await warm_up(http)
    code = await new_code(http)

    responses = await asyncio.gather(*(redeem(http, code) for _ in range(CONCURRENCY)))

    winners, losers = split(responses)
    assert len(winners) == 1, Counter(response.status_code for response in responses)
    assert len(losers) == CONCURRENCY - 1
    for response in losers:
        assert_invalid_grant(response, "The authorization code has already been used.")
    tokens = winners[0].json()
    assert tokens["access_token"].startswith("ory_at_")
    # Reusing the code revoked every token it issued: the winner's tokens are dead too.
    assert not await is_active(http, tokens["access_token"])
    assert_family_revoked_answer(await refresh(http, tokens["refresh_token"]))


async def test_concurrent_refreshes_of_one_token_exactly_one_succeeds(
    http: httpx.AsyncClient,
) -> None:
    await warm_up(http)
    response = await redeem(http, await new_code(http))
    assert response.status_code == 200, response.text
    refresh_token = response.json()["refresh_token"]

    responses = await asyncio.gather(*(refresh(http, refresh_token) for _ in range(CONCURRENCY)))

    winners, losers = split(responses)
    assert len(winners) == 1, Counter(response.status_code for response in responses)
    assert len(losers) == CONCURRENCY - 1
    # The losers present a token the winner already rotated: the first of them is reuse,
    # which deletes the token (as Hydra does), so the rest find it no longer valid.
    hints = Counter(
        response.json()["error_description"][len(INVALID_GRANT) + 1 :] for response in losers
    )
    assert hints == {
        "The refresh token was already used.": 1,
        "The refresh token is malformed or not valid.": CONCURRENCY - 2,
    }
    for response in losers:
        assert response.status_code == 400
        assert response.json()["error"] == "invalid_grant"
    rotated = winners[0].json()
    assert rotated["refresh_token"] != refresh_token
    assert rotated["scope"] == "account.read offline"
    # Reuse revokes the whole family, including the winner's new tokens.
    assert not await is_active(http, rotated["access_token"])
    assert_family_revoked_answer(await refresh(http, rotated["refresh_token"]))
    # The deleted token is unknown from then on, however often it comes back.
    assert_invalid_grant(
        await refresh(http, refresh_token), "The refresh token is malformed or not valid."
    )


async def test_concurrent_flows_with_distinct_codes_all_succeed(http: httpx.AsyncClient) -> None:
    await warm_up(http)
    codes = await asyncio.gather(*(new_code(http) for _ in range(CONCURRENCY)))
    assert len(set(codes)) == CONCURRENCY

    responses = await asyncio.gather(*(redeem(http, code) for code in codes))

    assert [response.status_code for response in responses] == [200] * CONCURRENCY
    access_tokens = {response.json()["access_token"] for response in responses}
    refresh_tokens = {response.json()["refresh_token"] for response in responses}
    assert len(access_tokens) == len(refresh_tokens) == CONCURRENCY

    refreshed = await asyncio.gather(*(refresh(http, token) for token in refresh_tokens))
    assert [response.status_code for response in refreshed] == [200] * CONCURRENCY
    assert all(
        await asyncio.gather(*(is_active(http, r.json()["access_token"]) for r in refreshed))
    )
