"""Hypothesis settings profiles for every @given test (tests/conftest.py loads them first).

- "ci" (the default): bounded and reproducible. Examples are derandomized and no example
  database is kept, so every CI run tries exactly the same inputs; the whole tests/property
  run stays around a minute on a 2-core machine.
- "deep": many more examples and longer state-machine runs, randomized, with the example
  database on so a failure found locally is replayed first next time. Select it with
  HYPOTHESIS_PROFILE=deep (tox -e property-deep).

The top-level conftest imports this module before any test module, so the profile is
Hypothesis's default for the whole session whichever directory runs (tests/unit's and
tests/security's @given tests too: "ci" keeps Hypothesis's default number of examples, so they
only become derandomized and deadline-free; a wall-clock deadline would fail them on a loaded
machine, and speed is never asserted in a test). The state
machine runs three times the profile's max_examples (test_state_machine.py).
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci",
    max_examples=100,
    stateful_step_count=30,
    deadline=None,
    derandomize=True,
    database=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile(
    "deep",
    max_examples=2000,
    stateful_step_count=80,
    deadline=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
