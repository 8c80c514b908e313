"""Control API input is validated in full before anything changes (issue 16, item 5).

The attack run found NaN and Infinity for the clock answered 400 yet applied (every code refused
afterwards, 500s at /ims/authorize/v2), huge integers, deep nesting and lone surrogates giving
500s or being stored (breaking the listing and the login page), and redirect URIs with CR/LF,
`javascript:` or `data:` accepted. Each case here is refused with 400 and changes nothing: the
clients, users, faults and clock read the same before and after, and the pages still work.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from frameio_oauth_mock.mockserver import MockServer
from tests.harness.support import IMS_CLIENT, authorize_params, make_mock

pytestmark = pytest.mark.anyio
JSON = {"Content-Type": "application/json"}
FROZEN_AT = 1_700_000_000.0


@pytest.fixture
async def setup() -> AsyncIterator[tuple[MockServer, httpx.AsyncClient]]:
    mock = make_mock(auto_approve=False)
    mock.add_client(IMS_CLIENT)
    mock.clock.freeze(at=FROZEN_AT)
    mock.faults.add("api", status=503)
    async with mock.async_client() as http:
        yield mock, http


def snapshot(mock: MockServer) -> dict[str, Any]:
    return {
        "clients": dict(mock.context.registry.clients),
        "users": dict(mock.context.registry.users),
        "faults": [fault.as_dict() for fault in mock.faults],
        "now": mock.clock.now(),
        "frozen": mock.clock.frozen,
    }


async def assert_still_usable(http: httpx.AsyncClient) -> None:
    """The listings and the login page of both profiles still answer."""
    for path in ("/_mock/clients", "/_mock/users", "/_mock/faults", "/_mock/clock"):
        listed = await http.get(path)
        assert listed.status_code == 200, (path, listed.text)
    page = await http.get("/oauth2/auth", params=authorize_params())
    assert page.status_code == 200 and 'name="password"' in page.text, page.text
    ims = authorize_params(IMS_CLIENT["client_id"], scope="openid", state="s-1")
    ims_page = await http.get("/ims/authorize/v2", params=ims)
    assert ims_page.status_code == 200, ims_page.text


async def assert_refused(
    mock: MockServer, http: httpx.AsyncClient, path: str, raw: str | bytes
) -> str:
    before = snapshot(mock)
    answer = await http.post(path, content=raw, headers=JSON)
    assert answer.status_code == 400, (raw, answer.status_code, answer.text)
    message: str = answer.json()["error"]
    assert snapshot(mock) == before, f"{raw!r} was refused but changed the state"
    await assert_still_usable(http)
    return message


@pytest.mark.parametrize(
    "raw",
    [
        '{"advance": NaN}',
        '{"set": Infinity}',
        '{"advance": -Infinity}',
        '{"set": 1e400}',
        '{"set": ' + "9" * 400 + "}",
        '{"advance": ' + "9" * 400 + "}",
        '{"set": -1}',
        '{"advance": 1e300}',
        '{"advance": -1e300}',
        '{"freeze": false, "advance": NaN}',
        '{"freeze": false, "set": "soon"}',
    ],
)
async def test_bad_clock_changes_nothing(
    setup: tuple[MockServer, httpx.AsyncClient], raw: str
) -> None:
    mock, http = setup
    message = await assert_refused(mock, http, "/_mock/clock", raw)
    assert message.startswith(("advance", "set", "body")), message


async def test_good_clock_still_moves(setup: tuple[MockServer, httpx.AsyncClient]) -> None:
    mock, http = setup
    answer = await http.post("/_mock/clock", json={"advance": 60})
    assert answer.status_code == 200
    assert mock.clock.now() == FROZEN_AT + 60


NESTED = "[" * 100_000 + "]" * 100_000


@pytest.mark.parametrize(
    ("path", "raw"),
    [
        ("/_mock/clients", NESTED),
        ("/_mock/faults", '{"endpoint": "token", "members": {"a": ' + NESTED + "}}"),
        ("/_mock/faults", '{"endpoint": "token", "members": ' + "{}".join(["{"] * 60) + "}"),
        ("/_mock/users", '{"email": "\\ud800@example.com", "password": "pw"}'),
        (
            "/_mock/clients",
            '{"client_id": "x", "name": "\\udfff", "redirect_uris": ["http://127.0.0.1:9/cb"]}',
        ),
        ("/_mock/faults", '{"endpoint": "token", "status": 503, "error": "\\ud83d"}'),
        ("/_mock/faults", '{"endpoint": "token", "status": ' + "5" * 5000 + "}"),
        ("/_mock/faults", '{"endpoint": "token", "members": {"n": ' + "1" * 300 + "}}"),
        ("/_mock/tokens", '{"user": "dev@example.com", "client_id": "app", "x": NaN}'),
        ("/_mock/clients", b'{"client_id": "\xff"}'),
    ],
)
async def test_malformed_documents_change_nothing(
    setup: tuple[MockServer, httpx.AsyncClient], path: str, raw: str | bytes
) -> None:
    mock, http = setup
    await assert_refused(mock, http, path, raw)


@pytest.mark.parametrize(
    "uri",
    [
        "http://127.0.0.1:9000/cb\r\nSet-Cookie: a=b",
        "http://127.0.0.1:9000/cb\n",
        "http://127.0.0.1:9000/c b",
        "http://127.0.0.1:9000/cb\t",
        "javascript:alert(document.domain)//",
        "JavaScript:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "vbscript:msgbox(1)",
    ],
)
async def test_dangerous_redirect_uris_are_refused(
    setup: tuple[MockServer, httpx.AsyncClient], uri: str
) -> None:
    mock, http = setup
    client = {"client_id": "new-app", "redirect_uris": [uri], "scopes": ["account.read"]}
    message = await assert_refused(mock, http, "/_mock/clients", json.dumps(client))
    assert "redirect URI" in message, message


async def test_a_native_app_scheme_is_still_accepted(
    setup: tuple[MockServer, httpx.AsyncClient],
) -> None:
    _, http = setup
    client = {"client_id": "native", "redirect_uris": ["com.example.app:/cb"], "scopes": []}
    answer = await http.post("/_mock/clients", json=client)
    assert answer.status_code == 201, answer.text
