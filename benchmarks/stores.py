"""What each store costs, and that memory stays bounded.

    python -m benchmarks.stores [--flows 20000] [--refreshes 100000] [--per-store 1000]

1. RSS over a long run of in-process flows (auto-approve, token, refresh) on the memory
   store, the mock's clock advancing so authorizations expire: it must level off.
2. One authorization refreshed --refreshes times through the store's transition: the time per
   refresh over the last thousand equals the first thousand's, and RSS does not grow.
3. Wall time per flow (code, token, refresh) through the app for each store: memory, SQLite
   (a temporary file) and Redis (a redis-server started on a free port, if installed).
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import gc
import json
import resource
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from benchmarks.inprocess import ASGIApp, asgi_call
from frameio_oauth_mock.mockserver.settings import demo_settings
from frameio_oauth_mock.mockserver.store import (
    CodeRecord,
    Grant,
    MemoryStore,
    Store,
    StoreLimits,
    TokenRecord,
)
from frameio_oauth_mock.mockserver.store.records import grant_id_for_code
from frameio_oauth_mock.mockserver.web import create_app

REDIRECT = "http://127.0.0.1:8765/callback"
BASIC = [(b"authorization", b"Basic " + base64.b64encode(b"demo-app:demo-secret"))]


def rss_mib() -> float:
    """Resident set size now (not the peak), from /proc."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def app_for(store_url: str, **server: Any) -> ASGIApp:
    settings = demo_settings().with_server(auto_approve=True, store=store_url, **server)
    return create_app(settings)


async def flow(app: ASGIApp, number: int) -> None:
    query = urlencode(
        {
            "response_type": "code",
            "client_id": "demo-app",
            "redirect_uri": REDIRECT,
            "scope": "account.read offline",
            "state": f"bench-state-{number:08d}",
        }
    )
    status, headers, _ = await asgi_call(app, "GET", "/oauth2/auth", query)
    assert status == 303, status
    code = parse_qs(urlsplit(headers[b"location"].decode()).query)["code"][0]
    form = urlencode({"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT})
    status, _, body = await asgi_call(app, "POST", "/oauth2/token", "", form.encode(), BASIC)
    assert status == 200, body
    refresh = json.loads(body)["refresh_token"]
    form = urlencode({"grant_type": "refresh_token", "refresh_token": refresh})
    status, _, body = await asgi_call(app, "POST", "/oauth2/token", "", form.encode(), BASIC)
    assert status == 200, body


async def rss_over_flows(count: int) -> list[tuple[int, float]]:
    # Short lifetimes and a clock that moves 20 s per flow: authorizations expire as the run
    # goes on (refresh 120 s + the day an expired refresh token is kept).
    app = app_for("memory", access_token_ttl=60, refresh_token_ttl=120, code_ttl=60)
    clock = app.state.context.clock  # type: ignore[attr-defined]
    clock.freeze(at=1_700_000_000)
    samples = []
    for number in range(count):
        await flow(app, number)
        clock.advance(20)
        if number % (count // 10) == 0 or number == count - 1:
            gc.collect()
            samples.append((number + 1, rss_mib()))
    return samples


def _grant() -> Grant:
    return Grant(
        "bench-grant", "demo-app", "user", ("account.read", "offline"), None, None, None, 0
    )


async def refresh_chain(store: Store, count: int) -> dict[str, float]:
    """One authorization refreshed `count` times through the store's rotate transition."""
    serial = iter(range(10**9))

    def issue(grant: Grant) -> list[TokenRecord]:
        n = next(serial)
        return [
            TokenRecord(f"at-{n:012d}-{'x' * 60}", "access_token", grant, 1.0, 4e9),
            TokenRecord(f"rt-{n:012d}-{'x' * 60}", "refresh_token", grant, 1.0, 4e9),
        ]

    def accept(record: object) -> None:
        assert record is not None

    await store.add_code(CodeRecord("bench-code", _grant(), 4e9), 1.0)
    tokens = await store.redeem_code("bench-code", 1.0, lambda record: None, issue)
    window = min(1000, count // 2)
    # Only the first and the last window are timed, so the benchmark itself keeps nothing
    # that grows with `count`.
    first_times: list[float] = []
    last_times: list[float] = []
    rss_start = rss_mib()
    for number in range(count):
        before = time.perf_counter()
        tokens = await store.rotate_refresh(tokens[1].value, 1.0, accept, issue)
        elapsed = time.perf_counter() - before
        if number < window:
            first_times.append(elapsed)
        elif number >= count - window:
            last_times.append(elapsed)
    gc.collect()
    first = sorted(first_times)[window // 2] * 1e6
    last = sorted(last_times)[window // 2] * 1e6
    return {"first_us": first, "last_us": last, "rss_start": rss_start, "rss_end": rss_mib()}


async def bytes_per_authorization(count: int) -> float:
    """Memory store bytes per live authorization (code redeemed, an access and a refresh
    token of Hydra's length), by tracemalloc: the store's own share, nothing else."""
    import tracemalloc

    store = MemoryStore(StoreLimits())
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    for number in range(count):
        code = f"ory_ac_{number:043d}.{'s' * 43}"
        grant = Grant(
            grant_id_for_code(code),  # as the engine names a code's grant
            "demo-app",
            "5f1c2d3e-4a5b-4c6d-8e9f-0a1b2c3d4e5f",
            ("account.read", "offline"),
            REDIRECT,
            None,
            None,
            1.0,
        )
        await store.add_code(CodeRecord(code, grant, 4e9), 1.0)

        def issue(grant: Grant, number: int = number) -> list[TokenRecord]:
            return [
                TokenRecord(f"ory_at_{number:043d}.{'s' * 43}", "access_token", grant, 1.0, 4e9),
                TokenRecord(f"ory_rt_{number:043d}.{'s' * 43}", "refresh_token", grant, 1.0, 4e9),
            ]

        await store.redeem_code(code, 1.0, lambda r: None, issue)
    used = tracemalloc.get_traced_memory()[0] - before
    tracemalloc.stop()
    return used / count


async def per_flow_ms(app: ASGIApp, count: int) -> float:
    for number in range(20):
        await flow(app, 10**7 + number)
    before = time.perf_counter()
    for number in range(count):
        await flow(app, number)
    return (time.perf_counter() - before) / count * 1000


async def main_async(args: argparse.Namespace) -> None:
    print(f"1. memory store, RSS over {args.flows} flows (MiB):")
    for flows_done, rss in await rss_over_flows(args.flows):
        print(f"   after {flows_done:>7} flows  {rss:7.1f}")

    per_authorization = await bytes_per_authorization(10_000)
    print(f"   memory store: {per_authorization:.0f} bytes per live authorization")
    print(f"2. one authorization refreshed {args.refreshes} times (median us per refresh):")
    with tempfile.TemporaryDirectory() as directory:
        from frameio_oauth_mock.mockserver.store.sqlite import SQLiteStore

        stores: list[tuple[str, Store, int]] = [
            ("memory", MemoryStore(StoreLimits()), args.refreshes),
            ("sqlite", SQLiteStore(Path(directory) / "chain.db"), args.refreshes // 10),
        ]
        for name, store, count in stores:
            figures = await refresh_chain(store, count)
            window = min(1000, count // 2)
            print(
                f"   {name:<7} {count:>7} refreshes: first {window} {figures['first_us']:7.1f} us,"
                f" last {window} {figures['last_us']:7.1f} us; RSS {figures['rss_start']:.1f} ->"
                f" {figures['rss_end']:.1f} MiB"
            )
            await store.close()

        print(f"3. wall ms per flow (code, token, refresh), {args.per_store} flows each:")
        urls = [("memory", "memory"), ("sqlite", f"sqlite:///{directory}/flows.db")]
        redis_server = None
        if shutil.which("redis-server"):
            from tests.store.redis_support import RedisServer

            redis_server = RedisServer(Path(directory))
            urls.append(("redis", redis_server.url))
        try:
            for name, url in urls:
                app = app_for(url)
                print(f"   {name:<7} {await per_flow_ms(app, args.per_store):6.2f} ms")
                await app.state.context.store.close()  # type: ignore[attr-defined]
        finally:
            if redis_server is not None:
                redis_server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.stores")
    parser.add_argument("--flows", type=int, default=20_000)
    parser.add_argument("--refreshes", type=int, default=100_000)
    parser.add_argument("--per-store", type=int, default=1000)
    asyncio.run(main_async(parser.parse_args()))


if __name__ == "__main__":
    main()
