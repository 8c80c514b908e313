"""Redaction of evidence: no secret, code or token leaves a run in clear text.

Secrets become the request log's stable fingerprints (`redacted:<12 hex>`), so a reader can
still see that a request reused the code an earlier one received, without seeing the code.
Two nets catch them: parameter and JSON member names that hold secrets, and the literal
secret values the run knows (client secrets, the test user's password) wherever they appear.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Iterable
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from frameio_oauth_mock.mockserver.requestlog import SECRET_HEADERS, SECRET_PARAMETERS, fingerprint

# Response headers that may carry a secret besides the request's credential headers.
_SECRET_RESPONSE_HEADERS = frozenset(["set-cookie"])
_MIN_SECRET_LENGTH = 4  # shorter literals would blank out ordinary words
# Parameters that are never secret, whatever literal secret they happen to contain.
_PUBLIC_PARAMETERS = frozenset(["client_id", "response_type", "grant_type", "token_type_hint"])
# Values the suite makes up ("conformance-invalid-code") are evidence, not credentials.
MADE_UP_PREFIX = "conformance-"


def _secret_value(name: str, value: str) -> bool:
    return name in SECRET_PARAMETERS and bool(value) and not value.startswith(MADE_UP_PREFIX)


class Redactor:
    def __init__(self, secrets: Iterable[str] = (), public: Iterable[str] = ()) -> None:
        # Values shown as they are even if a secret equals them (client ids).
        self._public = frozenset(public)
        self._secrets: set[str] = set()
        for secret in secrets:
            self.add(secret)

    def add(self, secret: str | None) -> None:
        """Also hide this literal value wherever it appears (e.g. a token a check received)."""
        if (
            secret
            and len(secret) >= _MIN_SECRET_LENGTH
            and secret not in self._public
            and not secret.startswith(MADE_UP_PREFIX)
        ):
            self._secrets.add(secret)

    def text(self, text: str) -> str:
        # Longest first, so a secret containing another is replaced whole.
        for secret in sorted(self._secrets, key=len, reverse=True):
            if secret in text:
                text = text.replace(secret, fingerprint(secret))
        return text

    def pairs(self, pairs: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
        return [
            (
                name,
                value
                if name in _PUBLIC_PARAMETERS
                else fingerprint(value)
                if _secret_value(name, value)
                else self.text(value),
            )
            for name, value in pairs
        ]

    def form(self, body: str) -> str:
        """An application/x-www-form-urlencoded body, shown decoded-then-reencoded."""
        pairs = parse_qsl(body, keep_blank_values=True)
        return urlencode(self.pairs(pairs), safe=":/ ")

    def url(self, url: str) -> str:
        parts = urlsplit(url)
        netloc = parts.netloc
        if "@" in netloc:  # userinfo may carry a password
            userinfo, _, host = netloc.rpartition("@")
            netloc = f"{self.text(userinfo)}@{host}"
        query = self.form(parts.query) if parts.query else ""
        fragment = self.form(parts.fragment) if "=" in parts.fragment else parts.fragment
        return urlunsplit((parts.scheme, netloc, parts.path, query, fragment))

    def header(self, name: str, value: str) -> str:
        lowered = name.lower()
        if lowered == "location" or lowered == "content-location":
            return self.url(value)
        if lowered == "authorization" and value[:6].lower() == "basic ":
            return "Basic " + self._basic(value[6:])
        if lowered in SECRET_HEADERS:
            scheme, _, credentials = value.partition(" ")
            if credentials and lowered != "cookie":
                return f"{scheme} {fingerprint(credentials)}"
            return fingerprint(value)
        if lowered in _SECRET_RESPONSE_HEADERS:
            cookie, _, attributes = value.partition(";")
            cookie_name, _, cookie_value = cookie.partition("=")
            return f"{cookie_name}={fingerprint(cookie_value)};{attributes}"
        return self.text(value)

    def _basic(self, credentials: str) -> str:
        # Show the client id (useful evidence), never the secret.
        try:
            decoded = base64.b64decode(credentials, validate=True).decode("utf-8", "replace")
        except (binascii.Error, ValueError):
            return fingerprint(credentials)
        client_id, colon, secret = decoded.partition(":")
        if not colon:
            return fingerprint(credentials)
        shown_secret = fingerprint(secret) if secret else "(empty)"
        return f"<{self.text(client_id)}:{shown_secret}>"

    def json_text(self, text: str) -> str | None:
        """A JSON body with secret members fingerprinted, or None if it is not JSON."""
        try:
            document = json.loads(text)
        except ValueError:
            return None
        return json.dumps(self._json(document), ensure_ascii=False)

    def _json(self, value: Any) -> Any:
        if isinstance(value, dict):
            return {
                key: (
                    fingerprint(item)
                    if isinstance(item, str) and _secret_value(key, item)
                    else self._json(item)
                )
                for key, item in value.items()
            }
        if isinstance(value, list):
            return [self._json(item) for item in value]
        if isinstance(value, str):
            return self.text(value)
        return value

    def body(self, text: str, content_type: str) -> str:
        kind = content_type.split(";", 1)[0].strip().lower()
        if kind == "application/x-www-form-urlencoded":
            return self.form(text)
        if "json" in kind or text.lstrip().startswith(("{", "[")):
            redacted = self.json_text(text)
            if redacted is not None:
                return redacted
        return _hide_html_values(self.text(text)) if "html" in kind else self.text(text)


# Hidden form fields (CSRF tokens, login challenges) are credentials of the login session.
_HIDDEN_VALUE = re.compile(
    r"""(<input\b[^>]*\btype\s*=\s*["']?hidden["']?[^>]*\bvalue\s*=\s*)(["'])(.*?)\2""",
    re.IGNORECASE | re.DOTALL,
)


def _hide_html_values(html: str) -> str:
    return _HIDDEN_VALUE.sub(lambda m: f"{m[1]}{m[2]}{fingerprint(m[3])}{m[2]}", html)
