"""Run the real `frameio-mock` CLI in a subprocess: start it, wait for its URL, always stop it.

Every wait is bounded, so a server that hangs or never becomes ready fails the test instead of
blocking CI. Output is drained by reader threads (uvicorn's access log goes to stdout), so a
busy server can never stall on a full pipe.
"""

from __future__ import annotations

import os
import queue
import re
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType
from typing import IO

START_TIMEOUT = 30.0
STOP_TIMEOUT = 10.0
RUN_TIMEOUT = 30.0

_LISTENING = re.compile(r"listening on (http://\S+)")


def cli_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "frameio_oauth_mock", *args]


def cli_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    """The environment for the CLI, without settings that would change what the test expects
    (every FRAMEIO_MOCK_* variable), plus `extra`."""
    env = {
        name: value for name, value in os.environ.items() if not name.startswith("FRAMEIO_MOCK_")
    }
    env.update(extra or {})
    env["PYTHONUNBUFFERED"] = "1"
    env["PYTHONIOENCODING"] = "utf-8"
    return env


def run_cli(
    *args: str, timeout: float = RUN_TIMEOUT, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run the CLI to completion (for commands expected to fail or exit at once)."""
    return subprocess.run(
        cli_command(*args),
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=cli_env(env),
        stdin=subprocess.DEVNULL,
        timeout=timeout,
        check=False,
    )


class ServerStartError(AssertionError):
    pass


class _Drain(threading.Thread):
    """Reads a pipe line by line into a list, and hands each line to a queue as well."""

    def __init__(self, pipe: IO[str]) -> None:
        super().__init__(daemon=True)
        self.pipe = pipe
        self.lines: list[str] = []
        self.queue: queue.Queue[str | None] = queue.Queue()

    def run(self) -> None:
        try:
            for line in self.pipe:
                self.lines.append(line)
                self.queue.put(line)
        except (OSError, ValueError):
            pass
        finally:
            self.queue.put(None)

    @property
    def text(self) -> str:
        return "".join(self.lines)


class ServerProcess:
    """One `frameio-mock serve` subprocess."""

    def __init__(self, args: Sequence[str], env: dict[str, str] | None = None) -> None:
        self.args = list(args)
        self.proc = subprocess.Popen(
            cli_command(*self.args),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            encoding="utf-8",
            env=cli_env(env),
        )
        assert self.proc.stdout is not None and self.proc.stderr is not None
        self._stdout = _Drain(self.proc.stdout)
        self._stderr = _Drain(self.proc.stderr)
        self._stdout.start()
        self._stderr.start()
        self.url = ""
        self.banner: list[str] = []  # stdout lines up to and including "listening on"
        self.returncode: int | None = None

    @property
    def stdout(self) -> str:
        return self._stdout.text

    @property
    def stderr(self) -> str:
        return self._stderr.text

    def wait_ready(self, timeout: float = START_TIMEOUT) -> str:
        """Wait for the "listening on URL" line; return the URL."""
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                self.stop()
                raise ServerStartError(
                    f"no 'listening on' line within {timeout}s\n"
                    f"stdout:\n{self.stdout}\nstderr:\n{self.stderr}"
                )
            try:
                line = self._stdout.queue.get(timeout=min(remaining, 0.5))
            except queue.Empty:
                continue
            if line is None:
                self.stop()
                raise ServerStartError(
                    f"server exited with status {self.returncode} before it was ready\n"
                    f"stdout:\n{self.stdout}\nstderr:\n{self.stderr}"
                )
            self.banner.append(line)
            match = _LISTENING.search(line)
            if match:
                self.url = match.group(1)
                return self.url

    def stop(self, timeout: float = STOP_TIMEOUT) -> int:
        """Terminate the process (kill it if it does not stop in time); return its exit status."""
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=timeout)
        self._stdout.join(timeout)
        self._stderr.join(timeout)
        self.returncode = self.proc.returncode
        return self.returncode


class ServerPool:
    """Starts servers and stops every one of them on exit, whatever happened in between."""

    def __init__(self) -> None:
        self.servers: list[ServerProcess] = []

    def start(
        self, *args: str, timeout: float = START_TIMEOUT, env: dict[str, str] | None = None
    ) -> ServerProcess:
        server = ServerProcess(["serve", *args], env)
        self.servers.append(server)
        server.wait_ready(timeout)
        return server

    def close(self) -> None:
        for server in self.servers:
            server.stop()

    def __enter__(self) -> ServerPool:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()


def write_config(directory: Path, text: str, name: str = "mock.toml") -> Path:
    path = directory / name
    path.write_text(text, encoding="utf-8")
    return path
