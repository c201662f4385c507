"""The kiosk and the status page in real Chromium against a real hub process."""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from tests.conftest import wait_for
from tests.kiosk.conftest import KIOSK_SITE, many_agencies_site
from tests.kiosk.fakes import FakePrinter, qr_payload
from tests.kiosk.test_printer import closed_port

pytestmark = [pytest.mark.browser, pytest.mark.e2e]

LANDSCAPE = {"width": 1920, "height": 1080}
PORTRAIT = {"width": 1080, "height": 1920}
PHONE = {"width": 360, "height": 740}
XSS_NAME = "<img src=x onerror=alert(1)>Dinas"

# Records vibrations and print requests instead of performing them.
RECORDER = """
window.__vibrations = [];
window.__prints = 0;
navigator.vibrate = (pattern) => { window.__vibrations.push(pattern); return true; };
window.print = () => { window.__prints += 1; };
"""


class Kiosk:
    """A kiosk page plus the JavaScript errors and dialogs it produced."""

    def __init__(self, browser, url: str, viewport=LANDSCAPE, *, mock_live: bool = False, touch: bool = False,
                 clock: bool = False) -> None:
        self.context = browser.new_context(viewport=viewport, has_touch=touch)
        self.context.add_init_script(RECORDER)
        self.page = self.context.new_page()
        if clock:
            self.page.clock.install()  # the test can move the page's timers forward
        self.errors: list[str] = []
        self.dialogs: list[str] = []
        self.page.on("pageerror", lambda exc: self.errors.append(str(exc)))
        self.page.on("dialog", lambda d: (self.dialogs.append(d.message), d.dismiss()))
        if mock_live:
            self.page.route_web_socket(re.compile(r".*/ws/display.*"), lambda ws: None)  # no live updates
        self.page.goto(url)
        if not mock_live:
            self.page.wait_for_selector("#link[data-online=true]")

    def close(self) -> None:
        self.context.close()
        assert not self.errors, self.errors
        assert not self.dialogs, self.dialogs

    def settled(self) -> None:
        """Wait until the kiosk takes taps again (it ignores them for a moment after a screen change)."""
        self.page.wait_for_selector("html:not([data-settling])", state="attached")

    def click(self, target) -> None:
        """Tap a selector or locator once the kiosk takes taps."""
        self.settled()
        (self.page.locator(target) if isinstance(target, str) else target).click()

    def visible_screen(self) -> str:
        return self.page.evaluate("document.querySelector('[data-screen]:not([hidden])').dataset.screen")

    def agency(self, name: str) -> None:
        self.click(self.page.locator("#agency-grid .tile", has_text=name))
        self.page.wait_for_selector("#screen-service:not([hidden])")

    def service(self, name: str) -> None:
        self.click(self.page.locator("#service-grid .tile", has_text=name))

    def take(self, agency: str, service: str, *, priority: bool = False) -> dict:
        """Agency -> service -> kind; returns what the ticket screen shows."""
        self.agency(agency)
        self.service(service)
        self.page.wait_for_selector("#screen-kind:not([hidden])")
        self.click("#kind-priority" if priority else "#kind-regular")
        self.page.wait_for_selector("#screen-ticket:not([hidden])")
        return self.ticket()

    def ticket(self) -> dict:
        page = self.page
        page.wait_for_function("() => { const i = document.getElementById('ticket-qr');"
                               " return i.complete && i.naturalWidth > 0; }")
        return {key: page.text_content(f"#ticket-{key}") for key in
                ("number", "service", "agency", "ahead", "wait", "issued", "url", "message")} | {
            "priority": page.is_visible("#ticket-priority")}


def test_whole_kiosk_flow(hub, browser, screenshots):
    """Agency, service, regular or priority: the ticket shows number, details and a loaded QR code."""
    kiosk = Kiosk(browser, hub.url + "/kiosk")
    page = kiosk.page
    assert page.text_content("#screen-agency [data-role=step]") == "Langkah 1 dari 3"
    assert page.locator("#agency-grid .tile").count() == 2
    assert page.is_hidden("#agency-search-box") and page.is_hidden("#agency-pager")
    page.screenshot(path=screenshots / "kiosk-1-agency.png")

    kiosk.agency("Dispendukcapil")  # every step has a way back
    page.screenshot(path=screenshots / "kiosk-service.png")
    kiosk.click("#screen-service .back")
    assert kiosk.visible_screen() == "agency"
    kiosk.agency("Dispendukcapil")
    kiosk.service("Perekaman KTP-el")
    assert page.text_content("#kind-service") == "Perekaman KTP-el — Dinas Kependudukan dan Pencatatan Sipil"
    kiosk.click("#screen-kind .back")
    assert kiosk.visible_screen() == "service"
    kiosk.click("#screen-service .back")

    ticket = kiosk.take("Dispendukcapil", "Perekaman KTP-el")
    page.screenshot(path=screenshots / "kiosk-2-ticket.png")
    assert ticket["number"] == "A001" and not ticket["priority"]
    assert ticket["service"] == "Perekaman KTP-el"
    assert ticket["agency"] == "Dinas Kependudukan dan Pencatatan Sipil"
    assert ticket["ahead"] == "tidak ada, Anda berikutnya" and ticket["wait"] == "—"
    assert re.search(r"\d{2}\.\d{2} WIB$", ticket["issued"])
    token = ticket["url"].rsplit("/t/", 1)[1]
    assert ticket["url"] == f"{hub.url}/t/{token}"
    assert "foto" in ticket["message"]
    assert hub.request("GET", f"/api/tickets/{token}")[1]["ticket"]["number"] == "A001"

    kiosk.click("#screen-ticket [data-action=home]")
    assert kiosk.visible_screen() == "agency"
    page.set_viewport_size(PORTRAIT)
    kiosk.agency("Dispendukcapil")
    tile = page.locator("#service-grid .tile", has_text="Perekaman KTP-el")
    wait_for(lambda: "1 orang menunggu" in tile.text_content(), what="the live waiting count")
    page.screenshot(path=screenshots / "kiosk-service-portrait.png")
    kiosk.service("Perekaman KTP-el")
    kiosk.click("#kind-priority")
    page.wait_for_selector("#screen-ticket:not([hidden])")
    ticket = kiosk.ticket()
    page.screenshot(path=screenshots / "kiosk-3-priority-portrait.png")
    assert ticket["number"] == "A002" and ticket["priority"]
    assert ticket["ahead"] == "tidak ada, Anda berikutnya"  # priority goes before the waiting A001
    kiosk.close()


def test_names_with_html_are_shown_as_text(start_hub, browser):
    """An agency named like an HTML tag shows those characters and creates no element."""
    hub = start_hub()
    kiosk = Kiosk(browser, hub.url + "/kiosk")
    page = kiosk.page
    tile = page.locator("#agency-grid .tile", has_text="onerror")
    assert tile.locator(".tile-title").text_content() == XSS_NAME
    assert page.locator("img[src=x]").count() == 0
    kiosk.click(tile)
    assert page.text_content("#service-agency") == XSS_NAME
    assert page.locator("#service-grid .tile-title").first.text_content() == "Legalisir <b>Dokumen</b>"
    assert page.locator("#service-grid b").count() == 0
    kiosk.close()


def test_status_page_follows_the_ticket_live(hub, browser, screenshots):
    """A phone sees its position shrink, then 'Dipanggil' with the counter, a vibration, then 'dilewati'."""
    hub.issue("A")
    mine = hub.issue("A")
    phone = Kiosk(browser, f"{hub.url}/t/{mine['token']}", PHONE)
    page = phone.page
    assert page.text_content("#alert-title") == "1 orang lagi"
    assert page.text_content("#number") == "A002"
    assert page.text_content("#link") == "Terhubung"
    assert page.text_content("#hint") == (
        "Ketuk layar ini sekali agar ponsel dapat berbunyi dan bergetar (bila didukung) saat nomor Anda dipanggil. "
        "Biarkan halaman ini tetap terbuka.")
    page.screenshot(path=screenshots / "status-1-waiting.png")
    page.mouse.click(10, 300)  # the tap that lets the phone beep
    assert page.text_content("#hint") == (
        "Ponsel akan berbunyi saat nomor Anda dipanggil. Biarkan halaman ini tetap terbuka.")

    token = hub.login()
    status, body = hub.request("POST", "/api/counters/1/call-next", token=token)
    assert status == 200 and body["ticket"]["number"] == "A001"
    page.wait_for_function("() => document.getElementById('alert-title').textContent === 'Anda berikutnya!'")
    assert page.evaluate("window.__vibrations.length") == 0

    hub.request("POST", "/api/counters/1/call-next", token=token)
    page.wait_for_function("() => document.getElementById('alert-title').textContent.startsWith('Dipanggil')")
    assert page.text_content("#alert-text") == "Silakan menuju Loket 1."
    assert page.get_attribute("body", "data-status") == "called"
    assert page.evaluate("window.__vibrations.length") == 1
    assert page.title().startswith("DIPANGGIL!")
    page.screenshot(path=screenshots / "status-2-called.png")

    hub.request("POST", "/api/counters/1/recall", token=token)
    wait_for(lambda: page.evaluate("window.__vibrations.length") == 2, what="a vibration on the recall")

    hub.request("POST", "/api/counters/1/skip", token=token)
    page.wait_for_function("() => document.getElementById('alert-text').textContent.includes('dilewati')")
    assert page.text_content("#alert-text") == (
        "Nomor Anda dilewati karena Anda tidak hadir saat dipanggil. Bila Anda masih di sini, segera temui petugas "
        "di Loket 1 hari ini: nomor Anda dapat dipanggil kembali.")
    page.screenshot(path=screenshots / "status-3-skipped.png")

    # What the page promises is what the officer can do: put the number back in line, then call it.
    hub.request("POST", "/api/counters/1/reinstate", {"ticket": mine["id"]}, token=token)
    page.wait_for_function("() => document.getElementById('alert-title').textContent === 'Anda berikutnya!'")
    hub.request("POST", "/api/counters/2/call-skipped", {"ticket": mine["id"]}, token=token)  # 409: not skipped now
    hub.request("POST", "/api/counters/2/call-next", token=token)
    page.wait_for_function("() => document.getElementById('alert-title').textContent === 'Dipanggil lagi!'")
    assert page.text_content("#alert-text") == "Silakan menuju Loket 2."
    phone.close()


def test_status_page_of_a_transferred_ticket(hub, browser):
    """A transferred ticket keeps its number and its page now names the new service."""
    ticket = hub.issue("A")
    phone = Kiosk(browser, f"{hub.url}/t/{ticket['token']}", PHONE)
    page = phone.page
    token = hub.login()
    hub.request("POST", "/api/counters/1/call-next", token=token)
    page.wait_for_function("() => document.body.dataset.status === 'called'")
    status, _ = hub.request("POST", "/api/counters/1/transfer", {"service": "B"}, token=token)
    assert status == 200
    page.wait_for_function("() => !document.getElementById('moved').hidden")
    assert page.text_content("#number") == "A001"
    assert page.text_content("#service") == "Kartu Keluarga"
    assert "dialihkan ke layanan Kartu Keluarga" in page.text_content("#moved")
    hub.request("POST", "/api/counters/1/call-next", token=token)
    page.wait_for_function("() => document.getElementById('alert-text').textContent === 'Silakan menuju Loket 1.'")
    hub.request("POST", "/api/counters/1/done", token=token)
    page.wait_for_function("() => document.getElementById('alert-title').textContent === 'Layanan selesai'")
    phone.close()


def test_unknown_token_gets_a_friendly_page(hub, browser):
    """A mistyped or foreign status address shows a helpful page with a 404 status."""
    page = browser.new_page(viewport=PHONE)
    response = page.goto(hub.url + "/t/AAAAAAAAAAAAAAAAAAAAAA")
    assert response.status == 404
    assert page.text_content(".missing-title") == "Tiket tidak ditemukan"
    assert "QR" in page.text_content(".missing")
    page.close()


def test_22_agencies_page_and_search(start_hub, browser, screenshots):
    """With 22 agencies the grid pages (9 or 10 a page) and the on-screen keyboard finds one by its service."""
    hub = start_hub(text=many_agencies_site())
    kiosk = Kiosk(browser, hub.url + "/kiosk")
    page = kiosk.page
    tiles = page.locator("#agency-grid .tile")
    assert page.is_visible("#agency-search") and tiles.count() == 9
    assert page.text_content("#agency-pager .page-info") == "Halaman 1 dari 3"
    first_page = tiles.all_text_contents()
    kiosk.click("#agency-pager .page-next")
    assert page.text_content("#agency-pager .page-info") == "Halaman 2 dari 3"
    assert tiles.count() == 9 and not set(tiles.all_text_contents()) & set(first_page)
    kiosk.click("#agency-pager .page-next")
    assert tiles.count() == 4 and page.is_disabled("#agency-pager .page-next")
    page.screenshot(path=screenshots / "kiosk-22-page3.png")
    kiosk.click("#screen-agency .back")  # back to the first page
    assert page.text_content("#agency-pager .page-info") == "Halaman 1 dari 3"

    kiosk.click("#agency-search")
    assert page.is_visible("#keyboard")
    for key in "SKCK":
        kiosk.click(f"#keyboard [data-key={key}]")
    assert page.input_value("#agency-search") == "skck"
    assert tiles.count() == 1 and "Kepolisian Resor" in tiles.first.text_content()
    assert page.is_hidden("#agency-pager")
    page.screenshot(path=screenshots / "kiosk-22-search.png")
    kiosk.click("#keyboard [data-key=close]")
    assert page.is_hidden("#keyboard") and tiles.count() == 1
    kiosk.click(tiles.first)
    assert page.text_content("#service-grid .tile-title") == "Surat Keterangan Catatan Kepolisian (SKCK)"
    kiosk.click("#screen-service .back")
    kiosk.click("#agency-search-clear")
    assert tiles.count() == 9

    page.set_viewport_size(PORTRAIT)
    wait_for(lambda: tiles.count() == 10, what="ten tiles a page in portrait")
    page.fill("#agency-search", "imigrasi")
    assert tiles.count() == 1 and "Kantor Imigrasi" in tiles.first.text_content()
    page.fill("#agency-search", "tidak ada instansi seperti ini")
    assert tiles.count() == 0 and page.is_visible("#agency-empty")
    kiosk.close()


def test_escpos_printer_receives_the_ticket(start_hub, browser):
    """A kiosk opened as /kiosk?id=lobi prints on the lobby printer: the number and a GS ( k QR code."""
    with FakePrinter() as printer:
        hub = start_hub(f'[[kiosk.printers]]\nkiosk = "lobi"\nhost = "127.0.0.1"\nport = {printer.port}\n')
        kiosk = Kiosk(browser, hub.url + "/kiosk?id=lobi")
        ticket = kiosk.take("Dispendukcapil", "Kartu Keluarga", priority=True)
        data = printer.wait_for_jobs(1)[0]
        kiosk.close()
    assert ticket["number"] == "B001"
    assert ticket["message"] == "Tiket Anda sedang dicetak. Silakan ambil tiket di bawah layar."
    assert b"B001" in data and b"PRIORITAS" in data
    assert b"\x1d(k" in data and qr_payload(data) == ticket["url"]


def test_unreachable_printer_shows_the_ticket_to_photograph(start_hub, browser, screenshots):
    """With the printer gone the ticket is still issued and shown with its QR; the fault is logged once."""
    hub = start_hub(f'[[kiosk.printers]]\nkiosk = "lobi"\nhost = "127.0.0.1"\nport = {closed_port()}\n')
    kiosk = Kiosk(browser, hub.url + "/kiosk?id=lobi")
    ticket = kiosk.take("Dispendukcapil", "Perekaman KTP-el")
    kiosk.page.screenshot(path=screenshots / "kiosk-printer-fault.png")
    assert ticket["number"] == "A001"
    assert ticket["message"] == ("Printer sedang bermasalah, tiket tidak tercetak. "
                                "Silakan foto layar ini atau catat nomor antrian Anda.")
    assert "fault" in kiosk.page.get_attribute("#ticket-message", "class")
    token = ticket["url"].rsplit("/t/", 1)[1]
    assert hub.request("GET", f"/api/tickets/{token}")[1]["ticket"]["status"] == "waiting"
    kiosk.click("#screen-ticket [data-action=home]")
    assert kiosk.take("Dispendukcapil", "Perekaman KTP-el")["number"] == "A002"
    kiosk.close()
    hub.stop()
    log = hub.log()
    assert log.count("printer lobi") == 1, log
    assert "Traceback" not in log


def test_a_printer_that_never_answers_is_not_said_to_be_printing(start_hub, browser, screenshots):
    """Issue #9: with a clone printer that takes data but never answers DLE EOT, the ticket screen shows the
    number and its QR code and says the printer cannot confirm the ticket, never "sedang dicetak"."""
    with FakePrinter(paper=None) as printer:
        hub = start_hub(f'[[kiosk.printers]]\nkiosk = "lobi"\nhost = "127.0.0.1"\nport = {printer.port}\n')
        kiosk = Kiosk(browser, hub.url + "/kiosk?id=lobi")
        ticket = kiosk.take("Dispendukcapil", "Perekaman KTP-el")
        kiosk.page.screenshot(path=screenshots / "kiosk-printer-unconfirmed.png")
        assert b"A001" in printer.wait_for_jobs(1)[0]
        assert ticket["number"] == "A001" and "dicetak" not in ticket["message"]
        assert ticket["message"].startswith("Tiket sudah dikirim ke printer, tetapi printer ini tidak dapat memastikan")
        assert kiosk.page.get_attribute("#ticket-message", "class") == "print-note info"
        kiosk.close()


def test_quota_reached_shows_the_message(start_hub, browser):
    """Quota 1: the next attempt explains itself and consumes no ticket (greyed tile, or the hub's 409)."""
    hub = start_hub()
    late = Kiosk(browser, hub.url + "/kiosk", mock_live=True)  # loaded before the quota ran out, deaf to updates
    kiosk = Kiosk(browser, hub.url + "/kiosk")
    assert kiosk.take("onerror", "Legalisir")["number"] == "Q001"
    kiosk.click("#screen-ticket [data-action=home]")
    kiosk.agency("onerror")
    tile = kiosk.page.locator("#service-grid .tile", has_text="Legalisir")
    assert "Kuota hari ini habis" in tile.text_content()
    kiosk.click(tile)
    notice = kiosk.page.text_content("#service-notice")
    assert "Kuota harian layanan Legalisir <b>Dokumen</b> (1 nomor) sudah habis" in notice
    assert kiosk.visible_screen() == "service"
    kiosk.close()

    late.agency("onerror")
    late.service("Legalisir")
    late.click("#kind-regular")
    late.page.wait_for_selector("#screen-error:not([hidden])")
    assert "Kuota harian layanan Legalisir <b>Dokumen</b> (1 nomor) sudah habis" in late.page.text_content(
        "#error-message")
    assert late.page.text_content("#error-note") == "Nomor antrian belum dibuat. Silakan coba lagi."
    assert late.page.is_visible("#error-note")
    late.click("#screen-error [data-action=home]")
    assert late.visible_screen() == "agency"
    late.close()
    state = hub.request("GET", "/api/state")[1]
    assert next(s for s in state["services"] if s["code"] == "Q")["issued"] == 1


@pytest.mark.parametrize(("paper", "width_pt"), [("58mm", 164.4), ("80mm", 226.8)])
def test_browser_printing_on_thermal_paper(hub, browser, paper, width_pt):
    """?print=browser prints each ticket once its QR code has loaded, on a page as wide as the roll."""
    kiosk = Kiosk(browser, f"{hub.url}/kiosk?print=browser&paper={paper}")
    kiosk.take("Bappenda", "Pajak Bumi dan Bangunan")
    wait_for(lambda: kiosk.page.evaluate("window.__prints") == 1, what="window.print()")
    kiosk.page.emulate_media(media="print")
    assert kiosk.page.is_visible("#ticket-number") and kiosk.page.is_hidden("#screen-ticket .done")
    assert kiosk.page.is_visible(".ticket-site")
    pdf = kiosk.page.pdf(prefer_css_page_size=True)
    boxes = re.findall(rb"/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)\s*\]", pdf)
    assert len(boxes) == 1, "the ticket fits on one page"
    assert abs(float(boxes[0][0]) - width_pt) < 1
    kiosk.close()


def test_idle_kiosk_returns_to_the_start(start_hub, browser):
    """The ticket screen and the other steps go back to the start after their idle times."""
    hub = start_hub("[kiosk]\nticket_idle_seconds = 3\nidle_seconds = 5\n")
    kiosk = Kiosk(browser, hub.url + "/kiosk")
    kiosk.take("Dispendukcapil", "Perekaman KTP-el")
    assert re.fullmatch(r"Kembali ke awal dalam [1-3] detik", kiosk.page.text_content("#ticket-countdown"))
    wait_for(lambda: kiosk.visible_screen() == "agency", timeout=6, what="the start screen after the ticket")
    kiosk.agency("Dispendukcapil")
    wait_for(lambda: kiosk.visible_screen() == "agency", timeout=8, what="the start screen after idling")
    kiosk.close()


def issued(hub, service: str) -> int:
    return next(s["issued"] for s in hub.request("GET", "/api/state")[1]["services"] if s["code"] == service)


def center(page, selector: str) -> tuple[float, float]:
    box = page.locator(selector).bounding_box()
    return box["x"] + box["width"] / 2, box["y"] + box["height"] / 2


@pytest.mark.parametrize("viewport", [LANDSCAPE, PORTRAIT], ids=["landscape", "portrait"])
def test_a_double_tap_never_lands_on_the_next_screen(hub, browser, viewport):
    """A double tap on a service opens the Umum/Prioritas choice; a tap on Selesai as the ticket appears is ignored."""
    kiosk = Kiosk(browser, hub.url + "/kiosk", viewport, touch=True)
    page = kiosk.page
    kiosk.agency("Dispendukcapil")
    kiosk.settled()
    x, y = center(page, "#service-grid .tile[data-service='B']")
    page.touchscreen.tap(x, y)
    page.touchscreen.tap(x, y)  # lands on the kind screen, where Umum or Prioritas may be
    assert kiosk.visible_screen() == "kind"
    assert page.is_hidden("#busy") and issued(hub, "B") == 0

    kiosk.settled()
    page.touchscreen.tap(*center(page, "#kind-regular"))
    page.wait_for_selector("#screen-ticket:not([hidden])")
    page.touchscreen.tap(*center(page, "#screen-ticket .done"))  # the impatient second tap
    assert kiosk.visible_screen() == "ticket"
    assert page.text_content("#ticket-number") == "B001"
    kiosk.click("#screen-ticket .done")  # a deliberate tap later still ends the visit
    assert kiosk.visible_screen() == "agency"
    assert issued(hub, "B") == 1
    kiosk.close()


def test_a_server_error_says_the_number_may_exist(hub, browser):
    """A 5xx answer or no answer in time: the kiosk says a number may have been made and to ask staff first."""
    kiosk = Kiosk(browser, hub.url + "/kiosk", clock=True)
    page = kiosk.page
    unsure = ("Server antrian terlalu lama menjawab. Nomor Anda mungkin sudah dibuat — silakan tanyakan kepada "
              "petugas sebelum mengambil nomor lagi.")
    page.route("**/kiosk/api/tickets", lambda route: route.fulfill(status=502, body="Bad Gateway"))
    kiosk.agency("Dispendukcapil")
    kiosk.service("Kartu Keluarga")
    kiosk.click("#kind-regular")
    page.wait_for_selector("#screen-error:not([hidden])")
    assert page.text_content("#error-message") == unsure
    assert page.is_hidden("#error-note")

    kiosk.click("#screen-error [data-action=home]")
    page.unroute("**/kiosk/api/tickets")
    page.route("**/kiosk/api/tickets", lambda route: None)  # the request hangs
    kiosk.agency("Dispendukcapil")
    kiosk.service("Kartu Keluarga")
    kiosk.click("#kind-regular")
    page.wait_for_selector("#busy:not([hidden])")
    page.clock.fast_forward("01:00")  # longer than the kiosk waits for the hub
    page.wait_for_selector("#screen-error:not([hidden])")
    assert page.text_content("#error-message") == unsure
    assert page.is_hidden("#error-note")
    kiosk.close()


def test_a_jump_of_the_kiosks_own_clock_does_not_close_services(start_hub, browser):
    """Services open now by the hub's clock stay available when the kiosk's own clock jumps 12 hours."""
    now = datetime.now(ZoneInfo("Asia/Jakarta"))
    if now.strftime("%H:%M") >= "23:58":
        pytest.skip("too close to midnight for an opening window around now")
    opens = max(now - timedelta(hours=1), now.replace(hour=0, minute=0)).strftime("%H:%M")
    closes = min(now + timedelta(hours=1), now.replace(hour=23, minute=59)).strftime("%H:%M")
    text = KIOSK_SITE.read_text(encoding="utf-8").replace(
        'name = "Kartu Keluarga"\n', f'name = "Kartu Keluarga"\nopen = "{opens}"\nclose = "{closes}"\n')
    hub = start_hub(text=text)
    kiosk = Kiosk(browser, hub.url + "/kiosk")
    page = kiosk.page
    page.evaluate("() => { const real = Date.now.bind(Date); Date.now = () => real() + 12 * 3600 * 1000; }")
    kiosk.agency("Dispendukcapil")
    tile = page.locator("#service-grid .tile[data-service='B']")
    assert "unavailable" not in tile.get_attribute("class")
    assert "menunggu" in tile.text_content()
    kiosk.service("Kartu Keluarga")
    page.wait_for_selector("#screen-kind:not([hidden])")
    kiosk.close()


def test_wait_estimates_come_with_the_events(hub, browser):
    """A served ticket moves the wait estimate: the tile shows the hub's new estimate at once, asking nothing."""
    asked = []
    kiosk = Kiosk(browser, hub.url + "/kiosk")
    page = kiosk.page
    page.route("**/api/state*", lambda route: (asked.append(route.request.url), route.continue_()))
    kiosk.agency("Dispendukcapil")
    tile = page.locator("#service-grid .tile[data-service='A']")
    assert tile.text_content().endswith("0 orang menunggu")  # nobody served yet: no estimate
    token = hub.login()
    hub.issue("A")
    hub.issue("A")
    page.wait_for_function("() => document.querySelector(\"#service-grid .tile[data-service='A']\")"
                           ".textContent.endsWith('2 orang menunggu')")
    hub.request("POST", "/api/counters/1/call-next", token=token)
    hub.request("POST", "/api/counters/1/done", token=token)  # the first average service time
    expected = next(s for s in hub.request("GET", "/api/state")[1]["services"] if s["code"] == "A")
    assert expected["estimated_wait"] is not None
    page.wait_for_function("t => document.querySelector(\"#service-grid .tile[data-service='A']\")"
                           ".textContent.endsWith('1 orang menunggu · perkiraan tunggu ' + t)",
                           arg=expected["estimated_wait_text"])
    assert asked == []
    kiosk.close()


def test_a_service_closing_on_the_hub_greys_its_tile(start_hub, browser):
    """When the hub says a service stopped giving tickets (its quota ran out), the tile shows why at once."""
    hub = start_hub()
    kiosk = Kiosk(browser, hub.url + "/kiosk")
    page = kiosk.page
    kiosk.agency(XSS_NAME)
    tile = page.locator("#service-grid .tile[data-service='Q']")
    assert "unavailable" not in tile.get_attribute("class")
    hub.issue("Q")  # the quota is one ticket
    page.wait_for_selector("#service-grid .tile.unavailable[data-service='Q']")
    assert tile.locator(".tile-closed").text_content() == "Kuota hari ini habis"
    kiosk.click(tile)
    assert page.text_content("#service-notice") == (
        "Kuota harian layanan Legalisir <b>Dokumen</b> (1 nomor) sudah habis. Silakan datang kembali pada hari "
        "kerja berikutnya. Silakan pilih layanan lain.")
    kiosk.close()


def test_status_page_leaves_a_silent_link(hub, browser):
    """A link on which the hub falls silent (no pong) is given up and opened again, as the TV's is."""
    ticket = hub.issue("A")
    view = hub.request("GET", f"/api/tickets/{ticket['token']}")[1]["ticket"]
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()
    page.clock.install()
    links = []

    def silent_hub(ws):  # sends the status once, then never answers anything, pings included
        links.append(ws)
        ws.send(json.dumps({"type": "ticket.status", "seq": 7, "ticket": view}))

    page.route_web_socket(re.compile(r".*/ws/ticket/.*"), silent_hub)
    page.goto(f"{hub.url}/t/{ticket['token']}")
    page.wait_for_selector("#link[data-online=true]")
    page.clock.fast_forward("01:00")  # longer than HubClient.limits.silence
    wait_for(lambda: page.evaluate("1") and len(links) >= 2, what="a second connection")
    page.wait_for_selector("#link[data-online=true]")
    assert page.text_content("#number") == "A001"
    context.close()


def test_a_service_no_counter_calls_is_shown_unavailable_with_the_hubs_reason(start_hub, browser):
    """A service listed at no counter: its tile is greyed with the hub's label, a tap says why in the hub's words,
    and no ticket is made."""
    hub = start_hub('[[services]]\ncode = "L"\nname = "Legalisir Akta"\nagency = "DUKCAPIL"\n')
    kiosk = Kiosk(browser, hub.url + "/kiosk")
    page = kiosk.page
    kiosk.agency("Dispendukcapil")
    tile = page.locator("#service-grid .tile[data-service='L']")
    assert "unavailable" in tile.get_attribute("class")
    assert tile.locator(".tile-closed").text_content() == "Belum dilayani di loket"
    kiosk.click(tile)
    assert page.text_content("#service-notice") == (
        "Layanan Legalisir Akta belum dilayani di loket mana pun. Mohon hubungi petugas informasi. Silakan pilih "
        "layanan lain.")
    assert kiosk.visible_screen() == "service"
    kiosk.close()
    state = hub.request("GET", "/api/state")[1]
    assert next(s for s in state["services"] if s["code"] == "L")["issued"] == 0
