"""Refresh tokens: authentication and binding, scope, rotation and reuse detection (S55-S61)."""

from __future__ import annotations

import dataclasses

from frameio_oauth_mock.conformance.model import Level, Verdict
from frameio_oauth_mock.conformance.server import controls
from frameio_oauth_mock.conformance.server.context import ServerContext
from frameio_oauth_mock.conformance.server.flows import (
    error_code,
    issued,
    need_refresh_token,
    refresh,
    token_call,
)
from frameio_oauth_mock.conformance.server.grading import (
    Case,
    grade,
    grant_refusal,
    passed,
    warned,
)
from frameio_oauth_mock.conformance.server.http import Call
from frameio_oauth_mock.conformance.server.table import check


def _refused(label: str, call: Call, expected: tuple[str, ...] = ("invalid_grant",)) -> Case:
    return grant_refusal(label, call, expected)


@check(
    "S55",
    "Refresh requires client authentication; refresh token bound to its client",
    ("RFC 6749 6", "RFC 6749 10.4"),
    Level.MUST,
)
def refresh_authentication(ctx: ServerContext) -> Verdict:
    client = ctx.need_confidential()
    controls.require(ctx, client, "refresh")
    tokens = need_refresh_token(ctx, client)
    token = tokens.refresh_token or ""
    wrong = dataclasses.replace(client, client_secret=(client.client_secret or "") + "-wrong")
    cases = [
        _refused(
            "client_id only",
            refresh(ctx, client, token, auth="none"),
            ("invalid_client", "invalid_request"),
        ),
        _refused("wrong secret", refresh(ctx, wrong, token), ("invalid_client",)),
    ]
    others = [c for c in ctx.clients if c.client_id != client.client_id]
    if others:
        call = refresh(ctx, others[0], token)
        cases.append(_refused(f"used by {others[0].client_id}", call))
    verdict = grade(cases, "refused")
    if not others:
        notes = (*verdict.notes, "binding to the client not tested: needs a second client")
        return dataclasses.replace(verdict, notes=notes)
    return verdict


@check("S56", "Refresh cannot widen the scope (invalid_scope)", "RFC 6749 6", Level.MUST)
def refresh_scope_widening(ctx: ServerContext) -> Verdict:
    client = ctx.primary
    controls.require(ctx, client, "refresh")
    tokens = need_refresh_token(ctx, client)
    original = set((tokens.scope or client.scope).split())
    wider = " ".join(sorted(original | {client.extra_scope}))
    call = refresh(ctx, client, tokens.refresh_token or "", scope=wider)
    if not issued(call):
        code = error_code(call)
        if code == "invalid_scope":
            return Verdict.passed("invalid_scope", call.evidence())
        return Verdict.warned(
            f"refused with {code!r}, RFC 6749 6 says invalid_scope", call.evidence()
        )
    granted = set(str((call.json() or {}).get("scope", " ".join(original))).split())
    if granted - original:
        return Verdict.failed(f"the refresh granted {sorted(granted - original)}", call.evidence())
    return Verdict.warned(
        "the wider scope was ignored rather than refused (the original scope was returned)",
        call.evidence(),
    )


@check("S57", "A refreshed token keeps the original scope", "RFC 6749 6", Level.MUST)
def refresh_scope_kept(ctx: ServerContext) -> Verdict:
    client = ctx.primary
    tokens = need_refresh_token(ctx, client)
    call = refresh(ctx, client, tokens.refresh_token or "")
    if not issued(call):
        return Verdict.errored(f"refresh refused ({error_code(call)})", call.evidence())
    original = set((tokens.scope or client.scope).split())
    new_scope = (call.json() or {}).get("scope")
    if new_scope is None or set(str(new_scope).split()) == original:
        return Verdict.passed(f"scope {sorted(original)} kept", call.evidence())
    return Verdict.failed(f"scope changed to {new_scope!r}", call.evidence())


@check(
    "S58",
    "Refresh token rotation with reuse detection for public clients",
    ("RFC 9700 2.2.2", "RFC 9700 4.14.2"),
    Level.MUST,
)
def rotation(ctx: ServerContext) -> Verdict:
    client = ctx.public or ctx.primary
    tokens = need_refresh_token(ctx, client)
    old = tokens.refresh_token or ""
    first = refresh(ctx, client, old)
    if not issued(first):
        # A finding, not a failure of the suite: the server hands this client a refresh
        # token it then will not take (so there is no rotation to judge).
        return Verdict.warned(
            f"{client.client_id} was issued a refresh token but its refresh was refused "
            f"({first.status} {error_code(first)}): rotation cannot be seen",
            tokens.call.evidence("the refresh token issued"),
            first.evidence("the refresh refused"),
        )
    new = (first.json() or {}).get("refresh_token")
    if not new or new == old:
        if client.is_public:
            return Verdict.failed(
                "no rotation for a public client (and no sender-constraint is in use)",
                first.evidence(),
            )
        return Verdict.not_applicable(
            "no rotation, which confidential clients do not require; the target has no public "
            "client with refresh tokens",
            first.evidence(),
        )
    cases = [_refused("old refresh token replayed", refresh(ctx, client, old))]
    after = refresh(ctx, client, str(new))
    if issued(after):
        cases.append(
            warned(
                "active token after the replay",
                "still works (no reuse detection)",
                after.evidence(),
            )
        )
    else:
        cases.append(passed("active token after the replay", "revoked", after.evidence()))
    return grade(cases, f"rotates for {client.client_id}")


@check("S59", "Invalid or revoked refresh tokens: 400 invalid_grant", "RFC 6749 5.2", Level.MUST)
def invalid_refresh(ctx: ServerContext) -> Verdict:
    client = ctx.primary
    controls.require(ctx, client, "refresh")
    cases: list[Case] = []
    call = refresh(ctx, client, "conformance-invalid-refresh-token")
    cases.append(_invalid_grant("unknown refresh token", call))
    if "revocation" in ctx.endpoints:
        tokens = need_refresh_token(ctx, client)
        token = tokens.refresh_token or ""
        revoke = token_call(
            ctx,
            client,
            [("token", token), ("token_type_hint", "refresh_token")],
            url=ctx.endpoints["revocation"],
        )
        if revoke.status == 200:
            cases.append(_invalid_grant("revoked refresh token", refresh(ctx, client, token)))
    return grade(cases, "refused")


def _invalid_grant(label: str, call: Call) -> Case:
    return grant_refusal(label, call)


@check(
    "S60", "Refresh token bound to the consented scope and resources", "RFC 9700 4.14.2", Level.MUST
)
def refresh_binding(ctx: ServerContext) -> Verdict:
    return Verdict.not_decidable(
        "binding to resources needs a resource server that tells tokens apart; the scope part "
        "is graded by S56 and S57"
    )


@check("S61", "Refresh tokens expire after inactivity", "RFC 9700 4.14.2", Level.SHOULD)
def refresh_inactivity(ctx: ServerContext) -> Verdict:
    return Verdict.not_decidable(
        "inactivity lifetimes are days or weeks long; a black-box run cannot wait them out"
    )
