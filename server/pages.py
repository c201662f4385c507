"""One shell for every page: security headers from a per-page policy, start-up data, static files.

- **Headers**: `PagePolicy.headers()` builds the Content-Security-Policy and the other security
  headers of a page from its policy (`DISPLAY`, `COUNTER`, `ADMIN`, `KIOSK`, `STATUS`). Scripts and styles
  come only from the hub; no inline code, no eval.
- **Start-up data**: a page gets what it needs before its WebSocket connects as one JSON object,
  `<script type="application/json" id="boot">`, read with `MppUI.boot()` (server/static/ui.js).
- **Static files**: `/static/<package>/<file>` for each package (`/static/common/` is the hub's
  shared browser code), mounted by `static_mount()`.
- **Templates** extend `server/templates/page.html` (`templates_for()`); the admin area's pages share
  its top bar and log-in (`server/templates/admin_area.html`, server/admin_area.py).
- **Version**: every page carries `<meta name="mpp-page-version">`, a hash of all the pages' code
  (`page_version()`); hubclient.js reports it on the WebSocket, so the health board shows a screen
  still running the code from before an update.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates

from server import admin_area

SHELL = Path(__file__).with_name("templates")
HOST_RE = re.compile(r"^[A-Za-z0-9.:\[\]-]{1,255}$")


@dataclass(frozen=True)
class PagePolicy:
    """What one page may load, who may frame it, and whether its address or contents are a secret."""

    img_src: str = "'self' data:"
    media_src: str | None = None  # None: no audio or video
    frame_ancestors: str = "'none'"
    private: bool = False  # holds a token (counter panel) or is one (/t/<token>): no referrer, ever

    def headers(self, request: Request) -> dict[str, str]:
        host = request.headers.get("host", "")
        # 'self' covers the page's own ws:// in current browsers; older ones need it spelled out.
        sockets = f" ws://{host} wss://{host}" if HOST_RE.match(host) else ""
        directives = [
            "default-src 'self'", "script-src 'self'", "style-src 'self'", f"img-src {self.img_src}",
            *([f"media-src {self.media_src}"] if self.media_src else []),
            f"connect-src 'self'{sockets}", "object-src 'none'", "base-uri 'none'", "form-action 'none'",
            f"frame-ancestors {self.frame_ancestors}",
        ]
        return {
            "Content-Security-Policy": "; ".join(directives),
            "Cache-Control": "no-store",
            "X-Content-Type-Options": "nosniff",
            "Referrer-Policy": "no-referrer" if self.private else "same-origin",
        }


# A TV may be shown inside the hall's own signage page; it plays the calls' sound and the media folder.
DISPLAY = PagePolicy(img_src="'self' data: blob:", media_src="'self' blob:", frame_ancestors="'self'")
COUNTER = PagePolicy(private=True)
ADMIN = PagePolicy(private=True)  # holds an admin's session token
KIOSK = PagePolicy()
STATUS = PagePolicy(private=True)


def page_version(root: Path) -> str:
    """12 hex digits that change whenever any page's code changes: a hash of every file in the
    `static/` and `templates/` folders of the packages under `root` (the program's folder)."""
    digest = hashlib.sha256()
    for folder in sorted(p for pattern in ("*/static", "*/templates") for p in root.glob(pattern) if p.is_dir()):
        for path in sorted(f for f in folder.rglob("*") if f.is_file()):
            digest.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:12]


def templates_for(package_dir: Path, *also: Path) -> Jinja2Templates:
    """A package's templates (then those of the folders `also`, e.g. another package's shell to extend),
    able to extend the shell (`{% extends "page.html" %}`) and to use the admin area's top bar and log-in
    (`{% from "admin_area.html" import area_bar, area_login with context %}`, server/admin_area.py)."""
    templates = Jinja2Templates(directory=[package_dir / "templates", *also, SHELL])
    templates.env.globals.update(area_pages=admin_area.PAGES, area_role_labels=admin_area.ROLE_LABELS)
    return templates


def static_mount(package: str, package_dir: Path) -> Mount:
    """`/static/<package>/...` served from the package's `static/` folder."""
    return Mount(f"/static/{package}", StaticFiles(directory=package_dir / "static"), name=f"{package}-static")


def render(request: Request, templates: Jinja2Templates, name: str, context: dict[str, Any], *,
           policy: PagePolicy, boot: BaseModel | dict | None = None, status: int = 200) -> Response:
    """A page: the template with its start-up data (`boot`, None for pages without script), under `policy`."""
    if isinstance(boot, BaseModel):
        boot = boot.model_dump(mode="json")
    version = getattr(request.app.state, "page_version", "")
    return templates.TemplateResponse(request, name, {**context, "boot": boot, "page_version": version},
                                      status_code=status, headers=policy.headers(request))
