"""GET|POST /oauth2/sessions/logout and the page it lands on when the client names none."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from frameio_oauth_mock.mockserver.oauth.context import Context
from frameio_oauth_mock.mockserver.oauth.errors import OAuthError
from frameio_oauth_mock.mockserver.oauth.logout import handle_logout
from frameio_oauth_mock.mockserver.oauth.params import LOGOUT_PARAMETERS, single_values
from frameio_oauth_mock.mockserver.store import Session
from frameio_oauth_mock.mockserver.web.authorize import SESSION_COOKIE
from frameio_oauth_mock.mockserver.web.forms import issuer_of, query_pairs, read_form
from frameio_oauth_mock.mockserver.web.responses import error_page, page, redirect


class LogoutEndpoint:
    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    async def logout(self, request: Request) -> Response:
        items = list(query_pairs(request))
        if request.method == "POST":
            items += await read_form(request) or []
        try:
            params = single_values(items, LOGOUT_PARAMETERS)
            outcome = await handle_logout(
                self.ctx,
                params,
                await self._browser_session(request),
                issuer_of(self.ctx, request),
            )
        except OAuthError as error:
            return error_page(self.ctx.profile, error)
        response = redirect(outcome.redirect_to, 302)  # Hydra: http.Redirect, 302 Found
        if outcome.ended_session is not None:
            response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="lax")
        return response

    async def logged_out(self, request: Request) -> Response:
        return page("logged_out.html")

    async def _browser_session(self, request: Request) -> Session | None:
        session_id = request.cookies.get(SESSION_COOKIE)
        if not session_id:
            return None
        return await self.ctx.store.find_session(session_id, self.ctx.clock.now())
