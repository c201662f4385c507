"""uvicorn's sans-I/O WebSocket protocol, exposing itself to the app.

The hub uses the exposed protocol to write one pre-built frame onto many
transports without a task or an await per client (see server.hub). Nothing
else changes: handshake, pings, close and reads stay uvicorn's.
"""

from __future__ import annotations

from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol

from server.hub import RAW_TRANSPORT


class HubWebSocketProtocol(WebSocketsSansIOProtocol):
    def handle_connect(self, event) -> None:
        super().handle_connect(event)
        scope = getattr(self, "scope", None)
        # Pre-built frames are uncompressed: only offered where no compression
        # was negotiated (run.py disables permessage-deflate anyway).
        if scope is not None and not self.conn.extensions:
            # The ASGI task was created but has not run yet: it sees this.
            scope["extensions"][RAW_TRANSPORT] = self
