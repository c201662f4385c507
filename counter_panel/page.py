"""The officer's counter panel: `GET /counter` and its static files.

The page itself is one template; everything live comes from the hub's API and
the counter WebSocket. Its start-up data hands over what the page cannot ask
the hub for: the idle time after which the officer is logged out, and how the
hub says so. The page holds the officer's session token: its policy
(server/pages.py COUNTER) forbids inline code and framing, caching and referrers.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from starlette.requests import Request
from starlette.routing import Route

from server import pages
from server.openapi import documented
from server.views import View

HERE = Path(__file__).resolve().parent
templates = pages.templates_for(HERE)


class CounterBoot(View):
    """What the counter panel starts with: the session rules it shows (the hub enforces them)."""

    idle_minutes: int = Field(description="the hub ends a session idle this long (site.session_idle_minutes)")
    idle_message: str = Field(description="what the panel says when it logs out by itself after that time")


@documented("The officer's counter panel (docs/counter_panel.md)", {200: "text/html"},
            query={"loket": "the counter to open after log-in"})
async def counter_page(request: Request):
    app = request.app.state
    site = app.config.site
    boot = CounterBoot(idle_minutes=site.session_idle_minutes, idle_message=app.auth.idle_message)
    return pages.render(request, templates, "counter.html", {"site_name": site.name}, policy=pages.COUNTER, boot=boot)


routes = [
    Route("/counter", counter_page),
    pages.static_mount("counter", HERE),
]
