"""The TV page fits its screen without scrolling, from 720p to 4K and in portrait."""

from __future__ import annotations

import pytest

from tests.conftest import ROOT, HubProcess
from tests.display.support import call_next, open_display

pytestmark = [pytest.mark.browser, pytest.mark.e2e]

SIZES = [(1280, 720), (1920, 1080), (3840, 2160), (1080, 1920)]
SVG = ('<svg xmlns="http://www.w3.org/2000/svg" width="1600" height="900" viewBox="0 0 16 9">'
       '<rect width="16" height="9" fill="#0a6"/><circle cx="8" cy="4.5" r="3" fill="#fff"/></svg>')
RUNNING = ("Selamat datang di Mal Pelayanan Publik. Layanan buka Senin–Jumat pukul 08.00–15.00 WIB. "
           "Lansia, penyandang disabilitas dan ibu hamil silakan mengambil nomor prioritas.")


@pytest.fixture(scope="module")
def busy_hub(tmp_path_factory):
    """A hall with ten counters in one zone, long names, a media folder and a long running text."""
    folder = tmp_path_factory.mktemp("busy")
    text = (ROOT / "tests" / "site.toml").read_text(encoding="utf-8")
    text = text.replace('running_text = "Selamat datang di MPP Uji Coba."', f'running_text = "{RUNNING}"')
    text = text.replace('name = "MPP Uji Coba"', 'name = "Mal Pelayanan Publik Among Warga Kota Batu"')
    for n in range(5, 12):
        text += f'\n[[counters]]\nid = "{n}"\nname = "Loket {n} Pajak Daerah"\nservices = ["C"]\nzone = "lantai-2"\n'
    text += '\n[display]\nmedia_dir = "media"\n'
    (folder / "site.toml").write_text(text, encoding="utf-8")
    (folder / "media").mkdir()
    (folder / "media" / "promo.svg").write_text(SVG)
    hub = HubProcess(folder / "data", config=folder / "site.toml").start()
    token = hub.login("koordinator", "1111")
    for service, counter in [("A", "1"), ("B", "2"), ("C", "3"), ("C", "5"), ("C", "6"), ("C", "7"), ("C", "8")]:
        hub.issue(service)
        call_next(hub, counter, token)
    hub.request("POST", "/api/counters/2/pause", token=token)
    yield hub
    hub.stop()


def check_fits(page, width: int, height: int) -> None:
    sizes = page.evaluate("""() => {
        const s = document.scrollingElement;
        const boxes = {};
        for (const sel of ['.head', '#call', '#tiles', '.history', '#ticker', '#call-number']) {
            const el = document.querySelector(sel);
            if (el && !el.hidden) boxes[sel] = el.getBoundingClientRect().toJSON();
        }
        const clipped = [...document.querySelectorAll('.tile-number, #call-number, .history-number')]
            .filter(el => el.scrollWidth > el.clientWidth + 1)
            .map(el => el.textContent);
        const size = (sel) => {
            const el = document.querySelector(sel);
            return el ? parseFloat(getComputedStyle(el).fontSize) : null;
        };
        return {w: s.scrollWidth, h: s.scrollHeight, vw: innerWidth, vh: innerHeight, boxes, clipped,
                number: size('#call-number'), history: size('.history-number'), state: size('.tile-state')};
    }""")
    assert sizes["w"] <= sizes["vw"] == width and sizes["h"] <= sizes["vh"] == height, sizes
    for name, box in sizes["boxes"].items():
        assert box["left"] >= -1 and box["top"] >= -1, (name, box)
        assert box["right"] <= width + 1 and box["bottom"] <= height + 1, (name, box)
    assert sizes["clipped"] == [], sizes
    # Readable across the hall: the called number is at least a tenth of the screen's short side.
    assert sizes["number"] >= min(width, height) / 10, sizes
    # The last calls (about 5% of a 16:9 screen's height) and the counters' state badges too.
    assert sizes["history"] is None or sizes["history"] >= min(width, height) / 25, sizes
    assert sizes["state"] >= min(width, height) / 65, sizes


@pytest.mark.parametrize(("width", "height"), SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
def test_fits_the_screen(hub, browser, screenshots, width, height):
    """The test hall (three counters, no media) fits without scrollbars at this size."""
    page = open_display(browser, hub, viewport={"width": width, "height": height})
    token = hub.login()
    hub.issue("A")
    hub.issue("B")
    call_next(hub, "1", token)
    call_next(hub, "2", token)
    page.wait_for_function("() => document.querySelectorAll('.history-number').length === 1")
    # Both cues over (about 8 s): the screenshot shows the resting screen.
    page.wait_for_function("() => displayPlayer.playing === null && displayPlayer.queue.length === 0", timeout=30_000)
    check_fits(page, width, height)
    page.screenshot(path=screenshots / f"display-{width}x{height}.png")
    page.context.close()


@pytest.mark.parametrize(("width", "height"), SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
def test_busy_hall_with_media_fits_the_screen(busy_hub, browser, screenshots, width, height):
    """Ten counters, long names, the media area and a long running text still fit at this size."""
    page = open_display(browser, busy_hub, viewport={"width": width, "height": height})
    page.wait_for_function(
        "() => document.body.classList.contains('has-media') && document.querySelector('#media img')")
    page.wait_for_function("() => document.querySelector('#media img').complete")
    check_fits(page, width, height)
    assert page.locator(".tile").count() == 10
    page.screenshot(path=screenshots / f"display-busy-{width}x{height}.png")
    page.context.close()


def test_light_theme(busy_hub, browser, screenshots):
    """theme=terang renders the light colours and still fits."""
    page = open_display(browser, busy_hub, "zone=lantai-2&theme=terang")
    assert page.evaluate("getComputedStyle(document.body).backgroundColor") == "rgb(233, 238, 245)"
    check_fits(page, 1920, 1080)
    page.screenshot(path=screenshots / "display-terang-1920x1080.png")
    page.context.close()
