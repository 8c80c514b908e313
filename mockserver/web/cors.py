"""CORS for the endpoints a single-page app calls from its own origin (Fetch standard).

Adobe IMS's token, revoke, userinfo and keys endpoints are called from the browser by SPA
credentials; Frame.io's legacy token endpoint only when `[server] cors_legacy_token` is on.
An origin is allowed when it is in `[server] cors_origins`, or belongs to a public client of
that endpoint's profile (its `cors_origins`, else its redirect URIs' origins). The
authorization endpoint never sends CORS headers (RFC 9700 4.16: it is navigated to, never
fetched). Preflights are answered by the front (front.py) before the request log, so they are
neither logged as calls nor counted by faults; real answers (faulted ones too) get the
headers on the way out.
"""

from __future__ import annotations

from frameio_oauth_mock.mockserver.oauth.context import Context
from frameio_oauth_mock.mockserver.web.harness import Message, Send

# What each endpoint is called with from a browser.
_METHODS = {"token": "POST", "revoke": "POST", "userinfo": "GET, POST", "jwks": "GET"}
_ALLOWED_HEADERS = "Authorization, Content-Type"
# Headers a browser app must be able to read: back-off, bearer challenges, V4 rate limits.
_EXPOSED_HEADERS = "Retry-After, WWW-Authenticate"
PREFLIGHT_MAX_AGE = "600"


class CorsPolicy:
    """Which requests get CORS headers; the front (front.py) applies the answer."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    def _endpoint(self, path: str) -> tuple[str, str] | None:
        """(profile name, endpoint name) when `path` is a CORS endpoint right now."""
        for profile_name, profile in self.ctx.state.profiles.items():
            name = profile.paths.endpoint_names().get(path)
            if name is None:
                continue
            enabled = set(profile.cors_endpoints)
            if profile.paths.token == path and self.ctx.settings.server.cors_legacy_token:
                enabled.add("token")
            if name in enabled:
                return profile_name, name
        return None

    def allowed(self, profile_name: str, origin: str) -> bool:
        server = self.ctx.settings.server
        if origin in server.cors_origins:
            return True
        clients = self.ctx.registry.clients_for(profile_name).values()
        return any(origin in client.browser_origins for client in clients)

    def headers_for(self, path: str, origin: str) -> tuple[CorsHeaders, str] | None:
        """The CORS headers for a request from `origin` (lower-cased) to `path`, and the
        methods its endpoint is called with; None when the request gets no CORS headers."""
        found = self._endpoint(path)
        if found is None or not self.allowed(found[0], origin):
            return None
        cors = [(b"access-control-allow-origin", origin.encode()), (b"vary", b"Origin")]
        return cors, _METHODS[found[1]]


CorsHeaders = list[tuple[bytes, bytes]]


def with_cors(send: Send, cors: CorsHeaders) -> Send:
    """`send` with the CORS headers added to the answer's head (replacing any Vary)."""

    async def sending(message: Message) -> None:
        if message["type"] == "http.response.start":
            kept = [
                (name, value)
                for name, value in message.get("headers", [])
                if name.lower() != b"vary"
            ]
            exposed = (b"access-control-expose-headers", _EXPOSED_HEADERS.encode())
            message = {**message, "headers": [*kept, *cors, exposed]}
        await send(message)

    return sending


async def preflight(send: Send, cors: CorsHeaders, methods: str) -> None:
    headers = [
        *cors,
        (b"access-control-allow-methods", methods.encode()),
        (b"access-control-allow-headers", _ALLOWED_HEADERS.encode()),
        (b"access-control-max-age", PREFLIGHT_MAX_AGE.encode()),
        (b"content-length", b"0"),
    ]
    await send({"type": "http.response.start", "status": 204, "headers": headers})
    await send({"type": "http.response.body", "body": b""})
