"""The process adapter: the Node example (examples/node-client) through every scenario, and a
one-shot command client that reads no commands and opens its URL with $BROWSER or prints it
(`frameio-mock login`, this project's own CLI)."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

from frameio_oauth_mock.conformance.client.process import process_adapter
from frameio_oauth_mock.conformance.client.suite import run_client_suite
from frameio_oauth_mock.conformance.model import Level, Outcome, Report
from frameio_oauth_mock.conformance.report import exit_status
from tests.conformance_client.support import assert_complete, failing_musts, ids

ROOT = Path(__file__).resolve().parents[2]
NODE_CLIENT = ROOT / "examples" / "node-client" / "client.js"
# Secret apps get --client-secret only when the harness gives one (PKCE apps have none).
LOGIN = (
    'exec "$0" -m frameio_oauth_mock login --base-url "$CONFORMANCE_ISSUER" '
    '--client-id "$CONFORMANCE_CLIENT_ID" --redirect-uri "$CONFORMANCE_REDIRECT_URI" '
    '--scope "$CONFORMANCE_SCOPE" --timeout 10 '
    '${CONFORMANCE_CLIENT_SECRET:+--client-secret "$CONFORMANCE_CLIENT_SECRET"}'
)


@pytest.fixture(scope="module")
def node_report() -> Report:
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed")
    command = [node, str(NODE_CLIENT)]
    return run_client_suite(process_adapter(command, timeout=5), {"command": command})


def test_node_example_passes_every_must(node_report: Report) -> None:
    assert_complete(node_report)
    assert failing_musts(node_report) == []
    assert exit_status(node_report, Level.MUST) == 0


def test_node_example_results(node_report: Report) -> None:
    # As README.md's table says: it serves its own callback page (C29 decided), and leaves
    # out what 50 lines do not hold: refresh on a 401, dropping a refused grant, retries.
    assert node_report.result("C29").outcome is Outcome.PASS
    assert ids(node_report, Outcome.WARN) == {"C21", "C23", "C24"}
    assert ids(node_report, Outcome.FAIL, Outcome.NOT_APPLICABLE) == set()


@pytest.mark.parametrize("shows_url", ["BROWSER", "stdout"])
def test_a_one_shot_client(shows_url: str) -> None:
    # Opening the URL with $BROWSER (webbrowser), or printing it (on stderr, sent to stdout).
    script = LOGIN if shows_url == "BROWSER" else LOGIN + " --no-browser 2>&1"
    command = ["sh", "-c", script, sys.executable]
    report = run_client_suite(
        process_adapter(command, timeout=5),
        {"command": command},
        only=["C5", "C9", "C11", "C15", "C22"],  # items a few scenarios decide: a short run
    )
    outcomes = {result.info.id: result.outcome for result in report.results}
    # The URL got to the harness, the login worked, and the wrong state was refused.
    assert outcomes["C5"] is outcomes["C9"] is Outcome.PASS
    # It exits after one login: a second delivery finds no listener, which shows nothing
    # about replays (not a refusal), and there is nothing to ask for a refresh.
    assert outcomes["C11"] is Outcome.NOT_DECIDABLE
    assert "the deliver again step did not happen" in report.result("C11").verdict.summary
    assert outcomes["C22"] is Outcome.NOT_APPLICABLE
    assert "could not be asked to refresh" in report.result("C22").verdict.summary
    assert outcomes["C15"] is Outcome.PASS
