"""Reading the mock's request log: parameters, client authentication, issued codes, evidence.

The log holds no secret (codes, tokens, verifiers and client secrets are fingerprints), so
everything here compares fingerprints; evidence is built from log entries, passed once more
through a Redactor that knows the run's client secrets in case a client put one somewhere the
log does not expect.
"""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urlsplit

from frameio_oauth_mock.conformance.model import Exchange, Message
from frameio_oauth_mock.conformance.redact import Redactor
from frameio_oauth_mock.mockserver.requestlog import LoggedRequest, Params

FORM_TYPE = "application/x-www-form-urlencoded"
_SHOWN_HEADERS = ("authorization", "content-type")


def param(params: Params, name: str) -> str | None:
    """One parameter's value (the first, if it was repeated)."""
    value = params.get(name)
    if isinstance(value, list):
        return value[0] if value else None
    return value


def repeated(params: Params, name: str) -> bool:
    return isinstance(params.get(name), list)


def code_in_location(entry: LoggedRequest) -> str | None:
    """The fingerprint of the code an authorization response handed out."""
    if not entry.location:
        return None
    pairs = dict(parse_qsl(urlsplit(entry.location).query, keep_blank_values=True))
    return pairs.get("code")


def auth_methods(entry: LoggedRequest) -> list[str]:
    """The client authentication methods one token request used (RFC 6749 2.3)."""
    methods = []
    authorization = entry.headers.get("authorization", "")
    if authorization[:6].lower() == "basic ":
        methods.append("client_secret_basic")
    if param(entry.form, "client_secret") is not None:
        methods.append("client_secret_post")
    if param(entry.form, "client_assertion") is not None:
        methods.append("private_key_jwt")
    return methods


def bearer(entry: LoggedRequest) -> str | None:
    """The (fingerprinted) token of an Authorization: Bearer header."""
    scheme, _, token = entry.headers.get("authorization", "").partition(" ")
    return token if scheme.lower() == "bearer" and token else None


def content_type(entry: LoggedRequest) -> str:
    return entry.headers.get("content-type", "").split(";", 1)[0].strip().lower()


def answered(entry: LoggedRequest) -> bool:
    """Answered by the mock itself, not by a scripted fault standing in for it."""
    return entry.fault is None or bool(entry.issued)


def _flat(params: Params) -> list[tuple[str, str]]:
    pairs: list[tuple[str, str]] = []
    for name, value in params.items():
        pairs += [(name, item) for item in (value if isinstance(value, list) else [value])]
    return pairs


def evidence(entry: LoggedRequest, redactor: Redactor, note: str = "") -> Exchange:
    query = urlencode(_flat(entry.query), safe=":/ ")
    start = f"{entry.method} {entry.path}" + (f"?{query}" if query else "")
    headers = tuple(
        (name, redactor.text(entry.headers[name]))
        for name in _SHOWN_HEADERS
        if name in entry.headers
    )
    body = urlencode(_flat(entry.form), safe=":/ ") if entry.form else ""
    request = Message(redactor.text(start), headers, redactor.text(body))
    answer = []
    if entry.error:
        said = f": {entry.error_description}" if entry.error_description else ""
        answer.append(f"error: {entry.error}{said}")
    if entry.issued:
        answer.append("issued: " + ", ".join(f"{k}={v}" for k, v in sorted(entry.issued.items())))
    if entry.fault is not None:
        answer.append(f"(answered by scripted fault #{entry.fault})")
    location = (("location", redactor.text(entry.location)),) if entry.location else ()
    response = Message(f"HTTP {entry.status}", location, "\n".join(answer))
    return Exchange(request, response, note)
