"""Everything a client meets once it holds a token: revoke, introspect, discovery, JWKS,
userinfo and the Frame.io API's /v2/me."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from frameio_oauth_mock.mockserver.oauth.bearer import (
    BearerError,
    authenticate_bearer,
    frameio_v2_me,
)
from frameio_oauth_mock.mockserver.oauth.context import Context
from frameio_oauth_mock.mockserver.oauth.errors import OAuthError
from frameio_oauth_mock.mockserver.oauth.userinfo import userinfo
from frameio_oauth_mock.mockserver.settings import UserConfig
from frameio_oauth_mock.mockserver.web.forms import endpoint_request, issuer_of, read_form
from frameio_oauth_mock.mockserver.web.responses import token_error, token_json

_STATUS_TITLES = {401: "Unauthorized", 403: "Forbidden"}


class ResourceEndpoints:
    # Revocation, introspection and the metadata documents import their engine modules on
    # first use: each module start-up loads costs it a file to find, read and unmarshal, and
    # a flow needs none of these.

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    async def revoke(self, request: Request) -> Response:
        from frameio_oauth_mock.mockserver.oauth.revocation import handle_revocation

        try:
            await handle_revocation(self.ctx, await endpoint_request(self.ctx, request))
        except OAuthError as error:
            return token_error(self.ctx.profile, error)
        return Response(
            status_code=200, headers={"Cache-Control": "no-store", "Pragma": "no-cache"}
        )

    async def introspect(self, request: Request) -> Response:
        from frameio_oauth_mock.mockserver.oauth.revocation import handle_introspection

        try:
            answer = await handle_introspection(self.ctx, await endpoint_request(self.ctx, request))
        except OAuthError as error:
            return token_error(self.ctx.profile, error)
        return token_json(self.ctx.profile, answer)

    async def metadata(self, request: Request) -> Response:
        from frameio_oauth_mock.mockserver.oauth.metadata import server_metadata

        rfc8414 = request.url.path.endswith("/oauth-authorization-server")
        return JSONResponse(server_metadata(self.ctx, issuer_of(self.ctx, request), rfc8414))

    async def jwks(self, request: Request) -> Response:
        return JSONResponse(self.ctx.signer.jwks())

    async def userinfo(self, request: Request) -> Response:
        parameter = request.query_params.get("access_token")
        if parameter is None and request.method == "POST":
            form = dict(await read_form(request) or [])
            parameter = form.get("access_token")
        try:
            answer = await userinfo(
                self.ctx,
                issuer_of(self.ctx, request),
                request.headers.get("authorization"),
                parameter,
            )
        except BearerError as error:
            return self._bearer_error(error, oauth_errors=True)
        return JSONResponse(answer, headers={"Cache-Control": "no-store"})

    async def me(self, request: Request) -> Response:
        return await self._protected(
            request, self.ctx.profile.me_scope, frameio_v2_me, oauth_errors=False
        )

    async def _protected(
        self,
        request: Request,
        scope: str,
        render: Callable[[UserConfig], dict[str, Any]],
        oauth_errors: bool,
    ) -> Response:
        try:
            _, user = await authenticate_bearer(
                self.ctx,
                request.headers.get("authorization"),
                await self._token_outside_header(request),
                scope,
            )
        except BearerError as error:
            return self._bearer_error(error, oauth_errors)
        return JSONResponse(render(user), headers={"Cache-Control": "no-store"})

    @staticmethod
    async def _token_outside_header(request: Request) -> bool:
        if "access_token" in request.query_params:
            return True
        if request.method == "POST":
            form = await read_form(request) or []
            return any(name == "access_token" for name, _ in form)
        return False

    @staticmethod
    def _bearer_error(error: BearerError, oauth_errors: bool) -> Response:
        body: dict[str, Any]
        if oauth_errors:  # OpenID userinfo answers in RFC 6750 terms
            body = {
                "error": error.error or "invalid_request",
                "error_description": error.description,
            }
        else:  # the Frame.io API's own error shape
            title = _STATUS_TITLES.get(error.status, "Error")
            body = {
                "errors": [
                    {
                        "code": error.error or "unauthorized",
                        "detail": error.description,
                        "status": error.status,
                        "title": title,
                    }
                ],
                "message": title,
            }
        return JSONResponse(body, error.status, headers={"WWW-Authenticate": error.challenge()})
