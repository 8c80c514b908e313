"""GET /oauth2/auth and the login and consent pages behind it.

The engine validates and decides; this module only moves values between HTTP (query, forms,
cookies) and the engine, and renders what it decides.
"""

from __future__ import annotations

from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import Response

from frameio_oauth_mock.mockserver.oauth.authorize import (
    AuthorizationError,
    AuthorizationRequest,
    AuthorizationResponse,
    error_response,
    validate_authorization_request,
)
from frameio_oauth_mock.mockserver.oauth.context import Context
from frameio_oauth_mock.mockserver.oauth.errors import OAuthError
from frameio_oauth_mock.mockserver.oauth.interaction import (
    PENDING_TTL,
    SESSION_TTL,
    answer_without_pages,
    begin_interaction,
    browser_matches,
    check_credentials,
    csrf_matches,
    finish_consent,
    form_token,
    log_in,
)
from frameio_oauth_mock.mockserver.scopes import meaning
from frameio_oauth_mock.mockserver.store import PendingAuthorization, Session
from frameio_oauth_mock.mockserver.web.exposure import Exposure, host_problem, origin_problem
from frameio_oauth_mock.mockserver.web.forms import header, issuer_of, query_pairs, read_form
from frameio_oauth_mock.mockserver.web.harness_state import HarnessState
from frameio_oauth_mock.mockserver.web.responses import (
    error_page,
    form_post_page,
    page,
    redirect,
)

SESSION_COOKIE = "frameio_mock_session"
_CSRF_COOKIE_PREFIX = "frameio_mock_csrf_"


def _csrf_cookie_name(pending: PendingAuthorization) -> str:
    # One cookie per pending authorization, so two tabs in one browser do not clash.
    return _CSRF_COOKIE_PREFIX + pending.id[:16]


class AuthorizationPages:
    def __init__(self, ctx: Context, exposure: Exposure, harness: HarnessState) -> None:
        self.ctx = ctx
        self.paths = ctx.profile.paths
        self.exposure = exposure
        self.harness = harness

    # GET|POST /oauth2/auth ---------------------------------------------------------------
    async def authorize(self, request: Request) -> Response:
        # A client's page may POST here (RFC 6749 3.1), so only the Host is checked.
        refused = self._misdirected(request)
        if refused is not None:
            return refused
        items = list(query_pairs(request))
        if request.method == "POST":  # RFC 6749 3.1: the endpoint MAY accept POST
            items += await read_form(request) or []
        session = await self._session(request)
        try:
            auth_request = validate_authorization_request(
                self.ctx, items, issuer_of(self.ctx, request)
            )
            answer = await answer_without_pages(self.ctx, auth_request, session)
            if answer is not None:
                return await self._answer(answer)
        except AuthorizationError as error:
            return await self._refuse(error)
        pending = await begin_interaction(self.ctx, auth_request, session)
        if pending.subject is None:
            response = self._login_page(pending)
        else:
            response = self._consent_page(pending)
        response.set_cookie(
            _csrf_cookie_name(pending),
            pending.csrf_token,
            max_age=PENDING_TTL,
            path=self.paths.authorize,
            httponly=True,
            samesite="lax",
            secure=self._secure_cookies(request),
        )
        return response

    # POST /oauth2/auth/login -------------------------------------------------------------
    async def login(self, request: Request) -> Response:
        refused = self._misdirected(request) or self._cross_origin(request)
        if refused is not None:
            return refused
        form = dict(await read_form(request) or [])
        pending = await self._checked_pending(request, form)
        if isinstance(pending, Response):
            return pending
        user = check_credentials(self.ctx, form.get("email", ""), form.get("password", ""))
        if user is None:
            return self._login_page(
                pending,
                email=form.get("email", ""),
                message="The email address or password is incorrect.",
            )
        session = await log_in(self.ctx, pending, user)
        response = redirect(f"{self.paths.consent}?challenge={pending.id}")
        response.set_cookie(
            SESSION_COOKIE,
            session.id,
            max_age=SESSION_TTL,
            path="/",
            httponly=True,
            samesite="lax",
            secure=self._secure_cookies(request),
        )
        return response

    # GET|POST /oauth2/auth/consent --------------------------------------------------------
    async def consent(self, request: Request) -> Response:
        refused = self._misdirected(request) or self._cross_origin(request)
        if refused is not None:
            return refused
        if request.method == "GET":
            pending = await self._find_pending(request.query_params.get("challenge", ""))
            if pending is None:
                return self._unknown_challenge()
            if not browser_matches(pending, request.cookies.get(_csrf_cookie_name(pending))):
                return self._csrf_refused()
            if pending.subject is None or request.query_params.get("switch_user") == "1":
                return self._login_page(pending)
            return self._consent_page(pending)
        form = dict(await read_form(request) or [])
        checked = await self._checked_pending(request, form)
        if isinstance(checked, Response):
            return checked
        if checked.subject is None:  # a consent answer before login: log in first
            return self._login_page(checked)
        allow = form.get("decision") == "allow"
        answer = await finish_consent(self.ctx, checked, allow)
        if answer is None:  # another answer to the same request came first
            return self._unknown_challenge()
        return await self._answer(answer)

    # Helpers -------------------------------------------------------------------------------
    def _secure_cookies(self, request: Request) -> bool:
        """Cookies are `Secure` when the issuer is https (behind a TLS proxy too)."""
        return issuer_of(self.ctx, request).startswith("https://")

    def _misdirected(self, request: Request) -> Response | None:
        """An error page for a Host this mock does not serve (DNS rebinding), else None."""
        problem = host_problem(self.exposure, self.ctx.settings.server, header(request, b"host"))
        return None if problem is None else self._forbidden(problem, 400)

    def _cross_origin(self, request: Request) -> Response | None:
        """An error page for a form posted from another site's page (login CSRF), else None."""
        problem = origin_problem(
            request.headers.get("origin"),
            request.url.scheme,
            request.headers.get("host"),
            self.ctx.settings.server,
        )
        return None if problem is None else self._forbidden(problem, 403)

    def _forbidden(self, description: str, status: int) -> Response:
        return error_page(self.ctx.profile, OAuthError("invalid_request", description), status)

    @property
    def _redirect_status(self) -> int:
        return self.ctx.profile.redirect_status

    async def _refuse(self, error: AuthorizationError) -> Response:
        if error.redirect_uri is None:  # never redirect to an unverified URI
            return error_page(self.ctx.profile, error.error)
        return await self._answer(error_response(error, self.ctx))

    async def _answer(self, answer: AuthorizationResponse) -> Response:
        """A redirect in query or fragment mode; in form_post mode a self-submitting page.

        Every authorization response passes here, so scripted faults that tamper with them
        (error redirect, wrong or missing state or iss) apply in one place.
        """
        fault = None
        if self.harness.may_fire("authorize", tampering=True):
            fault = await self.harness.firing("authorize", answer.client_id, None, tampering=True)
        if fault is not None:
            describe = self.ctx.profile.error
            answer = answer.with_params(
                fault.tamper(answer.params, lambda error: describe(error).description)
            )
        if answer.response_mode == "form_post":
            return form_post_page(answer.redirect_uri, answer.params)
        return redirect(answer.location(), self._redirect_status)

    async def _session(self, request: Request) -> Session | None:
        # Most authorization requests a test suite makes send no cookie at all.
        session_id = request.cookies.get(SESSION_COOKIE) if header(request, b"cookie") else None
        if not session_id:
            return None
        session = await self.ctx.store.find_session(session_id, self.ctx.clock.now())
        if session is None or self.ctx.registry.user_by_id(session.subject) is None:
            return None
        return session

    async def _find_pending(self, challenge: str) -> PendingAuthorization | None:
        return await self.ctx.store.find_pending(challenge, self.ctx.clock.now())

    async def _checked_pending(
        self, request: Request, form: dict[str, str]
    ) -> PendingAuthorization | Response:
        """The pending authorization a form POST names, if its CSRF token (form, cookie) fits."""
        pending = await self._find_pending(form.get("challenge", ""))
        if pending is None:
            return self._unknown_challenge()
        cookie = request.cookies.get(_csrf_cookie_name(pending))
        if not csrf_matches(pending, form.get("csrf_token"), cookie):
            return self._csrf_refused()
        return pending

    def _csrf_refused(self) -> Response:
        return self._forbidden(
            "The CSRF token is missing or does not match this authorization request "
            "(it must come from the browser that started it).",
            403,
        )

    def _unknown_challenge(self) -> Response:
        return error_page(
            self.ctx.profile,
            OAuthError(
                "invalid_request",
                "The authorization request is unknown or has expired; start the flow again.",
            ),
        )

    def _login_page(
        self, pending: PendingAuthorization, status: int = 200, email: str = "", message: str = ""
    ) -> Response:
        return page(
            "login.html",
            status,
            action=self.paths.login,
            challenge=pending.id,
            csrf_token=form_token(pending),
            brand=self.ctx.profile.brand,
            heading=self.ctx.profile.sign_in_heading,
            client_name=pending.request.client.name,
            email=email or pending.request.login_hint or "",
            message=message,
        )

    def _consent_page(self, pending: PendingAuthorization) -> Response:
        request: AuthorizationRequest = pending.request
        user = self.ctx.registry.user_by_id(pending.subject or "")
        return page(
            "consent.html",
            action=self.paths.consent,
            challenge=pending.id,
            csrf_token=form_token(pending),
            brand=self.ctx.profile.brand,
            client_name=request.client.name,
            user_name=user.name if user else "",
            user_email=user.email if user else "",
            scopes=[(scope, meaning(scope)) for scope in request.scopes],
            # "Not you?": the same authorization, through the login page again.
            switch_user=self.paths.consent
            + "?"
            + urlencode({"challenge": pending.id, "switch_user": "1"}),
        )
