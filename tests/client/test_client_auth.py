"""HTTP Basic with RFC 6749 2.3.1 form-url-encoding, for ids and secrets with awkward characters."""

from __future__ import annotations

import base64

import pytest

from frameio_oauth_mock.client import basic_authorization
from tests.client.conftest import REDIRECT, AsyncEnv, SyncEnv

AWKWARD_ID = "app:one+two%20"
AWKWARD_SECRET = "s3:cr+t%41 wïth ünïcødé/=&?"


def test_each_part_is_form_url_encoded_before_base64() -> None:
    header = basic_authorization("a:b", "p+q% é")
    decoded = base64.b64decode(header.removeprefix("Basic ")).decode("ascii")
    assert decoded == "a%3Ab:p%2Bq%25+%C3%A9"


def register(env: SyncEnv | AsyncEnv) -> None:
    env.mock.add_client(
        client_id=AWKWARD_ID,
        client_secret=AWKWARD_SECRET,
        redirect_uris=[REDIRECT],
        scopes=["account.read", "offline"],
    )


def test_an_awkward_secret_authenticates_end_to_end(sync_env: SyncEnv) -> None:
    register(sync_env)
    oauth = sync_env.oauth(AWKWARD_ID, AWKWARD_SECRET)
    request = oauth.authorization_url()
    token = oauth.exchange(sync_env.authorize(request), request.state, request.code_verifier)
    oauth.refresh()
    oauth.revoke()
    assert token.access_token
    statuses = [(e.endpoint, e.status) for e in sync_env.mock.requests if e.endpoint != "authorize"]
    assert statuses == [("token", 200), ("token", 200), ("revoke", 200)]
    assert all(e.client_id == AWKWARD_ID for e in sync_env.mock.requests.filter("token"))


@pytest.mark.anyio
async def test_an_awkward_secret_authenticates_async(async_env: AsyncEnv) -> None:
    register(async_env)
    oauth = async_env.oauth(AWKWARD_ID, AWKWARD_SECRET)
    request = oauth.authorization_url()
    callback = await async_env.authorize(request)
    assert (await oauth.exchange(callback, request.state, request.code_verifier)).access_token
