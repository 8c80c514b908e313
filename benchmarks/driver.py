"""A lean HTTP/1.1 keep-alive driver for OAuth flows, and the server CPU they cost.

Each worker holds one connection open for its whole run, so the server's own work is not
hidden behind TCP and connection set-up, and the driver spends as little CPU as it can (raw
asyncio streams, no client library) so it competes little with the server on a small machine.
The server's CPU time is read from /proc, so whatever the driver costs never counts.
"""

from __future__ import annotations

import asyncio
import base64
import glob
import hashlib
import json
import os
import secrets
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from urllib.parse import parse_qs, urlencode, urlsplit

REDIRECT = "http://127.0.0.1:9/cb"
AUTHORIZE_PATH = "/oauth2/auth"
TOKEN_PATH = "/oauth2/token"


def server_cpu_seconds(pid: int) -> float:
    """CPU time (user + system, every thread) process `pid` has used so far.

    /proc/PID/task/*/schedstat counts nanoseconds; /proc/PID/stat only clock ticks (10 ms),
    the fallback where schedstat is missing.
    """
    total_ns = 0
    found = False
    for path in glob.glob(f"/proc/{pid}/task/*/schedstat"):
        try:
            with open(path, encoding="ascii") as stats:
                total_ns += int(stats.read().split()[0])
            found = True
        except (OSError, ValueError, IndexError):
            continue  # a thread that ended meanwhile
    if found:
        return total_ns / 1e9
    with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class Connection:
    """One keep-alive HTTP/1.1 connection: request() writes, then reads one whole answer."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, host: str):
        self._reader = reader
        self._writer = writer
        self._host = host.encode()

    @classmethod
    async def open(cls, port: int) -> Connection:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        return cls(reader, writer, f"127.0.0.1:{port}")

    async def request(
        self,
        method: str,
        target: str,
        body: bytes = b"",
        headers: Sequence[str] = (),
        content_type: str = "application/x-www-form-urlencoded",
    ) -> tuple[int, dict[str, str], bytes]:
        lines = [f"{method} {target} HTTP/1.1", "Host: " + self._host.decode(), *headers]
        if method == "POST":
            lines.append(f"Content-Type: {content_type}")
            lines.append(f"Content-Length: {len(body)}")
        self._writer.write(("\r\n".join(lines) + "\r\n\r\n").encode() + body)
        head = await self._reader.readuntil(b"\r\n\r\n")
        status_line, *header_lines = head.decode("latin-1").split("\r\n")
        answer_headers: dict[str, str] = {}
        for line in header_lines:
            if line:
                name, _, value = line.partition(":")
                answer_headers[name.strip().lower()] = value.strip()
        if answer_headers.get("transfer-encoding", "").lower() == "chunked":
            answer = await self._read_chunked()
        else:
            answer = await self._reader.readexactly(int(answer_headers.get("content-length", 0)))
        return int(status_line.split(" ", 2)[1]), answer_headers, answer

    async def _read_chunked(self) -> bytes:
        parts = []
        while True:
            size = int((await self._reader.readuntil(b"\r\n")).split(b";")[0], 16)
            parts.append(await self._reader.readexactly(size + 2))
            if size == 0:
                return b"".join(part[:-2] for part in parts)

    def close(self) -> None:
        self._writer.close()


@dataclass(frozen=True)
class Client:
    """Who drives the flows: a confidential client (HTTP Basic) or a PKCE client."""

    client_id: str
    secret: str = ""
    scope: str = "account.read offline"

    @property
    def pkce(self) -> bool:
        return not self.secret

    def credentials(self) -> tuple[list[str], dict[str, str]]:
        """Headers and form fields that say who is calling at the token endpoint."""
        if self.secret:
            basic = base64.b64encode(f"{self.client_id}:{self.secret}".encode()).decode()
            return [f"Authorization: Basic {basic}"], {}
        return [], {"client_id": self.client_id}


class FlowError(Exception):
    pass


def _expect(status: int, want: tuple[int, ...], what: str, body: bytes) -> None:
    if status not in want:
        raise FlowError(f"{what} answered {status}: {body[:300]!r}")


Timings = Callable[[float], None]


async def authorization_code_flow(
    conn: Connection, client: Client, on_request: Timings | None = None
) -> dict[str, object]:
    """authorize -> 302/303 -> token; returns the token response.

    on_request, if given, is called with the milliseconds each of the two requests took.
    """
    before = time.perf_counter()
    state = secrets.token_urlsafe(12)
    params = {
        "response_type": "code",
        "client_id": client.client_id,
        "redirect_uri": REDIRECT,
        "scope": client.scope,
        "state": state,
    }
    verifier = ""
    if client.pkce:
        verifier = secrets.token_urlsafe(48)
        digest = hashlib.sha256(verifier.encode()).digest()
        params["code_challenge"] = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
        params["code_challenge_method"] = "S256"
    status, headers, body = await conn.request("GET", AUTHORIZE_PATH + "?" + urlencode(params))
    _expect(status, (302, 303), "authorize", body)
    if on_request is not None:
        on_request((time.perf_counter() - before) * 1000)
    query = parse_qs(urlsplit(headers["location"]).query)
    if query.get("state") != [state] or "code" not in query:
        raise FlowError(f"authorize redirected to {headers['location']}")
    auth_headers, form = client.credentials()
    form |= {"grant_type": "authorization_code", "code": query["code"][0]}
    form["redirect_uri"] = REDIRECT
    if verifier:
        form["code_verifier"] = verifier
    before = time.perf_counter()
    answer = await _token(conn, auth_headers, form)
    if on_request is not None:
        on_request((time.perf_counter() - before) * 1000)
    return answer


async def refresh(conn: Connection, client: Client, refresh_token: str) -> dict[str, object]:
    auth_headers, form = client.credentials()
    form |= {"grant_type": "refresh_token", "refresh_token": refresh_token}
    return await _token(conn, auth_headers, form)


async def _token(conn: Connection, headers: list[str], form: dict[str, str]) -> dict[str, object]:
    status, _, body = await conn.request("POST", TOKEN_PATH, urlencode(form).encode(), headers)
    _expect(status, (200,), "token", body)
    answer: dict[str, object] = json.loads(body)
    if not answer.get("access_token"):
        raise FlowError(f"token answered without an access_token: {body[:300]!r}")
    return answer


Job = Callable[[Connection, int], Awaitable[None]]


async def run_jobs(port: int, count: int, concurrency: int, job: Job) -> None:
    """Run job(conn, i) for i in range(count) on `concurrency` keep-alive connections."""
    next_index = iter(range(count))

    async def worker() -> None:
        conn = await Connection.open(port)
        try:
            for index in next_index:
                await job(conn, index)
        finally:
            conn.close()

    await asyncio.gather(*(worker() for _ in range(concurrency)))


@dataclass(frozen=True)
class Measured:
    cpu_us: float  # server CPU per operation
    per_s: float  # operations per wall-clock second (driver included)


async def measure(pid: int, port: int, count: int, concurrency: int, job: Job) -> Measured:
    loop = asyncio.get_running_loop()
    cpu_before, wall_before = server_cpu_seconds(pid), loop.time()
    await run_jobs(port, count, concurrency, job)
    wall, cpu = loop.time() - wall_before, server_cpu_seconds(pid) - cpu_before
    return Measured(cpu_us=cpu / count * 1e6, per_s=count / wall)


async def measure_flows(
    pid: int, port: int, client: Client, count: int, concurrency: int
) -> tuple[Measured, list[str]]:
    """CPU per full flow; also returns the refresh tokens issued (for measure_refreshes)."""
    refresh_tokens: list[str] = []

    async def one_flow(conn: Connection, _: int) -> None:
        answer = await authorization_code_flow(conn, client)
        if "refresh_token" in answer:
            refresh_tokens.append(str(answer["refresh_token"]))

    return await measure(pid, port, count, concurrency, one_flow), refresh_tokens


async def measure_refreshes(
    pid: int, port: int, client: Client, refresh_tokens: Sequence[str], concurrency: int
) -> Measured:
    """CPU per refresh, each of a different authorization (each chain one refresh long)."""

    async def one_refresh(conn: Connection, index: int) -> None:
        await refresh(conn, client, refresh_tokens[index])

    return await measure(pid, port, len(refresh_tokens), concurrency, one_refresh)
