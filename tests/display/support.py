"""Helpers for the display's browser tests: open the TV page and make calls through the API."""

from __future__ import annotations

from tests.conftest import HubProcess

LANDSCAPE = {"width": 1920, "height": 1080}


def open_display(browser, hub: HubProcess, query: str = "zone=lantai-2", viewport: dict = LANDSCAPE,
                 *, clock: bool = False, init_script: str | None = None):
    """A fresh page (own storage) showing the display, once its first snapshot is drawn.
    `clock`: the page runs on Playwright's clock, which a test can move forward; `init_script` runs before the
    page's own scripts."""
    context = browser.new_context(viewport=viewport)
    if init_script:
        context.add_init_script(init_script)
    page = context.new_page()
    if clock:
        page.clock.install()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.errors = errors
    page.goto(f"{hub.url}/display?{query}")
    page.wait_for_function("() => window.displayHub && window.displayHub.online && window.displayHub.seq !== null")
    return page


def call_next(hub: HubProcess, counter: str, token: str) -> dict:
    status, body = hub.request("POST", f"/api/counters/{counter}/call-next", token=token)
    assert status == 200, body
    return body["ticket"]


def act(hub: HubProcess, counter: str, action: str, token: str) -> dict:
    status, body = hub.request("POST", f"/api/counters/{counter}/{action}", token=token)
    assert status == 200, body
    return body


def played(page) -> list[dict]:
    return page.evaluate("window.displayPlayer.played.map(p => ({...p}))")


def wait_played(page, count: int, timeout: float = 20_000) -> list[dict]:
    """Wait until `count` calls have finished playing (cue and sound over)."""
    page.wait_for_function(
        "n => window.displayPlayer.played.filter(p => p.ended_at !== null).length >= n", arg=count, timeout=timeout
    )
    return played(page)
