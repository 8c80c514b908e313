"""What the engine needs from a request: form pairs (python-multipart via Starlette), the issuer."""

from __future__ import annotations

from python_multipart.exceptions import FormParserError
from starlette.formparsers import MultiPartException
from starlette.requests import Request

from mockserver.oauth.context import Context


async def read_form(request: Request) -> list[tuple[str, str]] | None:
    """The body's form fields, [] when the body is not a form, None when it cannot be parsed."""
    try:
        form = await request.form()
    except (MultiPartException, FormParserError, UnicodeDecodeError, ValueError):
        return None
    return [(name, value) for name, value in form.multi_items() if isinstance(value, str)]


def issuer_of(ctx: Context, request: Request) -> str:
    """The issuer: --issuer when set (behind a proxy), else this request's own origin."""
    configured = ctx.settings.server.issuer
    if configured:
        return configured.rstrip("/")
    return f"{request.url.scheme}://{request.url.netloc}"
