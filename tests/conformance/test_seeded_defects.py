"""The server suite must convict: small servers (tests/conformance/seeded.py) each wrong in
exactly one way, every flaw caught by its check, and the honest server passing them all."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from frameio_oauth_mock.conformance.model import Outcome, Report
from frameio_oauth_mock.conformance.report import to_json
from frameio_oauth_mock.conformance.server.suite import run_server_suite
from frameio_oauth_mock.conformance.server.target import load_target
from tests.conformance.seeded import CLIENTS, PASSWORD, REDIRECT, Flaws, seeded
from tests.conformance.test_against_mock import NEEDS_NO_CODE

# Each flaw, and the checks that must fail because of it.
CAUGHT_BY = {
    "code_race": {"S41"},
    "refresh_race": {"S65"},
    "no_pkce_check": {"S15", "S43", "S45"},  # S15: accepted is not supported
    "redirect_prefix": {"S7"},
    "consent_by_challenge": {"S27"},  # hidden code_challenge is no CSRF token
    "bearer_challenge": {"S36"},  # a 401 after Basic must challenge Basic
    "auth_method_confusion": {"S66"},
    "token_in_query": {"S67"},
    "verifier_of_any_code": {"S68"},
    "revoke_foreign": {"S69"},
}


def _run(path: Path, only: list[str] | None = None) -> Report:
    return run_server_suite(load_target(path), only)


def _outcomes(report: Report, outcome: Outcome) -> set[str]:
    return {result.info.id for result in report.results if result.outcome is outcome}


@pytest.fixture(scope="module")
def honest(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Report]:
    with seeded(tmp_path_factory.mktemp("honest")) as path:
        yield _run(path)


def test_the_honest_server_fails_nothing(honest: Report) -> None:
    failing = {
        result.info.id: result.verdict.summary
        for result in honest.results
        if result.outcome in (Outcome.FAIL, Outcome.ERROR)
    }
    assert failing == {}
    caught = set().union(*CAUGHT_BY.values())
    assert caught <= _outcomes(honest, Outcome.PASS)  # so each flaw alone flips its check


@pytest.mark.parametrize("flaw", sorted(CAUGHT_BY))
def test_each_flaw_is_caught(tmp_path: Path, flaw: str) -> None:
    checks = CAUGHT_BY[flaw]
    with seeded(tmp_path, Flaws(**{flaw: True})) as path:
        report = _run(path, sorted(checks))
    assert _outcomes(report, Outcome.FAIL) == checks


def test_a_race_in_one_round_in_five_is_caught_by_the_default_rounds(tmp_path: Path) -> None:
    flaws = Flaws(code_race=True, race_every=5)  # codes 5, 10, 15, 20 have the window
    with seeded(tmp_path, flaws, options={"race_rounds": "21"}) as path:
        report = _run(path, ["S41"])
    verdict = report.result("S41").verdict
    assert verdict.outcome is Outcome.FAIL
    assert verdict.summary.startswith("4 of 21 rounds had more than one success")
    assert len(verdict.evidence) >= 2  # the winners of one round


def test_tokens_won_in_a_race_are_revoked_when_the_code_comes_again(tmp_path: Path) -> None:
    """S72: the seeded server revokes every token a reused code gave, the race winners' too."""
    with seeded(tmp_path, Flaws(code_race=True)) as path:
        report = _run(path, ["S41", "S72"])
    assert report.result("S41").outcome is Outcome.FAIL
    verdict = report.result("S72").verdict
    assert verdict.outcome is Outcome.PASS
    assert verdict.summary == (
        "0 of 5 tokens won in one code round still work after the code was presented once more"
    )
    notes = [exchange.note for exchange in verdict.evidence]
    assert "the code presented once more" in notes
    assert "a winner's token, by resource: revoked" in notes
    assert notes[-1] == "a fresh token, by resource: works"  # the probe's positive control


def test_tokens_won_in_a_race_that_outlive_the_reuse_are_a_finding(tmp_path: Path) -> None:
    with seeded(tmp_path, Flaws(code_race=True, race_forgets_tokens=True)) as path:
        report = _run(path, ["S72"])  # runs the race itself
    verdict = report.result("S72").verdict
    assert verdict.outcome is Outcome.WARN
    assert verdict.summary.startswith("4 of 5 tokens won in one code round still work")
    assert "a winner's token, by resource: still works" in [e.note for e in verdict.evidence]


def test_refresh_race_winners_are_revoked_with_their_family(tmp_path: Path) -> None:
    with seeded(tmp_path, Flaws(refresh_race=True)) as path:
        report = _run(path, ["S65", "S72"])
    assert report.result("S65").outcome is Outcome.FAIL
    verdict = report.result("S72").verdict
    assert verdict.outcome is Outcome.PASS
    assert verdict.summary.startswith("0 of 5 tokens won in one refresh token round still work")


def test_no_race_no_tokens_to_judge(honest: Report) -> None:
    verdict = honest.result("S72").verdict
    assert verdict.outcome is Outcome.NOT_APPLICABLE
    assert "no tokens were won twice" in verdict.summary


def _expiry(tmp_path: Path, flaws: Flaws, options: dict[str, str]) -> Report:
    with seeded(tmp_path, flaws, options=options) as path:
        return _run(path, ["S73"])


def test_basic_decoding_is_judged_only_where_secrets_are_checked(tmp_path: Path) -> None:
    """S33 passes only if a wrong secret is refused: a server that checks none 'accepts'
    the form-urlencoded special secret too, and that proves nothing."""
    with seeded(tmp_path, Flaws(any_secret=True)) as path:
        report = _run(path, ["S32", "S33"])
    assert report.result("S32").outcome is Outcome.FAIL
    verdict = report.result("S33").verdict
    assert verdict.outcome is Outcome.NOT_DECIDABLE
    assert verdict.summary.startswith("precondition failed: a wrong secret in Basic was accepted")


def test_a_code_past_its_configured_lifetime_is_refused(tmp_path: Path) -> None:
    report = _expiry(tmp_path, Flaws(code_lifetime=0.3), {"code_lifetime": "0.3"})
    verdict = report.result("S73").verdict
    assert verdict.outcome is Outcome.PASS
    assert verdict.summary.startswith("expired (configured lifetime 0.3s): a code redeemed 1.3s")
    assert "400 invalid_grant" in verdict.summary
    # The positive control: after the wait, a fresh code redeemed at once still works.
    assert verdict.evidence[-1].note == "a fresh code, redeemed at once: works"
    assert verdict.evidence[-1].response is not None
    assert verdict.evidence[-1].response.start_line == "HTTP 200 OK"


def test_a_code_that_never_expires_fails(tmp_path: Path) -> None:
    flaws = Flaws(code_lifetime=0.3, codes_never_expire=True)
    verdict = _expiry(tmp_path, flaws, {"code_lifetime": "0.3"}).result("S73").verdict
    assert verdict.outcome is Outcome.FAIL
    assert "tokens issued" in verdict.summary


def test_code_expiry_needs_the_lifetime_and_a_bounded_wait(tmp_path: Path) -> None:
    unset = _expiry(tmp_path, Flaws(), {}).result("S73").verdict
    assert unset.outcome is Outcome.NOT_DECIDABLE
    assert "set options.code_lifetime" in unset.summary
    options = {"code_lifetime": "30", "max_wait": "5"}
    too_long = _expiry(tmp_path, Flaws(), options).result("S73").verdict
    assert too_long.outcome is Outcome.NOT_DECIDABLE
    assert "longer than options.max_wait (5s)" in too_long.summary


def test_code_expiry_without_a_working_fresh_code_decides_nothing(tmp_path: Path) -> None:
    """Every code dies at once: no code was ever redeemed, so a refusal is no evidence."""
    verdict = _expiry(tmp_path, Flaws(code_lifetime=-1), {"code_lifetime": "0.2"})
    s73 = verdict.result("S73").verdict
    assert s73.outcome is Outcome.NOT_DECIDABLE
    assert s73.summary.startswith("precondition failed:")


def test_a_single_round_would_have_missed_that_race(tmp_path: Path) -> None:
    flaws = Flaws(code_race=True, race_every=5)
    with seeded(tmp_path, flaws, options={"race_rounds": "1"}) as path:
        report = _run(path, ["S41"])
    assert report.result("S41").outcome is Outcome.PASS


def test_a_login_that_always_fails_passes_nothing_that_needs_a_code(tmp_path: Path) -> None:
    with seeded(tmp_path, Flaws(login_fails=True)) as path:
        report = _run(path)
    assert _outcomes(report, Outcome.PASS) <= NEEDS_NO_CODE
    assert _outcomes(report, Outcome.FAIL) == set()
    assert "/login came back" in report.result("S13").verdict.summary


@pytest.mark.parametrize("shape", ["checkbox_consent", "deny_link", "script"])
def test_the_form_driver_gets_through(tmp_path: Path, shape: str) -> None:
    """A consent checkbox is ticked when approving, a Cancel link refuses, and a page that
    submits itself is submitted."""
    flaws = Flaws(interstitial="script") if shape == "script" else Flaws(**{shape: True})
    only = ["S2", "S12", "S13", "S15"]
    with seeded(tmp_path, flaws) as path:
        report = _run(path, only)
    assert {r.info.id: r.outcome for r in report.results} == dict.fromkeys(only, Outcome.PASS)
    assert "access_denied: error=access_denied" in report.result("S12").verdict.summary


def test_never_approves_when_asked_to_deny(tmp_path: Path) -> None:
    with seeded(tmp_path, Flaws(no_deny=True)) as path:
        report = _run(path, ["S12", "S13"])
    assert report.result("S13").outcome is Outcome.PASS
    s12 = report.result("S12").verdict
    assert s12.outcome is Outcome.ERROR
    assert "cannot deny on the page at http://" in s12.summary and "/consent" in s12.summary


def test_a_server_that_breaks_instead_of_refusing_is_reported_as_such(tmp_path: Path) -> None:
    """S10 on a server that takes a request without redirect_uri and answers its consent
    with a 500 page carrying a form: not a refused login (the driver does not submit that
    form), not a pass either."""
    two = (REDIRECT, "https://client.example/other-cb")
    with seeded(tmp_path, Flaws(crash_without_redirect_uri=True), redirect_uris=two) as path:
        report = _run(path, ["S10"])
    verdict = report.result("S10").verdict
    assert verdict.outcome is Outcome.WARN
    assert verdict.summary.startswith("not redirected, but not refused either: HTTP 500 at http")
    assert "/decide: the server failed when the consent form was submitted" in verdict.summary
    assert "username or password refused" not in verdict.summary


def test_an_unknown_form_is_reported_not_submitted(tmp_path: Path) -> None:
    """A form of hidden fields with a button of unknown meaning is not an auto-submit page:
    the suite names the page and grades nothing on it."""
    with seeded(tmp_path, Flaws(interstitial="button")) as path:
        report = _run(path, ["S13", "S4", "S44"])
    s13 = report.result("S13").verdict
    assert s13.outcome is Outcome.ERROR
    assert "cannot operate the page at http://" in s13.summary and "/step" in s13.summary
    for check_id in ("S4", "S44"):  # refusal checks: their precondition failed
        assert report.result(check_id).outcome is Outcome.NOT_DECIDABLE


def test_the_honest_server_gets_warns_only_where_it_departs(honest: Report) -> None:
    # S54: no throttling after wrong secrets is a finding, not "not decidable".
    assert honest.result("S54").outcome is Outcome.WARN
    # S49: its error responses carry no Cache-Control, and carry no tokens either.
    assert honest.result("S49").outcome is Outcome.PASS


def test_evidence_shows_client_ids_and_made_up_values(honest: Report) -> None:
    text = json.dumps(to_json(honest))
    assert "client_id=app" in text and "response_type=code" in text
    assert "conformance-invalid-code" in text  # a made-up code is no secret
    for secret, _ in CLIENTS.values():
        assert secret is None or secret not in text
    assert PASSWORD not in text


def test_fixed_authorization_parameters(tmp_path: Path) -> None:
    """A server that demands a nonce: the target file's [authorization_params] adds it."""
    with seeded(tmp_path, Flaws(require_nonce=True)) as path:
        without = _run(path, ["S13"])
    assert without.result("S13").outcome is not Outcome.PASS
    extra = '[authorization_params]\nnonce = "n-0S6_WzA2Mj"\n'
    with seeded(tmp_path, Flaws(require_nonce=True), extra=extra) as path:
        report = _run(path, ["S2", "S13", "S7"])
    assert {r.info.id: r.outcome for r in report.results} == dict.fromkeys(
        ["S2", "S7", "S13"], Outcome.PASS
    )
    request = report.result("S13").verdict.evidence[0].request.start_line
    assert request.startswith("GET ") and "nonce=n-0S6_WzA2Mj" in request
    assert report.target["authorization_params"] == {"nonce": "n-0S6_WzA2Mj"}


def test_one_response_shape_one_grade(tmp_path: Path) -> None:
    """A 400 with an empty body where invalid_grant belongs is the same warn everywhere."""
    with seeded(tmp_path, Flaws(empty_errors=True)) as path:
        report = _run(path, ["S38", "S55", "S59"])
    for check_id in ("S38", "S55", "S59"):
        verdict = report.result(check_id).verdict
        assert verdict.outcome is Outcome.WARN, check_id
        assert "refused with HTTP 400 but no error code" in verdict.summary, check_id


def test_access_denied_is_no_answer_to_a_bad_scope(tmp_path: Path) -> None:
    with seeded(tmp_path, Flaws(scope_denied=True)) as path:
        report = _run(path, ["S12"])
    verdict = report.result("S12").verdict
    assert verdict.outcome is Outcome.WARN
    assert "invalid_scope: answered error=access_denied, expected invalid_scope" in verdict.summary


def test_resource_errors_must_be_rfc_6750s(tmp_path: Path) -> None:
    with seeded(tmp_path, Flaws(resource_error="access_denied")) as path:
        report = _run(path, ["S63"])
    verdict = report.result("S63").verdict
    assert verdict.outcome is Outcome.FAIL
    assert "no token: error='access_denied' is not an RFC 6750 error" in verdict.summary
    assert "invalid token: HTTP 401" in verdict.summary


def test_a_public_client_that_cannot_refresh_is_a_finding(tmp_path: Path) -> None:
    with seeded(tmp_path, Flaws(public_no_refresh=True)) as path:
        report = _run(path, ["S58"])
    verdict = report.result("S58").verdict
    assert verdict.outcome is Outcome.WARN
    assert "public was issued a refresh token but its refresh was refused" in verdict.summary
