"""The token endpoint's request and response rules: method, parameters, success and error
shapes, cache headers, unsupported grants, access token lifetime (S30, S31, S48-S51, S53, S64)."""

from __future__ import annotations

import re

from frameio_oauth_mock.conformance.model import Level, Verdict
from frameio_oauth_mock.conformance.server import controls
from frameio_oauth_mock.conformance.server.context import ServerContext
from frameio_oauth_mock.conformance.server.flows import (
    Tokens,
    code_pairs,
    error_code,
    issued,
    obtain_code,
    obtain_tokens,
    refresh,
    token_call,
)
from frameio_oauth_mock.conformance.server.grading import (
    TOKEN_ERRORS,
    Case,
    allowed_error_text,
    failed,
    grade,
    passed,
    warned,
)
from frameio_oauth_mock.conformance.server.http import Call
from frameio_oauth_mock.conformance.server.table import check

SHORT_LIFETIME = 3600  # RFC 6750 5.3: "one hour or less"


def _tokens(ctx: ServerContext) -> Tokens:
    """One plain flow's token response, shared by the checks that only read it."""
    cached = ctx.cache.get("tokens")
    if not isinstance(cached, Tokens):
        cached = ctx.cache["tokens"] = obtain_tokens(ctx, ctx.primary)
    return cached


def _error_responses(ctx: ServerContext) -> list[tuple[str, Call]]:
    client = ctx.primary
    cached = ctx.cache.get("token_errors")
    if isinstance(cached, list):
        return cached
    bogus = [("grant_type", "authorization_code"), ("code", "conformance-invalid-code")]
    if client.redirect_uri:
        bogus.append(("redirect_uri", client.redirect_uri))
    calls = [
        ("invalid code", token_call(ctx, client, bogus)),
        (
            "unknown grant_type",
            token_call(ctx, client, [("grant_type", "urn:conformance:unknown")]),
        ),
    ]
    ctx.cache["token_errors"] = calls
    return calls


@check("S30", "Token endpoint accepts only POST", "RFC 6749 3.2", Level.MUST)
def post_only(ctx: ServerContext) -> Verdict:
    controls.require(ctx, ctx.primary, "tokens")
    got = obtain_code(ctx, ctx.primary)
    call = token_call(ctx, ctx.primary, code_pairs(got), http_method="GET")
    if issued(call):
        return Verdict.failed(
            "a GET with the parameters in the query issued tokens", call.evidence()
        )
    return Verdict.passed(
        f"GET refused ({call.status} {error_code(call) or ''})".strip(), call.evidence()
    )


@check("S31", "Unknown token parameters ignored, repeated ones refused", "RFC 6749 3.2", Level.MUST)
def token_parameters(ctx: ServerContext) -> Verdict:
    client = ctx.primary
    controls.require(ctx, client, "tokens")
    got = obtain_code(ctx, client)
    call = token_call(ctx, client, [*code_pairs(got), ("conformance_unknown", "ignore-me")])
    cases: list[Case] = []
    if issued(call):
        cases.append(passed("unknown parameter", "ignored", call.evidence()))
    else:
        cases.append(failed("unknown parameter", f"refused ({error_code(call)})", call.evidence()))
    got = obtain_code(ctx, client)
    pairs = code_pairs(got)
    pairs.append(("code", got.code or ""))
    call = token_call(ctx, client, pairs)
    if issued(call):
        cases.append(failed("code twice", "tokens issued", call.evidence()))
    else:
        cases.append(passed("code twice", f"refused ({error_code(call)})", call.evidence()))
    return grade(cases, "parameters")


@check(
    "S48",
    "Token response: JSON with access_token, token_type, expires_in",
    "RFC 6749 5.1",
    Level.MUST,
)
def success_shape(ctx: ServerContext) -> Verdict:
    tokens = _tokens(ctx)
    call, body = tokens.call, tokens.body
    evidence = call.evidence()
    if call.content_type != "application/json":
        return Verdict.failed(f"Content-Type {call.header('content-type')!r}", evidence)
    missing = [name for name in ("access_token", "token_type") if not body.get(name)]
    if missing:
        return Verdict.failed(f"no {', '.join(missing)}", evidence)
    if str(body["token_type"]).lower() != "bearer":
        return Verdict.warned(
            f"token_type {body['token_type']!r} (this suite speaks Bearer)", evidence
        )
    if "expires_in" not in body:
        return Verdict.warned("no expires_in (RECOMMENDED)", evidence)
    if "scope" not in body:
        # RFC 6749 5.1: scope may be left out when it is what was requested.
        return Verdict.passed("JSON, access_token, token_type, expires_in (no scope)", evidence)
    return Verdict.passed("JSON with access_token, token_type, expires_in, scope", evidence)


@check(
    "S49",
    "Cache-Control: no-store (and Pragma: no-cache) on responses carrying tokens",
    "RFC 6749 5.1",
    Level.MUST,
)
def no_store(ctx: ServerContext) -> Verdict:
    # RFC 6749 5.1 asks it of responses that carry tokens (or other credentials); an error
    # response carries none, so its cache headers are not graded.
    tokens = _tokens(ctx)
    responses = [("code exchange", tokens.call)]
    if tokens.refresh_token:
        refreshed = refresh(ctx, ctx.primary, tokens.refresh_token)
        if issued(refreshed):
            responses.append(("refresh", refreshed))
    cases = []
    for label, call in responses:
        cache = call.header("cache-control").lower()
        pragma = call.header("pragma").lower()
        if "no-store" not in cache:
            cases.append(failed(label, f"Cache-Control {cache!r}", call.evidence()))
        elif "no-cache" not in pragma:
            cases.append(
                warned(
                    label, "no Pragma: no-cache (RFC 6749 5.1; OAuth 2.1 drops it)", call.evidence()
                )
            )
        else:
            cases.append(passed(label, "no-store, no-cache", call.evidence()))
    return grade(cases, "token responses")


@check(
    "S50",
    "Token errors: 400 (401), JSON, registered error codes, allowed characters",
    "RFC 6749 5.2",
    Level.MUST,
)
def error_shape(ctx: ServerContext) -> Verdict:
    cases = []
    for label, call in _error_responses(ctx):
        body = call.json()
        if body is None or "json" not in call.content_type:
            cases.append(
                failed(
                    label, f"not a JSON object ({call.header('content-type')!r})", call.evidence()
                )
            )
            continue
        code = body.get("error")
        if not isinstance(code, str):
            cases.append(failed(label, "no error member", call.evidence()))
            continue
        texts = [code] + [body[k] for k in ("error_description",) if isinstance(body.get(k), str)]
        expected_status = (400, 401) if code == "invalid_client" else (400,)
        if not all(allowed_error_text(text) for text in texts):
            cases.append(failed(label, "characters outside RFC 6749 A.7/A.8", call.evidence()))
        elif call.status not in expected_status:
            cases.append(failed(label, f"{code} with HTTP {call.status}", call.evidence()))
        elif code not in TOKEN_ERRORS:
            cases.append(warned(label, f"unregistered error {code!r}", call.evidence()))
        else:
            cases.append(passed(label, f"{call.status} {code}", call.evidence()))
    return grade(cases, "error responses")


@check(
    "S51",
    "unsupported_grant_type / invalid_request for unknown grants and missing parameters",
    "RFC 6749 5.2",
    Level.MUST,
)
def grant_errors(ctx: ServerContext) -> Verdict:
    client = ctx.primary
    cases = []
    attempts = [
        ("unknown grant_type", _error_responses(ctx)[1][1], "unsupported_grant_type"),
        (
            "no grant_type",
            token_call(ctx, client, [("code", "conformance-invalid-code")]),
            "invalid_request",
        ),
        (
            "no code",
            token_call(ctx, client, [("grant_type", "authorization_code")]),
            "invalid_request",
        ),
    ]
    for label, call, expected in attempts:
        code = error_code(call)
        if issued(call):
            cases.append(failed(label, "tokens issued", call.evidence()))
        elif code == expected:
            cases.append(passed(label, code, call.evidence()))
        elif code in ("invalid_request", "invalid_grant", "unsupported_grant_type"):
            cases.append(
                warned(label, f"{code}, RFC 6749 5.2 defines {expected} for this", call.evidence())
            )
        else:
            cases.append(failed(label, f"answered {code!r}", call.evidence()))
    return grade(cases, "errors")


@check("S53", "Resource owner password grant not supported", "RFC 9700 2.4", Level.MUST)
def no_password_grant(ctx: ServerContext) -> Verdict:
    controls.require(ctx, ctx.primary, "tokens")
    user = ctx.target.user
    pairs = [("grant_type", "password"), ("username", user.username), ("password", user.password)]
    if ctx.primary.scope:
        pairs.append(("scope", ctx.primary.scope))
    call = token_call(ctx, ctx.primary, pairs)
    if issued(call):
        return Verdict.failed("grant_type=password issued tokens", call.evidence())
    return Verdict.passed(f"refused ({call.status} {error_code(call)})", call.evidence())


@check(
    "S64",
    "Access tokens are short-lived (expires_in <= 3600)",
    ("RFC 6750 5.3", "RFC 6819 5.1.5.3"),
    Level.SHOULD,
)
def short_access_tokens(ctx: ServerContext) -> Verdict:
    tokens = _tokens(ctx)
    lifetime = tokens.body.get("expires_in")
    if not isinstance(lifetime, int | float) or isinstance(lifetime, bool):
        return Verdict.warned(
            f"expires_in is {lifetime!r}: the lifetime cannot be seen", tokens.call.evidence()
        )
    if lifetime > SHORT_LIFETIME:
        return Verdict.warned(
            f"access tokens live {lifetime:g}s (over an hour)", tokens.call.evidence()
        )
    return Verdict.passed(f"access tokens live {lifetime:g}s", tokens.call.evidence())


# RFC 6749 A.11-A.13, A.17: code, access_token, refresh_token are 1*VSCHAR (%x20-7E);
# token_type is a type-name (letters, digits, "-", ".", "_", "~", "+", "/").
_VSCHAR = re.compile(r"[\x20-\x7e]+")
_TYPE_NAME = re.compile(r"[A-Za-z0-9\-._~+/]+")


@check(
    "S71",
    "Codes and tokens use the characters RFC 6749 allows",
    ("RFC 6749 A.11", "RFC 6749 A.12", "RFC 6749 A.13", "RFC 6749 A.17"),
    Level.MUST,
)
def token_characters(ctx: ServerContext) -> Verdict:
    tokens = _tokens(ctx)
    values = [
        ("code", tokens.authorization.code or "", _VSCHAR),
        ("access_token", tokens.access_token, _VSCHAR),
        ("token_type", str(tokens.body.get("token_type", "")), _TYPE_NAME),
    ]
    if tokens.refresh_token:
        values.append(("refresh_token", tokens.refresh_token, _VSCHAR))
    cases: list[Case] = []
    for name, value, allowed in values:
        if allowed.fullmatch(value):
            cases.append(passed(name, f"{len(value)} allowed characters"))
        else:
            bad = sorted({c for c in value if not allowed.fullmatch(c)})[:5]
            cases.append(
                failed(name, f"characters outside the grammar: {bad!r}", tokens.call.evidence())
            )
    return grade(cases, "character sets")
