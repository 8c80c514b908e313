"""The inspector (issue 17, part 3) through the ASGI app: the overview at / (configuration,
URLs, faults, clock, the log's script), the token page and /_mock/tokens/inspect, the log's
error reasons and `since` polling, the same security headers as the other pages, and the
control API's protection: off when it is off, an admin token when it has one."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from frameio_oauth_mock.mockserver import MockServer
from frameio_oauth_mock.mockserver.web.responses import PAGE_HEADERS

pytestmark = pytest.mark.anyio

REDIRECT = "http://127.0.0.1:8765/callback"
HOSTILE = '<script>alert("x")</script>'
CLIENTS: list[dict[str, Any]] = [
    {"client_id": "web-app", "client_secret": "web-secret", "redirect_uris": [REDIRECT],
     "scopes": ["account.read", "offline", "openid"], "name": HOSTILE},
    {"client_id": "pkce-app", "redirect_uris": [REDIRECT], "scopes": ["account.read"]},
    {"client_id": "ims-web", "client_secret": "ims-secret", "profile": "adobe-ims",
     "redirect_uris": [REDIRECT], "scopes": ["openid", "offline_access"]},
]  # fmt: skip
USERS = [{"email": "dev@example.com", "password": "pw", "name": "Dev User"}]


@pytest.fixture(scope="module")
def server() -> MockServer:
    return MockServer(clients=CLIENTS, users=USERS)


@pytest.fixture
async def http(mock: MockServer) -> AsyncIterator[httpx.AsyncClient]:
    async with mock.async_client() as client:
        yield client


async def test_overview_shows_configuration_and_urls(mock: MockServer, http: httpx.AsyncClient):
    page = await http.get("/")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    html = page.text
    base = "http://frameio-mock.test"
    expected = ["web-app", "web-secret", "pkce-app", "ims-web", "dev@example.com",
                "Dev User&#39;s Account", f"{base}/oauth2/token", f"{base}/ims/token/v3",
                f"{base}/v4/me"]  # fmt: skip
    for text in expected:
        assert text in html, text
    # A ready sign-in link per client; public clients get a fresh verifier beside it.
    assert "http://frameio-mock.test/oauth2/auth?client_id=web-app&amp;response_type=code" in html
    assert "code_challenge_method=S256" in html and "code_verifier" in html


async def test_pages_escape_what_they_show_and_run_only_their_own_script(http: httpx.AsyncClient):
    page = await http.get("/")
    assert HOSTILE not in page.text
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in page.text
    scripts = re.findall(r"<script[^>]*>", page.text)
    assert scripts == ['<script src="/inspect/inspector.js" defer>']
    csp = page.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "'unsafe-inline'" not in csp.split("style-src")[0]
    assert "frame-ancestors 'none'" in csp
    for name, value in PAGE_HEADERS.items():  # the flow pages' headers, CSP aside
        if name != "Content-Security-Policy":
            assert page.headers[name] == value


async def test_the_script_is_served_same_origin(http: httpx.AsyncClient):
    script = await http.get("/inspect/inspector.js")
    assert script.status_code == 200
    assert script.headers["content-type"].startswith("text/javascript")
    assert "textContent" in script.text and "innerHTML" not in script.text


async def test_faults_and_clock_are_shown(mock: MockServer, http: httpx.AsyncClient):
    mock.faults.add("token", status=429, retry_after=2)
    mock.clock.freeze(at=1_700_000_000)
    html = (await http.get("/")).text
    assert 'data-fault="1"' in html and "status=429" in html and "retry_after=2" in html
    assert "2023-11-14 22:13:20 UTC" in html and "frozen" in html


async def test_the_inspector_is_not_in_the_request_log(mock: MockServer, http: httpx.AsyncClient):
    for path in ("/", "/inspect/token", "/inspect/inspector.js"):
        assert (await http.get(path)).status_code == 200
    assert mock.requests.count() == 0


async def test_log_records_the_error_and_why(mock: MockServer, http: httpx.AsyncClient):
    await http.post("/oauth2/token", data={"grant_type": "authorization_code", "code": "nope"},
                    auth=("web-app", "web-secret"))  # fmt: skip
    await http.get("/oauth2/auth", params={"client_id": "web-app", "response_type": "code",
                                           "scope": "team.read", "state": "state-123"})  # fmt: skip
    await http.get("/v4/me")
    token, authorize, v4 = mock.requests.filter()
    assert token.error == "invalid_grant" and token.error_description
    assert "authorization grant" in token.error_description
    assert authorize.status == 303 and authorize.error == "invalid_scope"
    assert authorize.error_description and "team.read" in authorize.error_description
    assert v4.error == "Unauthorized" and v4.error_description


async def test_since_returns_only_newer_entries(mock: MockServer, http: httpx.AsyncClient):
    for _ in range(3):
        await http.get("/v2/me")
    listed = (await http.get("/_mock/requests", params={"since": 2})).json()
    assert [entry["id"] for entry in listed["requests"]] == [3]
    assert (await http.get("/_mock/requests", params={"since": "x"})).status_code == 400


async def inspect(http: httpx.AsyncClient, token: str) -> dict[str, Any]:
    answer = await http.post("/_mock/tokens/inspect", json={"token": token})
    assert answer.status_code == 200, answer.text
    facts: dict[str, Any] = answer.json()
    return facts


async def test_token_inspection_says_whether_a_token_is_live(
    mock: MockServer, http: httpx.AsyncClient
):
    mock.clock.freeze()
    tokens = mock.issue_token("dev@example.com", "web-app")
    access = await inspect(http, tokens["access_token"])
    assert access["live"] is True and access["kind"] == "access_token"
    assert access["state"] == "active"
    assert (access["client_id"], access["user"]) == ("web-app", "dev@example.com")
    assert access["scopes"] == ["account.read", "offline", "openid"]
    assert access["expires_at"] - access["issued_at"] == 3600
    assert "jwt" not in access  # frameio-v2 tokens are opaque
    id_token = await inspect(http, tokens["id_token"])
    assert id_token["kind"] == "id_token" and id_token["live"] is True
    assert id_token["jwt"]["signed_by_mock"] is True
    assert id_token["jwt"]["claims"]["aud"] in ("web-app", ["web-app"])
    mock.clock.advance(3600)
    assert (await inspect(http, tokens["access_token"]))["state"] == "expired"
    assert (await inspect(http, tokens["id_token"]))["live"] is False


async def test_rotated_and_revoked_tokens_are_not_live(mock: MockServer, http: httpx.AsyncClient):
    tokens = mock.issue_token("dev@example.com", "web-app")
    await http.post("/oauth2/token", data={"grant_type": "refresh_token",
                                           "refresh_token": tokens["refresh_token"]},
                    auth=("web-app", "web-secret"))  # fmt: skip
    rotated = await inspect(http, tokens["refresh_token"])
    assert (rotated["state"], rotated["live"]) == ("rotated", False)
    ims = mock.issue_token("dev@example.com", "ims-web")
    jwt_shaped = await inspect(http, ims["access_token"])
    assert jwt_shaped["live"] is True and jwt_shaped["profile"] == "adobe-ims"
    assert jwt_shaped["jwt"]["signed_by_mock"] is True
    await http.post("/ims/revoke", data={"token": ims["access_token"]},
                    auth=("ims-web", "ims-secret"))  # fmt: skip
    revoked = await inspect(http, ims["access_token"])
    assert (revoked["state"], revoked["live"]) == ("revoked", False)


async def test_unknown_and_forged_tokens(http: httpx.AsyncClient):
    unknown = await inspect(http, "ory_at_nothing.here")
    assert (unknown["kind"], unknown["live"]) == ("unknown", False)
    forged = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4IiwiZXhwIjo5OTk5OTk5OTk5fQ.c2ln"
    facts = await inspect(http, forged)
    assert facts["jwt"]["claims"] == {"sub": "x", "exp": 9999999999}
    assert facts["jwt"]["signed_by_mock"] is False and facts["live"] is False
    assert (await http.post("/_mock/tokens/inspect", json={})).status_code == 400


def off_loopback(mock: MockServer) -> dict[str, str]:
    """Pretend the mock listens on every interface; requests name a loopback Host."""
    mock.app.state.exposure.addresses = ("0.0.0.0",)
    return {"Host": "127.0.0.1"}


@pytest.fixture
async def wide(mock: MockServer) -> AsyncIterator[MockServer]:
    yield mock
    mock.app.state.exposure.addresses = ()
    mock.configure(admin_token=None)


async def test_off_when_the_control_api_is_off(wide: MockServer, http: httpx.AsyncClient):
    host = off_loopback(wide)
    for path in ("/", "/inspect/token"):
        page = await http.get(path, headers=host)
        assert page.status_code == 404
        assert "web-secret" not in page.text and "Inspector off" in page.text
    assert (await http.get("/_mock/clients", headers=host)).status_code == 404


async def test_with_an_admin_token_the_browser_signs_in_first(
    wide: MockServer, http: httpx.AsyncClient
):
    host = off_loopback(wide)
    wide.configure(admin_token="Adm1n-token")
    page = await http.get("/", headers=host)
    assert page.status_code == 401 and "web-secret" not in page.text
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert csrf is not None
    form = {"csrf_token": csrf.group(1), "next": "/", "admin_token": "wrong"}
    refused = await http.post("/inspect/sign-in", data=form, headers=host)
    assert refused.status_code == 401 and "not the admin token" in refused.text
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', refused.text)
    assert csrf is not None
    form |= {"csrf_token": csrf.group(1), "admin_token": "Adm1n-token", "next": "https://evil"}
    signed_in = await http.post("/inspect/sign-in", data=form, headers=host)
    assert signed_in.status_code == 303 and signed_in.headers["location"] == "/"
    cookie = signed_in.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie and "adm1n-token" not in cookie
    page = await http.get("/", headers=host)  # the client keeps the cookie
    assert page.status_code == 200 and "web-secret" in page.text
    # The page hands its script the token for the control API's Bearer header.
    assert '<meta name="frameio-mock-admin-token" content="Adm1n-token">' in page.text
    http.cookies.clear()
    assert (await http.get("/inspect/token", headers=host)).status_code == 401


async def test_sign_in_refuses_a_missing_csrf_token_and_foreign_origins(
    wide: MockServer, http: httpx.AsyncClient
):
    host = off_loopback(wide)
    wide.configure(admin_token="Adm1n-token")
    form = {"csrf_token": "made-up", "admin_token": "Adm1n-token"}
    assert (await http.post("/inspect/sign-in", data=form, headers=host)).status_code == 403
    foreign = {**host, "Origin": "https://evil.example"}
    assert (await http.get("/", headers=foreign)).status_code == 403
