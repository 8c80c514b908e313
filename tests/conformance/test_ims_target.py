"""The server suite graded against the mock's adobe-ims endpoints (issue 9): the suite finds
them through /ims/.well-known/openid-configuration, and what fails is what IMS does on
purpose (docs/fidelity.md: parameters are taken from the query string too, no WWW-Authenticate)."""

from __future__ import annotations

from pathlib import Path

from frameio_oauth_mock.conformance.model import Outcome
from frameio_oauth_mock.conformance.server.suite import run_server_suite
from frameio_oauth_mock.conformance.server.target import load_target
from frameio_oauth_mock.mockserver.testing import MockServer

REDIRECT = "http://127.0.0.1:8765/callback"
SCOPES = ["openid", "email", "profile", "offline_access", "AdobeID"]
CLIENTS = [
    {"client_id": "ims-web", "client_secret": "ims-secret-value"},
    {"client_id": "ims-spa"},
    {"client_id": "ims-other", "client_secret": "ims-other-value"},
]


def _target(url: str) -> str:
    tables = []
    for client in CLIENTS:
        lines = [
            "[[clients]]",
            f'client_id = "{client["client_id"]}"',
            f'redirect_uris = ["{REDIRECT}"]',
            'scope = "openid AdobeID offline_access"',
            'extra_scope = "email"',
        ]
        if "client_secret" in client:
            lines.append(f'client_secret = "{client["client_secret"]}"')
        else:
            lines.append('auth_method = "none"')
        tables.append("\n".join(lines))
    return "\n\n".join(
        [
            f'issuer = "{url}"',
            f'[endpoints]\nmetadata = "{url}/ims/.well-known/openid-configuration"\n'
            f'resource = "{url}/ims/userinfo/v2"',
            *tables,
            '[user]\nusername = "dev@example.com"\npassword = "password"',
            '[login]\nstrategy = "auto"',
            "[options]\ncode_reuse_delay = 0.2\nentropy_samples = 8\nrace_requests = 6\n"
            "brute_force_attempts = 3\n",
        ]
    )


def test_the_server_suite_grades_the_adobe_ims_endpoints(tmp_path: Path) -> None:
    clients = [
        {**client, "redirect_uris": [REDIRECT], "scopes": SCOPES, "profile": "adobe-ims"}
        for client in CLIENTS
    ]
    with MockServer(clients=clients) as mock:
        target = tmp_path / "ims-target.toml"
        target.write_text(_target(mock.url))
        report = run_server_suite(load_target(target))
        # Every grant the suite drove went through the IMS endpoints, none through /oauth2/.
        paths = {entry.path for entry in mock.requests}
    assert "/ims/token/v3" in paths
    assert "/ims/authorize/v2" in paths
    assert not any(path.startswith("/oauth2/") for path in paths)
    failed = {r.info.id for r in report.results if r.outcome in (Outcome.FAIL, Outcome.ERROR)}
    # IMS reads parameters from the query string too, so a secret there is honoured (S34),
    # it sends no WWW-Authenticate with invalid_client (S36), and it takes a client's secret
    # by Basic or in the body, whichever the client registered (S66).
    # As Adobe documents IMS, response_type may be omitted (S6) and the token request needs
    # no redirect_uri (S38).
    assert failed == {"S6", "S34", "S36", "S38", "S66"}
    assert report.result("S39").outcome is Outcome.PASS  # codes are single-use
    assert report.result("S58").outcome is Outcome.PASS  # refresh rotation and reuse detection
