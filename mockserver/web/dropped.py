"""The exception a `drop` fault raises to make the server close the connection mid-answer."""

from __future__ import annotations

import httpx


class DroppedConnection(httpx.RemoteProtocolError):
    """Raised to make the server close the connection mid-answer (a `drop` fault).

    It is an httpx error, so a client driving the app in-process through httpx.ASGITransport
    sees the same exception type as one whose socket was closed by uvicorn.
    """

    scripted_drop = True  # tells the harness's log filter to keep uvicorn quiet about it

    def __init__(self) -> None:
        super().__init__("the mock dropped the connection (scripted fault)")
