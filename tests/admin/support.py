"""Driving the admin console in Chromium: log in, open a section, reach a field by its key path."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import expect

from config.site import dump_toml
from tests.conftest import HubProcess
from tests.hub.test_admin import site_with_koordinator

OFFICE = {"width": 1366, "height": 768}
TABLET = {"width": 768, "height": 1024}


class Console:
    """One admin console page, with the JavaScript errors it raised."""

    def __init__(self, browser, hub: HubProcess, viewport: dict | None = None) -> None:
        self.context = browser.new_context(viewport=viewport or OFFICE)
        self.page = self.context.new_page()
        self.errors: list[str] = []
        self.page.on("pageerror", lambda exc: self.errors.append(str(exc)))
        self.hub = hub
        self.page.goto(hub.url + "/admin")

    def log_in(self, username: str = "koordinator", pin: str = "1111") -> Console:
        self.page.fill("#username", username)
        self.page.fill("#pin", pin)
        self.page.click("#login-button")
        expect(self.page.locator("#view .page")).to_be_visible()
        return self

    def section(self, name: str) -> None:
        self.page.click(f'.nav-item[data-section="{name}"]')
        expect(self.page.locator(f'.nav-item.active[data-section="{name}"]')).to_be_visible()

    def open(self, key: str) -> None:
        """Open the list's item with this key (a service code, a counter id, a username) in the editor."""
        self.page.click(f'#view .grid tr.row[data-key="{key}"]')
        expect(self.page.locator("#view .editor")).to_be_visible()

    def field(self, path: str):
        """The field of the key `path` (e.g. "services[0].name"), as the hub names it in errors."""
        return self.page.locator(f'.field[data-path="{path}"]')

    def fill(self, path: str, value: str) -> None:
        self.field(path).locator("input, textarea").first.fill(value)

    def save(self) -> None:
        self.page.click("#save")

    def notice(self):
        return self.page.locator("#notice-text")

    def close(self) -> None:
        self.context.close()
        assert not self.errors, self.errors


def koordinator_site(folder: Path) -> Path:
    """The test site with dewi (PIN 1111) as DUKCAPIL's koordinator and budi as its petugas, as a file."""
    path = folder / "site.toml"
    path.write_text(dump_toml(site_with_koordinator()), encoding="utf-8")
    return path
