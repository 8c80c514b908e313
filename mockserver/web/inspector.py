"""The inspector: a page at / showing what the mock is configured with, its live request log,
faults and clock (with the control API's controls), and a token page at /inspect/token.

Server-rendered (Jinja2, autoescaped); a small same-origin script (no inline script, so the
CSP forbids any injected one) polls the log and drives the controls through /_mock/. It is
protected exactly like the control API, and off when that is off. With an admin token, the
browser signs in once with the token (a form), gets an HttpOnly SameSite=Strict cookie holding
a MAC of it, and the page hands the token to its script for the control API's Bearer header.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import Response

from frameio_oauth_mock.mockserver.oauth.context import Context
from frameio_oauth_mock.mockserver.oauth.pkce import s256_challenge
from frameio_oauth_mock.mockserver.settings import ClientConfig
from frameio_oauth_mock.mockserver.web.deferred import INSPECTOR_SCRIPT_PATH as SCRIPT_PATH
from frameio_oauth_mock.mockserver.web.deferred import INSPECTOR_SIGN_IN as SIGN_IN
from frameio_oauth_mock.mockserver.web.deferred import INSPECTOR_TOKEN_PAGE as TOKEN_PAGE
from frameio_oauth_mock.mockserver.web.exposure import Exposure, host_problem, origin_problem
from frameio_oauth_mock.mockserver.web.forms import issuer_of, read_form
from frameio_oauth_mock.mockserver.web.harness_state import HarnessState
from frameio_oauth_mock.mockserver.web.responses import PAGE_HEADERS, render

_COOKIE = "frameio_mock_inspector"
_CSRF_COOKIE = "frameio_mock_inspector_csrf"
# The pages' own CSP: the same as the flow pages', plus this origin's script and fetch().
INSPECTOR_HEADERS = {
    **PAGE_HEADERS,
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; connect-src 'self'; style-src 'unsafe-inline'; "
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    ),
}
_SCRIPT = (Path(__file__).parent / "static" / "inspector.js").read_bytes()


def _page(template: str, status: int = 200, **values: Any) -> Response:
    return Response(render(template, **values), status, INSPECTOR_HEADERS, media_type="text/html")


def _kind(client: ClientConfig) -> str:
    if "authorization_code" not in client.grant_types:
        return "server-to-server"
    return "public (PKCE, no secret)" if client.is_public else "confidential (secret)"


class Inspector:
    """The inspector's handlers; their routes are declared in deferred.py, which imports this
    module on the first request to one of them."""

    def __init__(self, ctx: Context, exposure: Exposure, harness: HarnessState) -> None:
        self.ctx = ctx
        self.exposure = exposure
        self.harness = harness

    # Access ---------------------------------------------------------------------------------
    def _cookie_value(self, admin_token: str) -> str:
        return hmac.new(admin_token.encode(), b"frameio-mock-inspector", hashlib.sha256).hexdigest()

    def _refusal(self, request: Request) -> Response | None:
        """The control API's rules: off, foreign Host, foreign Origin, no admin token."""
        server = self.ctx.settings.server
        if not self.exposure.control_api_enabled(server):
            return _page(
                "inspector_message.html",
                404,
                title="Inspector off",
                message="The inspector is off, like the control API: the server listens on a "
                "non-loopback address without --admin-token.",
            )
        host = request.headers.get("host")
        problem = host_problem(self.exposure, server, host) or origin_problem(
            request.headers.get("origin"), request.url.scheme, host, server
        )
        if problem is not None:
            return _page("inspector_message.html", 403, title="Refused", message=problem)
        return None

    def _signed_in(self, request: Request) -> bool:
        token = self.ctx.settings.server.admin_token
        if token is None:
            return True
        presented = request.cookies.get(_COOKIE, "")
        return hmac.compare_digest(presented.encode(), self._cookie_value(token).encode())

    def _sign_in_page(self, request: Request, status: int = 401, message: str = "") -> Response:
        csrf = secrets.token_urlsafe(24)
        response = _page(
            "inspector_sign_in.html",
            status,
            action=SIGN_IN,
            next=request.url.path if request.url.path != SIGN_IN else "/",
            csrf_token=csrf,
            message=message,
        )
        response.set_cookie(_CSRF_COOKIE, csrf, path=SIGN_IN, httponly=True, samesite="strict")
        return response

    async def sign_in(self, request: Request) -> Response:
        refusal = self._refusal(request)
        if refusal is not None:
            return refusal
        form = dict(await read_form(request) or [])
        token = self.ctx.settings.server.admin_token
        csrf = request.cookies.get(_CSRF_COOKIE, "")
        if not csrf or not hmac.compare_digest(csrf.encode(), form.get("csrf_token", "").encode()):
            return self._sign_in_page(request, 403, "The form expired; try again.")
        if token is None or not hmac.compare_digest(
            form.get("admin_token", "").encode(), token.encode()
        ):
            return self._sign_in_page(request, 401, "That is not the admin token.")
        target = form.get("next", "/")
        if target not in ("/", TOKEN_PAGE):  # never an open redirect
            target = "/"
        response = Response(status_code=303, headers={"Location": target, **PAGE_HEADERS})
        response.set_cookie(
            _COOKIE, self._cookie_value(token), path="/", httponly=True, samesite="strict"
        )
        return response

    # Pages ----------------------------------------------------------------------------------
    async def overview(self, request: Request) -> Response:
        refusal = self._refusal(request)
        if refusal is not None:
            return refusal
        if not self._signed_in(request):
            return self._sign_in_page(request)
        issuer = issuer_of(self.ctx, request)
        faults = [fault.as_dict() for fault in await self.harness.all_faults()]
        return _page("inspector.html", **self._common(), **self._configuration(issuer, faults))

    async def token_page(self, request: Request) -> Response:
        refusal = self._refusal(request)
        if refusal is not None:
            return refusal
        if not self._signed_in(request):
            return self._sign_in_page(request)
        return _page("inspector_token.html", **self._common())

    async def script(self, request: Request) -> Response:
        headers = {**INSPECTOR_HEADERS, "Cache-Control": "no-cache"}
        return Response(_SCRIPT, headers=headers, media_type="text/javascript")

    # What the pages show --------------------------------------------------------------------
    def _common(self) -> dict[str, Any]:
        return {
            "script": SCRIPT_PATH,
            "token_page": TOKEN_PAGE,
            "admin_token": self.ctx.settings.server.admin_token or "",
        }

    def _configuration(self, issuer: str, faults: list[dict[str, Any]]) -> dict[str, Any]:
        state = self.ctx.state
        server = self.ctx.settings.server
        profiles = []
        for name, profile in state.profiles.items():
            paths = profile.paths
            urls = [
                ("authorization", paths.authorize),
                ("token", paths.token),
                ("revoke", paths.revoke),
                ("introspection", paths.introspect),
                ("userinfo", paths.userinfo),
                ("keys (JWKS)", paths.jwks),
                *(("discovery", path) for path in paths.metadata),
                ("API /v2/me", paths.me),
                ("API V4", paths.v4 + "/me" if paths.v4 else None),
            ]
            profiles.append(
                {
                    "name": name,
                    "default": name == self.ctx.profile_name,
                    "urls": [(label, issuer + path) for label, path in urls if path],
                }
            )
        clients = [
            self._client_row(client, issuer) for client in self.ctx.registry.clients.values()
        ]
        clock = self.ctx.clock
        return {
            "issuer": issuer,
            "server": server,
            "profiles": profiles,
            "clients": clients,
            "users": list(self.ctx.registry.users.values()),
            "faults": faults,
            "now": clock.now(),
            "now_text": time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(clock.now())),
            "frozen": clock.frozen,
            "endpoints": ("authorize", "token", "revoke", "introspect", "userinfo", "api"),
        }

    def _client_row(self, client: ClientConfig, issuer: str) -> dict[str, Any]:
        profile = self.ctx.state.profiles[client.profile]
        row: dict[str, Any] = {"client": client, "kind": _kind(client), "sign_in": None}
        if "authorization_code" in client.grant_types and client.known_redirect_uris:
            params = {
                "client_id": client.client_id,
                "response_type": "code",
                "redirect_uri": client.known_redirect_uris[0],
                "scope": " ".join(client.scopes),
                "state": "inspector-" + secrets.token_urlsafe(8),
            }
            if client.is_public or profile.require_pkce:
                # A fresh verifier, shown so it can be pasted into the token request.
                row["verifier"] = verifier = secrets.token_urlsafe(48)
                params |= {"code_challenge": s256_challenge(verifier)}
                params |= {"code_challenge_method": "S256"}
            row["sign_in"] = f"{issuer}{profile.paths.authorize}?{urlencode(params)}"
        return row
