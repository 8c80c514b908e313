"""Conformance suites: grade an OAuth authorization server (`conformance.server`) or a client
(`conformance.client`) against RFC 6749 / 7636 / 9700 (docs/conformance-catalogue.md).

The shared parts (check model, runner, reports, redaction) know nothing about either side.
"""
