"""Codes and tokens are signed with HMAC-SHA256 computed from precomputed pad states; the
signature must be exactly what the standard library's hmac gives, for any key and body."""

from __future__ import annotations

import hmac

from hypothesis import example, given
from hypothesis import strategies as st

from frameio_oauth_mock.mockserver.oauth.tokens import Sha256Hmac, TokenFactory, _b64


@given(st.binary(max_size=200), st.binary(max_size=300))
@example(b"", b"")
@example(b"k" * 64, b"exactly one block of key")
@example(b"k" * 65, b"a key longer than a block is hashed first")
def test_sha256_hmac_is_hmac_digest(key: bytes, message: bytes) -> None:
    signer = Sha256Hmac(key)
    assert signer.digest(message) == hmac.digest(key, message, "sha256")
    assert signer.digest(message) == signer.digest(message)  # the pad states are not consumed


def test_a_minted_token_carries_the_hmac_of_its_body() -> None:
    drawn: list[bytes] = []

    def random_bytes(size: int) -> bytes:
        drawn.append(bytes(range(len(drawn), len(drawn) + size)))
        return drawn[-1]

    token = TokenFactory(random_bytes).mint("ory_at_")
    key, body = drawn
    assert token == f"ory_at_{_b64(body)}.{_b64(hmac.digest(key, body, 'sha256'))}"
