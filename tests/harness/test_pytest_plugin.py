"""The pytest plugin, as a user meets it: test files run by pytester with the plugin loaded
through its pytest11 entry point (the package is installed)."""

from __future__ import annotations

import pytest

pytest_plugins = ["pytester"]

FLOW_HELPERS = """
import asyncio
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

REDIRECT = "http://127.0.0.1:8765/callback"


def code_from(response):
    assert response.status_code == 303, response.text
    return parse_qs(urlsplit(response.headers["location"]).query)["code"][0]


def authorize_params(client_id, **extra):
    return {
        "client_id": client_id,
        "response_type": "code",
        "redirect_uri": REDIRECT,
        "scope": "account.read offline",
        "state": "user-state-123",
        **extra,
    }
"""

USER_TESTS = (
    FLOW_HELPERS
    + """

def test_full_flow(frameio_mock):
    with httpx.Client(base_url=frameio_mock.url, timeout=10) as http:
        code = code_from(http.get("/oauth2/auth", params=authorize_params("demo-app")))
        token = http.post(
            "/oauth2/token",
            data={"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT},
            auth=("demo-app", "demo-secret"),
        )
        assert token.status_code == 200, token.text
        access = token.json()["access_token"]
        me = http.get("/v2/me", headers={"Authorization": "Bearer " + access})
        assert me.json()["email"] == "dev@example.com"
    assert frameio_mock.requests.count("token") == 1
    # Leave state behind for the next test to (not) see.
    frameio_mock.fault("token", status=503, times=None)
    frameio_mock.clock.freeze(at=1000.0)


@pytest.mark.frameio_mock(
    clients=[
        {
            "client_id": "marker-app",
            "client_secret": "marker-secret",
            "redirect_uris": [REDIRECT],
            "scopes": ["account.read", "offline"],
        }
    ],
    users=[{"email": "marker@example.com", "password": "pw"}],
    strict=True,
    access_token_ttl=42,
)
def test_marker(frameio_mock):
    assert "marker-app" in frameio_mock.context.registry.clients
    with httpx.Client(base_url=frameio_mock.url, timeout=10) as http:
        refused = http.get("/oauth2/auth", params=authorize_params("marker-app"))
        assert "error=invalid_request" in refused.headers["location"]  # strict: PKCE needed
        challenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
        response = http.get(
            "/oauth2/auth",
            params=authorize_params(
                "marker-app",
                code_challenge=challenge,
                code_challenge_method="S256",
                login_hint="marker@example.com",
            ),
        )
        assert "iss=" in response.headers["location"]
        token = http.post(
            "/oauth2/token",
            data={
                "grant_type": "authorization_code",
                "code": code_from(response),
                "redirect_uri": REDIRECT,
                "code_verifier": verifier,
            },
            auth=("marker-app", "marker-secret"),
        )
        assert token.status_code == 200, token.text
        assert token.json()["expires_in"] == 42
        me = http.get("/v2/me", headers={"Authorization": "Bearer " + token.json()["access_token"]})
        assert me.json()["email"] == "marker@example.com"


def test_nothing_leaks_from_earlier_tests(frameio_mock):
    assert len(frameio_mock.requests) == 0
    assert len(frameio_mock.faults) == 0
    assert not frameio_mock.clock.frozen
    assert "marker-app" not in frameio_mock.context.registry.clients
    assert frameio_mock.context.registry.user_by_email("marker@example.com") is None
    with httpx.Client(base_url=frameio_mock.url, timeout=10) as http:
        # Not strict any more: no PKCE needed, no iss.
        response = http.get("/oauth2/auth", params=authorize_params("demo-app"))
        assert "iss=" not in response.headers["location"]
        code = code_from(response)
        token = http.post(
            "/oauth2/token",
            data={"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT},
            auth=("demo-app", "demo-secret"),
        )
        assert token.status_code == 200  # the fault is gone
        assert token.json()["expires_in"] == 3600


def test_same_server_for_the_session(frameio_mock, frameio_mock_server):
    assert frameio_mock is frameio_mock_server
    assert frameio_mock.url.startswith("http://127.0.0.1:")


@pytest.mark.frameio_mock(
    clients=[{"client_id": "inproc-app", "redirect_uris": [REDIRECT], "scopes": ["account.read"]}],
    access_token_ttl=99,
)
def test_inprocess(frameio_mock_inprocess):
    mock = frameio_mock_inprocess

    async def flow():
        async with mock.async_client() as http:
            code = code_from(
                await http.get(
                    "/oauth2/auth",
                    params=authorize_params(
                        "inproc-app",
                        scope="account.read",
                        code_challenge="E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
                        code_challenge_method="S256",
                    ),
                )
            )
            token = await http.post(
                "/oauth2/token",
                data={
                    "grant_type": "authorization_code",
                    "code": code,
                    "redirect_uri": REDIRECT,
                    "client_id": "inproc-app",
                    "code_verifier": "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk",
                },
            )
            assert token.status_code == 200, token.text
            return token.json()

    tokens = asyncio.run(flow())
    assert tokens["expires_in"] == 99
    assert mock.requests.count("token", client_id="inproc-app") == 1


def test_inprocess_is_fresh_per_test(frameio_mock_inprocess):
    assert "inproc-app" not in frameio_mock_inprocess.context.registry.clients
    assert len(frameio_mock_inprocess.requests) == 0
    assert "demo-app" in frameio_mock_inprocess.context.registry.clients
"""
)


def test_fixtures_marker_and_isolation(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_user=USER_TESTS)
    result = pytester.runpytest("--strict-markers", "-p", "no:cacheprovider", "-p", "no:asyncio")
    result.assert_outcomes(passed=6)


def test_plugin_loads_from_the_entry_point_in_a_fresh_process(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_user=USER_TESTS)
    result = pytester.runpytest_subprocess(
        "--strict-markers", "-p", "no:cacheprovider", "-p", "no:asyncio"
    )
    result.assert_outcomes(passed=6)
    markers = pytester.runpytest("--markers", "-p", "no:asyncio")
    markers.stdout.fnmatch_lines(["@pytest.mark.frameio_mock(*"])


CONFTEST = """
import pytest

from frameio_oauth_mock.mockserver import ClientConfig, Settings, UserConfig


@pytest.fixture(scope="session")
def frameio_mock_settings():
    return Settings(
        clients=(
            ClientConfig(
                "suite-app",
                ("http://127.0.0.1:8765/callback",),
                ("account.read", "offline"),
                client_secret="suite-secret",
            ),
        ),
        users=(UserConfig(email="suite@example.com", password="suite-pw"),),
    ).with_server(access_token_ttl=600)
"""

OVERRIDE_TESTS = (
    FLOW_HELPERS
    + """

def test_running_server_uses_the_suite_settings(frameio_mock):
    assert set(frameio_mock.context.registry.clients) == {"suite-app"}
    with httpx.Client(base_url=frameio_mock.url, timeout=10) as http:
        code = code_from(http.get("/oauth2/auth", params=authorize_params("suite-app")))
        token = http.post(
            "/oauth2/token",
            data={"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT},
            auth=("suite-app", "suite-secret"),
        )
        assert token.json()["expires_in"] == 600
        me = http.get("/v2/me", headers={"Authorization": "Bearer " + token.json()["access_token"]})
        assert me.json()["email"] == "suite@example.com"
        assert http.get("/oauth2/auth", params=authorize_params("demo-app")).status_code == 401


def test_inprocess_uses_the_suite_settings(frameio_mock_inprocess):
    assert set(frameio_mock_inprocess.context.registry.clients) == {"suite-app"}
    token = frameio_mock_inprocess.issue_token("suite@example.com", "suite-app")
    assert token["expires_in"] == 600


def test_a_failing_expectation_is_reported(frameio_mock):
    assert frameio_mock.requests.count("token") == 1
"""
)


def test_conftest_overrides_frameio_mock_settings(pytester: pytest.Pytester) -> None:
    pytester.makeconftest(CONFTEST)
    pytester.makepyfile(test_override=OVERRIDE_TESTS)
    result = pytester.runpytest("-p", "no:cacheprovider", "-p", "no:asyncio")
    # The last test is meant to fail: the fixture is reset, so the log holds no token request.
    result.assert_outcomes(passed=2, failed=1)
    result.stdout.fnmatch_lines(["*test_a_failing_expectation_is_reported*"])
