"""The pages a user sees during authorization: redirects after credentials, framing, CORS,
third-party content, authentication before redirect, CSRF on consent (S22-S27)."""

from __future__ import annotations

import re
from urllib.parse import urlencode

from frameio_oauth_mock.conformance.model import Level, Verdict, not_decidable
from frameio_oauth_mock.conformance.pages import PageResources
from frameio_oauth_mock.conformance.server import controls
from frameio_oauth_mock.conformance.server.context import ServerContext
from frameio_oauth_mock.conformance.server.flows import authorization_pairs, authorize, driver
from frameio_oauth_mock.conformance.server.forms import APPROVE_WORDS
from frameio_oauth_mock.conformance.server.grading import Case, failed, grade, passed, warned
from frameio_oauth_mock.conformance.server.http import Call
from frameio_oauth_mock.conformance.server.login import Drive, origin
from frameio_oauth_mock.conformance.server.table import check
from frameio_oauth_mock.conformance.server.target import ClientSpec

ATTACKER_ORIGIN = "https://attacker.example"
# Hidden fields that look like anti-forgery tokens, by name.
_CSRF_NAMES = re.compile(r"csrf|xsrf|authenticity|token", re.I)
_RANDOM_VALUE = re.compile(r"[A-Za-z0-9_\-.~+/=]{16,}")
# An unguessable-looking path segment in a form action (oidc-provider's interaction uid...).
_RANDOM_SEGMENT = re.compile(r"/[A-Za-z0-9_-]{16,}(/|$)")


def _interactive_drive(ctx: ServerContext) -> Drive:
    """A fresh user agent through login and consent; not decidable unless the form driver
    or a login hook (whose requests are recorded) is what gets through them."""
    if ctx.target.login.strategy == "auto":
        raise not_decidable(
            "the login strategy is 'auto': the suite sees no login or consent page of its own "
            '(use strategy "form", or a hook)'
        )
    controls.require(ctx, ctx.primary)
    return authorize(ctx, ctx.primary, browser=ctx.new_browser()).drive


def _pages(ctx: ServerContext) -> list[Call]:
    """HTML pages of the authorization flow: login and consent (form strategy) and the error
    page shown for an unknown client (any strategy)."""
    controls.require(ctx, ctx.primary)
    pages: list[Call] = []
    if ctx.target.login.strategy in ("form", "hook"):
        pages += _interactive_drive(ctx).pages
    unknown = ClientSpec("conformance-unknown-client", ctx.primary.redirect_uris)
    pages += authorize(ctx, unknown, browser=ctx.new_browser()).drive.pages
    if not pages:
        raise not_decidable("the authorization flow showed no HTML page to inspect")
    return pages


@check(
    "S22", "No 307 redirect after a credential POST (303 preferred)", "RFC 9700 4.12", Level.MUST
)
def no_307(ctx: ServerContext) -> Verdict:
    drive = _interactive_drive(ctx)
    posts = [call for _, call in drive.submissions if call.method == "POST"]
    if not posts:
        return Verdict.not_decidable("no form was POSTed during login and consent")
    cases: list[Case] = []
    for call in posts:
        label = f"POST {call.url.split('?')[0]}"
        if call.status == 307:
            cases.append(failed(label, "answered 307", call.evidence()))
        elif call.is_redirect and call.status != 303:
            cases.append(
                warned(label, f"answered {call.status}, RFC 9700 4.12 prefers 303", call.evidence())
            )
        else:
            cases.append(passed(label, f"answered {call.status}", call.evidence()))
    return grade(cases, "redirects after POST")


def _frame_protected(call: Call) -> bool:
    xfo = call.header("x-frame-options").strip().lower()
    csp = call.header("content-security-policy").lower()
    return xfo in ("deny", "sameorigin") or "frame-ancestors" in csp


@check(
    "S23",
    "Authorization pages cannot be framed (X-Frame-Options / CSP frame-ancestors)",
    ("RFC 9700 4.16", "RFC 6749 10.13"),
    Level.MUST,
)
def clickjacking(ctx: ServerContext) -> Verdict:
    cases = [
        passed(call.url.split("?")[0], "framing forbidden", call.evidence())
        if _frame_protected(call)
        else failed(
            call.url.split("?")[0], "no X-Frame-Options or frame-ancestors", call.evidence()
        )
        for call in _pages(ctx)
    ]
    return grade(cases, "every page forbids framing")


@check("S24", "No CORS at the authorization endpoint", "RFC 9700 2.6", Level.MUST)
def no_cors(ctx: ServerContext) -> Verdict:
    pairs, *_ = authorization_pairs(ctx, ctx.primary)
    endpoint = ctx.endpoints["authorization"]
    url = f"{endpoint}?{urlencode(pairs)}"
    cases = []
    simple = ctx.api.get(url, headers={"Origin": ATTACKER_ORIGIN})
    preflight = ctx.api.request(
        "OPTIONS",
        url,
        headers={"Origin": ATTACKER_ORIGIN, "Access-Control-Request-Method": "GET"},
    )
    for label, call in (("GET with Origin", simple), ("preflight", preflight)):
        allowed = call.header("access-control-allow-origin")
        if allowed in ("*", ATTACKER_ORIGIN):
            cases.append(failed(label, f"Access-Control-Allow-Origin: {allowed}", call.evidence()))
        else:
            cases.append(passed(label, "no Access-Control-Allow-Origin for it", call.evidence()))
    return grade(cases, "no CORS")


@check(
    "S25",
    "Authorization pages load no third-party resources and set a Referrer-Policy",
    "RFC 9700 4.2.4",
    Level.SHOULD,
)
def third_party_content(ctx: ServerContext) -> Verdict:
    cases = []
    for call in _pages(ctx):
        label = call.url.split("?")[0]
        parser = PageResources(call.url)
        parser.feed(call.text)
        foreign = [url for url in parser.urls if origin(url) != origin(call.url)]
        if foreign:
            cases.append(warned(label, f"loads {foreign[0]}", call.evidence()))
        elif not (call.header("referrer-policy") or parser.meta_referrer):
            cases.append(warned(label, "no Referrer-Policy", call.evidence()))
        else:
            cases.append(passed(label, "own resources only, Referrer-Policy set", call.evidence()))
    return grade(cases, "pages")


@check(
    "S26",
    "User authenticated before any redirect; no silent repeat for public clients",
    ("RFC 9700 4.11.2", "RFC 6749 10.2"),
    Level.SHOULD,
)
def authenticate_first(ctx: ServerContext) -> Verdict:
    drive = _interactive_drive(ctx)
    first = drive.first
    if first is None:
        return Verdict.errored("no response to the authorization request")
    cases: list[Case] = []
    if first.is_redirect and "code=" in first.location:
        cases.append(failed("first request", "a code before any login", first.evidence()))
    else:
        cases.append(passed("first request", "a login page, not a code", first.evidence()))
    public = ctx.public
    if public is not None:
        browser = ctx.new_browser()
        authorize(ctx, public, browser=browser)
        again = authorize(ctx, public, browser=browser)
        if again.code is not None and not again.drive.pages:
            cases.append(warned("public client again", "a code without any page", again.evidence()))
        else:
            cases.append(
                passed("public client again", "the user is asked again", again.first_evidence())
            )
    return grade(cases, "interaction required")


def _request_values(pairs: list[tuple[str, str]]) -> set[str]:
    """Every value of the authorization request: the attacker who crafts it knows them all
    (state, code_challenge, nonce, client_id...), so none of them can be a CSRF token."""
    return {value for _, value in pairs if value}


def _samesite_protected(drive: Drive) -> bool:
    """Whether every cookie the pages set is SameSite=Lax or Strict: then a cross-site POST
    carries none of them, and modern browsers block the forgery for the server."""
    cookies = [
        value
        for call in drive.calls
        if call.response is not None
        for value in call.response.headers.get_list("set-cookie")
    ]
    return bool(cookies) and all(
        re.search(r";\s*samesite\s*=\s*(lax|strict)", cookie, re.I) for cookie in cookies
    )


@check("S27", "Consent form protected against CSRF", ("RFC 6749 10.12", "RFC 9700 4.7"), Level.MUST)
def consent_csrf(ctx: ServerContext) -> Verdict:
    if ctx.target.login.strategy != "form":
        return Verdict.not_decidable(
            "needs the form strategy: the suite must hold the consent form to tamper with it"
        )
    # Positive control: the consent form as the server served it, submitted unchanged, gives
    # a code (in its own browser, so the forged attempt below is on a fresh form).
    controls.require(ctx, ctx.primary)
    browser = ctx.new_browser()
    pairs, redirect, *_ = authorization_pairs(ctx, ctx.primary)
    form_driver = driver(ctx, browser, redirect)
    form_driver.stop_at_consent = True
    endpoint = ctx.endpoints["authorization"]
    drive = form_driver.run(f"{endpoint}?{urlencode(pairs)}")
    form = drive.consent_form
    if form is None:
        return Verdict.not_decidable(
            f"no consent page was shown ({drive.stopped or 'approved at once'})"
        )
    page_evidence = (drive.last.evidence(),) if drive.last else ()
    button = form.button(APPROVE_WORDS)
    full = form.pairs({}, button, tick=True)
    known = _request_values(pairs)
    # Only values the server chose count as anti-forgery tokens: a field named like one, or a
    # hidden random-looking value, that the authorization request did not carry.
    server_chosen = {
        f.name
        for f in form.fields
        if f.value
        and f.value not in known
        and (
            _CSRF_NAMES.search(f.name) or (f.type == "hidden" and _RANDOM_VALUE.fullmatch(f.value))
        )
    }
    segment = _RANDOM_SEGMENT.search(form.action)
    action_token = segment is not None and segment.group(0).strip("/") not in known
    if server_chosen:
        forged = [(name, value) for name, value in full if name not in server_chosen]
        call = form_driver.submit(form, forged, button.action if button else "")
        names = ", ".join(sorted(server_chosen))
        if call.is_redirect and "code=" in call.location:
            return Verdict.failed(f"consent accepted without {names}", call.evidence())
        return Verdict.passed(
            f"consent without {names} refused (HTTP {call.status})", call.evidence()
        )
    if action_token:
        return Verdict.passed(
            "no server-chosen field, but the form's action URL carries an unguessable "
            "identifier the authorization request did not",
            *page_evidence,
        )
    # Every field is one an attacker knows: submit exactly what a forged page would.
    call = form_driver.submit(form, full, button.action if button else "")
    if not (call.is_redirect and "code=" in call.location):
        return Verdict.not_decidable(
            "precondition failed: the consent form, submitted as served, gave no code "
            f"(HTTP {call.status})",
            call.evidence(),
        )
    if _samesite_protected(drive):
        return Verdict.warned(
            "the consent form carries no server-chosen value; only SameSite cookies keep a "
            "forged POST from carrying the session",
            *page_evidence,
            call.evidence("a consent POST made only of values the attacker chose"),
        )
    return Verdict.failed(
        "a consent POST made only of values the attacker chose "
        f"({', '.join(sorted({name for name, _ in full})) or 'no fields'}) got a code, and the "
        "session cookie is not SameSite",
        *page_evidence,
        call.evidence("the forged consent"),
    )
