"""GET /admin/voice: its shell, its security policy, and what it says on a hub without spoken calls."""

from __future__ import annotations

import json
import re

from audio.announcer import Announcer
from tests.hub.support import running


def boot_of(html: str) -> dict:
    return json.loads(re.search(r'<script type="application/json" id="boot">(.*?)</script>', html, re.S).group(1))


def test_the_page_may_play_recordings_and_nothing_else_is_loosened(tmp_path):
    """The page plays back blob: recordings (media-src), and keeps the admin pages' policy otherwise."""
    with running(tmp_path / "data", announcer_factory=lambda c, d: Announcer(c, d)) as client:
        response = client.get("/admin/voice")
    assert response.status_code == 200
    policy = response.headers["content-security-policy"]
    assert "media-src 'self' blob:" in policy and "script-src 'self';" in policy and "unsafe" not in policy
    assert response.headers["referrer-policy"] == "no-referrer" and response.headers["cache-control"] == "no-store"
    assert boot_of(response.text) == {"site_name": "MPP Uji Coba", "spoken_calls": True}
    assert 'id="preview-form"' in response.text
    assert '<a href="/admin/voice" data-roles="admin" hidden aria-current="page">' in response.text


def test_a_hub_without_spoken_calls_says_why_there_is_nothing_to_record(tmp_path):
    """With --no-audio the voice API is absent, and the page says so instead of a clip list."""
    with running(tmp_path / "data") as client:
        page = client.get("/admin/voice")
        api = client.get("/api/admin/voice")
    assert boot_of(page.text)["spoken_calls"] is False
    assert "Suara panggilan tidak aktif di hub ini" in page.text and 'id="preview-form"' not in page.text
    assert api.status_code == 404
