"""The scenarios, declared: what the mock does (mode, faults), what the client is asked to do
(steps), and which C items the scenario decides, how. docs/conformance-client.md lists them."""

from __future__ import annotations

from frameio_oauth_mock.conformance.client import callbacks, servers, tokens
from frameio_oauth_mock.conformance.client.fronts import MOCK_ISSUER
from frameio_oauth_mock.conformance.client.scenario import (
    API,
    AUTHORIZE,
    CONTROL_FIRST_LOGIN,
    CONTROL_NONE,
    REFRESH,
    REPLAY,
    SECRET_APP,
    SPECIAL_SECRET_APP,
    Decision,
    Scenario,
    Step,
    advance,
    deliver,
    forged,
    wait,
)
from frameio_oauth_mock.conformance.model import Outcome

AUTHORIZE_STEP, REFRESH_STEP, API_STEP, REPLAY_STEP = (
    Step(AUTHORIZE),
    Step(REFRESH),
    Step(API),
    Step(REPLAY),
)
DELIVER_STEP = deliver()
LOGIN = (AUTHORIZE_STEP, DELIVER_STEP)
# Seconds. No library's default back-off is 3 s (they use none, 1 s or exponential from
# 0.5-1 s), so a retry 3 s later shows Retry-After was read.
RETRY_AFTER = 3
# A really short-lived access token, in real time: process clients' clocks are their own.
SHORT_ACCESS_TOKEN = 3
REFRESH_TOKEN_LIFETIME = 30 * 24 * 3600

# Reused decisions.
_C5 = Decision(
    "C5",
    "the code request carries a code_verifier and the mock (which checks it against the "
    "S256 challenge) answers 200",
    tokens.verifier_matches,
)


def _error_redirect(error: str) -> Scenario:
    return Scenario(
        f"error_{error}",
        f"The authorization response is error={error}",
        LOGIN,
        (
            Decision(
                "C12",
                f"after error={error}: no token request, and the client reports the error",
                callbacks.refuses_callback(f"error={error}", silent=Outcome.WARN),
            ),
        ),
        faults=({"endpoint": "authorize", "redirect_error": error},),
    )


def _bad_state(how: str) -> Scenario:
    return Scenario(
        f"state_{how}",
        f"The callback's state is {how}",
        LOGIN,
        (
            Decision(
                "C9",
                f"after a callback whose state is {how}: no token request",
                callbacks.refuses_callback(f"state {how}", about_state=True),
            ),
        ),
        faults=({"endpoint": "authorize", "state": how},),
        enforce_state=True,
    )


def _iss(how: str) -> Scenario:
    return Scenario(
        f"iss_{how}",
        f"Strict mode (iss advertised): the callback's iss is {how}",
        LOGIN,
        (
            Decision(
                "C25",
                f"iss {how} while the metadata advertises RFC 9207: no token request",
                callbacks.refuses_callback(f"iss {how}"),
            ),
        ),
        strict=True,
        faults=({"endpoint": "authorize", "iss": how},),
    )


def _iss_form(name: str, how: str, value: str) -> Scenario:
    return Scenario(
        f"iss_{name}",
        f"Strict mode (iss advertised): the callback's iss differs from the issuer only by {how}",
        (AUTHORIZE_STEP, forged(iss=value)),
        (
            Decision(
                "C26",
                f"an iss that differs from the issuer only by {how} (RFC 9207 2.4: simple string "
                "comparison, no normalisation): no token request",
                callbacks.refuses_callback(f"iss differing by {how}"),
            ),
        ),
        strict=True,
    )


def _retry(status: int) -> Scenario:
    return Scenario(
        f"token_{status}",
        f"The token endpoint answers {status} with Retry-After, then succeeds",
        LOGIN,
        (
            Decision(
                "C24",
                f"the retry after {status} comes no sooner than Retry-After "
                "(the log's times); no retry is a warn",
                tokens.honours_retry_after,
            ),
        ),
        faults=(
            {
                "endpoint": "token",
                "grant_type": "authorization_code",
                "status": status,
                "retry_after": RETRY_AFTER,
            },
        ),
    )


SCENARIOS: tuple[Scenario, ...] = (
    Scenario(
        "pkce_login",
        "PKCE app: authorize, call the API, refresh, call it again",
        (*LOGIN, API_STEP, REFRESH_STEP, API_STEP),
        (
            _C5,
            Decision(
                "C29",
                "the page the client's listener answers the browser with: no third-party "
                "resources, a Referrer-Policy, the code removed from the address bar",
                callbacks.callback_page,
            ),
        ),
        control=CONTROL_NONE,  # a plain login: C5 and C29 judge it
    ),
    Scenario(
        "secret_login",
        "App with a secret, through the login and consent pages",
        (*LOGIN, API_STEP, REFRESH_STEP),
        (
            _C5,
            Decision(
                "C15",
                "the token request uses HTTP Basic (client_secret_post is a warn)",
                tokens.basic_encoding,
            ),
        ),
        app=SECRET_APP,
        login="form",
        control=CONTROL_NONE,  # a plain login: C5 and C15 judge it
    ),
    Scenario(
        "consent_denied",
        "The user denies consent (login and consent pages)",
        LOGIN,
        (
            Decision(
                "C12",
                "after error=access_denied: no token request, and the client reports the error",
                callbacks.refuses_callback("access_denied", silent=Outcome.WARN),
            ),
        ),
        login="deny",
    ),
    _error_redirect("server_error"),
    _error_redirect("temporarily_unavailable"),
    _bad_state("wrong"),
    _bad_state("missing"),
    Scenario(
        "callback_twice",
        "The same callback is delivered twice (a reload)",
        (*LOGIN, deliver(again=True)),
        (
            Decision(
                "C11",
                "the code goes to the token endpoint once (requests carrying its fingerprint)",
                callbacks.redeems_once,
            ),
        ),
        control=CONTROL_FIRST_LOGIN,
    ),
    Scenario(
        "state_replayed",
        "The browser replays the authorization URL: a new code under the used state",
        (*LOGIN, REPLAY_STEP, DELIVER_STEP),
        (
            Decision(
                "C10",
                "the second callback (same state, new code) leads to no token request",
                callbacks.single_use_state,
            ),
        ),
        control=CONTROL_FIRST_LOGIN,
    ),
    Scenario(
        "iss_correct",
        "Strict mode (iss advertised): the callback carries the right iss",
        LOGIN,
        (
            Decision(
                "C25",
                "the right iss is accepted: the code is redeemed",
                callbacks.accepts_callback("iss correct"),
            ),
        ),
        strict=True,
    ),
    _iss("missing"),
    _iss("wrong"),
    _retry(429),
    _retry(503),
    Scenario(
        "refresh_expired",
        "The refresh token has expired (clock +31 days): refresh twice, call the API",
        (*LOGIN, advance(REFRESH_TOKEN_LIFETIME + 86400), REFRESH_STEP, REFRESH_STEP, API_STEP),
        (
            Decision(
                "C23",
                "after invalid_grant: no loop, the refused refresh token is not sent again and "
                "the old access token not used",
                tokens.drops_refused_grant,
            ),
        ),
        control=CONTROL_FIRST_LOGIN,
    ),
    Scenario(
        "refresh_rotation",
        "Two refreshes in a row, then the API (the mock rotates refresh tokens)",
        (*LOGIN, REFRESH_STEP, REFRESH_STEP, API_STEP),
        (
            Decision(
                "C22",
                "each refresh sends the refresh token the previous answer issued (fingerprints "
                "in the log), never the rotated one; the API gets the newest access token",
                tokens.rotation,
            ),
        ),
        control=CONTROL_FIRST_LOGIN,
    ),
    Scenario(
        "access_token_expiry",
        f"The access token lives {SHORT_ACCESS_TOKEN} s (real time); the API is called, "
        "then again after it expired",
        (*LOGIN, API_STEP, wait(SHORT_ACCESS_TOKEN + 1), API_STEP),
        (
            Decision(
                "C21",
                "the API call after expiry is preceded (or, after a 401, followed) by a "
                "refresh the mock accepts, and the new token works; sending the expired one "
                "only is a warn, a refresh the mock refused a fail",
                tokens.refresh_when_expired,
            ),
        ),
        server_options={"access_token_ttl": SHORT_ACCESS_TOKEN},
        control=CONTROL_FIRST_LOGIN,
    ),
    Scenario(
        "special_secret",
        "A client secret with the VSCHAR characters form-encoding changes (space + % : & / =)",
        LOGIN,
        (
            Decision(
                "C15",
                "Basic credentials form-urlencoded before base64: the log's Basic header "
                "matches, or the mock (which form-decodes) accepts them",
                tokens.basic_encoding,
            ),
        ),
        app=SPECIAL_SECRET_APP,
        control_app=SECRET_APP,  # the control: a plain secret logs in
    ),
    Scenario(
        "unknown_members",
        'Unknown callback parameter; token response with unknown members and "Bearer"',
        (AUTHORIZE_STEP, deliver(unknown_parameter="ignored"), API_STEP),
        (
            Decision(
                "C18",
                "the unknown callback parameter and token members are ignored: the token is "
                "accepted and used at the API",
                tokens.tolerates_response("unknown members"),
            ),
            Decision(
                "C19",
                'token_type "Bearer" (the mock says "bearer") is accepted and the token used',
                tokens.tolerates_response('token_type "Bearer"'),
            ),
        ),
        faults=(
            {
                "endpoint": "token",
                "grant_type": "authorization_code",
                "members": {
                    "token_type": "Bearer",
                    "x_unknown_member": {"nested": ["value", 1]},
                    "x_unknown_flag": True,
                },
            },
        ),
    ),
    Scenario(
        "sparse_token_response",
        "Token response without expires_in and refresh_token",
        (*LOGIN, API_STEP),
        (
            Decision(
                "C19",
                "a token response without expires_in or refresh_token is accepted and the "
                "token used",
                tokens.tolerates_response("no expires_in, no refresh_token"),
            ),
        ),
        faults=(
            {
                "endpoint": "token",
                "grant_type": "authorization_code",
                "members": {"expires_in": None, "refresh_token": None},
            },
        ),
    ),
    Scenario(
        "s256_refused",
        "The server answers the S256 request with invalid_request; the user tries again",
        (*LOGIN, AUTHORIZE_STEP),
        (
            Decision(
                "C6",
                "the next authorization request still uses S256 (no plain, no dropped PKCE)",
                callbacks.no_plain_retry,
            ),
        ),
        faults=(
            {
                "endpoint": "authorize",
                "redirect_error": "invalid_request",
                "error_description": "The code_challenge_method is not supported.",
            },
        ),
    ),
    _iss_form("trailing_slash", "a trailing slash", "{issuer}/"),
    _iss_form("case", "letter case", "{issuer_upper}"),
    Scenario(
        "iss_unadvertised",
        "The server does not advertise RFC 9207, yet the callback carries the right iss",
        (AUTHORIZE_STEP, forged(iss="{issuer}")),
        (
            Decision(
                "C25",
                "an iss from a server that does not advertise RFC 9207 is accepted (ignored): "
                "the code is redeemed; a refusal is a warn",
                callbacks.accepts_callback("iss not advertised", refused=Outcome.WARN),
            ),
        ),
    ),
    Scenario(
        "metadata_issuer_mismatch",
        "The metadata's issuer is not the URL it is fetched from",
        LOGIN,
        (
            Decision(
                "C26",
                "a client that reads metadata whose issuer differs from where it came from "
                "(RFC 8414 3.3) does not use it: no code is redeemed",
                servers.rejects_foreign_metadata,
            ),
        ),
        metadata={"issuer": MOCK_ISSUER},  # the mock's other address: the same server
    ),
    Scenario(
        "metadata_without_pkce",
        "The metadata advertises no PKCE (no code_challenge_methods_supported)",
        LOGIN,
        (
            Decision(
                "C7",
                "with no PKCE advertised, the authorization request carries a state (a client "
                "must ensure PKCE support before relying on it)",
                servers.state_without_advertised_pkce,
            ),
        ),
        metadata={"code_challenge_methods_supported": None},
    ),
    Scenario(
        "refresh_without_refresh_token",
        "A refresh answer carries no refresh_token; the client refreshes again",
        (*LOGIN, REFRESH_STEP, REFRESH_STEP),
        (
            Decision(
                "C22",
                "after a refresh answer without refresh_token, the next refresh sends the "
                "refresh token the client had (RFC 6749 6)",
                tokens.keeps_refresh_token,
            ),
        ),
        faults=(
            {
                "endpoint": "token",
                "grant_type": "refresh_token",
                "members": {"refresh_token": None},
            },
        ),
        control=CONTROL_FIRST_LOGIN,
    ),
    Scenario(
        "error_wrong_state",
        "A forged error callback with a wrong state, then the genuine callback",
        (
            AUTHORIZE_STEP,
            forged(error="access_denied", code=None, state="forged-state-5d1c0e"),
            DELIVER_STEP,
        ),
        (
            Decision(
                "C12",
                "a forged error callback with a wrong state leads to no token request and does "
                "not end the authorization: the genuine callback is then accepted (a refusal "
                "is a warn)",
                callbacks.ignores_forged_error,
            ),
        ),
    ),
    Scenario(
        "tls_untrusted",
        "The server is served over https with a self-signed certificate",
        LOGIN,
        (
            Decision(
                "C27",
                "no token request completes (the browser clicked through the warning; the "
                "client must not)",
                servers.rejects_untrusted_tls,
            ),
        ),
        tls=True,
    ),
)

BY_NAME = {scenario.name: scenario for scenario in SCENARIOS}
