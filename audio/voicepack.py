"""The hall's own voice: recorded clips, stored on the hub and assembled into one WAV per call.

A voice pack is a folder of WAV clips, one per entry of `CLIPS`: the opening
("Nomor antrian"), each letter name, the number words of the Indonesian
reading, "silakan menuju", "loket" and, optionally, "panggilan ulang" for
recalls. A call whose every word has a clip is assembled from them with
short pauses; a call with any word missing is spoken whole by the engine,
never half recorded and half synthetic.

Clips are checked when stored (`store`): a real RIFF/WAVE PCM file, at most
MAX_UPLOAD_BYTES and MAX_SECONDS, with audible sound. They are stored
prepared for assembly: mono 16-bit at CLIP_RATE, leading and trailing
silence trimmed, loudness evened out to TARGET_RMS, so that what the staff
member hears back is what the hall will hear. Errors are `ClipError` with an
Indonesian message for the staff member and the HTTP status an endpoint
should answer.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import math
import os
import re
import struct
import threading
from array import array
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from audio import riff
from audio.phrase import LETTER_NAMES
from audio.wav import Pcm, from_samples, resample, silence, wav_bytes, write_atomic

log = logging.getLogger("audio")

CLIP_RATE = 22050  # the chime's and espeak-ng's rate: a call is joined without converting anything
MAX_UPLOAD_BYTES = 5 * 1024 * 1024  # a 10 s clip is ~1 MB at 48 kHz 16-bit stereo
MAX_SECONDS = 10.0  # a clip is a word or two; longer is a wrong file
MIN_SPEECH_SECONDS = 0.08  # after trimming silence
WINDOW = 0.01  # seconds per loudness window
SILENCE_FLOOR = 0.004  # RMS (0..1) below which a window is silence whatever the clip's level
SILENCE_SHARE = 0.06  # ... or below this share of the clip's loudest window
EDGE = 0.03  # seconds of the quiet kept before and after the speech, so no consonant is clipped
FADE = 0.005  # seconds of fade at each end, so joins do not click
TARGET_RMS = 0.1  # loudness of the speech in every clip (about -20 dBFS), the level espeak-ng speaks at
PEAK_LIMIT = 0.89  # about -1 dBFS: evening out never makes a clip clip

# Pauses between clips, in seconds: between words, at a comma, at the end of a sentence.
WORD_GAP, COMMA_GAP, SENTENCE_GAP = 0.08, 0.3, 0.5
PAUSES = {",": COMMA_GAP, ";": COMMA_GAP, ":": COMMA_GAP, ".": SENTENCE_GAP, "!": SENTENCE_GAP, "?": SENTENCE_GAP}
ASSEMBLY_VERSION = 1  # part of the cache key: bump when the pauses or the joining change
VOICE_PACK_POLL = 2.0  # seconds between looks at the folder for clips stored by another process or by hand
STAMP_CHUNK = b"mppv"  # the RIFF chunk id of the stamp store() puts on a prepared clip (see _stamp)
CLIP_ID_RE = re.compile(r"[a-z_]{1,32}")
TOKEN_RE = re.compile(r"[^\W_]+|[,.;:!?]")


@dataclass(frozen=True)
class ClipSpec:
    """One clip of the pack: `id` (its file name), the `words` it says, the `group` it is listed under."""

    id: str
    words: tuple[str, ...]
    group: str  # "pembuka", "huruf", "angka", "penutup"
    optional: bool = False
    hint: str = ""  # where the words are heard in a call, for the staff member (Indonesian)

    @property
    def text(self) -> str:
        """What the staff member says into the microphone, e.g. "Nomor antrian"."""
        return " ".join(self.words).capitalize()


NUMBER_WORDS = ("nol", "satu", "dua", "tiga", "empat", "lima", "enam", "tujuh", "delapan", "sembilan",
                "sepuluh", "sebelas", "belas", "puluh", "seratus", "ratus", "seribu", "ribu")
NUMBER_HINTS = {**{word: f"angka {n}" for n, word in enumerate(NUMBER_WORDS[:12])},
                "belas": "dalam dua belas sampai sembilan belas", "puluh": "dalam dua puluh sampai sembilan puluh",
                "seratus": "angka 100", "ratus": "dalam dua ratus sampai sembilan ratus", "seribu": "angka 1000",
                "ribu": "dalam dua ribu, tiga ribu, dan seterusnya"}
RECALL_CLIP = "panggilan_ulang"
CLIPS: tuple[ClipSpec, ...] = (
    ClipSpec("nomor_antrian", ("nomor", "antrian"), "pembuka", hint="awal setiap panggilan"),
    *(ClipSpec(f"huruf_{letter.lower()}", tuple(name.split()), "huruf", hint=f"huruf {letter}, seperti mengeja")
      for letter, name in LETTER_NAMES.items()),
    *(ClipSpec(word, (word,), "angka", hint=NUMBER_HINTS[word]) for word in NUMBER_WORDS),
    ClipSpec("silakan_menuju", ("silakan", "menuju"), "penutup", hint="sebelum nama loket"),
    ClipSpec("loket", ("loket",), "penutup", hint="nama loket, misalnya \u201cloket dua puluh\u201d"),
    ClipSpec(RECALL_CLIP, ("panggilan", "ulang"), "penutup", optional=True,
             hint="pilihan: diucapkan di awal panggilan ulang"),
)
SPECS = {spec.id: spec for spec in CLIPS}
# How the admin page titles each group of clips, in the order it lists them.
GROUP_TITLES = {"pembuka": "Pembuka", "huruf": "Huruf", "angka": "Angka", "penutup": "Penutup"}


class ClipError(ValueError):
    """A clip that cannot be stored. `code` snake_case, `message` Indonesian, `status` the HTTP status to answer."""

    def __init__(self, code: str, message: str, status: int = 422) -> None:
        super().__init__(message)
        self.code, self.message, self.status = code, message, status


@dataclass(frozen=True)
class Clip:
    """A stored clip, prepared for assembly; `digest` names its exact sound (part of every cache key)."""

    id: str
    pcm: Pcm
    digest: str


@dataclass(frozen=True)
class Assembly:
    """An assembled phrase: the sound, and where each clip lies in it as (clip id, first frame, end frame)."""

    pcm: Pcm
    parts: tuple[tuple[str, int, int], ...]


@dataclass(frozen=True)
class Plan:
    """The clips of one phrase and the pause after each (seconds): everything needed to assemble it,
    taken from memory when the call is announced, so a clip re-recorded meanwhile cannot change it."""

    clips: tuple[Clip, ...]
    gaps: tuple[float, ...]

    @property
    def key(self) -> list:
        """What makes the sound: the clips' digests and the pauses (for the cache key)."""
        return [ASSEMBLY_VERSION, [c.digest for c in self.clips], list(self.gaps)]

    def assemble(self) -> Assembly:
        pieces: list[bytes] = []
        parts: list[tuple[str, int, int]] = []
        at = 0
        for clip, gap in zip(self.clips, self.gaps, strict=True):
            frames = len(clip.pcm.frames) // 2
            parts.append((clip.id, at, at + frames))
            pieces.append(clip.pcm.frames)
            pause = silence(CLIP_RATE, gap).frames
            pieces.append(pause)
            at += frames + len(pause) // 2
        # The last pause is the end of the phrase; keep none after it.
        return Assembly(Pcm(CLIP_RATE, b"".join(pieces[:-1])), tuple(parts))


class VoicePack:
    """The clips in `directory` (`<clip id>.wav`), held in memory. Safe to use from any thread.

    Reading: `clip_ids()`, `status(needed)`, `plan(text)`, `clip_wav(id)`. Writing: `store(id, data)`,
    `delete(id)`. `load()` reads the folder (at start), `refresh()` what changed in it since (the announcer
    calls it every VOICE_PACK_POLL seconds); a file that is not a usable clip is skipped and reported in
    `status()["invalid"]`.
    """

    def __init__(self, directory: Path) -> None:
        self.directory = Path(directory)
        self._lock = threading.Lock()  # the clips in memory
        self._writing = threading.Lock()  # the folder and what was last read of it: load, refresh, store, delete
        self._seen: dict[str, tuple[int, int]] = {}  # clip id -> (mtime ns, size) of its file when last read
        self._clips: dict[str, Clip] = {}
        self._invalid: dict[str, str] = {}
        self._first: dict[str, list[ClipSpec]] = {}  # first word -> specs starting with it, longest first
        for spec in sorted(CLIPS, key=lambda s: -len(s.words)):
            self._first.setdefault(spec.words[0], []).append(spec)

    def load(self) -> None:
        """Read every clip in the folder (a missing folder is an empty pack)."""
        with self._writing:
            self._read(self._files(), everything=True)

    def refresh(self) -> bool:
        """Take in what changed in the folder since it was last read: clips stored, replaced or deleted there by
        another hub process sharing the folder (docs/operations.md) or by hand. Cheap when nothing changed (one
        listing of the folder); returns whether anything did."""
        with self._writing:
            files = self._files()
            if files == self._seen:
                return False
            self._read(files, everything=False)
            return True

    def _files(self) -> dict[str, tuple[int, int]]:
        """(modification time in ns, size in bytes) of each clip's file in the folder."""
        found: dict[str, tuple[int, int]] = {}
        try:
            with os.scandir(self.directory) as entries:
                for entry in entries:
                    clip_id = entry.name.removesuffix(".wav")
                    if clip_id != entry.name and clip_id in SPECS:
                        with contextlib.suppress(FileNotFoundError):
                            info = entry.stat()
                            found[clip_id] = (info.st_mtime_ns, info.st_size)
        except (FileNotFoundError, NotADirectoryError):
            pass
        return found

    def _read(self, files: dict[str, tuple[int, int]], *, everything: bool) -> None:
        """Read the clips of `files` that changed since `_seen` (all of them with `everything`); forget those
        whose file is gone. Holding `_writing`."""
        changed = [clip_id for clip_id in SPECS if clip_id in files
                   and (everything or files[clip_id] != self._seen.get(clip_id))]
        clips, invalid = {}, {}
        for clip_id in changed:
            path = self.path(clip_id)
            try:
                data = path.read_bytes()
            except FileNotFoundError:
                continue
            except OSError as exc:
                invalid[clip_id] = f"Berkas {path} tidak dapat dibaca: {exc.strerror or exc}."
                log.warning("audio: voice pack clip %s cannot be read: %s", path, exc)
                continue
            try:
                clips[clip_id] = self._clip(clip_id, data, stored=True)
            except ClipError as exc:
                invalid[clip_id] = exc.message
                log.warning("audio: voice pack clip %s is not usable and is skipped: %s", path, exc.message)
        with self._lock:
            if everything:
                self._clips, self._invalid = clips, invalid
            else:
                for clip_id in [*changed, *(c for c in self._seen if c not in files)]:
                    self._clips.pop(clip_id, None)
                    self._invalid.pop(clip_id, None)
                self._clips.update(clips)
                self._invalid.update(invalid)
        if not everything and (changed or self._seen.keys() - files.keys()):
            log.info("audio: voice pack folder %s changed: %s", self.directory,
                     ", ".join(sorted({*changed, *(self._seen.keys() - files.keys())})))
        self._seen = files

    def path(self, clip_id: str) -> Path:
        return self.directory / f"{clip_id}.wav"

    def clip_ids(self) -> set[str]:
        """Ids of the clips stored."""
        with self._lock:
            return set(self._clips)

    def status(self, needed: Iterable[str] = ()) -> dict:
        """Every clip of the pack, for the admin page: what to say, whether it is recorded and needed.

        `{"clips": [{"id", "text", "hint", "group", "optional", "present", "needed", "seconds"}], "missing": [id],
        "invalid": {id: reason}}`; `missing` lists the needed clips not recorded (optional ones never).
        """
        needed = set(needed)
        with self._lock:
            clips, invalid = dict(self._clips), dict(self._invalid)
        rows = []
        for spec in CLIPS:
            clip = clips.get(spec.id)
            rows.append({"id": spec.id, "text": spec.text, "hint": spec.hint, "group": spec.group,
                         "optional": spec.optional, "present": clip is not None, "needed": spec.id in needed,
                         "seconds": round(clip.pcm.duration, 2) if clip else None})
        missing = [r["id"] for r in rows if r["needed"] and not r["present"] and not r["optional"]]
        return {"clips": rows, "missing": missing, "invalid": invalid}

    def clip_wav(self, clip_id: str) -> bytes:
        """The stored clip as a WAV, for playing it back. Raises `ClipError` (404) if it is not recorded."""
        spec = spec_of(clip_id)
        with self._lock:
            clip = self._clips.get(spec.id)
        if clip is None:
            raise ClipError("clip_missing", f"Klip \u201c{spec.text}\u201d belum direkam.", 404)
        return wav_bytes(clip.pcm)

    def store(self, clip_id: str, data: bytes) -> Clip:
        """Check an uploaded or recorded WAV, prepare it and store it as clip `clip_id` (replacing any).

        Raises `ClipError`: unknown_clip (404), too_large (413), not_wav, unsupported_format, damaged_wav,
        empty_wav, too_long, too_short, silent (422). Blocking: preparing takes up to ~0.7 s for a 10 s
        48 kHz stereo 24-bit file on the hub PC, so call it off the event loop (`asyncio.to_thread`).
        """
        spec = spec_of(clip_id)
        clip = self._clip(spec.id, data, stored=False)
        with self._writing:
            self.directory.mkdir(parents=True, exist_ok=True)
            path = self.path(spec.id)
            write_atomic(path, stored_wav(clip.pcm))
            with self._lock:
                self._clips[spec.id] = clip
                self._invalid.pop(spec.id, None)
            with contextlib.suppress(OSError):
                info = path.stat()
                self._seen[spec.id] = (info.st_mtime_ns, info.st_size)
        log.info("audio: voice pack clip %s stored (%.2f s)", spec.id, clip.pcm.duration)
        return clip

    def delete(self, clip_id: str) -> bool:
        """Remove clip `clip_id`; False if it was not recorded. Raises `ClipError` (404) for an unknown id."""
        spec = spec_of(clip_id)
        with self._writing:
            with self._lock:
                existed = self._clips.pop(spec.id, None) is not None
                existed = self._invalid.pop(spec.id, None) is not None or existed
            try:
                self.path(spec.id).unlink()
            except FileNotFoundError:
                pass
            self._seen.pop(spec.id, None)
        return existed

    def words(self, text: str) -> list[str]:
        """The clip ids that say `text`, in order, with "?word" for a word no clip says."""
        return [word for word, _ in self._sequence(text)]

    def plan(self, text: str, *, recall: bool = False) -> Plan | None:
        """The clips that say `text` and the pause after each, or None when any word has no recorded clip.

        Pauses: WORD_GAP between words, COMMA_GAP after , ; : and SENTENCE_GAP after . ! ?. A recall
        starts with "panggilan ulang" when that optional clip is recorded.
        """
        sequence = self._sequence(text)
        with self._lock:
            clips = self._clips
            if recall and RECALL_CLIP in clips:
                sequence.insert(0, (RECALL_CLIP, SENTENCE_GAP))
            chosen = [clips.get(word) for word, _ in sequence]
        if not chosen or None in chosen:
            return None  # a word no clip says, or a clip not recorded: the engine says the whole phrase
        return Plan(tuple(chosen), tuple(gap for _, gap in sequence))  # type: ignore[arg-type]

    def _sequence(self, text: str) -> list[tuple[str, float]]:
        """(clip id or "?word", pause after it in seconds) for each word of `text`; longest clip first."""
        tokens = [t.lower() for t in TOKEN_RE.findall(text)]
        out: list[tuple[str, float]] = []
        i = 0
        while i < len(tokens):
            token = tokens[i]
            if token in PAUSES:
                if out:
                    out[-1] = (out[-1][0], max(out[-1][1], PAUSES[token]))
                i += 1
                continue
            for spec in self._first.get(token, ()):
                if tuple(tokens[i:i + len(spec.words)]) == spec.words:
                    out.append((spec.id, WORD_GAP))
                    i += len(spec.words)
                    break
            else:
                out.append(("?" + token, WORD_GAP))
                i += 1
        return out

    def _clip(self, clip_id: str, data: bytes, *, stored: bool) -> Clip:
        if len(data) > MAX_UPLOAD_BYTES:
            raise too_large(len(data))
        try:
            info, samples = riff.parse(data)
        except riff.WavError as exc:
            raise ClipError(exc.code, exc.message) from None
        if info.duration > MAX_SECONDS:
            raise ClipError("too_long", f"Rekaman terlalu panjang ({_id(info.duration)} detik); satu klip paling "
                                        f"lama {MAX_SECONDS:.0f} detik.")
        pcm = riff.to_pcm(info, samples)
        if stored and data.endswith(_stamp(pcm)):
            prepared = pcm  # written by store(): already prepared, so a restart changes nothing
        else:
            prepared = prepare(pcm)  # an upload, or a file copied in by hand (whatever its format)
        return Clip(clip_id, prepared, hashlib.sha256(prepared.frames).hexdigest()[:16])


def _stamp(pcm: Pcm) -> bytes:
    """The chunk `store()` puts after a prepared clip's samples: STAMP_CHUNK, then the sha256 of the samples.
    A file ending with it was prepared by this hub and is used as it is; any other file in the folder (copied
    in by hand, even at CLIP_RATE mono 16-bit) is checked and prepared like an upload."""
    digest = hashlib.sha256(pcm.frames).digest()
    return STAMP_CHUNK + struct.pack("<I", len(digest)) + digest


def stored_wav(pcm: Pcm) -> bytes:
    """A prepared clip as `store()` writes it: a plain 16-bit mono WAV with `_stamp` as its last chunk (players
    skip a chunk they do not know; the RIFF size counts it)."""
    body, stamp = wav_bytes(pcm), _stamp(pcm)
    return b"RIFF" + struct.pack("<I", len(body) - 8 + len(stamp)) + body[8:] + stamp


def _id(number: float) -> str:
    """One decimal, written the Indonesian way: 5.25 -> "5,3"."""
    return f"{number:.1f}".replace(".", ",")


def too_large(size: int | None = None) -> ClipError:
    """The refusal of a file over MAX_UPLOAD_BYTES (413 too_large); `size` in bytes when known."""
    limit = f"maksimal {MAX_UPLOAD_BYTES // 1024 // 1024} MB untuk satu klip"
    if size is None:
        return ClipError("too_large", f"Berkas terlalu besar; {limit}.", 413)
    return ClipError("too_large", f"Berkas terlalu besar ({_id(size / 1024 / 1024)} MB); {limit}.", 413)


def spec_of(clip_id: str) -> ClipSpec:
    """The clip named `clip_id`; raises `ClipError` unknown_clip (404) for any other name."""
    spec = SPECS.get(clip_id) if CLIP_ID_RE.fullmatch(clip_id or "") else None
    if spec is None:
        raise ClipError("unknown_clip", f"Klip \u201c{clip_id}\u201d tidak dikenal.", 404)
    return spec


def prepare(pcm: Pcm) -> Pcm:
    """A clip as it is assembled: CLIP_RATE, silence trimmed (EDGE kept), speech RMS evened out to TARGET_RMS
    (peak at most PEAK_LIMIT), FADE in and out. Raises `ClipError` "silent" or "too_short"."""
    pcm = _downsample(pcm, CLIP_RATE) if pcm.rate > CLIP_RATE else resample(pcm, CLIP_RATE)
    data = pcm.samples()
    step = max(1, int(CLIP_RATE * WINDOW))
    levels = [_rms(data[i:i + step]) for i in range(0, len(data), step)]
    loudest = max(levels, default=0.0)
    threshold = max(SILENCE_FLOOR, SILENCE_SHARE * loudest)
    loud = [i for i, level in enumerate(levels) if level >= threshold]
    if loudest < SILENCE_FLOOR * 2 or not loud:
        raise ClipError("silent", "Rekaman tidak berisi suara yang terdengar; periksa mikrofon lalu rekam ulang.")
    edge = int(EDGE * CLIP_RATE)
    start = max(0, loud[0] * step - edge)
    end = min(len(data), (loud[-1] + 1) * step + edge)
    if (end - start - 2 * edge) / CLIP_RATE < MIN_SPEECH_SECONDS:
        raise ClipError("too_short", "Rekaman terlalu pendek; ucapkan kata itu dengan jelas lalu rekam ulang.")
    speech = [levels[i] for i in loud]
    level = math.sqrt(sum(v * v for v in speech) / len(speech))
    trimmed = data[start:end]
    peak = max(max(trimmed), -min(trimmed)) / 32768 or 1.0
    gain = min(TARGET_RMS / level, PEAK_LIMIT / peak)
    fade = int(FADE * CLIP_RATE)
    n = len(trimmed)
    out = array("h", bytes(2 * n))
    for i, value in enumerate(trimmed):
        ramp = min(1.0, (i + 1) / fade, (n - i) / fade)
        out[i] = max(-32768, min(32767, round(value * gain * ramp)))
    return from_samples(CLIP_RATE, out)


def _rms(window: array) -> float:
    if not window:
        return 0.0
    return math.sqrt(sum(v * v for v in window) / len(window)) / 32768


def _downsample(pcm: Pcm, rate: int) -> Pcm:
    """Average neighbouring samples (a box low-pass) before taking every n-th, so that a 48 kHz microphone's
    sound above 11 kHz does not fold back into the voice as noise."""
    ratio = pcm.rate / rate
    width = max(1, round(ratio))
    if width > 1:
        src = pcm.samples()
        smoothed = array("h", bytes(2 * len(src)))
        total = 0
        for i, value in enumerate(src):
            total += value
            if i >= width:
                total -= src[i - width]
            smoothed[i] = total // min(i + 1, width)
        pcm = from_samples(pcm.rate, smoothed)
    return resample(pcm, rate)


def needed_clips(pack: VoicePack, texts: Iterable[str]) -> tuple[set[str], set[str]]:
    """The clip ids `texts` need, and the words in them that no clip can say (those calls use the engine)."""
    needed, unsayable = set(), set()
    for text in texts:
        for word in pack.words(text):
            (unsayable if word.startswith("?") else needed).add(word.lstrip("?"))
    return needed, unsayable
