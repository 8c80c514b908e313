"""Benchmarks of frameio-oauth-mock against the stack's floor (python -m benchmarks)."""
