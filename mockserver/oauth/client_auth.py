"""Client authentication at the token endpoint, as fosite does it (docs/fidelity.md)."""

from __future__ import annotations

import binascii
import hmac
import re
from collections.abc import Mapping
from urllib.parse import unquote_plus

from frameio_oauth_mock.mockserver.oauth.errors import invalid_client, invalid_request
from frameio_oauth_mock.mockserver.settings import ClientConfig

_BAD_PERCENT_ESCAPE = re.compile(r"%(?![0-9A-Fa-f]{2})")


def form_url_decode(text: str) -> str | None:
    """Go's url.QueryUnescape: '+' is a space, '%XX' a byte; None on a malformed escape."""
    if "%" not in text and "+" not in text:  # nearly every id and secret: nothing to decode
        return text
    if _BAD_PERCENT_ESCAPE.search(text):
        return None
    return unquote_plus(text, errors="surrogateescape")


def basic_credentials(authorization: str | None) -> tuple[str, str] | None:
    """The form-url-decoded (id, secret) of a Basic header, or None if there is no usable one.

    A header that is not well-formed Basic is ignored, as Go's Request.BasicAuth does, so the
    body is consulted instead.
    """
    if not authorization or authorization[:6].lower() != "basic ":
        return None
    # Decoded anew each time, never cached: a cache would keep client secrets past their
    # request, past a reset and past the server itself.
    try:
        # base64.b64decode(..., validate=True) without its wrapper: the same strict decoder.
        decoded = binascii.a2b_base64(authorization[6:].encode("ascii"), strict_mode=True)
    except (binascii.Error, ValueError):  # ValueError: UnicodeEncodeError, not ASCII
        return None
    text = decoded.decode("utf-8", errors="surrogateescape")
    if ":" not in text:
        return None
    raw_id, raw_secret = text.split(":", 1)
    client_id = form_url_decode(raw_id)
    if client_id is None:
        raise invalid_request(
            "The client id in the HTTP authorization header could not be decoded from "
            "'application/x-www-form-urlencoded'."
        )
    secret = form_url_decode(raw_secret)
    if secret is None:
        raise invalid_request(
            "The client secret in the HTTP authorization header could not be decoded from "
            "'application/x-www-form-urlencoded'."
        )
    return client_id, secret


def _method_mismatch(registered: str, requested: str) -> str:
    return (
        f"The OAuth 2.0 Client supports client authentication method '{registered}', but method "
        f"'{requested}' was requested. You must configure the OAuth 2.0 client's "
        f"'token_endpoint_auth_method' value to accept '{requested}'."
    )


def _bytes(text: str) -> bytes:
    return text.encode("utf-8", errors="surrogateescape")


def authenticate_client(
    clients: Mapping[str, ClientConfig],
    authorization: str | None,
    params: Mapping[str, str],
    secret_methods_interchangeable: bool = False,
) -> ClientConfig:
    """The client the request authenticates as; raise invalid_client / invalid_request otherwise.

    fosite's order: the credentials come from Basic when present, else the body; then a body
    client_id + client_secret must fit a client_secret_post client and a Basic secret a
    client_secret_basic one (both are checked, so Basic plus a body secret is refused);
    public clients are done; the rest must present their secret.
    With `secret_methods_interchangeable` (IMS) a secret client may use Basic or the body,
    whichever it registered.
    """
    basic = basic_credentials(authorization)
    if basic is not None:
        client_id, secret = basic
    else:
        client_id = params.get("client_id", "")
        secret = params.get("client_secret", "")
        if not client_id:
            raise invalid_request(
                "Client credentials missing or malformed in both HTTP Authorization header "
                "and HTTP POST body."
            )
    client = clients.get(client_id)
    if client is None:
        raise invalid_client()
    registered = client.token_endpoint_auth_method
    body_secret = bool(params.get("client_id") and params.get("client_secret"))
    basic_secret = basic is not None and bool(basic[1])
    if secret_methods_interchangeable and registered != "none":
        pass  # IMS: either way of sending the secret will do
    elif body_secret and registered != "client_secret_post":
        raise invalid_client(_method_mismatch(registered, "client_secret_post"))
    elif basic_secret and registered != "client_secret_basic":
        raise invalid_client(_method_mismatch(registered, "client_secret_basic"))
    if registered == "none":
        if secret_methods_interchangeable and (body_secret or basic_secret):
            method = "client_secret_post" if body_secret else "client_secret_basic"
            raise invalid_client(_method_mismatch(registered, method))
        return client
    expected = client.client_secret or ""
    if not hmac.compare_digest(_bytes(secret), _bytes(expected)):
        raise invalid_client()
    return client
