"""The server suite's check table; each module in conformance.server.checks registers into it."""

from __future__ import annotations

from conformance.registry import CheckTable
from conformance.server.context import ServerContext

TABLE: CheckTable[ServerContext] = CheckTable()
check = TABLE.check
