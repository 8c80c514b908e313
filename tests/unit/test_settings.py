"""TOML configuration: the documented shape, defaults, and one exact line for every mistake."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from frameio_oauth_mock.mockserver.settings import (
    ClientConfig,
    ConfigError,
    Settings,
    UserConfig,
    demo_settings,
    load_config,
    parse_config,
    redirect_uri_problem,
)

FULL = """
[server]
profile = "frameio-v2"
host = "0.0.0.0"
port = 9001
issuer = "https://mock.example.com"
auto_approve = true
access_token_ttl = 120
refresh_token_ttl = 7200
code_ttl = 60
log_level = "warning"
strict = true

[[clients]]
client_id = "my-app"
client_secret = "s3cret"
redirect_uris = ["http://127.0.0.1:8765/callback", "https://app.example.com/cb?x=1"]
scopes = ["account.read", "asset.read", "offline"]
name = "My App"
token_endpoint_auth_method = "client_secret_post"
grant_types = ["authorization_code"]
response_types = ["code"]

[[clients]]
client_id = "pkce-app"
redirect_uris = ["http://localhost:3000/cb"]
scopes = ["account.read"]

[[users]]
email = "dev@example.com"
password = "password"
name = "Dev User"
id = "user-1"
account_id = "account-1"

[[users]]
email = "second@example.com"
password = "hunter22"
"""

CLIENT = """
[[clients]]
client_id = "my-app"
client_secret = "s3cret"
redirect_uris = ["http://127.0.0.1:8765/callback"]
scopes = ["account.read", "offline"]
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "mock.toml"
    path.write_text(text, encoding="utf-8")
    return path


def config_error(tmp_path: Path, text: str) -> tuple[Path, str]:
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    message = str(caught.value)
    assert "\n" not in message
    return path, message


def client_with(*lines: str, client_id: str = "my-app") -> str:
    """One [[clients]] entry with the given key = value lines."""
    return "\n".join(["[[clients]]", f'client_id = "{client_id}"', *lines, ""])


# The documented shape -------------------------------------------------------------------


def test_full_file_with_every_key(tmp_path: Path) -> None:
    settings = load_config(write(tmp_path, FULL))

    server = settings.server
    assert server.profile == "frameio-v2"
    assert server.host == "0.0.0.0"
    assert server.port == 9001
    assert server.issuer == "https://mock.example.com"
    assert server.auto_approve is True
    assert server.log_level == "warning"
    assert server.strict is True
    assert server.signing_key_file is None
    assert (settings.access_token_ttl, settings.refresh_token_ttl, settings.code_ttl) == (
        120,
        7200,
        60,
    )
    assert settings.profile.name == "frameio-v2+strict"

    secret_app, pkce_app = settings.clients
    assert secret_app == ClientConfig(
        client_id="my-app",
        client_secret="s3cret",
        redirect_uris=("http://127.0.0.1:8765/callback", "https://app.example.com/cb?x=1"),
        scopes=("account.read", "asset.read", "offline"),
        name="My App",
        token_endpoint_auth_method="client_secret_post",
        grant_types=("authorization_code",),
        response_types=("code",),
    )
    assert not secret_app.is_public
    assert pkce_app.client_secret is None
    assert pkce_app.is_public

    dev, second = settings.users
    assert dev == UserConfig(
        email="dev@example.com",
        password="password",
        name="Dev User",
        id="user-1",
        account_id="account-1",
    )
    assert second.email == "second@example.com"
    assert second.password == "hunter22"


def test_issue_example_loads(tmp_path: Path) -> None:
    text = """
[server]
auto_approve = false       # true: approve at once
access_token_ttl = 3600
refresh_token_ttl = 2592000
code_ttl = 600

[[clients]]
client_id = "my-app"
client_secret = "s3cret"   # omit for a PKCE app
redirect_uris = ["http://127.0.0.1:8765/callback"]
scopes = ["account.read", "asset.read", "offline"]
name = "My App"            # shown on the consent page
token_endpoint_auth_method = "client_secret_basic"

[[users]]
email = "dev@example.com"
password = "password"
name = "Dev User"
"""
    settings = load_config(write(tmp_path, text))
    assert settings.server.auto_approve is False
    assert [client.client_id for client in settings.clients] == ["my-app"]
    assert settings.clients[0].token_endpoint_auth_method == "client_secret_basic"
    assert [user.email for user in settings.users] == ["dev@example.com"]


def test_parse_config_takes_a_parsed_document() -> None:
    document = {
        "clients": [
            {
                "client_id": "my-app",
                "redirect_uris": ["http://127.0.0.1:8765/callback"],
                "scopes": ["offline"],
            }
        ],
        "users": [{"email": "a@example.com", "password": "pw"}],
    }
    settings = parse_config(document, "inline")
    assert settings.clients[0].client_id == "my-app"
    with pytest.raises(ConfigError) as caught:
        parse_config({"extra": {}}, "inline")
    assert str(caught.value) == "inline: unknown section 'extra'"


def test_load_config_accepts_a_string_path(tmp_path: Path) -> None:
    path = write(tmp_path, CLIENT)
    assert load_config(str(path)).clients[0].client_id == "my-app"


# Defaults ---------------------------------------------------------------------------------


def test_empty_file_gives_server_defaults_and_profile_lifetimes(tmp_path: Path) -> None:
    settings = load_config(write(tmp_path, ""))
    assert settings == Settings()
    assert settings.server.host == "127.0.0.1"
    assert settings.server.port == 8080
    assert settings.server.auto_approve is False
    assert settings.server.issuer is None
    assert settings.server.log_level == "info"
    assert settings.server.strict is False
    assert settings.access_token_ttl == 3600
    assert settings.refresh_token_ttl == 30 * 24 * 3600
    assert settings.code_ttl == 600


def test_store_and_memory_bounds_default_and_can_be_set(tmp_path: Path) -> None:
    server = load_config(write(tmp_path, "")).server
    assert server.store == "memory"
    bounds = (
        server.max_retired_tokens,
        server.max_pending_authorizations,
        server.max_sessions,
        server.request_log_entries,
        server.request_log_bytes,
    )
    assert bounds == (50, 10_000, 10_000, 10_000, 16 * 1024 * 1024)
    text = """
[server]
store = "sqlite:///var/lib/mock.db"
max_retired_tokens = 4
max_pending_authorizations = 5
max_sessions = 6
request_log_entries = 7
request_log_bytes = 8000
"""
    server = load_config(write(tmp_path, text)).server
    assert server.store == "sqlite:///var/lib/mock.db"
    bounds = (
        server.max_retired_tokens,
        server.max_pending_authorizations,
        server.max_sessions,
        server.request_log_entries,
        server.request_log_bytes,
    )
    assert bounds == (4, 5, 6, 7, 8000)


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        ('store = "postgres://db"', "store 'postgres://db' is not one of memory"),
        ('store = "redis://"', "store 'redis://' is not one of memory"),
        ("max_sessions = 0", "'max_sessions' must be positive, got 0"),
        ('request_log_bytes = "big"', "'request_log_bytes' must be a whole number"),
    ],
)
def test_bad_store_or_bound_is_one_line(tmp_path: Path, line: str, problem: str) -> None:
    path = write(tmp_path, f"[server]\n{line}\n")
    with pytest.raises(ConfigError) as error:
        load_config(path)
    assert str(error.value).startswith(f"{path}: [server]: ")
    assert problem in str(error.value)


def test_auth_method_defaults_to_basic_with_secret_and_none_without(tmp_path: Path) -> None:
    text = CLIENT + client_with(
        'redirect_uris = ["http://127.0.0.1:8765/callback"]', client_id="pkce-app"
    )
    secret_app, pkce_app = load_config(write(tmp_path, text)).clients
    assert secret_app.token_endpoint_auth_method == "client_secret_basic"
    assert pkce_app.token_endpoint_auth_method == "none"
    assert pkce_app.scopes == ()
    assert secret_app.grant_types == ("authorization_code", "refresh_token")
    assert secret_app.response_types == ("code",)


def test_client_name_defaults_to_client_id(tmp_path: Path) -> None:
    client = load_config(write(tmp_path, CLIENT)).clients[0]
    assert client.name == "my-app"


def test_user_name_defaults_to_local_part_of_email(tmp_path: Path) -> None:
    text = '[[users]]\nemail = "jane.doe@example.com"\npassword = "pw"\n'
    user = load_config(write(tmp_path, text)).users[0]
    assert user.name == "jane.doe"


def test_user_ids_are_stable_and_distinct(tmp_path: Path) -> None:
    text = (
        '[[users]]\nemail = "a@example.com"\npassword = "pw"\n'
        '[[users]]\nemail = "b@example.com"\npassword = "pw"\n'
    )
    first = load_config(write(tmp_path, text)).users
    again = load_config(write(tmp_path, text)).users
    assert [user.id for user in first] == [user.id for user in again]
    assert [user.account_id for user in first] == [user.account_id for user in again]
    a, b = first
    assert a.id != b.id
    assert a.account_id != b.account_id
    assert a.id != a.account_id
    for value in (a.id, a.account_id):
        assert str(uuid.UUID(value)) == value
    # The same email built in code gets the same ids as from the file.
    assert UserConfig(email="a@example.com", password="other").id == a.id


def test_demo_settings_are_valid() -> None:
    demo = demo_settings()
    confidential, public = demo.clients
    assert confidential.client_secret
    assert confidential.token_endpoint_auth_method == "client_secret_basic"
    assert public.is_public
    assert len(demo.users) == 1


# Redirect URIs ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "uri",
    [
        "http://localhost/callback",
        "http://localhost:8765/callback",
        "http://LOCALHOST:8765/callback",
        "http://app.localhost:3000/cb",
        "http://127.0.0.1/callback",
        "http://127.0.0.1:8765/callback?tenant=1",
        "http://127.0.0.2:8765/callback",
        "http://[::1]/callback",
        "http://[::1]:8765/callback",
        "https://app.example.com/callback",
        "https://203.0.113.9:8443/callback",
        "com.example.app:/oauth2redirect",
    ],
)
def test_redirect_uris_accepted(tmp_path: Path, uri: str) -> None:
    assert redirect_uri_problem(uri) is None
    text = client_with(f'redirect_uris = ["{uri}"]')
    assert load_config(write(tmp_path, text)).clients[0].redirect_uris == (uri,)


@pytest.mark.parametrize(
    "uri",
    [
        "http://example.com/callback",
        "http://localhost.example.com/callback",
        "http://127.0.0.1.nip.io/callback",
        "http://10.0.0.1:8765/callback",
        "http://0.0.0.0:8765/callback",
    ],
)
def test_http_redirect_uri_on_non_loopback_host_is_refused(tmp_path: Path, uri: str) -> None:
    path, message = config_error(tmp_path, client_with(f'redirect_uris = ["{uri}"]'))
    assert message == (
        f"{path}: clients[0] (my-app): redirect URI '{uri}' uses http on a non-loopback host; "
        "http is allowed only for localhost, *.localhost and loopback IPs"
    )


@pytest.mark.parametrize(
    "uri", ["https://app.example.com/cb#done", "http://127.0.0.1:8765/cb#", "myapp:/cb#x"]
)
def test_redirect_uri_with_fragment_is_refused(tmp_path: Path, uri: str) -> None:
    path, message = config_error(tmp_path, client_with(f'redirect_uris = ["{uri}"]'))
    assert (
        message == f"{path}: clients[0] (my-app): redirect URI '{uri}' must not contain a fragment"
    )


def test_relative_redirect_uri_is_refused(tmp_path: Path) -> None:
    path, message = config_error(tmp_path, client_with('redirect_uris = ["/callback"]'))
    assert message == (
        f"{path}: clients[0] (my-app): redirect URI '/callback' is not absolute (it needs a scheme)"
    )


def test_second_bad_redirect_uri_is_named(tmp_path: Path) -> None:
    text = client_with('redirect_uris = ["http://127.0.0.1/cb", "http://example.com/cb"]')
    _, message = config_error(tmp_path, text)
    assert "'http://example.com/cb' uses http on a non-loopback host" in message


# Bad configuration: one exact line naming the file, the entry and the problem -------------


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "nope.toml"
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert str(caught.value) == f"{path}: no such file"


def test_directory_instead_of_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        load_config(tmp_path)
    message = str(caught.value)
    assert message.startswith(f"{tmp_path}: cannot read (")


def test_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "mock.toml"
    path.write_bytes(b'[server]\nhost = "\xff"\n')
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert str(caught.value) == f"{path}: not UTF-8 text"


def test_toml_syntax_error(tmp_path: Path) -> None:
    path, message = config_error(tmp_path, "[server]\nport 8080\n")
    assert message.startswith(f"{path}: TOML syntax error: ")
    assert "line 2" in message


def test_unknown_section(tmp_path: Path) -> None:
    path, message = config_error(tmp_path, "[serve]\nport = 1\n")
    assert message == f"{path}: unknown section 'serve'"


def test_unknown_section_with_newline_in_name_stays_one_line(tmp_path: Path) -> None:
    path, message = config_error(tmp_path, '"a\\nb" = 1\n')
    assert message == f"{path}: unknown section 'a\\nb'"


def test_unknown_key_in_server(tmp_path: Path) -> None:
    path, message = config_error(tmp_path, "[server]\nauto_aprove = true\n")
    assert message == f"{path}: [server]: unknown key 'auto_aprove'"


def test_unknown_key_in_client(tmp_path: Path) -> None:
    path, message = config_error(tmp_path, CLIENT + 'redirect_uri = "http://127.0.0.1/cb"\n')
    assert message == f"{path}: clients[0] (my-app): unknown key 'redirect_uri'"


def test_unknown_key_in_user(tmp_path: Path) -> None:
    text = '[[users]]\nemail = "dev@example.com"\npassword = "pw"\nrole = "admin"\n'
    path, message = config_error(tmp_path, text)
    assert message == f"{path}: users[0]: unknown key 'role'"


def test_unknown_scope(tmp_path: Path) -> None:
    text = client_with(
        'redirect_uris = ["http://127.0.0.1/cb"]', 'scopes = ["account.read", "asset.destroy"]'
    )
    path, message = config_error(tmp_path, text)
    assert message == f"{path}: clients[0] (my-app): unknown scope 'asset.destroy'"


def test_client_without_redirect_uris(tmp_path: Path) -> None:
    path, message = config_error(tmp_path, client_with('scopes = ["account.read"]'))
    assert message == f"{path}: clients[0] (my-app): has no redirect_uris"


def test_client_with_empty_redirect_uris(tmp_path: Path) -> None:
    path, message = config_error(tmp_path, client_with("redirect_uris = []"))
    assert message == f"{path}: clients[0] (my-app): has no redirect_uris"


def test_client_without_client_id(tmp_path: Path) -> None:
    text = '[[clients]]\nredirect_uris = ["http://127.0.0.1/cb"]\n'
    path, message = config_error(tmp_path, text)
    assert message == f"{path}: clients[0]: 'client_id' is required"


def test_duplicate_client_id(tmp_path: Path) -> None:
    path, message = config_error(tmp_path, CLIENT + CLIENT)
    assert message == f"{path}: clients[1] (my-app): duplicate client_id 'my-app'"


def test_duplicate_user_is_case_insensitive(tmp_path: Path) -> None:
    text = (
        '[[users]]\nemail = "dev@example.com"\npassword = "pw"\n'
        '[[users]]\nemail = "other@example.com"\npassword = "pw"\n'
        '[[users]]\nemail = "Dev@Example.COM"\npassword = "pw2"\n'
    )
    path, message = config_error(tmp_path, text)
    assert message == f"{path}: users[2] (Dev@Example.COM): duplicate user 'Dev@Example.COM'"


def test_user_without_password(tmp_path: Path) -> None:
    path, message = config_error(tmp_path, '[[users]]\nemail = "dev@example.com"\n')
    assert message == f"{path}: users[0]: 'password' is required"


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        ('access_token_ttl = "3600"', "'access_token_ttl' must be a whole number, got '3600'"),
        ("refresh_token_ttl = true", "'refresh_token_ttl' must be a whole number, got True"),
        ("code_ttl = 1.5", "'code_ttl' must be a whole number, got 1.5"),
        ('port = "8080"', "'port' must be a whole number, got '8080'"),
        ("port = true", "'port' must be a whole number, got True"),
        ('auto_approve = "yes"', "'auto_approve' must be true or false, got 'yes'"),
        ("auto_approve = 1", "'auto_approve' must be true or false, got 1"),
        ("host = 127", "'host' must be a string, got 127"),
    ],
)
def test_wrong_types_in_server(tmp_path: Path, line: str, problem: str) -> None:
    path, message = config_error(tmp_path, f"[server]\n{line}\n")
    assert message == f"{path}: [server]: {problem}"


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        ('redirect_uris = "http://127.0.0.1/cb"', "'redirect_uris' must be a list of strings"),
        ('scopes = "account.read"', "'scopes' must be a list of strings"),
        ("client_secret = 42", "'client_secret' must be a string, got 42"),
    ],
)
def test_wrong_types_in_client(tmp_path: Path, line: str, problem: str) -> None:
    _, message = config_error(tmp_path, client_with(line))
    assert f"clients[0] (my-app): {problem}" in message


def test_list_with_a_non_string_in_client(tmp_path: Path) -> None:
    path, message = config_error(
        tmp_path, client_with('redirect_uris = ["http://a.localhost/", 1]')
    )
    assert message == f"{path}: clients[0] (my-app): 'redirect_uris' must be a list of strings"


def test_server_that_is_not_a_table(tmp_path: Path) -> None:
    path, message = config_error(tmp_path, "server = 5\n")
    assert message == f"{path}: [server]: expected a table, got int"


def test_clients_that_is_not_an_array_of_tables(tmp_path: Path) -> None:
    path, message = config_error(tmp_path, '[clients]\nclient_id = "x"\n')
    assert message == f"{path}: 'clients' must be an array of tables ([[clients]])"


@pytest.mark.parametrize("key", ["access_token_ttl", "refresh_token_ttl", "code_ttl"])
@pytest.mark.parametrize("value", [-1, 0])
def test_ttl_must_be_positive(tmp_path: Path, key: str, value: int) -> None:
    path, message = config_error(tmp_path, f"[server]\n{key} = {value}\n")
    assert message == f"{path}: [server]: '{key}' must be positive, got {value}"


@pytest.mark.parametrize("port", [-1, 65536, 70000])
def test_port_out_of_range(tmp_path: Path, port: int) -> None:
    path, message = config_error(tmp_path, f"[server]\nport = {port}\n")
    assert message == f"{path}: [server]: 'port' must be between 0 and 65535, got {port}"


def test_port_zero_is_allowed(tmp_path: Path) -> None:
    assert load_config(write(tmp_path, "[server]\nport = 0\n")).server.port == 0


def test_unknown_log_level(tmp_path: Path) -> None:
    path, message = config_error(tmp_path, '[server]\nlog_level = "verbose"\n')
    assert message == (
        f"{path}: [server]: unknown log_level 'verbose' "
        "(use one of critical, error, warning, info, debug, trace)"
    )


def test_unknown_profile(tmp_path: Path) -> None:
    path, message = config_error(tmp_path, '[server]\nprofile = "nope"\n')
    assert message == f"{path}: [server]: unknown profile 'nope' (known: adobe-ims, frameio-v2)"


def test_secret_with_method_none(tmp_path: Path) -> None:
    text = client_with(
        'client_secret = "s3cret"',
        'redirect_uris = ["http://127.0.0.1/cb"]',
        'token_endpoint_auth_method = "none"',
    )
    path, message = config_error(tmp_path, text)
    assert message == (
        f"{path}: clients[0] (my-app): has a client_secret but token_endpoint_auth_method 'none'"
    )


@pytest.mark.parametrize("method", ["client_secret_basic", "client_secret_post"])
def test_secret_method_without_secret(tmp_path: Path, method: str) -> None:
    text = client_with(
        'redirect_uris = ["http://127.0.0.1/cb"]', f'token_endpoint_auth_method = "{method}"'
    )
    path, message = config_error(tmp_path, text)
    assert message == (
        f"{path}: clients[0] (my-app): token_endpoint_auth_method '{method}' needs a client_secret"
    )


def test_unknown_auth_method(tmp_path: Path) -> None:
    text = client_with(
        'client_secret = "s"',
        'redirect_uris = ["http://127.0.0.1/cb"]',
        'token_endpoint_auth_method = "private_key_jwt"',
    )
    path, message = config_error(tmp_path, text)
    assert message == (
        f"{path}: clients[0] (my-app): unknown token_endpoint_auth_method 'private_key_jwt' "
        "(use one of client_secret_basic, client_secret_post, none)"
    )


def test_unknown_grant_type(tmp_path: Path) -> None:
    text = client_with('redirect_uris = ["http://127.0.0.1/cb"]', 'grant_types = ["password"]')
    path, message = config_error(tmp_path, text)
    assert message == f"{path}: clients[0] (my-app): unknown grant type 'password'"


def test_unsupported_response_type(tmp_path: Path) -> None:
    text = client_with('redirect_uris = ["http://127.0.0.1/cb"]', 'response_types = ["token"]')
    path, message = config_error(tmp_path, text)
    assert message == f"{path}: clients[0] (my-app): unsupported response type 'token'"


def test_missing_signing_key_file(tmp_path: Path) -> None:
    path, message = config_error(tmp_path, '[server]\nsigning_key_file = "missing.pem"\n')
    key = tmp_path / "missing.pem"
    assert (
        message
        == f"{path}: [server]: cannot read signing key {str(key)!r}: No such file or directory"
    )


def test_malformed_signing_key_file(tmp_path: Path) -> None:
    (tmp_path / "bad.pem").write_text("not a key\n", encoding="utf-8")
    path, message = config_error(tmp_path, '[server]\nsigning_key_file = "bad.pem"\n')
    assert message.startswith(f"{path}: [server]: ")
    assert "bad.pem" in message
