"""The harness as the user's browser: follow the client's authorization URL on the mock (auto
approval, or the login and consent pages through the server suite's form driver) until a
redirect leaves the mock, and hand that redirect (the callback URL) back."""

from __future__ import annotations

from dataclasses import dataclass

from frameio_oauth_mock.conformance.redact import Redactor
from frameio_oauth_mock.conformance.server.http import Call, Http
from frameio_oauth_mock.conformance.server.login import FormDriver, origin

TIMEOUT = 10.0


@dataclass
class Followed:
    callback: str | None
    stopped: str  # why there is no callback


class Browser:
    """One user agent (its cookies are the login session) for one scenario."""

    def __init__(
        self,
        server_url: str,
        username: str,
        password: str,
        redactor: Redactor,
        decision: str,
        verify: bool = True,
    ) -> None:
        self.http = Http(redactor, TIMEOUT, verify=verify)
        self.driver = FormDriver(
            self.http,
            server_origins=frozenset([origin(server_url)]),
            client_prefixes=(),  # anything off the mock's origin is the client
            username=username,
            password=password,
            decision=decision,
        )

    def follow(self, url: str) -> Followed:
        drive = self.driver.run(url)
        return Followed(drive.callback, drive.stopped)

    def open(self, url: str) -> Call:
        """GET a URL on the client (its redirect URI listener), as the browser would."""
        return self.http.get(url)

    def close(self) -> None:
        self.http.close()
