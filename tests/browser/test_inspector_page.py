"""The inspector in headless Chromium (issue 17, parts 3 and 5): the log updates by itself and
filters, the fault and clock controls change the mock, and the token page tells live from not."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from frameio_oauth_mock.mockserver import MockServer
from tests.browser import flows


@pytest.fixture(scope="module")
def server() -> Iterator[MockServer]:
    with MockServer(**flows.SERVER) as running:
        yield running


@pytest.fixture
def mock(server: MockServer) -> MockServer:
    server.reset()
    return server


def expect(locator: Any) -> Any:
    # Imported late: without playwright installed, the browser fixture explains what to do.
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect(locator)


def rows(page: Any) -> Any:
    return page.locator("#log-rows tr[data-endpoint]")


def test_the_log_updates_itself_and_filters(mock: MockServer, page: Any):
    page.goto(mock.url + "/")
    page.wait_for_selector("#log-rows td.muted")  # empty, and polling
    with httpx.Client(base_url=mock.url) as http:
        http.get("/v2/me")
        http.post("/oauth2/token", data={"grant_type": "refresh_token", "refresh_token": "x"},
                  auth=("web-app", "web-secret"))  # fmt: skip
    page.wait_for_selector("#log-rows tr[data-endpoint=token]")  # no reload needed
    assert rows(page).count() == 2
    newest = rows(page).first.inner_text()
    assert "/oauth2/token" in newest and "400" in newest
    assert "invalid_grant: " in newest and "refresh token" in newest
    page.select_option("#log-filter select[name=endpoint]", "api")
    expect(rows(page)).to_have_count(1)
    assert rows(page).first.get_attribute("data-endpoint") == "api"
    page.select_option("#log-filter select[name=endpoint]", "")
    page.check("#log-filter input[name=errors_only]")
    expect(rows(page)).to_have_count(2)
    page.click("button[data-action=clear-log]")
    page.wait_for_selector("#log-rows td.muted")
    assert mock.requests.count() == 0


def test_faults_are_added_and_deleted_from_the_page(mock: MockServer, page: Any):
    page.goto(mock.url + "/")
    page.select_option("#fault-add select[name=endpoint]", "token")
    page.fill("#fault-add input[name=status]", "503")
    page.fill("#fault-add input[name=retry_after]", "7")
    page.fill("#fault-add input[name=times]", "2")
    page.click("#fault-add button[type=submit]")
    page.wait_for_selector("tr[data-fault='1']")
    (rule,) = list(mock.faults)
    assert (rule.endpoint, rule.status, rule.retry_after, rule.times) == ("token", 503, 7, 2)
    refused = httpx.post(mock.token_url, data={"grant_type": "refresh_token"})
    assert refused.status_code == 503 and refused.headers["retry-after"] == "7"
    page.reload()
    assert "1 / 1" in page.locator("tr[data-fault='1']").inner_text()  # seen / fired
    page.click("button[data-action=delete-fault]")
    page.wait_for_selector("tr[data-fault]", state="detached")
    assert len(mock.faults) == 0


def test_a_bad_fault_shows_the_control_apis_message(mock: MockServer, page: Any):
    page.goto(mock.url + "/")
    page.fill("#fault-add input[name=status]", "999")
    page.click("#fault-add button[type=submit]")
    page.wait_for_selector("#problem:not([hidden])")
    assert "status: must be an HTTP status" in page.inner_text("#problem")
    assert len(mock.faults) == 0


def test_the_clock_controls_move_the_mocks_clock(mock: MockServer, page: Any):
    page.goto(mock.url + "/")
    page.get_by_role("button", name="Freeze", exact=True).click()
    page.wait_for_selector("#clock-state >> text=frozen")
    assert mock.clock.frozen
    before = mock.clock.now()
    shown = page.locator("#clock-now")
    page.get_by_role("button", name="+1 h", exact=True).click()
    expect(shown).to_have_attribute("data-now", str(before + 3600))  # after the page reloads
    assert mock.clock.now() == pytest.approx(before + 3600)
    page.fill("#clock-advance input[name=advance]", "90")
    page.click("#clock-advance button")
    expect(shown).to_have_attribute("data-now", str(before + 3690))
    assert mock.clock.now() == pytest.approx(before + 3690)
    page.get_by_role("button", name="Unfreeze", exact=True).click()
    page.wait_for_selector("#clock-state >> text=running")
    assert not mock.clock.frozen


def test_the_token_page_tells_a_live_token_from_a_revoked_one(mock: MockServer, page: Any):
    tokens = mock.issue_token("dev@example.com", "web-app")
    page.goto(mock.url + "/inspect/token")
    page.fill("textarea[name=token]", tokens["access_token"])
    page.click("#token-form button[type=submit]")
    page.wait_for_selector("#token-verdict.live")
    assert page.inner_text("#token-verdict") == "Live: access_token (active)"
    assert "dev@example.com" in page.inner_text("#token-facts")
    httpx.post(mock.revoke_url, data={"token": tokens["refresh_token"]},
               auth=("web-app", "web-secret"))  # fmt: skip
    page.click("#token-form button[type=submit]")
    page.wait_for_selector("#token-verdict.dead")
    assert page.inner_text("#token-verdict") == "Not live: access_token (revoked)"
    page.fill("textarea[name=token]", tokens["id_token"])
    page.click("#token-form button[type=submit]")
    page.wait_for_selector("#token-jwt:not([hidden])")
    assert '"aud"' in page.inner_text("#token-jwt-claims")
    assert "made with this mock's key" in page.inner_text("#token-jwt-claims")
