"""The mock with many live authorizations: memory, latency under expiry, long refresh chains.

    python -m benchmarks.scale [--counts 10000,100000,300000,1000000] [--latency-at 300000,1000000]

One `frameio-mock serve --auto-approve` process is filled with real flows (authorize + token,
scope `account.read offline`, so each leaves a live refresh token; or, with --fill tokens,
POST /_mock/tokens), over keep-alive connections. At each count in --counts it reads the
server's resident memory (VmRSS); at each count in --latency-at it drives --n more flows
twice, in real time and with the mock's clock jumping 61 s ahead every 50 flows (so a store
that purges on a timer does so during the measurement), and reports the latency of every
request: p50, p99, max.
Last, one authorization is refreshed --chain times in a row, and the server CPU per refresh
is compared between the first and the last 1,000 refreshes. See benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from contextlib import ExitStack
from pathlib import Path

from benchmarks import driver
from benchmarks.driver import Client, Connection
from benchmarks.run import CONFIDENTIAL, CONFIG, Server, Started, running, server_env

USER = "bench@example.com"  # the user in benchmarks/run.py's CONFIG
JSON = "application/json"
WINDOW = 1000  # refreshes per CPU window at each end of the chain


def rss_bytes(pid: int) -> int:
    with open(f"/proc/{pid}/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    raise RuntimeError("no VmRSS")


async def fill(server: Started, client: Client, count: int, concurrency: int, how: str) -> None:
    """`count` more live authorizations: real flows, or (faster) POST /_mock/tokens."""
    body = json.dumps({"user": USER, "client_id": client.client_id}).encode()

    async def one(conn: Connection, _: int) -> None:
        if how == "flows":
            await driver.authorization_code_flow(conn, client)
            return
        status, _, answer = await conn.request("POST", "/_mock/tokens", body, (), JSON)
        if status != 201:
            raise driver.FlowError(f"/_mock/tokens answered {status}: {answer[:200]!r}")

    await driver.run_jobs(server.port, count, concurrency, one)


async def advance_clock(conn: Connection, seconds: float) -> None:
    body = json.dumps({"advance": seconds}).encode()
    status, _, answer = await conn.request("POST", "/_mock/clock", body, (), JSON)
    if status != 200:
        raise driver.FlowError(f"/_mock/clock answered {status}: {answer[:200]!r}")


async def latencies(
    server: Started, client: Client, count: int, concurrency: int, jump: float
) -> list[float]:
    """Milliseconds per request of `count` flows; the clock jumps `jump` s every 50 flows."""
    samples: list[float] = []
    control = await Connection.open(server.port)

    async def one(conn: Connection, index: int) -> None:
        if jump and index % 50 == 0:
            await advance_clock(control, jump)
        await driver.authorization_code_flow(conn, client, on_request=samples.append)

    try:
        await driver.run_jobs(server.port, count, concurrency, one)
    finally:
        control.close()
    return samples


async def chain_cost(server: Started, client: Client, length: int) -> tuple[float, float]:
    """Server CPU µs per refresh over the first and the last WINDOW refreshes of one chain."""
    conn = await Connection.open(server.port)
    try:
        answer = await driver.authorization_code_flow(conn, client)
        token = str(answer["refresh_token"])
        windows: list[float] = []
        done = 0
        for stretch in (WINDOW, max(0, length - 2 * WINDOW), WINDOW):
            if not stretch:
                continue
            before = driver.server_cpu_seconds(server.proc.pid)
            for _ in range(stretch):
                token = str((await driver.refresh(conn, client, token))["refresh_token"])
            done += stretch
            windows.append((driver.server_cpu_seconds(server.proc.pid) - before) / stretch * 1e6)
            print(f"  chain: {done:,} refreshes", flush=True)
        return windows[0], windows[-1]
    finally:
        conn.close()


def percentile(values: Sequence[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def parse_counts(text: str) -> list[int]:
    return [int(part) for part in text.split(",") if part]


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.scale", description=__doc__)
    parser.add_argument("--counts", default="10000,100000,300000,1000000", type=parse_counts)
    parser.add_argument("--latency-at", default="300000,1000000", type=parse_counts)
    parser.add_argument("--n", type=int, default=5000, help="flows per latency measurement")
    parser.add_argument("--conc", type=int, default=8, help="keep-alive connections (8)")
    parser.add_argument(
        "--fill",
        choices=("flows", "tokens"),
        default="flows",
        help="how to add live authorizations: real flows (default), or POST /_mock/tokens "
        "(one request each, no authorization code)",
    )
    parser.add_argument(
        "--clock-jump",
        type=float,
        default=61.0,
        help="seconds the clock jumps every 50 flows in the second latency run (61)",
    )
    parser.add_argument("--chain", type=int, default=100_000, help="refreshes of one chain")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    rows: list[tuple[int, int]] = []
    latency_rows: list[tuple[int, float, float, float, float]] = []
    with tempfile.TemporaryDirectory(prefix="frameio-mock-scale-") as tmp, ExitStack() as stack:
        config = Path(tmp) / "bench.toml"
        config.write_text(CONFIG, encoding="utf-8")
        command = [sys.executable, "-m", "frameio_oauth_mock", "serve", "--auto-approve"]
        command += ["--config", str(config), "--port", "{port}", "--log-level", "warning"]
        server = stack.enter_context(running(Server("mock", command, server_env(Path(tmp)))))
        asyncio.run(fill(server, CONFIDENTIAL, 200, args.conc, args.fill))  # warm-up
        baseline = rss_bytes(server.proc.pid)
        live = 200
        for count in sorted(set(args.counts) | set(args.latency_at)):
            started = time.perf_counter()
            asyncio.run(fill(server, CONFIDENTIAL, count - live, args.conc, args.fill))
            live = count
            rss = rss_bytes(server.proc.pid)
            rows.append((count, rss))
            print(
                f"{count:,} live: RSS {rss / 2**20:,.0f} MiB "
                f"(filled in {time.perf_counter() - started:.0f} s)",
                flush=True,
            )
            if count in args.latency_at:
                for jump in (0.0, args.clock_jump):  # real time first, then with clock jumps
                    samples = asyncio.run(latencies(server, CONFIDENTIAL, args.n, args.conc, jump))
                    live += args.n
                    row = (
                        count,
                        jump,
                        statistics.median(samples),
                        percentile(samples, 0.99),
                        max(samples),
                    )
                    latency_rows.append(row)
                    print(
                        f"  latency (clock +{jump:.0f} s per 50 flows): p50 {row[2]:.1f} ms, "
                        f"p99 {row[3]:.1f} ms, max {row[4]:.1f} ms",
                        flush=True,
                    )
        first, last = asyncio.run(chain_cost(server, CONFIDENTIAL, args.chain))

    print()
    print(f"resident memory (VmRSS) with live authorizations; baseline {baseline / 2**20:.0f} MiB")
    print()
    print("| live authorizations | RSS | per live authorization (above baseline) |")
    print("|---|---|---|")
    for count, rss in rows:
        print(f"| {count:,} | {rss / 2**20:,.0f} MiB | {(rss - baseline) / count:,.0f} bytes |")
    print()
    print(f"latency per request, {args.n:,} flows on {args.conc} connections")
    print()
    print("| live authorizations | mock clock | p50 | p99 | max |")
    print("|---|---|---|---|---|")
    for count, jump, p50, p99, worst in latency_rows:
        clock = f"+{jump:.0f} s every 50 flows" if jump else "real time"
        print(f"| {count:,} | {clock} | {p50:.1f} ms | {p99:.1f} ms | {worst:.1f} ms |")
    print()
    print(
        f"refresh, one authorization: {first:.0f} µs server CPU per refresh over the first "
        f"{WINDOW:,}, {last:.0f} µs over the last {WINDOW:,} of {args.chain:,} "
        f"({last / first:.2f}x)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
