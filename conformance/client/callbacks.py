"""Judgements about callbacks: refused (wrong state, error, bad iss) or accepted, redeemed
once, state single use, no PKCE downgrade on a retry, and the page a client's listener serves."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlsplit

from frameio_oauth_mock.conformance.client.judging import (
    Judge,
    authorization_redirects,
    last_record,
    mock_refusal,
    not_shown,
    redeemed,
    session_codes,
    token_requests,
    undecided,
    unplayable,
)
from frameio_oauth_mock.conformance.client.logview import answered, code_in_location, param
from frameio_oauth_mock.conformance.client.rules import relies_on_pkce
from frameio_oauth_mock.conformance.client.scenario import (
    DELIVER,
    OK,
    REJECTED,
    REPLAY,
    ScenarioRun,
)
from frameio_oauth_mock.conformance.grading import Case, failed, passed, warned
from frameio_oauth_mock.conformance.model import Outcome
from frameio_oauth_mock.conformance.pages import PageResources
from frameio_oauth_mock.conformance.server.login import origin
from frameio_oauth_mock.mockserver.requestlog import LoggedRequest


# Callbacks the client must refuse, or accept ----------------------------------------------
def pkce_instead_of_state(run: ScenarioRun) -> Case | None:
    """For the items about state: a client that sends none and relies on PKCE (RFC 9700 2.1)
    is not judged on what it does with a state it never sent."""
    asked = run.authorizations()
    if asked and relies_on_pkce(asked[0]):
        return not_shown(
            run,
            "the client sends no state and relies on PKCE for CSRF protection, as RFC 9700 2.1 "
            "allows when the server supports it (see the Frame.io compatibility finding)",
        )
    return None


def refuses_callback(what: str, silent: Outcome = Outcome.PASS, about_state: bool = False) -> Judge:
    """After the callback: no token request at all. `silent` grades a client that made none
    but did not report an error either (for error responses, the user is left guessing)."""

    def judge(run: ScenarioRun) -> Case:
        record = last_record(run, DELIVER)
        pkce_only = pkce_instead_of_state(run) if about_state else None
        if pkce_only is not None:
            return pkce_only
        problem = unplayable(run, record)
        if problem is not None or record is None:
            return problem or not_shown(run, "no delivery")
        redirects = authorization_redirects(run)
        if not redirects or not shows_tampering(run, redirects[0]):
            return undecided(run, f"the mock never sent the callback with {what}")
        shown = [run.evidence(entry, what) for entry in redirects]
        token_calls = token_requests(record.entries)
        if token_calls:
            return failed(
                run.name,
                f"{what}, yet the client sent a token request",
                run.evidence(token_calls[0], "the token request that should not have been sent"),
            )
        if record.outcome == REJECTED:
            detail = f"{what}: refused, no token request ({record.detail})"
            return passed(run.name, detail, shown[0] if shown else None)
        detail = f"{what}: no token request, but the client reported no error"
        return Case(run.name, silent, detail, shown[0] if shown else None)

    return judge


def shows_tampering(run: ScenarioRun, redirect: LoggedRequest) -> bool:
    """Whether the callback the mock sent is the one the scenario is about: its error, or
    the state or iss changed as its authorization-endpoint fault says."""
    query = dict(parse_qsl(urlsplit(redirect.location or "").query, keep_blank_values=True))
    asked = run.authorizations()
    sent_state = param(asked[0].query, "state") if asked else None
    if run.scenario.login == "deny":
        return query.get("error") == "access_denied"
    for fault in run.scenario.faults:
        if fault.get("endpoint") != "authorize":
            continue
        if fault.get("redirect_error"):
            return query.get("error") == str(fault["redirect_error"])
        if fault.get("state") == "missing":
            return "state" not in query
        if fault.get("state") == "wrong":
            return "state" in query and query["state"] != sent_state
        if fault.get("iss") == "missing":
            return "iss" not in query
        if fault.get("iss") == "wrong":
            return "iss" in query and query["iss"] != run.issuer
    return True


def accepts_callback(what: str, refused: Outcome = Outcome.FAIL) -> Judge:
    """The callback is accepted: its code redeemed. `refused` grades a refusal."""

    def judge(run: ScenarioRun) -> Case:
        record = last_record(run, DELIVER)
        problem = unplayable(run, record)
        if problem is not None or record is None:
            return problem or not_shown(run, "no delivery")
        tokens = redeemed(record.entries, session_codes(run.records))
        by_mock = [e for e in token_requests(record.entries) if e.status >= 400 and answered(e)]
        if not tokens and by_mock:  # the mock said no, for a reason this item is not about
            return undecided(run, mock_refusal(by_mock[0]))
        if record.outcome == REJECTED or not tokens:
            detail = f"{what}: refused ({record.detail or 'no token'})"
            return Case(run.name, refused, detail)
        return passed(run.name, f"{what}: accepted", run.evidence(tokens[0]))

    return judge


def ignores_forged_error(run: ScenarioRun) -> Case:
    """A forged error callback with a wrong state, then the genuine one: the forgery leads to
    no token request and does not end the authorization (state is validated on errors too)."""
    deliveries = run.records_of(DELIVER)
    problem = unplayable(run, deliveries[0] if deliveries else None)
    if problem is not None or len(deliveries) < 2:
        return problem or undecided(run, "the genuine callback was not delivered")
    forged, genuine = deliveries[0], deliveries[1]
    if token_requests(forged.entries):
        return failed(run.name, "the forged error callback led to a token request")
    problem = unplayable(run, genuine)
    if problem is not None:
        return problem
    if redeemed(genuine.entries, session_codes(run.records)) and genuine.outcome == OK:
        return passed(
            run.name,
            "the forged error (wrong state) was ignored; the genuine callback was then accepted",
        )
    return warned(
        run.name,
        "after a forged error callback with a wrong state the genuine callback was refused "
        f"({genuine.detail or 'no token'}): the error's state was not checked",
    )


def redeems_once(run: ScenarioRun) -> Case:
    """The same callback twice: the code goes to the token endpoint at most once."""
    record = last_record(run, DELIVER)
    problem = unplayable(run, record)
    if problem is not None:
        return problem
    redirects = authorization_redirects(run)
    code = code_in_location(redirects[0]) if redirects else None
    uses = [
        entry
        for entry in token_requests(run.log, "authorization_code")
        if param(entry.form, "code") == code and answered(entry)
    ]
    if not uses:
        return undecided(run, "the first delivery made no token request")
    if len(uses) > 1:
        return failed(
            run.name,
            f"the code was sent to the token endpoint {len(uses)} times",
            run.evidence(uses[1], "the second redemption of one code"),
        )
    again = record.detail if record is not None and record.outcome == REJECTED else "no error"
    return passed(run.name, f"one token request; the replay was refused ({again})")


def single_use_state(run: ScenarioRun) -> Case:
    """A new code under a state already used (the browser replayed the authorization URL)."""
    record = last_record(run, DELIVER)
    problem = pkce_instead_of_state(run) or unplayable(run, record)
    if problem is not None or record is None:
        return problem or not_shown(run, "no delivery")
    replay = last_record(run, REPLAY)
    if replay is None or replay.outcome != OK:
        return undecided(run, "the replayed authorization never produced a second code")
    sent = token_requests(record.entries, "authorization_code")
    if sent:
        return warned(
            run.name,
            "a second code under an already used state was redeemed",
            run.evidence(sent[0], "the token request for the replayed state"),
        )
    return passed(run.name, f"the replayed state was refused ({record.detail or 'no error'})")


def no_plain_retry(run: ScenarioRun) -> Case:
    """After an invalid_request answer to an S256 request, the next request is S256 too."""
    problem = unplayable(run, last_record(run, DELIVER))
    if problem is not None:
        return problem
    authorizations = run.authorizations()
    if not authorizations:
        return undecided(run, "the client made no authorization request")
    first, *later = authorizations
    if not any(entry.location and shows_tampering(run, entry) for entry in run.log):
        return undecided(run, "the mock never answered the S256 request with invalid_request")
    if param(first.query, "code_challenge_method") != "S256":
        return not_shown(run, "the first authorization request did not use S256")
    if not later:
        return not_shown(run, "the client could not be asked for a second authorization")
    method = param(later[0].query, "code_challenge_method")
    if method != "S256":
        shown = method or "no code_challenge"
        return failed(run.name, f"retried with {shown}", run.evidence(later[0]))
    return passed(run.name, "the next authorization request uses S256 again")


# The callback page --------------------------------------------------------------------------
def callback_page(run: ScenarioRun) -> Case:
    record = last_record(run, DELIVER)
    problem = unplayable(run, record)
    if problem is not None or record is None:
        return problem or not_shown(run, "no delivery")
    page = record.page
    if page is None:
        return not_shown(
            run, "the client serves no callback page itself (a library: the app renders it)"
        )
    if page.response is None:
        return Case(run.name, Outcome.ERROR, f"the callback page did not load: {page.error}")
    if page.is_redirect:
        if "code=" in page.location:
            return warned(run.name, "redirects on with the code in the URL", page.evidence())
        return passed(run.name, "redirects to a URL without the code", page.evidence())
    resources = PageResources(page.url)
    resources.feed(page.text)
    foreign = [url for url in resources.urls if origin(url) != origin(page.url)]
    problems = []
    if foreign:
        problems.append(f"loads {foreign[0]}")
    if not (page.header("referrer-policy") or resources.meta_referrer):
        problems.append("no Referrer-Policy")
    if not any(
        "history.replaceState" in s or "location.replace" in s for s in resources.inline_scripts
    ):
        problems.append("the code stays in the address bar (no redirect or history.replaceState)")
    if problems:
        return warned(run.name, "; ".join(problems), page.evidence())
    return passed(run.name, "own resources only, Referrer-Policy, code removed", page.evidence())
