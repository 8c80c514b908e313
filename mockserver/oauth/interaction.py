"""Login and consent: the steps between a valid authorization request and its code.

Each pending authorization carries a secret, `csrf_token`, that only the browser which
started it holds (as a cookie; it is never shown in a page). The login and consent forms carry
`form_token(pending)`, derived from it, so a form is accepted only from that browser, and the
challenge id alone (which appears in URLs) opens nothing.
"""

from __future__ import annotations

import base64
import hashlib
import hmac

from frameio_oauth_mock.mockserver.oauth.authorize import (
    AuthorizationError,
    AuthorizationResponse,
    authorization_response,
    issue_code,
)
from frameio_oauth_mock.mockserver.oauth.context import Context
from frameio_oauth_mock.mockserver.oauth.errors import OAuthError
from frameio_oauth_mock.mockserver.settings import UserConfig
from frameio_oauth_mock.mockserver.store import AuthorizationRequest, PendingAuthorization, Session

PENDING_TTL = 3600
SESSION_TTL = 24 * 3600


def _login_required(request: AuthorizationRequest, hint: str) -> AuthorizationError:
    return AuthorizationError(
        OAuthError("login_required", hint),
        request.redirect_uri,
        request.state,
        request.issuer,
        request.client.client_id,
        request.response_mode,
    )


def usable_session(
    ctx: Context, request: AuthorizationRequest, session: Session | None
) -> Session | None:
    """The browser's login, unless the request asks for a fresh one (Hydra's
    requestAuthentication): `prompt=login`, or a login older than `max_age`."""
    if session is None or "login" in request.prompt:
        return None
    if request.max_age is not None and session.auth_time + request.max_age < ctx.clock.now():
        if "none" in request.prompt:
            raise _login_required(
                request,
                "Request failed because prompt is set to 'none' and authentication time "
                "reached 'max_age'.",
            )
        return None
    return session


async def answer_without_pages(
    ctx: Context, request: AuthorizationRequest, session: Session | None
) -> AuthorizationResponse | None:
    """The answer when no page is shown: `prompt=none` (a code for the browser's user, or
    login_required), or auto-approve mode. None when the login or consent page is next."""
    if session is not None:  # most requests carry no login (a call less for them)
        session = usable_session(ctx, request, session)
    if "none" in request.prompt:
        if session is None:
            raise _login_required(
                request, "Prompt 'none' was requested, but no existing login session was found."
            )
        return await issue_code(ctx, request, session.subject, session.auth_time, session.id)
    if ctx.settings.server.auto_approve:
        return await auto_approve(ctx, request)
    return None


async def begin_interaction(
    ctx: Context, request: AuthorizationRequest, session: Session | None
) -> PendingAuthorization:
    """Park a validated request until the user has logged in (or was already) and consents."""
    now = ctx.clock.now()
    session = usable_session(ctx, request, session)
    pending = PendingAuthorization(
        id=ctx.tokens.opaque_id(),
        csrf_token=ctx.tokens.opaque_id(),
        request=request,
        expires_at=now + PENDING_TTL,
        subject=session.subject if session else None,
        auth_time=session.auth_time if session else None,
        session_id=session.id if session else "",
    )
    await ctx.store.add_pending(pending, now)
    return pending


def form_token(pending: PendingAuthorization) -> str:
    """The CSRF token the pages show: derived from the browser's secret, which it never reveals."""
    digest = hmac.new(pending.csrf_token.encode(), b"form:" + pending.id.encode(), hashlib.sha256)
    return base64.urlsafe_b64encode(digest.digest()).rstrip(b"=").decode()


def _equal(presented: str | None, expected: str) -> bool:
    return presented is not None and hmac.compare_digest(
        presented.encode("utf-8", "surrogateescape"), expected.encode()
    )


def browser_matches(pending: PendingAuthorization, cookie: str | None) -> bool:
    """True when the browser's cookie holds the pending authorization's secret."""
    return _equal(cookie, pending.csrf_token)


def csrf_matches(pending: PendingAuthorization, form: str | None, cookie: str | None) -> bool:
    """True when the form carries the page's token and the cookie the browser's secret."""
    return _equal(form, form_token(pending)) & browser_matches(pending, cookie)


def check_credentials(ctx: Context, email: str, password: str) -> UserConfig | None:
    user = ctx.registry.user_by_email(email)
    # Compare against something even for unknown users, so timing does not reveal who exists.
    expected = user.password if user else "\0" * 16
    if hmac.compare_digest(password.encode(), expected.encode()) and user is not None:
        return user
    return None


async def log_in(ctx: Context, pending: PendingAuthorization, user: UserConfig) -> Session:
    now = ctx.clock.now()
    session = Session(
        id=ctx.tokens.opaque_id(), subject=user.id, auth_time=now, expires_at=now + SESSION_TTL
    )
    await ctx.store.log_in_pending(pending.id, user.id, now, session.id)
    await ctx.store.add_session(session, now)
    return session


async def finish_consent(
    ctx: Context, pending: PendingAuthorization, allow: bool
) -> AuthorizationResponse | None:
    """The answer back to the client: a code when allowed, access_denied when denied.

    None when another answer to the same request took it first (a double submit).
    """
    taken = await ctx.store.take_pending(pending.id, ctx.clock.now())
    if taken is None:
        return None
    request = taken.request
    if not allow:
        error = OAuthError("access_denied", "The resource owner denied the request.")
        params = error.as_json(ctx.profile)
        params["state"] = request.state
        return authorization_response(ctx, request, params)
    assert taken.subject is not None and taken.auth_time is not None
    return await issue_code(ctx, request, taken.subject, taken.auth_time, taken.session_id)


async def auto_approve(ctx: Context, request: AuthorizationRequest) -> AuthorizationResponse:
    """Approve at once as the user named by login_hint, or else the first user."""
    hint = request.login_hint
    user = ctx.registry.user_by_email(hint) if hint else ctx.registry.first_user()
    if user is None:
        error = OAuthError("access_denied", "No registered user matches the login_hint.")
        raise AuthorizationError(
            error,
            request.redirect_uri,
            request.state,
            request.issuer,
            request.client.client_id,
            request.response_mode,
        )
    # No browser session is kept, but an id_token still names a login session (`sid`); only
    # an id_token shows it, so a grant that can have none gets none.
    session_id = ctx.tokens.opaque_id() if "openid" in request.scopes else ""
    return await issue_code(ctx, request, user.id, ctx.clock.now(), session_id)
