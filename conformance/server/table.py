"""The server suite's check table; each module in conformance.server.checks registers into it."""

from __future__ import annotations

from frameio_oauth_mock.conformance.registry import CheckTable
from frameio_oauth_mock.conformance.server.context import ServerContext

TABLE: CheckTable[ServerContext] = CheckTable()
check = TABLE.check
