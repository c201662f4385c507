"""The officer's counter panel: `GET /counter` and its static files.

The page itself is one template; everything live comes from the hub's API and
the counter WebSocket. The template only hands over what the page cannot ask
the hub for: the idle time after which the officer is logged out.
"""

from __future__ import annotations

from pathlib import Path

from starlette.requests import Request
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates

HERE = Path(__file__).resolve().parent
templates = Jinja2Templates(directory=HERE / "templates")


# The page holds the officer's session token: no inline code, no framing, no caching, and the
# address (?loket=...) is not passed on.
HEADERS = {
    "Content-Security-Policy": "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                               "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'; "
                               "frame-ancestors 'none'",
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
}


async def counter_page(request: Request):
    site = request.app.state.config.site
    return templates.TemplateResponse(request, "counter.html", {
        "site_name": site.name,
        "idle_minutes": site.session_idle_minutes,
    }, headers=HEADERS)


routes = [
    Route("/counter", counter_page),
    Mount("/static/counter", StaticFiles(directory=HERE / "static"), name="counter-static"),
]
