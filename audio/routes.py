"""HTTP routes for the TV browsers: GET /audio/chime.wav and GET /audio/{key}.wav.

A TV receives `ticket.called` as soon as the officer presses the button,
usually before the render has finished, so the call route waits for the
render (up to READY_TIMEOUT) instead of answering 404.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import BaseRoute, Route

from audio.cache import KEY_RE
from audio.synthesizer import PENDING, READY

if TYPE_CHECKING:
    from audio.announcer import Announcer

READY_TIMEOUT = 10.0
# A key names one exact sound forever, so browsers may keep it.
IMMUTABLE = {"Cache-Control": "public, max-age=86400, immutable"}


def error(status: int, code: str, message: str) -> JSONResponse:
    return JSONResponse({"error": {"code": code, "message": message}}, status_code=status)


def audio_routes(announcer: Announcer) -> list[BaseRoute]:
    async def chime_wav(request: Request) -> Response:
        if not announcer.settings.chime:
            return error(404, "chime_disabled", "The chime is switched off (audio.chime = false).")
        return Response(announcer.chime_wav(), media_type="audio/wav", headers=IMMUTABLE)

    async def call_wav(request: Request) -> Response:
        key = request.path_params["key"]
        state = announcer.key_state(key) if KEY_RE.match(key) else None
        if state is None:
            return error(404, "unknown_audio", f"No call audio {key!r} on this hub; it may be from before a restart.")
        if state == PENDING:
            state = await announcer.wait_ready(key, READY_TIMEOUT)
            if state is None:
                return error(503, "audio_not_ready",
                             f"The call audio was not ready within {READY_TIMEOUT:.0f} s; the speech engine is busy.")
        path = announcer.cache.path(key)
        if state == READY and path.exists():
            return FileResponse(path, media_type="audio/wav", headers=IMMUTABLE)
        if announcer.settings.chime:
            # The render failed: the chime alone still tells the hall a number was called.
            # Not cached by the browser, because the next call of this number retries the render.
            return Response(announcer.chime_wav(), media_type="audio/wav", headers={"Cache-Control": "no-store"})
        return error(503, "audio_failed", "The speech engine could not render this call; see /health.")

    return [
        Route("/audio/chime.wav", chime_wav, methods=["GET"], name="audio_chime"),
        Route("/audio/{key}.wav", call_wav, methods=["GET"], name="audio_call"),
    ]
