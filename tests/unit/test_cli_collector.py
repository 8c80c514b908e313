"""`frameio-mock` turns the garbage collector off while it starts (start-up makes long-lived
objects, not garbage) and must always turn it on again: `serve` once it is ready, every other
command before it runs, and any failure on the way out. A caller that had it off keeps it off."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from typing import Any

import pytest

from frameio_oauth_mock.mockserver import serving
from frameio_oauth_mock.mockserver.cli import main


@pytest.fixture(autouse=True)
def collector_restored() -> Iterator[None]:
    was_enabled = gc.isenabled()
    yield
    if was_enabled:
        gc.enable()
    else:  # pragma: no cover - pytest runs with the collector on
        gc.disable()


def test_serve_starts_with_the_collector_off_and_serves_with_it_on(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    seen: dict[str, Any] = {}

    def fake_tune() -> None:  # the real one changes the whole test process's thresholds
        seen["tuned_while_enabled"] = gc.isenabled()

    def fake_run(self: serving.NotifyingServer, sockets: Any = None) -> None:
        seen["starting"] = gc.isenabled()
        assert self._on_ready is not None
        self._on_ready()
        seen["serving"] = gc.isenabled()
        for sock in sockets or []:
            sock.close()

    monkeypatch.setattr(serving, "tune_gc_for_serving", fake_tune)
    monkeypatch.setattr(serving.NotifyingServer, "run", fake_run)

    assert main(["serve", "--auto-approve", "--port", "0", "--log-level", "warning"]) == 0
    assert seen == {"starting": False, "tuned_while_enabled": False, "serving": True}
    assert gc.isenabled()


def test_a_failed_start_turns_the_collector_on_again() -> None:
    assert main(["serve", "--port", "70000"]) == 2
    assert gc.isenabled()


def test_other_commands_run_with_the_collector_on(monkeypatch: pytest.MonkeyPatch) -> None:
    import frameio_oauth_mock.client._cli as client_cli

    seen: list[bool] = []

    def fake_login(args: Any, prog: str) -> int:
        seen.append(gc.isenabled())
        return 0

    monkeypatch.setattr(client_cli, "run_login", fake_login)
    assert main(["login", "--client-id", "demo-app"]) == 0
    assert seen == [True]


def test_a_caller_with_the_collector_off_keeps_it_off() -> None:
    gc.disable()
    assert main(["serve", "--port", "70000"]) == 2
    assert not gc.isenabled()
