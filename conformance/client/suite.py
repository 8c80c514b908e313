"""Run the client harness: start the mock, play the scenarios the selected checks need, grade."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from frameio_oauth_mock.conformance.client.adapter import AdapterFactory
from frameio_oauth_mock.conformance.client.catalogue import TABLE
from frameio_oauth_mock.conformance.client.context import (
    DEFAULT_PROFILE,
    PROFILES,
    ClientContext,
    start_mock,
)
from frameio_oauth_mock.conformance.model import Report
from frameio_oauth_mock.conformance.runner import Progress, run_checks


def run_client_suite(
    factory: AdapterFactory,
    target: dict[str, Any],
    only: Iterable[str] | None = None,
    progress: Progress | None = None,
    profile: str = DEFAULT_PROFILE,
) -> Report:
    """Grade the client `factory` makes. `target` describes it for the report (adapter name or
    command). Raises KeyError for unknown check ids; a client that fails to start or answer
    shows up as `error` outcomes, not as an exception. `profile` is the mock's profile the
    clients are registered with: frameio-v2 (/oauth2/...) or adobe-ims (/ims/...); an unknown
    one raises ValueError."""
    if profile not in PROFILES:
        raise ValueError(f"unknown profile {profile!r} (choose from {', '.join(PROFILES)})")
    checks = TABLE.select(only)
    chosen = PROFILES[profile]
    mock = start_mock(chosen)
    context = ClientContext(mock, factory, chosen)
    try:
        report = run_checks(checks, context, "client", target, progress)
        report.target = {**target, **context.describe()}
    finally:
        context.close()
        mock.stop()
    return report
