"""The admin console: `GET /admin` and its static files.

The hall's staff change the configuration here while the hub runs: agencies,
services, counters, zones, officers and their PINs, the TVs' running text and
media, the calendar; and read the audit log. The page is one template and plain
JavaScript; everything it shows comes from the admin API (docs/protocol.md,
"Admin API"): the configuration, the schema its forms are built from (labels,
types, ranges, help texts), the audit log. The hub decides every rule on save.
The page holds an officer's session token: its policy (server/pages.py ADMIN)
forbids inline code and framing, caching and referrers.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from starlette.requests import Request
from starlette.routing import Route

from admin.voice import voice_page
from server import pages
from server.openapi import documented
from server.views import View

HERE = Path(__file__).resolve().parent
templates = pages.templates_for(HERE)


class AdminBoot(View):
    """What the admin console starts with, before anyone logs in."""

    site_name: str
    timezone: str = Field(description="the site's IANA time zone, for the times of the audit log")


@documented("The admin console (docs/admin.md)", {200: "text/html"})
async def admin_page(request: Request):
    site = request.app.state.config.site
    boot = AdminBoot(site_name=site.name, timezone=site.timezone)
    return pages.render(request, templates, "admin.html", {"site_name": site.name}, policy=pages.ADMIN, boot=boot)


routes = [
    Route("/admin", admin_page),
    Route("/admin/voice", voice_page),
    pages.static_mount("admin", HERE),
]
