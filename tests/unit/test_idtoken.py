"""The id_token signer: its JWS is exactly joserfc's, and verifies with the published JWKS."""

from __future__ import annotations

import json
from pathlib import Path

import jwt as pyjwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from joserfc import jwt

from frameio_oauth_mock.mockserver.oauth.idtoken import IdTokenSigner

CLAIMS = {
    "iss": "http://127.0.0.1:8080",
    "sub": "user-1",
    "aud": ["app"],
    "exp": 2_000_000_000,
    "iat": 1_700_000_000,
    "auth_time": 1_700_000_000,
    "nonce": "n-0123456789-é/ü",  # non-ASCII: encoded as UTF-8, not \\u escapes
}


def _joserfc_encode(signer: IdTokenSigner) -> str:
    return jwt.encode({"alg": "RS256", "kid": signer.key.kid, "typ": "JWT"}, CLAIMS, signer.key)


def test_signature_is_byte_for_byte_joserfcs() -> None:
    signer = IdTokenSigner()
    first = signer.sign(CLAIMS)
    assert first == _joserfc_encode(signer)
    assert signer.sign(CLAIMS) == first  # RS256 (PKCS#1 v1.5) is deterministic


def test_token_verifies_with_the_jwks_and_carries_the_claims() -> None:
    signer = IdTokenSigner()
    token = signer.sign(CLAIMS)
    (jwk,) = signer.jwks()["keys"]
    public_key = pyjwt.PyJWK.from_json(json.dumps(jwk)).key
    assert pyjwt.get_unverified_header(token) == {"typ": "JWT", "alg": "RS256", "kid": jwk["kid"]}
    decoded = pyjwt.decode(token, public_key, algorithms=["RS256"], audience="app")
    assert decoded == CLAIMS


def test_a_key_loaded_from_a_file_signs_the_same_way(tmp_path: Path) -> None:
    private_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = private_key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    path = tmp_path / "key.pem"
    path.write_bytes(pem)
    signer = IdTokenSigner(str(path))
    assert signer.sign(CLAIMS) == _joserfc_encode(signer)
