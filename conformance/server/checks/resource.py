"""The protected resource's Bearer handling (S63), when the target names one (or userinfo)."""

from __future__ import annotations

from frameio_oauth_mock.conformance.model import Level, Verdict
from frameio_oauth_mock.conformance.server import controls
from frameio_oauth_mock.conformance.server.context import ServerContext
from frameio_oauth_mock.conformance.server.flows import obtain_tokens
from frameio_oauth_mock.conformance.server.grading import Case, failed, grade, passed
from frameio_oauth_mock.conformance.server.table import check


@check(
    "S63",
    'Resource: Bearer header; 401 with WWW-Authenticate error="invalid_token"',
    ("RFC 6750 2.1", "RFC 6750 3", "RFC 6750 3.1"),
    Level.MUST,
)
def bearer_resource(ctx: ServerContext) -> Verdict:
    url = ctx.endpoints.get("resource")
    if url is None and "openid" in ctx.primary.scope.split():
        url = ctx.endpoints.get("userinfo")
    if url is None:
        return Verdict.not_applicable(
            "no resource to call: set [endpoints] resource (or request scope openid for userinfo)"
        )
    controls.require(ctx, ctx.primary, "tokens")
    cases: list[Case] = []
    call = ctx.api.get(url)
    challenge = call.header("www-authenticate")
    if call.status == 401 and challenge.lower().startswith("bearer"):
        cases.append(passed("no token", f"401, WWW-Authenticate: {challenge}", call.evidence()))
    else:
        cases.append(
            failed(
                "no token", f"HTTP {call.status}, WWW-Authenticate {challenge!r}", call.evidence()
            )
        )
    call = ctx.api.get(url, headers={"Authorization": "Bearer conformance-invalid-token"})
    challenge = call.header("www-authenticate")
    if call.status == 401 and 'error="invalid_token"' in challenge:
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
