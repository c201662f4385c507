"""The reports page: `GET /admin/reports`, its static files, and the reports' API routes.

The page is one template and plain JavaScript: a period, a breakdown, the summary
cards, the charts and the table, all drawn from `GET /api/reports/summary` and
`/api/reports/recap` (reports/api.py); the downloads are the same answers as CSV
or XLSX. The charts are drawn by Apache ECharts, vendored under
static/vendor/echarts (name, version and licence: docs/reports.md). The page holds
an admin's or koordinator's session token, shared with the admin console (the same
tab's sessionStorage): its policy (server/pages.py ADMIN) forbids inline code and
framing, caching and referrers.

`attach(app)` gives the app its reports worker (reports/reader.py), `app.state.reports`, the keeper of the
closed days' stored parts (reports/keeper.py), and the reports recently shown (reports/shown.py),
`app.state.reports_shown`.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from starlette.requests import Request
from starlette.routing import Route

from reports import api
from reports.columns import BY_TITLES, DEFINITIONS, KEYS, MEASURES
from reports.keeper import Keeper
from reports.period import MAX_DAYS, quick_periods
from reports.reader import Reader
from reports.shown import Shown
from server import pages
from server.openapi import documented
from server.views import View

HERE = Path(__file__).resolve().parent
templates = pages.templates_for(HERE)
ECHARTS_VERSION = "6.1.0"  # static/vendor/echarts/echarts.min.js, from the npm package `echarts`


class Choice(View):
    value: str
    title: str


class ColumnView(View):
    field: str
    title: str
    kind: str = Field(description="count or duration (seconds, shown as minutes:seconds)")


class ServiceChoice(View):
    value: str
    title: str
    agency: str | None


class ReportsBoot(View):
    """What the reports page starts with, before anyone logs in: the choices it offers and how it titles them."""

    site_name: str
    timezone: str
    today: str = Field(description="the site's local date, YYYY-MM-DD: the default period ends here")
    max_days: int = Field(description="the longest period the hub accepts, in days")
    by: list[Choice] = Field(description="the breakdowns, in the order offered")
    key_titles: dict[str, list[str]] = Field(description="per breakdown: the key and label columns' headings")
    measures: list[ColumnView] = Field(description="the table's measure columns, in order (as the files have them)")
    agencies: list[Choice]
    services: list[ServiceChoice]
    definitions: list[str] = Field(description="what the numbers mean, printed under the table")


@documented("The reports page: waiting and service times, monthly recap, charts, downloads (docs/reports.md)",
            {200: "text/html"})
async def reports_page(request: Request):
    config = request.app.state.config
    site = config.site
    today = api.today(request)
    boot = ReportsBoot(
        site_name=site.name, timezone=site.timezone, today=today.isoformat(), max_days=MAX_DAYS,
        by=[Choice(value=k, title=t) for k, t in BY_TITLES.items()],
        key_titles={k: list(v) for k, v in KEYS.items()},
        measures=[ColumnView(field=c.field, title=c.title, kind=c.kind) for c in MEASURES],
        agencies=[Choice(value=code, title=a.name) for code, a in config.agencies.items()],
        services=[ServiceChoice(value=code, title=s.name, agency=s.agency) for code, s in config.services.items()],
        definitions=list(DEFINITIONS),
    )
    context = {"site_name": site.name, "periods": quick_periods(today)}
    return pages.render(request, templates, "reports.html", context, policy=pages.ADMIN, boot=boot)


class Reports:
    """The reports' part of a running hub: the worker (`reader`) and the keeper of the closed days' stored parts
    (reports/keeper.py), started with the hub and closed with it."""

    def __init__(self, reader: Reader, keeper: Keeper) -> None:
        self.reader = reader
        self.keeper = keeper

    async def start(self) -> None:
        await self.keeper.start()

    def reconfigure(self, config) -> None:
        self.keeper.reconfigure(config)

    def close(self) -> None:
        self.keeper.close()
        self.reader.close()


def attach(app) -> Reports:
    """The reports' worker, for the endpoints (`app.state.reports`), its keeper of stored parts
    (`app.state.reports_keeper`), and the reports recently shown (`app.state.reports_shown`: a download right after
    is the same numbers)."""
    settings = app.state.settings
    reader = Reader(settings.database_url or settings.database)  # PostgreSQL's URL, else the SQLite file
    app.state.reports = reader
    app.state.reports_keeper = Keeper(app.state.hall, reader)
    app.state.reports_shown = Shown()
    return Reports(reader, app.state.reports_keeper)


routes = [
    Route("/admin/reports", reports_page),
    pages.static_mount("reports", HERE),
    *api.routes,
]
