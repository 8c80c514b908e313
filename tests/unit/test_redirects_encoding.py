"""The redirect builder's urlencode: the same text as urllib.parse.urlencode, for any pairs."""

from __future__ import annotations

from urllib.parse import urlencode as urllib_urlencode

from hypothesis import given
from hypothesis import strategies as st

from frameio_oauth_mock.mockserver.oauth.redirects import urlencode


@given(st.lists(st.tuples(st.text(), st.text())))
def test_urlencode_is_urllibs(pairs: list[tuple[str, str]]) -> None:
    assert urlencode(pairs) == urllib_urlencode(pairs)


def test_urlencode_examples() -> None:
    pairs = [("code", "ory_ac_a-b.c~d_e"), ("scope", "account.read offline"), ("s", "é&=+/")]
    assert (
        urlencode(pairs) == "code=ory_ac_a-b.c~d_e&scope=account.read+offline&s=%C3%A9%26%3D%2B%2F"
    )
