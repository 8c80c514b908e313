"""PKCE at both endpoints: support and discovery, refusals, downgrades (S15-S20, S43-S46)."""

from __future__ import annotations

import base64
import binascii
import hashlib
import secrets

from frameio_oauth_mock.conformance.model import Level, Verdict
from frameio_oauth_mock.conformance.server import controls
from frameio_oauth_mock.conformance.server.context import ServerContext
from frameio_oauth_mock.conformance.server.flows import (
    Authorization,
    Pkce,
    authorize,
    error_code,
    issued,
    obtain_code,
    redeem,
)
from frameio_oauth_mock.conformance.server.grading import Case, grade, grant_refusal, warned
from frameio_oauth_mock.conformance.server.table import check
from frameio_oauth_mock.conformance.server.target import ClientSpec


def pkce_client(ctx: ServerContext) -> ClientSpec:
    """Public clients are where PKCE matters most; fall back to the primary client."""
    return ctx.public or ctx.primary


@check("S15", "PKCE with S256 is supported", ("RFC 7636 4.2", "RFC 9700 2.1.1"), Level.MUST)
def s256_supported(ctx: ServerContext) -> Verdict:
    client = pkce_client(ctx)
    got = authorize(ctx, client, pkce=Pkce.s256())
    if got.code is None:
        if got.error:
            return Verdict.failed(f"S256 challenge refused: {got.error}", got.evidence())
        # No answer from the server at all: the flow, not PKCE, is what failed.
        return Verdict.errored(f"no code: {got.drive.stopped}", got.evidence())
    call = redeem(ctx, got)
    if error_code(call) == "invalid_client":
        return Verdict.errored(
            "client authentication failed; PKCE was never judged", call.evidence()
        )
    if not issued(call):
        return Verdict.failed("the matching S256 verifier was refused", call.evidence())
    # The control: a server that ignores the challenge "completes the flow" too. Support
    # means the verifier is checked, so another (well-formed) verifier must be refused.
    other = authorize(ctx, client, pkce=Pkce.s256())
    if other.code is None:
        return Verdict.errored(
            f"no second code for the wrong-verifier control: {other.drive.stopped}",
            other.evidence(),
        )
    wrong = redeem(ctx, other, code_verifier=Pkce.s256().verifier)
    if issued(wrong):
        return Verdict.failed(
            "the challenge is not enforced: a code redeemed with another verifier got tokens "
            "too, so S256 is accepted but not supported (see S43)",
            call.evidence("the matching verifier"),
            wrong.evidence("another verifier"),
        )
    return Verdict.passed(
        "an S256 challenge and its verifier complete the flow; another verifier is refused",
        got.evidence(),
        call.evidence("the matching verifier"),
        wrong.evidence("another verifier"),
    )


@check(
    "S16",
    "PKCE support is discoverable (code_challenge_methods_supported)",
    ("RFC 9700 2.1.1", "RFC 8414 2"),
    Level.SHOULD,
)
def pkce_metadata(ctx: ServerContext) -> Verdict:
    if not ctx.discovery.metadata:
        return Verdict.warned("no authorization server metadata to advertise PKCE support")
    methods = ctx.metadata.get("code_challenge_methods_supported")
    evidence = [call.evidence("metadata") for call in ctx.discovery.calls if call.status == 200][:1]
    if not isinstance(methods, list) or "S256" not in methods:
        return Verdict.warned(f"code_challenge_methods_supported is {methods!r}", *evidence)
    if "plain" in methods:
        got = authorize(ctx, pkce_client(ctx), pkce=Pkce.plain())
        if got.code is None:
            return Verdict.warned(
                "metadata advertises 'plain' but the server refuses it "
                f"({got.error or got.drive.stopped})",
                *evidence,
                got.evidence("plain refused"),
            )
    return Verdict.passed(f"code_challenge_methods_supported = {methods}", *evidence)


@check("S17", "Missing code_challenge refused when PKCE is required", "RFC 7636 4.4.1", Level.MUST)
def challenge_required(ctx: ServerContext) -> Verdict:
    client = pkce_client(ctx)
    controls.require(ctx, client)
    got = authorize(ctx, client, pkce=None)
    if got.code is not None:
        if client.is_public:
            return Verdict.warned(
                "a public client got a code without PKCE (RFC 9700 2.1.1 expects PKCE)",
                got.evidence(),
            )
        return Verdict.not_applicable(
            "PKCE is optional for the confidential client and the target has no public client",
            got.evidence(),
        )
    if got.error == "invalid_request":
        return Verdict.passed("refused with invalid_request", got.evidence())
    if got.error:
        return Verdict.failed(
            f"refused with {got.error}, RFC 7636 4.4.1 says invalid_request", got.evidence()
        )
    return Verdict.warned("refused without redirecting the error to the client", got.evidence())


@check("S18", "Unsupported code_challenge_method refused", "RFC 7636 4.4.1", Level.MUST)
def unsupported_method(ctx: ServerContext) -> Verdict:
    controls.require(ctx, pkce_client(ctx))
    base = Pkce.s256()
    got = authorize(ctx, pkce_client(ctx), pkce=Pkce(base.verifier, base.challenge, "S512"))
    if got.code is not None:
        return Verdict.failed("code_challenge_method=S512 accepted", got.evidence())
    if got.error == "invalid_request":
        return Verdict.passed("refused with invalid_request", got.evidence())
    return Verdict.warned(f"refused, but with {got.error or 'no error redirect'}", got.evidence())


@check("S19", "plain PKCE method not accepted", ("RFC 7636 7.2", "RFC 9700 2.1.1"), Level.SHOULD)
def plain_refused(ctx: ServerContext) -> Verdict:
    controls.require(ctx, pkce_client(ctx))
    got = authorize(ctx, pkce_client(ctx), pkce=Pkce.plain())
    if got.code is None:
        return Verdict.passed(f"plain refused ({got.error or got.drive.stopped})", got.evidence())
    call = redeem(ctx, got)
    if issued(call):
        return Verdict.warned(
            "code_challenge_method=plain accepted end to end", got.evidence(), call.evidence()
        )
    return Verdict.warned(
        "plain accepted at the authorization endpoint", got.evidence(), call.evidence()
    )


def _segments(code: str) -> list[bytes]:
    """Every base64url-decodable part of a structured code (JWT, "prefix_data.sig", ...)."""
    decoded = []
    for part in code.replace("_", ".").split(".") + code.split("."):
        padded = part + "=" * (-len(part) % 4)
        try:
            decoded.append(base64.urlsafe_b64decode(padded))
        except (binascii.Error, ValueError):
            continue
    return decoded


@check("S20", "The code does not reveal the code_challenge", "RFC 7636 4.4", Level.MUST)
def challenge_not_in_code(ctx: ServerContext) -> Verdict:
    pkce = Pkce.s256()
    got = obtain_code(ctx, pkce_client(ctx), pkce=pkce)
    code = got.code or ""
    digest = hashlib.sha256(pkce.verifier.encode()).digest()
    if pkce.challenge in code or any(
        pkce.challenge.encode() in part or digest in part for part in _segments(code)
    ):
        return Verdict.failed("the challenge can be read out of the code", got.evidence())
    return Verdict.passed(
        "neither the challenge nor its digest appears in the code or its base64 parts",
        got.evidence(),
    )


@check(
    "S43", "Wrong or missing code_verifier refused", ("RFC 7636 4.6", "RFC 9700 2.1.1"), Level.MUST
)
def verifier_enforced(ctx: ServerContext) -> Verdict:
    client = pkce_client(ctx)
    controls.require(ctx, client, "tokens")
    wrong = obtain_code(ctx, client)
    call = redeem(ctx, wrong, code_verifier=Pkce.s256().verifier)
    cases = [grant_refusal("wrong verifier", call)]
    missing = obtain_code(ctx, client)
    call = redeem(ctx, missing, code_verifier=None)
    cases.append(grant_refusal("missing verifier", call, ("invalid_grant", "invalid_request")))
    return grade(cases, "verifier enforced")


@check(
    "S44",
    "Verifier without a challenge refused (PKCE downgrade)",
    ("RFC 9700 2.1.1", "RFC 9700 4.8.2"),
    Level.MUST,
)
def downgrade_refused(ctx: ServerContext) -> Verdict:
    client = ctx.primary
    controls.require(ctx, client, "tokens")
    got = authorize(ctx, client, pkce=None)
    if got.code is None:
        return Verdict.passed(
            "a request without code_challenge is refused, so no downgrade is possible",
            got.evidence(),
        )
    call = redeem(ctx, got, code_verifier=Pkce.s256().verifier)
    case = grant_refusal("verifier without challenge", call, ("invalid_grant", "invalid_request"))
    return grade([case], "refused")


@check(
    "S45",
    "S256: verifier equal to the challenge refused",
    ("RFC 7636 4.4", "RFC 7636 4.6"),
    Level.MUST,
)
def challenge_as_verifier(ctx: ServerContext) -> Verdict:
    controls.require(ctx, pkce_client(ctx), "tokens")
    pkce = Pkce.s256()
    got = obtain_code(ctx, pkce_client(ctx), pkce=pkce)
    call = redeem(ctx, got, code_verifier=pkce.challenge)
    return grade([grant_refusal("verifier = challenge", call)], "refused")


def _verifier_case(ctx: ServerContext, label: str, verifier: str) -> Case:
    got: Authorization = obtain_code(ctx, pkce_client(ctx), pkce=Pkce.s256(verifier))
    call = redeem(ctx, got)
    if issued(call):
        return warned(label, "a verifier outside RFC 7636 4.1 was accepted", call.evidence())
    return grant_refusal(label, call, ("invalid_grant", "invalid_request"))


@check(
    "S46",
    "code_verifier syntax (43-128 unreserved characters) enforced",
    "RFC 7636 4.1",
    Level.SHOULD,
)
def verifier_syntax(ctx: ServerContext) -> Verdict:
    controls.require(ctx, pkce_client(ctx), "tokens")
    alphabet = secrets.token_urlsafe(200).replace("-", "a").replace("_", "b")
    cases = [
        _verifier_case(ctx, "42 characters", alphabet[:42]),
        _verifier_case(ctx, "129 characters", alphabet[:129]),
        _verifier_case(ctx, "characters outside the set", alphabet[:40] + "!*(),"),
    ]
    return grade(cases, "malformed verifiers refused even when they match the challenge")
