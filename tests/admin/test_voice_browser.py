"""/admin/voice in real Chromium with a fake microphone, against a real hub with spoken calls: record a clip,
hear it back, save it, upload a WAV file, preview a call, switch the recorded voice on."""

from __future__ import annotations

import urllib.request
from pathlib import Path

import pytest

from audio.engine import EspeakCliEngine
from audio.wav import read_wav, wav_bytes
from tests.conftest import HubProcess, chromium, wait_for

pytestmark = [pytest.mark.browser, pytest.mark.e2e]

CONSOLE = {"width": 1366, "height": 768}


def spoken(text: str) -> bytes:
    return wav_bytes(EspeakCliEngine(150, 1.0).synthesize(text, "id"))


@pytest.fixture(scope="module")
def microphone(tmp_path_factory) -> Path:
    """What the fake microphone hears, over and over: "loket", spoken by espeak-ng."""
    path = tmp_path_factory.mktemp("microphone") / "loket.wav"
    path.write_bytes(spoken("loket"))
    return path


@pytest.fixture(scope="module")
def browser(microphone):
    """Chromium with a fake microphone (the file above) that it may use without asking."""
    with chromium("--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
                  f"--use-file-for-fake-audio-capture={microphone}") as instance:
        yield instance


@pytest.fixture
def hub(tmp_path):
    """A real hub with spoken calls (the voice pack starts empty and switched off)."""
    process = HubProcess(tmp_path / "data", audio=True).start()
    yield process
    process.stop()


def open_page(browser, hub: HubProcess, username: str = "koordinator", pin: str = "1111"):
    page = browser.new_page(viewport=CONSOLE)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(hub.url + "/admin/voice")
    page.fill("#username", username)
    page.fill("#pin", pin)
    page.click("#login-button")
    page.wait_for_selector("#app:not([hidden])")
    return page, errors


def stored_clip(hub: HubProcess, token: str, clip: str):
    request = urllib.request.Request(f"{hub.url}/api/admin/voice/clips/{clip}",
                                     headers={"Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return read_wav(response.read())


def test_record_a_clip_with_the_microphone_hear_it_and_save_it(hub, browser, screenshots):
    """The missing "Loket" is recorded with the PC's microphone, heard back, saved: the page then shows it
    recorded and no longer missing, the hub holds it and the audit log says who recorded it."""
    page, errors = open_page(browser, hub)
    row = page.locator("tr[data-clip=loket]")
    row.and_(page.locator("[data-state=missing]")).wait_for()
    assert page.locator("#missing .chip", has_text="Loket").count() == 1
    assert "Belum direkam" in row.locator(".badge").text_content()
    page.screenshot(path=screenshots / "voice-pack-missing.png", full_page=False)

    page.locator("#missing .chip", has_text="Loket").click()  # jumps to the row
    row.locator("button.record").click()
    page.wait_for_selector("#timer")
    page.wait_for_function("() => /Merekam… [1-9]/.test(document.getElementById('timer').textContent)")
    page.wait_for_function("() => document.getElementById('level').value > 0.01")  # the microphone is heard
    page.screenshot(path=screenshots / "voice-pack-recording.png")
    row.locator("button.stop").click()
    take = row.locator("audio.take")
    take.wait_for()
    page.wait_for_function("(a) => a.duration >= 1 && a.duration <= 10", arg=take.element_handle())
    take.evaluate("(a) => a.play()")  # heard back before saving
    page.wait_for_function("(a) => a.currentTime > 0", arg=take.element_handle())
    assert "simpan atau rekam ulang" in row.text_content()

    row.locator("button.save").click()
    row.and_(page.locator("[data-state=present]")).wait_for()
    assert "Klip suara \u201cLoket\u201d disimpan (" in row.text_content()
    assert "Sudah direkam" in row.locator(".badge").text_content()
    assert page.locator("#missing .chip", has_text="Loket").count() == 0
    page.screenshot(path=screenshots / "voice-pack-recorded.png")

    token = hub.login("koordinator", "1111")
    clip = stored_clip(hub, token, "loket")
    assert clip.rate == 22050 and 0.2 < clip.duration <= 10
    entries = hub.request("GET", "/api/admin/audit?action=voice", token=token)[1]["entries"]
    assert [(e["action"], e["officer"]) for e in entries] == [("voice.clip_saved", "koordinator")]

    row.locator("button.listen").click()  # the stored clip, as the hall will hear it
    page.wait_for_function("() => window.MppVoice.player.currentTime > 0")
    assert row.locator(".message.error").count() == 0
    assert not errors, errors
    page.close()


def test_upload_a_wav_file_and_a_wrong_file_through_the_page_then_delete(hub, browser, tmp_path):
    """A WAV file chosen for "Satu" is stored; a text file chosen for "Dua" gets the hub's refusal in its row
    and "Dua" stays missing; deleting "Satu" (after confirming) makes it missing again."""
    good = tmp_path / "satu.wav"
    good.write_bytes(spoken("satu"))
    wrong = tmp_path / "dua.wav"
    wrong.write_text("bukan rekaman")
    page, errors = open_page(browser, hub)
    satu, dua = page.locator("tr[data-clip=satu]"), page.locator("tr[data-clip=dua]")
    satu.locator("input.file").set_input_files(str(good))
    satu.and_(page.locator("[data-state=present]")).wait_for()
    assert "Klip suara \u201cSatu\u201d disimpan (" in satu.text_content()
    dua.locator("input.file").set_input_files(str(wrong))
    dua.locator(".message.error").wait_for()
    assert "bukan WAV" in dua.locator(".message.error").text_content()
    assert dua.get_attribute("data-state") == "missing"
    token = hub.login("koordinator", "1111")
    assert stored_clip(hub, token, "satu").duration > 0.1

    satu.locator("button.delete").click()
    page.wait_for_selector("#delete-dialog[open]")
    assert page.text_content("#delete-title") == "Hapus rekaman \u201cSatu\u201d?"
    page.click("#delete-ok")
    satu.and_(page.locator("[data-state=missing]")).wait_for()
    assert "Klip suara \u201cSatu\u201d dihapus." in satu.text_content()
    assert page.locator("#missing .chip", has_text="Satu").count() == 1
    assert not errors, errors
    page.close()


def test_preview_a_call_and_switch_the_recorded_voice_on(hub, browser):
    """The preview plays a whole call and says the engine speaks it while words are missing; the switch turns
    `[audio] voice_pack` on as the next configuration version."""
    page, errors = open_page(browser, hub)
    # The console is shown at the log-in; the sample number comes with the pack, a request later.
    page.wait_for_function("() => document.getElementById('preview-number').value === 'A123'")
    page.select_option("#preview-counter", "3")
    page.click("#preview-play")
    page.wait_for_function("() => document.getElementById('preview-audio').currentTime > 0")
    assert "Diucapkan mesin suara, karena kata berikut belum direkam: Nomor antrian" in page.text_content(
        "#preview-source")
    assert page.text_content("#preview-text") == "\u201cNomor antrian, a, seratus dua puluh tiga. Silakan menuju " \
                                                  "loket tiga.\u201d"

    assert not page.is_checked("#enabled")
    page.check("#enabled")
    page.wait_for_selector("#enabled-message.ok")
    assert "pengaturan versi 2" in page.text_content("#enabled-message")
    token = hub.login("koordinator", "1111")
    wait_for(lambda: hub.request("GET", "/api/admin/voice", token=token)[1]["enabled"], what="the switch")
    assert hub.request("GET", "/api/admin/config", token=token)[1]["config"]["audio"]["voice_pack"] is True
    assert not errors, errors
    page.close()


def test_a_petugas_gets_the_hubs_refusal(hub, browser):
    """An officer who is not an admin sees why the page is not theirs, and no clip list."""
    page, errors = open_page(browser, hub, "budi", "1234")
    page.wait_for_selector("#notice:not([hidden])")
    assert page.text_content("#notice") == "Hanya admin yang dapat melakukan ini. Anda masuk sebagai petugas."
    assert page.locator("tr[data-clip]").count() == 0
    assert not errors, errors
    page.close()


def test_the_console_links_to_the_voice_page_in_the_same_session(hub, browser):
    """The admin console's navigation leads to /admin/voice, which opens without a second log-in."""
    page = browser.new_page(viewport=CONSOLE)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(hub.url + "/admin")
    page.fill("#username", "koordinator")
    page.fill("#pin", "1111")
    page.click("#login-button")
    link = page.locator("#nav a.nav-item", has_text="Suara panggilan")
    link.click()
    page.wait_for_url("**/admin/voice")
    page.wait_for_selector("tr[data-clip=nomor_antrian]")
    assert page.is_hidden("#login-screen")
    assert page.get_attribute(".area-nav a[aria-current=page]", "href") == "/admin/voice"
    assert not errors, errors
    page.close()


def test_recording_stops_by_itself_at_the_hubs_limit(hub, browser):
    """A take left running stops at the hub's 10 s, says so, and is still accepted by the hub."""
    page, errors = open_page(browser, hub)
    row = page.locator("tr[data-clip=nomor_antrian]")
    row.locator("button.record").click()
    take = row.locator("audio.take")
    take.wait_for(timeout=30_000)
    assert "Perekaman berhenti di batas 10,0 detik." in row.text_content()
    page.wait_for_function("(a) => a.duration === 10", arg=take.element_handle())
    row.locator("button.save").click()
    row.and_(page.locator("[data-state=present]")).wait_for()
    assert not errors, errors
    page.close()
