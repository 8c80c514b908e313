"""GET /_mock/openapi.json: a valid OpenAPI 3 document describing every control route there is
(and none that is not), each with the methods it really accepts."""

from __future__ import annotations

import re

import pytest
from openapi_spec_validator import validate
from starlette.routing import Route

from frameio_oauth_mock.mockserver import MockServer
from frameio_oauth_mock.mockserver.web.control import PREFIX

HTTP_METHODS = {"get", "post", "put", "patch", "delete"}


def _control_routes(mock: MockServer) -> dict[str, set[str]]:
    """Path (with {name} parameters, as OpenAPI writes them) -> methods, from the app itself."""
    found: dict[str, set[str]] = {}
    for route in mock.app.routes:
        if isinstance(route, Route) and route.path.startswith(PREFIX + "/"):
            path = re.sub(r"\{(\w+)(:\w+)?\}", r"{\1}", route.path)
            methods = {method.lower() for method in route.methods or ()} - {"head"}
            found.setdefault(path, set()).update(methods)
    return found


@pytest.mark.anyio
async def test_openapi_document_is_valid_and_lists_every_control_route() -> None:
    mock = MockServer()
    async with mock.async_client() as http:
        answer = await http.get("/_mock/openapi.json")
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "application/json"
    document = answer.json()
    validate(document)  # raises on anything OpenAPI 3.1 does not allow
    assert document["openapi"].startswith("3.")
    described = {
        path: {method for method in operations if method in HTTP_METHODS}
        for path, operations in document["paths"].items()
    }
    # A control route added without describing it in mockserver/web/openapi.py fails here.
    assert described == _control_routes(mock)
    operation_ids = [
        operation["operationId"]
        for operations in document["paths"].values()
        for method, operation in operations.items()
        if method in HTTP_METHODS
    ]
    assert len(operation_ids) == len(set(operation_ids))


@pytest.mark.anyio
async def test_openapi_document_needs_the_admin_token_like_the_rest() -> None:
    mock = MockServer(admin_token="s3cret-admin")
    async with mock.async_client() as http:
        assert (await http.get("/_mock/openapi.json")).status_code == 401
        authorized = await http.get(
            "/_mock/openapi.json", headers={"Authorization": "Bearer s3cret-admin"}
        )
    assert authorized.status_code == 200
    assert authorized.json()["components"]["securitySchemes"]["adminToken"]["scheme"] == "bearer"
