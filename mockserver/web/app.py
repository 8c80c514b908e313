"""The application factory: one explicit route table over the engine's context."""

from __future__ import annotations

from typing import Any

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.exceptions import ExceptionMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp

from frameio_oauth_mock.mockserver.oauth.context import Context, store_limits
from frameio_oauth_mock.mockserver.settings import Settings
from frameio_oauth_mock.mockserver.store.opening import open_store
from frameio_oauth_mock.mockserver.web.authorize import AuthorizationPages
from frameio_oauth_mock.mockserver.web.deferred import (
    control_routes,
    inspector_routes,
    logout_routes,
    v4_routes,
)
from frameio_oauth_mock.mockserver.web.exposure import Exposure
from frameio_oauth_mock.mockserver.web.front import Front
from frameio_oauth_mock.mockserver.web.harness_state import HarnessState
from frameio_oauth_mock.mockserver.web.methods import Endpoint, post_only
from frameio_oauth_mock.mockserver.web.resources import ResourceEndpoints
from frameio_oauth_mock.mockserver.web.routing import ExactPathRouter
from frameio_oauth_mock.mockserver.web.token import TokenEndpoint

ALL_METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]


class MockApp(Starlette):
    """Starlette without its outermost ServerErrorMiddleware, unless it is asked for.

    That layer answers an uncaught exception with a plain 500 and re-raises it, at the cost
    of one more call and a wrapped `send` on every request. The front (front.py) gives the
    same 500 itself, from the state it keeps anyway. With `debug` (its traceback page) or a
    handler for 500 the layer is kept.
    """

    def build_middleware_stack(self) -> ASGIApp:
        wants_error_layer = self.debug or any(
            key in (500, Exception) for key in self.exception_handlers
        )
        if wants_error_layer or getattr(self, "max_body_size", None) is not None:
            return super().build_middleware_stack()
        handlers: dict[Any, Any] = dict(self.exception_handlers)
        app: ASGIApp = ExceptionMiddleware(self.router, handlers=handlers)
        for cls, args, kwargs in reversed(self.user_middleware):
            app = cls(app, *args, **kwargs)
        return app


async def health(request: Request) -> Response:
    return JSONResponse({"status": "ok"})


def create_app(
    settings: Settings | None = None,
    *,
    context: Context | None = None,
    harness: HarnessState | None = None,
) -> MockApp:
    """Build the ASGI app from settings (or from a ready context and harness that tests
    keep hold of).

    Every profile is served side by side (Frame.io's legacy /oauth2/... and Adobe IMS's
    /ims/...), each route bound to its own profile's view of the one shared state.
    Whoever binds a socket for it records the address in `app.state.exposure`.
    """
    if context is None:
        settings = settings or Settings()
        store = open_store(settings.server.store, store_limits(settings))
        context = Context.from_settings(settings, store=store)
    if harness is None:
        harness = _harness_for(context)
    exposure = Exposure()
    routes = [
        route
        for profile_name in context.state.profiles
        for route in _profile_routes(context.for_profile(profile_name), exposure, harness)
    ]
    routes += [Route("/health", health, methods=["GET", "HEAD"])]
    # The control API, the inspector, logout and the V4 API: imported on first use.
    routes += control_routes(context, exposure, harness)
    routes += inspector_routes(context, exposure, harness)
    # The front (front.py): CORS, the request limits, the request log and faults.
    middleware = [Middleware(Front, ctx=context, harness=harness)]
    app = MockApp(middleware=middleware)
    app.router = ExactPathRouter(routes)  # before the first request builds the stack
    app.state.context = context
    app.state.exposure = exposure
    app.state.harness = harness
    return app


def _as_is(endpoint: Endpoint) -> Endpoint:
    return endpoint


def _harness_for(context: Context) -> HarnessState:
    """Faults, request log and clock: in this process, or in Redis beside the state."""
    server = context.settings.server
    store = context.store
    if server.store.startswith(("redis:", "rediss:")):
        from frameio_oauth_mock.mockserver.store.redis import RedisStore
        from frameio_oauth_mock.mockserver.web.harness_redis import RedisHarnessState

        assert isinstance(store, RedisStore)
        return RedisHarnessState(
            store.client, store.prefix, server.request_log_entries, server.request_log_bytes
        )
    return HarnessState(server.request_log_entries, server.request_log_bytes)


def _profile_routes(ctx: Context, exposure: Exposure, harness: HarnessState) -> list[Route]:
    paths = ctx.profile.paths
    pages = AuthorizationPages(ctx, exposure, harness)
    token = TokenEndpoint(ctx)
    resources = ResourceEndpoints(ctx)
    # Every method reaches these, so the profile's server decides what a GET gets: Hydra's
    # router answers 405, other servers an OAuth error.
    routed = post_only if ctx.profile.router_answers_non_post else _as_is
    routes = [
        Route(paths.authorize, pages.authorize, methods=["GET", "POST"]),
        Route(paths.login, pages.login, methods=["POST"]),
        Route(paths.consent, pages.consent, methods=["GET", "POST"]),
        Route(paths.token, routed(token.handle), methods=ALL_METHODS),
        Route(paths.revoke, routed(resources.revoke), methods=ALL_METHODS),
        *(Route(path, resources.metadata, methods=["GET", "HEAD"]) for path in paths.metadata),
        Route(paths.jwks, resources.jwks, methods=["GET", "HEAD"]),
        Route(paths.userinfo, resources.userinfo, methods=["GET", "POST"]),
    ]
    end_session = ctx.profile.end_session_path
    if end_session:
        routes += logout_routes(ctx, end_session)
    if paths.introspect:
        routes.append(Route(paths.introspect, routed(resources.introspect), methods=ALL_METHODS))
    if paths.me:
        routes.append(Route(paths.me, resources.me, methods=["GET", "HEAD"]))
    if paths.v4:
        routes += v4_routes(ctx, paths.v4)
    return routes
