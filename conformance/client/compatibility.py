"""Findings about Frame.io compatibility that are not conformance verdicts: what a client does
that the RFCs allow but Frame.io's server refuses (reported beside the verdicts)."""

from __future__ import annotations

from collections.abc import Iterable

from frameio_oauth_mock.conformance.client.logview import param
from frameio_oauth_mock.conformance.client.scenario import ScenarioRun
from frameio_oauth_mock.mockserver.profiles import PROFILES


def frameio_findings(runs: Iterable[ScenarioRun], profile: str) -> list[str]:
    """Authorization requests whose state Frame.io's server (the mock profile `profile`, as
    Frame.io runs it) would refuse: RFC 9700 2.1 lets a client that uses PKCE omit state, but
    Frame.io's Hydra answers invalid_state to a state shorter than 8 bytes."""
    minimum = PROFILES[profile].state_min_length
    found = [(run, entry) for run in runs for entry in run.authorizations()]
    short = [
        (run, entry)
        for run, entry in found
        if len((param(entry.query, "state") or "").encode()) < minimum
    ]
    if not short:
        return []
    run, entry = short[0]
    state = param(entry.query, "state") or ""
    sent = f"a state of {len(state.encode())} bytes" if state else "no state"
    return [
        f"Frame.io's server ({profile}) refuses an authorization request without a state of at "
        f"least {minimum} characters (invalid_state): this client sent {sent} in "
        f"{len(short)} of {len(found)} authorization requests (first in {run.name}). The "
        "harness let it through outside the state scenarios; against Frame.io it cannot log in."
    ]
