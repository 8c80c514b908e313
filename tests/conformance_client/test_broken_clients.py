"""No verdict without evidence, proven with deliberately broken clients: one that never starts,
one that hangs, one that exits mid-flow, one that refuses everything, one that ignores its
callback while another client logs in, and the correct process client (faulty_client.py) with
one defect at a time. Each defect is caught by its item, and nothing a client did not
demonstrably do passes."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from frameio_oauth_mock.conformance.client.adapter import ClientSetup
from frameio_oauth_mock.conformance.client.adapters.this_client import ThisClient
from frameio_oauth_mock.conformance.client.browser import Browser
from frameio_oauth_mock.conformance.client.catalogue import BY_ID
from frameio_oauth_mock.conformance.client.context import USER
from frameio_oauth_mock.conformance.client.process import process_adapter
from frameio_oauth_mock.conformance.client.suite import run_client_suite
from frameio_oauth_mock.conformance.model import Outcome, Report
from frameio_oauth_mock.conformance.redact import Redactor
from frameio_oauth_mock.conformance.report import to_json
from frameio_oauth_mock.conformance.server.http import Call
from tests.conformance_client.support import assert_complete, ids

FAULTY = str(Path(__file__).with_name("faulty_client.py"))
# Items decided by what the client does after a step of a scenario (not by run-wide rules).
AFTER_A_STEP = {item.id for item in BY_ID.values() if not item.rules and not item.undecidable}
# Items a defect-free client passes here (the advisory ones and C29 it leaves out).
GOOD = {f"C{n}" for n in range(1, 33)} - {"C21", "C23", "C24", "C29", "C30"}


def _run(command: list[str], only: list[str] | None = None, timeout: float = 5) -> Report:
    return run_client_suite(process_adapter(command, timeout=timeout), {"command": command}, only)


def _faulty(defect: str = "", only: list[str] | None = None) -> Report:
    return _run([sys.executable, FAULTY, *([defect] if defect else [])], only)


@pytest.fixture(scope="module")
def correct() -> Report:
    return _faulty()


def test_the_correct_client_passes_what_it_does(correct: Report) -> None:
    # The positive control of the tests below: without its defect the client passes them.
    assert_complete(correct)
    assert ids(correct, Outcome.PASS) >= GOOD


@pytest.mark.parametrize(
    ("defect", "item", "says"),
    [
        ("ignore-state", "C9", "state wrong, yet the client sent a token request"),
        ("reuse-code", "C11", "the code was sent to the token endpoint 2 times"),
        ("resend-rotated", "C22", "refresh 2 sent the rotated (already used) refresh token"),
    ],
)
def test_each_defect_is_caught(defect: str, item: str, says: str, correct: Report) -> None:
    report = _faulty(defect, [item])
    assert correct.result(item).outcome is Outcome.PASS
    assert report.result(item).outcome is Outcome.FAIL
    assert says in report.result(item).verdict.summary


def test_weak_pkce_verifiers_are_a_warn(correct: Report) -> None:
    """C4 on a seeded defect: 43 hex digits are unreserved characters (no fail), but their
    alphabet of 16 (judged as 36: letters and digits) carries under 256 bits."""
    report = _faulty("weak-verifier", ["C4"])
    assert correct.result("C4").outcome is Outcome.PASS
    assert report.result("C4").outcome is Outcome.WARN
    assert "at most ~222 bits (RFC 7636 7.1 asks 256)" in report.result("C4").verdict.summary


@pytest.mark.parametrize(
    "command",
    [["sh", "-c", "echo cannot start >&2; exit 3"], ["sleep", "1000"]],
    ids=["exits at once", "hangs"],
)
def test_a_client_that_never_authorizes_gets_no_pass(command: list[str]) -> None:
    report = _run(command, timeout=1)
    assert ids(report, Outcome.PASS, Outcome.FAIL, Outcome.WARN) == set()
    # C29 is decided by the one scenario played (not_decidable: no callback was delivered).
    undecided = {"C29", "C30"}
    assert ids(report, Outcome.ERROR) == {f"C{n}" for n in range(1, 33)} - undecided
    # One scenario waited --timeout for a URL; the others were not played at all.
    played = [run for run in report.target["scenarios"].values() if run["broken"] is None]
    assert len(played) == 1
    summary = report.result("C9").verdict.summary
    assert "the client never began an authorization" in summary
    assert "no authorization URL within 1s" in summary
    if command[0] == "sh":  # its exit status and stderr are the evidence
        assert "exited with status 3: cannot start" in summary
    else:  # `sleep` ignores stdin: it was terminated after the grace period
        (notes,) = [run["client"] for run in played]
        assert any("terminated" in note for note in notes)


def test_a_client_that_exits_mid_flow_gets_no_pass_after_its_exit() -> None:
    report = _faulty("exit-after-url")
    # It made authorization requests (rules about them may judge those), but nothing after.
    assert ids(report, Outcome.PASS) & AFTER_A_STEP == set()
    c9 = report.result("C9").verdict.summary
    # Undelivered: not sent, as it had exited, or sent as it was exiting and not answered.
    assert "positive control failed" in c9 and "deliver: undelivered" in c9
    assert "exited with status 0" in c9


class DeafClient(ThisClient):
    """Begins an authorization, then ignores its callback; meanwhile another client of the
    same app (as another run's client, or a late one, could) logs in on the mock and redeems
    its own code, with its own verifier, while this one's callback is being delivered."""

    def __init__(self, setup: ClientSetup) -> None:
        super().__init__(setup)
        self.setup = setup

    def deliver(self, callback_url: str) -> Call | None:
        other = ThisClient(self.setup)
        browser = Browser(self.setup.issuer, USER.email, USER.password, Redactor(), "allow")
        try:
            followed = browser.follow(other.begin())
            assert followed.callback is not None, followed.stopped
            other.deliver(followed.callback)
        finally:
            browser.close()
            other.close()
        return None  # as if it had taken the callback


def test_a_redemption_of_another_sessions_code_is_no_evidence() -> None:
    # The log holds a 200 code redemption with a matching verifier during this client's
    # delivery, but of a code this session was never given: C5 has nothing to judge.
    report = run_client_suite(DeafClient, {"adapter": "deaf"}, ["C5"])
    c5 = report.result("C5")
    assert c5.outcome is Outcome.NOT_DECIDABLE
    assert "pkce_login: the client made no token request for the code it was given" in (
        c5.verdict.summary
    )


def test_a_client_that_refuses_everything_does_not_pass_the_refusal_items() -> None:
    # Refusing a wrong state, an error or a wrong iss means something only from a client that
    # accepts the right callback: the positive control.
    report = _faulty("refuse-all", ["C9", "C10", "C11", "C12", "C25"])
    for item in ("C9", "C10", "C11", "C12", "C25"):
        verdict = report.result(item).verdict
        assert report.result(item).outcome is Outcome.NOT_DECIDABLE, item
        assert "positive control failed" in verdict.summary, item


def test_evidence_names_how_each_client_session_ended(correct: Report) -> None:
    scenarios = correct.target["scenarios"]
    assert scenarios["state_wrong"]["client"] == [
        "scenario: exit status 0",
        "control session: exit status 0",
    ]
    notes = to_json(correct)["checks"][8]["notes"]  # C9
    assert "state_wrong: client scenario: exit status 0" in notes


def test_only_documented_result_lines_count() -> None:
    # "Error: ..." and "OK." are log lines, not results: the callback counts as accepted
    # (no result line, HTTP 200 from the listener), so the wrong state's token request fails C9.
    script = (
        'import runpy, sys; sys.argv = ["x", "ignore-state"]; print("Error: just a log line");'
        f' print("OK."); runpy.run_path({FAULTY!r}, run_name="__main__")'
    )
    report = _run([sys.executable, "-c", script], ["C9"])
    assert report.result("C9").outcome is Outcome.FAIL
