"""POST /oauth2/token: hand the parsed form to the engine, render its JSON."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from mockserver.oauth.context import Context
from mockserver.oauth.errors import OAuthError
from mockserver.oauth.grants import handle_token_request
from mockserver.web.forms import issuer_of, read_form
from mockserver.web.responses import token_error, token_json


class TokenEndpoint:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    async def handle(self, request: Request) -> Response:
        # Only the body counts (fosite reads r.PostForm): credentials in the query are ignored.
        body = await read_form(request) if request.method == "POST" else []
        try:
            answer = handle_token_request(
                self.ctx,
                request.method,
                body,
                request.headers.get("authorization"),
                issuer_of(self.ctx, request),
                request.query_params.multi_items(),
            )
        except OAuthError as error:
            return token_error(self.ctx.profile, error)
        return token_json(self.ctx.profile, answer)
