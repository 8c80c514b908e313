"""Run the client harness: start the mock, play the scenarios the selected checks need, grade."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from conformance.client.adapter import AdapterFactory
from conformance.client.catalogue import TABLE
from conformance.client.context import ClientContext, start_mock
from conformance.model import Report
from conformance.runner import Progress, run_checks


def run_client_suite(
    factory: AdapterFactory,
    target: dict[str, Any],
    only: Iterable[str] | None = None,
    progress: Progress | None = None,
) -> Report:
    """Grade the client `factory` makes. `target` describes it for the report (adapter name or
    command). Raises KeyError for unknown check ids; a client that fails to start or answer
    shows up as `error` outcomes, not as an exception."""
    checks = TABLE.select(only)
    mock = start_mock()
    try:
        context = ClientContext(mock, factory)
        report = run_checks(checks, context, "client", target, progress)
        report.target = {**target, **context.describe()}
    finally:
        mock.stop()
    return report
