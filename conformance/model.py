"""What a conformance run produces: check descriptions, outcomes, evidence and results.

Nothing here knows about servers or clients, so the server suite and a client harness share it.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any


class Level(enum.Enum):
    """How binding the requirement a check grades is (RFC 2119 words)."""

    MUST = "MUST"
    SHOULD = "SHOULD"
    ADVISORY = "advisory"

    @property
    def rank(self) -> int:
        return {"MUST": 3, "SHOULD": 2, "advisory": 1}[self.value]


class Outcome(enum.Enum):
    PASS = "pass"
    FAIL = "fail"
    # A departure that is not a MUST violation: a SHOULD not met, or a defensible variant.
    WARN = "warn"
    # The requirement does not apply to this target (e.g. it issues no refresh tokens).
    NOT_APPLICABLE = "not_applicable"
    # The requirement applies but cannot be judged from outside (needs the server's internals).
    NOT_DECIDABLE = "not_decidable"
    # The check itself could not run (the target answered something the check cannot use).
    ERROR = "error"


@dataclass(frozen=True)
class CheckInfo:
    """The requirement a check grades: catalogue id (S39, C9...), title, RFC sections, level."""

    id: str
    title: str
    rfc: tuple[str, ...]
    level: Level

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "rfc": list(self.rfc),
            "level": self.level.value,
        }


@dataclass(frozen=True)
class Message:
    """One HTTP message, already redacted and cut to what a reader needs."""

    start_line: str  # "POST https://as.example/token" or "HTTP 400"
    headers: tuple[tuple[str, str], ...] = ()
    body: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {"start": self.start_line, "headers": dict(self.headers), "body": self.body}

    def render(self) -> str:
        lines = [self.start_line, *(f"{name}: {value}" for name, value in self.headers)]
        if self.body:
            lines += ["", self.body]
        return "\n".join(lines)


@dataclass(frozen=True)
class Exchange:
    """A request and the response that answered it, with what the check read from it."""

    request: Message
    response: Message | None  # None when no answer came (connection refused, timeout)
    note: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "note": self.note,
            "request": self.request.as_dict(),
            "response": self.response.as_dict() if self.response else None,
        }

    def render(self) -> str:
        parts = [f"# {self.note}"] if self.note else []
        parts.append("> " + self.request.render().replace("\n", "\n> "))
        if self.response is None:
            parts.append("< (no response)")
        else:
            parts.append("< " + self.response.render().replace("\n", "\n< "))
        return "\n".join(parts)

    def with_note(self, note: str) -> Exchange:
        return Exchange(self.request, self.response, note)


@dataclass(frozen=True)
class Verdict:
    """What a check function decides: an outcome, one line saying why, and the evidence."""

    outcome: Outcome
    summary: str
    evidence: tuple[Exchange, ...] = ()
    notes: tuple[str, ...] = ()

    @classmethod
    def passed(cls, summary: str, *evidence: Exchange, notes: tuple[str, ...] = ()) -> Verdict:
        return cls(Outcome.PASS, summary, evidence, notes)

    @classmethod
    def failed(cls, summary: str, *evidence: Exchange, notes: tuple[str, ...] = ()) -> Verdict:
        return cls(Outcome.FAIL, summary, evidence, notes)

    @classmethod
    def warned(cls, summary: str, *evidence: Exchange, notes: tuple[str, ...] = ()) -> Verdict:
        return cls(Outcome.WARN, summary, evidence, notes)

    @classmethod
    def not_applicable(cls, summary: str, *evidence: Exchange) -> Verdict:
        return cls(Outcome.NOT_APPLICABLE, summary, evidence)

    @classmethod
    def not_decidable(cls, summary: str, *evidence: Exchange) -> Verdict:
        return cls(Outcome.NOT_DECIDABLE, summary, evidence)

    @classmethod
    def errored(cls, summary: str, *evidence: Exchange) -> Verdict:
        return cls(Outcome.ERROR, summary, evidence)


class Inconclusive(Exception):
    """Raised from deep inside a check (or a helper it calls) to end it with a verdict.

    Helpers such as "the second client" raise it with NOT_APPLICABLE when the target lacks
    what a check needs, so checks need no boilerplate for each missing capability.
    """

    def __init__(self, outcome: Outcome, summary: str, *evidence: Exchange) -> None:
        super().__init__(summary)
        self.verdict = Verdict(outcome, summary, evidence)


def not_applicable(summary: str, *evidence: Exchange) -> Inconclusive:
    return Inconclusive(Outcome.NOT_APPLICABLE, summary, *evidence)


def not_decidable(summary: str, *evidence: Exchange) -> Inconclusive:
    return Inconclusive(Outcome.NOT_DECIDABLE, summary, *evidence)


def check_error(summary: str, *evidence: Exchange) -> Inconclusive:
    return Inconclusive(Outcome.ERROR, summary, *evidence)


@dataclass(frozen=True)
class CheckResult:
    info: CheckInfo
    verdict: Verdict
    seconds: float = 0.0

    @property
    def outcome(self) -> Outcome:
        return self.verdict.outcome

    def as_dict(self) -> dict[str, Any]:
        return {
            **self.info.as_dict(),
            "outcome": self.verdict.outcome.value,
            "summary": self.verdict.summary,
            "notes": list(self.verdict.notes),
            "seconds": round(self.seconds, 3),
            "evidence": [exchange.as_dict() for exchange in self.verdict.evidence],
        }


@dataclass
class Report:
    """A whole run: which suite, against what, and every check's result in catalogue order."""

    suite: str  # "server" or "client"
    target: dict[str, Any]  # a redacted description of what was graded
    results: list[CheckResult] = field(default_factory=list)
    started_at: str = ""  # ISO 8601, UTC
    seconds: float = 0.0

    def counts(self) -> dict[Outcome, dict[Level, int]]:
        table = {outcome: dict.fromkeys(Level, 0) for outcome in Outcome}
        for result in self.results:
            table[result.outcome][result.info.level] += 1
        return table

    def result(self, check_id: str) -> CheckResult:
        for result in self.results:
            if result.info.id == check_id:
                return result
        raise KeyError(check_id)
