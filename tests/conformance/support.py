"""A mock to grade and the target file that describes it, shared by the conformance tests."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from frameio_oauth_mock.mockserver.testing import MockServer

REDIRECTS = ["https://app.example.test/callback", "http://127.0.0.1:8765/callback"]
SCOPES = ["account.read", "asset.read", "offline", "openid"]
USER = {"email": "dev@example.com", "password": "user-password-123"}
SPECIAL_SECRET = "s3 cr:t+%&/é"
CLIENTS = [
    {"client_id": "conf-app", "client_secret": "conf-secret-value", "redirect_uris": REDIRECTS},
    {"client_id": "conf-public", "redirect_uris": REDIRECTS},
    {"client_id": "conf-other", "client_secret": "other-secret-value", "redirect_uris": REDIRECTS},
    {"client_id": "conf-special", "client_secret": SPECIAL_SECRET, "redirect_uris": REDIRECTS},
]
SECRETS = ["conf-secret-value", "other-secret-value", SPECIAL_SECRET, USER["password"]]


def _quoted(values: list[str]) -> str:
    return "[" + ", ".join(f'"{value}"' for value in values) + "]"


def target_toml(
    url: str, strategy: str = "auto", hook: str = "", password: str = USER["password"]
) -> str:
    """The target description for a MockServer made by serve() below (`password`: what the
    target file claims the test user's password is)."""
    tables = []
    for client in CLIENTS:
        lines = [
            "[[clients]]",
            f'client_id = "{client["client_id"]}"',
            f"redirect_uris = {_quoted(REDIRECTS)}",
            'scope = "account.read offline"',
            'extra_scope = "asset.read"',
        ]
        if "client_secret" in client:
            lines.append(f'client_secret = "{client["client_secret"]}"')
        tables.append("\n".join(lines))
    return "\n\n".join(
        [
            f'issuer = "{url}"',
            f'[endpoints]\nresource = "{url}/v2/me"',
            *tables,
            f'[user]\nusername = "{USER["email"]}"\npassword = "{password}"',
            f'[login]\nstrategy = "{strategy}"' + (f'\nhook = "{hook}"' if hook else ""),
            "[options]\ncode_reuse_delay = 0.2\nentropy_samples = 8\nrace_requests = 6\n"
            + "race_rounds = 4\nbrute_force_attempts = 3\n",
        ]
    )


@contextmanager
def serve(
    tmp_path: Path,
    *,
    strict: bool,
    strategy: str = "auto",
    hook: str = "",
    password: str = USER["password"],
) -> Iterator[Path]:
    """A MockServer on real uvicorn (free port) and the path of a target file for it."""
    clients = [{**client, "scopes": SCOPES} for client in CLIENTS]
    with MockServer(
        clients=clients, users=[USER], strict=strict, auto_approve=strategy == "auto"
    ) as mock:
        path = tmp_path / "target.toml"
        path.write_text(target_toml(mock.url, strategy, hook, password), encoding="utf-8")
        yield path
