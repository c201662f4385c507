"""The audit log: who did what to the hub's access and configuration, and when.

One `AuditEntry` per log-in (successful or not), log-out, PIN change, accepted
configuration change and configuration import; per device registered, paired or
revoked, and per registered device offline within the opening hours (once) and back;
per backup taken, downloaded, failed or restored, per pruning of old tickets, and per
voice pack clip recorded, replaced or deleted. Entries are written by the store
(`Store.add_audit`, or inside the transaction of the change they describe) and
listed newest first by `GET /api/admin/audit` (docs/protocol.md).

`summary` is one Indonesian line for the admin console, shown as it is;
`detail` holds the same facts as data (a configuration change's version and
what changed, see `config.diff`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

# The kinds of entry.
LOGIN = "login"
LOGIN_FAILED = "login.failed"
LOGOUT = "logout"
PIN_CHANGED = "pin.changed"
CONFIG_CHANGED = "config.changed"  # through the admin API (JSON or TOML)
CONFIG_IMPORTED = "config.imported"  # from the TOML file at start: the first one, or a changed one
CONFIG_IMPORT_REFUSED = "config.import_refused"  # a changed file that would strand today's tickets
DEVICE_REGISTERED = "device.registered"
DEVICE_PAIRED = "device.paired"  # a device took its token with its pairing code
DEVICE_REVOKED = "device.revoked"
DEVICE_OFFLINE = "device.offline"  # a registered device went offline within the opening hours (once)
DEVICE_ONLINE = "device.online"  # ... and came back
BACKUP_CREATED = "backup.created"  # the nightly backup
BACKUP_DOWNLOADED = "backup.downloaded"  # GET /api/admin/backup
BACKUP_FAILED = "backup.failed"
BACKUP_RESTORED = "backup.restored"  # `run.py restore`: written into the restored database
HISTORY_PRUNED = "history.pruned"  # tickets older than [data] ticket_years deleted
VOICE_CLIP_SAVED = "voice.clip_saved"  # a voice pack clip recorded, uploaded or replaced (audio/voice_api.py)
VOICE_CLIP_DELETED = "voice.clip_deleted"
ACTIONS = (LOGIN, LOGIN_FAILED, LOGOUT, PIN_CHANGED, CONFIG_CHANGED, CONFIG_IMPORTED, CONFIG_IMPORT_REFUSED,
           DEVICE_REGISTERED, DEVICE_PAIRED, DEVICE_REVOKED, DEVICE_OFFLINE, DEVICE_ONLINE, BACKUP_CREATED,
           BACKUP_DOWNLOADED, BACKUP_FAILED, BACKUP_RESTORED, HISTORY_PRUNED, VOICE_CLIP_SAVED, VOICE_CLIP_DELETED)

# How the admin console's audit log (Riwayat) names each kind, in Indonesian: the hub sends it with each
# entry (`action_label`), so every part that writes entries names them here.
LABELS = {
    LOGIN: "Masuk", LOGIN_FAILED: "Gagal masuk", LOGOUT: "Keluar", PIN_CHANGED: "PIN diubah",
    CONFIG_CHANGED: "Pengaturan diubah", CONFIG_IMPORTED: "Berkas diimpor", CONFIG_IMPORT_REFUSED: "Impor ditolak",
    DEVICE_REGISTERED: "Perangkat didaftarkan", DEVICE_PAIRED: "Perangkat dipasangkan",
    DEVICE_REVOKED: "Perangkat dicabut", DEVICE_OFFLINE: "Perangkat terputus", DEVICE_ONLINE: "Perangkat tersambung",
    BACKUP_CREATED: "Cadangan dibuat", BACKUP_DOWNLOADED: "Cadangan diunduh", BACKUP_FAILED: "Cadangan gagal",
    BACKUP_RESTORED: "Basis data dipulihkan", HISTORY_PRUNED: "Data lama dihapus",
    VOICE_CLIP_SAVED: "Suara direkam", VOICE_CLIP_DELETED: "Suara dihapus",
}
# The audit log's filter (`?action=<group>`: the kinds starting with it), in the order the console offers
# them: (group, label, for the admin only: a koordinator sees only their agency's officers' entries).
GROUPS = (("config", "Pengaturan", False), ("login", "Masuk dan keluar", False), ("pin", "PIN", False),
          ("device", "Perangkat", True), ("backup", "Cadangan", True), ("voice", "Suara panggilan", True))

USERNAME_KEPT = 64  # characters of a typed (unknown) username kept in a failed log-in's entry


@dataclass(frozen=True)
class AuditEntry:
    """One line of the audit log.

    `officer`: the username who acted (None: the hub itself, e.g. an import at start);
    `agency`: that officer's agency at the time (what a koordinator may see);
    `address`: the network address the request came from, when there was one.
    """

    at: datetime
    action: str
    summary: str
    officer: str | None = None
    agency: str | None = None
    address: str | None = None
    detail: dict[str, Any] = field(default_factory=dict)
    id: int = 0  # given by the store

    def to_json(self, names: dict[str, str] | None = None) -> dict[str, Any]:
        """The API's entry; `names` maps usernames to full names (officers since removed keep only theirs)."""
        return {"id": self.id, "at": self.at.isoformat(), "action": self.action, "officer": self.officer,
                "officer_name": (names or {}).get(self.officer) if self.officer else None,
                "agency": self.agency, "address": self.address, "summary": self.summary, "detail": self.detail}
