"""The survey in real Chromium against a real hub: the counter tablet and the citizen's status page."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from playwright.sync_api import Page, expect

from survey.ikm import UNSUR
from tests.conftest import TEST_CONFIG, HubProcess, wait_for

pytestmark = [pytest.mark.browser, pytest.mark.e2e]

OFFICE = {"width": 1366, "height": 768}
TABLET = {"width": 1024, "height": 768}
PHONE = {"width": 390, "height": 844}
CHOSEN = dict(zip(UNSUR, (4, 3, 4, 4, 3, 4, 4, 2, 3), strict=True))


@pytest.fixture
def hub(tmp_path):
    """A real hub whose tablets give up an untouched survey after 10 s and thank for 2 s."""
    site = tmp_path / "site.toml"
    site.write_text(TEST_CONFIG.read_text() + "\n[survey]\ntablet_idle_seconds = 10\nthanks_seconds = 2\n")
    process = HubProcess(tmp_path / "data", site).start()
    yield process
    process.stop()


@pytest.fixture
def contexts(browser):
    made = []

    def new(viewport: dict):
        context = browser.new_context(viewport=viewport)
        made.append(context)
        return context

    yield new
    for context in made:
        context.close()


def counter_panel(contexts, hub: HubProcess) -> Page:
    page = contexts(OFFICE).new_page()
    page.goto(hub.url + "/counter?loket=1")
    page.fill("#username", "budi")
    page.fill("#pin", "1234")
    page.click("#login-button")
    expect(page.locator("#counter-name")).to_have_text("Loket 1")
    expect(page.locator("#btn-pause")).to_be_enabled()
    return page


def tablet(contexts, hub: HubProcess) -> Page:
    page = contexts(TABLET).new_page()
    page.goto(hub.url + "/survey?counter=1")
    expect(page.locator("#link")).to_have_attribute("data-online", "true")
    expect(page.locator("body")).to_have_attribute("data-mode", "waiting")
    return page


def ikm_page(contexts, hub: HubProcess) -> Page:
    """/admin/ikm, logged in as the test site's admin."""
    page = contexts(OFFICE).new_page()
    page.goto(hub.url + "/admin/ikm")
    page.fill("#username", "koordinator")
    page.fill("#pin", "1111")
    page.click("#login-button")
    expect(page.locator("#login-screen")).to_be_hidden()
    return page


def answer_all(page: Page, scores: dict[str, int]) -> None:
    """Touch one answer per question screen, in order."""
    for i, key in enumerate(UNSUR):
        expect(page.locator(".survey-step")).to_have_text(f"Pertanyaan {i + 1} dari 9")
        expect(page.locator(".survey-text")).to_have_id(f"survey-q-{key}")
        page.click(f".survey-option[data-score='{scores[key]}']")


def test_selesai_at_the_counter_panel_brings_the_survey_to_the_tablet(contexts, hub, screenshots):
    """Selesai on the panel → the tablet shows that ticket's survey → the answers count in the IKM report."""
    panel = counter_panel(contexts, hub)
    screen = tablet(contexts, hub)
    ticket = hub.issue("A")
    panel.click("#btn-call-next")
    expect(panel.locator("#ticket-number")).to_have_text(ticket["number"])
    panel.click("#btn-done")
    expect(screen.locator("body")).to_have_attribute("data-mode", "survey")
    expect(screen.locator(".survey-ticket")).to_have_text(ticket["number"])
    expect(screen.locator(".survey-intro")).to_be_visible()
    screen.screenshot(path=str(screenshots / "survey-tablet-question.png"))
    answer_all(screen, CHOSEN)
    screen.click(".survey-chip[data-key='jenis_kelamin'][data-code='perempuan']")
    screen.click(".survey-chip[data-key='usia'][data-code='30_39']")
    screen.fill("#survey-saran", "Petugasnya sabar menjelaskan.")
    screen.screenshot(path=str(screenshots / "survey-tablet-last.png"))
    screen.click(".survey-send")
    expect(screen.locator(".survey-message.thanks")).to_contain_text("Terima kasih atas penilaian Anda")
    expect(screen.locator("body")).to_have_attribute("data-mode", "waiting", timeout=10_000)  # after thanks_seconds

    issued = datetime.fromisoformat(ticket["issued_at"]).date()  # UTC: the site's local day is within a day
    status, body = hub.request("GET", f"/api/reports/ikm?from={issued - timedelta(days=1)}&to="
                               f"{issued + timedelta(days=1)}", token=hub.login("koordinator", "1111"))
    assert status == 200 and body["respondents"] == 1 and body["population"] == 1
    assert [u["total"] for u in body["unsur"]] == [CHOSEN[key] for key in UNSUR]
    assert body["saran"][0]["text"] == "Petugasnya sabar menjelaskan."
    assert body["profile"]["jenis_kelamin"] == {"perempuan": 1} and body["profile"]["usia"] == {"30_39": 1}
    status, form = hub.request("GET", f"/api/survey/{ticket['token']}")
    assert form["state"] == "answered"


def test_call_next_offers_the_finished_ticket_and_an_untouched_survey_resets(contexts, hub):
    """call-next finishes the desk's ticket: the tablet offers it; left untouched, it goes back to waiting."""
    panel = counter_panel(contexts, hub)
    screen = tablet(contexts, hub)
    first, second = hub.issue("A"), hub.issue("A")
    panel.click("#btn-call-next")
    expect(panel.locator("#ticket-number")).to_have_text(first["number"])
    panel.click("#btn-call-next")
    expect(panel.locator("#ticket-number")).to_have_text(second["number"])
    expect(screen.locator(".survey-ticket")).to_have_text(first["number"])
    screen.click(".survey-option[data-score='4']")  # one answer, then the citizen walks away
    expect(screen.locator(".survey-step")).to_have_text("Pertanyaan 2 dari 9")
    expect(screen.locator("body")).to_have_attribute("data-mode", "waiting", timeout=20_000)
    status, form = hub.request("GET", f"/api/survey/{first['token']}")
    assert form["state"] == "open"  # nothing half-answered was sent


def test_the_status_page_offers_the_survey_once_served_and_thanks_after(contexts, hub, screenshots):
    """/t/<token>: no survey while waiting; served → the offer; answered there → thanks, also after a reload."""
    phone = contexts(PHONE).new_page()
    ticket = hub.issue("B")
    phone.goto(hub.url + ticket["status_url"])
    expect(phone.locator("#link")).to_have_text("Terhubung")
    expect(phone.locator("#survey")).to_be_hidden()
    token = hub.login()
    hub.request("POST", "/api/counters/1/call-next", token=token)
    hub.request("POST", "/api/counters/1/done", token=token)
    expect(phone.locator("#survey-start")).to_be_visible()
    phone.screenshot(path=str(screenshots / "survey-status-offer.png"), full_page=True)
    phone.click("#survey-start")
    answer_all(phone, {key: 4 for key in UNSUR})
    phone.click(".survey-send")
    expect(phone.locator(".survey-message.thanks")).to_be_visible()
    wait_for(lambda: hub.request("GET", f"/api/survey/{ticket['token']}")[1]["state"] == "answered", what="saved")
    phone.reload()
    expect(phone.locator("#survey")).to_contain_text("Anda sudah mengisi survei")
    expect(phone.locator("#survey-start")).to_have_count(0)


def test_the_ikm_page_shows_the_report_downloads_it_and_publishes_it(contexts, hub, screenshots, tmp_path):
    """/admin/ikm: log in, see the IKM, the bars, the target and the saran; download the XLSX; switch on the TVs."""
    budi = hub.login()
    tickets = [hub.issue("A") for _ in range(2)]
    for _ in tickets:
        hub.request("POST", "/api/counters/1/call-next", token=budi)
    hub.request("POST", "/api/counters/1/done", token=budi)
    for ticket, score in zip(tickets, (4, 3), strict=True):
        status, _ = hub.request("POST", f"/api/survey/{ticket['token']}", {
            "answers": {key: score for key in UNSUR}, "saran": f"Saran nilai {score}."})
        assert status == 201
    page = ikm_page(contexts, hub)
    expect(page.locator("#ikm-value")).to_have_text("87,50")
    expect(page.locator("#ikm-mutu")).to_have_text("B")
    expect(page.locator("#ikm-kinerja")).to_have_text("Baik")
    expect(page.locator("#respondents")).to_have_text("2")
    expect(page.locator("#target")).to_have_text("2")
    expect(page.locator("#sample-text")).to_have_text("Populasi: 2 warga selesai dilayani. Target sampel menurut rumus "
                                                      "Krejcie–Morgan (dibulatkan ke atas): 2 responden.")
    expect(page.locator(".bar-row")).to_have_count(9)
    expect(page.locator(".bar-row[data-key='biaya'] .bar-value")).to_have_text("3,500")
    expect(page.locator(".saran-text")).to_have_text(["Saran nilai 3.", "Saran nilai 4."])
    page.screenshot(path=str(screenshots / "survey-ikm-page.png"), full_page=True)

    with page.expect_download() as caught:
        page.click("#download")
    saved = tmp_path / "ikm.xlsx"
    caught.value.save_as(saved)
    from openpyxl import load_workbook

    rows = list(load_workbook(saved)["Tabulasi IKM"].iter_rows(values_only=True))
    assert [row[0] for row in rows].count(1) >= 1 and any(row[0] == "Mutu pelayanan" and row[1] == "B" for row in rows)

    expect(page.locator("#display-ikm")).not_to_be_checked()
    expect(page.locator("#publish-preview")).to_have_text("Selamat datang di MPP Uji Coba.")
    page.check("#display-ikm")
    expect(page.locator("#publish-message")).to_have_text("Publikasi IKM di TV dinyalakan (pengaturan versi 2).")
    # This month's answers are not a complete month yet: the TVs' running text, shown as the hub sends it, has
    # no IKM, and the page does not claim it has.
    expect(page.locator("#publish-preview")).to_have_text("Selamat datang di MPP Uji Coba.")
    assert "Indeks Kepuasan" not in hub.request("GET", "/api/state")[1]["site"]["running_text"]
    status, current = hub.request("GET", "/api/admin/config", token=hub.login("koordinator", "1111"))
    assert current["config"]["survey"]["display_ikm"] is True
    page.uncheck("#display-ikm")
    expect(page.locator("#publish-message")).to_have_text("Publikasi IKM di TV dimatikan (pengaturan versi 3).")


def test_the_ikm_page_offers_the_counters_of_the_agency_and_service_chosen(contexts, hub):
    """/admin/ikm's counter choice follows the agency and service chosen (the hub refuses a counter that calls
    neither); a shared counter under one agency shows that agency's tickets, with no refusal."""
    page = ikm_page(contexts, hub)
    counters = page.locator("#counter option")
    expect(counters).to_have_text(["Semua loket", "Loket 1", "Loket 2", "Loket 3", "Loket 4"])
    page.select_option("#agency", "BAPPENDA")
    expect(counters).to_have_text(["Semua loket", "Loket 3", "Loket 4"])
    page.select_option("#counter", "4")
    page.select_option("#agency", "DUKCAPIL")
    expect(counters).to_have_text(["Semua loket", "Loket 1", "Loket 2", "Loket 4"])
    expect(page.locator("#counter")).to_have_value("4")  # still a counter of the agency: kept
    page.select_option("#service", "B")
    expect(counters).to_have_text(["Semua loket", "Loket 1", "Loket 2"])
    expect(page.locator("#counter")).to_have_value("")
    page.select_option("#service", "")
    page.select_option("#counter", "4")
    with page.expect_response(lambda r: "/api/reports/ikm?" in r.url and "counter=4" in r.url) as shown:
        page.click("#show")
    assert shown.value.status == 200 and "agency=DUKCAPIL" in shown.value.url
    expect(page.locator("#filter-message")).to_have_text("")
