"""Authorization endpoint basics: methods, parameters, errors and state
(S2-S6, S9, S10, S12, S13, S28)."""

from __future__ import annotations

from frameio_oauth_mock.conformance.model import Level, Outcome, Verdict
from frameio_oauth_mock.conformance.server import controls
from frameio_oauth_mock.conformance.server.context import ServerContext
from frameio_oauth_mock.conformance.server.flows import (
    Authorization,
    authorization_pairs,
    authorize,
    obtain_code,
)
from frameio_oauth_mock.conformance.server.grading import (
    AUTHORIZATION_ERRORS,
    Case,
    allowed_error_text,
    failed,
    grade,
    passed,
    warned,
)
from frameio_oauth_mock.conformance.server.table import check
from frameio_oauth_mock.conformance.server.target import ClientSpec

ATTACKER_URI = "https://attacker.example/callback"
UNKNOWN_SCOPE = "conformance-unknown-scope"


def refused(authorization: Authorization) -> bool:
    """No code came back (an error redirect, an error page, or nothing)."""
    return authorization.code is None


def refusal(authorization: Authorization) -> str:
    if authorization.error:
        return f"error redirect {authorization.error}"
    last = authorization.drive.last
    return f"HTTP {last.status if last else 0}, no redirect to the client"


def must_refuse(label: str, authorization: Authorization) -> Case:
    if authorization.code is not None:
        return failed(label, "a code was issued", authorization.evidence())
    return passed(label, refusal(authorization), authorization.evidence())


@check(
    "S2", "GET supported at the authorization endpoint (POST optional)", "RFC 6749 3.1", Level.MUST
)
def get_supported(ctx: ServerContext) -> Verdict:
    client = ctx.primary
    got = authorize(ctx, client)
    if got.code is None:
        if got.error:
            return Verdict.failed(f"a valid GET request was refused: {got.error}", got.evidence())
        return Verdict.errored(f"no code: {got.drive.stopped}", got.evidence())
    post = authorize(ctx, client, method="POST")
    note = "POST also yields a code" if post.code else "POST is not supported (a MAY)"
    return Verdict.passed(f"GET yields a code; {note}", got.evidence(), post.evidence("POST"))


@check("S3", "Unrecognized authorization parameters are ignored", "RFC 6749 3.1", Level.MUST)
def unknown_parameters(ctx: ServerContext) -> Verdict:
    controls.require(ctx, ctx.primary)  # else "broke the flow" would blame the parameter
    got = authorize(ctx, ctx.primary, extra=[("conformance_unknown", "ignore-me")])
    if got.code is not None:
        return Verdict.passed("the flow succeeds with an unknown parameter", got.evidence())
    return Verdict.failed(f"an unknown parameter broke the flow: {refusal(got)}", got.evidence())


@check("S4", "Repeated authorization parameters are refused", "RFC 6749 3.1", Level.MUST)
def repeated_parameters(ctx: ServerContext) -> Verdict:
    client = ctx.primary
    controls.require(ctx, client)
    cases = []
    for name, second in (("state", "other-state-value"), ("redirect_uri", client.redirect_uri)):
        pairs, _, _, pkce = authorization_pairs(ctx, client)
        pairs.append((name, second))
        got = authorize(ctx, client, pairs=pairs, pkce=pkce)
        cases.append(must_refuse(f"{name} twice", got))
    return grade(cases, "repeated parameters refused")


@check("S5", "Empty parameters are treated as omitted", "RFC 6749 3.1", Level.MUST)
def empty_parameters(ctx: ServerContext) -> Verdict:
    controls.require(ctx, ctx.primary)
    got = authorize(ctx, ctx.primary, extra=[("response_mode", ""), ("prompt", "")])
    if got.code is not None:
        return Verdict.passed("response_mode= and prompt= (empty) are ignored", got.evidence())
    return Verdict.failed(
        f"empty optional parameters broke the flow: {refusal(got)}", got.evidence()
    )


@check(
    "S6",
    "Missing or unknown response_type is an error",
    ("RFC 6749 3.1.1", "RFC 6749 4.1.2.1"),
    Level.MUST,
)
def response_type_errors(ctx: ServerContext) -> Verdict:
    client = ctx.primary
    controls.require(ctx, client)
    cases = []
    for label, value in (("missing", None), ("unknown", "conformance_unknown")):
        got = authorize(ctx, client, response_type=value)
        if got.code is not None or "access_token" in got.params:
            cases.append(failed(f"response_type {label}", "the flow succeeded", got.evidence()))
        elif got.error and got.error not in ("unsupported_response_type", "invalid_request"):
            cases.append(warned(f"response_type {label}", f"error {got.error}", got.evidence()))
        else:
            cases.append(passed(f"response_type {label}", refusal(got), got.evidence()))
    return grade(cases, "refused")


def _left_to(authorization: Authorization, uri: str) -> bool:
    callback = authorization.callback
    return callback is not None and callback.startswith(uri)


@check(
    "S9",
    "No redirect for an invalid client_id or redirect_uri",
    ("RFC 6749 3.1.2.4", "RFC 6749 4.1.2.1", "RFC 9700 4.11.2"),
    Level.MUST,
)
def no_redirect_on_invalid(ctx: ServerContext) -> Verdict:
    client = ctx.primary
    controls.require(ctx, client)
    cases = []
    unknown = ClientSpec(client_id="conformance-unknown-client", redirect_uris=client.redirect_uris)
    got = authorize(ctx, unknown)
    if _left_to(got, client.redirect_uri):
        cases.append(failed("unknown client_id", "redirected to the redirect_uri", got.evidence()))
    else:
        cases.append(passed("unknown client_id", refusal(got), got.evidence()))
    got = authorize(ctx, client, redirect_uri=ATTACKER_URI)
    if _left_to(got, ATTACKER_URI):
        cases.append(failed("unregistered redirect_uri", "redirected there", got.evidence()))
    else:
        cases.append(passed("unregistered redirect_uri", refusal(got), got.evidence()))
    return grade(cases, "no redirect")


@check(
    "S10",
    "Omitted redirect_uri with several registered is an error",
    "RFC 6749 3.1.2.3",
    Level.MUST,
)
def omitted_redirect_uri(ctx: ServerContext) -> Verdict:
    client = next((c for c in ctx.clients if len(c.redirect_uris) > 1), None)
    if client is None:
        return Verdict.not_applicable(
            "needs a client with more than one redirect URI in the target"
        )
    controls.require(ctx, client)
    got = authorize(ctx, client, redirect_uri=None)
    if got.callback is not None:
        return Verdict.failed("redirected although redirect_uri was omitted", got.evidence())
    last = got.drive.last
    if last is not None and last.status >= 500:
        # No redirect, but no error page either: the server took the request and broke.
        return Verdict.warned(
            f"not redirected, but not refused either: {got.drive.stopped} (an error page "
            "was due, RFC 6749 3.1.2.3, 4.1.2.1)",
            got.evidence(),
        )
    return Verdict.passed(f"not redirected: {refusal(got)}", got.evidence())


def _error_case(
    label: str, got: Authorization, sent_state: str | None, expected: str | None = None
) -> Case:
    """An authorization error must come back to the client with the exact state (and, when
    `expected` is given, with that error: access_denied is no answer to a bad scope)."""
    if got.code is not None:
        return Case(label, Outcome.NOT_APPLICABLE, "no error: the server accepted it")
    if not got.error:
        return warned(label, f"not redirected to the client ({refusal(got)})", got.evidence())
    params = got.params
    if params.get("state") != sent_state:
        return failed(label, f"state came back as {params.get('state')!r}", got.evidence())
    for name in ("error", "error_description"):
        if name in params and not allowed_error_text(params[name]):
            return failed(label, f"{name} has characters outside RFC 6749 A.7", got.evidence())
    if got.error not in AUTHORIZATION_ERRORS:
        return warned(label, f"error {got.error!r} is not a registered code", got.evidence())
    if expected is not None and got.error != expected:
        return warned(label, f"answered error={got.error}, expected {expected}", got.evidence())
    return passed(label, f"error={got.error} with the exact state", got.evidence())


@check(
    "S12",
    "Authorization errors redirect with error and the exact state",
    "RFC 6749 4.1.2.1",
    Level.MUST,
)
def error_redirects(ctx: ServerContext) -> Verdict:
    client = ctx.primary
    controls.require(ctx, client)
    state = ctx.target.options.state
    cases = [
        _error_case(
            "invalid_scope",
            authorize(ctx, client, scope=UNKNOWN_SCOPE),
            state,
            "invalid_scope",
        ),
        _error_case(
            "unsupported_response_type",
            authorize(ctx, client, response_type="conformance_unknown"),
            state,
            "unsupported_response_type",
        ),
    ]
    if ctx.target.login.strategy == "form":
        denied = authorize(ctx, client, browser=ctx.new_browser(), decision="deny")
        cases.append(_error_case("access_denied", denied, state, "access_denied"))
    decided = [case for case in cases if case.outcome is not Outcome.NOT_APPLICABLE]
    if not decided:
        return Verdict.not_decidable("the server accepted every request meant to fail")
    return grade(decided, "errors redirected")


@check("S13", "Success carries the code and the exact state", "RFC 6749 4.1.2", Level.MUST)
def success_response(ctx: ServerContext) -> Verdict:
    got = obtain_code(ctx, ctx.primary)
    sent = got.state
    returned = got.params.get("state")
    if returned != sent:
        return Verdict.failed(f"state sent {sent!r}, came back {returned!r}", got.evidence())
    return Verdict.passed(
        f"code and state {sent!r} returned unchanged",
        got.first_evidence("the authorization request"),
        got.evidence(),
    )


@check("S28", "Implicit grant (response_type=token) not offered", "RFC 9700 2.1.2", Level.SHOULD)
def no_implicit(ctx: ServerContext) -> Verdict:
    controls.require(ctx, ctx.primary)
    got = authorize(ctx, ctx.primary, response_type="token")
    advertised = "token" in (ctx.metadata.get("response_types_supported") or [])
    if "access_token" in got.params:
        return Verdict.warned("response_type=token returned an access token", got.evidence())
    if advertised:
        return Verdict.warned("metadata lists response_type 'token'", got.evidence())
    return Verdict.passed(f"refused: {refusal(got)}", got.evidence())


LONG_STATE_LENGTH = 1000


@check("S70", "A long state comes back whole; no state, none made up", "RFC 6749 4.1.2", Level.MUST)
def state_edges(ctx: ServerContext) -> Verdict:
    client = ctx.primary
    controls.require(ctx, client)
    cases: list[Case] = []
    # VSCHAR only (RFC 6749 A.5), long enough to catch truncation to a column width.
    long_state = ("S70-" + "abcXYZ09-._~+/=" * 70)[:LONG_STATE_LENGTH]
    got = authorize(ctx, client, state=long_state)
    returned = got.params.get("state")
    if got.code is None:
        cases.append(warned(f"{len(long_state)}-character state", refusal(got), got.evidence()))
    elif returned != long_state:
        length = len(returned) if returned is not None else 0
        cases.append(
            failed(
                f"{len(long_state)}-character state",
                f"came back as {length} characters",
                got.evidence(),
            )
        )
    else:
        cases.append(
            passed(f"{len(long_state)}-character state", "returned exactly", got.evidence())
        )
    got = authorize(ctx, client, state=None)
    if got.code is None:
        # state is RECOMMENDED, not REQUIRED (RFC 6749 4.1.1): a server may insist on it.
        cases.append(warned("no state", f"refused ({refusal(got)})", got.evidence()))
    elif "state" in got.params:
        cases.append(failed("no state", "a state came back that was never sent", got.evidence()))
    else:
        cases.append(passed("no state", "a code and no state", got.evidence()))
    return grade(cases, "state")
