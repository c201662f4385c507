"""The voice pack page: `GET /admin/voice`, where the hall's staff record the hall's own voice.

Each clip of the voice pack (docs/audio.md, "Voice pack") is listed with what to
say and whether it is recorded; the clips this site's calls still need are shown
first. A clip is recorded with the PC's microphone in the page (getUserMedia and
plain Web Audio, encoded as a 16-bit PCM mono WAV by static/recorder.js), heard
back, recorded again, and saved; or a WAV file is uploaded instead. A whole call
can be heard as the hall will hear it. Everything shown comes from the voice
pack's API (audio/voice_api.py, docs/protocol.md "Voice pack"); the hub checks
every clip. Admin only; the session is the admin console's, shared in the tab, and
the page's shell (the admin area's log-in and top bar, server/admin_area.py) is the devices' admin
pages' (devices/templates/admin_page.html, devices/static/session.js).

The API exists only on a hub with spoken calls: with `--no-audio` the page says so.
Its policy is the admin pages' (a session token: no framing, caching or referrer)
with `blob:` media, to play back a recording before it is saved.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from starlette.requests import Request
from starlette.responses import Response

from server import pages
from server.openapi import documented
from server.views import View

HERE = Path(__file__).resolve().parent
# The admin pages' shell (the admin area's log-in and top bar) is the devices' pages' one.
templates = pages.templates_for(HERE, HERE.parent / "devices" / "templates")
VOICE = pages.PagePolicy(private=True, media_src="'self' blob:")


class VoiceBoot(View):
    """What the voice pack page starts with, before anyone logs in."""

    site_name: str
    spoken_calls: bool = Field(description="the hub speaks calls; false when it was started with --no-audio (the "
                                           "voice pack's API is then absent)")


@documented("The voice pack page: record the hall's own voice for the calls (docs/admin.md)", {200: "text/html"})
async def voice_page(request: Request) -> Response:
    site = request.app.state.config.site
    boot = VoiceBoot(site_name=site.name, spoken_calls=request.app.state.announcer is not None)
    context = {"site_name": site.name, "title": "Suara panggilan"}
    return pages.render(request, templates, "voice.html", context, policy=VOICE, boot=boot)
