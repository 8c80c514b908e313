"""Run a selection of checks against one context, timing each; no check can crash the run."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any, TypeVar

from frameio_oauth_mock.conformance.model import CheckResult, Inconclusive, Outcome, Report, Verdict
from frameio_oauth_mock.conformance.registry import Check

ContextT = TypeVar("ContextT")
# Called before each check (index, total, check) and after it (with its result).
Progress = Callable[[int, int, CheckResult], None]


def run_check(check: Check[ContextT], context: ContextT) -> CheckResult:
    started = time.perf_counter()
    try:
        verdict = check.run(context)
    except Inconclusive as stop:
        verdict = stop.verdict
    except Exception as error:  # a broken target must not end the run: report and go on
        verdict = Verdict(
            Outcome.ERROR, f"the check could not run: {type(error).__name__}: {error}"
        )
    return CheckResult(check.info, verdict, time.perf_counter() - started)


def run_checks(
    checks: Iterable[Check[ContextT]],
    context: ContextT,
    suite: str,
    target: dict[str, Any],
    progress: Progress | None = None,
) -> Report:
    selected = list(checks)
    report = Report(suite=suite, target=target, started_at=datetime.now(UTC).isoformat())
    started = time.perf_counter()
    for index, check in enumerate(selected, 1):
        result = run_check(check, context)
        report.results.append(result)
        if progress is not None:
            progress(index, len(selected), result)
    report.seconds = time.perf_counter() - started
    return report
