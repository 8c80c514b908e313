"""Two `frameio-mock serve --store redis://...` processes on one real redis-server share it all.

One-shot transitions are atomic across them (of N concurrent redemptions of a code spread
over both, exactly one succeeds, round after round), a refresh-token reuse on one ends the
family on the other, and faults, the clock and the request log are shared.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.serverproc import ServerPool
from tests.store.redis_support import RedisServer

pytestmark = pytest.mark.anyio

APP, SECRET = "demo-app", "demo-secret"
REDIRECT = "http://127.0.0.1:8765/callback"
ROUNDS = 25
CONCURRENT = 8


@pytest.fixture(scope="module")
def instances(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    directory: Path = tmp_path_factory.mktemp("redis")
    with RedisServer(directory) as redis, ServerPool() as pool:
        store = redis.url
        first = pool.start("--store", store, "--auto-approve", "--port", "0")
        second = pool.start("--store", store, "--auto-approve", "--port", "0")
        yield first.url, second.url


async def code_from(http: httpx.AsyncClient, base: str, state: str) -> str:
    answer = await http.get(
        base + "/oauth2/auth",
        params={
            "client_id": APP,
            "response_type": "code",
            "redirect_uri": REDIRECT,
            "scope": "account.read offline",
            "state": state,
        },
    )
    assert answer.status_code == 303, answer.text
    return httpx.URL(answer.headers["location"]).params["code"]


async def redeem(http: httpx.AsyncClient, base: str, code: str) -> httpx.Response:
    return await http.post(
        base + "/oauth2/token",
        data={"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT},
        auth=(APP, SECRET),
    )


async def refresh(http: httpx.AsyncClient, base: str, token: str) -> httpx.Response:
    return await http.post(
        base + "/oauth2/token",
        data={"grant_type": "refresh_token", "refresh_token": token},
        auth=(APP, SECRET),
    )


async def test_of_concurrent_redemptions_over_both_exactly_one_succeeds(
    instances: tuple[str, str],
) -> None:
    limits = httpx.Limits(max_connections=2 * CONCURRENT)
    async with httpx.AsyncClient(limits=limits, timeout=30) as http:
        for number in range(ROUNDS):
            code = await code_from(http, instances[number % 2], f"race-state-{number:04d}")
            answers = await asyncio.gather(
                *(redeem(http, instances[i % 2], code) for i in range(CONCURRENT))
            )
            statuses = sorted(answer.status_code for answer in answers)
            assert statuses == [200] + [400] * (CONCURRENT - 1), (number, statuses)
            for answer in answers:
                if answer.status_code == 400:
                    assert answer.json()["error"] == "invalid_grant"


async def test_refresh_reuse_on_one_instance_ends_the_family_on_the_other(
    instances: tuple[str, str],
) -> None:
    first, second = instances
    async with httpx.AsyncClient(timeout=30) as http:
        tokens = (await redeem(http, first, await code_from(http, first, "reuse-state-1"))).json()
        rotated = await refresh(http, second, tokens["refresh_token"])  # a rotation on B
        assert rotated.status_code == 200, rotated.text
        newest = rotated.json()
        me = await http.get(second + "/v2/me", headers=_bearer(newest["access_token"]))
        assert me.status_code == 200

        reuse = await refresh(http, first, tokens["refresh_token"])  # the old one, on A
        assert reuse.status_code == 400
        assert reuse.json()["error_description"].endswith("The refresh token was already used.")

        me = await http.get(second + "/v2/me", headers=_bearer(newest["access_token"]))
        assert me.status_code == 401  # ended on B as well
        again = await refresh(http, second, newest["refresh_token"])
        assert again.status_code == 400 and again.json()["error"] == "invalid_grant"


async def test_a_fault_scripted_on_one_instance_fires_on_the_other(
    instances: tuple[str, str],
) -> None:
    first, second = instances
    async with httpx.AsyncClient(timeout=30) as http:
        assert (await http.post(first + "/_mock/reset", json={})).status_code == 204
        rule = await http.post(
            first + "/_mock/faults", json={"endpoint": "token", "status": 503, "retry_after": 2}
        )
        assert rule.status_code == 201, rule.text
        code = await code_from(http, first, "fault-state-1")
        refused = await redeem(http, second, code)
        assert refused.status_code == 503
        assert refused.headers["retry-after"] == "2"
        assert refused.json()["error"] == "temporarily_unavailable"
        (listed,) = (await http.get(second + "/_mock/faults")).json()
        assert (listed["id"], listed["seen"], listed["fired"]) == (rule.json()["id"], 1, 1)
        # It fired once (times=1): the retry, on the first instance, succeeds.
        assert (await redeem(http, first, code)).status_code == 200

        # One request log: the first instance lists the refused request the second answered.
        log = (await http.get(first + "/_mock/requests", params={"endpoint": "token"})).json()
        assert [entry["status"] for entry in log["requests"]] == [503, 200]
        assert log["requests"][0]["fault"] == listed["id"]


async def test_the_clock_is_shared(instances: tuple[str, str]) -> None:
    first, second = instances
    async with httpx.AsyncClient(timeout=30) as http:
        set_at = await http.post(first + "/_mock/clock", json={"set": 1_900_000_000})
        assert set_at.json() == {"now": 1_900_000_000, "frozen": True}
        assert (await http.get(second + "/_mock/clock")).json() == set_at.json()
        await http.post(second + "/_mock/clock", json={"advance": 3600})
        assert (await http.get(first + "/_mock/clock")).json()["now"] == 1_900_003_600
        # Tokens issued on one instance expire by the shared clock on the other.
        code = await code_from(http, first, "clock-state-1")
        tokens = (await redeem(http, first, code)).json()
        await http.post(first + "/_mock/clock", json={"advance": tokens["expires_in"]})
        me = await http.get(second + "/v2/me", headers=_bearer(tokens["access_token"]))
        assert me.status_code == 401
        assert (await http.post(first + "/_mock/reset", json={})).status_code == 204
        assert (await http.get(second + "/_mock/clock")).json()["frozen"] is False


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}
