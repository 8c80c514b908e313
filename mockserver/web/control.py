"""The HTTP control API under /_mock/: the MockServer operations for tests not written in Python.

On by default when the server listens on loopback only; elsewhere only with an admin token,
which is then required as a Bearer token on every control request. Whatever the address, a
request must name a Host the mock serves and carry no foreign Origin, and a write must be
`Content-Type: application/json` (which no cross-site form or `no-cors` fetch can send).
"""

from __future__ import annotations

import hmac
import math
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from frameio_oauth_mock.mockserver.faults import FaultError
from frameio_oauth_mock.mockserver.oauth.context import Context
from frameio_oauth_mock.mockserver.oauth.grants import issue_without_authorization
from frameio_oauth_mock.mockserver.settings import ConfigError, read_client, read_user
from frameio_oauth_mock.mockserver.web.controljson import ControlError, parse_control_object
from frameio_oauth_mock.mockserver.web.deferred import CONTROL_PATH
from frameio_oauth_mock.mockserver.web.exposure import Exposure, host_problem, origin_problem
from frameio_oauth_mock.mockserver.web.forms import issuer_of
from frameio_oauth_mock.mockserver.web.harness_state import HarnessState
from frameio_oauth_mock.mockserver.web.routing import Endpoint

PREFIX = CONTROL_PATH  # where its routes are (deferred.py declares them)
_LOG_FILTERS = ("endpoint", "method", "path", "client_id", "grant_type")
# The clock stays between the epoch and the end of year 9999: every date format can show it.
LATEST_TIME = 253_402_300_799.0


def _problem(message: str, status: int = 400) -> JSONResponse:
    return JSONResponse({"error": message}, status)


def _client_json(client: Any) -> dict[str, Any]:
    return {
        "client_id": client.client_id,
        "client_secret": client.client_secret,
        "redirect_uris": list(client.redirect_uris),
        "scopes": list(client.scopes),
        "name": client.name,
        "token_endpoint_auth_method": client.token_endpoint_auth_method,
        "grant_types": list(client.grant_types),
        "profile": client.profile,
        "cors_origins": list(client.cors_origins),
        "type": client.credential_type,
        "default_redirect_uri": client.default_redirect_uri,
        "redirect_uri_pattern": client.redirect_uri_pattern,
    }


def _user_json(user: Any) -> dict[str, Any]:
    return {"email": user.email, "name": user.name, "id": user.id, "account_id": user.account_id}


def _is_json(content_type: str | None) -> bool:
    media_type = (content_type or "").split(";", 1)[0].strip().lower()
    return media_type == "application/json"


class ControlAPI:
    def __init__(self, ctx: Context, exposure: Exposure, harness: HarnessState) -> None:
        self.ctx = ctx
        self.exposure = exposure
        self.harness = harness

    # The routes are declared in deferred.py, which imports this module on the first
    # control request.
    def guarded(self, name: str) -> Endpoint:
        """The endpoint of one control route: the handler `name` behind the access rules."""
        return self._guarded(getattr(self, name))

    def _guarded(self, handler: Endpoint) -> Endpoint:
        async def endpoint(request: Request) -> Response:
            refusal = self._refusal(request)
            if refusal is not None:
                return refusal
            try:
                result: Response = await handler(request)
            except (ControlError, ConfigError, FaultError, ValueError) as error:
                return _problem(str(error))
            return result

        return endpoint

    def _refusal(self, request: Request) -> Response | None:
        """The answer to a control request that may not run at all, or None if it may."""
        server = self.ctx.settings.server
        if not self.exposure.control_api_enabled(server):
            return _problem(
                "the control API is off: the server listens on a non-loopback address "
                "without --admin-token",
                404,
            )
        host = request.headers.get("host")
        problem = host_problem(self.exposure, server, host)
        if problem is not None:
            return _problem(problem, 400)
        problem = origin_problem(request.headers.get("origin"), request.url.scheme, host, server)
        if problem is not None:
            return _problem(problem, 403)
        if server.admin_token is not None:
            presented = request.headers.get("authorization", "")
            expected = f"Bearer {server.admin_token}"
            if not hmac.compare_digest(presented.encode(), expected.encode()):
                return _problem("admin token missing or wrong (Authorization: Bearer ...)", 401)
        if request.method == "POST" and not _is_json(request.headers.get("content-type")):
            return _problem("Content-Type: a control write must be application/json", 415)
        return None

    @staticmethod
    async def _json_object(request: Request) -> dict[str, Any]:
        return parse_control_object(await request.body())

    async def clients(self, request: Request) -> Response:
        registry = self.ctx.registry
        if request.method == "POST":
            data = await self._json_object(request)
            client = registry.add_client(read_client(data, "client"))  # with its profile
            await self.ctx.store.add_entry("client", data)  # a persistent store keeps it
            return JSONResponse(_client_json(client), 201)
        return JSONResponse([_client_json(client) for client in registry.clients.values()])

    async def users(self, request: Request) -> Response:
        registry = self.ctx.registry
        if request.method == "POST":
            data = await self._json_object(request)
            user = read_user(data, "user")
            registry.add_user(user)
            await self.ctx.store.add_entry("user", data)
            return JSONResponse(_user_json(user), 201)
        return JSONResponse([_user_json(user) for user in registry.users.values()])

    async def faults(self, request: Request) -> Response:
        harness = self.harness
        if request.method == "POST":
            fault = await harness.add_fault(await self._json_object(request))
            return JSONResponse(fault.as_dict(), 201)
        if request.method == "DELETE":
            await harness.clear_faults()
            return Response(status_code=204)
        return JSONResponse([fault.as_dict() for fault in await harness.all_faults()])

    async def fault(self, request: Request) -> Response:
        fault_id = request.path_params["fault_id"]
        faults = await self.harness.all_faults()
        found = next((fault for fault in faults if fault.id == fault_id), None)
        if found is None:
            return _problem(f"fault_id: no fault {fault_id}", 404)
        if request.method == "DELETE":
            await self.harness.remove_fault(fault_id)
            return Response(status_code=204)
        return JSONResponse(found.as_dict())

    async def requests(self, request: Request) -> Response:
        if request.method == "DELETE":
            await self.harness.clear_requests()
            return Response(status_code=204)
        criteria: dict[str, Any] = {}
        since = 0
        for name, value in request.query_params.items():
            if name in ("status", "since"):
                if not value.isdigit():
                    raise ControlError(f"{name}: must be a number")
                if name == "since":  # only entries after this id: what a poller has not seen
                    since = int(value)
                else:
                    criteria["status"] = int(value)
            elif name in _LOG_FILTERS:
                criteria[name] = value
            else:
                raise ControlError(
                    f"{name}: unknown filter (use {', '.join(_LOG_FILTERS)}, status, since)"
                )
        entries = [entry for entry in await self.harness.requests(**criteria) if entry.id > since]
        return JSONResponse(
            {"count": len(entries), "requests": [entry.as_dict() for entry in entries]}
        )

    async def clock(self, request: Request) -> Response:
        clock = self.ctx.clock
        if request.method == "POST":
            data = await self._json_object(request)
            unknown = sorted(set(data) - {"freeze", "advance", "set"})
            if unknown:
                raise ControlError(f"{unknown[0]}: unknown field (use freeze, advance, set)")
            freeze, advance, at = data.get("freeze"), data.get("advance"), data.get("set")
            if freeze is not None and not isinstance(freeze, bool):
                raise ControlError("freeze: must be true or false")
            for name, value in (("advance", advance), ("set", at)):
                if value is not None and (
                    isinstance(value, bool) or not isinstance(value, int | float)
                ):
                    raise ControlError(f"{name}: must be a number of seconds")
            # Work out where the clock would land before touching it: a refused request
            # leaves it where it was.
            landing = (clock.now() if at is None else float(at)) + float(advance or 0)
            if at is not None and not 0 <= at <= LATEST_TIME:
                raise ControlError(f"set: must be between 0 and {LATEST_TIME:.0f} (epoch seconds)")
            if not (math.isfinite(landing) and 0 <= landing <= LATEST_TIME):
                raise ControlError(
                    f"advance: would move the clock outside 0 .. {LATEST_TIME:.0f} (epoch seconds)"
                )
            if at is not None:
                clock.freeze(at=float(at))
            elif freeze is True:
                clock.freeze()
            if freeze is False:
                clock.unfreeze()
            if advance is not None:
                clock.advance(float(advance))
            await self.harness.save_clock(clock)
        return JSONResponse({"now": clock.now(), "frozen": clock.frozen})

    async def reset(self, request: Request) -> Response:
        await self.ctx.reset()
        await self.harness.reset()
        await self.harness.save_clock(self.ctx.clock)
        return Response(status_code=204)

    async def openapi(self, request: Request) -> Response:
        from frameio_oauth_mock import __version__
        from frameio_oauth_mock.mockserver.web.openapi import control_api_description

        return JSONResponse(control_api_description(__version__))

    async def inspect_token(self, request: Request) -> Response:
        data = await self._json_object(request)
        token = data.get("token")
        if not isinstance(token, str) or not token.strip():
            raise ControlError("token: required, the token (or id_token or code) to look up")
        from frameio_oauth_mock.mockserver.inspection import describe_token  # only used here

        return JSONResponse(await describe_token(self.ctx, token))

    async def tokens(self, request: Request) -> Response:
        data = await self._json_object(request)
        unknown = sorted(set(data) - {"user", "client_id", "scopes"})
        if unknown:
            raise ControlError(f"{unknown[0]}: unknown field (use user, client_id, scopes)")
        user, client_id, scopes = data.get("user"), data.get("client_id"), data.get("scopes")
        if not isinstance(user, str) or not user:
            raise ControlError("user: required, the user's email")
        if not isinstance(client_id, str) or not client_id:
            raise ControlError("client_id: required")
        if scopes is not None and (
            not isinstance(scopes, list) or not all(isinstance(item, str) for item in scopes)
        ):
            raise ControlError("scopes: must be a list of strings")
        chosen = None if scopes is None else tuple(scopes)
        issuer = issuer_of(self.ctx, request)
        answer = await issue_without_authorization(self.ctx, client_id, user, chosen, issuer)
        return JSONResponse(answer, 201)
