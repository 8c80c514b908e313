"""C1-C32 as checks of the shared model: each item's title, RFC sections and level, the run-wide
rules and scenario decisions that grade it, or why it cannot be graded from the request log.

A check plays the scenarios it needs (once each per run: the context caches them), collects
their Cases, and grades them with conformance.grading; cases that show nothing (a step the
client could not do) are kept as notes, and an item with only such cases is not_applicable.
"""

from __future__ import annotations

from dataclasses import dataclass

from frameio_oauth_mock.conformance.client import rules
from frameio_oauth_mock.conformance.client.context import ClientContext
from frameio_oauth_mock.conformance.client.judging import control_failure, mock_refusal
from frameio_oauth_mock.conformance.client.rules import Rule
from frameio_oauth_mock.conformance.client.scenario import ScenarioRun
from frameio_oauth_mock.conformance.client.scenarios import SCENARIOS
from frameio_oauth_mock.conformance.grading import Case, grade
from frameio_oauth_mock.conformance.model import Level, Outcome, Verdict
from frameio_oauth_mock.conformance.registry import CheckTable

TABLE: CheckTable[ClientContext] = CheckTable()
_SHOWS_NOTHING = (Outcome.NOT_APPLICABLE, Outcome.NOT_DECIDABLE)


@dataclass(frozen=True)
class Item:
    id: str
    title: str
    rfc: tuple[str, ...]
    level: Level
    rules: tuple[tuple[str, Rule], ...] = ()  # (how, rule) over every scenario's requests
    undecidable: str = ""  # why the request log cannot decide it


MUST, SHOULD, ADVISORY = Level.MUST, Level.SHOULD, Level.ADVISORY
ITEMS = (
    Item("C1", "Uses response_type=code, never implicit", ("RFC 9700 2.1.2",), MUST,
         (("every authorization request has response_type=code", rules.response_type_code),)),
    Item("C2", "Sends an S256 code_challenge", ("RFC 7636 4.2", "RFC 9700 2.1.1"), MUST,
         (("every authorization request carries code_challenge_method=S256 (an app with a "
           "secret that sends none is a warn: PKCE is RECOMMENDED there)", rules.s256_challenge),)),
    Item("C3", "A fresh code_challenge for every authorization request", ("RFC 9700 2.1.1",),
         MUST, (("no two authorization requests of the run share a code_challenge",
                 rules.fresh_challenge),)),
    Item("C4", "code_verifier: 43-128 unreserved characters, >= 256 bits",
         ("RFC 7636 4.1", "RFC 7636 7.1"), MUST,
         (("the log's shape of each code_verifier (length and character classes, never the "
           "value) is 43-128 unreserved characters; the shortest length x log2 of the alphabet "
           "the verifiers use together under 256 bits is a warn (freshness is C3: the "
           "challenge is the verifier's digest)",
           rules.verifier_shape),)),
    Item("C5", "Sends the matching code_verifier", ("RFC 7636 4.5",), MUST),
    Item("C6", "No downgrade to plain after an S256 attempt", ("RFC 7636 7.2",), MUST),
    Item("C7", "Uses state for CSRF unless PKCE support is known", ("RFC 9700 4.7.1",), MUST),
    Item("C8", "state present and unguessable", ("RFC 6749 10.12", "RFC 6749 10.10"), MUST,
         (("every authorization request has a state, or an S256 code_challenge to rely on "
           "instead (RFC 9700 2.1); the server suite's entropy estimate over "
           "all of them (the log keeps state in clear) is at least 128 bits; binding to the "
           "user agent's session is not visible", rules.state_unguessable),)),
    Item("C9", "A wrong or missing state is rejected; no token request",
         ("RFC 6749 10.12", "RFC 9700 2.1"), MUST),
    Item("C10", "state is single use: a replayed state is rejected", ("RFC 9700 4.2.4",), SHOULD),
    Item("C11", "A code is redeemed at most once, even when the callback comes twice",
         ("RFC 6749 4.1.2",), MUST),
    Item("C12", "Error responses are reported, with no token request", ("RFC 6749 4.1.2.1",),
         MUST),
    Item("C13", "Token request: POST, form-encoded, the code received, the same redirect_uri",
         ("RFC 6749 4.1.3", "RFC 6749 3.2"), MUST,
         (("every code redemption is a form-encoded POST with grant_type, the code the mock "
           "handed out (fingerprints) and the authorization request's redirect_uri",
           rules.token_request_form),)),
    Item("C14", "One client authentication method per request", ("RFC 6749 2.3",), MUST,
         (("no token request combines Basic, client_secret in the body or a client assertion",
           rules.one_auth_method),)),
    Item("C15", "client_secret_basic, credentials form-urlencoded first", ("RFC 6749 2.3.1",),
         MUST),
    Item("C16", "The client secret never in a URL", ("RFC 6749 2.3.1", "RFC 6749 10.1"), MUST,
         (("no request of an app with a secret has client_secret in its query, or the secret "
           "in its path, query or redirect", rules.secret_never_in_urls),)),
    Item("C17", "A public client sends client_id to the token endpoint", ("RFC 6749 3.2.1",),
         MUST, (("every token request of the PKCE app names its client_id",
                 rules.public_sends_client_id),)),
    Item("C18", "Unknown response parameters and token members are ignored",
         ("RFC 6749 4.1.2", "RFC 6749 5.1"), MUST),
    Item("C19", "token_type compared case-insensitively; expires_in, refresh_token optional",
         ("RFC 6749 5.1",), MUST),
    Item("C20", "Access token in the Authorization: Bearer header, never the query",
         ("RFC 6750 2.1", "RFC 9700 4.3.2"), MUST,
         (("every API request carries Authorization: Bearer and no access_token in its URL",
           rules.bearer_header),)),
    Item("C21", "Refresh: POST grant_type=refresh_token, authenticated, scope not widened",
         ("RFC 6749 6",), MUST,
         (("every refresh request is a form POST with the refresh token, client "
           "authentication (client_id for the PKCE app) and no wider scope",
           rules.refresh_request_form),)),
    Item("C22", "A new refresh token replaces the old one, which is never sent again",
         ("RFC 6749 6", "RFC 9700 4.14.2"), MUST),
    Item("C23", "invalid_grant on refresh: tokens dropped, no retry loop", ("RFC 6749 5.2",),
         ADVISORY),
    Item("C24", "429 and 503 with Retry-After honoured", ("RFC 6585 4", "RFC 9110 10.2.3"),
         ADVISORY),
    Item("C25", "RFC 9207: a wrong or missing iss is rejected when the server advertises it",
         ("RFC 9207 2.4", "RFC 9700 4.4.2.1"), MUST),
    Item("C26", "Mix-up defence: issuer bound to the request, metadata issuer checked",
         ("RFC 9700 4.4.2", "RFC 8414 3.3", "RFC 9207 2.4"), MUST),
    Item("C27", "Validates the server's TLS certificate", ("RFC 6749 10.9", "RFC 6750 5.3"),
         MUST),
    Item("C28", "Redirect URI https, except on loopback", ("RFC 6749 3.1.2.1", "RFC 9700 2.6"),
         SHOULD, (("every authorization request's redirect_uri is https or http on a loopback "
                   "address (the harness hands every client a loopback URI, so this shows only "
                   "that the client kept it)", rules.redirect_uri_https),)),
    Item("C29", "Callback page: no third-party content, Referrer-Policy, code removed",
         ("RFC 6749 3.1.2.5", "RFC 9700 4.2.4"), SHOULD),
    Item("C30", "No open redirector on the client", ("RFC 9700 4.11.1",), MUST,
         undecidable="which of the client's own endpoints take a redirect target cannot be "
         "known from outside"),
    Item("C31", "Requests the minimal scope", ("RFC 6749 10.3",), SHOULD,
         (("no authorization request asks for more than the scopes the client was configured "
           "with (more is a warn)", rules.minimal_scope),)),
    Item("C32", "Never the password grant; uses the server's metadata",
         ("RFC 9700 2.4", "RFC 9700 2.6"), MUST,
         (("no token request uses grant_type=password; the client reads the metadata "
           "(never reading it is a warn)", rules.no_password_grant_and_metadata),)),
)  # fmt: skip


def how_decided(item: Item) -> list[str]:
    """One line per way the item is decided (rules and scenarios), for reports and docs."""
    lines = [f"every scenario: {how}" for how, _ in item.rules]
    lines += [
        f"{scenario.name}: {decision.how}"
        for scenario in SCENARIOS
        for decision in scenario.decides
        if decision.check_id == item.id
    ]
    return lines or [f"not decidable: {item.undecidable}"]


def decide(item: Item, ctx: ClientContext) -> Verdict:
    if item.undecidable:
        return Verdict.not_decidable(item.undecidable)
    cases: list[Case] = []
    if item.rules:
        ctx.play_all()
        if ctx.never_began:  # rules over no request at all would show nothing, or pass
            return Verdict.errored(ctx.never_began)
    for _, rule in item.rules:
        runs = ctx.play_all()
        broken = [run for run in runs if run.broken]
        if len(broken) == len(runs):
            return Verdict.errored(f"no scenario could be played: {broken[0].broken}")
        cases += rule(runs)
    played: list[ScenarioRun] = []
    for scenario in SCENARIOS:
        for decision in scenario.decides:
            if decision.check_id == item.id:
                run = ctx.play(scenario)
                played.append(run)
                # No verdict without evidence: the scenario's positive control comes first.
                cases.append(control_failure(run) or decision.judge(run))
    shown = [case for case in cases if case.outcome not in _SHOWS_NOTHING]
    unshown = tuple(f"{case.label}: {case.detail}" for case in cases if case not in shown)
    hows = tuple(f"how: {line}" for line in how_decided(item))
    sessions = tuple(scenario_notes(played))
    by_adapter = ctx.adapter_code.get(item.id)
    if by_adapter:  # the verdict grades the adapter's own code: say so first
        hows = (f"graded: the adapter's own code, not the library ({by_adapter})", *hows)
    if not shown:
        summary = "; ".join(unshown) or "nothing in the run shows it"
        undecided = any(case.outcome is Outcome.NOT_DECIDABLE for case in cases)
        outcome = Outcome.NOT_DECIDABLE if undecided else Outcome.NOT_APPLICABLE
        return Verdict(outcome, summary, notes=_unique(hows + unshown + sessions))
    verdict = grade(shown, f"{len(shown)} of {len(shown)} cases pass")
    return Verdict(
        verdict.outcome,
        f"[adapter code] {verdict.summary}" if by_adapter else verdict.summary,
        verdict.evidence,
        _unique(hows + verdict.notes + unshown + sessions),
    )


def _unique(notes: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(notes))


def scenario_notes(runs: list[ScenarioRun]) -> list[str]:
    """What each scenario's client sessions left (exit status, stderr tail) and what the mock
    itself refused in it (its own errors, not scripted faults): evidence beside the verdict."""
    notes = []
    for run in runs:
        notes += [f"{run.name}: client {note}" for note in run.client_notes]
        for entry in run.log + run.control_log:
            if entry.status >= 400 and entry.fault is None:
                notes.append(f"{run.name}: {mock_refusal(entry)}")
    return notes


def _register(item: Item) -> None:
    @TABLE.check(item.id, item.title, item.rfc, item.level)
    def check(ctx: ClientContext) -> Verdict:
        return decide(item, ctx)


for _item in ITEMS:
    _register(_item)
BY_ID = {item.id: item for item in ITEMS}
