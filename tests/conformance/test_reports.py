"""Reports: summary table, JSON layout, JUnit XML, exit status by --fail-on."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from frameio_oauth_mock.conformance.model import (
    CheckInfo,
    CheckResult,
    Exchange,
    Level,
    Message,
    Outcome,
    Report,
    Verdict,
)
from frameio_oauth_mock.conformance.report import (
    exit_status,
    progress_line,
    summary_table,
    write_json,
    write_junit,
)


def result(check_id: str, level: Level, outcome: Outcome) -> CheckResult:
    exchange = Exchange(
        Message("POST https://as.test/token", (("content-type", "x"),), "grant_type=x"),
        Message("HTTP 400 Bad Request", (), '{"error": "invalid_grant"}'),
        "the decisive exchange",
    )
    verdict = Verdict(outcome, f"{check_id} {outcome.value}", (exchange,), ("a note",))
    return CheckResult(
        CheckInfo(check_id, f"title {check_id}", ("RFC 6749 5.2",), level), verdict, 0.5
    )


@pytest.fixture
def report() -> Report:
    return Report(
        suite="server",
        target={"issuer": "https://as.test"},
        results=[
            result("S1", Level.MUST, Outcome.PASS),
            result("S2", Level.MUST, Outcome.FAIL),
            result("S3", Level.SHOULD, Outcome.WARN),
            result("S4", Level.MUST, Outcome.NOT_APPLICABLE),
            result("S5", Level.MUST, Outcome.NOT_DECIDABLE),
            result("S6", Level.SHOULD, Outcome.ERROR),
            result("S7", Level.ADVISORY, Outcome.FAIL),
        ],
        started_at="2025-01-01T00:00:00+00:00",
        seconds=3.5,
    )


def test_summary_table_counts_by_outcome_and_level(report: Report) -> None:
    table = summary_table(report)
    rows = {line.split()[0]: line.split()[1:] for line in table.splitlines() if line[:1].isalpha()}
    assert rows["outcome"] == ["MUST", "SHOULD", "advisory", "total"]
    assert rows["fail"] == ["1", "0", "1", "2"]
    assert rows["total"] == ["4", "2", "1", "7"]
    assert "S2   fail  MUST     S2 fail" in table
    assert "7 checks in 3.5s" in table


def test_progress_line(report: Report) -> None:
    assert (
        progress_line(2, 7, report.results[1])
        == "[2/7] S2   fail           MUST     title S2 (0.50s)"
    )


def test_json_report_layout(report: Report, tmp_path: Path) -> None:
    path = tmp_path / "report.json"
    write_json(report, path)
    document = json.loads(path.read_text())
    assert set(document) == {
        "format",
        "suite",
        "target",
        "started_at",
        "seconds",
        "summary",
        "checks",
    }
    assert document["summary"]["fail"] == {"MUST": 1, "SHOULD": 0, "advisory": 1}
    check = document["checks"][1]
    assert set(check) == {
        "id",
        "title",
        "rfc",
        "level",
        "outcome",
        "summary",
        "notes",
        "seconds",
        "evidence",
    }
    assert check["evidence"][0]["request"]["start"] == "POST https://as.test/token"
    assert check["evidence"][0]["response"]["body"] == '{"error": "invalid_grant"}'


def test_junit_has_one_testcase_per_check(report: Report, tmp_path: Path) -> None:
    path = tmp_path / "junit.xml"
    write_junit(report, path)
    suite = ET.parse(path).getroot().find("testsuite")
    assert suite is not None
    assert (suite.get("tests"), suite.get("failures"), suite.get("skipped")) == ("7", "3", "2")
    cases = {case.get("name", "").split()[0]: case for case in suite.iter("testcase")}
    assert list(cases) == ["S1", "S2", "S3", "S4", "S5", "S6", "S7"]
    assert cases["S2"].find("failure") is not None
    assert "the decisive exchange" in (cases["S2"].findtext("failure") or "")
    assert cases["S6"].find("failure") is not None  # error counts as a failure
    assert cases["S4"].find("skipped") is not None and cases["S5"].find("skipped") is not None
    assert cases["S3"].find("failure") is None  # a warn passes, with the reason in system-out
    assert "warn" in (cases["S3"].findtext("system-out") or "")
    assert cases["S1"].get("classname") == "conformance.server.MUST"


def test_exit_status_by_fail_on(report: Report) -> None:
    assert exit_status(report, Level.MUST) == 1  # S2 failed
    report.results[1] = result("S2", Level.MUST, Outcome.PASS)
    assert exit_status(report, Level.MUST) == 0  # S6 (SHOULD, error) and S7 (advisory) do not count
    assert exit_status(report, Level.SHOULD) == 1
    report.results[5] = result("S6", Level.SHOULD, Outcome.PASS)
    assert exit_status(report, Level.SHOULD) == 1  # S3 warns
    report.results[2] = result("S3", Level.SHOULD, Outcome.PASS)
    assert exit_status(report, Level.SHOULD) == 0  # the advisory fail never counts
