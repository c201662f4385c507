"""The reports page in Chromium: log in, choose a period and a breakdown, see the cards, the charts and the table,
download the XLSX, see the monthly recap; a petugas is refused in the hub's words."""

from __future__ import annotations

import io
from datetime import timedelta
from pathlib import Path

import pytest
from openpyxl import load_workbook

from reports.columns import summary_columns
from tests.conftest import HubProcess, wait_for

pytestmark = [pytest.mark.browser, pytest.mark.e2e]


@pytest.fixture(scope="module")
def hall(tmp_path_factory):
    """A real hub with a few tickets taken, called, served and skipped today."""
    hub = HubProcess(tmp_path_factory.mktemp("reports") / "data").start()
    budi, sari = hub.login("budi", "1234"), hub.login("sari", "2345")
    for service in "AABACC":
        hub.issue(service)
    for _ in range(3):
        assert hub.request("POST", "/api/counters/1/call-next", token=budi)[0] == 200
    assert hub.request("POST", "/api/counters/1/skip", token=budi)[0] == 200
    assert hub.request("POST", "/api/counters/3/call-next", token=sari)[0] == 200
    assert hub.request("POST", "/api/counters/3/done", token=sari)[0] == 200
    yield hub
    hub.stop()


def api(hub: HubProcess, token: str, path: str) -> dict:
    status, body = hub.request("GET", path, token=token)
    assert status == 200, body
    return body


def open_page(browser, hub: HubProcess, username: str, pin: str):
    context = browser.new_context(viewport={"width": 1366, "height": 900}, accept_downloads=True)
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(hub.url + "/admin/reports")
    page.wait_for_selector("#login-form")
    page.fill("#username", username)
    page.fill("#pin", pin)
    page.click("#login-button")
    return context, page, errors


def table_rows(page) -> list[list[str]]:
    return page.eval_on_selector_all("#summary-table tbody tr",
                                     "rows => rows.map(r => [...r.cells].map(c => c.textContent))")


def test_period_chart_table_and_xlsx(browser, hall, screenshots):
    """After log-in the month so far is shown: the cards are the hub's total; choosing today and "Loket" shows the
    counters' rows; the heat map and bar charts are drawn (no script or policy error); the XLSX downloaded from
    the page is the table's answer, cell for cell."""
    token = hall.login("koordinator", "1111")
    today = hall.request("GET", "/api/health")[1]["day"]
    context, page, errors = open_page(browser, hall, "koordinator", "1111")
    try:
        page.wait_for_function("() => document.querySelectorAll('#summary-table tbody tr').length === 3")
        month = api(hall, token, f"/api/reports/summary?from={today[:8]}01&to={today}&by=service")
        cards = page.eval_on_selector_all(".stat", "cards => cards.map(c => [c.querySelector('.stat-title')"
                                          ".textContent, c.querySelector('.stat-value').textContent])")
        total = month["total"]
        assert ["Nomor diambil", str(total["issued"])] in cards and ["Tidak hadir", str(total["no_show"])] in cards
        wait = total["wait_avg_s"]
        assert ["Tunggu rata-rata", f"{wait // 60}:{wait % 60:02d}"] in cards
        assert [r[0] for r in table_rows(page)] == ["A", "B", "C"]

        page.click("[data-range='today']")
        page.select_option("#by", "counter")
        page.click("#show")
        page.wait_for_function("() => document.querySelector('#summary-table thead th').textContent === 'Loket'")
        answer = api(hall, token, f"/api/reports/summary?from={today}&to={today}&by=counter")
        assert [r[0] for r in table_rows(page)] == [r["key"] for r in answer["rows"]] == ["1", "3"]
        assert page.eval_on_selector_all("#summary-table tfoot td", "c => c.map(x => x.textContent)")[2] == \
            str(answer["total"]["issued"])
        for chart in ("chart-hours", "chart-times", "chart-no-show"):
            assert page.eval_on_selector(f"#{chart} canvas", "c => c.width > 100 && c.height > 100"), chart
        page.screenshot(path=str(screenshots / "reports-summary.png"), full_page=True)

        with page.expect_download() as download:
            page.click("#download-xlsx")
        assert download.value.suggested_filename == f"laporan-counter-{today}_{today}.xlsx"
        sheet = load_workbook(io.BytesIO(Path(download.value.path()).read_bytes()))["Laporan"]
        columns = summary_columns("counter")
        read = [[round(v.total_seconds()) if isinstance(v, timedelta) else v for v in line]
                for line in sheet.iter_rows(min_row=2, values_only=True)]
        assert read == [[r[c.field] for c in columns] for r in (*answer["rows"], answer["total"])]

        page.click("#tab-recap")
        page.wait_for_function("() => document.querySelectorAll('#recap-table tbody tr.agency').length === 2")
        first = page.eval_on_selector("#recap-table tbody tr.agency", "r => [...r.cells].map(c => c.textContent)")
        assert first[:2] == ["DUKCAPIL", "Dinas Kependudukan dan Pencatatan Sipil"] and first[-1] == "4"
        page.screenshot(path=str(screenshots / "reports-recap.png"), full_page=True)
        assert not errors, errors
    finally:
        context.close()


def test_bad_period_and_petugas_get_the_hubs_words(browser, hall):
    """A period whose start is after its end shows the hub's 422 message; a petugas is sent back to the log-in
    with the hub's 403 message."""
    context, page, _ = open_page(browser, hall, "koordinator", "1111")
    try:
        page.wait_for_function("() => document.querySelectorAll('#summary-table tbody tr').length > 0")
        page.fill("#from", "2026-03-10")
        page.fill("#to", "2026-03-01")
        page.click("#show")
        wait_for(lambda: "sesudah tanggal akhir" in page.text_content("#summary-message"), what="the 422 message")
        assert page.text_content("#summary-message") == ("Tanggal awal (from) 10-03-2026 sesudah tanggal akhir (to) "
                                                         "01-03-2026. Tukar kedua tanggal itu.")
    finally:
        context.close()
    context, page, _ = open_page(browser, hall, "budi", "1234")
    try:
        page.wait_for_function("() => document.getElementById('login-message').textContent.length > 0"
                               " && !document.getElementById('login-screen').hidden")
        assert page.text_content("#login-message") == ("Hanya admin atau koordinator yang dapat melakukan ini. "
                                                        "Anda masuk sebagai petugas.")
    finally:
        context.close()


def test_the_recaps_total_stays_in_view_on_a_narrow_screen(browser, hall):
    """On a 1024-wide tablet the recap's 31 days are wider than the screen: they scroll, and the month's
    total ("Jumlah") stays in view at the right edge of the table, before and after scrolling."""
    context = browser.new_context(viewport={"width": 1024, "height": 768})
    page = context.new_page()
    try:
        page.goto(hall.url + "/admin/reports")
        page.fill("#username", "koordinator")
        page.fill("#pin", "1111")
        page.click("#login-button")
        page.click("#tab-recap")
        page.wait_for_function("() => document.querySelectorAll('#recap-table tbody tr.agency').length === 2")
        card = page.locator("#recap-table").locator("xpath=..")
        assert card.evaluate("c => c.scrollWidth > c.clientWidth")  # the days scroll
        visible = """c => { const edge = c.getBoundingClientRect().right;
            return [...c.querySelectorAll('th.total, td.total')]
                .every(t => t.getBoundingClientRect().right <= edge + 1); }"""
        assert card.evaluate(visible)
        assert page.locator("#recap-table thead th.total").text_content() == "Jumlah"
        card.evaluate("c => { c.scrollLeft = c.scrollWidth / 2; }")
        assert card.evaluate(visible)
    finally:
        context.close()


def test_the_recap_of_one_agency(browser, hall):
    """The recap's Instansi choice asks the hub for that agency alone: its line and services, its name beside the
    month, and the XLSX of the same agency."""
    context, page, errors = open_page(browser, hall, "koordinator", "1111")
    try:
        page.click("#tab-recap")
        page.wait_for_function("() => document.querySelectorAll('#recap-table tbody tr.agency').length === 2")
        page.select_option("#recap-agency", "BAPPENDA")
        page.click("#show-recap")
        page.wait_for_function("() => document.querySelectorAll('#recap-table tbody tr.agency').length === 1")
        keys = page.eval_on_selector_all("#recap-table tbody tr", "rows => rows.map(r => r.cells[0].textContent)")
        assert keys == ["BAPPENDA", "C"]
        assert page.text_content("#recap-period").endswith(" · Instansi Badan Pendapatan Daerah")
        with page.expect_download() as download:
            page.click("#recap-xlsx")
        assert download.value.suggested_filename.endswith("-BAPPENDA.xlsx")
        assert not errors, errors
    finally:
        context.close()
