"""One log line for every refused request, saying why, and for every dropped connection.

When an answer refused its request (the request log's entry holds its OAuth error, from an
error redirect or a JSON error; else the harness's `AnswerWatch` finds it in a
`WWW-Authenticate` challenge or the error page), one line goes to the `frameio_mock` logger at
info level:

    refused POST /oauth2/token (client demo-app): invalid_grant: The provided authorization ...

Only the method, path, client_id, error code and description are written: never a query, form,
header, code or token. The description is the server's own text (it names parameters, never
their secret values).
"""

from __future__ import annotations

import contextvars
import html
import logging
import re
from collections.abc import MutableMapping
from typing import Any

from frameio_oauth_mock.mockserver.requestlog import LoggedRequest

logger = logging.getLogger("frameio_mock")

# The error page's two fields (templates/error.html). Left to re's cache, compiled on first
# use: only a refusal logged at level info reads them, and every start-up would pay for them.
_PAGE_ERROR = rb'<code id="error">(.*?)</code>'
_PAGE_DESCRIPTION = rb'<dd id="error_description">(.*?)</dd>'
_CHALLENGE_PARAM = r'(error|error_description)="([^"]*)"'
_MAX_BODY = 64 * 1024  # error answers are small; never buffer more than this

# True while a `drop` fault sends the start of an answer it will not finish, so uvicorn's
# access log (written as the answer starts) does not report it as a 200.
dropping: contextvars.ContextVar[bool] = contextvars.ContextVar("dropping", default=False)


class _HideDroppedAnswers(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return not dropping.get()


logging.getLogger("uvicorn.access").addFilter(_HideDroppedAnswers())


def enabled() -> bool:
    return logger.isEnabledFor(logging.INFO)


class AnswerWatch:
    """What the request log does not extract from an answer: the `WWW-Authenticate` challenge
    and the error page (the log already holds the error of JSON answers and redirects)."""

    def __init__(self) -> None:
        self.status = 0
        self.challenge = ""
        self.page: list[bytes] = []
        self.size = 0

    def see(self, message: MutableMapping[str, Any]) -> None:
        if message["type"] == "http.response.start":
            self.status = message["status"]
            for name, value in message.get("headers", []):
                if name.lower() == b"www-authenticate":
                    self.challenge = value.decode("latin-1")
        elif message["type"] == "http.response.body" and self.status >= 400:
            chunk = message.get("body", b"")
            if self.size + len(chunk) <= _MAX_BODY:
                self.page.append(chunk)
                self.size += len(chunk)

    def challenge_error(self) -> tuple[str, str] | None:
        return _from_challenge(self.challenge) if self.status >= 400 else None

    def page_error(self) -> tuple[str, str] | None:
        return _from_page(b"".join(self.page)) if self.status >= 400 else None


def _from_challenge(challenge: str) -> tuple[str, str] | None:
    found = dict(re.findall(_CHALLENGE_PARAM, challenge))
    if "error" not in found:
        return None
    return found["error"], found.get("error_description", "")


def _from_page(body: bytes) -> tuple[str, str] | None:
    error = re.search(_PAGE_ERROR, body)
    if error is None:
        return None
    description = re.search(_PAGE_DESCRIPTION, body, re.DOTALL)
    text = description.group(1).decode("utf-8", "replace") if description else ""
    return html.unescape(error.group(1).decode("utf-8", "replace")), html.unescape(text.strip())


def _who(method: str, path: str, client_id: str | None) -> str:
    return f"{method} {path}" + (f" (client {client_id})" if client_id else "")


def log_refusal(entry: LoggedRequest, watch: AnswerWatch) -> None:
    """Log `entry` if its answer refused the request."""
    # A Bearer challenge names the OAuth error even where the body has the API's own shape.
    found = watch.challenge_error()
    if found is None and entry.error:
        found = entry.error, entry.error_description or ""
    found = found or watch.page_error()
    if found is None:
        return
    error, description = found
    cause = f" [fault {entry.fault}]" if entry.fault is not None else ""
    separator = ": " if description else ""
    logger.info(
        "refused %s%s: %s%s%s",
        _who(entry.method, entry.path, entry.client_id),
        cause,
        error,
        separator,
        " ".join(description.split()),  # one line, whatever the description holds
    )


def log_dropped(entry: LoggedRequest, fault: int) -> None:
    who = _who(entry.method, entry.path, entry.client_id)
    logger.info("dropped %s: connection closed mid-answer [fault %d]", who, fault)
