"""The admin area's pages (server/admin_area.py): every page shows the same bar, and the roles each link is
shown to are the roles its API serves (TestClient)."""

from __future__ import annotations

import re

import pytest

from audio.announcer import Announcer
from server.admin_area import PAGES
from tests.hub.support import login, running
from tests.hub.test_admin import site_with_koordinator

# What each page of the area asks the hub first: served to a role shown its link, refused to the others.
FIRST_CALL = {
    "/admin": "/api/admin/config",
    "/admin/reports": "/api/reports/summary?from=2026-03-01&to=2026-03-02&by=service",
    "/admin/ikm": "/api/reports/ikm?from=2026-03-01&to=2026-03-02",
    "/admin/devices": "/api/admin/devices",
    "/admin/health": "/api/admin/health",
    "/admin/voice": "/api/admin/voice",
}
WHO = {"admin": ("koordinator", "1111"), "koordinator": ("dewi", "1111"), "petugas": ("budi", "1234")}


@pytest.fixture
def client(tmp_path):
    """A hub with spoken calls (the voice pack's API exists only then) and a DUKCAPIL koordinator."""
    with running(tmp_path, config=site_with_koordinator(), announcer_factory=lambda c, d: Announcer(c, d)) as client:
        yield client


def test_each_link_is_shown_to_exactly_the_roles_its_page_serves(client):
    """For every page of the area and every role: its first API call answers 200 iff the bar shows the role
    the link; a petugas is shown none."""
    assert set(FIRST_CALL) == {page.path for page in PAGES}
    for role, (username, pin) in WHO.items():
        headers = login(client, username, pin)
        for page in PAGES:
            status = client.get(FIRST_CALL[page.path], headers=headers).status_code
            assert (status == 200) == (role in page.roles), (role, page.path, status)
            assert status in (200, 403), (role, page.path, status)


def test_every_page_of_the_area_has_the_same_bar_and_log_in(client):
    """The area's pages carry the same links with their roles, the current one marked, the shared styles and
    script, and the same log-in form; the reports and the IKM the same period shortcuts."""
    bars = {}
    for page in PAGES:
        html = client.get(page.path).text
        links = re.findall(r'<a href="(/admin[^"]*)" data-roles="([^"]+)" hidden( aria-current="page")?>', html)
        assert [(path, roles) for path, roles, _ in links] == [(p.path, p.roles_text) for p in PAGES], page.path
        assert [path for path, _, current in links if current] == [page.path]
        for part in ('href="/static/common/area.css"', 'src="/static/common/area.js"', 'id="login-form"',
                     'class="login-screen area-login"', 'id="logout"', 'id="who-role"'):
            assert part in html, (page.path, part)
        bars[page.path] = html
    shortcuts = [re.findall(r'data-range="([^"]+)" data-from="([^"]+)"\s+data-to="([^"]+)">([^<]+)<', bars[path])
                 for path in ("/admin/reports", "/admin/ikm")]
    assert shortcuts[0] == shortcuts[1] and [s[0] for s in shortcuts[0]] == [
        "today", "week", "month", "last-month", "year"]
