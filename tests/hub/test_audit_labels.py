"""The audit log names every kind of entry in Indonesian, whichever part writes it (server/audit.py)."""

from __future__ import annotations

from server import audit
from tests.hub.support import login, running


def test_every_kind_has_a_label_and_every_group_some_kinds():
    """LABELS covers ACTIONS exactly; each filter group is the prefix of at least one kind."""
    assert set(audit.LABELS) == set(audit.ACTIONS)
    assert all(label and label[0].isupper() for label in audit.LABELS.values())
    for group, label, _ in audit.GROUPS:
        assert label and any(a == group or a.startswith(group + ".") for a in audit.ACTIONS), group


def test_device_and_backup_entries_reach_the_console_named(tmp_path):
    """A registered device and a downloaded backup are listed with their Indonesian names, and the console's
    filter groups (in its start-up data) include them for an admin."""
    with running(tmp_path) as client:
        admin = login(client, "koordinator", "1111")
        registered = client.post("/api/admin/devices", json={"kind": "display", "name": "TV"}, headers=admin)
        assert registered.status_code == 201
        assert client.get("/api/admin/backup", headers=admin).status_code == 200
        entries = client.get("/api/admin/audit", headers=admin).json()["entries"]
        labels = {e["action"]: e["action_label"] for e in entries}
        assert labels["device.registered"] == "Perangkat didaftarkan"
        assert labels["backup.downloaded"] == "Cadangan diunduh" and labels["login"] == "Masuk"
        devices = client.get("/api/admin/audit?action=device", headers=admin).json()["entries"]
        assert [e["action_label"] for e in devices] == ["Perangkat didaftarkan"]
        page = client.get("/admin").text
        assert '{"admin_only": true, "label": "Perangkat", "value": "device"}' in page
