import pytest

from tests.conftest import Flow

pytestmark = pytest.mark.anyio


async def test_confidential_flow_issues_tokens(flow: Flow) -> None:
    body = await flow.tokens()
    assert body["token_type"] == "bearer"
    assert body["scope"] == "account.read offline"
    assert str(body["access_token"]).startswith("ory_at_")
