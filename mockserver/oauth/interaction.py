"""Login and consent: the steps between a valid authorization request and its code.

Each pending authorization carries its own CSRF token; the login and consent forms must
echo it (and the browser must hold the matching cookie, checked by the web layer).
"""

from __future__ import annotations

import hmac

from frameio_oauth_mock.mockserver.oauth.authorize import (
    AuthorizationError,
    AuthorizationRequest,
    authorization_response,
    issue_code,
)
from frameio_oauth_mock.mockserver.oauth.context import Context
from frameio_oauth_mock.mockserver.oauth.errors import OAuthError
from frameio_oauth_mock.mockserver.settings import UserConfig
from frameio_oauth_mock.mockserver.store import PendingAuthorization, Session

PENDING_TTL = 3600
SESSION_TTL = 24 * 3600


def begin_interaction(
    ctx: Context, request: AuthorizationRequest, session: Session | None
) -> PendingAuthorization:
    """Park a validated request until the user has logged in (or was already) and consents."""
    now = ctx.clock.now()
    pending = PendingAuthorization(
        id=ctx.tokens.opaque_id(),
        csrf_token=ctx.tokens.opaque_id(),
        request=request,
        expires_at=now + PENDING_TTL,
        subject=session.subject if session else None,
        auth_time=session.auth_time if session else None,
    )
    ctx.store.add_pending(pending)
    ctx.store.purge_expired(now)
    return pending


def csrf_matches(pending: PendingAuthorization, *presented: str | None) -> bool:
    """True when every presented token (form field, cookie) equals the pending request's token."""
    expected = pending.csrf_token.encode()
    return all(
        token is not None and hmac.compare_digest(token.encode(), expected) for token in presented
    )


def check_credentials(ctx: Context, email: str, password: str) -> UserConfig | None:
    user = ctx.registry.user_by_email(email)
    # Compare against something even for unknown users, so timing does not reveal who exists.
    expected = user.password if user else "\0" * 16
    if hmac.compare_digest(password.encode(), expected.encode()) and user is not None:
        return user
    return None


def log_in(ctx: Context, pending: PendingAuthorization, user: UserConfig) -> Session:
    now = ctx.clock.now()
    pending.subject = user.id
    pending.auth_time = now
    session = Session(
        id=ctx.tokens.opaque_id(), subject=user.id, auth_time=now, expires_at=now + SESSION_TTL
    )
    ctx.store.add_session(session)
    return session


def finish_consent(ctx: Context, pending: PendingAuthorization, allow: bool) -> str:
    """The redirect back to the client: a code when allowed, access_denied when denied."""
    ctx.store.take_pending(pending.id)
    request = pending.request
    if not allow:
        error = OAuthError("access_denied", "The resource owner denied the request.")
        params = error.as_json(ctx.profile)
        params["state"] = request.state
        return authorization_response(
            ctx, request.redirect_uri, params, request.issuer, request.client.client_id
        )
    assert pending.subject is not None and pending.auth_time is not None
    return issue_code(ctx, request, pending.subject, pending.auth_time)


def auto_approve(ctx: Context, request: AuthorizationRequest) -> str:
    """Approve at once as the user named by login_hint, or else the first user."""
    hint = request.login_hint
    user = ctx.registry.user_by_email(hint) if hint else ctx.registry.first_user()
    if user is None:
        error = OAuthError("access_denied", "No registered user matches the login_hint.")
        raise AuthorizationError(
            error, request.redirect_uri, request.state, request.issuer, request.client.client_id
        )
    return issue_code(ctx, request, user.id, ctx.clock.now())
