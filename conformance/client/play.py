"""Playing one scenario on the mock: set the mock up, drive the client step by step as the
scenario says (the harness being the browser), and keep what the request log recorded."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from frameio_oauth_mock.conformance.client.adapter import (
    AdapterFactory,
    ClientAdapter,
    ClientSetup,
    NotDelivered,
    Unsupported,
)
from frameio_oauth_mock.conformance.client.browser import Browser
from frameio_oauth_mock.conformance.client.scenario import (
    ADVANCE,
    API,
    AUTHORIZE,
    BROKEN,
    CONTROL_SESSION,
    DELIVER,
    OK,
    REFRESH,
    REJECTED,
    REPLAY,
    SKIPPED,
    UNDELIVERED,
    UNSUPPORTED,
    WAIT,
    Scenario,
    ScenarioRun,
    Step,
    StepRecord,
)
from frameio_oauth_mock.conformance.redact import Redactor
from frameio_oauth_mock.mockserver.testing import MockServer

T = TypeVar("T")
DETAIL_LENGTH = 300  # characters of a client's error message kept


@dataclass(frozen=True)
class App:
    """A client registered on the mock for the scenarios to use."""

    client_id: str
    secret: str | None


@dataclass(frozen=True)
class User:
    email: str
    password: str


class _Player:
    def __init__(
        self,
        mock: MockServer,
        adapter: ClientAdapter,
        browser: Browser,
        redactor: Redactor,
        issuer: str,
    ) -> None:
        self.mock = mock
        self.issuer = issuer
        self.adapter = adapter
        self.browser = browser
        self.redactor = redactor
        self.authorization_url = ""
        self.callback = ""  # the latest redirect back to the client
        self.delivered = ""  # the last callback handed to the client

    def perform(self, step: Step) -> StepRecord:
        last = self.mock.requests.last()
        marker = last.id if last is not None else 0
        record = self._perform(step)
        record.entries = [entry for entry in self.mock.requests.all() if entry.id > marker]
        return record

    def _perform(self, step: Step) -> StepRecord:
        if step.action == ADVANCE:
            self.mock.clock.advance(step.seconds)
            return StepRecord(step, OK)
        if step.action == WAIT:
            time.sleep(step.seconds)
            return StepRecord(step, OK)
        if step.action == REPLAY:
            self.callback = ""
            if not self.authorization_url:
                return StepRecord(step, SKIPPED, "no authorization URL to replay")
            return self._follow(step, self.authorization_url)
        if step.action == AUTHORIZE:
            self.callback = ""
            outcome = self._ask(step, self.adapter.begin)
            if isinstance(outcome, StepRecord):
                return outcome
            self.authorization_url = outcome
            return self._follow(step, outcome)
        if step.action == DELIVER:
            url = self.delivered if step.again else self._with_extra(self.callback, step)
            if step.forge and url:
                url = self._forge(url, step)
            if not url:
                why = "no callback to deliver: the authorization before it did not happen"
                return StepRecord(step, SKIPPED, why)
            self.delivered = url
            page = self._ask(step, lambda: self.adapter.deliver(url))
            if isinstance(page, StepRecord):
                return page
            return StepRecord(step, OK, page=page)
        action = {REFRESH: self.adapter.refresh, API: self.adapter.call_api}[step.action]
        done = self._ask(step, action)
        return done if isinstance(done, StepRecord) else StepRecord(step, OK)

    def _follow(self, step: Step, url: str) -> StepRecord:
        followed = self.browser.follow(url)
        if followed.callback is None:
            return StepRecord(
                step, BROKEN, f"the browser never got back to the client: {followed.stopped}"
            )
        self.callback = followed.callback
        return StepRecord(step, OK)

    def _ask(self, step: Step, action: Callable[[], T]) -> T | StepRecord:
        try:
            return action()
        except Unsupported as error:
            return StepRecord(step, UNSUPPORTED, self._detail(error))
        except NotDelivered as error:
            return StepRecord(step, UNDELIVERED, self._detail(error))
        except Exception as error:  # the client saying no, in whatever way it says it
            return StepRecord(step, REJECTED, self._detail(error))

    def _detail(self, error: Exception) -> str:
        text = f"{type(error).__name__}: {error}" if str(error) else type(error).__name__
        text = self.redactor.text(text)
        return text if len(text) <= DETAIL_LENGTH else text[:DETAIL_LENGTH] + "..."

    def _forge(self, url: str, step: Step) -> str:
        parts = urlsplit(url)
        query = dict(parse_qsl(parts.query, keep_blank_values=True))
        for name, value in step.forge:
            if value is None:
                query.pop(name, None)
            else:
                query[name] = value.format(issuer=self.issuer, issuer_upper=self.issuer.upper())
        return urlunsplit(parts._replace(query=urlencode(query)))

    @staticmethod
    def _with_extra(url: str, step: Step) -> str:
        if not step.extra:
            return url
        return url + ("&" if "?" in url else "?") + urlencode(step.extra)


def _session(
    mock: MockServer,
    adapter: ClientAdapter,
    steps: tuple[Step, ...],
    setup: ClientSetup,
    user: User,
    redactor: Redactor,
    decision: str,
    verify: bool = True,
) -> tuple[list[StepRecord], str]:
    """Play `steps` with one client session; returns the records and why it stopped early.
    `verify` False: the browser, like a user clicking through the warning, accepts the
    server's certificate (the client's own requests are what C27 grades)."""
    browser = Browser(setup.issuer, user.email, user.password, redactor, decision, verify)
    player = _Player(mock, adapter, browser, redactor, setup.issuer)
    records: list[StepRecord] = []
    try:
        for step in steps:
            if records and records[0].outcome in (UNSUPPORTED, REJECTED):
                # The session never began: nothing after it can happen, nor be waited for.
                records.append(
                    StepRecord(step, SKIPPED, f"the session never began: {records[0].detail}")
                )
                continue
            record = player.perform(step)
            records.append(record)
            if record.outcome == BROKEN:
                return records, record.detail
    finally:
        browser.close()
    return records, ""


def _start(factory: AdapterFactory, setup: ClientSetup) -> ClientAdapter | str:
    try:
        return factory(setup)
    except Exception as error:
        return f"the client could not be started: {type(error).__name__}: {error}"


def _close(adapter: ClientAdapter, notes: list[str], label: str) -> None:
    try:
        adapter.close()
    finally:
        # Process clients say how they ended (exit status, stderr tail): shown as evidence.
        said = getattr(adapter, "ended", "")
        if said:
            notes.append(f"{label}: {said}")


CONTROL_STEPS = (Step(AUTHORIZE), Step(DELIVER))


def play(
    mock: MockServer,
    scenario: Scenario,
    factory: AdapterFactory,
    setup: ClientSetup,
    user: User,
    redactor: Redactor,
    control_setup: ClientSetup | None = None,
) -> ScenarioRun:
    """Reset the mock, apply the scenario's mode and faults, play its steps, then (for
    CONTROL_SESSION scenarios) its positive control: a fresh session's plain login."""
    started = time.perf_counter()
    mock.reset()
    mock.configure(
        strict=scenario.strict,
        auto_approve=scenario.login == "auto",
        state_min_length=None if scenario.enforce_state else 0,
        **scenario.server_options,
    )
    for fault in scenario.faults:
        mock.faults.add(**fault)
    run = ScenarioRun(scenario, setup.client_id, setup.scopes, setup.client_secret)
    adapter = _start(factory, setup)
    if isinstance(adapter, str):
        run.broken = adapter
        return run
    decision = "deny" if scenario.login == "deny" else "allow"
    try:
        run.records, run.broken = _session(
            mock, adapter, scenario.steps, setup, user, redactor, decision, not scenario.tls
        )
    finally:
        _close(adapter, run.client_notes, "scenario")
    run.log = mock.requests.all()
    if scenario.control == CONTROL_SESSION and not run.broken:
        _control(mock, run, factory, control_setup or setup, user, redactor)
    run.seconds = time.perf_counter() - started
    return run


def _control(
    mock: MockServer,
    run: ScenarioRun,
    factory: AdapterFactory,
    setup: ClientSetup,
    user: User,
    redactor: Redactor,
) -> None:
    """The positive control: no faults, auto-approval, a new session logs in."""
    mock.faults.clear()
    mock.configure(auto_approve=True, state_min_length=0)
    marker = run.log[-1].id if run.log else 0
    adapter = _start(factory, setup)
    if isinstance(adapter, str):
        run.control = [StepRecord(CONTROL_STEPS[0], REJECTED, adapter)]
        return
    try:
        run.control, _ = _session(mock, adapter, CONTROL_STEPS, setup, user, redactor, "allow")
    finally:
        _close(adapter, run.client_notes, "control session")
    run.control_log = [entry for entry in mock.requests.all() if entry.id > marker]
