"""Pages that are open while the configuration changes follow it without a reload (real Chromium, real hub)."""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from tests.conftest import HubProcess
from tests.counter_panel.test_counter_panel_browser import log_in as counter_log_in
from tests.kiosk.test_kiosk_browser import Kiosk

pytestmark = [pytest.mark.browser, pytest.mark.e2e]

TV = {"width": 1920, "height": 1080}
MARK = "window.__sameDocument = true"  # gone after a reload
SAME = "() => window.__sameDocument === true"


def change(hub: HubProcess, edit) -> int:
    """Load the configuration as an admin, let `edit(config)` change it, save it: the new version."""
    token = hub.login("koordinator", "1111")
    status, body = hub.request("GET", "/api/admin/config", token=token)
    assert status == 200, body
    config = body["config"]
    edit(config)
    status, answer = hub.request("PUT", "/api/admin/config", {"version": body["version"], "config": config},
                                 token=token)
    assert status == 200, answer
    return answer["version"]


def add_service_rename_counter(config: dict) -> None:
    config["services"].append({"code": "L", "name": "Legalisir Dokumen", "agency": "DUKCAPIL"})
    config["services"][1]["active"] = False  # Kartu Keluarga switched off
    config["counters"][0]["name"] = "Loket Satu"
    config["counters"][0]["services"].append("L")
    config["site"]["running_text"] = "Mulai hari ini ada layanan legalisir dokumen."


def test_a_display_and_a_kiosk_show_the_change_without_reload(hub, browser, screenshots):
    """The TV renames Loket 1 and runs the new text; the kiosk offers L and no longer Kartu Keluarga."""
    tv = browser.new_context(viewport=TV).new_page()
    kiosk = Kiosk(browser, hub.url + "/kiosk")
    try:
        tv.goto(hub.url + "/display?zone=lantai-2&audio=0")
        expect(tv.locator('.tile[data-counter="1"] .tile-name')).to_have_text("Loket 1")
        kiosk.agency("Dispendukcapil")
        expect(kiosk.page.locator('#service-grid [data-service="B"]')).to_be_visible()
        for page in (tv, kiosk.page):
            page.evaluate(MARK)

        change(hub, add_service_rename_counter)

        expect(tv.locator('.tile[data-counter="1"] .tile-name')).to_have_text("Loket Satu")
        expect(tv.locator("#ticker-text")).to_have_text("Mulai hari ini ada layanan legalisir dokumen.")
        grid = kiosk.page.locator("#service-grid")
        expect(grid.locator('[data-service="L"]')).to_contain_text("Legalisir Dokumen")
        expect(grid.locator('[data-service="B"]')).to_have_count(0)
        kiosk.page.screenshot(path=screenshots / "live-kiosk-new-service.png")
        for page in (tv, kiosk.page):
            assert page.evaluate(SAME), "the page was reloaded"
        kiosk.service("Legalisir Dokumen")
        kiosk.page.wait_for_selector("#screen-kind:not([hidden])")
        kiosk.click("#kind-regular")
        expect(kiosk.page.locator("#ticket-number")).to_have_text("L001")
    finally:
        tv.context.close()
        kiosk.close()


def test_the_tv_and_the_kiosk_say_the_hall_is_closed(hub, browser, screenshots):
    """A closure for today in the calendar: the TV shows the hub's label, the kiosk its sentence; lifted, both go."""
    today = datetime.now(ZoneInfo("Asia/Jakarta")).date().isoformat()
    tv = browser.new_context(viewport=TV).new_page()
    kiosk = Kiosk(browser, hub.url + "/kiosk")
    try:
        tv.goto(hub.url + "/display?zone=lantai-2&audio=0")
        expect(tv.locator("#hall-closed")).to_be_hidden()
        expect(kiosk.page.locator("#hall-notice")).to_be_hidden()
        tv.evaluate(MARK)

        def close(config):
            config["calendar"]["closures"] = [{"date": today, "reason": "Pemeliharaan gedung"}]

        change(hub, close)
        expect(tv.locator("#hall-closed")).to_have_text("Tutup: Pemeliharaan gedung")
        message = hub.request("GET", "/api/state")[1]["hall"]["closed"]["message"]
        assert message.startswith("MPP Uji Coba tutup hari ini: Pemeliharaan gedung.")
        expect(kiosk.page.locator("#hall-notice")).to_have_text(message)
        tv.screenshot(path=screenshots / "live-display-hall-closed.png")
        kiosk.page.screenshot(path=screenshots / "live-kiosk-hall-closed.png")

        change(hub, lambda config: config["calendar"].pop("closures"))
        expect(tv.locator("#hall-closed")).to_be_hidden()
        expect(kiosk.page.locator("#hall-notice")).to_be_hidden()
        assert tv.evaluate(SAME), "the TV was reloaded"
    finally:
        tv.context.close()
        kiosk.close()


def test_a_counter_panel_follows_its_officers_rights(hub, browser):
    """A new service shows in the transfer list at once; budi, moved off Loket 1, is told so and picks again."""
    context = browser.new_context(viewport={"width": 1366, "height": 768})
    panel = context.new_page()
    errors = []
    panel.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        counter_log_in(panel, hub, "budi", "1234", loket="1")
        hub.issue("A")
        panel.click("#btn-call-next")
        expect(panel.locator("#ticket-number")).to_have_text("A001")
        panel.evaluate(MARK)

        change(hub, add_service_rename_counter)
        expect(panel.locator("#counter-name")).to_have_text("Loket Satu")
        expect(panel.locator("#btn-transfer")).to_be_enabled()
        panel.click("#btn-transfer")
        expect(panel.locator('#transfer-groups [data-service="L"]')).to_contain_text("Legalisir Dokumen")
        panel.click("#transfer-cancel")

        def move_budi(config):
            config["officers"][0]["counters"] = ["2"]

        change(hub, move_budi)
        expect(panel.locator("#picker-screen")).to_be_visible()
        expect(panel.locator("#picker-message")).to_have_text(
            "Anda tidak lagi ditugaskan di Loket Satu. Silakan pilih loket lain.")
        expect(panel.locator("#counter-list .counter-choice")).to_have_count(1)
        expect(panel.locator("#counter-list .counter-choice .name")).to_have_text("Loket 2")
        assert panel.evaluate(SAME), "the panel was reloaded"

        def disable_budi(config):
            config["officers"][0]["active"] = False

        panel.click('#counter-list [data-counter="2"]')
        expect(panel.locator("#btn-pause")).to_be_enabled()
        change(hub, disable_budi)
        expect(panel.locator("#login-screen")).to_be_visible()
        # The socket's refusal or the answer to /api/me, whichever comes first: both are the hub's words.
        expect(panel.locator("#login-message")).to_have_text(re.compile(r"^Akun Anda telah dinonaktifkan"))
        assert not errors, errors
    finally:
        context.close()
