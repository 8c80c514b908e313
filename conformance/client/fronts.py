"""What the harness serves in front of the mock for a few scenarios, so that the mock itself
stays as Frame.io is:

- MetadataFront: the mock by another address, its metadata document altered (another
  issuer, no PKCE methods); it counts who read the document.
- TlsFront: the mock's own app (same clients, codes and request log) over https, with a
  freshly generated self-signed certificate no client has a reason to trust (C27).
"""

from __future__ import annotations

import datetime
import http.server
import ipaddress
import json
import shutil
import tempfile
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import httpx
import uvicorn
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from frameio_oauth_mock.mockserver.serving import NotifyingServer, bind_socket
from frameio_oauth_mock.mockserver.testing import MockServer

START_TIMEOUT = 15.0
MOCK_ISSUER = "{mock}"  # in a MetadataFront's changes: the mock's own address


class MetadataFront:
    """The mock by another address (a loopback port of its own, every request passed on with
    this address as its Host, so the mock's URLs and issuer name it), except that its metadata
    document has `changes` applied (a None value removes a member; MOCK_ISSUER stands for the
    mock's own address). `hits` counts the reads of the document."""

    def __init__(self, mock: MockServer, path: str, changes: Mapping[str, Any]) -> None:
        self.path = path
        self.hits = 0
        self.mock_url = mock.url
        self.changes = dict(changes)
        self.http = httpx.Client(timeout=10, follow_redirects=False)
        front = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                front.answer(self)

            def do_POST(self) -> None:
                front.answer(self)

            def log_message(self, format: str, *args: object) -> None:
                return

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)
        self.thread.start()

    def answer(self, handler: http.server.BaseHTTPRequestHandler) -> None:
        length = int(handler.headers.get("Content-Length") or 0)
        body = handler.rfile.read(length) if length else b""
        headers = {k: v for k, v in handler.headers.items() if k.lower() != "content-length"}
        answer = self.http.request(
            handler.command, self.mock_url + handler.path, headers=headers, content=body
        )
        content = answer.content
        if handler.path.split("?", 1)[0] == self.path and answer.status_code == 200:
            self.hits += 1
            content = json.dumps(self._changed(answer.json())).encode()
        handler.send_response(answer.status_code)
        for name, value in answer.headers.multi_items():
            if name.lower() not in ("content-length", "transfer-encoding", "connection", "date"):
                handler.send_header(name, value)
        handler.send_header("Content-Length", str(len(content)))
        handler.end_headers()
        handler.wfile.write(content)

    def _changed(self, document: dict[str, Any]) -> dict[str, Any]:
        for name, value in self.changes.items():
            if value is None:
                document.pop(name, None)
            else:
                document[name] = self.mock_url if value == MOCK_ISSUER else value
        return document

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)
        self.http.close()


def self_signed_certificate(directory: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 and localhost, signed by its own key, valid for a day."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "frameio-oauth-mock untrusted")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = directory / "cert.pem", directory / "key.pem"
    cert_file.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_file, key_file


class TlsFront:
    """The mock's app over https on its own loopback port, with an untrusted certificate."""

    def __init__(self, mock: MockServer) -> None:
        self.directory = Path(tempfile.mkdtemp(prefix="conformance-tls-"))
        cert_file, key_file = self_signed_certificate(self.directory)
        sock = bind_socket("127.0.0.1", 0)
        config = uvicorn.Config(
            mock.app,
            log_level="critical",  # failed handshakes are what C27 hopes for
            lifespan="off",
            ws="none",
            ssl_certfile=str(cert_file),
            ssl_keyfile=str(key_file),
        )
        ready = threading.Event()
        self.server = NotifyingServer(config, on_ready=ready.set)
        self.thread = threading.Thread(
            target=self.server.run, kwargs={"sockets": [sock]}, name="conformance-tls", daemon=True
        )
        self.thread.start()
        if not ready.wait(START_TIMEOUT):
            self.close()
            raise RuntimeError("the TLS front did not start")
        self.url = f"https://127.0.0.1:{sock.getsockname()[1]}"

    def close(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
        shutil.rmtree(self.directory, ignore_errors=True)
