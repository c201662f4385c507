"""HTTP routes for the TV browsers: GET /audio/chime.wav and GET /audio/{key}.wav.

A TV receives `ticket.called` as soon as the officer presses the button,
usually before the render has finished, so the call route waits for the
render (up to READY_TIMEOUT) instead of answering 404. The routes know the
announcer only as `CallAudio`, so this module imports nothing of it.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Protocol

from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import BaseRoute, Route

from audio.cache import is_key
from audio.synthesizer import PENDING, READY

READY_TIMEOUT = 10.0
# A key names one exact sound forever, so browsers may keep it.
IMMUTABLE = {"Cache-Control": "public, max-age=86400, immutable"}
NO_STORE = {"Cache-Control": "no-store"}
CHUNK = 64 * 1024


class CallAudio(Protocol):
    """What the routes need from the announcer."""

    def chime_wav(self) -> bytes | None:
        """The chime as a WAV; None when the chime is switched off."""

    def local_key(self, key: str) -> str:
        """The key of this hub's own sound for `key` (another hub process's key of a call it renders
        differently), else `key` itself."""

    def key_state(self, key: str) -> str | None:
        """"ready", "pending", "failed", or None for a key never seen."""

    async def wait_ready(self, key: str, timeout: float) -> str | None:
        """"ready" or "failed" once settled; None if not settled within `timeout` seconds."""

    def call_path(self, key: str) -> Path:
        """Where a ready call's WAV is."""

    def file_missing(self, key: str, reason: str) -> None:
        """A TV asked for a call's audio and got no file (counted in health)."""


def error(status: int, code: str, message: str) -> JSONResponse:
    """The hub's error shape; `message` in Indonesian like every error message (docs/protocol.md)."""
    return JSONResponse({"error": {"code": code, "message": message}}, status_code=status)


async def _open_wav(path: Path, cache: dict[str, str]) -> Response | None:
    """Stream a cached WAV with the `cache` headers, or None when it is gone. The file is opened before
    answering, so an eviction after this point cannot turn the answer into a 500: the open handle keeps it
    readable."""
    try:
        handle = await asyncio.to_thread(open, path, "rb")
    except FileNotFoundError:
        return None
    size = os.fstat(handle.fileno()).st_size

    async def chunks() -> AsyncIterator[bytes]:
        try:
            while chunk := await asyncio.to_thread(handle.read, CHUNK):
                yield chunk
        finally:
            handle.close()

    headers = {**cache, "Content-Length": str(size)}
    return StreamingResponse(chunks(), media_type="audio/wav", headers=headers)


def audio_routes(audio: CallAudio) -> list[BaseRoute]:
    """GET /audio/chime.wav and GET /audio/{key}.wav (documented in docs/audio.md, "HTTP routes")."""

    async def chime_wav(request: Request) -> Response:
        wav = audio.chime_wav()
        if wav is None:
            return error(404, "chime_disabled", "Bunyi penanda panggilan dimatikan (audio.chime = false).")
        return Response(wav, media_type="audio/wav", headers=IMMUTABLE)

    async def call_wav(request: Request) -> Response:
        asked = request.path_params["key"]
        # Another hub process's key of a call this one renders differently: this hub's sound for it, which
        # that key does not name forever (the maker's sound is another), so browsers do not keep it.
        key = audio.local_key(asked) if is_key(asked) else asked
        cache = IMMUTABLE if key == asked else NO_STORE
        state = audio.key_state(key) if is_key(key) else None
        if state is None:
            if is_key(key):
                audio.file_missing(key, "unknown key (not rendered by this hub, or forgotten since)")
            return error(404, "unknown_audio",
                         "Suara panggilan ini tidak ada di server; mungkin dibuat sebelum server dimulai ulang.")
        if state == PENDING:
            state = await audio.wait_ready(key, READY_TIMEOUT)
            if state is None:
                return error(503, "audio_not_ready", f"Suara panggilan belum siap dalam {READY_TIMEOUT:.0f} detik; "
                                                     "mesin suara sedang sibuk.")
        if state == READY:
            response = await _open_wav(audio.call_path(key), cache)
            if response is not None:
                return response
            # Evicted or deleted since it was ready: the next call of this number renders it again.
            audio.file_missing(key, "its file was deleted after it was rendered")
        chime = audio.chime_wav()
        if chime is not None:
            # The render failed or its file is gone: the chime alone still tells the hall a number was
            # called. Not cached by the browser, because the next call of this number renders again.
            return Response(chime, media_type="audio/wav", headers=NO_STORE)
        if state == READY:
            return error(404, "unknown_audio", "Suara panggilan ini sudah dihapus dari cache server.")
        return error(503, "audio_failed", "Mesin suara gagal membuat suara panggilan ini; lihat /api/health.")

    return [
        Route("/audio/chime.wav", chime_wav, methods=["GET"], name="audio_chime"),
        Route("/audio/{key}.wav", call_wav, methods=["GET"], name="audio_call"),
    ]
