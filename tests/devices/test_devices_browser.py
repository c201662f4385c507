"""The devices' pages in real Chromium against a real hub: the live board, pairing a TV, the device list,
and a registered kiosk's page sending its token."""

from __future__ import annotations

import contextlib
import re
import sqlite3

import pytest

from tests.conftest import TEST_CONFIG, HubProcess, wait_for
from tests.kiosk.test_kiosk_browser import Kiosk

pytestmark = [pytest.mark.browser, pytest.mark.e2e]

CONSOLE = {"width": 1366, "height": 768}
TV = {"width": 1280, "height": 720}


def log_in(page, username: str = "koordinator", pin: str = "1111") -> None:
    page.fill("#username", username)
    page.fill("#pin", pin)
    page.click("#login-button")
    page.wait_for_selector("#app:not([hidden])")


def register(hub: HubProcess, token: str, **body) -> dict:
    status, answer = hub.request("POST", "/api/admin/devices", body, token=token)
    assert status == 201, answer
    return answer["device"]


def watch(page, errors: list[str]):
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    return page


def test_a_tv_that_disconnects_turns_offline_on_the_board(hub, browser, screenshots, tmp_path):
    """The board shows a registered TV online with its sound and last call, and, without a reload, red and
    offline once the TV is gone (the test hall is open all day); an unregistered TV is listed while open;
    the admin downloads a backup from it."""
    admin = hub.login("koordinator", "1111")
    tv = register(hub, admin, kind="display", name="TV Lobi", zone="lantai-2")
    errors: list[str] = []
    screen = watch(browser.new_page(viewport=TV), errors)
    screen.goto(hub.url + tv["url"])
    stranger = watch(browser.new_page(viewport=TV), errors)
    stranger.goto(hub.url + "/display?zone=lantai-3")
    hub.issue("A")
    assert hub.request("POST", "/api/counters/1/call-next", token=hub.login())[0] == 200
    screen.wait_for_function("() => window.displayPlayer.played.length === 1")

    board = watch(browser.new_page(viewport=CONSOLE), errors)
    board.goto(hub.url + "/admin/health")
    log_in(board)
    row = board.locator(f"#board-rows tr[data-key=device-{tv['id']}]")
    row.locator("text=Panggilan terakhir: A001 ke Loket 1").wait_for()
    assert row.get_attribute("data-online") == "true" and row.get_attribute("data-alert") == "false"
    assert "Suara aktif" in row.text_content() and "Terhubung" in row.text_content()
    assert board.locator("#board-rows tr[data-online=true]", has_text="tidak terdaftar").count() == 1
    board.screenshot(path=screenshots / "health-board-online.png")

    screen.close()
    stranger.close()
    board.wait_for_selector(f"#board-rows tr[data-key=device-{tv['id']}][data-alert=true]")
    assert "alert" in row.get_attribute("class") and "Tidak terhubung sejak" in row.text_content()
    board.wait_for_function("() => document.querySelectorAll('#board-rows tr').length === 1")
    assert "1 perangkat tidak terhubung pada jam buka: TV Lobi." in board.text_content("#warnings")
    board.screenshot(path=screenshots / "health-board-offline.png")

    with board.expect_download() as download:  # the admin takes a backup home
        board.click("#download")
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    assert re.fullmatch(r"mpp-\d{4}-\d{2}-\d{2}-\d{4}\.sqlite3", saved.name)
    with contextlib.closing(sqlite3.connect(saved)) as db:
        assert db.execute("SELECT number FROM tickets").fetchall() == [("A001",)]
    assert "Cadangan diunduh" in board.text_content("#download-message")
    assert not errors, errors


def test_on_postgresql_the_board_of_one_process_shows_a_tv_on_another_and_where_backups_are(tmp_path, browser,
                                                                                             postgres, screenshots):
    """Two hub processes on one PostgreSQL database: a TV registered through A and open on B is online on A's
    board, said to be connected to another process; the board says the backups are pg_dump's and offers no
    download."""
    url = postgres.create_database()
    first = HubProcess(tmp_path / "a", database=url).start()
    second = HubProcess(tmp_path / "b", database=url).start()
    try:
        tv = register(first, first.login("koordinator", "1111"), kind="display", name="TV Lobi", zone="lantai-2")
        errors: list[str] = []
        screen = watch(browser.new_page(viewport=TV), errors)
        screen.goto(second.url + tv["url"])  # B knows the TV within 2 s; the page retries until then
        board = watch(browser.new_page(viewport=CONSOLE), errors)
        board.goto(first.url + "/admin/health")
        log_in(board)
        row = board.locator(f"#board-rows tr[data-key=device-{tv['id']}][data-online=true]")
        row.locator("text=Terhubung (ke proses hub lain)").wait_for(timeout=20_000)
        facts = board.text_content("#hub-facts")
        assert "pg_dump" in facts and "Cadangan terakhir" not in facts
        assert board.locator("#download").is_hidden()
        board.screenshot(path=screenshots / "health-board-postgresql.png")
        assert not errors, errors
    finally:
        second.stop()
        first.stop()


def test_a_tv_is_paired_with_its_code_and_keeps_its_identity(hub, browser):
    """On /pair the TV's remote types the six digits and OK: the TV opens its page with its token, and
    later opened without it (its start page) it is still the registered TV."""
    admin = hub.login("koordinator", "1111")
    tv = register(hub, admin, kind="display", name="TV Lantai 3", zone="lantai-3")
    context = browser.new_context(viewport=TV)
    page = context.new_page()
    page.goto(hub.url + "/pair")
    page.keyboard.type("000000")
    page.keyboard.press("Enter")
    page.wait_for_selector("#message.error")
    assert "Kode pemasangan salah" in page.text_content("#message")
    page.fill("#code", "")
    page.keyboard.type(tv["pairing_code"])
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/display?device={tv['token']}&zone=lantai-3")

    def online() -> bool:
        status, devices = hub.request("GET", "/api/admin/devices", token=admin)
        return devices["devices"][0]["online"]

    wait_for(online, what="the paired TV online")
    page.goto(hub.url + "/display?zone=lantai-3")  # no token in the address: the kept one
    page.wait_for_function("() => window.displayHub.online && window.displayHub.url().includes('device=')")
    page.goto(hub.url + "/pair")  # as a start page: it goes on to the TV's page
    page.wait_for_selector("#known:not([hidden])")
    assert "Layar TV “TV Lantai 3”" in page.text_content("#known-text")
    page.click("#open")
    page.wait_for_url("**/display?device=*")
    context.close()


def test_the_admin_registers_and_revokes_a_kiosk_whose_page_is_then_refused(tmp_path, browser):
    """In /admin/devices the admin registers a kiosk and sees its code, QR and address; the kiosk page opened
    there takes tickets beyond one address's allowance; revoked, it is refused with the hub's message."""
    site = tmp_path / "site.toml"
    site.write_text(TEST_CONFIG.read_text().replace("tickets_per_minute = 0", "tickets_per_minute = 1\n"
                                                    "tickets_burst = 2"))
    hub = HubProcess(tmp_path / "data", config=site).start()
    errors: list[str] = []
    try:
        console = watch(browser.new_page(viewport=CONSOLE), errors)
        console.goto(hub.url + "/admin/devices")
        log_in(console)
        console.select_option("#kind", "kiosk")
        console.fill("#name", "Kios Pintu Utara")
        console.fill("#kiosk", "utara")
        console.click("#register")
        console.wait_for_selector("#pairing-dialog[open]")
        console.wait_for_function("() => document.getElementById('device-qr').naturalWidth > 0")
        status, listed = hub.request("GET", "/api/admin/devices", token=hub.login("koordinator", "1111"))
        [kiosk] = listed["devices"]
        code = kiosk["pairing_code"]
        assert console.text_content("#pairing-code") == f"{code[:3]} {code[3:]}"
        assert console.text_content("#device-address") == hub.url + kiosk["url"]
        assert kiosk["url"].endswith("&id=utara")
        console.click("#pairing-close")

        page = Kiosk(browser, hub.url + kiosk["url"])
        numbers = []
        for _ in range(4):  # twice the allowance of its address
            numbers.append(page.take("Dinas Kependudukan", "Perekaman KTP-el")["number"])
            page.click("#screen-ticket [data-action=home]")
        assert numbers == ["A001", "A002", "A003", "A004"]
        answers = [hub.request("POST", "/api/tickets", {"service": "A"})[0] for _ in range(3)]
        assert answers == [201, 201, 429]  # the same machine without the token: its allowance of 2

        console.locator("#device-rows tr", has_text="Kios Pintu Utara").locator("text=Cabut").click()
        console.click("#revoke-ok")
        console.wait_for_selector("#no-devices:not([hidden])")
        page.page.wait_for_selector("#link:text('Kios tidak terdaftar')")
        page.agency("Dinas Kependudukan")
        page.service("Perekaman KTP-el")
        page.click("#kind-regular")
        page.page.wait_for_selector("#screen-error:not([hidden])")
        assert "sudah dicabut" in page.page.text_content("#error-message")
        page.close()
    finally:
        hub.stop()
    assert not errors, errors
