"""CORS in headless Chromium (issue 17, parts 1 and 5): a single-page app on another origin
signs in through the mock's pages, then fetch()es the IMS token and userinfo endpoints; the
browser itself enforces CORS, so a stranger origin and the authorization endpoint stay shut.
Each site is a real server on its own loopback port."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode

import pytest

from frameio_oauth_mock.mockserver import MockServer
from tests.browser import flows
from tests.browser.support import PageServer

# The SPA's callback page: exchange the code (PKCE), read userinfo, show what happened.
SPA_CALLBACK = """<!doctype html><title>SPA</title><pre id="result">working</pre><script>
(async () => {
  const out = document.getElementById("result");
  try {
    const code = new URLSearchParams(location.search).get("code");
    const token = await fetch("%(mock)s/ims/token/v3", {method: "POST", body: new URLSearchParams({
      grant_type: "authorization_code", client_id: "live-spa", code: code,
      code_verifier: "%(verifier)s", redirect_uri: "%(redirect)s"})});
    const tokens = await token.json();
    const info = await fetch("%(mock)s/ims/userinfo/v2",
                             {headers: {Authorization: "Bearer " + tokens.access_token}});
    out.textContent = JSON.stringify({token_status: token.status, userinfo: await info.json(),
                                      has_refresh_token: Boolean(tokens.refresh_token)});
  } catch (error) { out.textContent = "blocked: " + error; }
})();
</script>"""

# A page that tries the mock from wherever it is served; each attempt reports ok or blocked.
PROBE = """<!doctype html><title>probe</title><pre id="result">working</pre><script>
(async () => {
  const attempt = async (url, options) => {
    try { const answer = await fetch(url, options); return "ok " + answer.status; }
    catch (error) { return "blocked"; }
  };
  const results = {
    token: await attempt("%(mock)s/ims/token/v3", {method: "POST",
                         body: new URLSearchParams({grant_type: "refresh_token"})}),
    keys: await attempt("%(mock)s/ims/keys", {}),
    userinfo: await attempt("%(mock)s/ims/userinfo/v2", {headers: {Authorization: "Bearer x"}}),
    authorize: await attempt("%(mock)s/ims/authorize/v2?client_id=ims-spa", {}),
  };
  document.getElementById("result").textContent = JSON.stringify(results);
})();
</script>"""


@pytest.fixture(scope="module")
def server() -> Iterator[MockServer]:
    with MockServer(**flows.SERVER) as running:
        yield running


@pytest.fixture(scope="module")
def spa() -> Iterator[PageServer]:
    site = PageServer()
    yield site
    site.close()


@pytest.fixture(scope="module")
def stranger() -> Iterator[PageServer]:
    site = PageServer()
    yield site
    site.close()


@pytest.fixture
def mock(server: MockServer, spa: PageServer) -> MockServer:
    server.reset()
    # The SPA credential: public, PKCE, its redirect URI on the SPA's origin (so that origin
    # is allowed by default, with no cors_origins configured).
    server.add_client(client_id="live-spa", profile="adobe-ims", name="Acme SPA",
                      redirect_uris=[spa.origin + "/callback"],
                      scopes=["openid", "email", "profile", "offline_access"])  # fmt: skip
    return server


def result(page: Any) -> Any:
    page.wait_for_function("document.getElementById('result').textContent !== 'working'")
    text = page.inner_text("#result")
    return json.loads(text) if text.startswith("{") else text


def test_an_spa_on_another_origin_gets_tokens_and_userinfo(
    mock: MockServer, spa: PageServer, page: Any
):
    redirect = spa.origin + "/callback"
    spa.html = SPA_CALLBACK % {"mock": mock.url, "verifier": flows.VERIFIER, "redirect": redirect}
    query = {"client_id": "live-spa", "response_type": "code", "redirect_uri": redirect,
             "scope": "openid email offline_access", "state": "spa-state-1234",
             "code_challenge": flows.challenge(), "code_challenge_method": "S256"}  # fmt: skip
    page.goto(f"{mock.url}/ims/authorize/v2?{urlencode(query)}")
    flows.sign_in(page)
    page.click("button[value=allow]")
    page.wait_for_url(redirect + "?**")
    answer = result(page)
    assert isinstance(answer, dict), answer
    assert answer["token_status"] == 200, (answer, mock.requests.last("token"))
    assert answer["userinfo"]["email"] == "dev@example.com"
    assert answer["has_refresh_token"] is True
    token_call = mock.requests.last("token")
    assert token_call is not None and token_call.headers["origin"] == spa.origin


def test_the_spas_origin_may_call_only_the_cors_endpoints(
    mock: MockServer, spa: PageServer, page: Any
):
    spa.html = PROBE % {"mock": mock.url}
    page.goto(spa.origin + "/probe")
    assert result(page) == {
        "token": "ok 400",
        "keys": "ok 200",
        "userinfo": "ok 401",
        "authorize": "blocked",  # never CORS on the authorization endpoint
    }


def test_a_stranger_origin_is_refused_by_the_browser(
    mock: MockServer, stranger: PageServer, page: Any
):
    stranger.html = PROBE % {"mock": mock.url}
    page.goto(stranger.origin + "/probe")
    assert result(page) == {
        "token": "blocked",
        "keys": "blocked",
        "userinfo": "blocked",
        "authorize": "blocked",
    }
    # With an Authorization header the browser asks first, and the refused preflight means
    # the userinfo request itself was never sent.
    assert [entry.method for entry in mock.requests.filter("userinfo")] == ["OPTIONS"]
