"""The hub's one entry point for spoken calls.

`announce()` runs on the event loop inside the hub's write path, so it only
builds text, hashes it and queues work; rendering happens on the
synthesizer's thread (and the pyttsx3 worker process it owns) and playback on
the zone threads. Nothing here raises into the hub: with no speech engine a
call still returns its text and a chime, and `health()` says what is missing.
The hub sees this class only through `server.announcing.Announcing`.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from starlette.routing import BaseRoute

from audio.cache import KeptCalls, WavCache, cache_key, is_key
from audio.chime import CHIME_VERSION, chime
from audio.engine import SpeechEngine, default_engine_factory
from audio.phrase import Phrasebook, Segment
from audio.player import PLAYER_HINT, PlaybackQueue, Player, find_player
from audio.routes import audio_routes
from audio.settings import KEPT_CALLS_PER_ZONE, AudioSettings
from audio.synthesizer import CALL, FAILED, PRERENDER, READY, Job, Synthesizer
from audio.voice_api import voice_routes
from audio.voicepack import VOICE_PACK_POLL, Plan, VoicePack, needed_clips
from audio.wav import wav_bytes, write_atomic
from config.site import SiteConfig

log = logging.getLogger("audio")

CHIME_URL = "/audio/chime.wav"
CHIME_RATE = 22050  # espeak-ng's own rate, so the chime-only file sounds like the chime in a call
MAX_PENDING_PRERENDERS = 100  # hints beyond this are dropped, real calls are never dropped
PLAYBACK_WAIT = 15.0  # seconds a zone waits for a render before playing the chime alone
ALIAS_LOG_SECONDS = 600.0  # at most one log line this often about calls rendered with another key
MAX_ALIASES = 1000  # other processes' keys remembered (oldest forgotten first): far more than a TV may still play
PREVIEW_ZONE = "(pratinjau)"  # the admin page's previews are kept from eviction like a zone's last calls


@dataclass(frozen=True)
class Call:
    """What one announcement is made of: its phrases, the voice-pack clips for each (None: the engine says
    it), and the cache key of the resulting sound."""

    segments: tuple[Segment, ...]
    plans: tuple[Plan | None, ...]
    key: str

    @property
    def text(self) -> str:
        return " ".join(seg.text for seg in self.segments)


class Announcer:
    """Spoken calls for the hub: implements `server.announcing.Announcing`.

    `Announcer(config, cache_dir)`: `cache_dir` is where the hub wants rendered calls (its data folder's
    `audio-cache`; `[audio] cache_dir` overrides it); the voice pack lives in `[audio] voice_pack_dir`,
    by default `voice-pack` beside `cache_dir`. Raises `config.site.ConfigError` for a bad `[audio]`.
    """

    def __init__(
        self,
        config: SiteConfig,
        cache_dir: Path,
        *,
        engine_factory: Callable[[AudioSettings], SpeechEngine] | None = None,
        player: Player | None = None,
    ) -> None:
        """`engine_factory(settings)` builds the speech engine on the worker thread; `player` plays WAV
        files on the hub's speakers in server mode (default: paplay or aplay when a sound device exists)."""
        self.config = config
        self.settings = config.audio  # validated with the whole configuration
        self.phrasebook = Phrasebook(self.settings, config)
        self.kept = KeptCalls(KEPT_CALLS_PER_ZONE)
        s = self.settings
        self.cache = WavCache(config.beside(s.cache_dir) if s.cache_dir else Path(cache_dir), s.cache_max_files,
                              keep=self.kept.keys)
        self.voice_pack = VoicePack(config.beside(s.voice_pack_dir) if s.voice_pack_dir
                                    else Path(cache_dir).parent / "voice-pack")
        factory = engine_factory or default_engine_factory
        voices = (self.settings.voice, self.settings.voice_en) if self.settings.second_language else (
            self.settings.voice,)
        self.synth = Synthesizer(self.cache, lambda: factory(self.settings), voices)
        self._wants_speakers = self.settings.output in ("server", "both")
        if player is None and self._wants_speakers:
            player = find_player(self.settings.player)
        self.player = player
        self.playback = PlaybackQueue(player) if player is not None and self._wants_speakers else None
        self._chime_wav: bytes | None = None
        self.chime_path = self.cache.directory / "chime.wav"
        self.not_found = 0  # requests for a call's audio whose file was gone or never known
        # Another hub process's key of a call -> this one's, where the two differ (announce(made_as=...)).
        self._aliases: OrderedDict[str, str] = OrderedDict()
        self._aliases_lock = threading.Lock()
        self._aliased, self._alias_logged = 0, -ALIAS_LOG_SECONDS
        self._watching: asyncio.Task | None = None  # the voice pack folder's watch, from start() to stop()
        self.last_not_found: str | None = None

    # -- lifecycle ------------------------------------------------------------------

    async def start(self) -> None:
        """Start the engine's worker thread, wait for its probe, and warn once if something is missing; from then
        on, look at the voice pack's folder every VOICE_PACK_POLL seconds for clips stored by another hub
        process sharing it, or by hand."""
        await asyncio.to_thread(self.voice_pack.load)
        self._watching = asyncio.create_task(self._watch_voice_pack())
        if self.settings.output == "off":
            return
        self.synth.start()
        await asyncio.to_thread(self._prepare_chime)
        await asyncio.to_thread(self.synth.probed.wait, 60)
        if self.synth.engine_error:
            fallback = "a chime only" if self.settings.chime else "no sound, text only"
            log.warning("Spoken calls are unavailable, calls will play %s: %s", fallback, self.synth.engine_error)
        if self._wants_speakers and self.playback is None:
            log.warning("audio.output is %r but the hub PC has no sound output; %s",
                        self.settings.output, PLAYER_HINT)
        problem = getattr(self.synth.engine, "problem", None)
        if problem:
            log.warning("audio: %s", problem)

    async def _watch_voice_pack(self) -> None:
        while True:
            await asyncio.sleep(VOICE_PACK_POLL)
            try:
                await asyncio.to_thread(self.voice_pack.refresh)
            except Exception:  # a folder gone unreadable must not stop the watch, nor the calls
                log.exception("audio: could not read the voice pack folder %s", self.voice_pack.directory)

    async def stop(self, timeout: float = 5.0) -> None:
        """Stop rendering and playing within about `timeout` seconds, even while a render hangs."""
        deadline = time.monotonic() + timeout
        if self._watching is not None:
            self._watching.cancel()
            self._watching = None
        if self.playback is not None:
            self.playback.stopping()  # first, so the waiters the synthesizer wakes play nothing
        await asyncio.to_thread(self.synth.stop, timeout)
        if self.playback is not None:
            await asyncio.to_thread(self.playback.stop, max(0.0, deadline - time.monotonic()))

    def _prepare_chime(self) -> None:
        if self._chime_wav is None:
            self._chime_wav = wav_bytes(chime(CHIME_RATE))
            write_atomic(self.chime_path, self._chime_wav)

    def chime_wav(self) -> bytes | None:
        """The chime alone as a WAV, or None when `[audio] chime = false`."""
        if not self.settings.chime:
            return None
        self._prepare_chime()
        return self._chime_wav

    # -- calls ------------------------------------------------------------------------

    def announce(self, ticket: dict, counter: dict, *, recall: bool = False, play: bool = True,
                 made_as: str | None = None) -> dict | None:
        """Queue the spoken call; return {"text", "audio_url"} at once. Never blocks, never raises.

        `audio_url` is None when output is "off" or "server" (the hub plays it, the TVs must not),
        or when there is no engine and the chime is switched off. A recall is announced again.
        With `play=False` nothing is played on the hub's speakers yet: the hub renders the call
        before it commits it and calls `play()` only once it is committed.

        `made_as`: for a call another hub process made, the `audio_url` its event carries (what the TVs
        fetch, from whichever process). When this announcer's own key for the call differs (its voice pack
        or its engine is not the maker's), that URL's key is answered here with this announcer's sound
        (`local_key`), so no TV gets the chime alone for it.
        """
        try:
            result = self._announce(ticket, counter, recall)
            if made_as is not None:
                self._alias(made_as, result.get("audio_url"))
        except Exception:
            log.exception("audio: could not announce ticket %r at counter %r", ticket.get("number"), counter.get("id"))
            return {"text": str(ticket.get("number") or ""), "audio_url": None}
        if play:
            self.play(ticket, counter, recall=recall)
        return result

    def play(self, ticket: dict, counter: dict, *, recall: bool = False) -> None:
        """Play a call on the hub's own output (server/both), after the zone's earlier calls. Never raises."""
        if self.playback is None or self.settings.output == "off":
            return
        try:
            zone = self._zone(counter)
            if self.synth.engine_error:
                if self.settings.chime:
                    self.playback.enqueue(zone, lambda: self.chime_path)
                return
            key = self._call(ticket, counter, recall).key
            self.playback.enqueue(zone, lambda: self._file_to_play(key))
        except Exception:
            log.exception("audio: could not play ticket %r at counter %r", ticket.get("number"), counter.get("id"))

    def _announce(self, ticket: dict, counter: dict, recall: bool) -> dict:
        if self.settings.output == "off":
            return {"text": self.phrasebook.text(ticket, counter), "audio_url": None}
        to_display = self.settings.output in ("display", "both")
        if self.synth.engine_error:
            text = self.phrasebook.text(ticket, counter)
            if not self.settings.chime:
                return {"text": text, "audio_url": None}
            return {"text": text, "audio_url": CHIME_URL if to_display else None}
        call = self._call(ticket, counter, recall)
        self.kept.add(self._zone(counter), call.key)  # before it is queued: its file must outlive the TVs' fetch
        self.synth.submit(Job(call.key, call.segments, self.settings.chime, call.plans), CALL)
        return {"text": call.text, "audio_url": f"/audio/{call.key}.wav" if to_display else None}

    def prerender(self, pairs: list[tuple[dict, dict]]) -> None:
        """Render likely next calls in idle time; real calls always go first. Never raises."""
        if self.settings.output == "off" or self.synth.engine_error:
            return
        try:
            for ticket, counter in pairs:
                if self.synth.pending_prerenders() >= MAX_PENDING_PRERENDERS:
                    return
                call = self._call(ticket, counter, False)
                self.synth.submit(Job(call.key, call.segments, self.settings.chime, call.plans), PRERENDER)
        except Exception:
            log.exception("audio: could not pre-render calls")

    def _call(self, ticket: dict, counter: dict, recall: bool, *, pack: bool | None = None) -> Call:
        """The call's phrases, clips and cache key; `pack` overrides `[audio] voice_pack` (the preview)."""
        s = self.settings
        use_pack = s.voice_pack if pack is None else pack
        segments = tuple(self.phrasebook.segments(ticket, counter))
        plans: tuple[Plan | None, ...] = tuple(
            self.voice_pack.plan(seg.text, recall=recall) if use_pack and seg.voice == s.voice else None
            for seg in segments)
        key = cache_key(
            segments=[[seg.text, seg.voice] if plan is None else [seg.text, "voice-pack", plan.key]
                      for seg, plan in zip(segments, plans, strict=True)],
            rate=s.rate,
            volume=s.volume,
            chime=CHIME_VERSION if s.chime else None,
            engine=self.synth.engine_version,
        )
        return Call(segments, plans, key)

    def _zone(self, counter: dict) -> str:
        known = self.config.counters.get(str(counter.get("id")))
        return str(counter.get("zone") or (known.zone if known else "") or "default")

    def _file_to_play(self, key: str) -> Path | None:
        # Runs on the zone's playback thread: waiting here is what keeps the zone in call order.
        state = self.synth.wait(key, PLAYBACK_WAIT)
        if state == READY:
            return self.cache.path(key)
        return self.chime_path if self.settings.chime else None

    # -- the voice pack -------------------------------------------------------------

    def voice_pack_status(self) -> dict:
        """The voice pack for the admin page: `VoicePack.status()` with what this site's calls need, plus
        `"enabled"` (`[audio] voice_pack`) and `"unsayable"`: words of this site's calls that no clip says
        (calls with them are always spoken by the engine)."""
        needed, unsayable = needed_clips(self.voice_pack, self._sample_texts())
        return {"enabled": self.settings.voice_pack, **self.voice_pack.status(needed),
                "unsayable": sorted(unsayable)}

    def preview(self, ticket: dict, counter: dict) -> dict:
        """A call as the hall would hear it with the voice pack switched on, whatever `[audio] voice_pack` says,
        rendered like a real call (same cache key, chime and fallback), for the admin page. Never blocks.

        `{"text", "audio_url", "from_clips", "missing", "unsayable"}`: `audio_url` is `/audio/<key>.wav`
        (None when `[audio] output = "off"`: nothing is rendered); `from_clips` whether the Indonesian phrase
        is assembled from the clips; otherwise `missing` names the clips it lacks and `unsayable` the words
        no clip says, and the engine says the whole phrase.
        """
        call = self._call(ticket, counter, False, pack=True)
        recorded = self.voice_pack.clip_ids()
        missing, unsayable = [], []
        for seg, plan in zip(call.segments, call.plans, strict=True):
            if seg.voice != self.settings.voice or plan is not None:
                continue
            for word in self.voice_pack.words(seg.text):
                if word.startswith("?"):
                    unsayable.append(word[1:])
                elif word not in recorded and word not in missing:
                    missing.append(word)
        audio_url = None
        if self.settings.output != "off":
            self.kept.add(PREVIEW_ZONE, call.key)  # its file must outlive the page's fetch
            self.synth.submit(Job(call.key, call.segments, self.settings.chime, call.plans), CALL)
            audio_url = f"/audio/{call.key}.wav"
        from_clips = all(plan is not None for seg, plan in zip(call.segments, call.plans, strict=True)
                         if seg.voice == self.settings.voice)
        return {"text": call.text, "audio_url": audio_url, "from_clips": from_clips, "missing": missing,
                "unsayable": sorted(set(unsayable))}

    def _sample_texts(self) -> list[str]:
        """One call of every service at every counter serving it, and numbers using every number word."""
        numbers = ("0 1 2 3 4 5 6 7 8 9" if self.settings.number_mode == "digits"
                   else "1 2 3 4 5 6 7 8 9 10 11 12 20 100 200 1000 2000").split()
        texts = []
        for code in self.config.services:
            for counter in self.config.counters.values():
                if code in counter.services:
                    ref = {"id": counter.id, "name": counter.name, "zone": counter.zone}
                    texts.append(self.phrasebook.segments({"number": f"{code}1", "service": code}, ref)[0].text)
        first = next(iter(self.config.counters.values()))
        ref = {"id": first.id, "name": first.name, "zone": first.zone}
        code = first.services[0] if first.services else ""
        texts += [self.phrasebook.segments({"number": f"{code}{n}", "service": code}, ref)[0].text for n in numbers]
        return texts

    # -- readiness, health, HTTP ----------------------------------------------------

    def _alias(self, made_as: str, own_url: str | None) -> None:
        maker = made_as.removeprefix("/audio/").removesuffix(".wav")
        own = (own_url or "").removeprefix("/audio/").removesuffix(".wav")
        if not is_key(maker) or not is_key(own) or maker == own:
            return
        with self._aliases_lock:
            self._aliases[maker] = own
            self._aliases.move_to_end(maker)
            while len(self._aliases) > MAX_ALIASES:
                self._aliases.popitem(last=False)
            self._aliased += 1
            quiet = time.monotonic() - self._alias_logged < ALIAS_LOG_SECONDS
            if not quiet:
                self._alias_logged = time.monotonic()
        if not quiet:  # the processes differ (clips, engine): worth a line, not one per call
            log.info("audio: calls of another hub process are rendered here with other keys (its voice pack or engine "
                     "differs from this process's): %d so far, the last %s as %s", self._aliased, maker, own)

    def local_key(self, key: str) -> str:
        """The key of this hub's own sound for `key`: `key` itself, or, for a call another hub process made
        and this one renders differently (see `announce(made_as=...)`), this hub's key for that call."""
        with self._aliases_lock:
            return self._aliases.get(key, key)

    def key_state(self, key: str) -> str | None:
        """"ready", "pending", "failed", or None for a key this hub has never seen."""
        return self.synth.state(key)

    def call_path(self, key: str) -> Path:
        """Where the WAV of a ready call is (it may have been deleted behind the hub's back)."""
        return self.cache.path(key)

    def file_missing(self, key: str, reason: str) -> None:
        """A TV asked for a call's audio and there was no file: count it for health(), and let the next
        call of that number render it again."""
        self.cache.discard(key)
        self.not_found += 1
        self.last_not_found = f"{key}: {reason}"
        log.warning("audio: a TV asked for call audio %s and got none: %s", key, reason)

    async def wait_ready(self, key: str, timeout: float = 10.0) -> str | None:
        """Wait without blocking the loop until a call's WAV is settled: "ready" or "failed"; None on timeout."""
        loop = asyncio.get_running_loop()
        settled: asyncio.Future[str] = loop.create_future()

        def resolve(state: str) -> None:
            if not settled.done():
                settled.set_result(state)

        def notify(state: str) -> None:
            try:
                loop.call_soon_threadsafe(resolve, state)
            except RuntimeError:
                pass  # that event loop has closed; nobody is waiting any more

        self.synth.when_ready(key, notify)
        try:
            return await asyncio.wait_for(settled, timeout)
        except TimeoutError:
            return None
        finally:
            if settled.cancelled() or not settled.done():  # timed out, or the TV went away: stop listening
                self.synth.forget(key, notify)

    def health(self) -> dict:
        """The audio part of /api/health; every key is described in docs/audio.md ("Health")."""
        s, synth = self.settings, self.synth
        engine = synth.engine
        report = {
            "status": "ok",
            "engine": synth.engine_name,
            "engine_version": synth.engine_version,
            "voice": s.voice,
            "output": s.output,
            "player": getattr(self.player, "name", type(self.player).__name__) if self.player else None,
            "cache_files": len(self.cache),
            "syntheses": synth.syntheses,
            "failures": synth.failures,
            "invalid_renders": getattr(engine, "invalid_renders", 0),
            "retries": getattr(engine, "retries", 0),
            "fallbacks": getattr(engine, "fallbacks", 0),
            "worker_restarts": getattr(engine, "worker_restarts", 0),
            "worker_pid": getattr(engine, "worker_pid", None),
            "not_found": self.not_found,
            "voice_pack": {"enabled": s.voice_pack, "clips": len(self.voice_pack.clip_ids())},
            "detail": "",
        }
        problems = []
        if s.output == "off":
            report.update(status="off", detail="audio.output is \"off\": calls are shown, not spoken")
            return report
        if synth.engine_error:
            problems.append(synth.engine_error)
        if getattr(engine, "problem", None):
            problems.append(engine.problem)
        if self._wants_speakers and self.playback is None:
            problems.append(f"no sound output on the hub PC; {PLAYER_HINT}")
        if synth.last_error:
            report["last_error"] = synth.last_error
        if getattr(engine, "last_fallback", None):
            report["last_fallback"] = engine.last_fallback
        if self.last_not_found:
            report["last_not_found"] = self.last_not_found
        if self.playback is not None and self.playback.last_error:
            report["last_playback_error"] = self.playback.last_error
        if problems:
            report.update(status="degraded", detail="; ".join(problems))
        elif not synth.probed.is_set():
            report["detail"] = "starting"
        return report

    def routes(self) -> list[BaseRoute]:
        """The TVs' sound (audio/routes.py) and the voice pack's admin API (audio/voice_api.py)."""
        return [*audio_routes(self), *voice_routes(self)]


__all__ = ["Announcer", "CHIME_URL", "FAILED", "READY"]
