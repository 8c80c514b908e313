"""Mistakes in test code get one line naming the bad option, not a TypeError from deep inside;
and a client registered while running reports the profile it really has."""

from __future__ import annotations

import pytest

from frameio_oauth_mock.mockserver import MockServer
from frameio_oauth_mock.mockserver.settings import ConfigError

pytest_plugins = ["pytester"]

CLIENT = {"client_id": "late-app", "redirect_uris": ["http://127.0.0.1:9000/cb"]}


def test_configure_with_a_misspelt_option_names_it() -> None:
    mock = MockServer()
    with pytest.raises(ConfigError) as caught:
        mock.configure(stric=True)
    message = str(caught.value)
    assert message.startswith("configure(): unknown server option 'stric' (did you mean 'strict'?")
    assert "\n" not in message
    assert mock.settings.server.strict is False
    mock.configure(strict=True)  # the right spelling still works
    assert mock.context.settings.server.strict is True


def test_mockserver_with_an_unknown_option_names_it() -> None:
    with pytest.raises(ConfigError, match=r"^MockServer\(\): unknown server option 'colour'"):
        MockServer(colour="blue")


def test_marker_with_an_unknown_option_fails_the_test_in_one_line(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(
        test_user="""
import pytest

@pytest.mark.frameio_mock(stric=True)
def test_misspelt(frameio_mock_inprocess):
    pass

@pytest.mark.frameio_mock(client=[{"client_id": "x"}])
def test_singular(frameio_mock_inprocess):
    pass

@pytest.mark.frameio_mock(strict=True)
def test_right(frameio_mock_inprocess):
    assert frameio_mock_inprocess.context.settings.server.strict
"""
    )
    result = pytester.runpytest("-p", "no:cacheprovider", "-p", "no:asyncio")
    result.assert_outcomes(passed=1, errors=2)
    output = result.stdout.str()
    assert (
        "@pytest.mark.frameio_mock marker: unknown server option 'stric' (did you mean 'strict'?"
        in output
    )
    assert "unknown server option 'client' (did you mean 'clients'?" in output
    assert "TypeError" not in output
    assert "Traceback" not in output


@pytest.mark.anyio
async def test_a_client_added_through_the_control_api_shows_its_profile() -> None:
    mock = MockServer()
    async with mock.async_client() as http:
        added = await http.post("/_mock/clients", json={**CLIENT, "scopes": ["account.read"]})
        assert added.status_code == 201
        assert added.json()["profile"] == "frameio-v2"  # the server's default, not ""
        ims = {
            **CLIENT,
            "client_id": "late-ims",
            "profile": "adobe-ims",
            "scopes": ["openid"],
        }
        assert (await http.post("/_mock/clients", json=ims)).json()["profile"] == "adobe-ims"
        listed = {
            item["client_id"]: item["profile"] for item in (await http.get("/_mock/clients")).json()
        }
    assert listed == {"late-app": "frameio-v2", "late-ims": "adobe-ims"}


def test_add_client_returns_the_client_with_its_profile() -> None:
    mock = MockServer(profile="adobe-ims")
    client = mock.add_client(
        client_id="c", redirect_uris=CLIENT["redirect_uris"], scopes=["openid"]
    )
    assert client.profile == "adobe-ims"
