"""C4's estimate of what a client's PKCE verifiers carry (rules.verifier_capacity), from the
shapes the log keeps: a sound generator is never judged by one verifier that happens to miss
a symbol class, and a weak one is still caught."""

from __future__ import annotations

import random
import string

from frameio_oauth_mock.conformance.client.rules import VERIFIER_BITS, verifier_capacity
from frameio_oauth_mock.mockserver.requestlog import value_shape

UNRESERVED = string.ascii_letters + string.digits + "-._~"  # oauthlib's verifier alphabet


RANDOM = random.Random(7)  # the same verifiers every run: no test of chance


def _verifiers(alphabet: str, length: int, count: int) -> list[str]:
    return ["".join(RANDOM.choice(alphabet) for _ in range(length)) for _ in range(count)]


def test_a_verifier_without_digits_does_not_make_a_sound_generator_look_weak() -> None:
    """requests-oauthlib: 43 of the 66 unreserved characters (260 bits). About one verifier
    in a thousand has no digit; judged alone it looked like 250 bits, a warn in ~2% of runs."""
    no_digits = "".join(RANDOM.choice(string.ascii_letters) for _ in range(39)) + "-._~"
    assert value_shape(no_digits) == "43 A-Z a-z - . _ ~"
    assert round(verifier_capacity([value_shape(no_digits)])) == 250  # alone: a warn
    shapes = [value_shape(value) for value in [*_verifiers(UNRESERVED, 43, 23), no_digits]]
    assert verifier_capacity(shapes) >= VERIFIER_BITS
    assert round(verifier_capacity(shapes)) == 260


def test_the_shortest_verifier_and_the_alphabet_used_together_decide() -> None:
    shapes = [value_shape(value) for value in _verifiers(UNRESERVED, 100, 20)]
    shapes.append("43 A-Z a-z 0-9 - . _ ~")
    assert round(verifier_capacity(shapes)) == 260  # 43 x log2(66)


def test_base64url_verifiers_count_as_64_symbols_even_without_dash_or_underscore() -> None:
    assert round(verifier_capacity(["43 A-Z a-z 0-9", "43 A-Z a-z 0-9"])) == 258  # 43 x 6


def test_a_weak_generator_stays_under_256_bits() -> None:
    hex_like = [value_shape(value) for value in _verifiers("0123456789abcdef", 43, 24)]
    assert verifier_capacity(hex_like) < VERIFIER_BITS
    lower_digits = [
        value_shape(value) for value in _verifiers("abcdefghijklmnopqrstuvwxyz0123456789", 43, 24)
    ]
    assert round(verifier_capacity(lower_digits)) == 222  # 43 x log2(36)
