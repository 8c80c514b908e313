"""Frame.io's V4 API, the first calls an app makes after sign-in: GET /v4/me, GET /v4/accounts
and GET /v4/accounts/{account_id}, in V4's shapes (from the official `frameio` 4.x SDK's models
and developer.frame.io's reference): `{"data": ...}`, `links.next` cursor paging for lists,
errors as `{"errors": [{"detail", "title", "source"}]}`.

Plain Python like the rest of the engine: the web layer hands over the Authorization header
and the query pairs, and renders what comes back.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

from frameio_oauth_mock.mockserver.oauth.bearer import BearerError, authenticate_bearer
from frameio_oauth_mock.mockserver.oauth.context import Context
from frameio_oauth_mock.mockserver.ratelimit import RateDecision
from frameio_oauth_mock.mockserver.settings import AccountConfig, UserConfig

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 100
# sort value -> (field, descending)
ACCOUNT_SORTS = {
    "display_name_asc": ("display_name", False),
    "display_name_desc": ("display_name", True),
    "created_at_asc": ("created_at", False),
    "created_at_desc": ("created_at", True),
}
_CURSOR_PREFIX = "o:"
_TITLES = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    422: "Invalid value",
    429: "Too Many Requests",
}


class V4Error(Exception):
    """A refused V4 call: status, the error's detail, and the query parameter at fault."""

    def __init__(
        self,
        status: int,
        detail: str,
        parameter: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.parameter = parameter
        self.headers = headers or {}

    def as_json(self) -> dict[str, Any]:
        return error_body(self.status, self.detail, self.parameter)


def error_body(status: int, detail: str, parameter: str | None = None) -> dict[str, Any]:
    item: dict[str, Any] = {"detail": detail, "title": _TITLES.get(status, "Error")}
    if parameter:
        item["source"] = {"pointer": f"/{parameter}"}
    return {"errors": [item]}


class V4Caller:
    """Who a V4 call acts for, and the rate-limit state after counting the call.

    (A plain class: dataclass() would cost every start-up half a millisecond.)
    """

    __slots__ = ("rate", "user")

    def __init__(self, user: UserConfig, rate: RateDecision) -> None:
        self.user = user
        self.rate = rate


async def authenticate(ctx: Context, authorization: str | None) -> V4Caller:
    """The user behind the bearer token, after the per-user rate limit counted this call."""
    try:
        _, user = await authenticate_bearer(
            ctx,
            authorization,
            token_elsewhere=False,
            required_scope=ctx.profile.v4_scope,
            technical_accounts=True,
        )
    except BearerError as error:
        headers = {"WWW-Authenticate": error.challenge()}
        raise V4Error(error.status, error.description, headers=headers) from None
    limit = ctx.settings.server.api_rate_limit
    rate = ctx.state.rate_limiter.take(user.id, limit, ctx.clock.now())
    if not rate.allowed:
        wait = max(1, round(rate.resets_in))
        raise V4Error(
            429,
            f"Rate limit of {limit} calls per minute exceeded; retry in {wait} s.",
            headers={**rate.headers(), "Retry-After": str(wait)},
        )
    return V4Caller(user, rate)


def profile_json(user: UserConfig) -> dict[str, Any]:
    """GET /v4/me's `data` (the SDK's `Profile`)."""
    return {"avatar_url": None, "email": user.email, "id": user.id, "name": user.name}


def account_json(account: AccountConfig) -> dict[str, Any]:
    """One account as GET /v4/accounts lists it (the SDK's `Account`)."""
    return {
        "adobe_id": account.adobe_id,
        "created_at": account.created_at,
        "display_name": account.display_name,
        "id": account.id,
        "image": account.image,
        "mounted_storage_enabled": False,
        "roles": list(account.roles),
        "storage_limit": account.storage_limit,
        "storage_usage": account.storage_usage,
        "updated_at": account.updated_at,
        "v4_migrated_at": None,
    }


def show_account(user: UserConfig, account_id: str) -> dict[str, Any]:
    """GET /v4/accounts/{account_id}: only the caller's own accounts exist for the caller."""
    for account in user.accounts:
        if account.id == account_id:
            return {"data": account_json(account)}
    raise V4Error(404, "Not Found")


def list_accounts(user: UserConfig, query: list[tuple[str, str]], path: str) -> dict[str, Any]:
    """GET /v4/accounts: one page of the caller's accounts; `links.next` is `path` with only
    the `after` cursor (as the real API: other parameters must be sent again)."""
    params = dict(query)
    sort = params.get("sort")
    accounts = list(user.accounts)
    if sort is not None:
        if sort not in ACCOUNT_SORTS:
            raise V4Error(422, f"is invalid; use one of {', '.join(ACCOUNT_SORTS)}", "sort")
        field, descending = ACCOUNT_SORTS[sort]
        accounts.sort(key=lambda account: getattr(account, field), reverse=descending)
    page_size = _page_size(params.get("page_size"))
    offset = _offset(params.get("after"))
    include_total = _boolean(params.get("include_total_count"), "include_total_count")
    page = accounts[offset : offset + page_size]
    following = offset + page_size
    next_link = f"{path}?after={_cursor(following)}" if following < len(accounts) else None
    return {
        "data": [account_json(account) for account in page],
        "links": {"next": next_link},
        "total_count": len(accounts) if include_total else None,
    }


def _page_size(raw: str | None) -> int:
    if raw is None:
        return DEFAULT_PAGE_SIZE
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_PAGE_SIZE:
        raise V4Error(422, f"must be a whole number from 1 to {MAX_PAGE_SIZE}", "page_size")
    return int(raw)


def _boolean(raw: str | None, name: str) -> bool:
    if raw is None or raw == "false":
        return False
    if raw == "true":
        return True
    raise V4Error(422, "must be true or false", name)


def _cursor(offset: int) -> str:
    return base64.urlsafe_b64encode(f"{_CURSOR_PREFIX}{offset}".encode()).decode().rstrip("=")


def _offset(cursor: str | None) -> int:
    if cursor is None:
        return 0
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        text = ""
    number = text.removeprefix(_CURSOR_PREFIX)
    if not text.startswith(_CURSOR_PREFIX) or not number.isdigit():
        raise V4Error(422, "is not a cursor this API returned", "after")
    return int(number)
