"""The counter panel in real Chromium against a real hub, watched by a real display WebSocket."""

from __future__ import annotations

import json
import re
import time

import pytest
from playwright.sync_api import Page, expect
from websockets.sync.client import connect

from tests.conftest import TEST_CONFIG, HubProcess

pytestmark = [pytest.mark.browser, pytest.mark.e2e]

OFFICE = {"width": 1366, "height": 768}
DURATION = re.compile(r"^\d+:\d\d$")
COUNTDOWN = re.compile(r"^Coba lagi dalam \d+ detik$")
ACTION_BUTTONS = ["#btn-call-next", "#btn-recall", "#btn-skip", "#btn-done", "#btn-transfer", "#btn-pause"]


class DisplayFeed:
    """What a TV in zone lantai-2 receives: a snapshot, then events."""

    def __init__(self, ws) -> None:
        self.ws = ws
        self.snapshot = json.loads(self.ws.recv(timeout=5))
        assert self.snapshot["type"] == "snapshot"

    def expect(self, kind: str, timeout: float = 5.0, **match) -> dict:
        """The next event of `kind` whose fields (dotted paths) equal `match`; other events are skipped."""
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"the display got no {kind} event matching {match} within {timeout}s")
            try:
                event = json.loads(self.ws.recv(timeout=left))
            except TimeoutError:
                continue
            if event.get("type") == kind and all(_dig(event, path) == value for path, value in match.items()):
                return event


def _dig(data: dict, path: str):
    for part in path.split("__"):
        data = data.get(part) if isinstance(data, dict) else None
    return data


@pytest.fixture
def display(hub):
    with connect(f"{hub.ws_url}/ws/display?zone=lantai-2") as ws:
        yield DisplayFeed(ws)


@pytest.fixture
def contexts(browser):
    """Browser contexts (separate PCs: own localStorage) closed after the test."""
    made = []

    def new(viewport: dict | None = None):
        context = browser.new_context(viewport=viewport or OFFICE)
        made.append(context)
        return context

    yield new
    for context in made:
        context.close()


def log_in(page: Page, hub: HubProcess, username: str = "budi", pin: str = "1234", loket: str | None = "1") -> Page:
    page.goto(hub.url + "/counter" + (f"?loket={loket}" if loket else ""))
    page.fill("#username", username)
    page.fill("#pin", pin)
    page.click("#login-button")
    if loket:
        expect(page.locator("#counter-name")).to_have_text(f"Loket {loket}")
        expect(page.locator("#btn-pause")).to_be_enabled()  # connected and synchronised
    return page


def open_panel(contexts, hub, username="budi", pin="1234", loket="1", viewport=None) -> Page:
    return log_in(contexts(viewport).new_page(), hub, username, pin, loket)


def state(hub: HubProcess) -> dict:
    status, body = hub.request("GET", "/api/state")
    assert status == 200, body
    return body


def waiting(hub: HubProcess, service: str) -> int:
    return next(s["waiting"] for s in state(hub)["services"] if s["code"] == service)


def counter_view(hub: HubProcess, counter: str) -> dict:
    return next(c for c in state(hub)["counters"] if c["id"] == counter)


def other_row(page: Page, counter: str):
    return page.locator(f"#others-list li[data-counter='{counter}']")


def queue_row(page: Page, service: str):
    return page.locator(f"#queue-list li[data-service='{service}']")


def test_call_next_shows_ticket_and_reaches_the_display(hub, contexts, display):
    """Log in, call next: the panel shows number, service and waiting time; the display receives the call."""
    hub.issue("A")
    hub.issue("A")
    page = open_panel(contexts, hub)
    expect(queue_row(page, "A")).to_contain_text("2 menunggu")
    expect(page.locator("#counter-state")).to_have_text("Tutup")  # no call yet today
    expect(other_row(page, "2")).to_contain_text("Tutup")
    expect(page.locator(".current .label")).to_have_text("Nomor yang dilayani")

    page.click("#btn-call-next")

    expect(page.locator("#ticket-number")).to_have_text("A001")
    expect(page.locator("#ticket-service")).to_have_text("Perekaman KTP-el")
    expect(page.locator("#wait-time")).to_have_text(DURATION)
    expect(page.locator("#counter-state")).to_have_text("Melayani")
    expect(queue_row(page, "A")).to_contain_text("1 menunggu")
    event = display.expect("ticket.called", ticket__number="A001")
    assert event["counter"]["id"] == "1"


def test_double_click_calls_one_ticket(hub, contexts):
    """A double click on Panggil Berikutnya calls exactly one ticket; the next one keeps waiting."""
    for _ in range(3):
        hub.issue("A")
    page = open_panel(contexts, hub)

    page.dblclick("#btn-call-next")

    expect(page.locator("#ticket-number")).to_have_text("A001")
    expect(page.locator("#btn-call-next")).to_be_enabled()  # the guard is over: nothing else is pending
    assert counter_view(hub, "1")["ticket"]["number"] == "A001"
    assert waiting(hub, "A") == 2
    assert len(state(hub)["recent"]) == 1, state(hub)["recent"]

    # A held key repeats; only its first press counts.
    page.keyboard.down("F1")
    page.keyboard.down("F1")
    page.keyboard.up("F1")
    expect(page.locator("#ticket-number")).to_have_text("A002")
    expect(page.locator("#btn-call-next")).to_be_enabled()
    assert waiting(hub, "A") == 1


def test_two_panels_call_different_tickets(hub, contexts):
    """Two panels on two counters calling at the same moment get two different tickets."""
    for _ in range(3):
        hub.issue("A")
    one = open_panel(contexts, hub, loket="1")
    two = open_panel(contexts, hub, loket="2")

    one.click("#btn-call-next", no_wait_after=True)
    two.click("#btn-call-next", no_wait_after=True)

    expect(one.locator("#ticket-number")).not_to_have_text("—")
    expect(two.locator("#ticket-number")).not_to_have_text("—")
    numbers = {one.locator("#ticket-number").text_content(), two.locator("#ticket-number").text_content()}
    assert numbers == {"A001", "A002"}
    expect(one.locator("#btn-call-next")).to_be_enabled()
    expect(two.locator("#btn-call-next")).to_be_enabled()
    assert waiting(hub, "A") == 1
    # Each panel sees the other's ticket in its "Loket lain" list.
    expect(other_row(one, "2")).to_contain_text(two.locator("#ticket-number").text_content())


def test_each_action_reaches_the_display_and_the_other_panel(hub, contexts, display, screenshots):
    """Recall, skip, done, transfer and pause each change the display's feed and the other panel."""
    for _ in range(3):
        hub.issue("A")
    one = open_panel(contexts, hub, loket="1")
    two = open_panel(contexts, hub, loket="2")

    one.click("#btn-call-next")
    display.expect("ticket.called", ticket__number="A001", counter__id="1")
    expect(other_row(two, "1")).to_contain_text("A001")
    expect(queue_row(two, "A")).to_contain_text("2 menunggu")

    one.click("#btn-recall")
    display.expect("ticket.recalled", ticket__number="A001", ticket__calls=2)
    expect(one.locator("#call-count")).to_have_text("2×")
    expect(other_row(two, "1")).to_contain_text("A001 (2×)")

    one.click("#btn-done")
    display.expect("ticket.done", ticket__number="A001", counter__id="1", counter__served=1)
    expect(one.locator("#served-count")).to_have_text("1")
    expect(other_row(two, "1")).not_to_contain_text("A001")

    one.click("#btn-call-next")
    expect(one.locator("#ticket-number")).to_have_text("A002")
    expect(other_row(two, "1")).to_contain_text("A002")
    one.click("#btn-skip")
    expect(one.locator("#skip-dialog")).to_be_visible()
    expect(one.locator("#skip-number")).to_have_text("A002")
    one.click("#skip-confirm")
    display.expect("ticket.skipped", ticket__number="A002")
    expect(one.locator("#ticket-number")).to_have_text("—")
    expect(other_row(two, "1")).not_to_contain_text("A002")
    expect(one.locator("#served-count")).to_have_text("1")  # a no-show is not "served"

    one.click("#btn-call-next")
    expect(one.locator("#ticket-number")).to_have_text("A003")
    one.click("#btn-transfer")
    expect(one.locator("#transfer-dialog")).to_be_visible()
    expect(one.locator("#transfer-groups button[data-service='A']")).to_be_disabled()  # its own service
    expect(one.locator("#transfer-groups h3")).to_have_text(["Dispendukcapil", "Bappenda"])
    one.click("#transfer-groups button[data-service='B']")
    event = display.expect("ticket.transferred", ticket__number="A003", ticket__service="B")
    assert [(s["code"], s["waiting"]) for s in event["services"]] == [("A", 0), ("B", 1)]
    expect(queue_row(two, "B")).to_contain_text("1 menunggu")
    expect(other_row(two, "1")).not_to_contain_text("A003")

    one.click("#btn-pause")
    display.expect("counter.updated", counter__id="1", counter__state="paused")
    expect(one.locator("#ticket-service")).to_have_text("Loket sedang istirahat")
    one.screenshot(path=screenshots / "counter-paused.png")
    expect(one.locator("#counter-state")).to_have_text("Istirahat")
    expect(one.locator("#btn-call-next")).to_be_disabled()
    expect(one.locator("#btn-pause")).to_contain_text("Buka kembali")
    expect(other_row(two, "1")).to_contain_text("Istirahat")

    one.click("#btn-pause")
    display.expect("counter.updated", counter__id="1", counter__state="open")
    expect(other_row(two, "1")).to_contain_text("Melayani")
    expect(one.locator("#btn-call-next")).to_be_enabled()


def test_keyboard_shortcuts_and_skip_confirmation(hub, contexts, display):
    """Enter calls, F2 recalls, F3 asks before skipping (Esc cancels, Enter confirms), F8 pauses."""
    hub.issue("A")
    hub.issue("A")
    page = open_panel(contexts, hub)
    expect(page.locator("#btn-call-next kbd")).to_contain_text("F1")

    page.keyboard.press("Enter")
    expect(page.locator("#ticket-number")).to_have_text("A001")
    expect(page.locator("#btn-recall")).to_be_enabled()
    page.keyboard.press("F2")
    display.expect("ticket.recalled", ticket__number="A001")

    expect(page.locator("#btn-skip")).to_be_enabled()
    page.keyboard.press("F3")
    expect(page.locator("#skip-dialog")).to_be_visible()
    page.keyboard.press("Escape")
    expect(page.locator("#skip-dialog")).to_be_hidden()
    expect(page.locator("#ticket-number")).to_have_text("A001")

    page.keyboard.press("F3")
    expect(page.locator("#skip-dialog")).to_be_visible()
    page.keyboard.press("Enter")
    display.expect("ticket.skipped", ticket__number="A001")
    expect(page.locator("#ticket-number")).to_have_text("—")
    assert waiting(hub, "A") == 1  # the Enter that confirmed did not also call the next ticket

    expect(page.locator("#btn-pause")).to_be_enabled()
    page.keyboard.press("F8")
    expect(page.locator("#counter-state")).to_have_text("Istirahat")
    expect(page.locator("#btn-pause")).to_be_enabled()
    page.keyboard.press("Enter")  # calling is not possible during a break
    page.keyboard.press("F8")
    expect(page.locator("#counter-state")).to_have_text("Melayani")
    assert waiting(hub, "A") == 1


def test_double_click_on_skip_does_not_confirm_it(hub, contexts):
    """A double click on Lewati opens the confirmation and leaves it open: no accidental skip."""
    hub.issue("A")
    page = open_panel(contexts, hub)
    page.click("#btn-call-next")
    expect(page.locator("#btn-skip")).to_be_enabled()

    page.dblclick("#btn-skip")

    expect(page.locator("#skip-dialog")).to_be_visible()
    assert counter_view(hub, "1")["ticket"]["status"] == "called"
    page.locator("#skip-confirm").dblclick()  # a double click on "Ya, lewati" skips once
    expect(page.locator("#ticket-number")).to_have_text("—")
    expect(page.locator("#btn-call-next")).to_be_enabled()
    assert counter_view(hub, "1")["ticket"] is None
    assert counter_view(hub, "1")["served"] == 0


def test_wrong_pin_is_refused_and_repeated_wrong_pins_are_slowed_down(hub, contexts):
    """A wrong PIN shows the hub's message; after several the button counts down the hub's lock-out."""
    page = contexts().new_page()
    page.goto(hub.url + "/counter")
    page.fill("#username", "budi")
    page.fill("#pin", "9999")
    page.click("#login-button")
    expect(page.locator("#login-message")).to_have_text("Nama pengguna atau PIN salah.")
    expect(page.locator("#login-screen")).to_be_visible()

    for _ in range(3):
        page.fill("#pin", "9999")
        page.click("#login-button")
        expect(page.locator("#login-button")).to_have_text("Masuk")
    page.fill("#pin", "1234")  # even the right PIN waits out the lock
    page.click("#login-button")
    expect(page.locator("#login-message")).to_contain_text("Terlalu banyak PIN salah")
    expect(page.locator("#login-button")).to_be_disabled()
    expect(page.locator("#login-button")).to_have_text(COUNTDOWN)


def test_unassigned_counter_is_not_offered_and_the_hub_refuses_it(hub, contexts):
    """Sari (counters 3, 4) asking for Loket 1 gets her own counters only; a forced call gets 403."""
    page = log_in(contexts().new_page(), hub, "sari", "2345", loket=None)
    expect(page.locator("#picker-screen")).to_be_visible()
    page.goto(hub.url + "/counter?loket=1")  # same tab: the session survives the reload
    expect(page.locator("#picker-screen")).to_be_visible()
    expect(page.locator("#picker-message")).to_have_text("Anda tidak ditugaskan di Loket 1.")  # the hub's words
    expect(page.locator("#counter-list button")).to_have_count(2)
    assert page.locator("#counter-list button").evaluate_all("bs => bs.map(b => b.dataset.counter)") == ["3", "4"]

    page.click("#counter-list button[data-counter='3']")
    expect(page.locator("#counter-name")).to_have_text("Loket 3")
    assert page.evaluate("localStorage.getItem('mpp.counter.id')") == "3"

    token = hub.login("sari", "2345")
    status, body = hub.request("POST", "/api/counters/1/call-next", token=token)
    assert status == 403 and body["error"]["code"] == "counter_not_allowed"


def test_remembered_counter_opens_directly_on_the_next_login(hub, contexts):
    """The counter picked on a PC is remembered there: after logging out and in, it opens directly."""
    context = contexts()
    page = log_in(context.new_page(), hub, loket=None)
    page.click("#counter-list button[data-counter='2']")
    expect(page.locator("#counter-name")).to_have_text("Loket 2")
    page.click("#logout")
    expect(page.locator("#login-message")).to_have_text("Anda telah keluar.")

    again = log_in(context.new_page(), hub, loket=None)
    expect(again.locator("#counter-name")).to_have_text("Loket 2")


def test_a_session_the_hub_no_longer_knows_returns_to_login(hub, contexts):
    """When the hub refuses the token (401), the next action goes back to login with the hub's message."""
    hub.issue("A")
    page = open_panel(contexts, hub)
    token = page.evaluate("JSON.parse(sessionStorage.getItem('mpp.counter.session')).token")
    assert hub.request("POST", "/api/logout", token=token)[0] == 200

    page.click("#btn-call-next")

    expect(page.locator("#login-screen")).to_be_visible()
    expect(page.locator("#login-message")).to_have_text("Sesi tidak dikenal. Silakan masuk kembali.")
    assert waiting(hub, "A") == 1


def test_idle_panel_logs_out_after_the_configured_minutes(tmp_path, contexts):
    """With session_idle_minutes = 2, two idle minutes on the page's clock end the session."""
    config = tmp_path / "site.toml"
    config.write_text(TEST_CONFIG.read_text().replace("[site]\n", "[site]\nsession_idle_minutes = 2\n", 1))
    hub = HubProcess(tmp_path / "data", config=config).start()
    try:
        page = contexts().new_page()
        page.clock.install()
        log_in(page, hub)
        assert page.evaluate("MppUI.boot().idle_minutes") == 2
        page.clock.fast_forward("01:30")
        expect(page.locator("#main-screen")).to_be_visible()
        page.clock.fast_forward("00:45")
        expect(page.locator("#login-screen")).to_be_visible()
        expect(page.locator("#login-message")).to_contain_text("tidak ada aktivitas selama 2 menit")
        expect(page.locator("#username")).to_have_value("budi")
    finally:
        hub.stop()


def test_lost_connection_shows_banner_disables_actions_and_resyncs(hub, contexts, screenshots):
    """Hub down: a banner and disabled buttons; hub back: the panel reconnects and catches up."""
    hub.issue("A")
    page = open_panel(contexts, hub)
    expect(page.locator("#banner")).to_be_hidden()

    hub.stop()
    expect(page.locator("#banner")).to_be_visible()
    expect(page.locator("#banner")).to_have_text("Koneksi terputus — menyambung ulang…")
    for selector in ACTION_BUTTONS:
        expect(page.locator(selector)).to_be_disabled()
    page.screenshot(path=screenshots / "counter-disconnected.png")

    hub.start()
    hub.issue("A")  # happens while the panel may still be reconnecting
    expect(page.locator("#banner")).to_be_hidden(timeout=20_000)
    expect(queue_row(page, "A")).to_contain_text("2 menunggu")
    expect(page.locator("#btn-call-next")).to_be_enabled()
    page.click("#btn-call-next")
    expect(page.locator("#ticket-number")).to_have_text("A001")


@pytest.mark.parametrize("name, viewport", [
    ("office-1366x768", OFFICE),
    ("tablet-landscape-1024x768", {"width": 1024, "height": 768}),
    ("tablet-portrait-768x1024", {"width": 768, "height": 1024}),
])
def test_main_actions_fit_without_scrolling(hub, contexts, screenshots, name, viewport):
    """At office and tablet sizes every action button is on screen and at least 48 px tall."""
    hub.issue("B", priority=True)
    for _ in range(4):
        hub.issue("A")
    hub.issue("A", priority=True)
    page = open_panel(contexts, hub, viewport=viewport)
    page.click("#btn-call-next")
    expect(page.locator("#ticket-number")).to_have_text("B001")
    expect(page.locator("#btn-call-next")).to_be_enabled()
    expect(queue_row(page, "A")).to_contain_text("5 menunggu · 1 prioritas")
    expect(page.locator("#ticket-priority")).to_be_visible()

    for selector in ACTION_BUTTONS:
        box = page.locator(selector).bounding_box()
        assert box is not None, selector
        assert box["y"] >= 0 and box["y"] + box["height"] <= viewport["height"], (selector, box)
        assert box["x"] >= 0 and box["x"] + box["width"] <= viewport["width"], (selector, box)
        assert box["height"] >= 48 and box["width"] >= 120, (selector, box)
    page.screenshot(path=screenshots / f"counter-{name}.png")
    if viewport is OFFICE:
        page.click("#btn-transfer")
        expect(page.locator("#transfer-dialog")).to_be_visible()
        page.screenshot(path=screenshots / "counter-transfer-dialog.png")
        page.keyboard.press("Escape")
        page.click("#logout")
        expect(page.locator("#login-screen")).to_be_visible()
        page.screenshot(path=screenshots / "counter-login.png")


def test_side_cards_show_a_three_service_counter_and_its_no_shows_at_office_size(tmp_path, contexts):
    """At 1366x768 a counter serving three services (one with priority tickets waiting) with two no-shows
    shows every waiting line and the day's count without scrolling any card."""
    site = tmp_path / "site.toml"
    site.write_text(TEST_CONFIG.read_text().replace('services = ["A", "B"]', 'services = ["A", "B", "C"]', 1))
    hub = HubProcess(tmp_path / "data", config=site).start()
    try:
        for service in "ABC":
            hub.issue(service)
            hub.issue(service, priority=True)
        token = hub.login()
        for action in ("call-next", "skip", "call-next", "skip", "call-next"):
            assert hub.request("POST", f"/api/counters/1/{action}", token=token)[0] == 200
        page = open_panel(contexts, hub, viewport=OFFICE)
        expect(page.locator("#skipped-list li[data-ticket]")).to_have_count(2)
        expect(queue_row(page, "C")).to_contain_text("prioritas")
        cards = page.evaluate("() => [...document.querySelectorAll('.info .card')]"
                              ".map(c => [c.querySelector('h2').textContent, c.scrollHeight, c.clientHeight])")
        assert all(scroll <= client for _, scroll, client in cards), cards
        assert page.locator("#served-count").is_visible()
    finally:
        hub.stop()


def test_enter_on_batal_cancels_the_skip_and_the_screen_behind_is_out_of_reach(hub, contexts):
    """In the skip dialog Enter does what the focused button says; Tab never reaches the screen behind it."""
    hub.issue("A")
    page = open_panel(contexts, hub)
    page.keyboard.press("F1")
    expect(page.locator("#ticket-number")).to_have_text("A001")

    expect(page.locator("#btn-skip")).to_be_enabled()
    page.keyboard.press("F3")
    expect(page.locator("#skip-confirm")).to_be_enabled()
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "skip-cancel"
    page.keyboard.press("Enter")
    expect(page.locator("#skip-dialog")).to_be_hidden()
    assert counter_view(hub, "1")["ticket"]["status"] == "called"
    expect(page.locator("#ticket-number")).to_have_text("A001")

    expect(page.locator("#btn-skip")).to_be_enabled()
    page.keyboard.press("F3")
    expect(page.locator("#skip-confirm")).to_be_enabled()
    assert page.locator("#main-screen").evaluate("m => m.inert") is True
    for _ in range(6):
        page.keyboard.press("Tab")
        assert page.evaluate("!document.activeElement.closest('#main-screen')"), "focus left the dialog"
    page.keyboard.press("Escape")
    expect(page.locator("#skip-dialog")).to_be_hidden()
    assert page.locator("#main-screen").evaluate("m => m.inert") is False
    assert counter_view(hub, "1")["ticket"]["status"] == "called"

    expect(page.locator("#btn-skip")).to_be_enabled()
    page.keyboard.press("F3")
    expect(page.locator("#skip-confirm")).to_be_enabled()
    page.focus("#skip-confirm")
    page.keyboard.press("Enter")
    expect(page.locator("#ticket-number")).to_have_text("—")
    assert counter_view(hub, "1")["ticket"] is None


def test_a_request_the_hub_never_answers_is_given_up(hub, contexts):
    """A hung action is abandoned after 10 s: the officer is told to check the screen and the buttons work again."""
    hub.issue("A")
    page = contexts().new_page()
    page.clock.install()
    log_in(page, hub)
    page.route("**/api/counters/1/call-next", lambda route: None)  # never answered
    page.click("#btn-call-next")
    expect(page.locator("#btn-call-next")).to_be_disabled()
    page.clock.fast_forward("00:11")
    expect(page.locator("#action-message")).to_have_text(
        "Server tidak menjawab; perintah mungkin sudah dijalankan. Periksa nomor di layar sebelum mengulang.")
    expect(page.locator("#btn-call-next")).to_be_enabled()


def test_idle_logout_names_long_idle_times_in_hours(tmp_path, contexts):
    """With session_idle_minutes = 60 the logout message says "1 jam", not "60 menit"."""
    config = tmp_path / "site.toml"
    config.write_text(TEST_CONFIG.read_text().replace("[site]\n", "[site]\nsession_idle_minutes = 60\n", 1))
    hub = HubProcess(tmp_path / "data", config=config).start()
    try:
        page = contexts().new_page()
        page.clock.install()
        log_in(page, hub)
        page.clock.fast_forward("01:01:00")
        expect(page.locator("#login-screen")).to_be_visible()
        expect(page.locator("#login-message")).to_contain_text("tidak ada aktivitas selama 1 jam.")
    finally:
        hub.stop()


def skipped_row(page: Page, number: str):
    return page.locator("#skipped-list li", has_text=number)


def test_a_late_citizen_is_called_back_or_put_back_in_line(hub, contexts, display, screenshots):
    """Issue #9: a no-show is listed under "Nomor terlewat hari ini" on the panels of its service. "Panggil" calls it
    at once (the TV gets the call); "Kembalikan ke antrian" puts another back at its original place, first in line."""
    for _ in range(4):
        hub.issue("A")
    page = open_panel(contexts, hub)
    other = open_panel(contexts, hub, loket="2")
    expect(page.locator("#skipped-list")).to_contain_text("Tidak ada nomor terlewat.")
    for number in ("A001", "A002"):
        page.click("#btn-call-next")
        expect(page.locator("#ticket-number")).to_have_text(number)
        page.click("#btn-skip")
        page.click("#skip-confirm")
        expect(skipped_row(page, number)).to_be_visible()
    expect(skipped_row(other, "A001")).to_contain_text(re.compile(r"dilewati \d\d\.\d\d di Loket 1 · Perekaman KTP-el"))
    page.screenshot(path=screenshots / "counter-skipped-list.png")

    other.locator("#skipped-list li", has_text="A001").get_by_role("button", name="Panggil").click()
    expect(other.locator("#ticket-number")).to_have_text("A001")
    display.expect("ticket.called", ticket__number="A001", counter__id="2")
    expect(skipped_row(page, "A001")).to_have_count(0)

    expect(page.locator("#btn-call-next")).to_be_enabled()
    page.locator("#skipped-list li", has_text="A002").get_by_role("button", name="Kembalikan ke antrian").click()
    display.expect("ticket.reinstated", ticket__number="A002")
    expect(skipped_row(page, "A002")).to_have_count(0)
    expect(queue_row(page, "A")).to_contain_text("3 menunggu")
    expect(page.locator("#btn-call-next")).to_be_enabled()
    page.click("#btn-call-next")
    expect(page.locator("#ticket-number")).to_have_text("A002")  # its original place: before A003
    expect(page.locator("#skipped-list")).to_contain_text("Tidak ada nomor terlewat.")


def test_a_refused_call_back_shows_the_hubs_message(hub, contexts):
    """A list that is out of date (the ticket was just called back at another counter, and this panel missed the
    event): the click is refused by the hub and the panel shows the hub's message."""
    hub.issue("A")
    page = contexts().new_page()

    def without_calls(ws) -> None:  # this panel never hears of calls
        server = ws.connect_to_server()
        server.on_message(lambda message: None if '"ticket.called"' in str(message) else ws.send(message))

    page.route_web_socket(re.compile(r".*/ws/counter/.*"), without_calls)
    log_in(page, hub)
    status, body = hub.request("POST", "/api/counters/1/call-next", token=hub.login())
    assert status == 200 and body["ticket"]["number"] == "A001"
    status, body = hub.request("POST", "/api/counters/1/skip", token=hub.login())
    assert status == 200
    expect(skipped_row(page, "A001")).to_be_visible()
    status, body = hub.request("POST", "/api/counters/2/call-skipped", {"ticket": body["ticket"]["id"]},
                               token=hub.login())
    assert status == 200
    expect(page.locator("#btn-pause")).to_be_enabled()
    page.locator("#skipped-list li", has_text="A001").get_by_role("button", name="Kembalikan ke antrian").click()
    expect(page.locator("#action-message")).to_have_text(
        "Nomor A001 sedang dipanggil di Loket 2, bukan nomor terlewat. Hanya nomor yang dilewati hari ini yang dapat "
        "dipanggil kembali atau dikembalikan ke antrian.")
    expect(skipped_row(page, "A001")).to_have_count(0)
