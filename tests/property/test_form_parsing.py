"""The web layer's query and form reader gives exactly the pairs urllib's parse_qsl gives.

The harness parses every query and url-encoded body once with `parse_pairs`, which skips
unquoting for text without percent escapes; any difference from parse_qsl would change what
the endpoints see."""

from __future__ import annotations

from urllib.parse import parse_qsl

from hypothesis import example, given
from hypothesis import strategies as st

from frameio_oauth_mock.mockserver.web.forms import parse_pairs

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
