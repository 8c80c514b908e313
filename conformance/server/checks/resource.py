"""The protected resource's Bearer handling (S63) and no token in the query (S67), when the
target names a resource (or userinfo)."""

from __future__ import annotations

import re
from urllib.parse import urlencode

from frameio_oauth_mock.conformance.model import Level, Verdict
from frameio_oauth_mock.conformance.server import controls
from frameio_oauth_mock.conformance.server.context import ServerContext
from frameio_oauth_mock.conformance.server.flows import obtain_tokens
from frameio_oauth_mock.conformance.server.grading import Case, failed, grade, passed
from frameio_oauth_mock.conformance.server.table import check

# RFC 6750 3.1's error codes.
BEARER_ERRORS = frozenset(["invalid_request", "invalid_token", "insufficient_scope"])


def _is_bearer(challenge: str) -> bool:
    return re.match(r"\s*bearer(\s|,|$)", challenge, re.IGNORECASE) is not None or bool(
        re.search(r",\s*bearer(\s|,|$)", challenge, re.IGNORECASE)
    )


NO_RESOURCE = "no resource to call: set [endpoints] resource (or request scope openid for userinfo)"


def _resource_url(ctx: ServerContext) -> str | None:
    """The resource the checks call: [endpoints] resource, else userinfo when openid is asked."""
    url = ctx.endpoints.get("resource")
    if url is None and "openid" in ctx.primary.scope.split():
        url = ctx.endpoints.get("userinfo")
    return url


def _bearer_error(challenge: str) -> str | None:
    found = re.search(r'\berror\s*=\s*(?:"([^"]*)"|([^\s,]+))', challenge, re.IGNORECASE)
    return (found.group(1) if found.group(1) is not None else found.group(2)) if found else None


@check(
    "S63",
    'Resource: Bearer header; 401 with WWW-Authenticate error="invalid_token"',
    ("RFC 6750 2.1", "RFC 6750 3", "RFC 6750 3.1"),
    Level.MUST,
)
def bearer_resource(ctx: ServerContext) -> Verdict:
    url = _resource_url(ctx)
    if url is None:
        return Verdict.not_applicable(NO_RESOURCE)
    controls.require(ctx, ctx.primary, "tokens")
    cases: list[Case] = []
    call = ctx.api.get(url)
    challenge = call.header("www-authenticate")
    error = _bearer_error(challenge)
    if call.status != 401 or not _is_bearer(challenge):
        cases.append(
            failed(
                "no token", f"HTTP {call.status}, WWW-Authenticate {challenge!r}", call.evidence()
            )
        )
    elif error is not None and error not in BEARER_ERRORS:
        # RFC 6750 3.1: no error code is expected without credentials; one from elsewhere
        # than its registry is wrong.
        cases.append(
            failed("no token", f"error={error!r} is not an RFC 6750 error", call.evidence())
        )
    else:
        cases.append(passed("no token", f"401, WWW-Authenticate: {challenge}", call.evidence()))
    call = ctx.api.get(url, headers={"Authorization": "Bearer conformance-invalid-token"})
    challenge = call.header("www-authenticate")
    if call.status == 401 and _is_bearer(challenge) and _bearer_error(challenge) == "invalid_token":
        cases.append(passed("invalid token", '401 with error="invalid_token"', call.evidence()))
    else:
        cases.append(
            failed(
                "invalid token",
                f"HTTP {call.status}, WWW-Authenticate {challenge!r}",
                call.evidence(),
            )
        )
    tokens = obtain_tokens(ctx, ctx.primary)
    call = ctx.api.get(url, headers={"Authorization": f"Bearer {tokens.access_token}"})
    if call.status == 200:
        cases.append(passed("valid token in the header", "200", call.evidence()))
    else:
        cases.append(failed("valid token in the header", f"HTTP {call.status}", call.evidence()))
    return grade(cases, f"Bearer at {url}")


@check(
    "S67",
    "Resource: an access token in the query string is refused",
    ("RFC 9700 4.3.2", "RFC 6750 2.3", "OAuth 2.1 5.2"),
    Level.MUST,
)
def token_in_query(ctx: ServerContext) -> Verdict:
    url = _resource_url(ctx)
    if url is None:
        return Verdict.not_applicable(NO_RESOURCE)
    controls.require(ctx, ctx.primary, "tokens")
    tokens = obtain_tokens(ctx, ctx.primary)
    header = ctx.api.get(url, headers={"Authorization": f"Bearer {tokens.access_token}"})
    if header.status != 200:
        return Verdict.not_decidable(
            f"precondition failed: the token in the header got HTTP {header.status}",
            header.evidence(),
        )
    separator = "&" if "?" in url else "?"
    query = ctx.api.get(f"{url}{separator}{urlencode({'access_token': tokens.access_token})}")
    if query.status == 200:
        return Verdict.failed(
            "the access token in the query string was accepted (200)", query.evidence()
        )
    return Verdict.passed(
        f"in the header 200; in the query HTTP {query.status}", header.evidence(), query.evidence()
    )
