"""The documentation keeps up with the code."""

import re
from pathlib import Path

from server import api, sockets
from server.events import EVENT_TYPES

ROOT = Path(__file__).resolve().parent.parent
PROTOCOL = (ROOT / "docs" / "protocol.md").read_text()
CONFIGURATION = (ROOT / "docs" / "configuration.md").read_text()
SITE_PY = (ROOT / "config" / "site.py").read_text()


def test_every_event_type_is_documented():
    """Each event kind the hub can send has a row in docs/protocol.md."""
    missing = [t for t in EVENT_TYPES if f"`{t}`" not in PROTOCOL]
    assert not missing, missing


def test_every_endpoint_is_documented():
    """Each HTTP and WebSocket route appears in docs/protocol.md."""
    paths = [r.path for r in api.routes + sockets.routes]
    missing = [p for p in paths if p.split("{")[0].rstrip("/") not in PROTOCOL]
    assert not missing, missing


def test_every_configuration_key_is_documented():
    """Each key the loader accepts has a row in docs/configuration.md."""
    allowed = set()
    for group in re.findall(r"r\.unknown\(\s*(?:raw|item),\s*\{([^}]*)\}", SITE_PY):
        allowed |= set(re.findall(r'"([a-z_]+)"', group))
    assert {"name", "timezone", "max_consecutive_priority", "pin_hash", "daily_quota"} <= allowed
    missing = [key for key in sorted(allowed) if f"`{key}`" not in CONFIGURATION]
    assert not missing, missing
