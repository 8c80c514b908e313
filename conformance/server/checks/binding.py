"""What binds a credential to its client: the registered authentication method (S66), and a
code to its own verifier, client and redirect URI across clients (S68)."""

from __future__ import annotations

from frameio_oauth_mock.conformance.model import Level, Verdict, not_applicable
from frameio_oauth_mock.conformance.server import controls
from frameio_oauth_mock.conformance.server.context import ServerContext
from frameio_oauth_mock.conformance.server.flows import (
    authorize,
    issued,
    obtain_code,
    redeem,
)
from frameio_oauth_mock.conformance.server.grading import (
    Case,
    failed,
    grade,
    grant_refusal,
    passed,
)
from frameio_oauth_mock.conformance.server.table import check
from frameio_oauth_mock.conformance.server.target import ClientSpec

# The other secret-based method, for a client registered with one of them.
_CONFUSED = {
    "client_secret_basic": "client_secret_post",
    "client_secret_post": "client_secret_basic",
}


@check(
    "S66",
    "A client authenticates only with the method it is registered for",
    ("RFC 7591 2", "OpenID Connect Core 9", "RFC 6749 2.3"),
    Level.MUST,
)
def method_confusion(ctx: ServerContext) -> Verdict:
    chosen: dict[str, ClientSpec] = {}
    for client in ctx.clients:  # one client per registered secret method
        if client.auth_method in _CONFUSED:
            chosen.setdefault(client.auth_method, client)
    if not chosen:
        raise not_applicable("the target lists no client that authenticates with a secret")
    cases: list[Case] = []
    for method, client in chosen.items():
        controls.require(ctx, client, "tokens")
        other = _CONFUSED[method]
        got = obtain_code(ctx, client)
        call = redeem(ctx, got, auth=other)
        cases.append(
            grant_refusal(
                f"{client.client_id} (registered {method}) using {other}",
                call,
                ("invalid_client", "unauthorized_client", "invalid_request"),
            )
        )
    return grade(cases, "the registered method only")


@check(
    "S68",
    "Codes stay bound across clients: own verifier, own client, own redirect URI",
    ("RFC 7636 4.6", "RFC 6749 4.1.3", "RFC 6749 10.5", "RFC 9700 4.1"),
    Level.MUST,
)
def cross_binding(ctx: ServerContext) -> Verdict:
    client = ctx.primary
    controls.require(ctx, client, "tokens")
    cases: list[Case] = []
    # A verifier that belongs to another code (of the same client): PKCE binds each code to
    # its own challenge, not to "any challenge this client sent".
    first, second = obtain_code(ctx, client), obtain_code(ctx, client)
    assert second.pkce is not None
    call = redeem(ctx, first, code_verifier=second.pkce.verifier)
    cases.append(grant_refusal("the verifier of another code", call))
    # A code its own client already redeemed, then presented by another client.
    other = ctx.other_client(client)
    got = obtain_code(ctx, client)
    own = redeem(ctx, got)
    if issued(own):
        call = redeem(ctx, got, client=other)
        cases.append(grant_refusal(f"a redeemed code presented by {other.client_id}", call))
    # Another client's redirect URI, when the target gives the two different ones.
    foreign = [uri for uri in other.redirect_uris if uri not in client.redirect_uris]
    if foreign:
        sent = authorize(ctx, client, redirect_uri=foreign[0])
        label = f"{other.client_id}'s redirect URI"
        if sent.callback is not None and sent.callback.startswith(foreign[0]):
            what = "a code" if sent.code else "a redirect"
            cases.append(failed(label, f"{what} sent to another client's URI", sent.evidence()))
        else:
            cases.append(passed(label, "not redirected there", sent.evidence()))
        got = obtain_code(ctx, client)
        call = redeem(ctx, got, redirect_uri=foreign[0])
        cases.append(grant_refusal(f"{label} at the token endpoint", call))
    return grade(cases, "bound")
