"""The voice pack's admin API: list the clips, play one back, record or upload one, delete one, preview a call.

Contract in docs/protocol.md ("Voice pack"). Admin only (server/access.py): 401
without a session, 403 `role_not_allowed` for a petugas or a koordinator. A clip
stored or deleted is written in the audit log (`voice.clip_saved`,
`voice.clip_deleted`). Upload: the WAV file itself as the body
(`Content-Type: audio/wav`), at most `voicepack.MAX_UPLOAD_BYTES`; the clip's
checks and their Indonesian refusals are `audio.voicepack.ClipError`'s.

The routes come with the announcer's (`Announcer.routes()`), so they exist only on
a hub with spoken calls (not with `--no-audio`), and reach whichever announcer is
current after a configuration change (server/live_announcer.py).
"""

from __future__ import annotations

import asyncio
from typing import Protocol

from pydantic import Field
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from audio.settings import AudioSettings
from audio.voicepack import GROUP_TITLES, MAX_SECONDS, MAX_UPLOAD_BYTES, ClipError, VoicePack, spec_of, too_large
from config.site import SiteConfig
from server import access, audit
from server.api import answer, client_address, read_body, read_bytes
from server.audit import AuditEntry
from server.errors import Conflict, HubError, unknown_counter
from server.openapi import documented
from server.views import Body, View

WAV_TYPES = ("audio/wav", "audio/x-wav", "audio/wave", "audio/vnd.wave")
NO_STORE = {"Cache-Control": "no-store"}
ERRORS = (401, 403)  # every endpoint: no session; not an admin
SAMPLE_DIGITS = "123"  # the preview's example number: the first service's code and these digits


class VoicePackOwner(Protocol):
    """What the routes need from the announcer (audio.announcer.Announcer)."""

    config: SiteConfig
    settings: AudioSettings
    voice_pack: VoicePack

    def voice_pack_status(self) -> dict:
        """VoicePack.status() with what this site's calls need, "enabled" and "unsayable"."""

    def preview(self, ticket: dict, counter: dict) -> dict:
        """A call rendered with the voice pack: {"text", "audio_url", "from_clips", "missing", "unsayable"}."""


# ---------------------------------------------------------------- payloads


class ClipView(View):
    """One clip of the pack, for the recording page."""

    id: str = Field(examples=["loket"], description="the clip's name (its file: <id>.wav)")
    text: str = Field(examples=["Loket"], description="what to say into the microphone")
    hint: str = Field(examples=["nama loket, misalnya \u201cloket dua puluh\u201d"],
                      description="where the words are heard in a call (Indonesian)")
    group: str = Field(examples=["penutup"], description="the group it is listed under (`groups`)")
    optional: bool = Field(description="calls never need it (the recall's opening, \"panggilan ulang\")")
    needed: bool = Field(description="this site's calls use it (its services' letters, its counters' names, the "
                                     "number words)")
    present: bool = Field(description="recorded and usable")
    seconds: float | None = Field(description="length of the stored clip, silence trimmed; null when not recorded")
    problem: str | None = Field(None, description="why the file in the folder cannot be used (Indonesian); null "
                                                  "when there is none or it is fine")


class ClipGroup(View):
    id: str = Field(examples=["angka"])
    title: str = Field(examples=["Angka"], description="Indonesian, for the page")


class ClipLimits(View):
    max_bytes: int = Field(description="the largest WAV file accepted, in bytes (413 beyond)")
    max_seconds: float = Field(description="the longest clip accepted, in seconds (the page stops recording there)")


class CounterChoice(View):
    id: str
    name: str


class PreviewSample(View):
    number: str = Field(examples=["A123"])
    counter: str = Field(examples=["1"])


class VoicePackAnswer(View):
    """The voice pack: every clip, which this site's calls need and which of those are still missing."""

    enabled: bool = Field(description="`[audio] voice_pack`: calls use the clips (else only the preview does)")
    clips: list[ClipView] = Field(description="every clip, in the order of `groups`")
    groups: list[ClipGroup]
    missing: list[str] = Field(description="ids of the clips this site's calls need and that are not recorded; "
                                           "while any is missing, calls that need it are spoken by the engine")
    unsayable: list[str] = Field(description="words of this site's calls that no clip says (e.g. from a counter's "
                                             "name): calls with them are always spoken by the engine")
    limits: ClipLimits
    counters: list[CounterChoice] = Field(description="the counters a preview may call to")
    sample: PreviewSample = Field(description="an example call for the preview")


class ClipChangeAnswer(View):
    """A clip stored or deleted: what the audit log says, and the pack after the change."""

    message: str = Field(examples=["Klip suara \u201cLoket\u201d disimpan (0,6 detik)."],
                         description="Indonesian, the audit log's summary")
    voice_pack: VoicePackAnswer


class PreviewRequest(Body):
    number: str = Field(examples=["A123"], pattern=r"^[A-Za-z]{1,4}[0-9]{1,5}$",
                        description="a ticket number: the service's code, then digits",
                        json_schema_extra={"message": "Nomor contoh harus kode layanan lalu angka, misalnya A123."})
    counter: str = Field(examples=["20"], description="a counter's id: its name is spoken")


class PreviewAnswer(View):
    """A call as the hall hears it with the voice pack switched on."""

    text: str = Field(examples=["Nomor antrian, a, seratus dua puluh tiga. Silakan menuju loket dua puluh."],
                      description="the words of the call")
    audio_url: str = Field(examples=["/audio/3f9a0c1d2e4b5a6c7d8e9f01.wav"],
                           description="the call's sound (chime and words), as a TV would fetch it")
    from_clips: bool = Field(description="the Indonesian phrase is assembled from the recorded clips; false: the "
                                         "engine says the whole phrase (see missing and unsayable)")
    missing: list[str] = Field(description="ids of the clips this call needs that are not recorded")
    unsayable: list[str] = Field(description="words of this call that no clip says")


# ---------------------------------------------------------------- routes


def _clip_error(exc: ClipError) -> HubError:
    return HubError(exc.code, exc.message, status=exc.status)


def pack_view(owner: VoicePackOwner, config: SiteConfig) -> VoicePackAnswer:
    """The pack as GET /api/admin/voice answers it. `enabled`, the counters and the sample come from the
    running configuration `config` (the hall's, which the announcer follows a moment later)."""
    status = owner.voice_pack_status()
    invalid = status["invalid"]
    first = next(iter(config.counters.values()))
    code = first.services[0] if first.services else "A"
    return VoicePackAnswer(
        enabled=config.audio.voice_pack,
        clips=[ClipView(**row, problem=invalid.get(row["id"])) for row in status["clips"]],
        groups=[ClipGroup(id=group, title=title) for group, title in GROUP_TITLES.items()],
        missing=status["missing"], unsayable=status["unsayable"],
        limits=ClipLimits(max_bytes=MAX_UPLOAD_BYTES, max_seconds=MAX_SECONDS),
        counters=[CounterChoice(id=c.id, name=c.name) for c in config.counters.values()],
        sample=PreviewSample(number=code + SAMPLE_DIGITS, counter=first.id),
    )


async def _wav_body(request: Request) -> bytes:
    """The uploaded WAV: 413 too_large past MAX_UPLOAD_BYTES, 415 for another media type."""
    length = request.headers.get("content-length", "")
    if length.isascii() and length.isdigit() and int(length) > MAX_UPLOAD_BYTES:
        raise _clip_error(too_large(int(length)))
    try:
        return await read_bytes(request, limit=MAX_UPLOAD_BYTES, types=WAV_TYPES,
                                wrong_type="Kirim rekaman sebagai berkas WAV (Content-Type: audio/wav).")
    except HubError as exc:
        if exc.code == "body_too_large":
            raise _clip_error(too_large()) from None
        raise


def _entry(request: Request, officer, action: str, summary: str, detail: dict) -> AuditEntry:
    return AuditEntry(request.app.state.clock(), action, summary, officer=officer.username, agency=officer.agency,
                      address=client_address(request), detail=detail)


def _seconds(value: float) -> str:
    return f"{value:.1f}".replace(".", ",")


def voice_routes(owner: VoicePackOwner) -> list[BaseRoute]:
    """GET /api/admin/voice, GET/PUT/DELETE /api/admin/voice/clips/{clip}, POST /api/admin/voice/preview."""

    def changed(request: Request, summary: str) -> JSONResponse:
        view = ClipChangeAnswer(message=summary, voice_pack=pack_view(owner, request.app.state.config))
        return answer(view, headers=NO_STORE)

    @documented("The voice pack: every clip with what to say, and which this site's calls still miss",
                {200: VoicePackAnswer}, errors=ERRORS, secured=True, description="Admin only. docs/audio.md.")
    async def voice_pack(request: Request) -> JSONResponse:
        await access.admin_of(request, "admin")
        return answer(pack_view(owner, request.app.state.config), headers=NO_STORE)

    @documented("One recorded clip as it is stored (WAV, 22 050 Hz mono 16-bit), to hear it back",
                {200: "audio/wav"}, errors=(*ERRORS, 404), secured=True,
                description="404 unknown_clip (no such clip), clip_missing (not recorded).")
    async def get_clip(request: Request) -> Response:
        await access.admin_of(request, "admin")
        try:
            wav = owner.voice_pack.clip_wav(request.path_params["clip"])
        except ClipError as exc:
            raise _clip_error(exc) from None
        return Response(wav, media_type="audio/wav", headers=NO_STORE)

    @documented("Record or replace one clip: the WAV file is the body", {200: ClipChangeAnswer},
                raw_body="audio/wav", errors=(*ERRORS, 404, 413, 415, 422), secured=True,
                description="A PCM WAV (8 to 32 bit, 8 to 192 kHz, mono or stereo) of at most 5 MiB and 10 s, with "
                            "audible speech. 404 unknown_clip; 413 too_large; 415 unsupported_media_type; 422 "
                            "not_wav, unsupported_format, damaged_wav, empty_wav, too_long, too_short, silent.")
    async def put_clip(request: Request) -> JSONResponse:
        officer = await access.admin_of(request, "admin")
        try:
            spec = spec_of(request.path_params["clip"])  # an unknown name is a 404 before any upload is read
            data = await _wav_body(request)
            replaced = spec.id in owner.voice_pack.clip_ids()
            clip = await asyncio.to_thread(owner.voice_pack.store, spec.id, data)
        except ClipError as exc:
            raise _clip_error(exc) from None
        seconds = round(clip.pcm.duration, 2)
        summary = f"Klip suara \u201c{spec.text}\u201d {'diganti' if replaced else 'disimpan'} " \
                  f"({_seconds(seconds)} detik)."
        await request.app.state.store.add_audit(_entry(request, officer, audit.VOICE_CLIP_SAVED, summary, {
            "clip": spec.id, "seconds": seconds, "replaced": replaced, "bytes": len(data), "digest": clip.digest}))
        return changed(request, summary)

    @documented("Delete one clip: calls that need it are spoken by the engine again", {200: ClipChangeAnswer},
                errors=(*ERRORS, 404), secured=True,
                description="404 unknown_clip (no such clip), clip_missing (not recorded).")
    async def delete_clip(request: Request) -> JSONResponse:
        officer = await access.admin_of(request, "admin")
        try:
            spec = spec_of(request.path_params["clip"])
            existed = await asyncio.to_thread(owner.voice_pack.delete, spec.id)
        except ClipError as exc:
            raise _clip_error(exc) from None
        if not existed:
            raise HubError("clip_missing", f"Klip \u201c{spec.text}\u201d belum direkam.", status=404)
        summary = f"Klip suara \u201c{spec.text}\u201d dihapus."
        await request.app.state.store.add_audit(_entry(request, officer, audit.VOICE_CLIP_DELETED, summary,
                                                       {"clip": spec.id}))
        return changed(request, summary)

    @documented("Hear a whole call in the hall's recorded voice: the call is rendered like a real one",
                {200: PreviewAnswer}, body=PreviewRequest, errors=(400, *ERRORS, 404, 409, 413, 415, 422),
                secured=True, description="Uses the clips even while `[audio] voice_pack` is off; a call that needs "
                "a clip not recorded is spoken by the engine, as a real call would be. 404 unknown_counter; 409 "
                "audio_off when `[audio] output = \"off\"` (nothing is rendered).")
    async def preview(request: Request) -> JSONResponse:
        await access.admin_of(request, "admin")
        wanted = await read_body(request, PreviewRequest)
        counter = owner.config.counters.get(wanted.counter)
        if counter is None:
            raise unknown_counter(wanted.counter)
        if owner.settings.output == "off":
            raise Conflict("audio_off", "Suara panggilan dimatikan (audio.output = \"off\"), jadi contoh panggilan "
                                        "tidak dapat diputar. Klip tetap dapat didengar satu per satu.")
        number = wanted.number.upper()
        ticket = {"number": number, "service": number.rstrip("0123456789")}
        result = owner.preview(ticket, {"id": counter.id, "name": counter.name, "zone": counter.zone})
        return answer(PreviewAnswer(**result), headers=NO_STORE)

    return [
        Route("/api/admin/voice", voice_pack, methods=["GET"], name="voice_pack"),
        Route("/api/admin/voice/clips/{clip}", get_clip, methods=["GET"], name="voice_clip_get"),
        Route("/api/admin/voice/clips/{clip}", put_clip, methods=["PUT"], name="voice_clip_put"),
        Route("/api/admin/voice/clips/{clip}", delete_clip, methods=["DELETE"], name="voice_clip_delete"),
        Route("/api/admin/voice/preview", preview, methods=["POST"], name="voice_preview"),
    ]
