"""The admin console's page through TestClient: what the browser is told to allow, what it starts with."""

from __future__ import annotations

import json
import re
from pathlib import Path

from tests.hub.support import assert_private_page, running

STATIC = Path(__file__).resolve().parents[2] / "admin" / "static"


def test_admin_page_forbids_inline_code_framing_and_caching(tmp_path):
    """/admin holds an admin's session token: strict CSP, no-store, no-referrer; its start-up data is JSON."""
    with running(tmp_path) as client:
        response = client.get("/admin")
        scripts = re.findall(r'<script src="(/static/[^"]+)"', response.text)
        styles = re.findall(r'<link rel="stylesheet" href="(/static/[^"]+)"', response.text)
        served = {path: client.get(path).status_code for path in scripts + styles}
    assert_private_page(response)
    boot = json.loads(re.search(r'<script type="application/json" id="boot">(.*?)</script>', response.text).group(1))
    assert {k: boot[k] for k in ("site_name", "timezone")} == {"site_name": "MPP Uji Coba", "timezone": "Asia/Jakarta"}
    assert [f["value"] for f in boot["audit_filters"]] == ["config", "login", "pin", "device", "backup", "voice"]
    assert "/static/admin/admin.js" in served and "/static/admin/admin.css" in served
    assert set(served.values()) == {200}


def test_the_console_puts_no_data_into_html():
    """Names from the configuration are set as text: the console's scripts never assign innerHTML."""
    for script in STATIC.glob("*.js"):
        assert not re.search(r"\.(inner|outer)HTML\s*=|insertAdjacentHTML", script.read_text()), script.name
