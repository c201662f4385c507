"""The configuration at the hub's start: the TOML file seeds the database, and is imported again
only when it changed (docs/configuration.md, "Live configuration").

`load()` gives the running configuration before the hall starts: the database's latest
version, or on the first start the file, stored as version 1. Once the hall runs,
`import_if_changed()` offers a changed file to `Hall.reconfigure` as the next version,
with the same rules as the admin console; a file those rules refuse (it would strand
today's tickets) stays out until the next start, logged and in the audit log.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Literal

from config.errors import ConfigError
from config.site import SiteConfig, dump_config, parse_config
from server import audit
from server.audit import AuditEntry
from server.errors import HubError
from server.reconfig import FILE_FINGERPRINT, Proposal, fingerprint
from server.store import ConfigVersion, Store

if TYPE_CHECKING:
    from server.hall import Hall

log = logging.getLogger("mpp.config")

# How the running configuration was found at start: "seeded" (first start: the file, stored as version 1 just now),
# "stored" (the database's latest version), "stale" (a stored version this program cannot read: the file replaces it).
Start = Literal["seeded", "stored", "stale"]


async def load(store: Store, file_config: SiteConfig,
               clock: Callable[[], datetime]) -> tuple[SiteConfig, ConfigVersion, Start]:
    """(running configuration, its stored version, how it was found: `Start`).

    First start (no version stored): the file is stored as version 1 and runs ("seeded"). Later:
    the latest stored version runs ("stored"); one this program can no longer read gives way to the
    file ("stale": `import_if_changed` imports it whatever its fingerprint).
    """
    stored = await store.config_version()
    if stored is None:
        now = clock()
        saved = ConfigVersion(1, dump_config(file_config), "file", None, "konfigurasi awal", now)
        entry = AuditEntry(now, audit.CONFIG_IMPORTED, f"Versi 1 dari berkas konfigurasi {file_config.path}",
                           detail={"version": 1, "source": "file", "file": file_config.path})
        if await store.commit_first_config(saved, [entry], {FILE_FINGERPRINT: fingerprint(file_config)}):
            log.info("configuration: version 1 imported from %s", file_config.path)
            return file_config, saved, "seeded"
        stored = await store.config_version()  # another hub process, starting at the same time, stored its file
    try:
        return parse_config(stored.body, file_config.path), stored, "stored"
    except ConfigError as exc:
        log.error("the stored configuration (version %d) is not valid for this program (%s); importing %s instead",
                  stored.version, exc, file_config.path)
        return file_config, stored, "stale"


async def import_if_changed(hall: Hall, start: Start = "stored") -> None:
    """Import the hall's file as the next version if it changed since it was last imported (always when
    `start` is "stale"; never when "seeded": the file is the version just stored, and `load` said so)."""
    if start == "seeded":
        return
    file_config, store = hall.file_config, hall.store
    if start != "stale" and await store.meta(FILE_FINGERPRINT) == fingerprint(file_config):
        log.info("configuration: version %d from the database (%s unchanged)", hall.version, file_config.path)
        return
    before = hall.version
    try:
        after = await hall.reconfigure(Proposal(dump_config(file_config), "file", path=file_config.path))
    except HubError as exc:
        log.error("configuration: %s changed but was not imported (version %d stays): %s",
                  file_config.path, hall.version, exc.message)
        await store.add_audit(AuditEntry(
            hall.clock(), audit.CONFIG_IMPORT_REFUSED, f"Berkas konfigurasi tidak diimpor: {exc.message}",
            detail={"code": exc.code, "file": file_config.path, **exc.details}))
        return
    if after != before:
        log.info("configuration: %s changed, imported as version %d", file_config.path, after)
