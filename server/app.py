"""`create_app(settings)`: the hub as one Starlette application."""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import logging
from pathlib import Path

from starlette.applications import Starlette
from starlette.datastructures import State
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from config.site import SiteConfig
from server import admin, api, backup, devices_api, health, sockets
from server.auth import Auth
from server.backup import Backups
from server.database import open_database
from server.devices import Devices
from server.errors import HubError, error_json
from server.hall import Hall
from server.hub import Hub
from server.limits import pairing_allowance, ticket_allowance
from server.live_announcer import LiveAnnouncer
from server.openapi import documented
from server.pages import page_version
from server.settings import Settings
from server.store import Store

log = logging.getLogger("mpp.app")

STATIC = Path(__file__).with_name("static")  # shared browser code: /static/common/...
ROOT = Path(__file__).resolve().parent.parent  # the program's folder: every package's pages


# Each front-end package owns its page routes and static files. A package may
# also define `attach(app)`, called when the app is built (to start what the
# page owns, e.g. the kiosk's printers); what it returns may have a `close()`,
# called at shutdown, a `reconfigure(config)`, called with each new running
# configuration (the database's at start, then every accepted change), and an
# async `start()`, called once the hall has started (before the first request).
# Configuration sections are validated before, by load_config.
PAGES = ("display.page", "counter_panel.page", "kiosk.page", "admin.page", "survey.page", "devices.page",
         "reports.page")


def _make_announcer(settings: Settings) -> LiveAnnouncer | None:
    """The announcer, following the running configuration (server/live_announcer.py); None without audio."""
    if settings.announcer_factory is None:
        return None
    try:
        return LiveAnnouncer(settings.announcer_factory, settings.config, settings.data_dir / "audio-cache")
    except Exception:
        log.exception("spoken calls disabled: the announcer could not be created")
        return None


async def hub_error(request: Request, exc: HubError) -> JSONResponse:
    return JSONResponse(exc.to_json(), status_code=exc.status, headers=exc.headers)


async def http_error(request: Request, exc: HTTPException) -> JSONResponse:
    messages = {404: "Alamat tidak ditemukan.", 405: "Metode tidak diizinkan untuk alamat ini."}
    code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
    return JSONResponse(error_json(code, messages.get(exc.status_code, str(exc.detail))),
                        status_code=exc.status_code, headers=getattr(exc, "headers", None))


async def server_error(request: Request, exc: Exception) -> JSONResponse:
    log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return JSONResponse(error_json("internal_error", "Terjadi kesalahan pada server. Silakan coba lagi."),
                        status_code=500)


class HubState(State):
    """`app.state`, where `config` is always the hall's running configuration (`hall.config`).

    The configuration has one holder, the hall, so that replacing it (issue 10's live
    configuration) is one assignment that every page sees on its next request.
    """

    @property
    def config(self) -> SiteConfig:
        return self._state["hall"].config

    def __setattr__(self, key: str, value) -> None:
        if key == "config":
            raise AttributeError("the running configuration is hall.config; app.state.config reads it")
        super().__setattr__(key, value)


@documented("The TV display's address, for a browser opened on the hub's address", {307: None})
async def home(request: Request) -> RedirectResponse:
    return RedirectResponse("/display")


def create_app(settings: Settings) -> Starlette:
    config = settings.config
    store = Store(open_database(settings.database_url, settings.database, synchronous=settings.durability))
    hub = Hub(settings.heartbeat_seconds)
    announcer = _make_announcer(settings)
    hall = Hall(config, store, hub, announcer, settings.clock)
    devices = Devices(store)
    backups = Backups(store, lambda: hall.config, settings.data_dir, settings.clock)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette):
        await store.open()
        await devices.load()
        await hall.start()
        app.state.started_at = devices.started_at = settings.clock()
        hub.start()
        for part in attached.values():
            start = getattr(part, "start", None)
            if start is not None:
                await start()
        if announcer is not None:
            try:
                await announcer.start()
            except Exception:
                log.exception("audio failed to start; calls go out as text only")
        await backups.start()
        watcher = asyncio.create_task(health.watch_devices(devices, store, lambda: hall.config, settings.clock))
        try:
            yield
        finally:
            watcher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await watcher
            await backups.stop()
            for part in attached.values():
                close = getattr(part, "close", None)
                if close is not None:
                    close()
            await hub.stop()
            await hall.stop()
            if announcer is not None:
                await announcer.stop()
            with contextlib.suppress(Exception):
                await store.save_last_seen(devices.seen_to_save(settings.clock(), force=True))
            await store.close()

    pages = [importlib.import_module(name) for name in PAGES]
    routes = [
        Route("/", home),
        *api.routes,
        *admin.routes,
        *devices_api.routes,
        *health.routes,
        *backup.routes,
        *sockets.routes,
        Mount("/static/common", StaticFiles(directory=STATIC), name="common-static"),
        *(route for page in pages for route in page.routes),
    ]
    if announcer is not None:
        routes += announcer.routes()
    app = Starlette(
        routes=routes,
        lifespan=lifespan,
        exception_handlers={HubError: hub_error, HTTPException: http_error, Exception: server_error},
    )
    app.state = HubState()
    app.state.settings = settings
    app.state.store = store
    app.state.hub = hub
    app.state.hall = hall
    app.state.auth = Auth(lambda: hall.config, store)
    app.state.ticket_limiter = ticket_allowance(lambda: hall.config.site)
    app.state.pairing_limiter = pairing_allowance()
    app.state.devices = devices
    app.state.backups = backups
    app.state.page_version = page_version(ROOT)
    app.state.started_at = settings.clock()  # again when the lifespan starts
    app.state.announcer = announcer
    app.state.clock = settings.clock
    app.state.ticket_outlet = None  # where issued tickets go out: set by the kiosk package's attach()
    # By package name ("kiosk"); a part with a health() (the kiosk's printers) reports in /api/health.
    attached = {page.__name__.split(".")[0]: page.attach(app) for page in pages if hasattr(page, "attach")}
    app.state.health_parts = {name: part for name, part in attached.items() if hasattr(part, "health")}
    # What was built from the configuration follows it when it changes (after each commit).
    hall.listeners += [part.reconfigure for part in (*attached.values(), announcer) if hasattr(part, "reconfigure")]
    return app
