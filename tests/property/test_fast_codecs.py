"""The web layer's fast readers and writers give exactly what the standard library gives.

The front parses every query and url-encoded body once with `parse_pairs`, which unquotes
only what is escaped; `json_body` writes flat answers by hand. Any difference from
parse_qsl or the JSON encoder would change what the endpoints see or what clients get."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qsl

from hypothesis import example, given
from hypothesis import strategies as st

from frameio_oauth_mock.mockserver.urlencoded import parse_pairs
from frameio_oauth_mock.mockserver.web.responses import json_body

# The characters that mean something to the parser, often, among any others.
SIGNIFICANT = st.sampled_from(["&", "=", "+", "%", "%2", "%20", "%zz", "%C3%A9", "%ff", " ", "a"])
QUERIES = st.lists(st.one_of(SIGNIFICANT, st.text(max_size=4)), max_size=12).map("".join)


@given(QUERIES)
@example("")
@example("&&a&=&b=&=c&+=+")
@example("code=x+y&state=a%2Bb")
@example("a=%E9%ff&%")
def test_parse_pairs_is_parse_qsl_with_blank_values(text: str) -> None:
    assert parse_pairs(text) == parse_qsl(text, keep_blank_values=True)


# Token answers and OAuth errors: flat objects, written by hand unless a value is not flat.
JSON_VALUES = st.one_of(
    st.text(),
    st.integers(),
    st.booleans(),
    st.none(),
    st.floats(allow_nan=False),
    st.lists(st.text(), max_size=2),
)


@given(st.dictionaries(st.text(), JSON_VALUES, max_size=8))
@example({"access_token": 'é\u2028"\\', "expires_in": 3599, "id_token": None, "ok": True})
def test_json_body_writes_what_the_encoder_writes(data: dict[str, Any]) -> None:
    expected = json.JSONEncoder(separators=(",", ":"), sort_keys=True).encode(data).encode()
    assert json_body(data) == expected


def test_json_body_leaves_other_names_to_the_encoder() -> None:
    encoder = json.JSONEncoder(separators=(",", ":"), sort_keys=True)
    assert json_body({1: "one", 2: "two"}) == encoder.encode({1: "one", 2: "two"}).encode()
