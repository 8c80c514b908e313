"""Black-box conformance suite for OAuth 2 authorization servers (docs/conformance-catalogue.md
S1-S64)."""
