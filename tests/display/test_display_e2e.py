"""The TV page in real headless Chromium against a real hub process."""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from types import SimpleNamespace

import pytest

from tests.conftest import CHROMIUM, ROOT, HubProcess
from tests.display.support import act, call_next, open_display, played, wait_played
from tests.linkproxy import LinkProxy

pytestmark = [pytest.mark.browser, pytest.mark.e2e]

HERE = Path(__file__).parent
HOSTILE_NAME = "<img src=x onerror=alert(1)>Loket 9"
HOSTILE_SITE = "<b>MPP</b> <script>alert(2)</script>"


def test_call_appears_and_survives_a_hub_restart(hub, browser):
    """A call shows at once; after the hub stops and starts again the page reconnects alone and shows new calls."""
    page = open_display(browser, hub)
    token = hub.login()
    hub.issue("A")
    call_next(hub, "1", token)
    page.wait_for_function("() => document.getElementById('call-number').textContent === 'A001'")
    tile = page.locator(".tile[data-counter='1']")
    assert tile.locator(".tile-number").text_content() == "A001"
    assert tile.locator(".tile-state").text_content() == "Melayani"
    # The clock in the site's zone, worded by the browser's own Indonesian (Intl): "Senin, 2 Maret 2026", "09.41 WIB".
    assert re.fullmatch(r"(Senin|Selasa|Rabu|Kamis|Jumat|Sabtu|Minggu), \d{1,2} \w+ \d{4}", page.text_content("#date"))
    assert re.fullmatch(r"\d\d\.\d\d WIB", page.text_content("#time"))

    hub.stop()
    page.wait_for_selector("#status", state="visible")
    assert page.locator("#status-text").text_content() == "Koneksi terputus, sedang menyambung ulang…"
    assert page.locator("#call-number").text_content() == "A001"  # the last state stays on screen
    hub.start()
    page.wait_for_selector("#status", state="hidden", timeout=20_000)
    hub.issue("A")
    call_next(hub, "2", hub.login())
    page.wait_for_function("() => document.getElementById('call-number').textContent === 'A002'")
    assert page.locator(".tile[data-counter='2'] .tile-number").text_content() == "A002"
    assert page.locator(".history-number").all_text_contents() == ["A001"]
    assert page.errors == []
    page.context.close()


def test_counter_states_show_on_tiles(hub, browser):
    """Pausing and closing a counter changes its tile to Istirahat and Tutup."""
    page = open_display(browser, hub)
    token = hub.login()
    hub.issue("A")
    call_next(hub, "1", token)
    act(hub, "1", "pause", token)
    page.wait_for_function("() => document.querySelector(\".tile[data-counter='1']\").dataset.state === 'paused'")
    assert page.locator(".tile[data-counter='1'] .tile-state").text_content() == "Istirahat"
    act(hub, "1", "done", token)
    act(hub, "1", "resume", token)
    act(hub, "1", "close", token)
    page.wait_for_function("() => document.querySelector(\".tile[data-counter='1']\").dataset.state === 'closed'")
    assert page.locator(".tile[data-counter='1'] .tile-state").text_content() == "Tutup"
    assert page.locator(".tile[data-counter='1'] .tile-number").text_content() == "–"
    page.context.close()


def test_chime_plays_when_the_hub_sends_no_audio(hub, browser, screenshots):
    """With audio off at the hub (announcement null) the page plays its WebAudio chime once for the call."""
    page = open_display(browser, hub)
    hub.issue("A")
    call_next(hub, "1", hub.login())
    # The visual cue comes with the sound: panel and tile flash.
    page.wait_for_function("() => document.getElementById('call').classList.contains('flash')"
                           " && document.querySelector(\".tile[data-counter='1']\").classList.contains('flash')")
    page.screenshot(path=screenshots / "display-call-cue.png")
    [entry] = wait_played(page, 1)
    assert entry["number"] == "A001" and entry["counter"] == "Loket 1"
    assert entry["audio_url"] is None and entry["sound"] == "chime" and entry["kind"] == "called"
    assert page.evaluate("displayPlayer.blocked") is False
    page.context.close()


def test_unplayable_announcement_falls_back_to_the_chime(hub, browser):
    """When the announcement WAV cannot be loaded, the chime still sounds for the call."""
    page = open_display(browser, hub)
    page.evaluate("""() => displayHub.handle({
        type: 'ticket.called', seq: displayHub.seq + 1, services: [], finished: null,
        ticket: {id: 999, number: 'A999', called_at: new Date().toISOString()},
        counter: {id: '1', name: 'Loket 1', zone: 'lantai-2', state: 'open', served: 0},
        announcement: {text: 'Nomor antrian A999', audio_url: '/audio/tidak-ada.wav'}})""")
    [entry] = wait_played(page, 1)
    assert entry["audio_url"] == "/audio/tidak-ada.wav" and entry["sound"] == "chime"
    page.context.close()


def test_two_calls_made_together_play_one_after_the_other(hub, browser):
    """Two counters calling at once are queued: the second starts only after the first ended."""
    page = open_display(browser, hub)
    token = hub.login()
    hub.issue("A")
    hub.issue("B")
    call_next(hub, "1", token)
    call_next(hub, "2", token)
    page.wait_for_function("() => displayPlayer.playing !== null && displayPlayer.queue.length === 1")
    first, second = wait_played(page, 2)
    assert [first["number"], second["number"]] == ["A001", "B001"]
    assert second["started_at"] >= first["ended_at"]
    page.context.close()


def test_recall_plays_again(hub, browser):
    """A recall of the ticket at the desk is played again, after the call."""
    page = open_display(browser, hub)
    token = hub.login()
    hub.issue("A")
    call_next(hub, "1", token)
    wait_played(page, 1)
    act(hub, "1", "recall", token)
    first, second = wait_played(page, 2)
    assert (first["number"], first["kind"]) == ("A001", "called")
    assert (second["number"], second["kind"]) == ("A001", "recalled")
    page.context.close()


def test_replayed_call_is_not_spoken_twice(hub, browser):
    """A call replayed after a resume (same ticket and seq) updates the screen but is not played again."""
    page = open_display(browser, hub)
    hub.issue("A")
    call_next(hub, "1", hub.login())
    [entry] = wait_played(page, 1)
    # Pretend the page had not seen the call: the hub replays it on the resumed connection.
    page.evaluate("s => { displayHub.seq = s - 1; displayHub.ws.close(); }", entry["seq"])
    page.wait_for_function(
        "s => displayPlayer.skipped.some(x => x.seq === s && x.reason === 'already-played')", arg=entry["seq"],
        timeout=20_000,
    )
    assert len(played(page)) == 1
    page.context.close()


def test_call_replayed_while_it_is_announced_is_not_queued_again(hub, browser):
    """The same call arriving again (under another seq, as after a hub restart) while its sound is still starting
    is skipped, not queued to be spoken a second time."""
    page = open_display(browser, hub)
    page.evaluate("""() => {
        const ticket = {id: 777, number: 'A777', called_at: new Date().toISOString()};
        const counter = {id: '1', name: 'Loket 1', zone: 'lantai-2', state: 'open', served: 0};
        for (const seq of [displayHub.seq + 1, displayHub.seq + 2])
            displayHub.handle({type: 'ticket.called', seq, services: [], finished: null, ticket, counter,
                               announcement: null});
    }""")
    page.wait_for_function("() => displayPlayer.skipped.some(x => x.number === 'A777'"
                           " && x.reason === 'already-played')")
    [entry] = wait_played(page, 1)
    assert entry["number"] == "A777" and page.evaluate("displayPlayer.queue.length") == 0
    page.context.close()


def test_stale_call_is_shown_but_not_spoken(hub, browser):
    """A call older than two minutes by the hub's clock (a display catching up) is drawn silently."""
    page = open_display(browser, hub, clock=True)
    page.evaluate("displayHub.stop()")
    page.wait_for_function("() => displayHub.ws === null")
    hub.issue("A")
    call_next(hub, "1", hub.login())
    page.clock.fast_forward("03:00")  # the TV stays away three minutes: the missed call is old when it arrives
    page.evaluate("() => { displayHub.stopped = false; displayHub.connect(); }")
    page.wait_for_function("() => displayPlayer.skipped.some(x => x.number === 'A001' && x.reason === 'stale')")
    assert page.locator("#call-number").text_content() == "A001"
    assert played(page) == [] and page.evaluate("displayPlayer.queue.length") == 0
    page.context.close()


def test_call_made_while_the_tv_reconnects_after_a_hub_restart_is_announced(hub, browser):
    """A call made before the TV is back from a hub restart comes in the fresh snapshot and is still played, once."""
    page = open_display(browser, hub)
    token = hub.login()
    hub.issue("A")
    call_next(hub, "1", token)
    wait_played(page, 1)
    page.evaluate("displayHub.stop()")  # the TV is away for the whole restart
    hub.stop()
    hub.start()
    hub.issue("A")
    call_next(hub, "2", hub.login())
    page.evaluate("displayHub.start()")  # a new epoch: the hub answers with a snapshot, not the missed events
    first, second = wait_played(page, 2)
    assert (first["number"], second["number"]) == ("A001", "A002")
    assert second["counter"] == "Loket 2" and second["sound"] == "chime" and second["kind"] == "called"
    assert page.locator(".history-number").all_text_contents() == ["A001"]
    page.wait_for_function(
        "() => displayPlayer.skipped.some(x => x.number === 'A001' && x.reason === 'already-played')")
    assert len(played(page)) == 2
    page.context.close()


def test_a_black_holed_link_is_left_and_the_call_made_meanwhile_is_shown_and_spoken(hub, browser):
    """A link that dies without FIN or RST (a router losing its state) goes silent: the hub's heartbeats stop
    arriving, the TV leaves it, reconnects on a new connection resuming with since=, and shows and speaks the
    call made while the old link was dead (the time it takes is measured by bench/link_bench.py)."""
    proxy = LinkProxy(hub.port)
    try:
        page = open_display(browser, SimpleNamespace(url=f"http://127.0.0.1:{proxy.port}"))
        assert page.evaluate("displayHub.heartbeat") == 2000  # learnt from the snapshot
        reconnects: list[str] = []
        page.on("websocket", lambda ws: reconnects.append(ws.url))
        proxy.blackhole()
        hub.issue("A")
        call_next(hub, "1", hub.login())
        page.wait_for_function("() => document.getElementById('call-number').textContent === 'A001'", timeout=30_000)
        [entry] = wait_played(page, 1)
        assert entry["number"] == "A001" and entry["kind"] == "called"
        assert "since=" in reconnects[0] and "epoch=" in reconnects[0], reconnects
        assert len(reconnects) == 1 and page.errors == []
        page.context.close()
    finally:
        proxy.close()


def test_a_jump_of_the_tvs_own_clock_does_not_silence_calls(hub, browser):
    """The TV's clock set an hour forward after the page loaded: the next call is still played."""
    page = open_display(browser, hub)
    page.evaluate("() => { const real = Date.now.bind(Date); Date.now = () => real() + 3600 * 1000; }")
    hub.issue("A")
    call_next(hub, "1", hub.login())
    [entry] = wait_played(page, 1)
    assert entry["number"] == "A001"
    assert not page.evaluate("displayPlayer.skipped.some(x => x.reason === 'stale')")
    page.context.close()


def test_new_day_clears_tiles_and_history(hub, browser):
    """A day.started event empties the tiles, the call panel and the history."""
    page = open_display(browser, hub)
    hub.issue("A")
    call_next(hub, "1", hub.login())
    wait_played(page, 1)
    page.evaluate("displayHub.handle({type: 'day.started', seq: displayHub.seq + 1, day: '2099-01-01', expired: 1})")
    assert page.locator("#call-number").text_content() == "–"
    assert page.locator(".tile[data-counter='1'] .tile-number").text_content() == "–"
    assert page.locator(".tile[data-counter='1']").get_attribute("data-state") == "closed"
    assert page.locator(".history-number").count() == 0
    page.context.close()


def test_long_run_keeps_dom_and_player_bounded(hub, browser):
    """Thousands of calls leave the DOM size, the history and the player's lists bounded."""
    page = open_display(browser, hub)
    inject = """start => {
        const old = new Date(Date.now() - 3600 * 1000).toISOString();
        for (let i = start; i < start + 1500; i++) {
            const counter = {id: String(1 + i % 3), name: 'Loket ' + (1 + i % 3), zone: 'lantai-2'};
            const ticket = {id: 100000 + i, number: 'A' + String(i).padStart(3, '0'), called_at: i % 2 ? old : null};
            displayHub.handle({type: i % 5 ? 'ticket.called' : 'ticket.recalled', seq: displayHub.seq + 1,
                               ticket, counter, announcement: null});
        }
        return document.getElementsByTagName('*').length;
    }"""
    first = page.evaluate(inject, 1)
    second = page.evaluate(inject, 1501)
    sizes = page.evaluate("[displayPlayer.queue.length, displayPlayer.played.length, displayPlayer.skipped.length,"
                          " JSON.parse(localStorage.getItem('mpp.display.played.lantai-2') || '[]').length]")
    assert second == first, (first, second)
    assert sizes[0] <= 20 and sizes[1] <= 50 and sizes[2] <= 50 and sizes[3] <= 300, sizes
    assert page.locator(".history-row").count() <= 5
    page.context.close()


def test_silent_screen_shows_calls_without_sound(hub, browser):
    """With audio=0 the call is still cued on screen, but no sound is played."""
    page = open_display(browser, hub, "zone=lantai-2&audio=0")
    hub.issue("A")
    call_next(hub, "1", hub.login())
    [entry] = wait_played(page, 1)
    assert entry["number"] == "A001" and entry["sound"] == "none"
    page.context.close()


def test_other_zone_calls_stay_off_this_screen(hub, browser):
    """A call in lantai-3 does not reach the lantai-2 display."""
    page = open_display(browser, hub)
    other = open_display(browser, hub, "zone=lantai-3")
    hub.issue("A")
    call_next(hub, "4", hub.login("sari", "2345"))
    other.wait_for_function("() => document.getElementById('call-number').textContent === 'A001'")
    assert page.locator("#call-number").text_content() == "–"
    assert page.locator(".tile").count() == 3 and other.locator(".tile").count() == 1
    page.context.close()
    other.context.close()


def test_a_quiet_zones_tv_opened_after_a_busy_zone_shows_its_last_call(hub, browser):
    """Issue #9's scenario: after Loket 4 (lantai-3) calls C001 and lantai-2 makes 12 calls, a lantai-3 TV
    opened afresh shows C001 in the big panel, not "Menunggu panggilan"."""
    hub.issue("C")
    call_next(hub, "4", hub.login("sari", "2345"))
    budi = hub.login()
    for i in range(12):
        hub.issue("A")
        call_next(hub, "12"[i % 2], budi)
    page = open_display(browser, hub, "zone=lantai-3")
    assert page.locator("#call-number").text_content() == "C001"
    assert page.locator("#call-counter").text_content() == "Loket 4"
    page.context.close()


def test_names_with_html_are_shown_as_text(tmp_path, browser):
    """A counter and a site named with HTML show that literal text; no element is created from it."""
    config = tmp_path / "site.toml"
    text = (ROOT / "tests" / "site.toml").read_text(encoding="utf-8")
    text = text.replace('name = "Loket 1"', f"name = '{HOSTILE_NAME}'").replace(
        'name = "MPP Uji Coba"', f"name = '{HOSTILE_SITE}'").replace(
        'running_text = "Selamat datang di MPP Uji Coba."', "running_text = '<i>Selamat</i> datang'")
    config.write_text(text, encoding="utf-8")
    hub = HubProcess(tmp_path / "data", config=config).start()
    try:
        page = open_display(browser, hub)
        dialogs = []
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        hub.issue("A")
        call_next(hub, "1", hub.login())
        page.wait_for_function("() => document.getElementById('call-number').textContent === 'A001'")
        assert page.locator("#call-counter").text_content() == HOSTILE_NAME
        assert page.locator(".tile[data-counter='1'] .tile-name").text_content() == HOSTILE_NAME
        assert page.locator("#site-name").text_content() == HOSTILE_SITE
        assert page.locator("#ticker-text").text_content() == "<i>Selamat</i> datang"
        assert page.evaluate("document.querySelectorAll('img, script:not([src]):not([type]), b, i').length") == 0
        assert dialogs == [] and page.errors == []
        page.context.close()
    finally:
        hub.stop()


@pytest.mark.skipif(not (ROOT / "audio" / "announcer.py").exists(), reason="audio/announcer.py has not landed yet")
def test_announcement_from_the_hub_is_played(tmp_path, browser):
    """With hub audio on, the page plays the WAV named by the event's announcement.audio_url."""
    if shutil.which("espeak-ng") is None:
        pytest.skip("espeak-ng is not installed")
    hub = HubProcess(tmp_path / "data", audio=True).start()
    try:
        page = open_display(browser, hub)
        hub.issue("A")
        called = call_next(hub, "1", hub.login())
        [entry] = wait_played(page, 1, timeout=60_000)
        assert entry["number"] == called["number"]
        assert entry["audio_url"] and entry["audio_url"].startswith("/audio/"), entry
        assert entry["sound"] == "announcement", entry
        page.context.close()
    finally:
        hub.stop()


def test_blocked_sound_shows_the_overlay_and_plays_after_a_click(hub, browser, screenshots):
    """In a browser that refuses sound without a gesture, the overlay shows; a click plays the waiting call."""
    strict = browser.browser_type.launch(
        executable_path=CHROMIUM, args=["--no-sandbox", "--autoplay-policy=document-user-activation-required"])
    try:
        page = open_display(strict, hub)
        page.wait_for_selector("#unlock", state="visible")
        assert page.locator("#unlock-button").text_content() == "Klik untuk mengaktifkan suara"
        assert page.locator("#unlock p").text_content() == (
            "Tekan OK pada remote atau klik layar sekali agar suara panggilan dapat diputar.")
        hub.issue("A")
        call_next(hub, "1", hub.login())
        page.wait_for_function("() => displayPlayer.blocked && displayPlayer.queue.length === 1")
        assert page.locator("#call-number").text_content() == "A001"  # shown even while silent
        page.screenshot(path=screenshots / "display-sound-blocked.png")
        page.click("#unlock-button")
        [entry] = wait_played(page, 1)
        assert entry["number"] == "A001" and entry["sound"] == "chime"
        assert page.locator("#unlock").is_hidden()
    finally:
        strict.close()
