"""Page routes of `kiosk/` (placeholder until the page lands)."""

from __future__ import annotations

routes: list = []
