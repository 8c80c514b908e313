"""Turning the sub-cases of one check (variants, attempts, scenarios) into one verdict.

Shared by the server suite and the client harness: neither side's details live here.
"""

from __future__ import annotations

from dataclasses import dataclass

from frameio_oauth_mock.conformance.model import Exchange, Outcome, Verdict


@dataclass(frozen=True)
class Case:
    """One sub-case: its label, how it went (PASS, WARN or FAIL), why, and its evidence."""

    label: str
    outcome: Outcome
    detail: str
    exchange: Exchange | None = None


def grade(cases: list[Case], what: str) -> Verdict:
    """FAIL if any case failed, else WARN if any warned, else PASS; cites the cases that
    decided it (all failing ones, or all warning ones, or every case when all passed)."""
    for outcome in (Outcome.FAIL, Outcome.WARN, Outcome.ERROR):
        chosen = [case for case in cases if case.outcome is outcome]
        if chosen:
            summary = "; ".join(f"{case.label}: {case.detail}" for case in chosen)
            return _verdict(outcome, summary, chosen, cases)
    summary = f"{what}: " + "; ".join(f"{case.label}: {case.detail}" for case in cases)
    return _verdict(Outcome.PASS, summary, cases, cases)


def _verdict(outcome: Outcome, summary: str, chosen: list[Case], cases: list[Case]) -> Verdict:
    evidence = tuple(
        case.exchange.with_note(f"{case.label}: {case.detail}")
        for case in chosen
        if case.exchange is not None
    )
    notes = tuple(f"{case.label}: {case.outcome.value}, {case.detail}" for case in cases)
    return Verdict(outcome, summary, evidence, notes)


def passed(label: str, detail: str, exchange: Exchange | None = None) -> Case:
    return Case(label, Outcome.PASS, detail, exchange)


def failed(label: str, detail: str, exchange: Exchange | None = None) -> Case:
    return Case(label, Outcome.FAIL, detail, exchange)


def warned(label: str, detail: str, exchange: Exchange | None = None) -> Case:
    return Case(label, Outcome.WARN, detail, exchange)
