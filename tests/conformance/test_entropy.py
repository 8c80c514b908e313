"""The entropy estimate behind S14 and S52."""

from __future__ import annotations

import base64
import json
import secrets
import uuid

from frameio_oauth_mock.conformance.server.entropy import estimate


def test_random_base64url_tokens_with_prefix_and_signature() -> None:
    samples = [f"ory_at_{secrets.token_urlsafe(32)}.{secrets.token_urlsafe(32)}" for _ in range(16)]
    found = estimate(samples)
    assert 250 <= found.bits <= 260  # one segment credited, the signature not added


def test_uuid4_codes_fall_short_of_128_bits() -> None:
    found = estimate([str(uuid.uuid4()) for _ in range(16)])
    assert 110 <= found.bits < 128


def test_counters_and_timestamps_are_caught() -> None:
    assert estimate([f"code-{1000 + i:06d}" for i in range(16)]).bits < 16
    assert estimate([f"{1700000000 + i * 7}" for i in range(16)]).bits < 16


def test_duplicates_fail_outright() -> None:
    found = estimate(["same", "other", "same"])
    assert found.duplicates and found.bits == 0


def test_signed_jwts_are_judged_by_their_signature() -> None:
    def jwt(alg: str) -> str:
        header = base64.urlsafe_b64encode(json.dumps({"alg": alg}).encode()).rstrip(b"=")
        body = base64.urlsafe_b64encode(b'{"sub":"x"}').rstrip(b"=")
        return f"{header.decode()}.{body.decode()}.{secrets.token_urlsafe(64)}"

    assert estimate([jwt("RS256") for _ in range(8)]).signed_jwt
    assert not estimate([jwt("none") for _ in range(8)]).signed_jwt


def test_skewed_characters_are_scaled_down() -> None:
    # 40 positions, but each only ever 'a' or 'b': far fewer bits than log2(62) per position.
    samples = ["".join(secrets.choice("ab") for _ in range(40)) + "Z9" for _ in range(16)]
    assert estimate(samples).bits < 40 * 2
