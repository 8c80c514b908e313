"""Reports of a run: the progress line, the summary table, JSON, JUnit XML and the exit status."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

from frameio_oauth_mock.conformance.model import CheckResult, Level, Outcome, Report

REPORT_FORMAT = 1  # bumped when the JSON layout changes incompatibly
# Outcomes a CI run should treat as red when the check's level is at or above --fail-on.
_RED = frozenset([Outcome.FAIL, Outcome.ERROR])


def progress_line(index: int, total: int, result: CheckResult) -> str:
    width = len(str(total))
    return (
        f"[{index:>{width}}/{total}] {result.info.id:<4} {result.outcome.value:<14} "
        f"{result.info.level.value:<8} {result.info.title} ({result.seconds:.2f}s)"
    )


def summary_table(report: Report) -> str:
    """Outcomes down, levels across, with totals; then one line for each fail, warn and error."""
    counts = report.counts()
    levels = list(Level)
    header = ["outcome", *(level.value for level in levels), "total"]
    rows = [header]
    for outcome in Outcome:
        row = [counts[outcome][level] for level in levels]
        rows.append([outcome.value, *map(str, row), str(sum(row))])
    totals = [sum(counts[outcome][level] for outcome in Outcome) for level in levels]
    rows.append(["total", *map(str, totals), str(sum(totals))])
    widths = [max(len(row[column]) for row in rows) for column in range(len(header))]
    lines = [
        "  ".join(
            cell.ljust(width) if i == 0 else cell.rjust(width)
            for i, (cell, width) in enumerate(zip(row, widths, strict=True))
        )
        for row in rows
    ]
    lines.insert(1, "  ".join("-" * width for width in widths))
    findings = [
        f"  {result.info.id:<4} {result.outcome.value:<5} {result.info.level.value:<8} "
        f"{result.verdict.summary}"
        for result in report.results
        if result.outcome in (Outcome.FAIL, Outcome.WARN, Outcome.ERROR)
    ]
    if findings:
        lines += ["", "Findings:", *findings]
    lines.append(f"\n{len(report.results)} checks in {report.seconds:.1f}s")
    return "\n".join(lines)


def is_red(result: CheckResult, fail_on: Level) -> bool:
    """Whether this result should make the run exit non-zero.

    --fail-on must: a MUST check failed (or could not run).
    --fail-on should: also a SHOULD check, and a warn on either (a warn is how an unmet SHOULD
    is reported, so counting only fails would make the option a no-op).
    """
    if result.info.level.rank < fail_on.rank:
        return False
    if fail_on is Level.MUST:
        return result.outcome in _RED
    return result.outcome in _RED or result.outcome is Outcome.WARN


def exit_status(report: Report, fail_on: Level) -> int:
    return 1 if any(is_red(result, fail_on) for result in report.results) else 0


def to_json(report: Report) -> dict[str, Any]:
    counts = report.counts()
    return {
        "format": REPORT_FORMAT,
        "suite": report.suite,
        "target": report.target,
        "started_at": report.started_at,
        "seconds": round(report.seconds, 3),
        "summary": {
            outcome.value: {level.value: counts[outcome][level] for level in Level}
            for outcome in Outcome
        },
        "checks": [result.as_dict() for result in report.results],
    }


def write_json(report: Report, path: str | Path) -> None:
    Path(path).write_text(json.dumps(to_json(report), indent=2, ensure_ascii=False) + "\n")


def to_junit(report: Report) -> ET.Element:
    """One testcase per check: fail and error as <failure>, not_applicable and not_decidable
    as <skipped>, warn as a pass whose system-out says why (JUnit has no "warning")."""
    suite_name = f"conformance.{report.suite}"
    failures = sum(result.outcome in _RED for result in report.results)
    skipped = sum(
        result.outcome in (Outcome.NOT_APPLICABLE, Outcome.NOT_DECIDABLE)
        for result in report.results
    )
    suites = ET.Element("testsuites", name="conformance")
    suite = ET.SubElement(
        suites,
        "testsuite",
        name=suite_name,
        tests=str(len(report.results)),
        failures=str(failures),
        errors="0",
        skipped=str(skipped),
        time=f"{report.seconds:.3f}",
        timestamp=report.started_at,
    )
    for result in report.results:
        info, verdict = result.info, result.verdict
        case = ET.SubElement(
            suite,
            "testcase",
            classname=f"{suite_name}.{info.level.value}",
            name=f"{info.id} {info.title}",
            time=f"{result.seconds:.3f}",
        )
        details = _details(result)
        if result.outcome in _RED:
            failure = ET.SubElement(
                case, "failure", message=verdict.summary, type=result.outcome.value
            )
            failure.text = details
        elif result.outcome in (Outcome.NOT_APPLICABLE, Outcome.NOT_DECIDABLE):
            ET.SubElement(case, "skipped", message=f"{result.outcome.value}: {verdict.summary}")
        else:
            out = ET.SubElement(case, "system-out")
            out.text = f"{result.outcome.value}: {verdict.summary}\n{details}"
    ET.indent(suites)
    return suites


def _details(result: CheckResult) -> str:
    info = result.info
    parts = [f"{info.id} [{info.level.value}] {', '.join(info.rfc)}", result.verdict.summary]
    parts += [f"note: {note}" for note in result.verdict.notes]
    parts += [exchange.render() for exchange in result.verdict.evidence]
    return "\n\n".join(parts)


def write_junit(report: Report, path: str | Path) -> None:
    tree = ET.ElementTree(to_junit(report))
    tree.write(path, encoding="utf-8", xml_declaration=True)
