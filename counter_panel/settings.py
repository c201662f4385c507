"""The `[counter_panel]` section: the officers' panel (keys in docs/configuration.md)."""

from __future__ import annotations

from config.fields import Section


class CounterPanelSettings(Section):
    """`[counter_panel]`: no keys yet. The panel's idle log-out is `[site] session_idle_minutes`;
    any key written here is refused at start as unknown, so a typo is never silently ignored."""
