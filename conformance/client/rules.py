"""Rules over every request a client made in a whole run (all scenarios): the shape of its
authorization, token, refresh and API requests. Each returns the Cases of one C item; the
first offending request is the evidence."""

from __future__ import annotations

import ipaddress
import math
from collections.abc import Callable, Iterable
from urllib.parse import urlsplit

from frameio_oauth_mock.conformance.client.logview import (
    FORM_TYPE,
    auth_methods,
    bearer,
    code_in_location,
    content_type,
    param,
    repeated,
)
from frameio_oauth_mock.conformance.client.scenario import ScenarioRun
from frameio_oauth_mock.conformance.grading import Case, failed, passed, warned
from frameio_oauth_mock.conformance.model import Outcome
from frameio_oauth_mock.conformance.server.entropy import estimate
from frameio_oauth_mock.mockserver.requestlog import LoggedRequest

Rule = Callable[[list[ScenarioRun]], list[Case]]
Found = tuple[ScenarioRun, LoggedRequest]

UNRESERVED_CLASSES = frozenset(["A-Z", "a-z", "0-9", "-", ".", "_", "~"])
_CLASS_SIZES = {"A-Z": 26, "a-z": 26, "0-9": 10, "-": 1, ".": 1, "_": 1, "~": 1}
VERIFIER_BITS = 256  # RFC 7636 7.1
STATE_BITS = 128  # RFC 6749 10.10


def _authorizations(runs: Iterable[ScenarioRun]) -> list[Found]:
    return [(run, entry) for run in runs for entry in run.authorizations()]


def _requests(
    runs: Iterable[ScenarioRun], endpoint: str, grant_type: str | None = None
) -> list[Found]:
    return [(run, entry) for run in runs for entry in run.entries(endpoint, grant_type)]


def _none(what: str) -> list[Case]:
    return [Case(what, Outcome.NOT_APPLICABLE, "the client made no such request")]


def _first_bad(
    label: str, found: list[Found], problem: Callable[[ScenarioRun, LoggedRequest], str | None]
) -> Case | None:
    for run, entry in found:
        why = problem(run, entry)
        if why is not None:
            return failed(label, f"{run.name}: {why}", run.evidence(entry, why))
    return None


def _all_pass(label: str, found: list[Found], detail: str) -> Case:
    run, entry = found[0]
    runs = len({run.name for run, _ in found})
    return passed(
        label, f"{len(found)} requests in {runs} scenarios: {detail}", run.evidence(entry)
    )


def _judge(
    label: str,
    found: list[Found],
    problem: Callable[[ScenarioRun, LoggedRequest], str | None],
    detail: str,
) -> list[Case]:
    if not found:
        return _none(label)
    return [_first_bad(label, found, problem) or _all_pass(label, found, detail)]


# Authorization requests -----------------------------------------------------------------------
def response_type_code(runs: list[ScenarioRun]) -> list[Case]:
    def problem(run: ScenarioRun, entry: LoggedRequest) -> str | None:
        value = param(entry.query, "response_type")
        return None if value == "code" else f"response_type={value!r}"

    return _judge("authorization requests", _authorizations(runs), problem, "response_type=code")


def s256_challenge(runs: list[ScenarioRun]) -> list[Case]:
    cases = []
    for public, label in ((True, "PKCE app"), (False, "app with a secret")):
        found = [(r, e) for r, e in _authorizations(runs) if (r.secret is None) == public]
        if not found:
            continue
        for run, entry in found:
            method = param(entry.query, "code_challenge_method")
            challenge = param(entry.query, "code_challenge")
            if challenge and method == "S256":
                continue
            why = f"code_challenge_method={method!r}" if challenge else "no code_challenge"
            # RFC 9700 2.1.1: PKCE is a MUST for public clients, RECOMMENDED for the others;
            # RFC 7636 4.2: a client able to use S256 MUST use it (plain is a fail for both).
            grade = failed if public or challenge else warned
            cases.append(grade(label, f"{run.name}: {why}", run.evidence(entry)))
            break
        else:
            cases.append(_all_pass(label, found, "code_challenge with S256"))
    return cases or _none("authorization requests")


def fresh_challenge(runs: list[ScenarioRun]) -> list[Case]:
    found = [
        (run, entry, param(entry.query, "code_challenge")) for run, entry in _authorizations(runs)
    ]
    challenges = [(run, entry, value) for run, entry, value in found if value]
    if len(challenges) < 2:
        return _none("code challenges")
    seen: dict[str, str] = {}
    for run, entry, value in challenges:
        if value in seen:
            detail = f"{run.name} reuses the challenge of {seen[value]}"
            return [failed("code challenges", detail, run.evidence(entry))]
        seen[value] = run.name
    return [passed("code challenges", f"{len(challenges)} authorization requests, all different")]


def _verifier_parts(shape: str) -> tuple[int, set[str]]:
    length, *classes = shape.split()
    return int(length), set(classes)


def verifier_capacity(shapes: Iterable[str]) -> float:
    """At most how many bits a client's verifiers carry: the shortest one's length times
    log2 of the alphabet they are drawn from, which is what all of them use together.

    One verifier alone says too little about its alphabet: 43 characters drawn from the 66
    unreserved ones miss some symbols, and about once in a thousand every digit, so judged
    one by one a sound generator would now and then look weaker than it is.
    """
    parts = [_verifier_parts(shape) for shape in shapes]
    shortest = min(length for length, _ in parts)
    classes = set().union(*(found for _, found in parts))
    size = sum(_CLASS_SIZES.get(name, 32) for name in classes)
    # Base64url verifiers that happen to miss '-' or '_' still came from 64 symbols.
    if classes <= {"A-Z", "a-z", "0-9", "-", "_"} and {"A-Z", "a-z"} <= classes:
        size = max(size, 64)
    return shortest * math.log2(max(size, 2))


def verifier_shape(runs: list[ScenarioRun]) -> list[Case]:
    found = [
        (run, entry)
        for run, entry in _requests(runs, "token", "authorization_code")
        if "code_verifier" in entry.shapes
    ]
    if not found:
        return _none("code verifiers")
    for run, entry in found:
        length, classes = _verifier_parts(entry.shapes["code_verifier"])
        if not 43 <= length <= 128 or not classes <= UNRESERVED_CLASSES:
            why = f"code_verifier of {length} characters ({' '.join(sorted(classes))})"
            return [failed("code verifiers", f"{run.name}: {why}", run.evidence(entry))]
    weakest = verifier_capacity(entry.shapes["code_verifier"] for _, entry in found)
    detail = f"{len(found)} verifiers, 43-128 unreserved characters"
    if weakest < VERIFIER_BITS:
        capacity = f"at most ~{weakest:.0f} bits (RFC 7636 7.1 asks {VERIFIER_BITS})"
        return [warned("code verifiers", f"{detail}; {capacity}")]
    return [passed("code verifiers", f"{detail}; up to ~{weakest:.0f} bits each")]


def relies_on_pkce(entry: LoggedRequest) -> bool:
    """No state, but an S256 challenge: RFC 9700 2.1 lets a client rely on PKCE for CSRF
    protection when the server supports it (the mock advertises S256; C7 grades a server
    that does not)."""
    return not param(entry.query, "state") and param(entry.query, "code_challenge_method") == "S256"


def state_always(runs: list[ScenarioRun]) -> list[Case]:
    def problem(run: ScenarioRun, entry: LoggedRequest) -> str | None:
        if param(entry.query, "state") or relies_on_pkce(entry):
            return None
        return "no state, and no S256 code_challenge to rely on instead"

    found = _authorizations(runs)
    cases = _judge("authorization requests", found, problem, "state present")
    pkce_only = [(run, entry) for run, entry in found if relies_on_pkce(entry)]
    if pkce_only and cases[0].outcome is Outcome.PASS:
        run, entry = pkce_only[0]
        detail = (
            f"{len(pkce_only)} of {len(found)} without state, each with an S256 challenge: the "
            "client relies on PKCE for CSRF protection, as RFC 9700 2.1 allows when the server "
            "supports PKCE (the metadata advertises S256)"
        )
        return [passed("authorization requests", detail, run.evidence(entry))]
    return cases


def state_unguessable(runs: list[ScenarioRun]) -> list[Case]:
    found = _authorizations(runs)
    cases = state_always(runs)
    states = [str(param(entry.query, "state")) for _, entry in found if param(entry.query, "state")]
    if len(states) < 4:
        return cases
    guess = estimate(states)
    if guess.duplicates or guess.bits < STATE_BITS:
        cases.append(failed("state entropy", f"{guess.explanation}, under {STATE_BITS} bits"))
    else:
        cases.append(passed("state entropy", guess.explanation))
    return cases


# Token requests -----------------------------------------------------------------------------
def _code_origins(runs: list[ScenarioRun]) -> dict[str | None, LoggedRequest]:
    """Each code the mock handed out (by fingerprint) -> the authorization request it answers:
    the latest one before the redirect that carried it (after login and consent pages too)."""
    origins: dict[str | None, LoggedRequest] = {}
    for run in runs:
        requests = run.entries("authorize")
        for entry in run.log:
            code = code_in_location(entry)
            before = [request for request in requests if request.id <= entry.id]
            if code and before:
                origins[code] = before[-1]
    return origins


def token_request_form(runs: list[ScenarioRun]) -> list[Case]:
    origins = _code_origins(runs)

    def problem(run: ScenarioRun, entry: LoggedRequest) -> str | None:
        if entry.method != "POST":
            return f"sent with {entry.method}"
        if content_type(entry) != FORM_TYPE:
            return f"Content-Type {content_type(entry) or 'missing'}"
        for name in ("grant_type", "code", "redirect_uri"):
            if repeated(entry.form, name):
                return f"{name} twice"
        origin = origins.get(param(entry.form, "code"))
        if origin is None:
            return "a code the mock never handed to this client"
        sent, expected = param(entry.form, "redirect_uri"), param(origin.query, "redirect_uri")
        if sent != expected:
            return f"redirect_uri {sent!r}, the authorization request had {expected!r}"
        return None

    return _judge(
        "code redemptions",
        _requests(runs, "token", "authorization_code"),
        problem,
        "POST, form-encoded, the code received and the same redirect_uri",
    )


def one_auth_method(runs: list[ScenarioRun]) -> list[Case]:
    def problem(run: ScenarioRun, entry: LoggedRequest) -> str | None:
        methods = auth_methods(entry)
        return None if len(methods) <= 1 else " and ".join(methods)

    return _judge("token requests", _requests(runs, "token"), problem, "one method each")


def public_sends_client_id(runs: list[ScenarioRun]) -> list[Case]:
    found = [(run, entry) for run, entry in _requests(runs, "token") if run.secret is None]

    def problem(run: ScenarioRun, entry: LoggedRequest) -> str | None:
        return None if entry.client_id == run.client_id else "no client_id"

    return _judge("PKCE app's token requests", found, problem, "client_id sent")


def secret_never_in_urls(runs: list[ScenarioRun]) -> list[Case]:
    found = [(run, entry) for run in runs if run.secret for entry in run.log]

    def problem(run: ScenarioRun, entry: LoggedRequest) -> str | None:
        secret = str(run.secret)
        if "client_secret" in entry.query:
            return f"client_secret in the query of {entry.method} {entry.path}"
        values = [
            v
            for value in entry.query.values()
            for v in (value if isinstance(value, list) else [value])
        ]
        texts = [entry.path, entry.location or "", *values]
        if any(secret in text for text in texts):
            return f"the secret appears in the URL of {entry.method} {entry.path}"
        return None

    if not found:
        return _none("requests of apps with a secret")
    case = _first_bad("URLs", found, problem)
    if case is not None:
        return [case]
    return [passed("URLs", f"{len(found)} requests by apps with a secret: the secret in no URL")]


def refresh_request_form(runs: list[ScenarioRun]) -> list[Case]:
    granted = {
        run.name: set(str(param(entry.query, "scope") or "").split())
        for run in runs
        for entry in run.authorizations()[:1]
    }

    def problem(run: ScenarioRun, entry: LoggedRequest) -> str | None:
        if entry.method != "POST" or content_type(entry) != FORM_TYPE:
            return f"{entry.method} with Content-Type {content_type(entry) or 'missing'}"
        if param(entry.form, "refresh_token") is None:
            return "no refresh_token"
        if run.secret is not None and not auth_methods(entry):
            return "no client authentication"
        if run.secret is None and entry.client_id != run.client_id:
            return "no client_id"
        asked = set(str(param(entry.form, "scope") or "").split())
        wider = asked - granted.get(run.name, asked)
        return f"scope widened by {' '.join(sorted(wider))}" if wider else None

    detail = "POST grant_type=refresh_token, client authenticated, scope not widened"
    return _judge("refresh requests", _requests(runs, "token", "refresh_token"), problem, detail)


# API requests and everything else ---------------------------------------------------------------
def bearer_header(runs: list[ScenarioRun]) -> list[Case]:
    found = [(run, e) for run in runs for e in run.entries(run.resource_endpoint)]

    def problem(run: ScenarioRun, entry: LoggedRequest) -> str | None:
        if "access_token" in entry.query:
            return "access_token in the query"
        if bearer(entry) is None:
            form = " (sent in the form body)" if "access_token" in entry.form else ""
            return f"no Authorization: Bearer header{form}"
        return None

    return _judge("API requests", found, problem, "Authorization: Bearer, nothing in the URL")


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def redirect_uri_https(runs: list[ScenarioRun]) -> list[Case]:
    def problem(run: ScenarioRun, entry: LoggedRequest) -> str | None:
        parts = urlsplit(str(param(entry.query, "redirect_uri") or ""))
        if parts.scheme == "https" or (parts.scheme == "http" and _loopback(parts.hostname or "")):
            return None
        return f"redirect_uri {param(entry.query, 'redirect_uri')!r}"

    detail = "https, or http on a loopback address (the URI the harness gave it)"
    return _judge("authorization requests", _authorizations(runs), problem, detail)


def minimal_scope(runs: list[ScenarioRun]) -> list[Case]:
    def problem(run: ScenarioRun, entry: LoggedRequest) -> str | None:
        extra = set(str(param(entry.query, "scope") or "").split()) - set(run.scopes)
        return f"asked for {' '.join(sorted(extra))} too" if extra else None

    found = _authorizations(runs)
    if not found:
        return _none("authorization requests")
    case = _first_bad("authorization requests", found, problem)
    if case is not None:
        return [Case(case.label, Outcome.WARN, case.detail, case.exchange)]
    return [_all_pass("authorization requests", found, "only the scopes it was configured with")]


def no_password_grant_and_metadata(runs: list[ScenarioRun]) -> list[Case]:
    if not _requests(runs, "token"):
        return _none("token requests")
    password = [(r, e) for r, e in _requests(runs, "token") if e.grant_type == "password"]
    if password:
        run, entry = password[0]
        return [failed("grants", f"{run.name}: grant_type=password", run.evidence(entry))]
    cases = [passed("grants", "no password grant in any scenario")]
    metadata = _requests(runs, "metadata")
    if metadata:
        run, entry = metadata[0]
        cases.append(passed("metadata", "reads the server's metadata", run.evidence(entry)))
    else:
        cases.append(warned("metadata", "never read the server's metadata (RFC 8414)"))
    return cases
