"""The hall's own voice: clips checked and stored, calls assembled from them, the engine when one is missing."""

from __future__ import annotations

import struct

import pytest
import pytest_asyncio
from conftest import counter, make_site, ticket

from audio.announcer import Announcer
from audio.chime import chime
from audio.engine import EspeakCliEngine
from audio.synthesizer import CHIME_GAP
from audio.voicepack import (
    CLIP_RATE,
    CLIPS,
    COMMA_GAP,
    MAX_UPLOAD_BYTES,
    SENTENCE_GAP,
    TARGET_RMS,
    WORD_GAP,
    ClipError,
    VoicePack,
)
from audio.wav import read_wav, rms, wav_bytes

A123_LOKET_20 = ["nomor_antrian", "huruf_a", "seratus", "dua", "puluh", "tiga", "silakan_menuju", "loket", "dua",
                 "puluh"]


def key_of(result: dict) -> str:
    return result["audio_url"].removeprefix("/audio/").removesuffix(".wav")


@pytest.fixture(scope="module")
def recorded() -> dict[str, bytes]:
    """A generated voice pack: every clip spoken by espeak-ng, as a staff member would upload it."""
    engine = EspeakCliEngine(150, 1.0)
    return {spec.id: wav_bytes(engine.synthesize(spec.text, "id")) for spec in CLIPS}


@pytest.fixture
def pack_dir(tmp_path):
    return tmp_path / "voice-pack"


def filled(pack_dir, recorded, leave_out=()) -> VoicePack:
    pack = VoicePack(pack_dir)
    for clip_id, data in recorded.items():
        if clip_id not in leave_out:
            pack.store(clip_id, data)
    return pack


@pytest_asyncio.fixture
async def speaking(pack_dir, cache_dir):
    """Announcers with the voice pack switched on, stopped at the end."""
    started = []

    async def make(**audio) -> Announcer:
        a = Announcer(make_site({"voice_pack": True, "voice_pack_dir": str(pack_dir), **audio}), cache_dir)
        await a.start()
        started.append(a)
        return a

    yield make
    for a in started:
        await a.stop()


def wav_with(rate: int, channels: int, bits: int, samples: list[int], tag: int = 1) -> bytes:
    """A WAV written by hand, as another recorder would."""
    width = bits // 8
    if bits == 8:
        data = bytes(128 + (s >> 8) for s in samples for _ in range(channels))
    else:
        data = b"".join(int(s << (bits - 16)).to_bytes(width, "little", signed=True)
                        for s in samples for _ in range(channels))
    fmt = struct.pack("<HHIIHH", tag, channels, rate, rate * channels * width, channels * width, bits)
    body = b"WAVE" + b"fmt " + struct.pack("<I", len(fmt)) + fmt + b"data" + struct.pack("<I", len(data)) + data
    return b"RIFF" + struct.pack("<I", len(body)) + body


def tone(seconds: float, level: float, rate: int = 48000, quiet: float = 0.3) -> list[int]:
    """`seconds` of a 220 Hz vowel-like tone at `level` (0..1) between `quiet` seconds of silence."""
    import math

    pad = [0] * int(quiet * rate)
    sound = [int(32767 * level * math.sin(2 * math.pi * 220 * i / rate)) for i in range(int(seconds * rate))]
    return pad + sound + pad


@pytest.mark.asyncio
async def test_a123_loket_20_is_assembled_from_the_clips_in_order(speaking, pack_dir, recorded, site):
    """A generated pack says "A123, loket 20" as one WAV: the chime, then each clip's exact samples in the
    order of the words, with silence of the expected length between them."""
    pack = filled(pack_dir, recorded)
    a = await speaking()
    result = a.announce(ticket("A123"), counter("20", site))
    assert result["text"] == "Nomor antrian, a, seratus dua puluh tiga. Silakan menuju loket dua puluh."
    assert await a.wait_ready(key_of(result)) == "ready"
    sound = read_wav(a.cache.path(key_of(result)))
    assert sound.rate == CLIP_RATE
    ding = chime(CLIP_RATE).frames
    assert sound.frames.startswith(ding + bytes(2 * int(CLIP_RATE * CHIME_GAP)))
    clips = {clip_id: read_wav(pack.path(clip_id)).frames for clip_id in A123_LOKET_20}
    pauses = [COMMA_GAP, COMMA_GAP, WORD_GAP, WORD_GAP, WORD_GAP, SENTENCE_GAP, WORD_GAP, WORD_GAP, WORD_GAP]
    at = len(ding) + 2 * int(CLIP_RATE * CHIME_GAP)
    for i, clip_id in enumerate(A123_LOKET_20):
        assert sound.frames.find(clips[clip_id], at) == at, f"clip {i} ({clip_id}) is not where it belongs"
        at += len(clips[clip_id])
        if i < len(pauses):
            gap = 2 * int(CLIP_RATE * pauses[i])
            assert sound.frames[at:at + gap] == bytes(gap), f"no silence after clip {i} ({clip_id})"
            at += gap
    assert at == len(sound.frames)  # nothing else in the call
    assert a.health()["voice_pack"] == {"enabled": True, "clips": len(CLIPS)}


@pytest.mark.asyncio
async def test_a_missing_clip_makes_the_engine_say_the_whole_phrase(speaking, pack_dir, recorded, site):
    """Without the "loket" clip the call is spoken by the engine, whole: no recorded clip in it."""
    filled(pack_dir, recorded, leave_out={"loket"})
    a = await speaking()
    result = a.announce(ticket("A123"), counter("20", site))
    assert await a.wait_ready(key_of(result)) == "ready"
    sound = read_wav(a.cache.path(key_of(result))).frames
    opening = read_wav(pack_dir / "nomor_antrian.wav").frames
    assert opening not in sound and rms(read_wav(a.cache.path(key_of(result)))) > 0.02
    assert a.voice_pack_status()["missing"] == ["loket"]


@pytest.mark.asyncio
async def test_a_word_without_a_clip_falls_back_too(speaking, pack_dir, recorded, cache_dir):
    """A counter named with a word no clip says ("Meja") is spoken by the engine; the page can list it."""
    filled(pack_dir, recorded)
    a = await speaking()
    named = {"id": "1", "name": "Meja 1", "zone": "lantai-2"}
    assert a.voice_pack.plan(a.phrasebook.text(ticket("A1"), named)) is None
    result = a.announce(ticket("A1"), named)
    assert await a.wait_ready(key_of(result)) == "ready"
    opening = read_wav(pack_dir / "nomor_antrian.wav").frames
    assert opening not in read_wav(a.cache.path(key_of(result))).frames


@pytest.mark.asyncio
async def test_voice_pack_off_uses_the_engine(pack_dir, recorded, cache_dir, site):
    """With voice_pack = false (the default) recorded clips are kept but calls are spoken by the engine."""
    filled(pack_dir, recorded)
    a = Announcer(make_site({"voice_pack_dir": str(pack_dir)}), cache_dir)
    await a.start()
    try:
        result = a.announce(ticket("A123"), counter("20", site))
        assert await a.wait_ready(key_of(result)) == "ready"
        assert read_wav(pack_dir / "nomor_antrian.wav").frames not in read_wav(a.cache.path(key_of(result))).frames
        assert a.voice_pack_status()["enabled"] is False
    finally:
        await a.stop()


@pytest.mark.asyncio
async def test_a_re_recorded_clip_changes_the_call_and_a_restart_does_not(speaking, pack_dir, recorded, site):
    """Re-recording a clip gives the call a new sound; reloading the same clips gives the same, cached one."""
    filled(pack_dir, recorded)
    a = await speaking()
    first = a.announce(ticket("A5"), counter("1", site))
    assert await a.wait_ready(key_of(first)) == "ready"
    b = await speaking()
    assert b.announce(ticket("A5"), counter("1", site)) == first and b.key_state(key_of(first)) == "ready"
    b.voice_pack.store("lima", recorded["enam"])
    again = b.announce(ticket("A5"), counter("1", site))
    assert again["audio_url"] != first["audio_url"] and again["text"] == first["text"]


@pytest.mark.asyncio
async def test_recall_starts_with_the_recall_clip_when_recorded(speaking, pack_dir, recorded, site):
    """The optional "panggilan ulang" clip opens a recall; without it a recall sounds like the first call."""
    filled(pack_dir, recorded, leave_out={"panggilan_ulang"})
    a = await speaking()
    call = a.announce(ticket("A5"), counter("1", site))
    assert a.announce(ticket("A5"), counter("1", site), recall=True) == call
    assert "panggilan_ulang" not in a.voice_pack_status()["missing"]  # optional: never missing
    a.voice_pack.store("panggilan_ulang", recorded["panggilan_ulang"])
    recall = a.announce(ticket("A5"), counter("1", site), recall=True)
    assert recall["audio_url"] != call["audio_url"]
    assert await a.wait_ready(key_of(recall)) == "ready"
    opening = read_wav(pack_dir / "panggilan_ulang.wav").frames
    ding = chime(CLIP_RATE).frames + bytes(2 * int(CLIP_RATE * CHIME_GAP))
    assert read_wav(a.cache.path(key_of(recall))).frames.startswith(ding + opening)


def test_clip_list_shows_what_the_site_needs_and_what_is_missing(pack_dir, recorded, cache_dir):
    """The list has every clip with what to say; `missing` names the needed ones not recorded yet."""
    a = Announcer(make_site({"voice_pack_dir": str(pack_dir)}), cache_dir)
    empty = a.voice_pack_status()
    rows = {row["id"]: row for row in empty["clips"]}
    assert len(rows) == len(CLIPS) and rows["nomor_antrian"]["text"] == "Nomor antrian"
    assert rows["huruf_h"]["needed"] and not rows["huruf_z"]["needed"]  # services A, C, H, E, PR; no Z
    assert rows["huruf_u"]["needed"]  # "UPT Loket 21" is spelled "u pe te"
    assert rows["sebelas"]["needed"] and not rows["nol"]["needed"]  # words mode never says "nol"
    assert "nomor_antrian" in empty["missing"] and "panggilan_ulang" not in empty["missing"]
    filled(pack_dir, recorded, leave_out={"loket", "huruf_z"})
    a.voice_pack.load()
    assert a.voice_pack_status()["missing"] == ["loket"]
    assert {row["id"]: row for row in a.voice_pack_status()["clips"]}["huruf_a"]["present"] is True
    assert a.voice_pack_status()["unsayable"] == []


def test_store_evens_out_loudness_and_trims_silence(pack_dir):
    """A quiet and a loud 48 kHz stereo 24-bit recording are stored at the same speech level, 22.05 kHz mono,
    without their leading and trailing silence."""
    pack = VoicePack(pack_dir)
    quiet = pack.store("satu", wav_with(48000, 2, 24, tone(0.5, 0.03)))
    loud = pack.store("dua", wav_with(48000, 2, 24, tone(0.5, 0.7)))
    for clip in (quiet, loud):
        assert clip.pcm.rate == CLIP_RATE and 0.5 <= clip.pcm.duration <= 0.6  # 0.3 s of silence each side gone
        assert abs(rms(clip.pcm) - TARGET_RMS) < 0.15 * TARGET_RMS
        assert read_wav(pack.path(clip.id)).frames == clip.pcm.frames
    assert set(pack.clip_ids()) == {"satu", "dua"}


def test_uploads_that_are_not_wav_are_refused_in_indonesian(pack_dir):
    """An MP3, a text file, a float WAV and a truncated file are refused with a message the staff can act on."""
    pack = VoicePack(pack_dir)
    cases = {
        b"ID3\x04\x00\x00\x00\x00\x00\x00" + bytes(2000): ("not_wav", "bukan WAV"),
        b"Nomor antrian": ("not_wav", "bukan WAV"),
        wav_with(44100, 1, 32, tone(0.5, 0.3, 44100), tag=3): ("unsupported_format", "PCM 16-bit"),
        wav_with(44100, 1, 16, tone(0.5, 0.3, 44100))[:40]: ("damaged_wav", "rusak"),
    }
    for data, (code, words) in cases.items():
        with pytest.raises(ClipError) as caught:
            pack.store("satu", data)
        assert (caught.value.code, caught.value.status) == (code, 422) and words in caught.value.message
    assert pack.clip_ids() == set() and not pack.path("satu").exists()


def test_oversized_long_silent_and_unknown_uploads_are_refused(pack_dir):
    """Too big (413), too long, silent and an unknown clip name (404) each get their own clear message."""
    pack = VoicePack(pack_dir)
    huge = wav_with(48000, 2, 16, [0] * 10) + bytes(MAX_UPLOAD_BYTES)
    cases = [
        ("satu", huge, "too_large", 413, "(5,0 MB); maksimal 5 MB"),
        ("satu", wav_with(8000, 1, 16, tone(11, 0.3, 8000, quiet=0)), "too_long", 422,
         "(11,0 detik); satu klip paling lama 10 detik"),
        ("satu", wav_with(22050, 1, 16, [3] * 22050), "silent", 422, "periksa mikrofon"),
        ("satu", wav_with(22050, 1, 16, tone(0.02, 0.5, 22050, quiet=0.2)), "too_short", 422, "terlalu pendek"),
        ("../etc/passwd", wav_with(22050, 1, 16, tone(0.5, 0.3, 22050)), "unknown_clip", 404, "tidak dikenal"),
    ]
    for clip_id, data, code, status, words in cases:
        with pytest.raises(ClipError) as caught:
            pack.store(clip_id, data)
        assert (caught.value.code, caught.value.status) == (code, status), code
        assert words in caught.value.message
    assert not pack_dir.exists() or not any(pack_dir.iterdir())


def test_delete_and_play_back(pack_dir, recorded):
    """A stored clip plays back as WAV; deleting it removes the file; a missing clip is a 404 error."""
    pack = filled(pack_dir, {"loket": recorded["loket"]})
    assert read_wav(pack.clip_wav("loket")).frames == read_wav(pack.path("loket")).frames
    assert pack.delete("loket") is True and not pack.path("loket").exists()
    assert pack.delete("loket") is False
    with pytest.raises(ClipError) as caught:
        pack.clip_wav("loket")
    assert caught.value.status == 404 and "belum direkam" in caught.value.message


def test_a_hand_copied_clip_is_prepared_and_a_broken_one_reported(pack_dir):
    """Files put in the folder by hand are checked at load: a good one is prepared, a bad one listed as invalid."""
    pack_dir.mkdir(parents=True)
    (pack_dir / "tiga.wav").write_bytes(wav_with(44100, 1, 16, tone(0.4, 0.5, 44100)))
    (pack_dir / "empat.wav").write_bytes(b"not a wav at all")
    pack = VoicePack(pack_dir)
    pack.load()
    assert pack.clip_ids() == {"tiga"}
    assert "bukan WAV" in pack.status()["invalid"]["empat"]
    assert read_wav(pack.clip_wav("tiga")).rate == CLIP_RATE


def test_a_hand_copied_clip_at_the_packs_own_format_is_checked_and_prepared_too(pack_dir):
    """A file copied in by hand already at 22.05 kHz mono 16-bit is checked like an upload: a silent one is
    listed as invalid (not used in calls), a padded one is trimmed and evened out; a clip store() wrote is
    loaded as it is, with the same sound."""
    pack_dir.mkdir(parents=True)
    (pack_dir / "satu.wav").write_bytes(wav_with(CLIP_RATE, 1, 16, [0] * CLIP_RATE))
    (pack_dir / "dua.wav").write_bytes(wav_with(CLIP_RATE, 1, 16, tone(0.5, 0.02, CLIP_RATE, quiet=0.4)))
    VoicePack(pack_dir).store("tiga", wav_with(48000, 1, 16, tone(0.5, 0.5)))
    pack = VoicePack(pack_dir)
    pack.load()
    assert pack.clip_ids() == {"dua", "tiga"}
    assert "periksa mikrofon" in pack.status()["invalid"]["satu"]
    dua = read_wav(pack.clip_wav("dua"))
    assert 0.5 <= dua.duration <= 0.6 and abs(rms(dua) - TARGET_RMS) < 0.15 * TARGET_RMS  # 0.8 s of quiet gone
    again = VoicePack(pack_dir)
    again.load()
    assert again.clip_wav("tiga") == pack.clip_wav("tiga") and again.plan("tiga").key == pack.plan("tiga").key
