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
from server.audit import GROUPS
from server.openapi import documented
from server.views import View

HERE = Path(__file__).resolve().parent
templates = pages.templates_for(HERE)


class AuditFilter(View):
    """One choice of the audit log's filter: `?action=<value>`."""

    value: str
    label: str
    admin_only: bool = Field(description="offered to an admin only (a koordinator sees no such entries)")


class AdminBoot(View):
    """What the admin console starts with, before anyone logs in."""

    site_name: str
    timezone: str = Field(description="the site's IANA time zone, for the times of the audit log")
    audit_filters: list[AuditFilter] = Field(description="the audit log's filter, in order (server/audit.py)")


@documented("The admin console (docs/admin.md)", {200: "text/html"})
async def admin_page(request: Request):
    site = request.app.state.config.site
    boot = AdminBoot(site_name=site.name, timezone=site.timezone,
                     audit_filters=[AuditFilter(value=v, label=label, admin_only=only) for v, label, only in GROUPS])
    return pages.render(request, templates, "admin.html", {"site_name": site.name}, policy=pages.ADMIN, boot=boot)


routes = [
    Route("/admin", admin_page),
    Route("/admin/voice", voice_page),
    pages.static_mount("admin", HERE),
]
