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

from datetime import datetime
from pathlib import Path
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates

from config.site import SiteConfig
from display.settings import THEMES

HERE = Path(__file__).parent
templates = Jinja2Templates(directory=HERE / "templates")

IMAGE_TYPES = {".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".png": "image/png", ".webp": "image/webp",
               ".gif": "image/gif", ".svg": "image/svg+xml"}
VIDEO_TYPES = {".mp4": "video/mp4", ".webm": "video/webm", ".ogv": "video/ogg"}
MEDIA_LIMIT = 200  # files listed from the media folder

# Indonesia's three civil time zones, by UTC offset in hours.
ZONE_LABELS = {7: "WIB", 8: "WITA", 9: "WIT"}

# Everything the page loads comes from the hub; inline scripts and inline handlers (onerror=...)
# never run. 'unsafe-eval' stays allowed: our code never evals, but browser automation
# (Playwright's wait_for_function) and diagnostic consoles do.
CSP = ("default-src 'self'; script-src 'self' 'unsafe-eval'; style-src 'self'; img-src 'self' data: blob:; "
       "media-src 'self' blob:; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'self'")


def media_dir(request: Request) -> Path:
    """The media folder: `[display] media_dir` (relative to the site file), else <data-dir>/media."""
    app = request.app.state
    folder = app.config.display.media_dir
    return app.config.beside(folder) if folder else app.settings.data_dir / "media"


def media(folder: Path) -> list[dict]:
    """The playable files of the media folder, in name order."""
    try:
        files = sorted(p for p in folder.iterdir() if not p.name.startswith(".") and _media_type(p) and p.is_file())
    except OSError:
        return []
    return [{"url": f"/display/media/{quote(p.name)}", "kind": _media_type(p)[0]} for p in files[:MEDIA_LIMIT]]


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


def zone_label(now: datetime) -> str:
    """WIB, WITA or WIT for Indonesian time zones; otherwise the zone's own abbreviation."""
    offset = now.utcoffset()
    hours = offset.total_seconds() / 3600 if offset is not None else None
    return ZONE_LABELS.get(hours) or now.tzname() or "UTC"


def _page(request: Request, name: str, context: dict, status: int = 200) -> Response:
    response = templates.TemplateResponse(request, name, context, status_code=status)
    response.headers["Content-Security-Policy"] = CSP
    response.headers["Cache-Control"] = "no-store"
    return response


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
    now = app.clock().astimezone(config.site.tz)
    zone = config.zones.get(zone_id) if zone_id else None
    setup = {
        "zone": zone_id,
        "zone_name": zone.name if zone else None,
        "audio": request.query_params.get("audio", "1") not in ("0", "false", "off", "tidak"),
        "utc_offset_minutes": round(now.utcoffset().total_seconds() / 60),
        "zone_label": zone_label(now),
        "hub_now": now.isoformat(),
        "image_seconds": options.image_seconds,
        "media_sound": options.media_sound,
    }
    return _page(request, "display.html", {
        "site": config.site,
        "zone": zone,
        "theme": theme,
        "logo": _logo_path(config) is not None,
        "setup": setup,
    })


async def logo(request: Request) -> Response:
    path = _logo_path(request.app.state.config)
    if path is None:
        return Response("Logo tidak diatur.", status_code=404, media_type="text/plain; charset=utf-8")
    return FileResponse(path, media_type=IMAGE_TYPES[path.suffix.lower()], headers={"Cache-Control": "max-age=3600"})


async def media_list(request: Request) -> JSONResponse:
    return JSONResponse({"media": media(media_dir(request))}, headers={"Cache-Control": "no-store"})


async def media_file(request: Request) -> Response:
    name = request.path_params["name"]
    folder = media_dir(request)
    path = folder / name
    kind = _media_type(path)
    # Only plain file names straight inside the media folder.
    if "/" in name or "\\" in name or name.startswith(".") or kind is None or not path.is_file():
        return Response("Berkas media tidak ditemukan.", status_code=404, media_type="text/plain; charset=utf-8")
    return FileResponse(path, media_type=kind[1], headers={"Cache-Control": "max-age=300"})


routes = [
    Route("/display", display),
    Route("/display/logo", logo),
    Route("/display/media", media_list),
    Route("/display/media/{name}", media_file),
    Mount("/static/display", StaticFiles(directory=HERE / "static"), name="display-static"),
]
