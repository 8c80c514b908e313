"""TLS on the authorization and token endpoints (S1, S29).

Black-box, TLS shows in two ways: the endpoint's URL is https, and its plain-http twin does
not serve it. A plain-http target on a loopback address is a local test server: reported as
not applicable, since whatever fronts it in production is not what is being graded.
"""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit, urlunsplit

from frameio_oauth_mock.conformance.model import Level, Verdict
from frameio_oauth_mock.conformance.server.context import ServerContext
from frameio_oauth_mock.conformance.server.table import check


def _loopback(host: str) -> bool:
    host = host.strip("[]").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def tls_verdict(ctx: ServerContext, name: str) -> Verdict:
    url = ctx.endpoints[name]
    parts = urlsplit(url)
    if parts.scheme == "http":
        if _loopback(parts.hostname or ""):
            return Verdict.not_applicable(
                f"{url} is plain http on a loopback address: a local test server, whose TLS "
                "(or the proxy's in front of it) cannot be judged here"
            )
        return Verdict.failed(f"the {name} endpoint is plain http: {url}")
    plain = urlunsplit(("http", parts.hostname or "", parts.path, parts.query, ""))
    call = ctx.api.get(plain)
    if call.response is None:
        return Verdict.passed(f"https; plain http is not served ({call.error})", call.evidence())
    if call.is_redirect and call.location.startswith("https://"):
        return Verdict.passed("https; plain http redirects to https", call.evidence())
    if call.status >= 400 and not call.json():
        return Verdict.passed(f"https; plain http answers {call.status}", call.evidence())
    return Verdict.failed(f"the {name} endpoint also answers over plain http", call.evidence())


@check("S1", "TLS at the authorization endpoint", ("RFC 6749 3.1", "RFC 6749 10.9"), Level.MUST)
def authorization_tls(ctx: ServerContext) -> Verdict:
    return tls_verdict(ctx, "authorization")


@check("S29", "TLS at the token endpoint", ("RFC 6749 3.2", "RFC 6749 2.3.1"), Level.MUST)
def token_tls(ctx: ServerContext) -> Verdict:
    return tls_verdict(ctx, "token")
