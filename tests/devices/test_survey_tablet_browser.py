"""A survey tablet as a registered device, in real Chromium against a real hub: registered for its counter in
/admin/devices, paired with its code, on the health board, offered the survey, stopped when revoked."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.admin.support import Console
from tests.conftest import wait_for

pytestmark = [pytest.mark.browser, pytest.mark.e2e]

CONSOLE = {"width": 1366, "height": 768}
TABLET = {"width": 1024, "height": 768}


def test_a_paired_survey_tablet_shows_on_the_board_and_stops_when_revoked(hub, browser, screenshots):
    """The admin registers "Tablet Loket 1" for Loket 1 and the tablet types its pairing code at /pair: it opens
    its counter's survey page, kept by its token, and is online on the health board at Loket 1; a ticket
    finished there brings it the survey; revoked, it says why instead of waiting for citizens."""
    errors: list[str] = []
    admin = browser.new_context(viewport=CONSOLE).new_page()
    admin.on("pageerror", lambda exc: errors.append(str(exc)))
    admin.goto(hub.url + "/admin/devices")
    admin.fill("#username", "koordinator")
    admin.fill("#pin", "1111")
    admin.click("#login-button")
    admin.select_option("#kind", "survey")
    expect(admin.locator("#counter-field")).to_be_visible()
    expect(admin.locator("#kiosk-field")).to_be_hidden()
    admin.fill("#name", "Tablet Loket 1")
    admin.click("#register")  # without its counter: the hub says what is missing
    expect(admin.locator("#register-message")).to_contain_text("Tablet survei perlu loket")
    admin.select_option("#counter", "1")
    admin.click("#register")
    admin.wait_for_selector("#pairing-dialog[open]")
    code = admin.text_content("#pairing-code").replace(" ", "")
    assert admin.text_content("#device-address").endswith("&counter=1")
    admin.click("#pairing-close")
    expect(admin.locator("#device-rows tr", has_text="Tablet Loket 1")).to_contain_text("Tablet survei · Loket 1")

    tablet_context = browser.new_context(viewport=TABLET)
    tablet = tablet_context.new_page()
    tablet.on("pageerror", lambda exc: errors.append(str(exc)))
    tablet.goto(hub.url + "/pair")
    tablet.keyboard.type(code)
    tablet.keyboard.press("Enter")
    tablet.wait_for_url("**/survey?device=*&counter=1")
    expect(tablet.locator("#link")).to_have_text("Terhubung")
    tablet.goto(hub.url + "/survey?counter=1")  # a bookmark without the token: the kept one is sent
    expect(tablet.locator("#link")).to_have_text("Terhubung")
    assert "device=" in tablet.evaluate("() => window.surveyHub.url()")

    admin.click('.area-nav a[href="/admin/health"]')
    row = admin.locator("#board-rows tr", has_text="Tablet Loket 1")
    expect(row).to_have_attribute("data-online", "true")
    expect(row).to_contain_text("Tablet survei")
    expect(row).to_contain_text("Terhubung")
    expect(row).to_contain_text("Loket 1")
    expect(admin.locator("#board-rows tr", has_text="tidak terdaftar")).to_have_count(0)
    admin.screenshot(path=screenshots / "health-board-survey-tablet.png")

    officer = hub.login()
    hub.issue("A")
    assert hub.request("POST", "/api/counters/1/call-next", token=officer)[0] == 200
    assert hub.request("POST", "/api/counters/1/done", token=officer)[0] == 200
    expect(tablet.locator("body")).to_have_attribute("data-mode", "survey")
    expect(tablet.locator("#survey")).to_contain_text("A001")

    admin.click('.area-nav a[href="/admin/devices"]')
    admin.locator("#device-rows tr", has_text="Tablet Loket 1").locator("text=Cabut").click()
    admin.click("#revoke-ok")
    expect(tablet.locator("body")).to_have_attribute("data-mode", "refused")
    expect(tablet.locator("#refused-message")).to_contain_text("sudah dicabut")
    expect(tablet.locator("#link")).to_have_text("Ditolak hub")
    expect(tablet.locator("#survey")).to_be_hidden()  # nothing about the citizen left on screen
    tablet.screenshot(path=screenshots / "survey-tablet-revoked.png")

    def off_the_board() -> bool:
        status, board = hub.request("GET", "/api/admin/health", token=hub.login("koordinator", "1111"))
        return status == 200 and not [r for r in board["devices"] if r["kind"] == "survey"]

    wait_for(off_the_board, what="the revoked tablet to leave the board")
    tablet_context.close()
    admin.context.close()
    assert not errors, errors


def test_the_admin_lets_only_registered_tablets_in_from_the_console(hub, browser):
    """Pengaturan → Survei kepuasan: the admin switches "Hanya tablet survei terdaftar" on and saves; the
    unregistered tablet open at Loket 2 stops at once with the hub's reason; a wrong timing is refused at its
    field in that section."""
    errors: list[str] = []
    tablet = browser.new_context(viewport=TABLET).new_page()
    tablet.on("pageerror", lambda exc: errors.append(str(exc)))
    tablet.goto(hub.url + "/survey?counter=2")
    expect(tablet.locator("#link")).to_have_text("Terhubung")

    console = Console(browser, hub).log_in()
    console.section("survei")
    console.fill("survey.tablet_idle_seconds", "5")
    console.save()
    expect(console.field("survey.tablet_idle_seconds")).to_have_class(re.compile("invalid"))
    expect(console.notice()).to_contain_text("survey.tablet_idle_seconds")
    console.fill("survey.tablet_idle_seconds", "45")
    console.field("survey.registered_tablets_only").locator(".switch").click()
    console.save()
    expect(console.notice()).to_contain_text("Tersimpan sebagai versi 2")
    expect(tablet.locator("body")).to_have_attribute("data-mode", "refused")
    expect(tablet.locator("#refused-message")).to_contain_text("belum terdaftar sebagai tablet survei")
    tablet.context.close()
    console.close()
    assert not errors, errors
