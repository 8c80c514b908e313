"""GET /v4/me, /v4/accounts and /v4/accounts/{account_id}: HTTP in, the engine's V4 answers out."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from frameio_oauth_mock.mockserver.oauth import v4api
from frameio_oauth_mock.mockserver.oauth.context import Context
from frameio_oauth_mock.mockserver.web.forms import query_pairs
from frameio_oauth_mock.mockserver.web.routing import Endpoint

_HEADERS = {"Cache-Control": "no-store"}


class V4Endpoints:
    """The V4 API's handlers; their routes (under the profile's V4 prefix) are declared in
    deferred.py, which imports this module on the first V4 request."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    def endpoint(self, name: str) -> Endpoint:
        """The endpoint of one V4 route: "me", "accounts" or "account"."""
        render: Callable[[Request, v4api.V4Caller], dict[str, Any]] = getattr(self, "_" + name)
        return self._answer(render)

    def _answer(self, render: Callable[[Request, v4api.V4Caller], dict[str, Any]]) -> Endpoint:
        async def endpoint(request: Request) -> Response:
            headers = dict(_HEADERS)
            try:
                caller = await v4api.authenticate(self.ctx, request.headers.get("authorization"))
                headers.update(caller.rate.headers())
                return JSONResponse(render(request, caller), headers=headers)
            except v4api.V4Error as error:
                return JSONResponse(error.as_json(), error.status, {**headers, **error.headers})

        return endpoint

    def _me(self, request: Request, caller: v4api.V4Caller) -> dict[str, Any]:
        return {"data": v4api.profile_json(caller.user)}

    def _accounts(self, request: Request, caller: v4api.V4Caller) -> dict[str, Any]:
        return v4api.list_accounts(caller.user, list(query_pairs(request)), request.url.path)

    def _account(self, request: Request, caller: v4api.V4Caller) -> dict[str, Any]:
        return v4api.show_account(caller.user, request.path_params["account_id"])
