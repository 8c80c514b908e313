"""Request limits at the front: body size, parameter count, and the time to send a body.

Held at the front (front.py), before everything else, so nothing (request log, endpoints,
control API) ever holds more than MAX_BODY_BYTES of a body or parses more than
MAX_PARAMETERS parameters: a 100 MB `%XX` form once grew the process to 8 GB and blocked it
for 19 s. A refusal is answered in the shape of
the endpoint asked: the profile's OAuth JSON error, or the control API's {"error": ...}.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from frameio_oauth_mock.mockserver.oauth.context import Context
from frameio_oauth_mock.mockserver.oauth.errors import OAuthError
from frameio_oauth_mock.mockserver.profiles import Profile
from frameio_oauth_mock.mockserver.web.deadlines import Deadlines
from frameio_oauth_mock.mockserver.web.responses import json_body

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

MAX_BODY_BYTES = 1024 * 1024
MAX_PARAMETERS = 1000
BODY_TIMEOUT = 10.0
CONTROL_PREFIX = "/_mock/"


class Refused(Exception):
    def __init__(self, status: int, hint: str) -> None:
        super().__init__(hint)
        self.status = status
        self.hint = hint


class Disconnected(Exception):
    """The client went away before its body arrived: there is no one to answer."""


class RequestLimits:
    """The limits the front (front.py) holds every request to, and the refusals it answers."""

    def __init__(
        self,
        ctx: Context,
        max_body_bytes: int | None = None,
        max_parameters: int | None = None,
        body_timeout: float | None = None,
    ) -> None:
        self.ctx = ctx
        self.max_body_bytes = MAX_BODY_BYTES if max_body_bytes is None else max_body_bytes
        self.max_parameters = MAX_PARAMETERS if max_parameters is None else max_parameters
        self.body_timeout = BODY_TIMEOUT if body_timeout is None else body_timeout
        self.deadlines = Deadlines()
        # Which profile answers a path, for the shape of the refusal.
        self.profile_of_path = {
            path: name
            for name, profile in ctx.state.profiles.items()
            for path in profile.paths.endpoint_names()
        }

    def check_head(self, scope: Scope, content_length: str | None) -> None:
        """Refuse (raise Refused) what the request head alone shows is too much."""
        if scope.get("query_string", b"").count(b"&") >= self.max_parameters:
            raise Refused(400, f"The query has more than {self.max_parameters} parameters.")
        declared = content_length
        if declared is not None and declared.isdigit() and int(declared) > self.max_body_bytes:
            raise Refused(413, f"The request body is larger than {self.max_body_bytes} bytes.")

    async def checked_body(self, receive: Receive, content_type: str | None) -> bytes:
        """The whole body, read within the time limit; raise Refused or Disconnected."""
        body = await self.deadlines.within(self.body_timeout, self._read(receive))
        if body is None:
            raise Refused(408, "The request body did not arrive in time.")
        if (content_type or "").lower().startswith(
            "application/x-www-form-urlencoded"
        ) and body.count(b"&") >= self.max_parameters:
            raise Refused(400, f"The form has more than {self.max_parameters} parameters.")
        return body

    async def _read(self, receive: Receive) -> bytes:
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                raise Disconnected()
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_body_bytes:
                raise Refused(413, f"The request body is larger than {self.max_body_bytes} bytes.")
            chunks.append(chunk)
            if not message.get("more_body", False):
                return b"".join(chunks)

    async def refuse(self, path: str, send: Send, refusal: Refused) -> None:
        headers: dict[str, str]
        if path.startswith(CONTROL_PREFIX):
            content = json.dumps({"error": f"body: {refusal.hint}"}).encode()
            headers = {"content-type": "application/json"}
        else:
            profile = self._profile(path)
            error = OAuthError("invalid_request", refusal.hint)
            content = json_body(error.as_json(profile))
            headers = {
                name.lower(): value for name, value in profile.token_response_headers.items()
            }
        headers["content-length"] = str(len(content))
        headers["connection"] = "close"  # the rest of the body is never read
        raw = [(name.encode("latin-1"), value.encode("latin-1")) for name, value in headers.items()]
        await send({"type": "http.response.start", "status": refusal.status, "headers": raw})
        await send({"type": "http.response.body", "body": content})

    def _profile(self, path: str) -> Profile:
        name = self.profile_of_path.get(path)
        if name is None:
            name = next(
                (
                    profile_name
                    for profile_name, profile in self.ctx.state.profiles.items()
                    if profile.paths.v4 and path.startswith(profile.paths.v4 + "/")
                ),
                self.ctx.settings.server.profile,
            )
        return self.ctx.state.profiles[name]
