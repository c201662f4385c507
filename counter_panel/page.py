"""Page routes of `counter_panel/` (placeholder until the page lands)."""

from __future__ import annotations

routes: list = []
