"""What the engine needs from a request: its form pairs and the issuer."""

from __future__ import annotations

from python_multipart.exceptions import FormParserError
from starlette.exceptions import HTTPException
from starlette.formparsers import MultiPartException
from starlette.requests import Request

from frameio_oauth_mock.mockserver.oauth.context import Context
from frameio_oauth_mock.mockserver.oauth.params import EndpointRequest

# Where the front (front.py) leaves the url-encoded body and the query it split on the way
# in, so the endpoints do not split them again.
PARSED_FORM_KEY = "frameio_mock.form"
PARSED_QUERY_KEY = "frameio_mock.query"


def query_pairs(request: Request) -> list[tuple[str, str]]:
    """The query string's (name, value) pairs."""
    parsed: list[tuple[str, str]] | None = request.scope.get(PARSED_QUERY_KEY)
    if parsed is not None:
        return parsed
    return request.query_params.multi_items()


async def read_form(request: Request) -> list[tuple[str, str]] | None:
    """The body's form fields, [] when the body is not a form, None when it cannot be parsed.

    A url-encoded body already parsed by the front is not parsed twice; anything else
    (multipart) goes through Starlette and python-multipart.
    """
    parsed: list[tuple[str, str]] | None = request.scope.get(PARSED_FORM_KEY)
    if parsed is not None:
        return parsed
    try:
        form = await request.form()
    # Starlette turns a malformed multipart body into HTTPException(400) inside an app.
    except (MultiPartException, FormParserError, UnicodeDecodeError, ValueError, HTTPException):
        return None
    return [(name, value) for name, value in form.multi_items() if isinstance(value, str)]


def header(request: Request, name: bytes) -> str | None:
    """The first value of header `name` (lower-case), as `request.headers.get` gives it,
    without building the Headers object (the token endpoint reads two on every request)."""
    for key, value in request.scope["headers"]:
        if key == name:
            return str(value.decode("latin-1"))
    return None


def issuer_of(ctx: Context, request: Request) -> str:
    """The issuer: --issuer when set (behind a proxy), else this request's own origin."""
    configured = ctx.settings.server.issuer
    if configured:
        return configured.rstrip("/")
    host = header(request, b"host")
    if not host:  # HTTP/1.0 without Host: fall back to the address the server listens on
        return f"{request.url.scheme}://{request.url.netloc}"
    return f"{request.scope.get('scheme', 'http')}://{host}"


async def endpoint_request(ctx: Context, request: Request) -> EndpointRequest:
    """What the token, revoke and introspect endpoints hand to the engine."""
    method: str = request.scope["method"]
    # fosite reads only the body (r.PostForm); profiles that want the query get it too.
    body = await read_form(request) if method == "POST" else []
    # Positional: one is made on every token request.
    return EndpointRequest(
        method,
        body,
        header(request, b"authorization"),
        query_pairs(request),
        issuer_of(ctx, request),
    )
