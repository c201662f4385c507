"""Everything the hub is built from, as constructor arguments (no globals)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from config.site import SiteConfig
from server.announcing import AnnouncerFactory
from server.hub import HEARTBEAT_SECONDS


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class Settings:
    # The TOML site file as read at start. The running configuration is `hall.config`: the
    # database's version, which this file seeds on the first start and replaces only when it
    # changed (docs/configuration.md, "Live configuration"). Read it only to start the hub.
    config: SiteConfig
    data_dir: Path
    clock: Callable[[], datetime] = utc_now
    # Extra browser origins allowed to open WebSockets (the hub's own is always allowed).
    allowed_origins: tuple[str, ...] = ()
    # SQLite synchronous mode: FULL survives power loss; NORMAL survives process crashes only.
    durability: str = "FULL"
    # A postgresql:// URL: the data is there instead of SQLite in `data_dir`, and several hub processes
    # may share it (docs/operations.md, "A city deployment").
    database_url: str | None = None
    # Seconds between the hub's heartbeats to displays.
    heartbeat_seconds: float = HEARTBEAT_SECONDS
    # Builds the announcer (audio/); None disables spoken calls. Called with (config, cache_dir).
    announcer_factory: AnnouncerFactory | None = field(default=None)

    @property
    def database(self) -> Path:
        """The SQLite file (used when `database_url` is None)."""
        return self.sqlite_file(self.data_dir)

    @staticmethod
    def sqlite_file(data_dir: Path) -> Path:
        """Where a hall keeps its SQLite database in its data folder."""
        return data_dir / "mpp.sqlite3"
