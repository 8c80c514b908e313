"""client_auth.form_url_decode and basic_credentials, after Go's QueryUnescape and BasicAuth."""

from __future__ import annotations

import base64
from urllib.parse import quote, quote_plus

import pytest
from hypothesis import given
from hypothesis import strategies as st

from frameio_oauth_mock.mockserver.oauth import client_auth
from frameio_oauth_mock.mockserver.oauth.client_auth import basic_credentials, form_url_decode
from frameio_oauth_mock.mockserver.oauth.errors import OAuthError
from frameio_oauth_mock.mockserver.settings import ClientConfig

ID_DECODE = (
    "The client id in the HTTP authorization header could not be decoded from "
    "'application/x-www-form-urlencoded'."
)
SECRET_DECODE = (
    "The client secret in the HTTP authorization header could not be decoded from "
    "'application/x-www-form-urlencoded'."
)


def header(raw: bytes | str, scheme: str = "Basic") -> str:
    data = raw.encode() if isinstance(raw, str) else raw
    return f"{scheme} " + base64.b64encode(data).decode("ascii")


# form_url_decode ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "decoded"),
    [
        ("", ""),
        ("plain", "plain"),
        ("a+b", "a b"),
        ("a%2Bb", "a+b"),
        ("a%2bb", "a+b"),  # hex digits in either case
        ("%41%42", "AB"),
        ("a%20b", "a b"),
        ("%3A%25", ":%"),
        ("%E2%82%AC", "\u20ac"),
        ("caf\u00e9", "caf\u00e9"),  # unescaped non-ASCII passes through
        ("a:b", "a:b"),
        ("%2525", "%25"),  # decoded once only
    ],
)
def test_form_url_decode(text: str, decoded: str) -> None:
    assert form_url_decode(text) == decoded


@pytest.mark.parametrize("text", ["%", "abc%", "%4", "a%4", "%zz", "%g0", "%0g", "100%!", "% 1"])
def test_malformed_escapes_do_not_decode(text: str) -> None:
    assert form_url_decode(text) is None


def test_bytes_that_are_not_utf8_survive_as_bytes() -> None:
    decoded = form_url_decode("%FF%FE")
    assert decoded is not None
    assert decoded.encode("utf-8", errors="surrogateescape") == b"\xff\xfe"


@given(st.text())
def test_form_url_decode_inverts_form_url_encoding(text: str) -> None:
    assert form_url_decode(quote_plus(text, safe="")) == text
    assert form_url_decode(quote(text, safe="")) == text


# basic_credentials -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "authorization",
    [
        None,
        "",
        "Basic",
        "Basic ",
        "Bearer " + base64.b64encode(b"id:secret").decode(),
        "Basic !!!",
        "Basic " + base64.urlsafe_b64encode(b"id:s>?~").decode(),  # URL-safe alphabet
        header("no-colon"),
        "Digest " + base64.b64encode(b"id:secret").decode(),
    ],
)
def test_headers_that_are_not_usable_basic(authorization: str | None) -> None:
    # Ignored like Go's Request.BasicAuth does, so the body is consulted instead.
    assert basic_credentials(authorization) is None


def test_unpadded_base64_is_not_basic() -> None:
    encoded = base64.b64encode(b"id:secre").decode()
    assert encoded.endswith("=")
    assert basic_credentials("Basic " + encoded.rstrip("=")) is None


@pytest.mark.parametrize("scheme", ["Basic", "basic", "BASIC", "bAsIc"])
def test_scheme_is_case_insensitive(scheme: str) -> None:
    assert basic_credentials(header("id:secret", scheme)) == ("id", "secret")


@pytest.mark.parametrize(
    ("raw", "credentials"),
    [
        ("id:secret", ("id", "secret")),
        ("id:", ("id", "")),
        (":secret", ("", "secret")),
        ("id:a:b", ("id", "a:b")),  # only the first colon splits
        ("my+app:two+words", ("my app", "two words")),
        ("id%3Ax:s%3Ac", ("id:x", "s:c")),  # an encoded colon belongs to the part
        ("id:%E2%82%AC%2B%25", ("id", "\u20ac+%")),
        ("id:\u20ac", ("id", "\u20ac")),  # raw UTF-8 is kept
    ],
)
def test_id_and_secret_are_form_url_decoded(raw: str, credentials: tuple[str, str]) -> None:
    assert basic_credentials(header(raw)) == credentials


@pytest.mark.parametrize(
    ("raw", "hint"),
    [
        ("%zz:secret", ID_DECODE),
        ("id%:secret", ID_DECODE),
        ("%:%", ID_DECODE),  # the id is decoded first
        ("id:%zz", SECRET_DECODE),
        ("id:100%", SECRET_DECODE),
    ],
)
def test_decode_failure_is_invalid_request(raw: str, hint: str) -> None:
    with pytest.raises(OAuthError) as caught:
        basic_credentials(header(raw))
    assert caught.value.error == "invalid_request"
    assert caught.value.hint == hint


@given(st.text(), st.text())
def test_round_trip_of_encoded_credentials(client_id: str, secret: str) -> None:
    raw = quote_plus(client_id, safe="") + ":" + quote_plus(secret, safe="")
    assert basic_credentials(header(raw)) == (client_id, secret)


# authenticate_client: the secret comparison ------------------------------------------------------


def test_secrets_are_compared_in_constant_time(monkeypatch: pytest.MonkeyPatch) -> None:
    # No timing measurement: check the comparison goes through hmac.compare_digest.
    calls: list[tuple[bytes, bytes]] = []
    real = client_auth.hmac.compare_digest

    def spy(a: bytes, b: bytes) -> bool:
        calls.append((a, b))
        return real(a, b)

    monkeypatch.setattr(client_auth.hmac, "compare_digest", spy)
    client = ClientConfig("app", ("http://127.0.0.1/cb",), (), client_secret="s3cret")
    clients = {"app": client}
    assert client_auth.authenticate_client(clients, header("app:s3cret"), {}) is client
    with pytest.raises(OAuthError) as caught:
        client_auth.authenticate_client(clients, header("app:s3cre"), {})
    assert caught.value.error == "invalid_client"
    assert caught.value.hint == ""
    assert calls == [(b"s3cret", b"s3cret"), (b"s3cre", b"s3cret")]
