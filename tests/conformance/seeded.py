"""A small, honest OAuth 2 authorization server (Starlette) into which one flaw at a time can
be seeded, to prove the server suite convicts: every flaw must turn its check into a fail
(or, for the ones about operating pages, be got through), and the honest server must pass.

Not a model of any real server; just enough of RFC 6749 / 7636 / 7009 / 6750: login and
consent pages with CSRF tokens, codes bound to client, redirect URI and S256 challenge,
single use, refresh rotation, Basic or client_secret_post as registered, revocation, and a
Bearer-protected /me.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import secrets
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from html import escape
from pathlib import Path
from typing import Any
from urllib.parse import unquote_plus, urlencode

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from frameio_oauth_mock.mockserver.serving import (
    NotifyingServer,
    bind_socket,
    socket_url,
    uvicorn_config,
)

REDIRECT = "https://client.example/cb"
USERNAME, PASSWORD = "alice", "wonderland-password"
CLIENTS = {
    "app": ("app-secret-value-0123456789", "client_secret_basic"),
    "other": ("other-secret-value-0123456789", "client_secret_basic"),
    "poster": ("poster-secret-value-0123456789", "client_secret_post"),
    "public": (None, "none"),
    "special": ("s3 cr:t+%&/-0123456789-special", "client_secret_basic"),  # for S33
}
SCOPES = frozenset(["read", "write"])
# The one flaw each seeded server has (Flaws field names), and the honest server.
FLAWS = (
    "code_race",  # a window between "is the code used?" and "mark it used"
    "refresh_race",  # the same window for refresh tokens
    "no_pkce_check",  # the verifier is never compared with the challenge
    "redirect_prefix",  # redirect_uri matched by prefix, not exactly
    "token_in_query",  # /me also accepts ?access_token=
    "auth_method_confusion",  # any client authentication method, whatever is registered
    "consent_by_challenge",  # the consent form is keyed by the attacker's code_challenge
    "bearer_challenge",  # a 401 after Basic names the Bearer scheme
    "login_fails",  # no password is ever accepted
    "verifier_of_any_code",  # a verifier matching any challenge this client sent is taken
    "revoke_foreign",  # the revocation endpoint revokes other clients' tokens too
    "codes_never_expire",  # a code works however old it is
    "any_secret",  # client secrets are never compared
)
# Not flaws of the kind a check convicts: shapes the suite must operate or grade consistently.
SHAPES = (
    "checkbox_consent",
    "deny_link",
    "no_deny",
    "interstitial",
    "require_nonce",
    "empty_errors",
    "scope_denied",
    "resource_error",
    "public_no_refresh",
    "crash_without_redirect_uri",
)


@dataclass(frozen=True)
class Flaws:
    code_race: bool = False
    refresh_race: bool = False
    race_every: int = 1  # the race window opens for every n-th code only
    no_pkce_check: bool = False
    redirect_prefix: bool = False
    token_in_query: bool = False
    auth_method_confusion: bool = False
    consent_by_challenge: bool = False
    bearer_challenge: bool = False
    login_fails: bool = False
    verifier_of_any_code: bool = False
    revoke_foreign: bool = False
    codes_never_expire: bool = False
    any_secret: bool = False
    code_lifetime: float = 60.0  # seconds a code lives (unless codes_never_expire)
    # With code_race: a reuse revokes only the tokens of the last redemption, as a server
    # that records one token per code would (the other winners' tokens live on).
    race_forgets_tokens: bool = False
    checkbox_consent: bool = False  # consent needs a "confirm" checkbox ticked
    deny_link: bool = False  # refusing is a "Cancel" link, not a button
    no_deny: bool = False  # the consent page offers no way to refuse
    # A page between login and consent: "script" submits itself (as form_post pages do),
    # "button" is a form of hidden fields with a button no driver can know the meaning of.
    interstitial: str = ""
    require_nonce: bool = False  # authorization requests without a nonce are refused
    empty_errors: bool = False  # invalid_grant is a 400 with an empty body
    scope_denied: bool = False  # an unknown scope is answered access_denied
    resource_error: str = ""  # the error /me names in its challenges instead of RFC 6750's
    public_no_refresh: bool = False  # the public client's refresh tokens are refused
    # No redirect_uri: the consent page is shown all the same, and its POST answers 500
    # with a page of its own form (a debugger's PIN prompt), as oidc-provider-mock does.
    crash_without_redirect_uri: bool = False


RACE_WINDOW = 0.2  # seconds between the check and the update when a race is seeded


@dataclass
class State:
    pending: dict[str, dict[str, str]] = field(default_factory=dict)
    sessions: set[str] = field(default_factory=set)
    codes: dict[str, dict[str, Any]] = field(default_factory=dict)
    access: dict[str, dict[str, Any]] = field(default_factory=dict)
    refresh: dict[str, dict[str, Any]] = field(default_factory=dict)
    issued_codes: int = 0


def _page(body: str, status: int = 200) -> HTMLResponse:
    html = f"<!doctype html><html><body>{body}</body></html>"
    headers = {"X-Frame-Options": "DENY", "Referrer-Policy": "no-referrer"}
    return HTMLResponse(html, status, headers=headers)


def _hidden(name: str, value: str) -> str:
    return f'<input type="hidden" name="{escape(name)}" value="{escape(value)}">'


def _tokens(body: dict[str, Any]) -> JSONResponse:
    # Only responses with tokens get Cache-Control: no-store (RFC 6749 5.1 asks it of those);
    # errors go without on purpose, and S49 must not fail a server for that.
    return JSONResponse(body, headers={"Cache-Control": "no-store", "Pragma": "no-cache"})


def make_app(flaws: Flaws = Flaws()) -> Starlette:
    state = State()

    def _error(error: str, status: int = 400, headers: dict[str, str] | None = None) -> Response:
        if flaws.empty_errors and error == "invalid_grant":
            return Response(status_code=400)
        return JSONResponse({"error": error}, status, headers=headers)

    def with_state(params: dict[str, str], values: dict[str, str]) -> str:
        if "state" in params:  # echoed only when sent
            values["state"] = params["state"]
        return urlencode(values)

    def redirect_error(params: dict[str, str], error: str) -> Response:
        query = with_state(params, {"error": error})
        return RedirectResponse(f"{params['redirect_uri']}?{query}", 303)

    def redirect_ok(redirect_uri: str) -> bool:
        if flaws.redirect_prefix:
            return redirect_uri.startswith(REDIRECT)
        return redirect_uri == REDIRECT

    async def metadata(request: Request) -> Response:
        base = str(request.base_url).rstrip("/")
        return JSONResponse(
            {
                "issuer": base,
                "authorization_endpoint": f"{base}/authorize",
                "token_endpoint": f"{base}/token",
                "revocation_endpoint": f"{base}/revoke",
                "response_types_supported": ["code"],
                "grant_types_supported": ["authorization_code", "refresh_token"],
                "code_challenge_methods_supported": ["S256"],
                "token_endpoint_auth_methods_supported": [
                    "client_secret_basic",
                    "client_secret_post",
                    "none",
                ],
            }
        )

    async def authorize(request: Request) -> Response:
        items = request.query_params.multi_items()
        names = [name for name, _ in items]
        params = {name: value for name, value in items if value != ""}
        if params.get("client_id") not in CLIENTS:
            return _page("<p>Unknown client.</p>", 400)
        if "redirect_uri" not in params and flaws.crash_without_redirect_uri:
            params["crash"] = "yes"
        redirect_uri = params.setdefault("redirect_uri", REDIRECT)
        if not redirect_ok(redirect_uri) or names.count("redirect_uri") > 1:
            return _page("<p>Invalid redirect_uri.</p>", 400)
        if len(set(names)) != len(names):
            return redirect_error(params, "invalid_request")
        if params.get("response_type") != "code":
            return redirect_error(params, "unsupported_response_type")
        if not set(params.get("scope", "read").split()) <= SCOPES:
            return redirect_error(
                params, "access_denied" if flaws.scope_denied else "invalid_scope"
            )
        if flaws.require_nonce and not params.get("nonce"):
            return redirect_error(params, "invalid_request")
        if not params.get("code_challenge") or params.get("code_challenge_method") != "S256":
            return redirect_error(params, "invalid_request")
        request_id = secrets.token_urlsafe(24)
        state.pending[request_id] = params
        if request.cookies.get("session") in state.sessions:
            return RedirectResponse(after_login(request_id), 303)
        return login_page(request_id)

    def login_page(request_id: str) -> Response:
        csrf = secrets.token_urlsafe(24)
        response = _page(
            f'<form method="post" action="/login">{_hidden("rid", request_id)}'
            f"{_hidden('csrf_token', csrf)}"
            '<input type="text" name="username"><input type="password" name="password">'
            '<button type="submit">Sign in</button></form>'
        )
        response.set_cookie("login_csrf", csrf, httponly=True, samesite="lax")
        return response

    async def login(request: Request) -> Response:
        form = await request.form()
        request_id = str(form.get("rid", ""))
        if request_id not in state.pending:
            return _page("<p>Unknown request.</p>", 400)
        if not hmac.compare_digest(
            str(form.get("csrf_token", "")), request.cookies.get("login_csrf", "")
        ):
            return _page("<p>Forbidden.</p>", 403)
        right = form.get("username") == USERNAME and form.get("password") == PASSWORD
        if flaws.login_fails or not right:
            return login_page(request_id)
        session = secrets.token_urlsafe(24)
        state.sessions.add(session)
        response = RedirectResponse(after_login(request_id), 303)
        response.set_cookie("session", session, httponly=True, samesite="lax")
        return response

    def after_login(request_id: str) -> str:
        return f"/{'step' if flaws.interstitial else 'consent'}?rid={request_id}"

    async def step(request: Request) -> Response:
        request_id = request.query_params.get("rid", "")
        script = "<script>document.forms[0].submit()</script>"
        return _page(
            f'<form method="get" action="/consent">{_hidden("rid", request_id)}'
            '<button type="submit">Next step</button></form>'
            f"{script if flaws.interstitial == 'script' else ''}"
        )

    async def consent(request: Request) -> Response:
        request_id = request.query_params.get("rid", "")
        params = state.pending.get(request_id)
        if params is None or request.cookies.get("session") not in state.sessions:
            return _page("<p>Unknown request.</p>", 400)
        if flaws.consent_by_challenge:
            # The flaw: every field is one the attacker chose; no session-bound token.
            fields = "".join(
                _hidden(name, params[name])
                for name in ("client_id", "state", "code_challenge")
                if name in params
            )
            response = _page(
                f'<form method="post" action="/decide">{fields}'
                '<button type="submit" name="decision" value="allow">Allow</button>'
                '<button type="submit" name="decision" value="deny">Deny</button></form>'
            )
            response.set_cookie("session", request.cookies["session"], samesite=None)
            return response
        csrf = secrets.token_urlsafe(24)
        params["csrf"] = csrf
        confirm = (
            '<label><input type="checkbox" name="confirm" value="yes"> I trust this app</label>'
            if flaws.checkbox_consent
            else ""
        )
        deny = (
            f'<a href="/decide?rid={request_id}&amp;decision=deny">Cancel</a>'
            if flaws.deny_link
            else '<button type="submit" name="decision" value="deny">Deny</button>'
        )
        if flaws.no_deny:
            deny = ""
        return _page(
            f"<p>Let {escape(params['client_id'])} read your data?</p>"
            f'<form method="post" action="/decide">{_hidden("rid", request_id)}'
            f"{_hidden('csrf_token', csrf)}{confirm}"
            '<button type="submit" name="decision" value="allow">Allow</button>'
            f"{'' if flaws.deny_link else deny}</form>{deny if flaws.deny_link else ''}"
        )

    async def decide(request: Request) -> Response:
        form = dict(await request.form()) if request.method == "POST" else {}
        values = {**dict(request.query_params), **{k: str(v) for k, v in form.items()}}
        if request.cookies.get("session") not in state.sessions:
            return _page("<p>Log in first.</p>", 400)
        if flaws.consent_by_challenge:
            found = [
                (rid, p)
                for rid, p in state.pending.items()
                if p.get("code_challenge") == values.get("code_challenge")
            ]
            if not found:
                return _page("<p>Unknown request.</p>", 400)
            request_id, params = found[-1]
        else:
            request_id = values.get("rid", "")
            params = state.pending.get(request_id, {})
            if not params:
                return _page("<p>Unknown request.</p>", 400)
            link_deny = flaws.deny_link and request.method == "GET"
            if not link_deny and not hmac.compare_digest(
                values.get("csrf_token", ""), params.get("csrf", "")
            ):
                return _page("<p>Forbidden.</p>", 403)
        state.pending.pop(request_id, None)
        if params.get("crash"):
            return _page(
                '<h1>AssertionError</h1><form action="" method="get"><input name="pin">'
                '<button name="btn" value="Confirm Pin">Confirm Pin</button></form>',
                500,
            )
        allowed = values.get("decision") == "allow" and request.method == "POST"
        if flaws.checkbox_consent and values.get("confirm") != "yes":
            allowed = False
        if not allowed:
            return redirect_error(params, "access_denied")
        state.issued_codes += 1
        code = secrets.token_urlsafe(32)
        state.codes[code] = {
            **params,
            "used": False,
            "racy": state.issued_codes % flaws.race_every == 0,
            "issued_at": time.monotonic(),
            "tokens": [],
        }
        query = with_state(params, {"code": code})
        return RedirectResponse(f"{params['redirect_uri']}?{query}", 303)

    def authenticate(request: Request, form: dict[str, str]) -> str | Response:
        """The client's id, or the error response (RFC 6749 2.3.1, 5.2)."""
        header = request.headers.get("authorization", "")
        if "client_secret" in request.query_params or "client_secret=" in str(request.url):
            return _error("invalid_request")
        used_basic = header.lower().startswith("basic ")
        scheme = "Bearer" if flaws.bearer_challenge else 'Basic realm="seeded"'
        unauthorized = _error("invalid_client", 401, {"WWW-Authenticate": scheme})
        if used_basic and "client_secret" in form:
            return _error("invalid_request")
        if used_basic:
            try:
                raw = base64.b64decode(header[6:]).decode()
            except ValueError:
                return unauthorized
            client_id, _, secret = raw.partition(":")
            client_id, secret, method = unquote_plus(client_id), unquote_plus(secret), "basic"
        elif "client_secret" in form:
            client_id, secret, method = form.get("client_id", ""), form["client_secret"], "post"
        else:
            client_id, secret, method = form.get("client_id", ""), "", "none"
        registered = CLIENTS.get(client_id)
        if registered is None:
            return _error("invalid_client", 401 if used_basic else 400)
        expected, registered_method = registered
        if expected is None:
            return client_id if method == "none" else _error("invalid_client")
        right_method = registered_method == f"client_secret_{method}"
        if method == "none" or not (right_method or flaws.auth_method_confusion):
            return unauthorized if used_basic else _error("invalid_client")
        if not flaws.any_secret and not hmac.compare_digest(secret.encode(), expected.encode()):
            return unauthorized if used_basic else _error("invalid_client")
        return client_id

    def issue(
        client_id: str, scope: str, origin: list[str] | None = None, family: str = ""
    ) -> JSONResponse:
        access, refresh = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
        family = family or refresh
        state.access[access] = {"client_id": client_id, "family": family}
        state.refresh[refresh] = {
            "client_id": client_id,
            "scope": scope,
            "used": False,
            "family": family,
        }
        if origin is not None:
            origin.extend([access, refresh])
        return _tokens(
            {
                "access_token": access,
                "token_type": "Bearer",
                "expires_in": 600,
                "refresh_token": refresh,
                "scope": scope,
            }
        )

    async def token(request: Request) -> Response:
        if request.method != "POST":
            return _error("invalid_request", 405)
        body = (await request.body()).decode()
        pairs = [tuple(part.split("=", 1)) for part in body.split("&") if "=" in part]
        names = [name for name, _ in pairs]
        if len(set(names)) != len(names):
            return _error("invalid_request")
        form = {name: unquote_plus(value) for name, value in pairs}
        client_id = authenticate(request, form)
        if isinstance(client_id, Response):
            return client_id
        grant = form.get("grant_type")
        if grant == "authorization_code":
            return await redeem(client_id, form)
        if grant == "refresh_token":
            return await rotate(client_id, form)
        return _error("invalid_request" if grant is None else "unsupported_grant_type")

    async def redeem(client_id: str, form: dict[str, str]) -> Response:
        if "code" not in form:
            return _error("invalid_request")
        grant = state.codes.get(form["code"])
        if grant is None or grant["client_id"] != client_id:
            return _error("invalid_grant")
        if grant["used"]:
            for value in grant["tokens"]:  # reuse: revoke what the code gave
                state.access.pop(value, None)
                state.refresh.pop(value, None)
            return _error("invalid_grant")
        if flaws.code_race and grant["racy"]:
            await asyncio.sleep(RACE_WINDOW)
        grant["used"] = True
        if not flaws.codes_never_expire and time.monotonic() - grant["issued_at"] > (
            flaws.code_lifetime
        ):
            return _error("invalid_grant")
        if form.get("redirect_uri") != grant["redirect_uri"]:
            return _error("invalid_grant")
        verifier = form.get("code_verifier", "")
        digest = hashlib.sha256(verifier.encode()).digest()
        challenge = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
        syntax = (
            43 <= len(verifier) <= 128
            and verifier.replace("-", "")
            .replace("_", "")
            .replace(".", "")
            .replace("~", "")
            .isalnum()
        )
        challenges = {grant["code_challenge"]}
        if flaws.verifier_of_any_code:
            challenges = {g["code_challenge"] for g in state.codes.values()}
        if not flaws.no_pkce_check and not (syntax and challenge in challenges):
            return _error("invalid_grant")
        if flaws.race_forgets_tokens:
            grant["tokens"].clear()
        return issue(client_id, grant.get("scope", "read"), grant["tokens"])

    async def rotate(client_id: str, form: dict[str, str]) -> Response:
        if flaws.public_no_refresh and CLIENTS[client_id][1] == "none":
            return _error("invalid_client")
        grant = state.refresh.get(form.get("refresh_token", ""))
        if grant is None or grant["client_id"] != client_id:
            return _error("invalid_grant")
        if grant["used"]:  # a replayed rotated token: revoke its whole family
            for table in (state.access, state.refresh):
                for value in [v for v, row in table.items() if row["family"] == grant["family"]]:
                    del table[value]
            return _error("invalid_grant")
        if flaws.refresh_race:
            await asyncio.sleep(RACE_WINDOW)
        requested = set(form.get("scope", grant["scope"]).split())
        if not requested <= set(grant["scope"].split()):
            return _error("invalid_scope")
        grant["used"] = True
        return issue(client_id, grant["scope"], family=grant["family"])

    async def revoke(request: Request) -> Response:
        form = {k: str(v) for k, v in (await request.form()).items()}
        client_id = authenticate(request, form)
        if isinstance(client_id, Response):
            return client_id
        value = form.get("token", "")
        for table in (state.access, state.refresh):
            if value in table and (flaws.revoke_foreign or table[value]["client_id"] == client_id):
                del table[value]
        return Response(status_code=200)

    async def me(request: Request) -> Response:
        header = request.headers.get("authorization", "")
        value = header[7:] if header.lower().startswith("bearer ") else ""
        if not value and flaws.token_in_query:
            value = request.query_params.get("access_token", "")
        wrong = f', error="{flaws.resource_error}"' if flaws.resource_error else ""
        if not value:
            challenge = f'Bearer realm="me"{wrong}'
            return Response(status_code=401, headers={"WWW-Authenticate": challenge})
        if value not in state.access:
            challenge = f'Bearer realm="me", error="{flaws.resource_error or "invalid_token"}"'
            return Response(status_code=401, headers={"WWW-Authenticate": challenge})
        return JSONResponse({"sub": USERNAME})

    return Starlette(
        routes=[
            Route("/.well-known/oauth-authorization-server", metadata),
            Route("/authorize", authorize),
            Route("/login", login, methods=["POST"]),
            Route("/step", step),
            Route("/consent", consent),
            Route("/decide", decide, methods=["GET", "POST"]),
            Route("/token", token, methods=["GET", "POST"]),
            Route("/revoke", revoke, methods=["POST"]),
            Route("/me", me),
        ]
    )


@contextmanager
def running(app: Starlette) -> Iterator[str]:
    """The app on uvicorn on a free loopback port; yields its base URL."""
    sock = bind_socket("127.0.0.1", 0)
    ready = threading.Event()
    server = NotifyingServer(uvicorn_config(app, "warning"), on_ready=ready.set)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    assert ready.wait(10)
    try:
        yield socket_url(sock)
    finally:
        server.should_exit = True
        thread.join(10)


DEFAULT_OPTIONS = {
    "code_reuse_delay": "0.1",
    "entropy_samples": "4",
    "race_requests": "5",
    "race_rounds": "3",
    "brute_force_attempts": "2",
}


def target_toml(
    url: str,
    options: dict[str, str] | None = None,
    extra: str = "",
    redirect_uris: tuple[str, ...] = (REDIRECT,),
) -> str:
    """The target file for a seeded server at `url`; `options` override [options] values
    (TOML literals)."""
    clients = []
    uris = ", ".join(f'"{uri}"' for uri in redirect_uris)
    for client_id, (secret, method) in CLIENTS.items():
        lines = [
            "[[clients]]",
            f'client_id = "{client_id}"',
            f"redirect_uris = [{uris}]",
            'scope = "read"',
            'extra_scope = "write"',
            f'auth_method = "{method}"',
        ]
        if secret:
            lines.append(f'client_secret = "{secret}"')
        clients.append("\n".join(lines))
    chosen = {**DEFAULT_OPTIONS, **(options or {})}
    return "\n\n".join(
        [
            f'issuer = "{url}"',
            f'[endpoints]\nresource = "{url}/me"',
            *clients,
            f'[user]\nusername = "{USERNAME}"\npassword = "{PASSWORD}"',
            '[login]\nstrategy = "form"',
            "[options]\n" + "".join(f"{key} = {value}\n" for key, value in chosen.items()),
            extra,
        ]
    )


@contextmanager
def seeded(
    tmp_path: Path,
    flaws: Flaws = Flaws(),
    options: dict[str, str] | None = None,
    extra: str = "",
    redirect_uris: tuple[str, ...] = (REDIRECT,),
) -> Iterator[Path]:
    """A seeded server running, and the path of a target file for it (`extra`: more TOML;
    `redirect_uris`: what the target says each client registered)."""
    with running(make_app(flaws)) as url:
        path = tmp_path / "seeded-target.toml"
        path.write_text(target_toml(url, options, extra, redirect_uris), encoding="utf-8")
        yield path
