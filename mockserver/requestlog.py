"""The request log: what clients sent, with every secret reduced to a short fingerprint.

Fingerprints are stable (`fingerprint(value)` gives the same text for the same value), so a test
can still check that a client sent the refresh token it was given, without the log showing it.

On the hot path the middleware notes only raw facts (a `RawRequest`: the parsed pairs the
endpoints reuse, the headers as they came, the answer's status, redirect target and, for token
and error answers, body); the log redacts, fingerprints and shapes them into a `LoggedRequest`
when it is first read, once per entry.
"""

from __future__ import annotations

import base64
import hmac
import json
import re
import secrets
import threading
from collections import deque
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any
from urllib.parse import parse_qsl, unquote_plus, urlsplit

from frameio_oauth_mock.mockserver.fieldwise import BY_FACTORY, Fieldwise
from frameio_oauth_mock.mockserver.oauth.client_auth import basic_credentials
from frameio_oauth_mock.mockserver.oauth.errors import OAuthError
from frameio_oauth_mock.mockserver.urlencoded import parse_pairs

# Parameter names whose values are secrets or bearer credentials.
SECRET_PARAMETERS = frozenset(
    [
        "client_secret",
        "password",
        "code",
        "code_verifier",
        "refresh_token",
        "access_token",
        "id_token",
        "token",
        "csrf_token",
        "client_assertion",
        "challenge",  # a pending login's id: with the browser's cookie, it approves
    ]
)
SECRET_HEADERS = frozenset(["authorization", "cookie", "proxy-authorization"])
DEFAULT_CAPACITY = 10_000
DEFAULT_BYTE_CAPACITY = 16 * 1024 * 1024
_ENTRY_OVERHEAD = 400  # the entry's own fields and containers, roughly


# A per-process key: fingerprints compare within this process (tests, the request log), yet a
# fingerprint of "password" cannot be looked up in a table made elsewhere.
_FINGERPRINT_KEY = secrets.token_bytes(32)


def fingerprint(value: str) -> str:
    """A short, stable stand-in for a secret: equal secrets give equal fingerprints."""
    digest = hmac.digest(_FINGERPRINT_KEY, value.encode("utf-8", "surrogateescape"), "sha256")
    return "redacted:" + digest.hex()[:12]


def redact_header(name: str, value: str) -> str:
    if name not in SECRET_HEADERS:
        return value
    scheme, _, credentials = value.partition(" ")
    if name == "authorization" and scheme.lower() == "basic":
        # Keep the client id readable; fingerprint the (form-url-decoded) secret, so
        # fingerprint(secret) can be compared with what the client sent.
        try:
            decoded = base64.b64decode(credentials, validate=True).decode("utf-8")
        except ValueError:
            decoded = ""
        if ":" in decoded:
            client_id, secret = decoded.split(":", 1)
            return f"{scheme} {unquote_plus(client_id)}:{fingerprint(unquote_plus(secret))}"
    if credentials and name != "cookie":
        return f"{scheme} {fingerprint(credentials)}"
    return fingerprint(value)


def redacted_headers(headers: dict[str, str]) -> dict[str, str]:
    """`headers` with the credential-carrying ones fingerprinted (a copy only when needed)."""
    if SECRET_HEADERS.isdisjoint(headers):
        return headers
    return {name: redact_header(name, value) for name, value in headers.items()}


Params = dict[str, str | list[str]]


def redacted_params(pairs: Sequence[tuple[str, str]]) -> Params:
    """Pairs as a dict (a repeated name keeps all its values, as a list), secrets fingerprinted."""
    result: Params = {}
    for name, value in pairs:
        shown = fingerprint(value) if name in SECRET_PARAMETERS and value else value
        existing = result.get(name)
        if existing is None:
            result[name] = shown
        elif isinstance(existing, list):
            existing.append(shown)
        else:
            result[name] = [existing, shown]
    return result


EXCERPT_CHARS = 256  # longer values are logged cut, with how much was left out
EXCERPT_ITEMS = 64  # parameters or headers per entry; the rest are counted, not kept


def excerpt(value: str) -> str:
    """`value`, or its first EXCERPT_CHARS characters and how many were left out."""
    if len(value) <= EXCERPT_CHARS:
        return value
    return f"{value[:EXCERPT_CHARS]}...(+{len(value) - EXCERPT_CHARS} chars)"


def bounded(values: dict[str, Any]) -> dict[str, Any]:
    """`values` (params or headers, already redacted) cut to a bounded excerpt for the log."""
    if len(values) <= EXCERPT_ITEMS and all(
        isinstance(v, str) and len(v) <= EXCERPT_CHARS for v in values.values()
    ):
        return values  # the usual case: nothing to cut, no copy
    kept: dict[str, Any] = {}
    for name, value in list(values.items())[:EXCERPT_ITEMS]:
        if isinstance(value, list):
            kept[excerpt(name)] = [excerpt(item) for item in value[:EXCERPT_ITEMS]]
        else:
            kept[excerpt(name)] = excerpt(value)
    if len(values) > EXCERPT_ITEMS:
        kept["..."] = f"(+{len(values) - EXCERPT_ITEMS} more)"
    return kept


# Compiled on first use (left to re's cache): only reading the log needs it.
_SECRET_IN_QUERY = r"([?&](?:" + "|".join(sorted(SECRET_PARAMETERS)) + r")=)([^&#]*)"


def redact_url(url: str) -> str:
    """A URL (e.g. a Location header) with secret query parameters fingerprinted."""
    if "?" not in url:
        return url
    return re.sub(
        _SECRET_IN_QUERY,
        lambda match: match.group(1) + fingerprint(unquote_plus(match.group(2))),
        url,
    )


_CHARACTER_CLASSES = (("A-Z", str.isupper), ("a-z", str.islower), ("0-9", str.isdigit))
_UNRESERVED_MARKS = "-._~"


def value_shape(value: str) -> str:
    """What a secret looks like without what it is: its length and character classes, e.g.
    "43 A-Z a-z 0-9 - _" (RFC 3986 unreserved marks by name, anything else as "other")."""
    seen = set(value)
    ascii_letters_digits = {c for c in seen if c.isascii() and c.isalnum()}
    classes = [
        name for name, test in _CHARACTER_CLASSES if any(test(c) for c in ascii_letters_digits)
    ]
    classes += [mark for mark in _UNRESERVED_MARKS if mark in seen]
    if seen - ascii_letters_digits - set(_UNRESERVED_MARKS):
        classes.append("other")
    return " ".join([str(len(value)), *classes])


# Secrets whose shape says something about the client that sent them (C4: the PKCE verifier's
# length and alphabet); codes and tokens are the server's own, so their shape says nothing.
SHAPED_PARAMETERS = frozenset(["code_verifier", "client_secret"])


def secret_shapes(pairs: Sequence[tuple[str, str]]) -> dict[str, str]:
    return {name: value_shape(value) for name, value in pairs if name in SHAPED_PARAMETERS}


def answer_facts(body: bytes) -> tuple[dict[str, str], str | None, str | None]:
    """From a JSON answer: fingerprints of the secrets it hands out, its OAuth error and the
    error's description."""
    try:
        document = json.loads(body)
    except ValueError:
        return {}, None, None
    if not isinstance(document, dict):
        return {}, None, None
    issued = {
        name: fingerprint(value)
        for name, value in document.items()
        if name in SECRET_PARAMETERS and isinstance(value, str) and value
    }
    error, description = document.get("error"), document.get("error_description")
    return (
        issued,
        error if isinstance(error, str) else None,
        description if isinstance(description, str) else None,
    )


def error_facts(body: bytes) -> tuple[str | None, str | None]:
    """The error and its description in an error answer: OAuth's `{"error",
    "error_description"}`, or the V4 API's `{"errors": [{"title", "detail"}]}`."""
    try:
        document = json.loads(body)
    except ValueError:
        return None, None
    if not isinstance(document, dict):
        return None, None
    if isinstance(document.get("error"), str):
        description = document.get("error_description")
        return document["error"], description if isinstance(description, str) else None
    errors = document.get("errors")
    if isinstance(errors, list) and errors and isinstance(errors[0], dict):
        title, detail = errors[0].get("title"), errors[0].get("detail")
        return (
            title if isinstance(title, str) else None,
            detail if isinstance(detail, str) else None,
        )
    return None, None


def redirect_error(location: str) -> tuple[str | None, str | None]:
    """The OAuth error an authorization-response redirect carries, if any."""
    if "error=" not in location:
        return None, None
    params = dict(parse_qsl(urlsplit(location).query or urlsplit(location).fragment))
    return params.get("error"), params.get("error_description")


@dataclass(init=False, repr=False, eq=False)  # see fieldwise.py
class LoggedRequest(Fieldwise):
    """One request and its answer, as a test would want to inspect it."""

    id: int
    time: float  # the mock's clock, seconds since the epoch
    method: str
    path: str
    endpoint: str  # authorize, token, revoke, introspect, userinfo, api, metadata, jwks, other
    query: Params
    headers: dict[str, str]
    form: Params
    status: int = 0
    duration_ms: float = 0.0
    client_id: str | None = None
    grant_type: str | None = None
    location: str | None = None  # the redirect target, for authorization responses
    fault: int | None = None  # id of the fault rule that changed the answer
    # Length and character classes of each secret parameter sent (value_shape), never the value.
    shapes: dict[str, str] = field(default_factory=dict)
    # Token answers: fingerprints of what they handed out, or the OAuth error they gave.
    issued: dict[str, str] = field(default_factory=dict)
    # Any error answer (and error redirect): the error and the reason it gave.
    error: str | None = None
    error_description: str | None = None

    __hash__ = None  # type: ignore[assignment]  # mutable, as a dataclass with eq is

    def __init__(
        self,
        id: int,
        time: float,
        method: str,
        path: str,
        endpoint: str,
        query: Params,
        headers: dict[str, str],
        form: Params,
        status: int = 0,
        duration_ms: float = 0.0,
        client_id: str | None = None,
        grant_type: str | None = None,
        location: str | None = None,
        fault: int | None = None,
        shapes: dict[str, str] = BY_FACTORY,
        issued: dict[str, str] = BY_FACTORY,
        error: str | None = None,
        error_description: str | None = None,
    ) -> None:
        self.id = id
        self.time = time
        self.method = method
        self.path = path
        self.endpoint = endpoint
        self.query = query
        self.headers = headers
        self.form = form
        self.status = status
        self.duration_ms = duration_ms
        self.client_id = client_id
        self.grant_type = grant_type
        self.location = location
        self.fault = fault
        self.shapes = {} if shapes is BY_FACTORY else shapes
        self.issued = {} if issued is BY_FACTORY else issued
        self.error = error
        self.error_description = error_description

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def size(self) -> int:
        """About how many bytes it holds: its texts plus a fixed overhead (cheap to count)."""
        texts = (
            len(self.path)
            + len(self.location or "")
            + sum(len(k) + len(v) for k, v in self.headers.items())
            + _params_size(self.query)
            + _params_size(self.form)
            + sum(len(k) + len(v) for k, v in self.issued.items())
            + sum(len(k) + len(v) for k, v in self.shapes.items())
        )
        return _ENTRY_OVERHEAD + texts


def _params_size(params: Params) -> int:
    return sum(
        len(name) + (len(value) if isinstance(value, str) else sum(map(len, value)))
        for name, value in params.items()
    )


Pairs = Sequence[tuple[str, str]]
RawHeaders = Sequence[tuple[bytes, bytes]]


def _client_id(authorization: str | None, form: Pairs, query: Pairs) -> str | None:
    """Who the request says it is: the HTTP Basic user, else a client_id parameter."""
    try:
        basic = basic_credentials(authorization)
    except OAuthError:
        basic = None
    if basic is not None:
        # The id is form-url-decoded with surrogateescape; the log keeps only encodable text,
        # so the entry can always be listed as JSON.
        return basic[0].encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    for name, value in (*form, *query):
        if name == "client_id" and value:
            return value
    return None


def raw_header(headers: RawHeaders, name: bytes) -> str | None:
    """The last value of header `name` (lower-case), decoded as latin-1, as a dict of the
    headers would hold it."""
    found = None
    for key, value in headers:
        if key.lower() == name:
            found = value
    return None if found is None else found.decode("latin-1")


def _pairs_length(text: str | None) -> int:
    """About how long the names and values in url-encoded `text` are once split and decoded
    (what the log held when it kept them split): its length less the separators and two of
    each `%XX`'s three characters."""
    if not text:
        return 0
    return max(0, len(text) - text.count("&") - text.count("=") - 2 * text.count("%"))


class RawRequest:
    """One request and its answer as the middleware saw them: nothing redacted or derived.

    `client_id` is worked out on first use (fault matching needs it only when a rule is
    scripted for the endpoint), everything else by `logged()`, when the log is read.
    The query and a url-encoded body are kept as the text the front split (`query_text`,
    `form_text`, None for a body that is no form) and split again when asked for: thousands
    of entries live in the log, and their pairs would each be one more object for the
    garbage collector to walk.
    `params_in_query`: the profile reads parameters such as grant_type from the query too.
    """

    __slots__ = (
        "_client_id",
        "_client_id_known",
        "_logged",
        "answer",
        "duration_ms",
        "endpoint",
        "fault",
        "form_text",
        "headers",
        "id",
        "location",
        "method",
        "params_in_query",
        "path",
        "query_text",
        "status",
        "time",
    )

    def __init__(
        self,
        time: float,
        method: str,
        path: str,
        endpoint: str,
        query_text: str,
        headers: RawHeaders,
        form_text: str | None,
        params_in_query: bool,
    ) -> None:
        self.id = 0
        self.time = time
        self.method = method
        self.path = path
        self.endpoint = endpoint
        self.query_text = query_text
        self.headers = headers
        self.form_text = form_text
        self.params_in_query = params_in_query
        self.status = 0
        self.duration_ms = 0.0
        self.location: str | None = None  # the redirect target, as sent
        self.fault: int | None = None
        self.answer: bytes | None = None  # token and error answers: what they issued or refused
        self._client_id: str | None = None
        self._client_id_known = False
        self._logged: LoggedRequest | None = None

    @property
    def query(self) -> Pairs:
        return parse_pairs(self.query_text) if self.query_text else []

    @property
    def form(self) -> Pairs:
        return [] if self.form_text is None else parse_pairs(self.form_text)

    @property
    def client_id(self) -> str | None:
        if not self._client_id_known:
            authorization = raw_header(self.headers, b"authorization")
            self._client_id = _client_id(authorization, self.form, self.query)
            self._client_id_known = True
        return self._client_id

    @property
    def grant_type(self) -> str | None:
        params = (*self.form, *self.query) if self.params_in_query else self.form
        return next((value for name, value in params if name == "grant_type"), None)

    def may_be_refusal(self) -> bool:
        """Whether the answer can have refused the request (an error status or redirect)."""
        return self.status >= 400 or (self.location is not None and "error=" in self.location)

    def size(self) -> int:
        """About how many bytes it holds (see LoggedRequest.size)."""
        size = (
            _ENTRY_OVERHEAD
            + len(self.path)
            + _pairs_length(self.query_text)
            + _pairs_length(self.form_text)
            + len(self.location or "")
            + len(self.answer or b"")
        )
        # A plain loop: every request is logged, and it is quicker than sum() of a generator.
        for raw_name, raw_value in self.headers:
            size += len(raw_name) + len(raw_value)
        return size

    def logged(self) -> LoggedRequest:
        """The entry as tests and the control API see it: secrets fingerprinted, long values
        cut to excerpts (after fingerprinting, so fingerprints still match). Made once."""
        entry = self._logged
        if entry is None:
            self._logged = entry = self._redacted()
        entry.id = self.id  # the log numbers an entry when it records it
        return entry

    def _redacted(self) -> LoggedRequest:
        headers = {
            name.decode("latin-1").lower(): value.decode("latin-1") for name, value in self.headers
        }
        client_id, grant_type = self.client_id, self.grant_type
        query, form = self.query, self.form
        entry = LoggedRequest(
            id=self.id,
            time=self.time,
            method=self.method,
            path=excerpt(self.path),
            endpoint=self.endpoint,
            query=bounded(redacted_params(query)),
            headers=bounded(redacted_headers(headers)),
            form=bounded(redacted_params(form)),
            status=self.status,
            duration_ms=round(self.duration_ms, 3),
            client_id=None if client_id is None else excerpt(client_id),
            grant_type=None if grant_type is None else excerpt(grant_type),
            fault=self.fault,
            shapes=secret_shapes([*query, *form]),
        )
        if self.location is not None:
            entry.location = redact_url(self.location)
            entry.error, entry.error_description = redirect_error(entry.location)
        if self.answer is not None:
            entry.issued, entry.error, entry.error_description = answer_facts(self.answer)
            if self.status >= 400:
                entry.error, entry.error_description = error_facts(self.answer)
        return entry


class RequestLog:
    """A thread-safe list of LoggedRequest, newest last, bounded in entries and in bytes
    (the oldest entries are dropped first). (A plain class, not a dataclass: every server
    builds one at start-up, where a dataclass costs ~0.4 ms to create.)"""

    def __init__(
        self, capacity: int = DEFAULT_CAPACITY, max_bytes: int = DEFAULT_BYTE_CAPACITY
    ) -> None:
        self.capacity = capacity
        self.max_bytes = max_bytes
        # Raw until first read (see RawRequest), then the redacted entry in its place; each
        # entry's size beside it in `_sizes` (ints, which the garbage collector never walks,
        # where an (entry, size) tuple per entry would be one more object for it).
        self._entries: deque[LoggedRequest | RawRequest] = deque()
        self._sizes: deque[int] = deque()
        self._raw = 0  # how many entries are still raw
        self._bytes = 0
        self._next_id = 1
        self._lock = threading.Lock()

    def append(self, entry: LoggedRequest | RawRequest) -> None:
        size = entry.size()
        with self._lock:
            entry.id = self._next_id
            self._next_id += 1
            self._entries.append(entry)
            self._sizes.append(size)
            self._bytes += size
            self._raw += isinstance(entry, RawRequest)
            while len(self._entries) > self.capacity or (
                self._bytes > self.max_bytes and len(self._entries) > 1
            ):
                dropped = self._entries.popleft()
                self._bytes -= self._sizes.popleft()
                self._raw -= isinstance(dropped, RawRequest)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._sizes.clear()
            self._bytes = 0
            self._raw = 0

    @property
    def bytes(self) -> int:
        """The estimated size of what it holds (see LoggedRequest.size)."""
        return self._bytes

    def all(self) -> list[LoggedRequest]:
        with self._lock:
            entries = [
                entry.logged() if isinstance(entry, RawRequest) else entry
                for entry in self._entries
            ]
            if self._raw:  # redacted on the first read after they were recorded, once
                self._entries = deque(entries)
                self._raw = 0
            return entries

    def __iter__(self) -> Iterator[LoggedRequest]:
        return iter(self.all())

    def __len__(self) -> int:
        return len(self._entries)

    def filter(
        self,
        endpoint: str | None = None,
        *,
        method: str | None = None,
        path: str | None = None,
        client_id: str | None = None,
        grant_type: str | None = None,
        status: int | None = None,
    ) -> list[LoggedRequest]:
        """The entries matching every criterion given, oldest first."""
        return filter_entries(
            self.all(),
            endpoint,
            method=method,
            path=path,
            client_id=client_id,
            grant_type=grant_type,
            status=status,
        )

    def count(self, endpoint: str | None = None, **criteria: Any) -> int:
        return len(self.filter(endpoint, **criteria))

    def last(self, endpoint: str | None = None, **criteria: Any) -> LoggedRequest | None:
        entries = self.filter(endpoint, **criteria)
        return entries[-1] if entries else None

    def to_json(self, **criteria: Any) -> str:
        """The (filtered) log as a JSON array, for golden files and CI artifacts."""
        entries = self.filter(**criteria) if criteria else self.all()
        return json.dumps([entry.as_dict() for entry in entries], indent=2)


def filter_entries(
    entries: list[LoggedRequest],
    endpoint: str | None = None,
    *,
    method: str | None = None,
    path: str | None = None,
    client_id: str | None = None,
    grant_type: str | None = None,
    status: int | None = None,
) -> list[LoggedRequest]:
    """The entries matching every criterion given, in their order."""
    wanted = {
        "endpoint": endpoint,
        "method": method.upper() if method else None,
        "path": path,
        "client_id": client_id,
        "grant_type": grant_type,
        "status": status,
    }
    criteria = {key: value for key, value in wanted.items() if value is not None}
    return [
        entry
        for entry in entries
        if all(getattr(entry, key) == value for key, value in criteria.items())
    ]
