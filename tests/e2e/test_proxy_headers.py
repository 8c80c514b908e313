"""A proxy on loopback may tell the mock its scheme (uvicorn's proxy headers, which the mock's
server keeps): without --issuer, the URLs the mock hands out follow `X-Forwarded-Proto`, so a
TLS-terminating proxy in front of `frameio-mock serve` gets https URLs; with --issuer, the
configured issuer wins."""

from __future__ import annotations

import httpx

from tests.harness.support import HTTP_TIMEOUT, make_mock

METADATA = "/.well-known/openid-configuration"
HTTPS = {"X-Forwarded-Proto": "https"}


def test_a_loopback_proxys_scheme_is_the_issuers_without_issuer() -> None:
    with make_mock() as mock, httpx.Client(base_url=mock.url, timeout=HTTP_TIMEOUT) as http:
        url = mock.url
        plain = http.get(METADATA).json()
        proxied = http.get(METADATA, headers=HTTPS).json()
    assert plain["issuer"] == url
    assert proxied["issuer"] == "https://" + url.removeprefix("http://")
    assert proxied["authorization_endpoint"] == proxied["issuer"] + "/oauth2/auth"
    assert proxied["token_endpoint"] == proxied["issuer"] + "/oauth2/token"


def test_a_configured_issuer_wins_over_the_proxys_scheme() -> None:
    issuer = "https://auth.example.test"
    with (
        make_mock(issuer=issuer) as mock,
        httpx.Client(base_url=mock.url, timeout=HTTP_TIMEOUT) as http,
    ):
        proxied = http.get(METADATA, headers={"X-Forwarded-Proto": "http"}).json()
    assert proxied["issuer"] == issuer
    assert proxied["token_endpoint"] == issuer + "/oauth2/token"
