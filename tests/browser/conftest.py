from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest

from tests.browser.support import CHROMIUM, CHROMIUM_ARGS


def _unavailable(reason: str) -> None:
    # Under tox (CI) a missing browser is a failure: these tests are part of the default run.
    # In a hand-made venv that predates them, say what to install instead of failing.
    if os.environ.get("TOX_ENV_NAME"):
        pytest.fail(reason)
    pytest.skip(reason)


# Module scope, not session: Playwright's sync API keeps its event loop marked as running in
# this thread while it is open, which would break every asyncio (anyio) test run after it in
# the same process; pytest closes it when the run moves on to another module.
@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("playwright is not installed: pip install -e '.[test]'")
    if not CHROMIUM.exists():
        _unavailable(f"{CHROMIUM} is missing: apt-get install chromium")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1100, "height": 800})
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()
