"""The hub's one entry point for spoken calls.

`announce()` runs on the event loop inside the hub's write path, so it only
builds text, hashes it and queues work; rendering happens on the
synthesizer's thread and playback on the zone threads. Nothing here raises
into the hub: with no speech engine a call still returns its text and a
chime, and `health()` says what is missing.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from pathlib import Path

from starlette.routing import BaseRoute

from audio.cache import WavCache, cache_key
from audio.chime import CHIME_VERSION, chime
from audio.engine import SpeechEngine, default_engine_factory
from audio.phrase import Phrasebook, Segment
from audio.player import PLAYER_HINT, PlaybackQueue, Player, find_player
from audio.settings import AudioSettings
from audio.synthesizer import CALL, FAILED, PRERENDER, READY, Job, Synthesizer
from audio.wav import wav_bytes, write_atomic
from config.site import SiteConfig

log = logging.getLogger("audio")

CHIME_URL = "/audio/chime.wav"
CHIME_RATE = 22050  # espeak-ng's own rate, so the chime-only file sounds like the chime in a call
MAX_PENDING_PRERENDERS = 100  # hints beyond this are dropped, real calls are never dropped
PLAYBACK_WAIT = 15.0  # seconds a zone waits for a render before playing the chime alone


class Announcer:
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
        cache_dir = config.beside(self.settings.cache_dir) if self.settings.cache_dir else Path(cache_dir)
        self.cache = WavCache(cache_dir, self.settings.cache_max_files)
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

    # -- lifecycle ------------------------------------------------------------------

    async def start(self) -> None:
        """Start the engine's worker thread, wait for its probe, and warn once if something is missing."""
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

    async def stop(self, timeout: float = 5.0) -> None:
        """Stop rendering and playing within about `timeout` seconds, even while a render hangs."""
        deadline = time.monotonic() + timeout
        if self.playback is not None:
            self.playback.stopping()  # first, so the waiters the synthesizer wakes play nothing
        await asyncio.to_thread(self.synth.stop, timeout)
        if self.playback is not None:
            await asyncio.to_thread(self.playback.stop, max(0.0, deadline - time.monotonic()))

    def _prepare_chime(self) -> None:
        if self._chime_wav is None:
            self._chime_wav = wav_bytes(chime(CHIME_RATE))
            write_atomic(self.chime_path, self._chime_wav)

    def chime_wav(self) -> bytes:
        self._prepare_chime()
        assert self._chime_wav is not None
        return self._chime_wav

    # -- calls ------------------------------------------------------------------------

    def announce(self, ticket: dict, counter: dict, *, recall: bool = False, play: bool = True) -> dict | None:
        """Queue the spoken call; return {"text", "audio_url"} at once. Never blocks, never raises.

        `audio_url` is None when output is "off" or "server" (the hub plays it, the TVs must not),
        or when there is no engine and the chime is switched off. A recall is announced again.
        With `play=False` nothing is played on the hub's speakers yet: the hub renders the call
        before it commits it and calls `play()` only once it is committed.
        """
        try:
            result = self._announce(ticket, counter)
        except Exception:
            log.exception("audio: could not announce ticket %r at counter %r", ticket.get("number"), counter.get("id"))
            return {"text": str(ticket.get("number") or ""), "audio_url": None}
        if play:
            self.play(ticket, counter)
        return result

    def play(self, ticket: dict, counter: dict) -> None:
        """Play a call on the hub's own output (server/both), after the zone's earlier calls. Never raises."""
        if self.playback is None or self.settings.output == "off":
            return
        try:
            zone = self._zone(counter)
            if self.synth.engine_error:
                if self.settings.chime:
                    self.playback.enqueue(zone, lambda: self.chime_path)
                return
            key = self._key(self.phrasebook.segments(ticket, counter))
            self.playback.enqueue(zone, lambda: self._file_to_play(key))
        except Exception:
            log.exception("audio: could not play ticket %r at counter %r", ticket.get("number"), counter.get("id"))

    def _announce(self, ticket: dict, counter: dict) -> dict:
        segments = self.phrasebook.segments(ticket, counter)
        text = " ".join(seg.text for seg in segments)
        if self.settings.output == "off":
            return {"text": text, "audio_url": None}
        to_display = self.settings.output in ("display", "both")
        if self.synth.engine_error:
            if not self.settings.chime:
                return {"text": text, "audio_url": None}
            return {"text": text, "audio_url": CHIME_URL if to_display else None}
        key = self._key(segments)
        self.synth.submit(Job(key, tuple(segments), self.settings.chime), CALL)
        return {"text": text, "audio_url": f"/audio/{key}.wav" if to_display else None}

    def prerender(self, pairs: list[tuple[dict, dict]]) -> None:
        """Render likely next calls in idle time; real calls always go first. Never raises."""
        if self.settings.output == "off" or self.synth.engine_error:
            return
        try:
            for ticket, counter in pairs:
                if self.synth.pending_prerenders() >= MAX_PENDING_PRERENDERS:
                    return
                segments = self.phrasebook.segments(ticket, counter)
                self.synth.submit(Job(self._key(segments), tuple(segments), self.settings.chime), PRERENDER)
        except Exception:
            log.exception("audio: could not pre-render calls")

    def _key(self, segments: list[Segment]) -> str:
        s = self.settings
        return cache_key(
            segments=[[seg.text, seg.voice] for seg in segments],
            rate=s.rate,
            volume=s.volume,
            chime=CHIME_VERSION if s.chime else None,
            engine=self.synth.engine_version,
        )

    def _zone(self, counter: dict) -> str:
        known = self.config.counters.get(str(counter.get("id")))
        return str(counter.get("zone") or (known.zone if known else "") or "default")

    def _file_to_play(self, key: str) -> Path | None:
        # Runs on the zone's playback thread: waiting here is what keeps the zone in call order.
        state = self.synth.wait(key, PLAYBACK_WAIT)
        if state == READY:
            return self.cache.path(key)
        return self.chime_path if self.settings.chime else None

    # -- readiness, health, HTTP ----------------------------------------------------

    def key_state(self, key: str) -> str | None:
        """"ready", "pending", "failed", or None for a key this hub has never seen."""
        return self.synth.state(key)

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
        s, synth = self.settings, self.synth
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
            "detail": "",
        }
        problems = []
        if s.output == "off":
            report.update(status="off", detail="audio.output is \"off\": calls are shown, not spoken")
            return report
        if synth.engine_error:
            problems.append(synth.engine_error)
        if self._wants_speakers and self.playback is None:
            problems.append(f"no sound output on the hub PC; {PLAYER_HINT}")
        if synth.last_error:
            report["last_error"] = synth.last_error
        if self.playback is not None and self.playback.last_error:
            report["last_playback_error"] = self.playback.last_error
        if problems:
            report.update(status="degraded", detail="; ".join(problems))
        elif not synth.probed.is_set():
            report["detail"] = "starting"
        return report

    def routes(self) -> list[BaseRoute]:
        from audio.routes import audio_routes

        return audio_routes(self)


__all__ = ["Announcer", "CHIME_URL", "FAILED", "READY"]
