"""The admin area in real Chromium against a real hub: one log-in and one bar across the console, reports,
IKM, devices, health board and voice; an admin sees every page, a koordinator only those of their agency."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.admin.support import OFFICE, koordinator_site
from tests.conftest import HubProcess

pytestmark = [pytest.mark.browser, pytest.mark.e2e]

# Each page of the area, its label on the bar, and what shows once it has what it needs from the hub.
PAGES = [
    ("/admin", "Pengaturan", "#view .page"),
    ("/admin/reports", "Laporan", "#summary-result:not([hidden])"),
    ("/admin/ikm", "IKM", "#result:not([hidden])"),
    ("/admin/devices", "Perangkat", "#register-form"),
    ("/admin/health", "Kesehatan sistem", "#hub-facts dt"),
    ("/admin/voice", "Suara panggilan", "#no-audio"),  # the test hub has no spoken calls: the page says so
]


@pytest.fixture
def hub(tmp_path):
    process = HubProcess(tmp_path / "data", config=koordinator_site(tmp_path)).start()
    yield process
    process.stop()


def log_in(page, username: str, pin: str = "1111") -> None:
    page.fill("#username", username)
    page.fill("#pin", pin)
    page.click("#login-button")
    expect(page.locator("#app")).to_be_visible()


def shown_links(page) -> list[str]:
    return page.locator(".area-nav a:visible").all_inner_texts()


def bar_look(page) -> tuple[str, str, str]:
    """The bar's background, height and the role badge's colour: the same on every page."""
    return page.evaluate("""() => {
        const bar = getComputedStyle(document.querySelector('.area-bar'));
        const badge = getComputedStyle(document.getElementById('who-role'));
        return [bar.backgroundColor, bar.minHeight, badge.backgroundColor];
    }""")


def walk(page, path: str, label: str, ready: str) -> None:
    """Follow the bar's link to `path`: the page opens logged in, marked on the bar, and loads its data."""
    page.click(f'.area-nav a[href="{path}"]')
    page.wait_for_url(f"**{path}")
    expect(page.locator("#login-screen")).to_be_hidden()
    expect(page.locator(ready).first).to_be_visible()
    expect(page.locator(".area-nav a[aria-current=page]")).to_have_text(label)


def test_an_admin_moves_through_every_page_of_the_area_with_one_log_in(hub, browser, screenshots):
    """Logged in once at /admin, the admin follows the bar to the reports, the IKM, the devices, the health
    board, the hall's voice and back: no second log-in, the same links and the same look everywhere."""
    context = browser.new_context(viewport=OFFICE)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(hub.url + "/admin")
    expect(page.locator("#login-screen.area-login")).to_be_visible()
    log_in(page, "koordinator")
    expect(page.locator("#view .page")).to_be_visible()
    expect(page.locator("#who-role")).to_have_text("Admin")
    assert shown_links(page) == [label for _, label, _ in PAGES]
    look = bar_look(page)
    for path, label, ready in [*PAGES[1:], PAGES[0]]:
        walk(page, path, label, ready)
        assert shown_links(page) == [label for _, label, _ in PAGES], path
        assert bar_look(page) == look, path
        expect(page.locator("#who-name")).to_have_text("Koordinator MPP")
        page.screenshot(path=screenshots / f"area-admin{path.replace('/', '-')}.png")
    page.click("#logout")  # one session: ended here, it is ended on every page of the tab
    expect(page.locator("#login-screen")).to_be_visible()
    page.goto(hub.url + "/admin/reports")
    expect(page.locator("#login-screen")).to_be_visible()
    context.close()
    assert not errors, errors


def test_a_koordinator_sees_the_pages_of_their_agency_only(hub, browser, screenshots):
    """dewi (koordinator of DUKCAPIL) gets Pengaturan, Laporan and IKM on the bar, each limited to DUKCAPIL;
    typing the devices' address keeps the bar and shows the hub's refusal instead of the page."""
    context = browser.new_context(viewport=OFFICE)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(hub.url + "/admin/reports")
    log_in(page, "dewi")
    expect(page.locator("#summary-result")).to_be_visible()
    expect(page.locator("#who-role")).to_have_text("Koordinator DUKCAPIL")
    assert shown_links(page) == ["Pengaturan", "Laporan", "IKM"]
    expect(page.locator("#agency")).to_be_disabled()
    expect(page.locator("#agency")).to_have_value("DUKCAPIL")
    page.screenshot(path=screenshots / "area-koordinator-reports.png")

    walk(page, "/admin/ikm", "IKM", "#result:not([hidden])")
    expect(page.locator("#agency")).to_have_value("DUKCAPIL")
    expect(page.locator("#publish")).to_be_hidden()  # publishing on the TVs is the admin's
    walk(page, "/admin", "Pengaturan", "#view .page")
    assert shown_links(page) == ["Pengaturan", "Laporan", "IKM"]
    expect(page.locator('.nav-item[data-section="layar"]')).to_have_count(0)  # the TVs are the admin's

    for path in ("/admin/devices", "/admin/health"):
        page.goto(hub.url + path)
        expect(page.locator("#notice")).to_contain_text("Hanya admin yang dapat melakukan ini")
        expect(page.locator("#login-screen")).to_be_hidden()
        expect(page.locator("main > section").first).to_be_hidden()
        assert shown_links(page) == ["Pengaturan", "Laporan", "IKM"]
    page.screenshot(path=screenshots / "area-koordinator-devices-refused.png")
    context.close()
    assert not errors, errors
