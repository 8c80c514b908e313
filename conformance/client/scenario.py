"""The scenario model: steps, scenarios, the decisions they make, and what a played scenario
left behind (step outcomes and the mock's request log)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from frameio_oauth_mock.conformance.client.logview import evidence
from frameio_oauth_mock.conformance.grading import Case
from frameio_oauth_mock.conformance.model import Exchange
from frameio_oauth_mock.conformance.redact import Redactor
from frameio_oauth_mock.conformance.server.http import Call
from frameio_oauth_mock.mockserver.requestlog import LoggedRequest

# Step actions.
AUTHORIZE = "authorize"  # the client begins; the browser follows its URL back to the client
DELIVER = "deliver"  # the client is handed the latest callback
REPLAY = "replay"  # the browser opens the client's last authorization URL again (same state)
REFRESH = "refresh"
API = "api"
ADVANCE = "advance"  # the mock's clock moves on
WAIT = "wait"  # real time passes (for clients whose clock is their own)

# How a step ended.
OK = "ok"
REJECTED = "rejected"  # the client said no (an exception, an "error" line)
UNSUPPORTED = "unsupported"  # the client cannot be asked to do this
BROKEN = "broken"  # the harness could not do its part (the browser never reached the client)
UNDELIVERED = "undelivered"  # the callback never reached the client (its listener did not answer)
SKIPPED = "skipped"  # not attempted: what it needs did not happen (no callback to deliver...)

# How a scenario shows that the client works at all in it (its positive control): no verdict
# of the scenario stands unless the control succeeded in the same run.
CONTROL_NONE = "none"  # the scenario is a plain login: its own judgements need the login
CONTROL_FIRST_LOGIN = "first_login"  # its first callback must be redeemed (HTTP 200)
CONTROL_SESSION = "session"  # afterwards, without faults: a fresh session logs in

# Which registered client plays the app.
PKCE_APP, SECRET_APP, SPECIAL_SECRET_APP = "pkce", "secret", "special"


@dataclass(frozen=True)
class Step:
    action: str
    seconds: float = 0.0  # ADVANCE
    extra: tuple[tuple[str, str], ...] = ()  # DELIVER: parameters the browser adds
    again: bool = False  # DELIVER: the same callback as last time
    # DELIVER: parameters the harness forges in the callback ({issuer} is the mock's issuer;
    # None removes one): an attacker's error callback, an iss that differs only in form.
    forge: tuple[tuple[str, str | None], ...] = ()

    @property
    def label(self) -> str:
        if self.action in (ADVANCE, WAIT):
            return f"{self.action} {self.seconds:g}s"
        if self.action == DELIVER and self.again:
            return "deliver again"
        if self.action == DELIVER and self.extra:
            return "deliver +" + ",".join(name for name, _ in self.extra)
        if self.action == DELIVER and self.forge:
            return "deliver forged " + ",".join(name for name, _ in self.forge)
        return self.action


def advance(seconds: float) -> Step:
    return Step(ADVANCE, seconds=seconds)


def wait(seconds: float) -> Step:
    return Step(WAIT, seconds=seconds)


def deliver(*, again: bool = False, **extra: str) -> Step:
    return Step(DELIVER, extra=tuple(extra.items()), again=again)


def forged(**values: str | None) -> Step:
    return Step(DELIVER, forge=tuple(values.items()))


@dataclass(frozen=True)
class Decision:
    """One C item a scenario decides, how (one sentence, shown in the report and the docs),
    and the function that reads the played scenario into a Case (outcome NOT_APPLICABLE
    when this run shows nothing about the item, e.g. the client could not refresh)."""

    check_id: str
    how: str
    judge: Callable[[ScenarioRun], Case]


@dataclass(frozen=True)
class Scenario:
    name: str
    title: str
    steps: tuple[Step, ...]
    decides: tuple[Decision, ...] = ()
    app: str = PKCE_APP
    login: str = "auto"  # auto-approve, "form" (login and consent pages) or "deny"
    strict: bool = False  # the mock's strict mode: RFC 9207 iss advertised and sent
    faults: tuple[Mapping[str, Any], ...] = ()
    control: str = CONTROL_SESSION
    control_app: str | None = None  # the control session's app (default: the scenario's)
    # The profile's rule on state (Frame.io: at least 8 characters) holds only in scenarios
    # about state; elsewhere a client relying on PKCE alone (RFC 9700 2.1) gets through.
    enforce_state: bool = False
    server_options: Mapping[str, Any] = field(default_factory=dict)  # e.g. access_token_ttl
    # Metadata changes served to the client in place of the mock's (fronts.MetadataFront).
    metadata: Mapping[str, Any] | None = None
    tls: bool = False  # served over https with an untrusted certificate (fronts.TlsFront)


@dataclass
class StepRecord:
    step: Step
    outcome: str
    detail: str = ""
    entries: list[LoggedRequest] = field(default_factory=list)  # logged during the step
    page: Call | None = None  # process clients: the callback page their listener served

    @property
    def label(self) -> str:
        return self.step.label


@dataclass
class ScenarioRun:
    scenario: Scenario
    client_id: str
    scopes: tuple[str, ...]
    secret: str | None
    records: list[StepRecord] = field(default_factory=list)
    log: list[LoggedRequest] = field(default_factory=list)
    broken: str = ""  # why the scenario could not be played to the end, if it could not
    seconds: float = 0.0
    redactor: Redactor = field(default_factory=Redactor)
    resource_endpoint: str = "api"  # the log's name for the resource the client calls
    issuer: str = ""  # the mock's issuer in this run
    # The positive control session (CONTROL_SESSION): its steps and what the mock logged then.
    control: list[StepRecord] = field(default_factory=list)
    control_log: list[LoggedRequest] = field(default_factory=list)
    # What each client session left: exit status and stderr tail (process clients).
    client_notes: list[str] = field(default_factory=list)
    metadata_reads: int = 0  # how often the client read an altered metadata document

    @property
    def name(self) -> str:
        return self.scenario.name

    def evidence(self, entry: LoggedRequest, note: str = "") -> Exchange:
        return evidence(entry, self.redactor, note)

    def records_of(self, action: str) -> list[StepRecord]:
        return [record for record in self.records if record.step.action == action]

    def entries(
        self, endpoint: str | None = None, grant_type: str | None = None
    ) -> list[LoggedRequest]:
        return [
            entry
            for entry in self.log
            if (endpoint is None or entry.endpoint == endpoint)
            and (grant_type is None or entry.grant_type == grant_type)
        ]

    def authorizations(self) -> list[LoggedRequest]:
        """The authorization requests the client made: the first authorize request of each
        AUTHORIZE step (the browser's replays, and its returns there after login, are not)."""
        found = []
        for record in self.records_of(AUTHORIZE):
            first = next((entry for entry in record.entries if entry.endpoint == "authorize"), None)
            if first is not None:
                found.append(first)
        return found
