"""POST /oauth2/token: hand the parsed form to the engine, render its JSON."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from frameio_oauth_mock.mockserver.oauth.context import Context
from frameio_oauth_mock.mockserver.oauth.errors import OAuthError
from frameio_oauth_mock.mockserver.oauth.grants import handle_token_request
from frameio_oauth_mock.mockserver.web.forms import endpoint_request
from frameio_oauth_mock.mockserver.web.responses import token_error, token_json


class TokenEndpoint:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    async def handle(self, request: Request) -> Response:
        try:
            answer = await handle_token_request(self.ctx, await endpoint_request(self.ctx, request))
        except OAuthError as error:
            return token_error(self.ctx.profile, error)
        return token_json(self.ctx.profile, answer)
