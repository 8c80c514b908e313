"""Black-box conformance suite for OAuth 2 authorization servers (CONFORMANCE.md S1-S64)."""
