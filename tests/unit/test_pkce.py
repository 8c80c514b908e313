"""pkce.check_verifier: RFC 7636 S256 verification with fosite's checks, hints and order."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from frameio_oauth_mock.mockserver.oauth.errors import OAuthError
from frameio_oauth_mock.mockserver.oauth.pkce import check_verifier, s256_challenge

# RFC 7636, Appendix B.
RFC_VERIFIER = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
RFC_CHALLENGE = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"

TOO_SHORT = "The PKCE code verifier must be at least 43 characters."
TOO_LONG = "The PKCE code verifier can not be longer than 128 characters."
BAD_CHARACTERS = "The PKCE code verifier must only contain [a-Z], [0-9], '-', '.', '_', '~'."
MISMATCH = "The PKCE code challenge did not match the code verifier."
NOT_STARTED = "Unable to find initial PKCE data tied to this request"

UNRESERVED = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~"


def refusal(challenge: str | None, verifier: str | None, method: str | None = "S256") -> str:
    with pytest.raises(OAuthError) as caught:
        check_verifier(challenge, method, verifier)
    assert caught.value.error == "invalid_grant"
    return caught.value.hint


def test_rfc_7636_appendix_b_vector() -> None:
    assert s256_challenge(RFC_VERIFIER) == RFC_CHALLENGE
    check_verifier(RFC_CHALLENGE, "S256", RFC_VERIFIER)


@pytest.mark.parametrize("verifier", [None, ""])
def test_no_challenge_and_no_verifier_passes(verifier: str | None) -> None:
    check_verifier(None, None, verifier)
    check_verifier("", None, verifier)


@pytest.mark.parametrize("verifier", [RFC_VERIFIER, "x", "!" * 200])
def test_verifier_without_a_challenge(verifier: str) -> None:
    # Whatever its shape: there is nothing to check it against.
    assert refusal(None, verifier, None) == NOT_STARTED


@pytest.mark.parametrize(
    ("verifier", "hint"),
    [
        (None, TOO_SHORT),
        ("", TOO_SHORT),
        ("a" * 42, TOO_SHORT),
        ("!" * 42, TOO_SHORT),  # length is checked before the characters
        ("a" * 129, TOO_LONG),
        ("!" * 129, TOO_LONG),
        ("a" * 42 + "+", BAD_CHARACTERS),
        ("a" * 42 + "/", BAD_CHARACTERS),
        ("a" * 42 + "=", BAD_CHARACTERS),
        ("a" * 42 + " ", BAD_CHARACTERS),
        ("a" * 42 + "\u00e9", BAD_CHARACTERS),
        ("a" * 42 + "\n", BAD_CHARACTERS),
        ("a" * 43, MISMATCH),  # well-formed, wrong
        (RFC_CHALLENGE, MISMATCH),  # the challenge itself is not the verifier
    ],
)
def test_refusals(verifier: str | None, hint: str) -> None:
    assert refusal(RFC_CHALLENGE, verifier) == hint


@pytest.mark.parametrize("length", [43, 64, 128])
def test_lengths_within_limits_pass(length: int) -> None:
    verifier = (UNRESERVED * 2)[:length]
    check_verifier(s256_challenge(verifier), "S256", verifier)


def test_comparison_is_exact() -> None:
    # One character off in the challenge (case) is a mismatch.
    assert refusal(RFC_CHALLENGE.lower(), RFC_VERIFIER) == MISMATCH


@given(st.text(alphabet=UNRESERVED, min_size=43, max_size=128))
def test_any_well_formed_verifier_matches_its_own_challenge(verifier: str) -> None:
    check_verifier(s256_challenge(verifier), "S256", verifier)


@given(
    st.text(alphabet=UNRESERVED, min_size=43, max_size=128),
    st.text(alphabet=UNRESERVED, min_size=43, max_size=128),
)
def test_a_different_verifier_never_matches(verifier: str, other: str) -> None:
    if verifier != other:
        assert refusal(s256_challenge(verifier), other) == MISMATCH
