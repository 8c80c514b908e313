"""A process client (standard library only) that speaks the harness's protocol, correct unless
told to have one defect: the subject of the broken-client tests.

    python faulty_client.py [DEFECT]

DEFECT is one of: ignore-state (never compares state), reuse-code (redeems every callback it is
handed, even one it has used), resend-rotated (always refreshes with the first refresh token),
refuse-all (answers every callback with an error), exit-after-url (prints the authorization URL
and exits before the callback), weak-verifier (PKCE verifiers of 43 hex digits, about 172
bits), retry-1s (retries a 429/503 after a fixed second, ignoring
Retry-After), trust-metadata (uses metadata whatever issuer it names). Not a defect: no-state
(sends no state, relying on PKCE as RFC 9700 2.1 allows) and retry-after (waits as Retry-After
says, then retries once). Without one it checks state, iss (when the metadata advertises RFC
9207) and the metadata's issuer, uses each state once, sends Basic credentials form-urlencoded
first, and keeps the newest refresh token.
"""

from __future__ import annotations

import base64
import hashlib
import http.server
import json
import os
import secrets
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

DEFECT = sys.argv[1] if len(sys.argv) > 1 else ""
ENV = os.environ
SECRET = ENV.get("CONFORMANCE_CLIENT_SECRET")
REDIRECT = urllib.parse.urlsplit(ENV["CONFORMANCE_REDIRECT_URI"])
lock = threading.Lock()
pending: dict[str, str] = {}  # state -> code_verifier, until its callback is handled
tokens: dict[str, str] = {}
first_refresh_token: list[str] = []


def say(line: str) -> None:
    with lock:
        print(line, flush=True)


def metadata() -> dict[str, object]:
    url = ENV["CONFORMANCE_METADATA_URL"]
    with urllib.request.urlopen(url, timeout=5) as answer:
        document: dict[str, object] = json.load(answer)
    expected = url.split("/.well-known/", 1)[0]  # RFC 8414 3.3
    if document.get("issuer") != expected and DEFECT != "trust-metadata":
        raise ValueError(f"metadata issuer {document.get('issuer')} is not {expected}")
    return document


def token_request(form: dict[str, str]) -> None:
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    if SECRET is None:
        form["client_id"] = ENV["CONFORMANCE_CLIENT_ID"]
    else:
        pair = f"{urllib.parse.quote_plus(ENV['CONFORMANCE_CLIENT_ID'])}:"
        pair += urllib.parse.quote_plus(SECRET)
        headers["Authorization"] = "Basic " + base64.b64encode(pair.encode()).decode()
    body = urllib.parse.urlencode(form).encode()
    request = urllib.request.Request(ENV["CONFORMANCE_TOKEN_ENDPOINT"], body, headers)
    try:
        with urllib.request.urlopen(request, timeout=5) as answer:
            answered = json.load(answer)
    except urllib.error.HTTPError as error:
        if error.code not in (429, 503) or DEFECT not in ("retry-1s", "retry-after"):
            raise
        time.sleep(1 if DEFECT == "retry-1s" else float(error.headers.get("Retry-After", "1")))
        with urllib.request.urlopen(request, timeout=5) as answer:
            answered = json.load(answer)
    tokens.update(answered)
    if "refresh_token" in answered and not first_refresh_token:
        first_refresh_token.append(answered["refresh_token"])


def authorize() -> None:
    verifier = (
        secrets.token_hex(22)[:43] if DEFECT == "weak-verifier" else secrets.token_urlsafe(48)
    )
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
    state = "" if DEFECT == "no-state" else secrets.token_urlsafe(24)
    pending[state] = verifier
    query = {
        "response_type": "code",
        "client_id": ENV["CONFORMANCE_CLIENT_ID"],
        "redirect_uri": ENV["CONFORMANCE_REDIRECT_URI"],
        "scope": ENV["CONFORMANCE_SCOPE"],
        **({"state": state} if state else {}),
        "code_challenge": challenge.decode().rstrip("="),
        "code_challenge_method": "S256",
    }
    say(ENV["CONFORMANCE_AUTHORIZATION_ENDPOINT"] + "?" + urllib.parse.urlencode(query))
    if DEFECT == "exit-after-url":
        os._exit(0)


used: dict[str, str] = {}  # reuse-code: state -> verifier of callbacks already redeemed


def handle(query: dict[str, str]) -> str:
    """The callback: 'ok' or 'error ...'."""
    if DEFECT == "refuse-all":
        return "error refusing every callback"
    state = query.get("state", "")
    if DEFECT == "ignore-state":
        verifier = next(iter(pending.values()), None)
    elif DEFECT == "reuse-code":
        verifier = pending.pop(state, None) or used.get(state)
        used[state] = verifier or ""
    else:
        verifier = pending.pop(state, None)
    if verifier is None:
        return "error state mismatch"
    if "error" in query:
        return f"error {query['error']}"
    try:
        issuer = metadata()
    except (OSError, ValueError) as error:  # URLError (TLS too) is an OSError
        return f"error metadata: {error}"
    advertised = issuer.get("authorization_response_iss_parameter_supported")
    if (advertised or "iss" in query) and query.get("iss") != issuer.get("issuer"):
        return "error iss mismatch"
    form = {
        "grant_type": "authorization_code",
        "code": query.get("code", ""),
        "redirect_uri": ENV["CONFORMANCE_REDIRECT_URI"],
        "code_verifier": verifier,
    }
    try:
        token_request(form)
    except urllib.error.HTTPError as error:
        return f"error token endpoint: HTTP {error.code}"
    except OSError as error:
        return f"error token endpoint: {error}"
    return "ok"


class Callback(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(self.path).query))
        result = handle(query)
        self.send_response(200 if result == "ok" else 400)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Referrer-Policy", "no-referrer")
        self.end_headers()
        self.wfile.write(result.encode())
        say(result)

    def log_message(self, format: str, *args: object) -> None:
        return


def command(name: str) -> str:
    try:
        if name == "refresh":
            sent = first_refresh_token[0] if DEFECT == "resend-rotated" else tokens["refresh_token"]
            token_request({"grant_type": "refresh_token", "refresh_token": sent})
        elif name == "api":
            request = urllib.request.Request(
                ENV["CONFORMANCE_RESOURCE_URL"],
                headers={"Authorization": f"Bearer {tokens.get('access_token', '')}"},
            )
            urllib.request.urlopen(request, timeout=5).close()
        elif name == "authorize":
            authorize()
            return ""
        else:
            return f"error unknown command {name}"
    except (urllib.error.URLError, KeyError) as error:
        return f"error {name}: {error}"
    return "ok"


def main() -> None:
    server = http.server.ThreadingHTTPServer(
        (REDIRECT.hostname or "", REDIRECT.port or 80), Callback
    )
    serving = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    serving.start()
    for line in sys.stdin:
        name = line.strip()
        if name == "quit":
            break
        result = command(name)
        if result:
            say(result)
    server.shutdown()


if __name__ == "__main__":
    main()
