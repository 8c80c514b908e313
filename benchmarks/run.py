"""The mock's cost against the stack's floor, in one run: `python -m benchmarks`.

Starts benchmarks/floor_app.py and `frameio-mock serve --auto-approve` on the same uvicorn
with the same flags, and measures, with rounds interleaved (floor, mock, floor, mock, ...):
server CPU per confidential flow, per PKCE flow and per refresh (from /proc, driven over
keep-alive connections), the same with `openid` (so the id_token's cost shows on its own),
start-up to the first /health answer, and in process: flows through raw ASGI calls,
MockServer.start() + stop(), and one RS256 signature. Prints a Markdown table of medians
and ratios to the floor (each the median of per-round ratios). See benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import asyncio
import http.client
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from benchmarks import driver, inprocess
from benchmarks.driver import REDIRECT, Client, Measured

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
STARTUP_TIMEOUT = 30.0
POLL_INTERVAL = 0.002

CONFIDENTIAL = Client("bench", "bench-secret")
PKCE = Client("bench-pkce")
OPENID = Client("bench", "bench-secret", "account.read offline openid")

CONFIG = f"""\
[server]
auto_approve = true

[[clients]]
client_id = "{CONFIDENTIAL.client_id}"
client_secret = "{CONFIDENTIAL.secret}"
redirect_uris = ["{REDIRECT}"]
scopes = ["account.read", "offline", "openid"]

[[clients]]
client_id = "{PKCE.client_id}"
redirect_uris = ["{REDIRECT}"]
scopes = ["account.read", "offline", "openid"]

[[users]]
email = "bench@example.com"
password = "bench-password"
"""

# The flags the mock gives uvicorn (mockserver/serving.py), so both run on the same server.
UVICORN_FLAGS = [
    "--log-level",
    "warning",
    "--lifespan",
    "off",
    "--no-server-header",
    "--ws",
    "none",
]

TARGETS = {"flow": 1.3, "refresh": 1.5, "startup": 1.1, "asgi": 1.3}


@dataclass(frozen=True)
class Server:
    name: str
    command: list[str]
    env: dict[str, str]


@dataclass(frozen=True)
class Started:
    proc: subprocess.Popen[bytes]
    port: int
    startup_ms: float
    startup_cpu_ms: float  # the server's own CPU time until it was ready: steadier under load
    log: IO[bytes]

    def output(self) -> str:
        self.log.seek(0)
        return self.log.read().decode(errors="replace").strip()


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def health_status(port: int) -> int | None:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
    try:
        conn.request("GET", "/health")
        return conn.getresponse().status
    except (ConnectionError, OSError, http.client.HTTPException):
        return None
    finally:
        conn.close()


@contextmanager
def running(server: Server) -> Iterator[Started]:
    """Start `server` on a free port; yield it once /health answers 200 (ms from spawn)."""
    port = free_port()
    command = [arg.replace("{port}", str(port)) for arg in server.command]
    with tempfile.TemporaryFile() as log:
        spawned = time.perf_counter()
        proc = subprocess.Popen(
            command, cwd=REPO, env=server.env, stdin=subprocess.DEVNULL, stdout=log, stderr=log
        )
        try:
            while (status := health_status(port)) != 200:
                late = time.perf_counter() - spawned > STARTUP_TIMEOUT
                if proc.poll() is not None or late or status is not None:
                    log.seek(0)
                    output = log.read().decode(errors="replace")
                    raise SystemExit(f"{server.name} did not start (status {status}):\n{output}")
                time.sleep(POLL_INTERVAL)
            wall_ms = (time.perf_counter() - spawned) * 1000
            cpu_ms = driver.server_cpu_seconds(proc.pid) * 1000
            yield Started(proc, port, wall_ms, cpu_ms, log)
        finally:
            stop(proc)


def stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def server_env(pycache: Path) -> dict[str, str]:
    """Bytecode cached in a temporary folder, as an installed package has it.

    PYTHONDONTWRITEBYTECODE=1 (common in containers) would otherwise make every start
    compile the project from source, which a site-packages install never does.
    """
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = str(pycache)
    return env


@dataclass
class Samples:
    """Per-round figures of one row; ratios pair each round with the floor's same round."""

    values: list[float] = field(default_factory=list)

    def median(self) -> float:
        return statistics.median(self.values)

    def ratio(self, floor: Samples) -> float:
        pairs = zip(self.values, floor.values, strict=True)
        return statistics.median(value / base for value, base in pairs)


@dataclass(frozen=True)
class Startup:
    floor_ms: Samples
    mock_ms: Samples
    floor_cpu_ms: Samples
    mock_cpu_ms: Samples


def startup_samples(floor: Server, mock: Server, starts: int) -> Startup:
    for server in (floor, mock):  # one discarded start each fills the bytecode and page caches
        with running(server):
            pass
    result = Startup(Samples(), Samples(), Samples(), Samples())
    for _ in range(starts):
        with running(floor) as started:
            result.floor_ms.values.append(started.startup_ms)
            result.floor_cpu_ms.values.append(started.startup_cpu_ms)
        with running(mock) as started:
            result.mock_ms.values.append(started.startup_ms)
            result.mock_cpu_ms.values.append(started.startup_cpu_ms)
    return result


ROWS = ("confidential", "pkce", "refresh", "openid")


def flow_rounds(
    floor: Started, mock: Started, args: argparse.Namespace
) -> dict[str, dict[str, Samples]]:
    """CPU per operation for each row on both servers (openid: the mock only), interleaved."""
    results = {name: {row: Samples() for row in ROWS} for name in ("floor", "mock")}

    async def one_round() -> list[str]:
        notes = []
        for name, server in (("floor", floor), ("mock", mock)):
            pid, port, n, conc = server.proc.pid, server.port, args.n, args.conc
            conf, refresh_tokens = await driver.measure_flows(pid, port, CONFIDENTIAL, n, conc)
            refresh = await driver.measure_refreshes(pid, port, CONFIDENTIAL, refresh_tokens, conc)
            pkce, _ = await driver.measure_flows(pid, port, PKCE, n, conc)
            figures: dict[str, Measured] = {"confidential": conf, "refresh": refresh, "pkce": pkce}
            if name == "mock":
                figures["openid"], _ = await driver.measure_flows(pid, port, OPENID, n, conc)
            for row, measured in figures.items():
                results[name][row].values.append(measured.cpu_us)
            notes.append(f"{name} " + " ".join(f"{r}={m.cpu_us:.0f}" for r, m in figures.items()))
        return notes

    async def warm_up() -> None:
        for server in (floor, mock):
            for client in (CONFIDENTIAL, PKCE):
                await driver.measure_flows(server.proc.pid, server.port, client, 200, args.conc)
        await driver.measure_flows(mock.proc.pid, mock.port, OPENID, 200, args.conc)

    asyncio.run(warm_up())
    for number in range(1, args.rounds + 1):
        notes = asyncio.run(one_round())
        print(f"round {number}/{args.rounds}: server us/op: " + "; ".join(notes), flush=True)
    return results


def asgi_rounds(rounds: int, count: int) -> tuple[Samples, Samples]:
    from frameio_oauth_mock.mockserver.testing import MockServer

    mock_app = MockServer(
        clients=[
            {
                "client_id": CONFIDENTIAL.client_id,
                "client_secret": CONFIDENTIAL.secret,
                "redirect_uris": [REDIRECT],
                "scopes": ["account.read", "offline"],
            }
        ]
    ).app
    floor_app = inprocess.load_floor_app()
    floor_us, mock_us = Samples(), Samples()
    for _ in range(rounds):
        floor_us.values.append(inprocess.asgi_cpu_us_per_flow(floor_app, CONFIDENTIAL, count))
        mock_us.values.append(inprocess.asgi_cpu_us_per_flow(mock_app, CONFIDENTIAL, count))
    return floor_us, mock_us


def mock_server_start_stop(times: int) -> list[float]:
    from frameio_oauth_mock.mockserver.testing import MockServer

    return inprocess.start_stop_ms(MockServer, times)


def verdict(ratio: float, target: float) -> str:
    return f"{ratio:.2f}x (target <= {target}x: {'met' if ratio <= target else 'MISSED'})"


def print_report(
    args: argparse.Namespace,
    flows: dict[str, dict[str, Samples]],
    startup: Startup,
    asgi: tuple[Samples, Samples],
    start_stop: list[float],
    sign_us: float,
) -> None:
    floor, mock = flows["floor"], flows["mock"]

    def cell(row: str) -> str:
        return f"{mock[row].median():,.0f} µs ({mock[row].ratio(floor[row]):.2f}x)"

    openid = mock["openid"]
    openid_extra = openid.median() - mock["confidential"].median()
    print()
    print(
        f"{args.n} operations per figure, {args.rounds} interleaved rounds, {args.conc} "
        "keep-alive connections; server CPU from /proc; medians, ratios = median of "
        "per-round ratios to the floor"
    )
    print()
    print("| server | CPU per confidential flow | per PKCE flow | per refresh | start-up |")
    print("|---|---|---|---|---|")
    print(
        f"| floor (benchmarks/floor_app.py) | {floor['confidential'].median():,.0f} µs "
        f"| {floor['pkce'].median():,.0f} µs | {floor['refresh'].median():,.0f} µs "
        f"| {startup.floor_ms.median():.0f} ms ({startup.floor_cpu_ms.median():.0f} ms CPU) |"
    )
    print(
        f"| the mock | {cell('confidential')} | {cell('pkce')} | {cell('refresh')} "
        f"| {startup.mock_ms.median():.0f} ms ({startup.mock_ms.ratio(startup.floor_ms):.2f}x; "
        f"{startup.mock_cpu_ms.median():.0f} ms CPU, "
        f"{startup.mock_cpu_ms.ratio(startup.floor_cpu_ms):.2f}x) |"
    )
    print(
        f"| the mock, `openid` scope | {openid.median():,.0f} µs "
        f"({openid.ratio(floor['confidential']):.2f}x) | | | |"
    )
    print()
    print(f"- id_token: the `openid` flow costs {openid_extra:,.0f} µs more than the same flow")
    print(f"  without it; one RS256 signature in process: {sign_us:,.0f} µs")
    floor_asgi, mock_asgi = asgi
    print(
        f"- in process (raw ASGI calls, confidential flow): floor {floor_asgi.median():,.0f} µs, "
        f"mock {mock_asgi.median():,.0f} µs per flow ({mock_asgi.ratio(floor_asgi):.2f}x); "
        f"{1e6 / mock_asgi.median():,.0f} mock flows/s on one core"
    )
    print(
        f"- MockServer.start() + stop(): median {statistics.median(start_stop):.1f} ms, "
        f"max {max(start_stop):.1f} ms over {len(start_stop)}"
    )
    print()
    print("targets:")
    worst_flow = max(mock[row].ratio(floor[row]) for row in ("confidential", "pkce"))
    print(f"- CPU per flow: {verdict(worst_flow, TARGETS['flow'])}")
    print(
        f"- CPU per refresh: {verdict(mock['refresh'].ratio(floor['refresh']), TARGETS['refresh'])}"
    )
    startup_ratio = startup.mock_ms.ratio(startup.floor_ms)
    print(f"- start-up (wall): {verdict(startup_ratio, TARGETS['startup'])}")
    startup_cpu_ratio = startup.mock_cpu_ms.ratio(startup.floor_cpu_ms)
    print(f"- start-up (CPU): {verdict(startup_cpu_ratio, TARGETS['startup'])}")
    print(f"- in-process CPU per flow: {verdict(mock_asgi.ratio(floor_asgi), TARGETS['asgi'])}")
    met = "met" if statistics.median(start_stop) <= 20 else "MISSED"
    print(f"- MockServer.start() + stop(): target <= 20 ms: {met}")


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--n", type=int, default=2000, help="operations per figure (2000)")
    parser.add_argument("--conc", type=int, default=8, help="keep-alive connections (8)")
    parser.add_argument("--rounds", type=int, default=5, help="interleaved rounds (5)")
    parser.add_argument("--starts", type=int, default=7, help="fresh starts per server (7)")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="frameio-mock-bench-") as tmp, ExitStack() as stack:
        config = Path(tmp) / "bench.toml"
        config.write_text(CONFIG, encoding="utf-8")
        env = server_env(Path(tmp) / "pycache")
        port_flags = ["--port", "{port}", *UVICORN_FLAGS]
        floor = Server(
            "floor",
            [sys.executable, "-m", "uvicorn", "floor_app:app", "--app-dir", str(HERE), *port_flags],
            env,
        )
        mock_command = [sys.executable, "-m", "frameio_oauth_mock", "serve", "--auto-approve"]
        mock_command += ["--config", str(config), "--port", "{port}", "--log-level", "warning"]
        mock = Server("mock", mock_command, env)

        print(f"start-up: {args.starts} fresh starts of each, interleaved ...", flush=True)
        startup = startup_samples(floor, mock, args.starts)
        floor_server = stack.enter_context(running(floor))
        mock_server = stack.enter_context(running(mock))
        flows = flow_rounds(floor_server, mock_server, args)
    print("in process: ASGI flows, MockServer start/stop, signing ...", flush=True)
    asgi = asgi_rounds(args.rounds, max(args.n // 4, 100))
    start_stop = mock_server_start_stop(20)
    sign_us = inprocess.signing_us(50)["sign"]
    print_report(args, flows, startup, asgi, start_stop, sign_us)
    return 0
