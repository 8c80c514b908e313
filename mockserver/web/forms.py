"""Reading form bodies (python-multipart through Starlette) as plain (name, value) pairs."""

from __future__ import annotations

from python_multipart.exceptions import FormParserError
from starlette.formparsers import MultiPartException
from starlette.requests import Request


async def read_form(request: Request) -> list[tuple[str, str]] | None:
    """The body's form fields, [] when the body is not a form, None when it cannot be parsed."""
    try:
        form = await request.form()
    except (MultiPartException, FormParserError, UnicodeDecodeError, ValueError):
        return None
    return [(name, value) for name, value in form.multi_items() if isinstance(value, str)]
