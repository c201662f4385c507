"""The TV's sound in real headless Chromium against a real hub speaking with espeak-ng: every call plays through
the page's one AudioContext, the hub's chime first and the rest of the announcement right after it."""

from __future__ import annotations

import base64
import io
import shutil
import urllib.request
import wave

import pytest

from audio.chime import chime
from audio.wav import wav_bytes
from tests.conftest import CHROMIUM, TEST_CONFIG, HubProcess, wait_for
from tests.display.support import act, call_next, open_display, wait_played

pytestmark = [pytest.mark.browser, pytest.mark.e2e]

# Before the page's scripts: every AudioBufferSourceNode started (its buffer, when and from where), and every
# play() of a media element, which the calls no longer use.
SOUND_PROBE = """
window.__sources = [];
window.__mediaPlays = 0;
const nativeStart = AudioBufferSourceNode.prototype.start;
AudioBufferSourceNode.prototype.start = function (when = 0, offset = 0) {
  const result = nativeStart.apply(this, arguments);
  window.__sources.push({begin: Math.max(when, this.context.currentTime), offset, duration: this.buffer.duration,
                         chime: !!window.displayPlayer && this.buffer === displayPlayer.chimeBuffer});
  return result;
};
const nativePlay = HTMLMediaElement.prototype.play;
HTMLMediaElement.prototype.play = function () {
  window.__mediaPlays += 1;
  return nativePlay.call(this);
};
"""


@pytest.fixture(scope="module")
def speaking_hub(tmp_path_factory):
    """A hub with its spoken calls on (the default engine on espeak-ng), shared by the module's tests."""
    if shutil.which("espeak-ng") is None:
        pytest.skip("espeak-ng is not installed")
    hub = HubProcess(tmp_path_factory.mktemp("speaking") / "data", audio=True).start()
    yield hub
    hub.stop()


def open_speaking_display(browser, hub: HubProcess, query: str = "zone=lantai-2"):
    """The display with the sound probe installed."""
    return open_display(browser, hub, query, {"width": 1280, "height": 720}, init_script=SOUND_PROBE)


def sources(page) -> list[dict]:
    return page.evaluate("window.__sources")


def wav_seconds(hub: HubProcess, url: str) -> float:
    """The duration of one of the hub's WAVs, read with the standard library."""
    with urllib.request.urlopen(hub.url + url, timeout=30) as response, wave.open(io.BytesIO(response.read())) as w:
        return w.getnframes() / w.getframerate()


def assert_chime_then_rest(hub: HubProcess, page, pair: list[dict], audio_url: str) -> None:
    """One announcement: the hub's chime from its start, then the call's WAV from the chime's end on, not earlier."""
    chime, rest = pair
    length = page.evaluate("displayPlayer.chimeBuffer.duration")
    assert chime["chime"] and chime["offset"] == 0 and chime["duration"] == pytest.approx(length)
    assert not rest["chime"] and rest["offset"] == pytest.approx(length)
    assert rest["begin"] >= chime["begin"] + length - 1e-6
    assert rest["duration"] == pytest.approx(wav_seconds(hub, audio_url), abs=1e-3)


def test_calls_play_in_order_through_the_audio_context(speaking_hub, browser):
    """Two calls made together play one after the other, each as the hub's chime followed by the rest of its WAV
    on the page's AudioContext; no media element plays, and the page's timing of each stage is filled in order."""
    hub = speaking_hub
    page = open_speaking_display(browser, hub)
    page.wait_for_function("() => displayPlayer.chimeBuffer !== null")
    token = hub.login()
    hub.issue("A")
    hub.issue("B")
    a = call_next(hub, "1", token)
    b = call_next(hub, "2", token)
    first, second = wait_played(page, 2, timeout=60_000)
    assert [first["number"], second["number"]] == [a["number"], b["number"]]
    assert first["sound"] == second["sound"] == "announcement" and first["failure"] is None
    assert second["started_at"] >= first["ended_at"]
    played = sources(page)
    assert len(played) == 4, played
    assert_chime_then_rest(hub, page, played[:2], first["audio_url"])
    assert_chime_then_rest(hub, page, played[2:], second["audio_url"])
    first_end = played[1]["begin"] + played[1]["duration"] - played[1]["offset"]
    assert played[2]["begin"] >= first_end  # on the audio clock too: no overlap
    for entry in (first, second):
        t = entry["timing"]
        assert t["arrived"] <= t["started"] <= t["output"] and t["fetched"] <= t["decoded"] and t["gap"] >= 0, t
    assert page.evaluate("window.__mediaPlays") == 0 and page.errors == []
    page.context.close()


def test_a_recall_plays_the_announcement_again(speaking_hub, browser):
    """A recall is heard again through the same path: chime, then the rest of the recall's WAV."""
    hub = speaking_hub
    page = open_speaking_display(browser, hub)
    page.wait_for_function("() => displayPlayer.chimeBuffer !== null")
    token = hub.login()
    hub.issue("A")
    called = call_next(hub, "1", token)
    wait_played(page, 1, timeout=60_000)
    act(hub, "1", "recall", token)
    first, second = wait_played(page, 2, timeout=60_000)
    assert (first["number"], first["kind"]) == (called["number"], "called")
    assert (second["number"], second["kind"], second["sound"]) == (called["number"], "recalled", "announcement")
    assert_chime_then_rest(hub, page, sources(page)[2:], second["audio_url"])
    page.context.close()


def test_failed_fetch_or_decode_falls_back_to_the_chime_and_is_reported(speaking_hub, browser):
    """A call whose WAV is missing (404) or is not audio still sounds the hub's chime, is logged with its failure,
    and the health board shows the TV's last call as heard with the chime."""
    hub = speaking_hub
    page = open_speaking_display(browser, hub)
    page.wait_for_function("() => displayPlayer.chimeBuffer !== null")
    inject = """([id, url]) => displayHub.handle({
        type: 'ticket.called', seq: displayHub.seq + 1, services: [], finished: null,
        ticket: {id, number: 'A9' + String(id).slice(-2), called_at: new Date().toISOString()},
        counter: {id: '1', name: 'Loket 1', zone: 'lantai-2', state: 'open', served: 0},
        announcement: {text: 'Nomor antrian', audio_url: url}})"""
    page.evaluate(inject, [9901, "/audio/" + "f" * 24 + ".wav"])  # a key this hub never rendered: 404
    [missing] = wait_played(page, 1)
    page.evaluate(inject, [9902, "/static/display/display.css"])  # 200, but not a sound
    _, garbled = wait_played(page, 2)
    assert missing["sound"] == garbled["sound"] == "chime"
    assert "404" in missing["failure"] and garbled["failure"], (missing, garbled)
    played = sources(page)
    assert len(played) == 2 and all(s["chime"] and s["offset"] == 0 for s in played), played

    token = hub.login("koordinator", "1111")

    def reported():
        devices = hub.request("GET", "/api/admin/health", token=token)[1]["devices"]
        return [d["last_call"] for d in devices if d["kind"] == "display" and d["last_call"]
                and d["last_call"]["number"] == "A902"]

    [last_call] = wait_for(reported, timeout=15, what="the TV to report its last call")
    assert last_call["sound"] == "chime" and last_call["counter"] == "Loket 1"
    page.context.close()


def test_a_chime_only_wav_is_heard_once(speaking_hub, browser):
    """The hub's chime-only WAV (what a call's URL serves when its render failed, and the announcement of a hub
    without a voice) is the chime the page already started: heard once, not twice."""
    hub = speaking_hub
    page = open_speaking_display(browser, hub)
    page.wait_for_function("() => displayPlayer.chimeBuffer !== null")
    page.evaluate("""() => displayHub.handle({
        type: 'ticket.called', seq: displayHub.seq + 1, services: [], finished: null,
        ticket: {id: 9903, number: 'A903', called_at: new Date().toISOString()},
        counter: {id: '1', name: 'Loket 1', zone: 'lantai-2', state: 'open', served: 0},
        announcement: {text: 'Nomor antrian', audio_url: '/audio/chime.wav'}})""")
    [entry] = wait_played(page, 1)
    [chime] = sources(page)
    assert entry["sound"] == "announcement" and entry["failure"] is None
    assert chime["chime"] and chime["offset"] == 0 and entry["timing"]["decoded"] is not None
    page.context.close()


def test_a_stale_chime_is_not_spliced_and_is_loaded_again(speaking_hub, browser):
    """A page holding another chime than the hub's (the hub changed it) plays the call's WAV whole after it,
    never cut at the wrong place, and fetches the hub's chime again."""
    hub = speaking_hub
    page = open_speaking_display(browser, hub)
    page.wait_for_function("() => displayPlayer.chimeBuffer !== null")
    length = page.evaluate("displayPlayer.chimeBuffer.length")
    page.evaluate("""() => {
        const ctx = displayPlayer.context, old = ctx.createBuffer(1, Math.round(ctx.sampleRate * 0.3), ctx.sampleRate);
        old.getChannelData(0).forEach((_, i, data) => { data[i] = 0.3 * Math.sin(i / 8); });
        displayPlayer.chimeBuffer = old;
    }""")
    hub.issue("A")
    call_next(hub, "1", hub.login())
    [entry] = wait_played(page, 1, timeout=60_000)
    old, whole = sources(page)
    assert entry["sound"] == "announcement" and old["duration"] == pytest.approx(0.3)
    assert whole["offset"] == 0 and whole["begin"] >= old["begin"] + 0.3 - 1e-6
    assert whole["duration"] == pytest.approx(wav_seconds(hub, entry["audio_url"]), abs=1e-3)
    page.wait_for_function("n => displayPlayer.chimeBuffer.length === n", arg=length)
    page.context.close()


def test_a_chime_rendered_at_another_rate_is_still_recognised(speaking_hub, browser):
    """The hub renders a call's chime at its voice's rate (16 kHz for an mbrola voice): a page holding the chime
    at 16 kHz still finds it at the start of a 22 kHz call and plays the rest from the chime's end, once."""
    hub = speaking_hub
    page = open_speaking_display(browser, hub)
    page.wait_for_function("() => displayPlayer.chimeBuffer !== null")
    page.evaluate("""async (data) => {
        const bytes = Uint8Array.from(atob(data), (c) => c.charCodeAt(0));
        displayPlayer.chimeBuffer = await displayPlayer.context.decodeAudioData(bytes.buffer);
    }""", base64.b64encode(wav_bytes(chime(16000))).decode())
    hub.issue("A")
    call_next(hub, "1", hub.login())
    [entry] = wait_played(page, 1, timeout=60_000)
    assert entry["sound"] == "announcement"
    assert_chime_then_rest(hub, page, sources(page), entry["audio_url"])
    page.context.close()


def test_without_a_chime_the_announcement_plays_whole(tmp_path, browser):
    """With `[audio] chime = false` the hub serves no chime (404): the page holds none and plays each call's WAV
    from its first sample."""
    if shutil.which("espeak-ng") is None:
        pytest.skip("espeak-ng is not installed")
    site = tmp_path / "site.toml"
    site.write_text(TEST_CONFIG.read_text(encoding="utf-8") + "\n[audio]\nchime = false\n", encoding="utf-8")
    hub = HubProcess(tmp_path / "data", config=site, audio=True).start()
    try:
        page = open_speaking_display(browser, hub)
        hub.issue("A")
        call_next(hub, "1", hub.login())
        [entry] = wait_played(page, 1, timeout=60_000)
        [whole] = sources(page)
        assert entry["sound"] == "announcement" and page.evaluate("displayPlayer.chimeBuffer") is None
        assert whole["offset"] == 0 and not whole["chime"]
        assert whole["duration"] == pytest.approx(wav_seconds(hub, entry["audio_url"]), abs=1e-3)
        page.context.close()
    finally:
        hub.stop()


def test_blocked_sound_is_unlocked_by_a_press_and_the_waiting_call_is_announced(speaking_hub, browser):
    """In a browser that wants a gesture, the TV reports `blocked` and shows the overlay while its call waits;
    one press plays it through the AudioContext (chime, then the rest) and the TV reports `on`."""
    hub = speaking_hub
    strict = browser.browser_type.launch(
        executable_path=CHROMIUM, args=["--no-sandbox", "--autoplay-policy=document-user-activation-required"])
    token = hub.login("koordinator", "1111")

    def reported(sound):
        devices = hub.request("GET", "/api/admin/health", token=token)[1]["devices"]
        return any(d["kind"] == "display" and d["zone"] == "lantai-3" and d["online"] and d["sound"] == sound
                   for d in devices)

    try:
        page = open_speaking_display(strict, hub, "zone=lantai-3")  # the other tests' TVs show lantai-2
        page.wait_for_selector("#unlock", state="visible")
        wait_for(lambda: reported("blocked"), timeout=15, what="the TV to report its sound blocked")
        hub.issue("C")
        called = call_next(hub, "4", hub.login("sari", "2345"))
        page.wait_for_function("() => displayPlayer.blocked && displayPlayer.queue.length === 1")
        assert sources(page) == []
        page.click("#unlock-button")
        [entry] = wait_played(page, 1, timeout=60_000)
        assert entry["number"] == called["number"] and entry["sound"] == "announcement"
        assert_chime_then_rest(hub, page, sources(page), entry["audio_url"])
        assert page.locator("#unlock").is_hidden()
        wait_for(lambda: reported("on"), timeout=15, what="the TV to report its sound on")
    finally:
        strict.close()
