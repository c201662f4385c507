"""The admin area: its pages, who may open each, and the top bar they share.

The admin area is six pages built by five parts: the console (`/admin`, admin/), the reports
(`/admin/reports`, reports/), the IKM (`/admin/ikm`, survey/), the devices and the health board
(`/admin/devices`, `/admin/health`, devices/), the hall's recorded voice (`/admin/voice`, admin/ with
audio/). They share one log-in (the session kept in the
browser tab, sessionStorage `mpp.admin.session`) and one top bar: the templates include
`server/templates/admin_area.html` (`area_bar`, `area_login`), styled by
`/static/common/area.css`; `/static/common/area.js` shows who is logged in and only the links
their role may open (`MppArea.ready(officer)`, called by each page once the officer is known).

`PAGES` is the one list of the area's pages and roles: add a page here and it appears on every
page's bar. The roles repeat what each page's API enforces (server/access.py); a test checks
that a role shown a link is served by that page's API, and one not shown is refused.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class AreaPage:
    """One page of the admin area: its address, its label on the bar, the roles it is shown to."""

    path: str
    label: str
    roles: tuple[str, ...]

    @property
    def roles_text(self) -> str:
        """The roles as the link's `data-roles` (space-separated), read by area.js."""
        return " ".join(self.roles)


BOTH = ("admin", "koordinator")
PAGES: tuple[AreaPage, ...] = (
    AreaPage("/admin", "Pengaturan", BOTH),
    AreaPage("/admin/reports", "Laporan", BOTH),
    AreaPage("/admin/ikm", "IKM", BOTH),
    # The devices and the hub belong to the hall, not to one agency (server/devices_api.py).
    AreaPage("/admin/devices", "Perangkat", ("admin",)),
    AreaPage("/admin/health", "Kesehatan sistem", ("admin",)),
    AreaPage("/admin/voice", "Suara panggilan", ("admin",)),  # the hall's recorded voice (admin/voice.py)
)
# How the bar names a role (a koordinator's agency follows: "Koordinator DUKCAPIL").
ROLE_LABELS = {"admin": "Admin", "koordinator": "Koordinator", "petugas": "Petugas"}
