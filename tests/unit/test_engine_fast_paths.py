"""The engine's fast paths give exactly what the plain code they shortcut gives.

Each reference below is the straightforward version the engine used before its fast path
(a cache, a shortcut for the common request); Hypothesis feeds both the same inputs.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import math
import os

import pytest
from hypothesis import given
from hypothesis import strategies as st

from frameio_oauth_mock.mockserver.oauth.authorize import (
    AuthorizationError,
    issue_code,
    validate_authorization_request,
)
from frameio_oauth_mock.mockserver.oauth.client_auth import basic_credentials, form_url_decode
from frameio_oauth_mock.mockserver.oauth.context import Context
from frameio_oauth_mock.mockserver.oauth.errors import OAuthError
from frameio_oauth_mock.mockserver.oauth.params import (
    AUTHORIZE_PARAMETERS,
    GO_WHITESPACE,
    go_len,
    single_values,
    split_scope,
)
from frameio_oauth_mock.mockserver.oauth.pkce import s256_challenge
from frameio_oauth_mock.mockserver.oauth.redirects import urlencode
from frameio_oauth_mock.mockserver.oauth.tokens import TokenFactory
from frameio_oauth_mock.mockserver.store import Grant, records
from frameio_oauth_mock.mockserver.store.compact import key
from frameio_oauth_mock.mockserver.store.expiry import ExpiryQueue
from frameio_oauth_mock.mockserver.store.records import grant_id_for_code
from tests.conftest import REDIRECT, make_settings

NAMES = st.sampled_from(["client_id", "scope", "state", "audience", "x", "redirect_uri"])
VALUES = st.sampled_from(["", "a", "b c", "é"]) | st.text(max_size=8)
PAIRS = st.lists(st.tuples(NAMES, VALUES), max_size=8)
# Scope-like text: separators, Go's whitespace, repeats; some longer than what is cached.
SCOPE_TEXT = st.text(alphabet=st.sampled_from([*"ab. ,+", *GO_WHITESPACE[:8]]), max_size=40) | (
    st.text(alphabet="ab ", min_size=500, max_size=700)
)


def reference_single_values(
    pairs: list[tuple[str, str]], guarded: frozenset[str]
) -> dict[str, str] | str:
    values: dict[str, str] = {}
    seen: set[str] = set()
    for name, value in pairs:
        if name in seen and name in guarded:
            return f"Request parameter '{name}' must not be included more than once."
        seen.add(name)
        if value and name not in values:
            values[name] = value
    return values


def outcome_of_single_values(
    pairs: list[tuple[str, str]],
) -> tuple[dict[str, str] | str, list[str]]:
    try:
        values: dict[str, str] | str = single_values(pairs, AUTHORIZE_PARAMETERS)
    except OAuthError as error:
        values = error.hint
    order = list(values) if isinstance(values, dict) else []
    return values, order


@given(PAIRS)
def test_single_values_matches_the_plain_loop(pairs: list[tuple[str, str]]) -> None:
    expected = reference_single_values(pairs, AUTHORIZE_PARAMETERS)
    got, order = outcome_of_single_values(pairs)
    assert got == expected
    assert order == (list(expected) if isinstance(expected, dict) else [])
    # Any iterable of pairs, not only a list, gives the same.
    try:
        from_iterator: dict[str, str] | str = single_values(iter(pairs), AUTHORIZE_PARAMETERS)
    except OAuthError as error:
        from_iterator = error.hint
    assert from_iterator == expected


def reference_split_scope(scope: str | None, separators: str = " ") -> tuple[str, ...]:
    text = scope or ""
    for separator in separators[1:]:
        text = text.replace(separator, separators[0])
    parts = (part.strip(GO_WHITESPACE) for part in text.split(separators[0]))
    return tuple(dict.fromkeys(part for part in parts if part))


@given(SCOPE_TEXT, st.sampled_from([" ", " ,", ","]))
def test_split_scope_matches_the_uncached_split(text: str, separators: str) -> None:
    assert split_scope(text, separators) == reference_split_scope(text, separators)
    assert split_scope(text, separators) == reference_split_scope(text, separators)  # cached


def test_split_scope_of_nothing_is_empty() -> None:
    assert split_scope(None) == ()
    assert split_scope("") == ()


def reference_basic(authorization: str | None) -> tuple[str, str] | str | None:
    """basic_credentials as it was, decoding with base64.b64decode(validate=True); a
    refusal is its hint."""
    if not authorization or authorization[:6].lower() != "basic ":
        return None
    try:
        decoded = base64.b64decode(authorization[6:], validate=True)
    except (binascii.Error, ValueError):
        return None
    text = decoded.decode("utf-8", errors="surrogateescape")
    if ":" not in text:
        return None
    raw_id, raw_secret = text.split(":", 1)
    client_id, secret = form_url_decode(raw_id), form_url_decode(raw_secret)
    if client_id is None:
        return "The client id in the HTTP authorization header could not be decoded from " + FORM
    if secret is None:
        return "The client secret in the HTTP authorization header could not be decoded from " + (
            FORM
        )
    return client_id, secret


FORM = "'application/x-www-form-urlencoded'."
B64ISH = st.text(alphabet="YWJjOjE=+/-_%é \n", max_size=16)


@st.composite
def spoiled_credentials(draw: st.DrawFn) -> str:
    """Base64 of "id:secret", maybe with one stray character or padding change in it."""
    raw = draw(st.binary(max_size=6)) + b":" + draw(st.binary(max_size=6))
    encoded = base64.b64encode(raw).decode("ascii")
    stray = draw(st.sampled_from(["", "-", "_", "%", " ", "\n", "=", "==", "é", "A"]))
    at = draw(st.integers(0, len(encoded)))
    return encoded[:at] + stray + encoded[at:]


@given(st.one_of(B64ISH, spoiled_credentials()))
def test_basic_decoding_accepts_and_refuses_what_b64decode_validate_does(payload: str) -> None:
    for header in (f"Basic {payload}", f"basic {payload}", payload):
        for _ in range(2):  # the second time from the cache of decoded headers
            try:
                got: tuple[str, str] | str | None = basic_credentials(header)
            except OAuthError as error:
                got = error.hint
            assert got == reference_basic(header)


@pytest.mark.parametrize("text", ["", "plain", "é", "日本", "\udcff", "a\udc80b"])
def test_go_len_counts_utf8_bytes(text: str) -> None:
    assert go_len(text) == len(text.encode("utf-8", "surrogateescape"))


@given(st.text(max_size=20))
def test_go_len_of_any_text_is_its_utf8_length(text: str) -> None:
    assert go_len(text) == len(text.encode("utf-8"))


@given(st.lists(st.tuples(st.text(max_size=6), st.text(max_size=12)), max_size=5))
def test_urlencode_matches_urllib_for_text_pairs(pairs: list[tuple[str, str]]) -> None:
    from urllib.parse import urlencode as urllib_urlencode

    assert urlencode(pairs) == urllib_urlencode(pairs)
    assert urlencode(pairs) == urllib_urlencode(pairs)  # the second time from the cache


# Digests and randomness the store and the minting take through faster routes --------------


@given(st.text(max_size=120))
def test_grant_id_for_code_is_the_plain_blake2b_digest(code: str) -> None:
    digest = hashlib.blake2b(
        code.encode("utf-8", "surrogateescape"), digest_size=16, person=b"grant-of-code"
    ).digest()
    expected = base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")
    assert grant_id_for_code(code) == expected
    assert grant_id_for_code(code) == expected  # the second time from the cache
    assert grant_id_for_code(code) == expected  # and again after the cache let it go


def test_grant_id_for_code_keeps_no_code_after_its_second_naming() -> None:
    """issue_code names the grant, add_code names it again: then the code is not held on to
    (a redeemed code still revokes its family, so it must not outlive its request)."""
    code = "code-" + "x" * 40
    grant_id_for_code(code)
    grant_id_for_code(code)
    assert all(held is not code for held in records._last_named)


@given(st.text(max_size=120))
def test_store_key_is_the_plain_blake2b_digest_with_its_top_bit_set(value: str) -> None:
    digest = hashlib.blake2b(value.encode("utf-8", "surrogateescape"), digest_size=16).digest()
    assert key(value) == int.from_bytes(digest) | (1 << 127)


def test_minted_credentials_never_repeat() -> None:
    factory = TokenFactory()
    tokens = {factory.mint("ory_at_") for _ in range(600)}
    assert len(tokens) == 600


@pytest.mark.skipif(not hasattr(os, "fork"), reason="only where processes fork")
def test_a_forked_child_never_mints_what_its_parent_mints() -> None:
    factory = TokenFactory()
    factory.mint("ory_at_")
    reader, writer = os.pipe()
    child = os.fork()
    if child == 0:  # pragma: no cover - runs in the child
        os.close(reader)
        os.write(writer, "\n".join(factory.mint("ory_at_") for _ in range(5)).encode())
        os._exit(0)
    os.close(writer)
    with os.fdopen(reader) as pipe:
        from_child = pipe.read().split("\n")
    os.waitpid(child, 0)
    from_parent = [factory.mint("ory_at_") for _ in range(5)]
    assert len(from_child) == 5
    assert not set(from_child) & set(from_parent)


def test_a_seeded_factory_still_mints_the_same_sequence() -> None:
    first = TokenFactory.seeded(7)
    second = TokenFactory.seeded(7)
    assert [first.mint("c_") for _ in range(3)] == [second.mint("c_") for _ in range(3)]
    assert first.opaque_id() == second.opaque_id()


# The records the engine builds with positional arguments ---------------------------------


def test_a_validated_request_carries_each_parameter_in_its_own_field(context: Context) -> None:
    request = validate_authorization_request(
        context,
        [
            ("response_type", "code"),
            ("client_id", "secret-app"),
            ("redirect_uri", REDIRECT),
            ("scope", "account.read offline"),
            ("state", "state-long-enough"),
            ("code_challenge", "c" * 43),
            ("code_challenge_method", "S256"),
            ("nonce", "nonce-long-enough"),
            ("login_hint", "user@example.com"),
            ("prompt", "consent"),
            ("max_age", "60"),
            ("acr_values", "0"),
        ],
        "http://issuer.test",
    )
    assert request.client.client_id == "secret-app"
    assert (request.redirect_uri, request.requested_redirect_uri) == (
        REDIRECT,
        REDIRECT,
    )
    assert request.scopes == ("account.read", "offline")
    assert request.state == "state-long-enough"
    assert (request.code_challenge, request.code_challenge_method) == ("c" * 43, "S256")
    assert (request.nonce, request.login_hint) == ("nonce-long-enough", "user@example.com")
    assert (request.issuer, request.response_mode) == ("http://issuer.test", "query")
    assert (request.prompt, request.max_age, request.acr_values) == (
        frozenset(["consent"]),
        60,
        "0",
    )
    assert request.audience == ()
    assert request.requested_at == context.clock.now()


@pytest.mark.anyio
async def test_an_issued_code_names_a_grant_with_each_field_in_its_place(
    context: Context,
) -> None:
    request = validate_authorization_request(
        context,
        [
            ("response_type", "code"),
            ("client_id", "secret-app"),
            ("redirect_uri", REDIRECT),
            ("scope", "account.read"),
            ("state", "state-long-enough"),
            ("code_challenge", "c" * 43),
            ("code_challenge_method", "S256"),
            ("nonce", "nonce-long-enough"),
            ("acr_values", "1"),
        ],
        "http://issuer.test",
    )
    answer = await issue_code(context, request, "user-1", 123.0, "session-1")
    code = answer.params["code"]
    record = await context.store.find_code(code)
    assert record is not None and record.expires_at == context.clock.now() + context.code_ttl
    grant = record.grant
    assert grant == Grant(
        id=grant_id_for_code(code),
        client_id="secret-app",
        subject="user-1",
        scopes=("account.read",),
        redirect_uri=REDIRECT,
        code_challenge="c" * 43,
        code_challenge_method="S256",
        auth_time=123.0,
        nonce="nonce-long-enough",
        requested_at=context.clock.now(),
        session_id="session-1",
        acr="0",
    )


RESPONSE_TYPES = st.text(
    alphabet=st.sampled_from([*"code_tkn", " ", "\t", "\xa0", "²"]), max_size=12
)


@given(RESPONSE_TYPES)
def test_response_type_is_normalised_as_split_scope_does(response_type: str) -> None:
    context = Context.from_settings(make_settings())
    normalised = " ".join(reference_split_scope(response_type))
    try:
        validate_authorization_request(
            context,
            [
                ("response_type", response_type),
                ("client_id", "secret-app"),
                ("redirect_uri", REDIRECT),
                ("state", "state-long-enough"),
            ],
            "http://issuer.test",
        )
        outcome = "accepted"
    except AuthorizationError as error:
        outcome = error.error.hint
    if normalised == "code":
        assert outcome == "accepted"
    elif normalised:
        assert outcome == f"The client is not allowed to request response_type '{normalised}'."
    else:
        assert outcome != "accepted"


# The deadline queue's earliest second, read by every write ---------------------------------


@given(st.lists(st.one_of(st.floats(0, 50), st.just(-1.0)), max_size=40))
def test_the_queue_knows_its_earliest_due_second(steps: list[float]) -> None:
    """Adds (a deadline) and takes (-1: everything due by the latest deadline seen, a few at
    a time): next_due is always the earliest second still held."""
    queue = ExpiryQueue()
    held: dict[str, float] = {}
    latest = 0.0
    for number, step in enumerate(steps):
        if step >= 0:
            queue.add(f"k{number}", step)
            held[f"k{number}"] = step
            latest = max(latest, step)
        else:
            for taken in queue.due(latest, budget=3):
                del held[taken]
        earliest = min((math.ceil(deadline) for deadline in held.values()), default=math.inf)
        assert queue.next_due == earliest


@given(st.text(alphabet="abcXYZ019-._~", max_size=130))
def test_s256_challenge_is_the_plain_urlsafe_base64_of_the_digest(verifier: str) -> None:
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    assert s256_challenge(verifier) == base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


@pytest.mark.parametrize("secret", ["s" * 10, "s" * 600, "%zz" + "s" * 600])
def test_long_basic_headers_decode_as_short_ones(secret: str) -> None:
    """Short and long headers, and malformed escapes in them, decode as the plain code does."""
    header = "Basic " + base64.b64encode(f"client:{secret}".encode()).decode()
    try:
        got: tuple[str, str] | str | None = basic_credentials(header)
    except OAuthError as error:
        got = error.hint
    assert got == reference_basic(header)
