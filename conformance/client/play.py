"""Playing one scenario on the mock: set the mock up, drive the client step by step as the
scenario says (the harness being the browser), and keep what the request log recorded."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar
from urllib.parse import urlencode

from frameio_oauth_mock.conformance.client.adapter import (
    AdapterFactory,
    ClientAdapter,
    ClientSetup,
    Unsupported,
)
from frameio_oauth_mock.conformance.client.browser import Browser
from frameio_oauth_mock.conformance.client.scenario import (
    ADVANCE,
    API,
    AUTHORIZE,
    BROKEN,
    DELIVER,
    OK,
    REFRESH,
    REJECTED,
    REPLAY,
    UNSUPPORTED,
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
        self, mock: MockServer, adapter: ClientAdapter, browser: Browser, redactor: Redactor
    ) -> None:
        self.mock = mock
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
        if step.action == REPLAY:
            return self._follow(step, self.authorization_url)
        if step.action == AUTHORIZE:
            outcome = self._ask(step, self.adapter.begin)
            if isinstance(outcome, StepRecord):
                return outcome
            self.authorization_url = outcome
            return self._follow(step, outcome)
        if step.action == DELIVER:
            url = self.delivered if step.again else self._with_extra(self.callback, step)
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
        except Exception as error:  # the client saying no, in whatever way it says it
            return StepRecord(step, REJECTED, self._detail(error))

    def _detail(self, error: Exception) -> str:
        text = f"{type(error).__name__}: {error}" if str(error) else type(error).__name__
        text = self.redactor.text(text)
        return text if len(text) <= DETAIL_LENGTH else text[:DETAIL_LENGTH] + "..."

    @staticmethod
    def _with_extra(url: str, step: Step) -> str:
        if not step.extra:
            return url
        return url + ("&" if "?" in url else "?") + urlencode(step.extra)


def play(
    mock: MockServer,
    scenario: Scenario,
    factory: AdapterFactory,
    setup: ClientSetup,
    user: User,
    redactor: Redactor,
) -> ScenarioRun:
    """Reset the mock, apply the scenario's mode and faults, and play its steps."""
    started = time.perf_counter()
    mock.reset()
    mock.configure(strict=scenario.strict, auto_approve=scenario.login == "auto")
    for fault in scenario.faults:
        mock.faults.add(**fault)
    run = ScenarioRun(scenario, setup.client_id, setup.scopes, setup.client_secret)
    try:
        adapter = factory(setup)
    except Exception as error:
        run.broken = f"the client could not be started: {type(error).__name__}: {error}"
        return run
    decision = "deny" if scenario.login == "deny" else "allow"
    browser = Browser(setup.issuer, user.email, user.password, redactor, decision)
    player = _Player(mock, adapter, browser, redactor)
    try:
        for step in scenario.steps:
            record = player.perform(step)
            run.records.append(record)
            if record.outcome == BROKEN:
                run.broken = record.detail
                break
    finally:
        try:
            adapter.close()
        finally:
            browser.close()
    run.log = mock.requests.all()
    run.seconds = time.perf_counter() - started
    return run
