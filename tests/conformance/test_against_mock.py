"""The whole server suite against this mock on real uvicorn: strict mode passes every
decidable MUST; frameio-v2 mode fails only where the real server deviates (docs/fidelity.md)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from frameio_oauth_mock.conformance.model import Level, Outcome, Report
from frameio_oauth_mock.conformance.report import exit_status, to_json
from frameio_oauth_mock.conformance.server.discovery import SetupError
from frameio_oauth_mock.conformance.server.suite import run_server_suite
from frameio_oauth_mock.conformance.server.table import TABLE
from frameio_oauth_mock.conformance.server.target import load_target
from tests.conformance.support import SECRETS, serve

# Never decidable from outside, whatever the server, or (S42, S73) not without waiting out a
# configured code lifetime (see each check's reason).
UNDECIDABLE = {"S11", "S42", "S60", "S61", "S73"}
# Decidable only when the suite drives the login and consent pages itself.
NEEDS_FORM_LOGIN = {"S22", "S26", "S27"}
# Loopback test targets: TLS cannot be judged.
LOOPBACK_TLS = {"S1", "S29"}
# No race round had two winners, so there are no winners' tokens to judge.
NO_RACE = {"S72"}


def _outcomes(report: Report, *outcomes: Outcome) -> set[str]:
    return {result.info.id for result in report.results if result.outcome in outcomes}


@pytest.fixture(scope="module")
def strict_report(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Report]:
    with serve(tmp_path_factory.mktemp("strict"), strict=True) as target:
        yield run_server_suite(load_target(target))


@pytest.fixture(scope="module")
def frameio_report(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Report]:
    with serve(tmp_path_factory.mktemp("frameio"), strict=False) as target:
        yield run_server_suite(load_target(target))


def test_every_catalogue_item_has_a_check() -> None:
    # S1-S64 from the catalogue, then the additions numbered after it (docs/conformance-server.md).
    assert TABLE.ids() == [f"S{number}" for number in range(1, 74)]


def test_strict_mode_passes_every_decidable_must(strict_report: Report) -> None:
    bad = [
        (result.info.id, result.outcome.value, result.verdict.summary)
        for result in strict_report.results
        if result.info.level is Level.MUST and result.outcome in (Outcome.FAIL, Outcome.ERROR)
    ]
    assert bad == []
    assert _outcomes(strict_report, Outcome.ERROR, Outcome.FAIL) == set()
    assert exit_status(strict_report, Level.MUST) == 0


def test_strict_mode_leaves_only_the_known_undecidables(strict_report: Report) -> None:
    assert _outcomes(strict_report, Outcome.NOT_DECIDABLE) == UNDECIDABLE | NEEDS_FORM_LOGIN
    assert _outcomes(strict_report, Outcome.NOT_APPLICABLE) == LOOPBACK_TLS | NO_RACE
    # No throttling after wrong secrets is a finding (the mock does not throttle).
    assert strict_report.result("S54").outcome is Outcome.WARN
    # What strict mode adds over the real server is graded as present.
    for check_id in ("S16", "S17", "S21", "S36", "S40", "S41", "S58", "S65"):
        assert strict_report.result(check_id).outcome is Outcome.PASS, check_id


def test_frameio_mode_fails_only_the_real_servers_deviations(frameio_report: Report) -> None:
    # Hydra sends no WWW-Authenticate on invalid_client (docs/fidelity.md) ...
    assert _outcomes(frameio_report, Outcome.FAIL, Outcome.ERROR) == {"S36"}
    assert "WWW-Authenticate" in frameio_report.result("S36").verdict.summary
    # ... advertises plain PKCE but refuses it, and does not implement RFC 9207.
    assert frameio_report.result("S16").outcome is Outcome.WARN
    assert "plain" in frameio_report.result("S16").verdict.summary
    assert frameio_report.result("S21").outcome is Outcome.NOT_APPLICABLE
    assert exit_status(frameio_report, Level.MUST) == 1


def test_reports_carry_no_secret(strict_report: Report, frameio_report: Report) -> None:
    import json

    for report in (strict_report, frameio_report):
        text = json.dumps(to_json(report))
        for secret in SECRETS:
            assert secret not in text
        assert "ory_ac_" not in text and "ory_at_" not in text and "ory_rt_" not in text
        assert "redacted:" in text


def test_form_login_on_the_mocks_pages(tmp_path: Path) -> None:
    """auto_approve=False: the form driver logs in and consents, so the page checks decide."""
    only = ["S2", "S12", "S13", "S22", "S23", "S25", "S26", "S27", "S39"]
    with serve(tmp_path, strict=True, strategy="form") as target:
        report = run_server_suite(load_target(target), only)
    assert {result.info.id: result.outcome for result in report.results} == dict.fromkeys(
        only, Outcome.PASS
    )
    assert "access_denied" in report.result("S12").verdict.summary
    assert "csrf_token" in report.result("S27").verdict.summary


HOOK = '''
import re
from urllib.parse import urljoin


def log_in(request):
    """Through the mock's login and consent pages by hand, as a user's hook would."""
    page = request.client.get(request.authorize_url)
    for _ in range(6):
        if page.is_redirect:
            location = urljoin(str(page.url), page.headers["location"])
            if location.startswith(request.client_prefixes):
                return location
            page = request.client.get(location)
            continue
        fields = dict(re.findall(r'name="(challenge|csrf_token)" value="([^"]*)"', page.text))
        action = re.search(r'action="([^"]+)"', page.text).group(1)
        if 'type="password"' in page.text:
            fields.update(email=request.username, password=request.password)
        else:
            fields["decision"] = "allow"
        page = request.client.post(urljoin(str(page.url), action), data=fields)
    return None
'''


def test_login_hook(tmp_path: Path) -> None:
    (tmp_path / "my_login.py").write_text(HOOK)
    with serve(tmp_path, strict=True, strategy="hook", hook="my_login:log_in") as target:
        report = run_server_suite(load_target(target), ["S13", "S39", "S22", "S23", "S25"])
    # The hook's client is recorded, so the pages it went through are inspected too.
    assert {result.info.id: result.outcome for result in report.results} == dict.fromkeys(
        ["S13", "S22", "S23", "S25", "S39"], Outcome.PASS
    )
    framing = report.result("S23")
    assert "/oauth2/auth/consent" in framing.verdict.summary  # a page only the hook fetched
    assert all(exchange.response is not None for exchange in framing.verdict.evidence)
    posts = report.result("S22").verdict.evidence
    assert posts and all(exchange.request.start_line.startswith("POST") for exchange in posts)


def test_a_missing_hook_stops_the_run(tmp_path: Path) -> None:
    with (
        serve(tmp_path, strict=True, strategy="hook", hook="no_such_module:log_in") as target,
        pytest.raises(SetupError, match="no_such_module"),
    ):
        run_server_suite(load_target(target), ["S13"])


# Checks that are decided without any code or token: metadata, CORS, and the shape of the
# token endpoint's errors to made-up input.
NEEDS_NO_CODE = {"S16", "S24", "S50", "S51", "S62"}
GIVING_UP_HOOK = """
def log_in(request):
    request.client.get(request.authorize_url)
    return None
"""


@pytest.mark.parametrize("login", ["wrong password", "hook that gives up"])
def test_no_pass_without_a_code(tmp_path: Path, login: str) -> None:
    """When no code can be had at all, no check that needs one may pass (nor fail: nothing
    was learnt about the server); refusal checks say their precondition failed."""
    if login == "wrong password":
        setup = serve(tmp_path, strict=True, strategy="form", password="not-the-password")
    else:
        (tmp_path / "give_up.py").write_text(GIVING_UP_HOOK)
        setup = serve(tmp_path, strict=True, strategy="hook", hook="give_up:log_in")
    with setup as target:
        report = run_server_suite(load_target(target))
    assert _outcomes(report, Outcome.PASS) <= NEEDS_NO_CODE
    assert _outcomes(report, Outcome.FAIL) == set()
    for check_id in ("S4", "S7", "S9", "S12", "S17", "S32", "S43", "S44", "S53", "S55"):
        result = report.result(check_id)
        assert result.outcome is Outcome.NOT_DECIDABLE, check_id
        assert result.verdict.summary.startswith("precondition failed:"), check_id
    if login == "wrong password":
        assert "username or password refused" in report.result("S13").verdict.summary
