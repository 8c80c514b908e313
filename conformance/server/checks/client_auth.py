"""Client authentication at the token endpoint (S32-S36, S47, S54)."""

from __future__ import annotations

import dataclasses
import re
from urllib.parse import urlencode

from frameio_oauth_mock.conformance.model import Level, Verdict, not_applicable
from frameio_oauth_mock.conformance.server import controls
from frameio_oauth_mock.conformance.server.context import ServerContext
from frameio_oauth_mock.conformance.server.flows import (
    code_pairs,
    error_code,
    issued,
    obtain_code,
    redeem,
    token_call,
)
from frameio_oauth_mock.conformance.server.grading import Case, grade, grant_refusal
from frameio_oauth_mock.conformance.server.http import Call
from frameio_oauth_mock.conformance.server.table import check
from frameio_oauth_mock.conformance.server.target import ClientSpec


def _wrong(client: ClientSpec, secret: str) -> ClientSpec:
    return dataclasses.replace(client, client_secret=secret)


def _refused(label: str, call: Call, expected: tuple[str, ...] = ("invalid_client",)) -> Case:
    return grant_refusal(label, call, expected)


def basic_client(ctx: ServerContext) -> ClientSpec:
    client = next((c for c in ctx.clients if c.auth_method == "client_secret_basic"), None)
    if client is None:
        raise not_applicable("the target lists no client with auth_method client_secret_basic")
    return client


@check(
    "S32",
    "Confidential client must authenticate (missing, wrong, empty secret refused)",
    ("RFC 6749 3.2.1", "RFC 6749 5.2"),
    Level.MUST,
)
def must_authenticate(ctx: ServerContext) -> Verdict:
    client = ctx.need_confidential()
    controls.require(ctx, client, "tokens")
    method = client.auth_method
    secret = client.client_secret or ""
    attempts = [
        ("no secret (client_id only)", client, "none", ("invalid_client", "invalid_request")),
        ("wrong secret", _wrong(client, secret + "-wrong"), method, ("invalid_client",)),
        ("empty secret", _wrong(client, ""), method, ("invalid_client", "invalid_request")),
        ("no credentials at all", client, None, ("invalid_client", "invalid_request")),
    ]
    cases = []
    for label, as_client, auth, expected in attempts:
        got = obtain_code(ctx, client)
        call = token_call(ctx, as_client, code_pairs(got), auth=auth)
        cases.append(_refused(label, call, expected))
    return grade(cases, "refused")


@check(
    "S33",
    "HTTP Basic with form-urlencoded id and secret (special characters)",
    ("RFC 6749 2.3.1", "RFC 6749 B"),
    Level.MUST,
)
def basic_special_characters(ctx: ServerContext) -> Verdict:
    special = [
        c for c in ctx.clients if c.auth_method == "client_secret_basic" and c.has_special_secret
    ]
    if not special:
        return Verdict.not_applicable(
            "needs a client_secret_basic client whose secret has characters that form-encoding "
            "changes (e.g. ' ', '+', '%', ':', '&')"
        )
    client = special[0]
    got = obtain_code(ctx, client)
    call = redeem(ctx, got)
    if issued(call):
        # Only evidence of decoding if a wrong secret is refused: a server that checks no
        # secret at all "accepts" the encoded one too.
        impostor = dataclasses.replace(client, client_secret=f"{client.client_secret}-wrong")
        wrong = redeem(ctx, obtain_code(ctx, client), client=impostor)
        if issued(wrong):
            return Verdict.not_decidable(
                "precondition failed: a wrong secret in Basic was accepted as well, so the "
                "accepted form-urlencoded one says nothing about decoding (see S32)",
                call.evidence(),
                wrong.evidence("a wrong secret"),
            )
        return Verdict.passed(
            "Basic with the form-urlencoded secret authenticates (a wrong one is refused)",
            call.evidence(),
            wrong.evidence("a wrong secret"),
        )
    return Verdict.failed(
        f"the form-urlencoded secret was refused ({error_code(call)})", call.evidence()
    )


@check("S34", "Client credentials in the request URI refused", "RFC 6749 2.3.1", Level.MUST)
def credentials_in_query(ctx: ServerContext) -> Verdict:
    client = ctx.need_confidential()
    controls.require(ctx, client, "tokens")
    got = obtain_code(ctx, client)
    query = urlencode({"client_id": client.client_id, "client_secret": client.client_secret or ""})
    call = token_call(
        ctx, client, code_pairs(got), auth=None, url=f"{ctx.endpoints['token']}?{query}"
    )
    if issued(call):
        return Verdict.failed("tokens issued with the secret in the query string", call.evidence())
    return Verdict.passed(f"refused ({call.status} {error_code(call)})", call.evidence())


@check(
    "S35",
    "Two client authentication methods in one request refused",
    "RFC 6749 2.3",
    Level.ADVISORY,
)
def two_methods(ctx: ServerContext) -> Verdict:
    client = basic_client(ctx)
    controls.require(ctx, client, "tokens")
    got = obtain_code(ctx, client)
    body = [("client_id", client.client_id), ("client_secret", client.client_secret or "")]
    call = token_call(ctx, client, code_pairs(got) + body, auth="client_secret_basic")
    if issued(call):
        return Verdict.warned(
            "Basic and client_secret in the body together were accepted", call.evidence()
        )
    return Verdict.passed(f"refused ({call.status} {error_code(call)})", call.evidence())


@check("S36", "invalid_client after Basic: 401 with WWW-Authenticate", "RFC 6749 5.2", Level.MUST)
def basic_challenge(ctx: ServerContext) -> Verdict:
    client = basic_client(ctx)
    controls.require(ctx, client, "tokens")
    got = obtain_code(ctx, client)
    call = redeem(ctx, got, client=_wrong(client, (client.client_secret or "") + "-wrong"))
    if issued(call):
        return Verdict.failed("a wrong secret was accepted", call.evidence())
    challenge = call.header("www-authenticate")
    if call.status == 401 and _names_basic(challenge):
        return Verdict.passed(f"401 with WWW-Authenticate: {challenge}", call.evidence())
    if call.status == 401 and challenge:
        # RFC 6749 5.2: the challenge must name "the authentication scheme used by the client".
        return Verdict.failed(
            f"401 with WWW-Authenticate {challenge!r}, which does not name Basic",
            call.evidence(),
        )
    if call.status == 401:
        return Verdict.failed("401 without WWW-Authenticate", call.evidence())
    return Verdict.failed(f"HTTP {call.status} {error_code(call)}, expected 401", call.evidence())


def _names_basic(challenge: str) -> bool:
    """Whether one of the challenges in a WWW-Authenticate value is the Basic scheme."""
    return re.search(r"(^|,)\s*basic(\s|,|$)", _unquoted(challenge), re.IGNORECASE) is not None


def _unquoted(value: str) -> str:
    return re.sub(r'"(?:[^"\\]|\\.)*"', '""', value)  # quoted parameters say nothing


@check("S47", "Public client must send client_id", ("RFC 6749 3.2.1", "RFC 6749 4.1.3"), Level.MUST)
def public_client_id(ctx: ServerContext) -> Verdict:
    client = ctx.need_public()
    controls.require(ctx, client, "tokens")
    got = obtain_code(ctx, client)
    call = redeem(ctx, got, auth=None)
    if issued(call):
        return Verdict.failed("tokens issued without client_id", call.evidence())
    return Verdict.passed(f"refused ({call.status} {error_code(call)})", call.evidence())


@check("S54", "Brute force on client secrets throttled", "RFC 6749 2.3.1", Level.MUST)
def brute_force(ctx: ServerContext) -> Verdict:
    attempts = ctx.target.options.brute_force_attempts
    if attempts == 0:
        return Verdict.not_decidable("disabled (options.brute_force_attempts = 0)")
    client = ctx.need_confidential()
    last: Call | None = None
    pairs = [("grant_type", "authorization_code"), ("code", "conformance-invalid-code")]
    for index in range(attempts):
        last = token_call(ctx, _wrong(client, f"guess-{index}"), pairs)
        if last.status == 429 or last.header("retry-after"):
            return Verdict.passed(f"throttled after {index + 1} wrong secrets", last.evidence())
    assert last is not None
    return Verdict.warned(
        f"{attempts} wrong secrets in a row were answered without any throttling (no 429, no "
        "Retry-After); only secrets strong enough to make guessing moot would excuse it",
        last.evidence(),
    )
