"""The engine's fast paths give exactly what the plain code they shortcut gives.

Each reference below is the straightforward version the engine used before its fast path
(a cache, a shortcut for the common request); Hypothesis feeds both the same inputs.
"""

from __future__ import annotations

import base64
import binascii

import pytest
from hypothesis import given
from hypothesis import strategies as st

from frameio_oauth_mock.mockserver.oauth.client_auth import basic_credentials, form_url_decode
from frameio_oauth_mock.mockserver.oauth.errors import OAuthError
from frameio_oauth_mock.mockserver.oauth.params import (
    AUTHORIZE_PARAMETERS,
    GO_WHITESPACE,
    go_len,
    single_values,
    split_scope,
)
from frameio_oauth_mock.mockserver.oauth.redirects import urlencode

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
