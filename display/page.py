"""The TV display: `GET /display?zone=Z[&audio=0][&theme=terang|gelap]`.

The page itself is static HTML plus plain JavaScript (`static/display.js`); it
draws everything from the hub's WebSocket snapshot and events. These routes
also serve the site logo and the optional media folder (images and videos
shown beside the calls), both read from the configuration at request time.

The `[display]` section is declared in display/settings.py (keys in
docs/configuration.md) and read from `request.app.state.config.display` on
each request.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal
from urllib.parse import quote

from pydantic import Field
from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.routing import Route

from config.site import SiteConfig
from display.settings import THEMES
from server import access, pages
from server.api import answer
from server.errors import NotFound
from server.openapi import documented
from server.views import Timestamp, View

HERE = Path(__file__).parent
templates = pages.templates_for(HERE)

IMAGE_TYPES = {".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".png": "image/png", ".webp": "image/webp",
               ".gif": "image/gif", ".svg": "image/svg+xml"}
VIDEO_TYPES = {".mp4": "video/mp4", ".webm": "video/webm", ".ogv": "video/ogg"}
MEDIA_LIMIT = 200  # files listed from the media folder



class DisplayBoot(View):
    """What a TV page starts with (the rest comes with the WebSocket snapshot)."""

    zone: str | None
    zone_name: str | None
    audio: bool = Field(description="speak the calls (false: ?audio=0)")
    image_seconds: int
    media_sound: bool
    timezone: str = Field(description="the site's IANA time zone, for the clock (Intl.DateTimeFormat)")
    now: Timestamp = Field(description="the hub's time, until the snapshot brings it again")


class MediaItem(View):
    url: str
    kind: Literal["image", "video"]


class MediaList(View):
    """What the TVs play: `[display] playlist`, or the media folder's files in name order."""

    media: list[MediaItem]


class MediaFile(View):
    name: str = Field(examples=["01-jam-layanan.png"])
    kind: Literal["image", "video"]
    bytes: int = Field(ge=0)
    in_playlist: bool = Field(description="the TVs play it now")


class MediaFolder(View):
    """The media folder for the playlist editor (GET /api/admin/media)."""

    playlist: list[str] | None = Field(description="[display] playlist; null: every file, in name order")
    files: list[MediaFile]


def media_dir(request: Request) -> Path:
    """The media folder: `[display] media_dir` (relative to the site file), else <data-dir>/media."""
    app = request.app.state
    folder = app.config.display.media_dir
    return app.config.beside(folder) if folder else app.settings.data_dir / "media"


def media_files(folder: Path) -> list[Path]:
    """The playable files of the media folder, in name order (at most MEDIA_LIMIT)."""
    try:
        files = sorted(p for p in folder.iterdir() if not p.name.startswith(".") and _media_type(p) and p.is_file())
    except OSError:
        return []
    return files[:MEDIA_LIMIT]


def media(folder: Path, playlist: tuple[str, ...] | None = None) -> MediaList:
    """What the TVs play: the files named by `[display] playlist` in its order (names not in the
    folder skipped), or without one every playable file of the folder in name order."""
    files = media_files(folder)
    if playlist is not None:
        by_name = {p.name: p for p in files}
        files = [by_name[name] for name in playlist if name in by_name]
    return MediaList(media=[MediaItem(url=f"/display/media/{quote(p.name)}", kind=_media_type(p)[0]) for p in files])


def _media_type(path: Path) -> tuple[str, str] | None:
    suffix = path.suffix.lower()
    if suffix in IMAGE_TYPES:
        return "image", IMAGE_TYPES[suffix]
    if suffix in VIDEO_TYPES:
        return "video", VIDEO_TYPES[suffix]
    return None


def _logo_path(config: SiteConfig) -> Path | None:
    if not config.site.logo:
        return None
    path = config.beside(config.site.logo)
    return path if path.suffix.lower() in IMAGE_TYPES and path.is_file() else None


def _page(request: Request, name: str, context: dict, status: int = 200, boot: DisplayBoot | None = None) -> Response:
    return pages.render(request, templates, name, context, policy=pages.DISPLAY, boot=boot, status=status)


@documented("A TV display (docs/display.md); an unknown zone gets a page listing the zones",
            {200: "text/html", 404: "text/html"},
            query={"zone": "the zone whose calls it shows (default: all)", "audio": "0: no sound",
                   "theme": "gelap or terang"})
async def display(request: Request) -> Response:
    app = request.app.state
    config: SiteConfig = app.config
    options = config.display
    zone_id = request.query_params.get("zone") or None
    if zone_id is not None and zone_id not in config.zones:
        return _page(request, "error.html", {
            "title": "Zona tidak ditemukan",
            "message": f"Zona “{zone_id}” tidak ada dalam pengaturan {config.site.name}. "
                       "Pilih salah satu zona berikut:",
            "zones": list(config.zones.values()),
        }, status=404)
    theme = request.query_params.get("theme") or options.theme
    if theme not in THEMES:
        theme = options.theme
    zone = config.zones.get(zone_id) if zone_id else None
    boot = DisplayBoot(
        zone=zone_id,
        zone_name=zone.name if zone else None,
        audio=request.query_params.get("audio", "1") not in ("0", "false", "off", "tidak"),
        image_seconds=options.image_seconds,
        media_sound=options.media_sound,
        timezone=config.site.timezone,
        now=app.clock(),
    )
    return _page(request, "display.html", {
        "site": config.site,
        "zone": zone,
        "theme": theme,
        "logo": _logo_path(config) is not None,
    }, boot=boot)


@documented("The site's logo (site.logo)", {200: "image/*"}, errors=(404,))
async def logo(request: Request) -> Response:
    path = _logo_path(request.app.state.config)
    if path is None:
        raise NotFound("logo_not_set", "Logo tidak diatur.")
    return FileResponse(path, media_type=IMAGE_TYPES[path.suffix.lower()], headers={"Cache-Control": "max-age=3600"})


@documented("The images and videos the TVs show beside the calls ([display] playlist, else the folder in "
            "name order)", {200: MediaList})
async def media_list(request: Request) -> Response:
    playlist = request.app.state.config.display.playlist
    return answer(media(media_dir(request), playlist), headers={"Cache-Control": "no-store"})


@documented("The media folder's files, for the admin console's playlist editor", {200: MediaFolder},
            errors=(401, 403), secured=True, description="An admin or a koordinator.")
async def media_folder(request: Request) -> Response:
    await access.admin_of(request)
    playlist = request.app.state.config.display.playlist
    files = []
    for path in media_files(media_dir(request)):
        try:
            size = path.stat().st_size
        except OSError:
            continue
        files.append(MediaFile(name=path.name, kind=_media_type(path)[0], bytes=size,
                               in_playlist=playlist is None or path.name in playlist))
    return answer(MediaFolder(playlist=list(playlist) if playlist is not None else None, files=files),
                  headers={"Cache-Control": "no-store"})


@documented("One file of the media folder", {200: "image/* or video/*"}, errors=(404,))
async def media_file(request: Request) -> Response:
    name = request.path_params["name"]
    folder = media_dir(request)
    path = folder / name
    kind = _media_type(path)
    # Only plain file names straight inside the media folder.
    plain = not ("/" in name or "\\" in name or name.startswith(".")) and kind is not None
    try:
        found = plain and path.is_file()
    except (OSError, ValueError):  # a name too long for the file system, or with a NUL byte
        found = False
    if not found:
        raise NotFound("media_not_found", "Berkas media tidak ditemukan.")
    return FileResponse(path, media_type=kind[1], headers={"Cache-Control": "max-age=300"})


routes = [
    Route("/display", display),
    Route("/display/logo", logo),
    Route("/display/media", media_list),
    Route("/display/media/{name}", media_file),
    Route("/api/admin/media", media_folder),
    pages.static_mount("display", HERE),
]
