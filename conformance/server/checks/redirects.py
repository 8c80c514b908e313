"""redirect_uri matching: exact string match against attack variants (S7), the loopback
port exception (S8), and registration rules (S11)."""

from __future__ import annotations

import ipaddress
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from frameio_oauth_mock.conformance.model import Level, Outcome, Verdict
from frameio_oauth_mock.conformance.server import controls
from frameio_oauth_mock.conformance.server.context import ServerContext
from frameio_oauth_mock.conformance.server.flows import authorization_pairs, authorize
from frameio_oauth_mock.conformance.server.grading import Case, failed, grade, passed, warned
from frameio_oauth_mock.conformance.server.table import check
from frameio_oauth_mock.hosts import is_loopback_ip

ATTACKER_HOST = "attacker.example"
# Parameters the server adds to the redirect URI; what is left is the URI it answered to.
RESPONSE_PARAMETERS = frozenset(
    ["code", "state", "iss", "scope", "error", "error_description", "error_uri", "session_state"]
)


def _ip_literal(host: str) -> bool:
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return True


def variants(registered: str) -> list[tuple[str, str]]:
    """(label, URI) for every near-miss of `registered` a lax matcher might accept."""
    parts = urlsplit(registered)
    host = parts.hostname or ""
    netloc = parts.netloc
    port = f":{parts.port}" if parts.port else ""
    path = parts.path or "/"

    def build(
        netloc: str = netloc, path: str = path, query: str = parts.query, fragment: str = ""
    ) -> str:
        return urlunsplit((parts.scheme, netloc, path, query, fragment))

    found = [
        ("path suffix", build(path=path.rstrip("/") + "/attacker")),
        ("host suffix", build(netloc=f"{host}.{ATTACKER_HOST}{port}")),
        ("userinfo", build(netloc=f"{netloc}@{ATTACKER_HOST}")),
        ("query added", build(query=(parts.query + "&" if parts.query else "") + "attacker=1")),
        ("fragment", build(fragment="attacker")),
        (
            "trailing slash",
            build(path=path[:-1] if path.endswith("/") and len(path) > 1 else path + "/"),
        ),
    ]
    if not _ip_literal(host):
        found.append(("subdomain", build(netloc=f"{ATTACKER_HOST.split('.')[0]}.{netloc}")))
    if path.lower() != path.upper():
        found.append(("case", build(path=_swap_case(path))))
    encoded = _percent_encode_one(path)
    if encoded != path:
        found.append(("percent-encoding", build(path=encoded)))
    if parts.query:
        pairs = parse_qsl(parts.query, keep_blank_values=True)
        changed = [(pairs[0][0], pairs[0][1] + "-attacker"), *pairs[1:]]
        found.append(("query changed", build(query=urlencode(changed))))
    return found


def _swap_case(path: str) -> str:
    return path.upper() if path != path.upper() else path.lower()


def _percent_encode_one(path: str) -> str:
    """The path with its last letter percent-encoded: equal after decoding, not as a string."""
    for index in range(len(path) - 1, -1, -1):
        if path[index].isalpha():
            return f"{path[:index]}%{ord(path[index]):02X}{path[index + 1 :]}"
    return path


def answered_base(callback: str) -> str:
    """The URI a redirect went to, with the response parameters taken out of its query."""
    parts = urlsplit(callback)
    kept = [
        (k, v)
        for k, v in parse_qsl(parts.query, keep_blank_values=True)
        if k not in RESPONSE_PARAMETERS
    ]
    return urlunsplit(
        (parts.scheme, parts.netloc, parts.path, urlencode(sorted(kept)), parts.fragment)
    )


def _same_uri(callback: str, registered: str, any_port: bool = False) -> bool:
    got, want = urlsplit(answered_base(callback)), urlsplit(answered_base(registered))
    if any_port:
        return (got.scheme, got.hostname, got.path, got.query) == (
            want.scheme,
            want.hostname,
            want.path,
            want.query,
        ) and not got.fragment
    return got == want


def _variant_case(
    ctx: ServerContext, label: str, uri: str, registered: str, pairs_extra: bool = False
) -> Case:
    client = ctx.primary
    if pairs_extra:  # parameter pollution: the registered URI and the attacker's, both sent
        pairs, _, _, pkce = authorization_pairs(ctx, client, redirect_uri=registered)
        pairs.append(("redirect_uri", uri))
        got = authorize(ctx, client, pairs=pairs, pkce=pkce)
    else:
        got = authorize(ctx, client, redirect_uri=uri)
    callback = got.callback
    loopback = is_loopback_ip(urlsplit(registered).hostname or "")
    if callback is None:
        if got.drive.stopped.startswith(("no answer", "the login form came back", "gave up")):
            return Case(label, Outcome.ERROR, got.drive.stopped, got.evidence())
        return passed(label, "refused without redirect", got.evidence())
    if _same_uri(callback, registered, loopback):
        if got.code is not None and not pairs_extra:
            return warned(label, "a code was sent to the registered URI instead", got.evidence())
        return passed(label, "answered to the registered URI, not the variant", got.evidence())
    what = "a code" if got.code else f"error {got.error}" if got.error else "a redirect"
    return failed(label, f"accepted: {what} sent to the variant", got.evidence())


@check(
    "S7",
    "redirect_uri is compared by exact string match",
    ("RFC 9700 2.1", "RFC 9700 4.1.3", "RFC 6749 3.1.2.2"),
    Level.MUST,
)
def exact_redirect_matching(ctx: ServerContext) -> Verdict:
    registered = ctx.primary.redirect_uri
    controls.require(ctx, ctx.primary)
    cases = [_variant_case(ctx, label, uri, registered) for label, uri in variants(registered)]
    attacker = f"https://{ATTACKER_HOST}/callback"
    cases.append(_variant_case(ctx, "parameter pollution", attacker, registered, pairs_extra=True))
    return grade(cases, f"{len(cases)} variants of {registered} refused")


@check(
    "S8",
    "Loopback redirect URIs: any port, nothing else relaxed",
    ("RFC 8252 7.3", "RFC 9700 4.1.3"),
    Level.MUST,
)
def loopback_ports(ctx: ServerContext) -> Verdict:
    found = [
        (client, uri)
        for client in ctx.clients
        for uri in client.redirect_uris
        if urlsplit(uri).scheme == "http" and is_loopback_ip(urlsplit(uri).hostname or "")
    ]
    if not found:
        return Verdict.not_applicable(
            "no client has an http redirect URI on a loopback IP literal (127.0.0.1, [::1])"
        )
    client, registered = found[0]
    controls.require(ctx, client)
    parts = urlsplit(registered)
    other_port = (parts.port or 80) % 60000 + 1
    host = parts.netloc.rsplit(":", 1)[0] if parts.port else parts.netloc
    moved = urlunsplit((parts.scheme, f"{host}:{other_port}", parts.path, parts.query, ""))
    got = authorize(ctx, client, redirect_uri=moved)
    cases = []
    if got.code is not None and got.callback and got.callback.startswith(moved):
        cases.append(passed("other port", "accepted", got.evidence()))
    else:
        # RFC 8252 7.3 binds native-app registrations; a web client may be held to exact
        # matching, and the suite cannot see which kind the client was registered as.
        cases.append(
            warned(
                "other port",
                f"refused ({got.error or got.drive.stopped}); a MUST only if the client is "
                "registered as a native app",
                got.evidence(),
            )
        )
    suffix = urlunsplit(
        (
            parts.scheme,
            f"{host}:{other_port}",
            parts.path.rstrip("/") + "/attacker",
            parts.query,
            "",
        )
    )
    got = authorize(ctx, client, redirect_uri=suffix)
    if got.callback is not None and got.callback.startswith(suffix):
        cases.append(failed("other port and path", "accepted", got.evidence()))
    else:
        cases.append(passed("other port and path", "refused", got.evidence()))
    return grade(cases, f"loopback {registered}")


@check("S11", "http redirect URIs refused except loopback", "RFC 9700 2.6", Level.MUST)
def http_redirect_registration(ctx: ServerContext) -> Verdict:
    return Verdict.not_decidable(
        "redirect URIs are registered out of band; judging the registration policy needs the "
        "server's administration (or dynamic registration, which this suite does not use)"
    )
