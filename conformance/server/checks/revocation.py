"""The revocation endpoint, RFC 7009 (S69): authentication required, only the owner's
tokens revoked, an unknown token answered 200, and a revocation that really revokes."""

from __future__ import annotations

from frameio_oauth_mock.conformance.model import Level, Verdict, not_applicable
from frameio_oauth_mock.conformance.server import controls
from frameio_oauth_mock.conformance.server.context import ServerContext
from frameio_oauth_mock.conformance.server.flows import (
    issued,
    need_refresh_token,
    refresh,
    token_call,
)
from frameio_oauth_mock.conformance.server.grading import Case, failed, grade, passed, warned
from frameio_oauth_mock.conformance.server.http import Call
from frameio_oauth_mock.conformance.server.table import check
from frameio_oauth_mock.conformance.server.target import ClientSpec


def _revoke(ctx: ServerContext, client: ClientSpec, token: str, auth: str | None = None) -> Call:
    pairs = [("token", token), ("token_type_hint", "refresh_token")]
    url = ctx.endpoints["revocation"]
    if auth == "nothing":
        return ctx.api.post(url, pairs)
    return token_call(ctx, client, pairs, url=url)


@check(
    "S69",
    "Revocation (RFC 7009): authenticated, owner's tokens only, unknown token 200",
    ("RFC 7009 2.1", "RFC 7009 2.2"),
    Level.MUST,
)
def revocation(ctx: ServerContext) -> Verdict:
    if "revocation" not in ctx.endpoints:
        raise not_applicable("no revocation endpoint in the metadata or the target")
    client = ctx.need_confidential()
    controls.require(ctx, client, "refresh")
    token = need_refresh_token(ctx, client).refresh_token or ""
    cases: list[Case] = []
    anonymous = _revoke(ctx, client, token, auth="nothing")
    if anonymous.status in (400, 401):
        cases.append(
            passed(
                "without client authentication", f"HTTP {anonymous.status}", anonymous.evidence()
            )
        )
    elif anonymous.status == 200:
        cases.append(warned("without client authentication", "answered 200", anonymous.evidence()))
    else:
        cases.append(
            passed(
                "without client authentication", f"HTTP {anonymous.status}", anonymous.evidence()
            )
        )
    others = [c for c in ctx.clients if c.client_id != client.client_id and not c.is_public]
    if others:
        foreign = _revoke(ctx, others[0], token)
        cases.append(
            passed(
                f"revoked by {others[0].client_id}", f"HTTP {foreign.status}", foreign.evidence()
            )
        )
    # The token must have survived both attempts; this refresh also rotates it.
    alive = refresh(ctx, client, token)
    if not issued(alive):
        cases.append(
            failed(
                "the token after those attempts",
                "revoked by a request that was not its client's",
                alive.evidence(),
            )
        )
        return grade(cases, "revocation")
    cases.append(passed("the token after those attempts", "still works", alive.evidence()))
    current = (alive.json() or {}).get("refresh_token") or token
    unknown = _revoke(ctx, client, "conformance-unknown-token")
    if unknown.status == 200:
        cases.append(passed("unknown token", "200", unknown.evidence()))
    else:
        cases.append(
            failed(
                "unknown token", f"HTTP {unknown.status}, RFC 7009 2.2 says 200", unknown.evidence()
            )
        )
    own = _revoke(ctx, client, str(current))
    after = refresh(ctx, client, str(current))
    if own.status == 200 and not issued(after):
        cases.append(passed("revoked by its client", "200, then refused", after.evidence()))
    else:
        cases.append(
            failed(
                "revoked by its client",
                f"revocation answered {own.status}; the token "
                f"{'still works' if issued(after) else 'is refused'}",
                after.evidence(),
            )
        )
    return grade(cases, "revocation")
