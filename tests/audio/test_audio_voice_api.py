"""The voice pack's admin API on a hub with spoken calls: record, hear back, replace, delete, preview, refuse."""

from __future__ import annotations

import struct

import pytest

from audio.announcer import Announcer
from audio.engine import EspeakCliEngine
from audio.voicepack import MAX_UPLOAD_BYTES
from audio.wav import read_wav, wav_bytes
from config.site import dump_config, load_config
from tests.conftest import TEST_CONFIG, site_config, wait_for
from tests.hub.support import called_on_display, error_of, login, receive_json, receive_until, running

# "Nomor antrian, a, satu. Silakan menuju loket satu.": a call of A1 at Loket 1 of the test site.
A1_LOKET_1 = ("nomor_antrian", "huruf_a", "satu", "silakan_menuju", "loket")
WAV = {"Content-Type": "audio/wav"}
PIN_1111 = load_config(TEST_CONFIG).officers["koordinator"].pin_hash


def spoken(text: str, rate: int = 150) -> bytes:
    """A clip as a staff member would upload it: the words spoken by espeak-ng, as a WAV file."""
    return wav_bytes(EspeakCliEngine(rate, 1.0).synthesize(text, "id"))


@pytest.fixture(scope="module")
def recordings() -> dict[str, bytes]:
    texts = {"nomor_antrian": "nomor antrian", "huruf_a": "a", "satu": "satu", "silakan_menuju": "silakan menuju",
             "loket": "loket"}
    return {clip: spoken(text) for clip, text in texts.items()}


def voice_site(**audio):
    """The test site with the voice pack on, plus a DUKCAPIL koordinator (dewi, PIN 1111)."""
    officers = dump_config(load_config(TEST_CONFIG))["officers"]
    dewi = {"username": "dewi", "name": "Dewi Lestari", "role": "koordinator", "agency": "DUKCAPIL",
            "counters": ["1"], "pin_hash": PIN_1111}
    return site_config(audio={"voice_pack": True, **audio}, officers=[*officers, dewi])


@pytest.fixture
def hub(tmp_path):
    """An in-process hub with spoken calls (the real engine) and the voice pack switched on."""
    with running(tmp_path / "data", config=voice_site(), announcer_factory=lambda c, d: Announcer(c, d)) as client:
        yield client


def admin(client) -> dict:
    return login(client, "koordinator", "1111")


def clip_frames(client, headers, clip: str) -> bytes:
    response = client.get(f"/api/admin/voice/clips/{clip}", headers=headers)
    assert response.status_code == 200 and response.headers["content-type"] == "audio/wav", response.text
    return read_wav(response.content).frames


def test_a_recorded_pack_speaks_the_calls_and_a_new_recording_is_heard_at_once(hub, recordings):
    """Clips uploaded through the API make the next call's WAV; re-recording one gives the next call a new
    sound (a new URL), never the cached one."""
    headers = admin(hub)
    before = hub.get("/api/admin/voice", headers=headers).json()
    assert set(A1_LOKET_1) <= set(before["missing"])
    for clip in A1_LOKET_1:
        response = hub.put(f"/api/admin/voice/clips/{clip}", content=recordings[clip], headers={**headers, **WAV})
        assert response.status_code == 200, response.text
    pack = response.json()["voice_pack"]
    assert not set(A1_LOKET_1) & set(pack["missing"])
    assert all(row["present"] and row["seconds"] > 0.1 for row in pack["clips"] if row["id"] in A1_LOKET_1)

    called = called_on_display(hub, "A", "1")
    assert called["ticket"]["number"] == "A001"  # spoken "a, satu": leading zeros are not said
    first_url = called["announcement"]["audio_url"]
    first = hub.get(first_url)
    assert first.status_code == 200
    old_loket = clip_frames(hub, headers, "loket")
    assert old_loket in read_wav(first.content).frames  # the stored clip itself, sample for sample

    slower = spoken("loket", rate=100)
    response = hub.put("/api/admin/voice/clips/loket", content=slower, headers={**headers, **WAV})
    assert response.status_code == 200, response.text
    new_loket = clip_frames(hub, headers, "loket")
    assert new_loket != old_loket
    with hub.websocket_connect("/ws/display?zone=lantai-2") as ws:
        receive_json(ws)
        assert hub.post("/api/counters/1/recall", headers=login(hub)).status_code == 200
        recalled = receive_until(ws, "ticket.recalled")[-1]
    again_url = recalled["announcement"]["audio_url"]
    assert again_url != first_url
    frames = read_wav(hub.get(again_url).content).frames
    assert new_loket in frames and old_loket not in frames


def test_the_clip_list_says_what_to_record_for_this_site(hub):
    """Every clip with its words and group; the missing ones are those this site's calls need (its services'
    letters A, B, C, never Z); limits and a sample call for the preview come with it."""
    answer = hub.get("/api/admin/voice", headers=admin(hub)).json()
    rows = {row["id"]: row for row in answer["clips"]}
    assert answer["enabled"] is True
    assert rows["nomor_antrian"]["text"] == "Nomor antrian" and rows["nomor_antrian"]["group"] == "pembuka"
    assert {"huruf_a", "huruf_b", "huruf_c", "loket"} <= set(answer["missing"])
    assert "huruf_z" not in answer["missing"] and not rows["huruf_z"]["needed"]
    assert "panggilan_ulang" not in answer["missing"] and rows["panggilan_ulang"]["optional"]
    assert [g["title"] for g in answer["groups"]] == ["Pembuka", "Huruf", "Angka", "Penutup"]
    assert answer["limits"] == {"max_bytes": MAX_UPLOAD_BYTES, "max_seconds": 10.0}
    assert answer["sample"] == {"number": "A123", "counter": "1"}
    assert {"id": "4", "name": "Loket 4"} in answer["counters"]


def test_hear_back_and_delete_a_clip(hub, recordings):
    """A stored clip plays back as 22 050 Hz mono WAV; deleting it makes it missing again; a clip not recorded
    is a 404 clip_missing for both."""
    headers = admin(hub)
    hub.put("/api/admin/voice/clips/loket", content=recordings["loket"], headers={**headers, **WAV})
    pcm = read_wav(hub.get("/api/admin/voice/clips/loket", headers=headers).content)
    assert pcm.rate == 22050 and 0.1 < pcm.duration < 2
    deleted = hub.delete("/api/admin/voice/clips/loket", headers=headers)
    assert deleted.status_code == 200 and "loket" in deleted.json()["voice_pack"]["missing"]
    assert deleted.json()["message"] == "Klip suara \u201cLoket\u201d dihapus."
    for method in ("GET", "DELETE"):
        response = hub.request(method, "/api/admin/voice/clips/loket", headers=headers)
        assert error_of(response) == (404, "clip_missing")
        assert response.json()["error"]["message"] == "Klip \u201cLoket\u201d belum direkam."


def test_bad_uploads_get_a_clear_error_and_change_nothing(hub, recordings):
    """Not a WAV, a float WAV, too large (with and without Content-Length), the wrong media type, an unknown
    clip: each refused with its own code and an Indonesian message; nothing stored, nothing audited."""
    headers = {**admin(hub), **WAV}
    float_wav = recordings["loket"][:20] + struct.pack("<H", 3) + recordings["loket"][22:]

    def chunks():
        yield recordings["loket"]
        yield bytes(MAX_UPLOAD_BYTES)

    cases = [
        ("loket", {"content": b"ID3\x04" + bytes(4000)}, headers, 422, "not_wav", "bukan WAV"),
        ("loket", {"content": b"halo"}, headers, 422, "not_wav", "bukan WAV"),
        ("loket", {"content": float_wav}, headers, 422, "unsupported_format", "PCM"),
        ("loket", {"content": recordings["loket"] + bytes(MAX_UPLOAD_BYTES)}, headers, 413, "too_large",
         "maksimal 5 MB untuk satu klip"),
        ("loket", {"content": chunks()}, headers, 413, "too_large", "maksimal 5 MB untuk satu klip"),
        ("loket", {"content": recordings["loket"]}, {**headers, "Content-Type": "application/json"}, 415,
         "unsupported_media_type", "audio/wav"),
        ("loket", {"content": recordings["loket"]}, {**headers, "Content-Type": "audio/mpeg"}, 415,
         "unsupported_media_type", "berkas WAV"),
        ("lokett", {"content": recordings["loket"]}, headers, 404, "unknown_clip", "tidak dikenal"),
        ("..loket", {"content": recordings["loket"]}, headers, 404, "unknown_clip", "tidak dikenal"),
    ]
    for clip, body, sent, status, code, words in cases:
        response = hub.put(f"/api/admin/voice/clips/{clip}", headers=sent, **body)
        assert error_of(response) == (status, code), (clip, code, response.text)
        assert words in response.json()["error"]["message"], response.text
    assert hub.get("/api/admin/voice/clips/loket", headers=headers).status_code == 404
    assert error_of(hub.delete("/api/admin/voice/clips/nope", headers=headers)) == (404, "unknown_clip")
    entries = hub.get("/api/admin/audit?action=voice", headers=headers).json()["entries"]
    assert entries == []


def test_only_an_admin_manages_the_voice(hub, recordings):
    """No session: 401. A petugas and a koordinator: 403 role_not_allowed on every endpoint."""
    requests = [("GET", "/api/admin/voice", {}), ("GET", "/api/admin/voice/clips/loket", {}),
                ("PUT", "/api/admin/voice/clips/loket", {"content": recordings["loket"]}),
                ("DELETE", "/api/admin/voice/clips/loket", {}),
                ("POST", "/api/admin/voice/preview", {"json": {"number": "A1", "counter": "1"}})]
    petugas, koordinator = login(hub), login(hub, "dewi", "1111")
    for method, path, body in requests:
        assert error_of(hub.request(method, path, headers=WAV, **body))[0] == 401, path
        for who in (petugas, koordinator):
            response = hub.request(method, path, headers={**who, **WAV}, **body)
            assert error_of(response) == (403, "role_not_allowed"), path
            assert response.json()["error"]["message"].startswith("Hanya admin yang dapat melakukan ini.")
    assert not (hub.app.state.announcer.voice_pack.clip_ids())


def test_every_clip_change_is_in_the_audit_log(hub, recordings):
    """Recording, replacing and deleting a clip each leave an entry: who, from where, which clip, how long."""
    headers = admin(hub)
    saved = hub.put("/api/admin/voice/clips/satu", content=recordings["satu"], headers={**headers, **WAV}).json()
    hub.put("/api/admin/voice/clips/satu", content=spoken("satu", 110), headers={**headers, **WAV})
    hub.delete("/api/admin/voice/clips/satu", headers=headers)
    entries = hub.get("/api/admin/audit?action=voice", headers=headers).json()["entries"]
    assert [e["action"] for e in entries] == ["voice.clip_deleted", "voice.clip_saved", "voice.clip_saved"]
    deleted, replaced, first = entries
    assert first["summary"] == saved["message"]
    assert saved["message"].startswith("Klip suara \u201cSatu\u201d disimpan (")
    assert replaced["summary"].startswith("Klip suara \u201cSatu\u201d diganti (") and replaced["detail"]["replaced"]
    assert deleted["summary"] == "Klip suara \u201cSatu\u201d dihapus." and deleted["detail"] == {"clip": "satu"}
    assert {e["officer"] for e in entries} == {"koordinator"} and all(e["address"] for e in entries)
    assert first["detail"]["clip"] == "satu" and first["detail"]["seconds"] > 0.1 and not first["detail"]["replaced"]


def test_preview_says_which_clips_a_call_still_needs(hub, recordings):
    """A preview names the clips missing for that call (then the engine speaks it, as a real call would), and is
    assembled from the clips once they are there; a bad number or counter is refused."""
    headers = admin(hub)
    asked = {"number": "a1", "counter": "1"}
    engine = hub.post("/api/admin/voice/preview", json=asked, headers=headers).json()
    assert engine["text"] == "Nomor antrian, a, satu. Silakan menuju loket satu."
    assert not engine["from_clips"] and engine["missing"] == list(A1_LOKET_1) and engine["unsayable"] == []
    assert hub.get(engine["audio_url"]).status_code == 200
    for clip in A1_LOKET_1:
        hub.put(f"/api/admin/voice/clips/{clip}", content=recordings[clip], headers={**headers, **WAV})
    recorded = hub.post("/api/admin/voice/preview", json=asked, headers=headers).json()
    assert recorded["from_clips"] and recorded["missing"] == [] and recorded["audio_url"] != engine["audio_url"]
    sound = read_wav(hub.get(recorded["audio_url"]).content)
    assert clip_frames(hub, headers, "silakan_menuju") in sound.frames
    refusals = [({"number": "123", "counter": "1"}, 422, "invalid_field", "misalnya A123"),
                ({"number": "A1"}, 422, "missing_field", "'counter'"),
                ({"number": "A1", "counter": "99"}, 404, "unknown_counter", "'99'")]
    for body, status, code, words in refusals:
        response = hub.post("/api/admin/voice/preview", json=body, headers=headers)
        assert error_of(response) == (status, code) and words in response.json()["error"]["message"]


def test_no_preview_when_calls_are_not_spoken(tmp_path, recordings):
    """With `[audio] output = "off"` clips are still recorded and heard back, but a preview is a 409."""
    with running(tmp_path / "data", config=voice_site(output="off"),
                 announcer_factory=lambda c, d: Announcer(c, d)) as client:
        headers = admin(client)
        assert client.put("/api/admin/voice/clips/loket", content=recordings["loket"],
                          headers={**headers, **WAV}).status_code == 200
        assert client.get("/api/admin/voice/clips/loket", headers=headers).status_code == 200
        response = client.post("/api/admin/voice/preview", json={"number": "A1", "counter": "1"}, headers=headers)
        assert error_of(response) == (409, "audio_off") and "audio.output" in response.json()["error"]["message"]


def test_clips_stay_when_the_announcer_is_rebuilt(hub, recordings):
    """A configuration change that rebuilds the announcer (a counter renamed) keeps the recorded clips and the
    voice API working on the new one."""
    headers = admin(hub)
    hub.put("/api/admin/voice/clips/loket", content=recordings["loket"], headers={**headers, **WAV})
    live = hub.app.state.announcer
    first = live.current
    current = hub.get("/api/admin/config", headers=headers).json()
    config = current["config"]
    config["counters"][0]["name"] = "Loket Satu"
    response = hub.put("/api/admin/config", json={"version": current["version"], "config": config}, headers=headers)
    assert response.status_code == 200, response.text
    wait_for(lambda: live.current is not first, what="the announcer to be replaced")
    answer = hub.get("/api/admin/voice", headers=headers).json()
    assert next(row for row in answer["clips"] if row["id"] == "loket")["present"]
    assert {"id": "1", "name": "Loket Satu"} in answer["counters"]
