#!/usr/bin/env python3
"""Server CPU per OAuth flow and startup time: `frameio-mock serve` against the stack's floor.

One command, one run, same machine, same uvicorn (uvloop + httptools):

    python benchmarks/flows.py [--n 2000] [--conc 8] [--rounds 3] [--starts 5] [--bench-dir DIR]

It starts ../shared/bench/floor_app.py (the least work an authorize + token pair can do on
Starlette + uvicorn) and the mock, measures the time from process start to the first good
answer (--starts fresh starts each), then drives ../shared/bench/flowbench.py against both
(--rounds times, interleaved) and prints server CPU microseconds per flow, with medians and
ratios to the floor.
Target (issue 2): at most 1.5x the floor on both figures. See benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import http.client
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO

REPO = Path(__file__).resolve().parent.parent
DEFAULT_BENCH_DIR = REPO.parent / "shared" / "bench"
BENCH_DIR_ENV = "FRAMEIO_MOCK_BENCH_DIR"
TARGET_RATIO = 1.5
STARTUP_TIMEOUT = 30.0
POLL_INTERVAL = 0.002

REDIRECT = "http://127.0.0.1:9/cb"
CONFIDENTIAL_ID = "bench"
CONFIDENTIAL_SECRET = "bench-secret"
PKCE_ID = "bench-pkce"
DEFAULT_SCOPE = "account.read offline"

CONFIG = f"""\
[server]
auto_approve = true

[[clients]]
client_id = "{CONFIDENTIAL_ID}"
client_secret = "{CONFIDENTIAL_SECRET}"
redirect_uris = ["{REDIRECT}"]
scopes = ["account.read", "offline", "openid"]

[[clients]]
client_id = "{PKCE_ID}"
redirect_uris = ["{REDIRECT}"]
scopes = ["account.read", "offline", "openid"]

[[users]]
email = "bench@example.com"
password = "bench-password"
"""

# What counts as "ready": the first answer of the app itself, not just an open socket.
# The floor has no /health, so its first 302 from a valid authorization request is used.
FLOOR_PROBE = (
    "/oauth2/auth?response_type=code&client_id=probe&redirect_uri=http%3A%2F%2F127.0.0.1%3A9%2Fcb"
    "&state=probe-state",
    302,
)
MOCK_PROBE = ("/health", 200)
FLOOR_ROW = "floor_app (PKCE)"


@dataclass(frozen=True)
class Server:
    name: str
    command: list[str]
    cwd: Path
    probe: tuple[str, int]
    env: dict[str, str]


@dataclass(frozen=True)
class Started:
    proc: subprocess.Popen[bytes]
    port: int
    startup_ms: float
    log: IO[bytes]

    def output(self) -> str:
        """What the server has printed so far (stdout and stderr)."""
        self.log.seek(0)
        return self.log.read().decode(errors="replace").strip()


@dataclass(frozen=True)
class FlowResult:
    cpu_us_per_flow: float
    flows_per_s: float


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def answer_status(port: int, path: str) -> int | None:
    """The status of GET path, or None while nothing listens yet."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
    try:
        conn.request("GET", path)
        return conn.getresponse().status
    except (ConnectionError, OSError, http.client.HTTPException):
        return None
    finally:
        conn.close()


@contextmanager
def running(server: Server, port: int) -> Iterator[Started]:
    """Start `server` on `port`; yield it once ready, with ms from spawn to the first answer."""
    command = [arg.replace("{port}", str(port)) for arg in server.command]
    with tempfile.TemporaryFile() as log:
        started = time.perf_counter()
        proc = subprocess.Popen(
            command,
            cwd=server.cwd,
            env=server.env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            yield Started(proc, port, _wait_ready(server, port, proc, log, started), log)
        finally:
            stop(proc)


def _wait_ready(
    server: Server, port: int, proc: subprocess.Popen[bytes], log: IO[bytes], started: float
) -> float:
    """Poll the probe until it answers as expected; return ms since `started`."""
    path, want = server.probe
    deadline = started + STARTUP_TIMEOUT
    while True:
        status = answer_status(port, path)
        if status == want:
            return (time.perf_counter() - started) * 1000
        if proc.poll() is not None or time.perf_counter() > deadline or status is not None:
            log.seek(0)
            output = log.read().decode(errors="replace").strip()
            stop(proc)
            why = f"answered {status}" if status is not None else "did not become ready"
            raise SystemExit(f"{server.name} {why} (exit {proc.poll()}):\n{output}")
        time.sleep(POLL_INTERVAL)


def stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def server_env(pycache: Path) -> dict[str, str]:
    """The servers' environment: bytecode cached (in a temp folder, not the trees), as installed.

    Without this, PYTHONDONTWRITEBYTECODE=1 (common in containers) makes every start compile
    the project from source, which a site-packages install never does.
    """
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = str(pycache)
    return env


def startup_samples(servers: Sequence[Server], starts: int) -> dict[str, list[float]]:
    """Ms to the first good answer of `starts` fresh starts each, interleaved."""
    for server in servers:  # one discarded start each: fills the bytecode and page caches
        with running(server, free_port()):
            pass
    samples: dict[str, list[float]] = {server.name: [] for server in servers}
    for _ in range(starts):
        for server in servers:
            with running(server, free_port()) as started:
                samples[server.name].append(started.startup_ms)
    return samples


_RESULT = re.compile(r"flows_per_s=(\d+)\s+server_cpu_us_per_flow=(\d+)")


def flowbench(bench_dir: Path, server: Started, n: int, conc: int, *extra: str) -> FlowResult:
    command = [
        sys.executable,
        str(bench_dir / "flowbench.py"),
        "--base",
        f"http://127.0.0.1:{server.port}",
        "--pid",
        str(server.proc.pid),
        "--n",
        str(n),
        "--conc",
        str(conc),
        "--redirect",
        REDIRECT,
        *extra,
    ]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    match = _RESULT.search(done.stdout)
    if done.returncode != 0 or match is None:
        raise SystemExit(
            f"flowbench failed ({' '.join(extra)}):\n{done.stdout}{done.stderr}\n"
            f"server output:\n{server.output()}"
        )
    return FlowResult(cpu_us_per_flow=float(match[2]), flows_per_s=float(match[1]))


def resolve_bench_dir(option: str | None) -> Path:
    bench_dir = Path(option or os.environ.get(BENCH_DIR_ENV) or DEFAULT_BENCH_DIR).resolve()
    for name in ("floor_app.py", "flowbench.py"):
        if not (bench_dir / name).is_file():
            raise SystemExit(
                f"{bench_dir / name} not found; pass --bench-dir or set {BENCH_DIR_ENV}"
            )
    return bench_dir


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--n", type=int, default=2000, help="flows per measurement (2000)")
    parser.add_argument("--conc", type=int, default=8, help="concurrent flows (8)")
    parser.add_argument(
        "--rounds", type=int, default=3, help="flow measurements per server, interleaved (3)"
    )
    parser.add_argument("--starts", type=int, default=5, help="fresh starts per server (5)")
    parser.add_argument(
        "--scope", default=DEFAULT_SCOPE, help=f"scope for the mock ({DEFAULT_SCOPE!r})"
    )
    parser.add_argument(
        "--bench-dir",
        help=f"folder with floor_app.py and flowbench.py (default ${BENCH_DIR_ENV}, "
        "else <repo>/../shared/bench)",
    )
    return parser.parse_args(argv)


def paired_ratio(values: Sequence[float], floor: Sequence[float]) -> float:
    """Median of per-round ratios: robust to load that drifts between rounds."""
    return statistics.median(value / base for value, base in zip(values, floor, strict=True))


def print_table(
    args: argparse.Namespace,
    flows: dict[str, list[FlowResult]],
    startup: dict[str, list[float]],
) -> None:
    floor_cpu = [result.cpu_us_per_flow for result in flows[FLOOR_ROW]]
    header = (
        f"{'server':<28}{'flows/s':>9}{'CPU us/flow':>13}{'vs floor':>10}"
        f"{'startup ms':>12}{'vs floor':>10}"
    )
    print()
    print(
        f"{args.n} flows x {args.rounds} rounds, concurrency {args.conc}; startup over "
        f"{args.starts} starts; medians (ratios: median of per-round ratios)"
    )
    print(header)
    print("-" * len(header))
    worst_cpu = worst_startup = 0.0
    for row, results in flows.items():
        server = "floor" if row == FLOOR_ROW else "mock"
        cpu = [result.cpu_us_per_flow for result in results]
        cpu_ratio = paired_ratio(cpu, floor_cpu)
        startup_ratio = paired_ratio(startup[server], startup["floor"])
        if server == "mock":
            worst_cpu = max(worst_cpu, cpu_ratio)
            worst_startup = max(worst_startup, startup_ratio)
        print(
            f"{row:<28}{statistics.median(r.flows_per_s for r in results):>9.0f}"
            f"{statistics.median(cpu):>13.0f}{cpu_ratio:>9.2f}x"
            f"{statistics.median(startup[server]):>12.0f}{startup_ratio:>9.2f}x"
        )
    verdict = "ok" if max(worst_cpu, worst_startup) <= TARGET_RATIO else "ABOVE TARGET"
    print(
        f"target <= {TARGET_RATIO:.1f}x the floor: CPU {worst_cpu:.2f}x, "
        f"startup {worst_startup:.2f}x -> {verdict}"
    )


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    bench_dir = resolve_bench_dir(args.bench_dir)
    uvicorn_flags = ["--port", "{port}", "--log-level", "warning"]
    with tempfile.TemporaryDirectory(prefix="frameio-mock-bench-") as tmp, ExitStack() as stack:
        config = Path(tmp) / "bench.toml"
        config.write_text(CONFIG, encoding="utf-8")
        env = server_env(Path(tmp) / "pycache")
        floor = Server(
            "floor",
            [sys.executable, "-m", "uvicorn", "floor_app:app", *uvicorn_flags],
            bench_dir,
            FLOOR_PROBE,
            env,
        )
        mock = Server(
            "mock",
            [
                *(sys.executable, "-m", "frameio_oauth_mock", "serve", "--auto-approve"),
                *("--config", str(config), *uvicorn_flags),
            ],
            REPO,
            MOCK_PROBE,
            env,
        )
        print(f"startup: {args.starts} fresh starts of each ...", flush=True)
        startup = startup_samples([floor, mock], args.starts)

        floor_server = stack.enter_context(running(floor, free_port()))
        mock_server = stack.enter_context(running(mock, free_port()))
        mock_flags = ["--scope", args.scope, "--client-id"]
        rows: dict[str, tuple[Started, list[str]]] = {
            FLOOR_ROW: (floor_server, ["--pkce"]),
            "frameio-mock (confidential)": (
                mock_server,
                [*mock_flags, CONFIDENTIAL_ID, "--secret", CONFIDENTIAL_SECRET],
            ),
            "frameio-mock (PKCE)": (mock_server, [*mock_flags, PKCE_ID, "--pkce"]),
        }
        flows: dict[str, list[FlowResult]] = {row: [] for row in rows}
        for round_number in range(1, args.rounds + 1):
            print(f"flows: round {round_number}/{args.rounds}:", end="", flush=True)
            for row, (server, extra) in rows.items():
                result = flowbench(bench_dir, server, args.n, args.conc, *extra)
                flows[row].append(result)
                print(f"  {row} {result.cpu_us_per_flow:.0f} us", end="", flush=True)
            print()
    print_table(args, flows, startup)
    return 0


if __name__ == "__main__":
    sys.exit(main())
