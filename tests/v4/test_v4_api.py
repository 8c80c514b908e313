"""Frame.io's V4 API on the mock (issue 17, part 2): GET /v4/me, /v4/accounts (links.next
paging) and /v4/accounts/{id}, through the ASGI app in-process and through the official
`frameio` SDK. Shapes follow the SDK's models (`ProfileResponse`, `AccountsResponse`,
`Links`, `*ErrorsItem`) and developer.frame.io's reference (x-ratelimit-* headers, 100 calls
per minute per user)."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from frameio import Frameio
from frameio.errors import NotFoundError, UnauthorizedError

from frameio_oauth_mock.mockserver import MockServer
from frameio_oauth_mock.mockserver.settings import ConfigError, parse_config

pytestmark = pytest.mark.anyio

REDIRECT = "http://127.0.0.1:8765/callback"
IMS_SCOPES = ["openid", "email", "profile", "offline_access"]
ACCOUNTS = [
    {"id": f"acc-{n:02d}", "display_name": name, "created_at": f"2024-01-{n:02d}T00:00:00Z"}
    for n, name in [(1, "Zulu Films"), (2, "Alpha Post"), (3, "Mike Media"), (4, "Bravo Cut")]
]
CLIENTS: list[dict[str, Any]] = [
    {"client_id": "ims-web", "client_secret": "ims-web-secret", "profile": "adobe-ims",
     "redirect_uris": [REDIRECT], "scopes": IMS_SCOPES},
    {"client_id": "ims-s2s", "client_secret": "ims-s2s-secret", "profile": "adobe-ims",
     "grant_types": ["client_credentials"], "scopes": ["openid", "AdobeID", "frame.s2s.all"]},
    {"client_id": "v2-app", "client_secret": "v2-secret", "redirect_uris": [REDIRECT],
     "scopes": ["account.read", "openid"]},
]  # fmt: skip
USERS = [
    {"email": "dev@example.com", "password": "pw", "name": "Dev User", "accounts": ACCOUNTS},
    {"email": "solo@example.com", "password": "pw", "name": "Solo"},
]


@pytest.fixture(scope="module")
def server() -> MockServer:
    return MockServer(clients=CLIENTS, users=USERS)


@pytest.fixture
async def http(mock: MockServer) -> AsyncIterator[httpx.AsyncClient]:
    async with mock.async_client() as client:
        yield client


def bearer(mock: MockServer, email: str = "dev@example.com", **options: Any) -> dict[str, str]:
    tokens = mock.issue_token(email, options.pop("client_id", "ims-web"), **options)
    return {"Authorization": f"Bearer {tokens['access_token']}"}


def v4_error(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"errors"} and len(body["errors"]) == 1, body
    item: dict[str, Any] = body["errors"][0]
    assert isinstance(item["detail"], str) and item["detail"]
    assert isinstance(item["title"], str)
    return item


async def test_me_returns_the_tokens_user_in_the_v4_shape(
    mock: MockServer, http: httpx.AsyncClient
):
    user = mock.context.registry.user_by_email("dev@example.com")
    assert user is not None
    response = await http.get("/v4/me", headers=bearer(mock))
    assert response.status_code == 200
    assert response.json() == {
        "data": {"avatar_url": None, "email": "dev@example.com", "id": user.id, "name": "Dev User"}
    }
    assert response.headers["x-ratelimit-limit"] == "100"
    assert response.headers["x-ratelimit-remaining"] == "99"
    assert response.headers["x-ratelimit-window"] == "60000"


async def test_remaining_counts_down_per_user_and_resets_with_the_window(
    mock: MockServer, http: httpx.AsyncClient
):
    mock.clock.freeze()
    dev, solo = bearer(mock), bearer(mock, "solo@example.com")
    for expected in ("99", "98", "97"):
        response = await http.get("/v4/accounts", headers=dev)
        assert response.headers["x-ratelimit-remaining"] == expected
    # Another user has a budget of their own; another token of the same user shares it.
    assert (await http.get("/v4/me", headers=solo)).headers["x-ratelimit-remaining"] == "99"
    assert (await http.get("/v4/me", headers=bearer(mock))).headers["x-ratelimit-remaining"] == "96"
    mock.clock.advance(60)
    assert (await http.get("/v4/me", headers=dev)).headers["x-ratelimit-remaining"] == "99"


async def test_past_the_limit_calls_get_429_until_the_window_ends(
    mock: MockServer, http: httpx.AsyncClient
):
    mock.configure(api_rate_limit=3)
    mock.clock.freeze()
    headers = bearer(mock)
    for _ in range(3):
        assert (await http.get("/v4/me", headers=headers)).status_code == 200
    mock.clock.advance(20)
    refused = await http.get("/v4/me", headers=headers)
    item = v4_error(refused, 429)
    assert item["title"] == "Too Many Requests"
    assert refused.headers["x-ratelimit-remaining"] == "0"
    assert refused.headers["retry-after"] == "40"
    mock.clock.advance(40)
    assert (await http.get("/v4/me", headers=headers)).status_code == 200


async def test_accounts_page_with_links_next_until_the_last_page(
    mock: MockServer, http: httpx.AsyncClient
):
    headers = bearer(mock)
    seen: list[str] = []
    url: str | None = "/v4/accounts?page_size=3&include_total_count=true"
    pages = 0
    while url is not None:
        response = await http.get(url, headers=headers)
        assert response.status_code == 200, response.text
        body = response.json()
        assert set(body) == {"data", "links", "total_count"}
        seen += [account["id"] for account in body["data"]]
        url = body["links"]["next"]
        if url is not None:
            assert url.startswith("/v4/accounts?after=") and "page_size" not in url
            url += "&page_size=3"  # the real API drops other parameters from links.next
        pages += 1
        if pages == 1:
            assert body["total_count"] == 4
    assert pages == 2
    assert seen == ["acc-01", "acc-02", "acc-03", "acc-04"]


async def test_accounts_have_the_sdk_account_members(mock: MockServer, http: httpx.AsyncClient):
    body = (await http.get("/v4/accounts", headers=bearer(mock))).json()
    assert body["links"] == {"next": None}
    assert body["total_count"] is None
    first = body["data"][0]
    assert first == {
        "adobe_id": None,
        "created_at": "2024-01-01T00:00:00Z",
        "display_name": "Zulu Films",
        "id": "acc-01",
        "image": None,
        "mounted_storage_enabled": False,
        "roles": ["owner"],
        "storage_limit": None,
        "storage_usage": 0,
        "updated_at": "2024-01-01T00:00:00.000000Z",
        "v4_migrated_at": None,
    }


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        ("display_name_asc", ["acc-02", "acc-04", "acc-03", "acc-01"]),
        ("display_name_desc", ["acc-01", "acc-03", "acc-04", "acc-02"]),
        ("created_at_desc", ["acc-04", "acc-03", "acc-02", "acc-01"]),
        ("created_at_asc", ["acc-01", "acc-02", "acc-03", "acc-04"]),
    ],
)
async def test_accounts_sort(
    mock: MockServer, http: httpx.AsyncClient, sort: str, expected: list[str]
):
    response = await http.get("/v4/accounts", params={"sort": sort}, headers=bearer(mock))
    assert [account["id"] for account in response.json()["data"]] == expected


@pytest.mark.parametrize(
    ("query", "pointer"),
    [
        ({"page_size": "0"}, "/page_size"),
        ({"page_size": "101"}, "/page_size"),
        ({"page_size": "ten"}, "/page_size"),
        ({"sort": "name"}, "/sort"),
        ({"after": "not-a-cursor"}, "/after"),
        ({"include_total_count": "yes"}, "/include_total_count"),
    ],
)
async def test_bad_list_parameters_name_the_parameter(
    mock: MockServer, http: httpx.AsyncClient, query: dict[str, str], pointer: str
):
    response = await http.get("/v4/accounts", params=query, headers=bearer(mock))
    assert v4_error(response, 422)["source"] == {"pointer": pointer}


async def test_a_user_without_configured_accounts_has_one_of_their_own(
    mock: MockServer, http: httpx.AsyncClient
):
    user = mock.context.registry.user_by_email("solo@example.com")
    assert user is not None
    body = (await http.get("/v4/accounts", headers=bearer(mock, "solo@example.com"))).json()
    assert [(a["id"], a["display_name"], a["roles"]) for a in body["data"]] == [
        (user.account_id, "Solo's Account", ["owner"])
    ]


async def test_show_account_only_for_the_callers_own(mock: MockServer, http: httpx.AsyncClient):
    shown = await http.get("/v4/accounts/acc-03", headers=bearer(mock))
    assert shown.status_code == 200
    assert shown.json()["data"]["display_name"] == "Mike Media"
    assert shown.headers["x-ratelimit-limit"] == "100"
    other = await http.get("/v4/accounts/acc-03", headers=bearer(mock, "solo@example.com"))
    assert v4_error(other, 404)["title"] == "Not Found"


@pytest.mark.parametrize("path", ["/v4/me", "/v4/accounts", "/v4/accounts/acc-01"])
async def test_without_a_live_token_401_with_a_bearer_challenge(
    mock: MockServer, http: httpx.AsyncClient, path: str
):
    missing = await http.get(path)
    assert v4_error(missing, 401)["title"] == "Unauthorized"
    assert missing.headers["www-authenticate"].startswith("Bearer")
    assert "x-ratelimit-limit" not in missing.headers
    garbage = await http.get(path, headers={"Authorization": "Bearer nope"})
    assert 'error="invalid_token"' in garbage.headers["www-authenticate"]
    v4_error(garbage, 401)
    headers = bearer(mock)
    await http.post("/ims/revoke", data={"token": headers["Authorization"][7:]},
                    auth=("ims-web", "ims-web-secret"))  # fmt: skip
    v4_error(await http.get(path, headers=headers), 401)


async def test_expired_token_is_refused(mock: MockServer, http: httpx.AsyncClient):
    mock.clock.freeze()
    headers = bearer(mock)
    mock.clock.advance(86399)
    v4_error(await http.get("/v4/me", headers=headers), 401)


async def test_a_legacy_frameio_v2_token_does_not_open_v4(
    mock: MockServer, http: httpx.AsyncClient
):
    headers = bearer(mock, client_id="v2-app")
    assert (await http.get("/v2/me", headers=headers)).status_code == 200
    v4_error(await http.get("/v4/me", headers=headers), 401)


async def test_without_openid_403_insufficient_scope(mock: MockServer, http: httpx.AsyncClient):
    response = await http.get("/v4/me", headers=bearer(mock, scopes=["email", "profile"]))
    assert v4_error(response, 403)["title"] == "Forbidden"
    assert 'error="insufficient_scope"' in response.headers["www-authenticate"]


async def test_server_to_server_token_acts_as_a_technical_account(
    mock: MockServer, http: httpx.AsyncClient
):
    token = await http.post(
        "/ims/token/v3",
        data={"grant_type": "client_credentials", "scope": "openid,AdobeID,frame.s2s.all"},
        auth=("ims-s2s", "ims-s2s-secret"),
    )
    headers = {"Authorization": f"Bearer {token.json()['access_token']}"}
    me = await http.get("/v4/me", headers=headers)
    assert me.status_code == 200
    assert me.json()["data"]["email"] == "ims-s2s@techacct.adobe.com"
    accounts = await http.get("/v4/accounts", headers=headers)
    assert len(accounts.json()["data"]) == 1


async def test_faults_answer_in_the_v4_error_shape(mock: MockServer, http: httpx.AsyncClient):
    headers = bearer(mock)
    mock.faults.add("api", status=503, retry_after=2)
    response = await http.get("/v4/accounts/acc-01", headers=headers)
    assert v4_error(response, 503)["detail"]
    assert response.headers["retry-after"] == "2"
    assert (await http.get("/v4/accounts/acc-01", headers=headers)).status_code == 200
    logged = mock.requests.filter("api")
    assert [entry.status for entry in logged] == [503, 200]
    assert logged[0].fault == 1
    assert logged[0].path == "/v4/accounts/acc-01"


def test_accounts_come_from_the_toml_users_table():
    settings = parse_config(
        {"users": [{"email": "a@example.com", "password": "pw", "accounts": [
            {"id": "acc-1", "display_name": "One", "roles": ["admin", "member"],
             "storage_limit": 1000}]}]},
        "mock.toml",
    )  # fmt: skip
    (account,) = settings.users[0].accounts
    assert (account.id, account.display_name, account.roles) == (
        "acc-1",
        "One",
        ("admin", "member"),
    )
    assert account.storage_limit == 1000


@pytest.mark.parametrize(
    ("accounts", "message"),
    [
        ([{"display_name": "x"}], "accounts[0]: 'id' is required"),
        ([{"id": "a", "roles": ["boss"]}], "unknown role 'boss'"),
        ([{"id": "a"}, {"id": "a"}], "duplicate account id 'a'"),
        ([{"id": "a", "colour": "red"}], "unknown key 'colour'"),
    ],
)
def test_bad_account_tables_get_one_line_errors(accounts: list[dict[str, Any]], message: str):
    user = {"email": "a@example.com", "password": "pw", "accounts": accounts}
    with pytest.raises(ConfigError, match=re.escape(message)):
        parse_config({"users": [user]}, "mock.toml")


def test_the_official_sdk_reads_me_and_pages_through_accounts():
    with MockServer(clients=CLIENTS, users=USERS) as running:
        token = running.issue_token("dev@example.com", "ims-web")["access_token"]
        client = Frameio(base_url=running.url, token=token)
        assert client.users.show().data.email == "dev@example.com"
        pager = client.accounts.index(page_size=3)
        names = [account.display_name for account in pager]
        assert names == ["Zulu Films", "Alpha Post", "Mike Media", "Bravo Cut"]
        assert running.requests.count("api", status=200) == 3  # me + two pages
        with pytest.raises(UnauthorizedError):
            Frameio(base_url=running.url, token="wrong").users.show()
        running.faults.add("api", status=404)
        with pytest.raises(NotFoundError) as raised:
            client.users.show()
        assert raised.value.body.errors[0].detail
