"""The reports page with names that look like HTML: ECharts (vendored, reports/static/vendor) assigns innerHTML in
its HTML tooltip, its toolbox and when it clears a chart's box; with the page's plain-text tooltips only the
clearing is used, so no name from the configuration ever reaches innerHTML, while the table shows each name as
text. An init script records every HTML assignment the page makes (innerHTML, outerHTML, insertAdjacentHTML)."""

from __future__ import annotations

import pytest

from tests.admin.test_live_pages import change
from tests.conftest import HubProcess

pytestmark = [pytest.mark.browser, pytest.mark.e2e]

MARK = "zq7"  # in every hostile name, in no text of the page's own
NAMES = {
    "service": f'<img src=x onerror="window.__pwned=1">Perekaman <b>KTP</b> {MARK}s',
    "agency": f'Dinas <script>window.__pwned=2</script> {MARK}a',
    "counter": f'Loket <svg onload="window.__pwned=3"> {MARK}c',
    "officer": f'Budi <i onmouseover="window.__pwned=4">&amp;</i> {MARK}o',
}

RECORD = """
(() => {
  window.__html = [];
  const keep = (how, value) => window.__html.push(how + ":" + String(value));
  for (const [proto, prop] of [[Element.prototype, "innerHTML"], [Element.prototype, "outerHTML"],
                               [ShadowRoot.prototype, "innerHTML"]]) {
    const d = Object.getOwnPropertyDescriptor(proto, prop);
    Object.defineProperty(proto, prop, { ...d, set(v) { keep(prop, v); d.set.call(this, v); } });
  }
  const adjacent = Element.prototype.insertAdjacentHTML;
  Element.prototype.insertAdjacentHTML = function (where, v) {
    keep("insertAdjacentHTML", v);
    adjacent.call(this, where, v);
  };
})();
"""


def hostile(config: dict) -> None:
    service = next(s for s in config["services"] if s["code"] == "A")
    service["name"] = NAMES["service"]
    next(a for a in config["agencies"] if a["code"] == service["agency"])["name"] = NAMES["agency"]
    next(c for c in config["counters"] if c["id"] == "1")["name"] = NAMES["counter"]
    next(o for o in config["officers"] if o["username"] == "budi")["name"] = NAMES["officer"]


@pytest.fixture(scope="module")
def hall(tmp_path_factory):
    """A real hub whose service A, its agency, counter 1 and officer budi have names that look like HTML, with
    tickets of A called and served by budi at counter 1 today."""
    hub = HubProcess(tmp_path_factory.mktemp("charttext") / "data").start()
    change(hub, hostile)
    budi = hub.login("budi", "1234")
    for _ in range(3):
        hub.issue("A")
    for action in ("call-next", "done", "call-next", "skip"):
        assert hub.request("POST", f"/api/counters/1/{action}", token=budi)[0] == 200
    yield hub
    hub.stop()


def hover_charts(page) -> None:
    for chart in ("#chart-hours", "#chart-times", "#chart-no-show"):
        box = page.locator(chart).bounding_box()
        for fx in (0.2, 0.35, 0.5, 0.65, 0.8):
            for fy in (0.3, 0.5, 0.7):
                page.mouse.move(box["x"] + box["width"] * fx, box["y"] + box["height"] * fy)


@pytest.mark.parametrize("by", ["service", "agency", "counter", "officer"])
def test_names_that_look_like_html_never_reach_innerhtml(browser, hall, by):
    """For each breakdown the table shows the hostile name exactly as text; hovering over every chart draws its
    tooltips (the charts are labelled with codes and the hub's day labels; their tooltips are drawn on the canvas,
    which tests/test_text_only.py holds); the page assigned HTML (ECharts clearing its boxes) yet none of it held
    a name; nothing ran."""
    context = browser.new_context(viewport={"width": 1366, "height": 900})
    context.add_init_script(RECORD)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    try:
        page.goto(hall.url + "/admin/reports")
        page.fill("#username", "koordinator")
        page.fill("#pin", "1111")
        page.click("#login-button")
        page.wait_for_selector("#summary-table tbody tr")
        page.click("[data-range='today']")
        page.select_option("#by", by)
        page.click("#show")
        page.wait_for_function("mark => [...document.querySelectorAll('#summary-table tbody td')]"
                               ".some(td => td.textContent.includes(mark))", arg=MARK + by[0])
        cells = page.eval_on_selector_all("#summary-table tbody td", "tds => tds.map(td => td.textContent)")
        assert NAMES[by] in cells
        hover_charts(page)
        assigned = page.evaluate("window.__html")
        assert assigned, "the recorder saw no HTML assignment at all (ECharts clears each chart's box)"
        assert [a for a in assigned if MARK in a or "onerror" in a or "<script" in a] == []
        assert page.evaluate("window.__pwned") is None
        assert page.locator("#summary-table img, #summary-table script, #summary-table svg").count() == 0
        assert errors == []
    finally:
        context.close()
