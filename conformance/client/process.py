"""The process adapter: a client in any language, run as a command, one process per scenario.

The command gets the mock's URLs and its credentials in the environment (ENVIRONMENT below)
and talks to the harness in lines:

- it shows the authorization URL by printing it on stdout (any line holding a URL that starts
  with $CONFORMANCE_AUTHORIZATION_ENDPOINT) or by opening it with $BROWSER (a helper that
  hands the URL to the harness), either at start or when it reads `authorize` on stdin;
- it listens on $CONFORMANCE_REDIRECT_URI; the harness, as the browser, GETs the callback
  there after logging in and consenting on the mock;
- it reads the commands `refresh`, `api` (GET $CONFORMANCE_RESOURCE_URL with its access token)
  and `quit` on stdin, one per line;
- it prints one result line for each callback it handled and each command it ran: `ok` or
  `ok ...` when it worked, `error` or `error ...` when it refused or failed (lower case, the
  word alone or followed by a space; any other line is only looked at for URLs).

A client that reads no commands can still be graded: steps it cannot do are `unsupported`
and the items only they would show are not_applicable. A callback with no result line counts
as accepted unless the listener answered with an HTTP error; a callback the listener never
answered, or one for a client that has exited, was not delivered (NotDelivered), which shows
nothing. Every wait is bounded by the timeout; how each process ended (exit status, stderr
tail) is kept in `ended` for the report.
"""

from __future__ import annotations

import contextlib
import os
import queue
import re
import shutil
import socket
import stat
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

from frameio_oauth_mock.conformance.client.adapter import (
    AdapterFactory,
    ClientSetup,
    NotDelivered,
    Unsupported,
)
from frameio_oauth_mock.conformance.redact import Redactor
from frameio_oauth_mock.conformance.server.http import Call, Http

ENVIRONMENT = {
    "CONFORMANCE_ISSUER": "the authorization server's issuer (its base URL)",
    "CONFORMANCE_AUTHORIZATION_ENDPOINT": "where to send the user",
    "CONFORMANCE_TOKEN_ENDPOINT": "where to redeem codes and refresh tokens",
    "CONFORMANCE_METADATA_URL": "the RFC 8414 metadata document",
    "CONFORMANCE_RESOURCE_URL": "the API to call with the access token (GET)",
    "CONFORMANCE_CLIENT_ID": "the client's id",
    "CONFORMANCE_CLIENT_SECRET": "its secret; not set for a PKCE app",
    "CONFORMANCE_REDIRECT_URI": "where to listen for the callback (http on 127.0.0.1)",
    "CONFORMANCE_SCOPE": "the scopes to ask for, space-separated",
    "BROWSER": "a command that hands a URL to the harness, for clients that open a browser",
}
DEFAULT_TIMEOUT = 10.0  # seconds to wait for a URL or a result line
_URL = re.compile(r"https?://[^\s\"'<>]+")
_RESULT = re.compile(r"(ok|error)( .*)?")
_STDERR_LINES = 5  # lines of a client's stderr kept as evidence
_POLL = 0.02
_LISTENER_WAIT = 3.0  # a listener that is still starting up gets this long


class ClientRejected(Exception):
    """The client answered `error ...` (or its listener an HTTP error)."""


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def environment(setup: ClientSetup, redirect_uri: str, browser: str) -> dict[str, str]:
    variables = {
        "CONFORMANCE_ISSUER": setup.issuer,
        "CONFORMANCE_AUTHORIZATION_ENDPOINT": setup.authorization_endpoint,
        "CONFORMANCE_TOKEN_ENDPOINT": setup.token_endpoint,
        "CONFORMANCE_METADATA_URL": setup.metadata_url,
        "CONFORMANCE_RESOURCE_URL": setup.resource_url,
        "CONFORMANCE_CLIENT_ID": setup.client_id,
        "CONFORMANCE_REDIRECT_URI": redirect_uri,
        "CONFORMANCE_SCOPE": setup.scope,
        "BROWSER": browser,
    }
    if setup.client_secret is not None:
        variables["CONFORMANCE_CLIENT_SECRET"] = setup.client_secret
    return variables


class ProcessClient:
    def __init__(self, command: Sequence[str], setup: ClientSetup, timeout: float) -> None:
        self.setup = setup
        self.timeout = timeout
        self.redirect_uri = f"http://127.0.0.1:{_free_port()}/callback"
        self.workdir = Path(tempfile.mkdtemp(prefix="conformance-client-"))
        self.opened = self.workdir / "opened-urls"
        self.opened.touch()
        self._opened_offset = 0
        helper = self.workdir / "browser"
        helper.write_text(f'#!/bin/sh\nprintf "%s\\n" "$1" >> "{self.opened}"\n')
        helper.chmod(helper.stat().st_mode | stat.S_IXUSR)
        env = {name: value for name, value in os.environ.items() if name not in ENVIRONMENT}
        env.update(environment(setup, self.redirect_uri, str(helper)))
        self.stderr = (self.workdir / "stderr").open("w")
        try:
            self.process = subprocess.Popen(  # noqa: S603 - the command under test, as given
                list(command),
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=self.stderr,
                env=env,
                text=True,
                bufsize=1,
            )
        except OSError:
            self.stderr.close()
            shutil.rmtree(self.workdir, ignore_errors=True)
            raise
        self.urls: queue.Queue[str] = queue.Queue()
        self.results: queue.Queue[str] = queue.Queue()
        self._reader = threading.Thread(target=self._read, name="conformance-client", daemon=True)
        self._reader.start()
        self.redactor = Redactor([setup.client_secret or ""])
        self.http = Http(self.redactor, timeout)
        self.ended = ""  # how the process ended, once closed
        self.silent = ""  # why commands are no longer waited for

    # stdout --------------------------------------------------------------------------------
    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            text = line.rstrip("\r\n")
            if _RESULT.fullmatch(text):
                self.results.put(text)
                continue
            for url in _URL.findall(line):
                if url.startswith(self.setup.authorization_endpoint):
                    self.urls.put(url)

    def _opened_url(self) -> str | None:
        with self.opened.open() as file:
            file.seek(self._opened_offset)
            line = file.readline()
            if line.endswith("\n"):
                self._opened_offset = file.tell()
                return line.strip()
        return None

    def _wait_url(self) -> str | None:
        deadline = time.monotonic() + self.timeout
        while time.monotonic() < deadline:
            opened = self._opened_url()
            if opened:
                return opened
            with contextlib.suppress(queue.Empty):
                return self.urls.get(timeout=_POLL)
            # Exited: what it printed is all read once the reader has drained its stdout.
            if self.process.poll() is not None and not self._reader.is_alive():
                with contextlib.suppress(queue.Empty):
                    return self.urls.get_nowait()
                return self._opened_url()
        return None

    def _wait_result(self, timeout: float) -> str | None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with contextlib.suppress(queue.Empty):
                return self.results.get(timeout=_POLL)
            if self.process.poll() is not None and not self._reader.is_alive():
                return None if self.results.empty() else self.results.get()
        return None

    def _send(self, command: str) -> bool:
        if self.process.poll() is not None or self.process.stdin is None:
            return False
        try:
            self.process.stdin.write(command + "\n")
            self.process.stdin.flush()
        except (BrokenPipeError, OSError):
            return False
        return True

    # The adapter operations ------------------------------------------------------------------
    def begin(self) -> str:
        url = None
        with contextlib.suppress(queue.Empty):
            url = self.urls.get_nowait()  # printed at start, without being asked
        if url is None:
            self._send("authorize")
            url = self._wait_url()
        if url is None:
            raise Unsupported(f"no authorization URL within {self.timeout:g}s{self._exit()}")
        return url

    def deliver(self, callback_url: str) -> Call | None:
        if self.process.poll() is not None:
            # Its redirect port is free now and may be anyone's (another run's client): a
            # callback sent there would reach someone else, so it is not sent at all.
            raise NotDelivered(f"the client had exited before its callback{self._exit()}")
        page = self._open(callback_url)
        if page.response is None:
            raise NotDelivered(f"the client's listener did not answer: {page.error}{self._exit()}")
        wait = self.timeout if self.process.poll() is None else _POLL
        result = self._wait_result(wait)
        if result is not None and result.startswith("error"):
            raise ClientRejected(result)
        if result is None and page.status >= 400:
            raise ClientRejected(f"HTTP {page.status} from the client's listener")
        return page

    def _open(self, url: str) -> Call:
        deadline = time.monotonic() + min(_LISTENER_WAIT, self.timeout)
        while True:
            page = self.http.get(url)
            retry = page.response is None and self.process.poll() is None
            if not retry or time.monotonic() > deadline:
                return page
            time.sleep(0.05)

    def _command(self, command: str) -> None:
        if self.silent:  # it let one command time out: the next is not waited for
            raise Unsupported(f"the client takes no '{command}' command ({self.silent})")
        if not self._send(command):
            raise Unsupported(f"the client takes no '{command}' command{self._exit()}")
        result = self._wait_result(self.timeout)
        if result is None:
            self.silent = f"no answer to '{command}' within {self.timeout:g}s{self._exit()}"
            raise Unsupported(self.silent)
        if result.startswith("error"):
            raise ClientRejected(result)

    def refresh(self) -> None:
        self._command("refresh")

    def call_api(self) -> None:
        self._command("api")

    def _stderr_tail(self) -> str:
        self.stderr.flush()
        text = (self.workdir / "stderr").read_text(errors="replace")
        tail = [line for line in text.strip().splitlines() if line.strip()][-_STDERR_LINES:]
        return self.redactor.text(" | ".join(tail))

    def _exit(self) -> str:
        code = self.process.poll()
        if code is None:
            return ""
        tail = self._stderr_tail()
        said = f": {tail}" if tail else ""
        return f" (the client exited with status {code}{said})"

    def close(self) -> None:
        self._send("quit")
        with contextlib.suppress(OSError):
            if self.process.stdin is not None:
                self.process.stdin.close()
        grace = min(2.0, self.timeout)  # a hung client costs no more than this on top
        how = ""
        try:
            self.process.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            how = f", terminated: still running {grace:g}s after 'quit'"
            self.process.terminate()
            try:
                self.process.wait(timeout=grace)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        tail = self._stderr_tail()
        self.ended = f"exit status {self.process.returncode}{how}" + (
            f"; stderr: {tail}" if tail else ""
        )
        self._reader.join(timeout=2)
        if self.process.stdout is not None:
            self.process.stdout.close()
        self.stderr.close()
        self.http.close()
        shutil.rmtree(self.workdir, ignore_errors=True)


class _ProcessFactory:
    def __init__(
        self, command: tuple[str, ...], timeout: float, adapter_code: Mapping[str, str]
    ) -> None:
        self.command, self.timeout, self.adapter_code = command, timeout, adapter_code

    def __call__(self, setup: ClientSetup) -> ProcessClient:
        return ProcessClient(self.command, setup, self.timeout)


def process_adapter(
    command: Sequence[str],
    timeout: float = DEFAULT_TIMEOUT,
    adapter_code: Iterable[str] = (),
) -> AdapterFactory:
    """An adapter factory that runs `command` for each scenario. `adapter_code`: the items
    whose work the program's own code does, not the library it wraps (the report says so)."""
    if not command:
        raise ValueError("command: empty")
    declared = {item: "declared with --adapter-code" for item in adapter_code}
    return _ProcessFactory(tuple(command), timeout, declared)
