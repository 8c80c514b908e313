"""Every request stays loggable and listable (issue 16, item 6): one `Authorization: Basic`
of `%ff:x` made every later unfiltered GET /_mock/requests answer 400."""

from __future__ import annotations

import base64

import pytest

from tests.harness.support import make_mock

pytestmark = pytest.mark.anyio


def basic(raw: bytes) -> dict[str, str | bytes]:
    return {"Authorization": "Basic " + base64.b64encode(raw).decode()}


@pytest.mark.parametrize(
    "headers",
    [
        basic(b"%ff:x"),
        basic(b"%ED%A0%80:x"),  # a UTF-8-encoded surrogate, percent-encoded
        basic(b"\xff\xfe:x"),
        basic(b"app:%ff"),
        {"Authorization": "Basic %%%"},
        {"Authorization": b"Bearer \xff"},
    ],
)
async def test_odd_credentials_leave_the_log_listable(headers: dict[str, str | bytes]) -> None:
    mock = make_mock()
    async with mock.async_client() as http:
        await http.post("/oauth2/token", data={"grant_type": "refresh_token"}, headers=headers)
        await http.post("/oauth2/revoke", data={"token": "t", "client_id": "%ff"}, headers=headers)
        await http.get("/v2/me", headers=headers)
        listed = await http.get("/_mock/requests")
        assert listed.status_code == 200, listed.text
        assert listed.json()["count"] == 3
        for entry in listed.json()["requests"]:  # the secret "x" is never logged in clear
            assert not entry["headers"]["authorization"].endswith(":x")
        again = await http.get("/_mock/requests", params={"endpoint": "token"})
        assert again.status_code == 200 and again.json()["count"] == 1


async def test_odd_query_and_form_bytes_leave_the_log_listable() -> None:
    mock = make_mock()
    async with mock.async_client() as http:
        await http.get("/oauth2/auth?client_id=%ED%A0%80&state=%ff%fe")
        form = {"Content-Type": "application/x-www-form-urlencoded"}
        await http.post("/oauth2/token", content=b"grant_type=%ff&client_id=\xff", headers=form)
        listed = await http.get("/_mock/requests")
        assert listed.status_code == 200, listed.text
        assert listed.json()["count"] == 2
        assert mock.requests.to_json()  # the Python export too
