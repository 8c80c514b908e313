"""Run the server suite: open the target, run the selected checks, return the report."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable

import frameio_oauth_mock.conformance.server.checks  # noqa: F401 - registers every check in TABLE
from frameio_oauth_mock.conformance.model import Report, Verdict
from frameio_oauth_mock.conformance.registry import Check
from frameio_oauth_mock.conformance.runner import Progress, run_checks
from frameio_oauth_mock.conformance.server.context import ServerContext
from frameio_oauth_mock.conformance.server.discovery import SetupError
from frameio_oauth_mock.conformance.server.login import load_hook
from frameio_oauth_mock.conformance.server.table import TABLE
from frameio_oauth_mock.conformance.server.target import Target

# Run after the others: a server that locks a client out after wrong secrets would
# otherwise fail every check that follows for reasons of its own making.
RUN_LAST = ("S54",)


def run_server_suite(
    target: Target, only: Iterable[str] | None = None, progress: Progress | None = None
) -> Report:
    """Raises KeyError for unknown check ids and discovery.SetupError when the server's
    endpoints cannot be found; every other problem becomes a check's `error` outcome."""
    checks = TABLE.select(only)
    ordered = [c for c in checks if c.info.id not in RUN_LAST] + [
        c for c in checks if c.info.id in RUN_LAST
    ]
    if target.login.hook:
        try:
            load_hook(target.login.hook, str(target.base_dir))
        except (ImportError, ValueError) as error:
            raise SetupError(f"[login] hook {target.login.hook!r}: {error}") from None
    context = ServerContext.open(target)
    try:
        description = target.describe()
        description["endpoints"] = dict(context.endpoints)
        noted = [Check(check.info, _noting_controls(check)) for check in ordered]
        report = run_checks(noted, context, "server", description, progress)
    finally:
        context.close()
    position = {check_id: index for index, check_id in enumerate(TABLE.ids())}
    report.results.sort(key=lambda result: position[result.info.id])
    return report


def _noting_controls(check: Check[ServerContext]) -> Callable[[ServerContext], Verdict]:
    """The check's function, with the positive controls it relied on added to its notes."""

    def run(context: ServerContext) -> Verdict:
        context.controls_used = []
        verdict = check.run(context)
        used = list(context.controls_used)
        notes = tuple(
            dict.fromkeys(f"positive control: {control.summary}" for control in used if control.ok)
        )
        return dataclasses.replace(verdict, notes=(*verdict.notes, *notes)) if notes else verdict

    return run
