"""Hypothesis settings profiles for the property-based tests (issue 6).

- "ci" (the default): bounded and reproducible. Examples are derandomized and no example
  database is kept, so every CI run tries exactly the same inputs; the whole tests/property
  run stays around a minute on a 2-core machine.
- "deep": many more examples and longer state-machine runs, randomized, with the example
  database on so a failure found locally is replayed first next time. Select it with
  HYPOTHESIS_PROFILE=deep (tox -e property-deep).

The profile is loaded when pytest imports this conftest, so it is Hypothesis's default for
the whole session (tests/unit's few @given tests run under it too; "ci" keeps Hypothesis's
default number of examples, so they only become derandomized and deadline-free). The state
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
