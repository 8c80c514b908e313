"""The floor for this stack: the least work an OAuth server can do on Starlette + uvicorn.

It answers the same requests as the mock in the benchmark (authorize, both token grants,
/health) with nothing but dictionary look-ups, one `secrets` call per credential, a
constant-time secret comparison and the PKCE hash. It validates nothing else, so no real
server can be cheaper; the benchmark reports the mock's cost as a ratio to this one.

    python -m uvicorn floor_app:app --app-dir benchmarks --port 8090
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

# The one confidential client the benchmark uses; any other client_id is treated as public.
CONFIDENTIAL = {"bench": "bench-secret"}

# code -> (client_id, code_challenge or ""); refresh token -> client_id.
_codes: dict[str, tuple[str, str]] = {}
_refresh_tokens: dict[str, str] = {}


async def health(request: Request) -> Response:
    return JSONResponse({"status": "ok"})


async def authorize(request: Request) -> Response:
    query = request.query_params
    code = secrets.token_urlsafe(32)
    _codes[code] = (query["client_id"], query.get("code_challenge", ""))
    target = f"{query['redirect_uri']}?code={code}&state={query['state']}"
    return RedirectResponse(target, status_code=302)


def _basic_client(request: Request) -> str | None:
    """The client_id of a correct HTTP Basic header, else None."""
    header = request.headers.get("authorization", "")
    if not header.startswith("Basic "):
        return None
    client_id, _, secret = base64.b64decode(header[6:]).decode().partition(":")
    expected = CONFIDENTIAL.get(client_id)
    if expected is None or not hmac.compare_digest(secret, expected):
        return None
    return client_id


def _s256(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def _tokens(client_id: str) -> Response:
    refresh_token = secrets.token_urlsafe(32)
    _refresh_tokens[refresh_token] = client_id
    body = {
        "access_token": secrets.token_urlsafe(32),
        "expires_in": 3600,
        "refresh_token": refresh_token,
        "token_type": "bearer",
    }
    return JSONResponse(body)


def _invalid_grant() -> Response:
    return JSONResponse({"error": "invalid_grant"}, status_code=400)


async def token(request: Request) -> Response:
    form = await request.form()
    client_id = _basic_client(request)
    if client_id is None:
        client_id = str(form.get("client_id", ""))
        if client_id in CONFIDENTIAL:  # a confidential client must authenticate
            return JSONResponse({"error": "invalid_client"}, status_code=401)
    if form.get("grant_type") == "refresh_token":
        if _refresh_tokens.pop(str(form.get("refresh_token")), None) != client_id:
            return _invalid_grant()
        return _tokens(client_id)
    issued_to, challenge = _codes.pop(str(form.get("code")), ("", ""))
    if issued_to != client_id:
        return _invalid_grant()
    if challenge and _s256(str(form.get("code_verifier", ""))) != challenge:
        return _invalid_grant()
    return _tokens(client_id)


app = Starlette(
    routes=[
        Route("/health", health),
        Route("/oauth2/auth", authorize),
        Route("/oauth2/token", token, methods=["POST"]),
    ]
)
