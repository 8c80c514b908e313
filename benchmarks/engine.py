"""The engine alone: µs of CPU per call of what a flow runs in mockserver/oauth/, no HTTP.

    python -m benchmarks.engine [--n 3000] [--rounds 5]

Each figure is the median over rounds of process CPU per call, memory store, the same two
clients and scope as `python -m benchmarks`:
- authorize: validate_authorization_request + answer_without_pages (auto-approve: mints and
  stores the code) + the redirect's Location;
- code (confidential): handle_token_request with HTTP Basic, code grant;
- code (PKCE): the same for a public client with an S256 verifier;
- refresh: handle_token_request, refresh_token grant (a fresh token from a distinct flow each).
The codes and refresh tokens a round redeems are made before its clock starts.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import hashlib
import statistics
import time
import tomllib
from collections.abc import Awaitable, Callable
from urllib.parse import parse_qs, urlsplit

from benchmarks.driver import REDIRECT
from benchmarks.run import CONFIDENTIAL, CONFIG, PKCE

ISSUER = "http://127.0.0.1:8080"
SCOPE = "account.read offline"
VERIFIER = "v" * 43 + "-verifier._~0123456789"


def _challenge(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def _authorize_items(client_id: str, pkce: bool, number: int) -> list[tuple[str, str]]:
    items = [
        ("response_type", "code"),
        ("client_id", client_id),
        ("redirect_uri", REDIRECT),
        ("scope", SCOPE),
        ("state", f"state-{number:08d}"),
    ]
    if pkce:
        items += [("code_challenge", _challenge(VERIFIER)), ("code_challenge_method", "S256")]
    return items


class EngineBench:
    """One server state and the calls a flow makes into the engine."""

    def __init__(self) -> None:
        # Imported here, not per call: an import statement costs ~0.4 µs each time it runs,
        # which would be counted as the engine's.
        from frameio_oauth_mock.mockserver.oauth.authorize import validate_authorization_request
        from frameio_oauth_mock.mockserver.oauth.context import Context
        from frameio_oauth_mock.mockserver.oauth.grants import handle_token_request
        from frameio_oauth_mock.mockserver.oauth.interaction import answer_without_pages
        from frameio_oauth_mock.mockserver.oauth.params import EndpointRequest
        from frameio_oauth_mock.mockserver.settings import parse_config

        self.validate_authorization_request = validate_authorization_request
        self.answer_without_pages = answer_without_pages
        self.handle_token_request = handle_token_request
        self.endpoint_request = EndpointRequest
        self.ctx = Context.from_settings(parse_config(tomllib.loads(CONFIG), "bench"))
        basic = base64.b64encode(f"{CONFIDENTIAL.client_id}:{CONFIDENTIAL.secret}".encode())
        self.basic = "Basic " + basic.decode()
        self.number = 0

    async def authorize(self, client_id: str, pkce: bool) -> str:
        """One auto-approved authorization; the code it answers with."""
        self.number += 1
        items = _authorize_items(client_id, pkce, self.number)
        request = self.validate_authorization_request(self.ctx, items, ISSUER)
        answer = await self.answer_without_pages(self.ctx, request, None)
        assert answer is not None
        return answer.location()

    async def token(self, form: list[tuple[str, str]], basic: bool) -> dict[str, object]:
        request = self.endpoint_request("POST", form, self.basic if basic else None, (), ISSUER)
        return await self.handle_token_request(self.ctx, request)

    async def code_of(self, client_id: str, pkce: bool) -> str:
        location = await self.authorize(client_id, pkce)
        return parse_qs(urlsplit(location).query)["code"][0]

    def code_form(self, code: str, pkce: bool) -> list[tuple[str, str]]:
        form = [("grant_type", "authorization_code"), ("code", code), ("redirect_uri", REDIRECT)]
        if pkce:
            form += [("client_id", PKCE.client_id), ("code_verifier", VERIFIER)]
        return form

    async def refresh_token(self) -> str:
        code = await self.code_of(CONFIDENTIAL.client_id, False)
        answer = await self.token(self.code_form(code, False), basic=True)
        return str(answer["refresh_token"])


Prepared = Callable[[], Awaitable[None]]


async def _timed(calls: list[Prepared]) -> float:
    before = time.process_time()
    for call in calls:
        await call()
    return (time.process_time() - before) / len(calls) * 1e6


async def one_round(bench: EngineBench, n: int) -> dict[str, float]:
    async def authorize() -> None:
        await bench.authorize(CONFIDENTIAL.client_id, False)

    figures = {"authorize": await _timed([authorize] * n)}

    def redeem(code: str, pkce: bool) -> Prepared:
        form = bench.code_form(code, pkce)

        async def call() -> None:
            answer = await bench.token(form, basic=not pkce)
            assert answer["access_token"]

        return call

    codes = [await bench.code_of(CONFIDENTIAL.client_id, False) for _ in range(n)]
    figures["code (confidential)"] = await _timed([redeem(code, False) for code in codes])
    codes = [await bench.code_of(PKCE.client_id, True) for _ in range(n)]
    figures["code (PKCE)"] = await _timed([redeem(code, True) for code in codes])

    def refresh(token: str) -> Prepared:
        form = [("grant_type", "refresh_token"), ("refresh_token", token)]

        async def call() -> None:
            answer = await bench.token(form, basic=True)
            assert answer["refresh_token"]

        return call

    tokens = [await bench.refresh_token() for _ in range(n)]
    figures["refresh"] = await _timed([refresh(token) for token in tokens])
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.engine", description=__doc__)
    parser.add_argument("--n", type=int, default=3000, help="calls per figure per round")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args(argv)
    bench = EngineBench()
    asyncio.run(one_round(bench, 100))  # warm-up
    rounds = [asyncio.run(one_round(bench, args.n)) for _ in range(args.rounds)]
    print(f"engine CPU per call (median of {args.rounds} rounds of {args.n}):")
    for name in rounds[0]:
        values = [figures[name] for figures in rounds]
        spread = f"{min(values):.1f}-{max(values):.1f}"
        print(f"  {name:<22}{statistics.median(values):8.1f} µs   ({spread})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
