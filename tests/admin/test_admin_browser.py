"""The admin console in real Chromium against a real hub: editing, saving, refusals, conflicts, the guard."""

from __future__ import annotations

import base64
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from tests.admin.support import TABLET, Console, koordinator_site
from tests.conftest import TEST_CONFIG, HubProcess
from tests.counter_panel.test_counter_panel_browser import log_in as counter_log_in

pytestmark = [pytest.mark.browser, pytest.mark.e2e]


@pytest.fixture
def console(browser, hub):
    made = []

    def new(**kwargs) -> Console:
        made.append(Console(browser, hub, **kwargs))
        return made[-1]

    yield new
    for page in made:
        page.close()


def current(hub: HubProcess, token: str) -> tuple[int, dict]:
    status, body = hub.request("GET", "/api/admin/config", token=token)
    assert status == 200, body
    return body["version"], body["config"]


def test_an_admin_adds_a_service_and_an_officer_who_then_calls_its_ticket(hub, browser, console, screenshots):
    """A new service served at Loket 1 and a new officer with a PIN, saved once: she logs in and calls D001."""
    admin = console().log_in()
    page = admin.page
    page.click('[data-add="services"]')
    expect(admin.field("services[3].code").locator("input")).to_have_value("D")  # the first free prefix
    admin.fill("services[3].name", "Legalisir Dokumen")
    admin.field("services[3].agency").locator("select").select_option("DUKCAPIL")
    expect(page.locator("#savebar")).to_be_visible()
    page.screenshot(path=screenshots / "admin-1366-service-new.png")

    admin.section("loket")
    admin.open("1")
    admin.field("counters[0].services").locator('input[value="D"]').check()

    admin.section("petugas")
    page.click('[data-add="officers"]')
    admin.fill("officers[3].username", "ani")
    admin.fill("officers[3].name", "Ani Rahayu")
    counters = admin.field("officers[3].counters")
    counters.locator(".check.all input").uncheck()  # not "any counter": Loket 1 only
    counters.locator('input[value="1"]').check()
    admin.fill("officers[3].pin", "482913")
    expect(page.locator("#savebar-count")).to_have_text("3 perubahan belum disimpan.")
    page.screenshot(path=screenshots / "admin-1366-officer-new.png")
    admin.save()
    expect(admin.notice()).to_contain_text("Tersimpan sebagai versi 2")
    expect(page.locator("#savebar")).to_be_hidden()
    expect(page.locator('#view .grid tr.row[data-key="ani"] .badge.warn')).to_have_count(0)  # she has a PIN now

    ticket = hub.issue("D")
    assert ticket["number"] == "D001"
    panel = browser.new_context(viewport={"width": 1366, "height": 768}).new_page()
    try:
        counter_log_in(panel, hub, "ani", "482913", loket="1")
        panel.click("#btn-call-next")
        expect(panel.locator("#ticket-number")).to_have_text("D001")
        expect(panel.locator("#ticket-service")).to_have_text("Legalisir Dokumen")
    finally:
        panel.context.close()


def test_a_koordinator_sees_and_changes_only_their_agency(browser, tmp_path, screenshots):
    """dewi (DUKCAPIL) sees DUKCAPIL's services, counters and officers only, and saves a change to one."""
    hub = HubProcess(tmp_path / "data", config=koordinator_site(tmp_path)).start()
    dewi = Console(browser, hub)
    try:
        dewi.log_in("dewi", "1111")
        page = dewi.page
        expect(page.locator("#who-role")).to_have_text("Koordinator DUKCAPIL")
        sections = page.locator(".nav-item").evaluate_all("items => items.map(i => i.dataset.section)")
        assert sections == ["layanan", "loket", "petugas", "instansi", "riwayat"]
        rows = "#view .grid tr.row"
        assert page.locator(rows).evaluate_all("rows => rows.map(r => r.dataset.key)") == ["A", "B"]
        page.click('[data-add="services"]')
        agency = dewi.field("services[3].agency").locator("select")
        expect(agency).to_be_disabled()
        expect(agency).to_have_value("DUKCAPIL")
        page.screenshot(path=screenshots / "admin-1366-koordinator.png")
        dewi.section("loket")
        page.click('[data-add="counters"]')
        zones = dewi.field("counters[4].zone").locator("option")
        assert zones.evaluate_all("options => options.map(o => o.value)") == ["lantai-2", "lantai-3"]
        services = dewi.field("counters[4].services").locator("input")
        assert services.evaluate_all("inputs => inputs.map(i => i.value)") == ["A", "B", "D"]  # theirs, and the new
        page.click("#discard")
        page.click("#confirm-ok")
        expect(page.locator("#savebar")).to_be_hidden()
        for section, keys in (("loket", ["1", "2"]), ("petugas", ["budi", "dewi"]), ("instansi", ["DUKCAPIL"])):
            dewi.section(section)
            assert page.locator(rows).evaluate_all("rows => rows.map(r => r.dataset.key)") == keys
        dewi.section("layanan")
        dewi.open("B")
        dewi.fill("services[1].name", "Kartu Keluarga Baru")
        dewi.save()
        expect(dewi.notice()).to_contain_text("Tersimpan sebagai versi 2")
        assert current(hub, hub.login("koordinator", "1111"))[1]["services"][1]["name"] == "Kartu Keluarga Baru"
    finally:
        dewi.close()
        hub.stop()


def test_an_officer_without_any_counter_is_marked_so(browser, tmp_path):
    """A koordinator's new officer with no counter ticked is marked "Tanpa loket" and told he cannot call yet
    (an empty list is no counter, not every one); the notes follow the edits (a PIN typed, Loket 1 ticked)."""
    hub = HubProcess(tmp_path / "data", config=koordinator_site(tmp_path)).start()
    dewi = Console(browser, hub)
    try:
        dewi.log_in("dewi", "1111")
        page = dewi.page
        dewi.section("petugas")
        page.click('[data-add="officers"]')
        dewi.fill("officers[4].username", "tono")
        dewi.fill("officers[4].name", "Tono Sugiarto")
        dewi.fill("officers[4].pin", "246810")
        expect(page.locator("#view .editor .note").first).to_contain_text("PIN baru berlaku begitu perubahan "
                                                                          "disimpan")  # the notes follow the edit
        row = page.locator('#view .grid tr.row[data-key="tono"]')
        expect(row.locator(".badge.warn")).to_have_text("Tanpa loket")
        note = page.locator("#view .editor .note.warn")
        expect(note).to_have_text("Petugas ini belum ditugaskan di loket mana pun: ia dapat masuk, tetapi belum "
                                  "dapat memanggil nomor. Centang loketnya di atas.")
        expect(dewi.field("officers[4].counters").locator(".help")).to_contain_text("Tanpa loket dicentang")
        dewi.field("officers[4].counters").locator('input[value="1"]').check()
        expect(row.locator(".badge.warn")).to_have_count(0)
        expect(note).to_have_count(0)
        dewi.save()
        expect(dewi.notice()).to_contain_text("Tersimpan sebagai versi 2")
    finally:
        dewi.close()
        hub.stop()


def test_a_refused_value_is_marked_at_its_field(console, screenshots):
    """A quota of 0 comes back as 422 invalid_config: the hub's message stands at services[0].daily_quota."""
    admin = console().log_in()
    page = admin.page
    admin.open("A")
    admin.fill("services[0].daily_quota", "0")
    admin.section("kalender")  # the error leads back to the field, wherever the page is
    admin.save()
    field = admin.field("services[0].daily_quota")
    expect(field).to_have_class("field invalid")
    expect(page.locator('.nav-item.active[data-section="layanan"]')).to_be_visible()
    message = "Pengaturan services[0].daily_quota: harus bilangan bulat dari 1 sampai 99999, bukan 0"
    expect(field.locator(".field-error")).to_have_text(message)
    expect(admin.notice()).to_have_text(message)
    expect(field.locator("input")).to_be_focused()
    assert page.evaluate("document.scrollingElement.scrollTop") == 0  # only the editor scrolled to the field
    page.screenshot(path=screenshots / "admin-1366-refused.png")
    admin.fill("services[0].daily_quota", "150")
    expect(field).to_have_class("field")  # edited: the hub's refusal no longer stands there
    admin.section("loket")
    admin.section("layanan")
    admin.open("A")
    expect(admin.field("services[0].daily_quota").locator("input")).to_have_value("150")
    expect(page.locator(".field.invalid")).to_have_count(0)
    admin.save()
    expect(admin.notice()).to_contain_text("Tersimpan sebagai versi 2")
    expect(page.locator(".field.invalid")).to_have_count(0)


def test_a_date_its_month_lacks_is_not_read_as_another_day(console):
    """2026-02-30 gets no day in words beside its field (not "Senin, 2 Maret 2026") and stays marked; the hub
    refuses it at the field as a day not in the calendar; 2026-02-28 reads as Sabtu, 28 Februari 2026."""
    admin = console().log_in()
    page = admin.page
    admin.section("kalender")
    page.get_by_role("button", name="+ Tambah hari libur").click()
    admin.fill("calendar.holidays[0].name", "Hari Jadi Kota")
    admin.fill("calendar.holidays[0].date", "2026-02-30")
    field = admin.field("calendar.holidays[0].date")
    expect(field.locator(".when-words")).to_have_text("")
    expect(field.locator("input")).to_have_class("input date bad")
    admin.save()
    expect(field.locator(".field-error")).to_have_text(
        'Pengaturan calendar.holidays[0].date: tanggal "2026-02-30" tidak ada di kalender (bulan 01–12, hari '
        "sesuai jumlah hari bulannya)")
    admin.fill("calendar.holidays[0].date", "2026-02-28")
    expect(field.locator(".when-words")).to_have_text("Sabtu, 28 Februari 2026")
    expect(field.locator("input")).to_have_class("input date")
    admin.save()
    expect(admin.notice()).to_contain_text("Tersimpan sebagai versi 2")


def test_a_petugas_is_told_the_console_is_not_for_them(console):
    """budi (petugas) logs in with the right PIN and gets the hub's refusal, back at the log-in form."""
    admin = console()
    page = admin.page
    page.fill("#username", "budi")
    page.fill("#pin", "1234")
    page.click("#login-button")
    expect(page.locator("#login-message")).to_have_text(
        "Hanya admin atau koordinator yang dapat melakukan ini. Anda masuk sebagai petugas.")
    expect(page.locator("#app")).to_be_hidden()
    expect(page.locator("#login-button")).to_be_enabled()


def test_a_conflicting_save_shows_what_changed_and_reapplies_the_edits(hub, console, screenshots):
    """Someone else renames Loket 1, adds service L and changes the running text meanwhile: the 409 lists
    it; re-applying keeps theirs and puts ours on top, where ours wins on the running text."""
    admin = console().log_in()
    page = admin.page
    admin.section("layar")
    admin.fill("site.running_text", "Teks dari konsol")

    token = hub.login("koordinator", "1111")
    version, config = current(hub, token)
    config["counters"][0]["name"] = "Loket Satu"
    config["services"].append({"code": "L", "name": "Legalisir", "agency": "DUKCAPIL"})
    config["site"]["running_text"] = "Teks dari orang lain"
    assert hub.request("PUT", "/api/admin/config", {"version": version, "config": config}, token=token)[0] == 200
    expect(admin.notice()).to_contain_text("baru saja diubah di tempat lain")  # told before saving

    admin.save()
    dialog = page.locator("#changes-dialog")
    expect(dialog).to_be_visible()
    expect(dialog.locator(".lead")).to_contain_text("Pengaturan sudah diubah oleh Koordinator MPP")
    theirs = dialog.locator(".change-list").first
    renamed = theirs.locator(".change.changed", has_text="1 · Loket Satu")
    expect(renamed.locator('.change-field[data-key="name"] .before')).to_have_text("Loket 1")
    expect(renamed.locator('.change-field[data-key="name"] .after')).to_have_text("Loket Satu")
    expect(theirs.locator(".change.added", has_text="L · Legalisir")).to_be_visible()
    expect(dialog.locator(".change-list").nth(1).locator('.change-field[data-key="running_text"] .after')) \
        .to_have_text("Teks dari konsol")
    expect(dialog.locator(".conflict")).to_contain_text("Orang lain: Teks dari orang lain · Anda: Teks dari konsol")
    page.screenshot(path=screenshots / "admin-1366-conflict.png")

    page.click("#reapply")
    expect(admin.notice()).to_contain_text("sudah diterapkan pada versi 2")
    expect(page.locator("#version")).to_have_text("Versi 2")
    admin.save()
    expect(admin.notice()).to_contain_text("Tersimpan sebagai versi 3")
    _, saved = current(hub, token)
    assert saved["site"]["running_text"] == "Teks dari konsol"
    assert saved["counters"][0]["name"] == "Loket Satu"
    assert [s["code"] for s in saved["services"]] == ["A", "B", "C", "L"]


def test_unsaved_changes_survive_a_stray_click(console):
    """Moving between sections keeps the draft; Keluar asks first; closing the tab asks; a reload restores it."""
    admin = console().log_in()
    page = admin.page
    admin.open("A")
    admin.fill("services[0].name", "KTP Elektronik")
    expect(page.locator("#savebar-count")).to_have_text("1 perubahan belum disimpan.")
    expect(page.locator('.nav-item[data-section="layanan"] .nav-dot')).to_be_visible()
    admin.section("riwayat")
    admin.section("layanan")
    admin.open("A")
    expect(admin.field("services[0].name").locator("input")).to_have_value("KTP Elektronik")

    page.click("#logout")
    expect(page.locator("#confirm-dialog")).to_be_visible()
    expect(page.locator("#confirm-title")).to_have_text("Ada 1 perubahan yang belum disimpan")
    page.click("#confirm-cancel")
    expect(page.locator("#app")).to_be_visible()
    expect(page.locator("#savebar")).to_be_visible()

    with page.expect_event("dialog") as asked:
        page.close(run_before_unload=True)
    assert asked.value.type == "beforeunload"
    asked.value.dismiss()  # stay
    expect(page.locator("#savebar")).to_be_visible()

    page.once("dialog", lambda dialog: dialog.accept())  # leave: reload the tab
    page.reload()
    expect(page.locator("#savebar-count")).to_have_text("1 perubahan belum disimpan.")
    expect(admin.notice()).to_have_text("Perubahan Anda yang belum disimpan dipulihkan.")
    admin.open("A")
    expect(admin.field("services[0].name").locator("input")).to_have_value("KTP Elektronik")


def test_the_console_on_a_tablet(console, screenshots):
    """At 768x1024 the sections are tabs and an opened item covers the list, with a way back."""
    admin = console(viewport=TABLET).log_in()
    page = admin.page
    page.screenshot(path=screenshots / "admin-tablet-list.png")
    admin.open("A")
    expect(page.locator("#view .list-pane")).to_be_hidden()
    page.screenshot(path=screenshots / "admin-tablet-editor.png")
    page.click("#view .editor .back")
    expect(page.locator("#view .list-pane")).to_be_visible()


def test_screenshots_of_each_section(console, screenshots):
    """Every section draws at 1366x768 without a script error (screenshots for a look)."""
    admin = console().log_in()
    page = admin.page
    admin.open("A")
    page.screenshot(path=screenshots / "admin-1366-layanan.png")
    opened = {"loket": "1", "petugas": "budi", "instansi": "DUKCAPIL", "zona": "lantai-2"}
    for section in ("loket", "petugas", "instansi", "zona", "layar", "kalender", "umum", "riwayat"):
        admin.section(section)
        expect(page.locator("#view .page h1")).to_be_visible()
        if section in opened:
            admin.open(opened[section])
        page.screenshot(path=screenshots / f"admin-1366-{section}.png")


# A 1x1 PNG: the media folder's pictures.
PIXEL = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9aw"
                         "AAAABJRU5ErkJggg==")


def test_the_tvs_the_calendar_and_the_audit_log(hub, console, screenshots):
    """The running text, an ordered playlist and a holiday today are saved in one version: the TVs play that
    order, the hall is closed for the holiday, and the audit log shows the version with what changed."""
    media = hub.data_dir / "media"
    media.mkdir()
    for name in ("01-jam-layanan.png", "02-lama.png"):
        (media / name).write_bytes(PIXEL)
    (media / "03-promo.mp4").write_bytes(b"\0" * 2048)
    today = datetime.now(ZoneInfo("Asia/Jakarta")).date().isoformat()
    admin = console().log_in()
    page = admin.page

    admin.section("layar")
    admin.fill("site.running_text", "Hari ini MPP tutup untuk uji coba.")
    expect(page.locator(".ticker-preview")).to_have_text("Hari ini MPP tutup untuk uji coba.")
    expect(page.locator(".media-row")).to_have_count(3)
    page.get_by_text("Pilih dan atur urutan sendiri").click()
    page.locator('.media-row[data-name="02-lama.png"]').get_by_text("Keluarkan").click()
    page.get_by_role("button", name="Naikkan 03-promo.mp4").click()
    names = "rows => rows.map(r => r.dataset.name)"
    assert page.locator("ol.media-list .media-row").evaluate_all(names) == ["03-promo.mp4", "01-jam-layanan.png"]
    page.screenshot(path=screenshots / "admin-1366-layar-playlist.png")

    admin.section("kalender")
    monday = page.locator('.week-row[data-day="senin"]')
    monday.locator(".switch").click()
    expect(monday.locator("input.clock")).to_have_count(2)
    expect(page.locator(".card .note.warn")).to_have_count(0)  # "no opening hours yet" is gone
    monday.locator(".switch").click()  # back to no weekly hours: open every day
    expect(page.locator("#savebar-count")).to_have_text("2 perubahan belum disimpan.")  # text and playlist only
    page.get_by_role("button", name="+ Tambah hari libur").click()
    admin.fill("calendar.holidays[0].date", today)
    admin.fill("calendar.holidays[0].name", "Hari Uji Coba")
    expect(admin.field("calendar.holidays[0].date").locator(".when-words")).not_to_be_empty()
    page.screenshot(path=screenshots / "admin-1366-kalender-libur.png")
    admin.save()
    expect(admin.notice()).to_contain_text("Tersimpan sebagai versi 2")

    token = hub.login("koordinator", "1111")
    config = current(hub, token)[1]
    assert config["display"]["playlist"] == ["03-promo.mp4", "01-jam-layanan.png"]
    assert config["calendar"]["holidays"] == [{"date": today, "name": "Hari Uji Coba"}]
    assert config["calendar"]["hours"] == []
    assert [m["url"] for m in hub.request("GET", "/display/media")[1]["media"]] == [
        "/display/media/03-promo.mp4", "/display/media/01-jam-layanan.png"]
    assert hub.request("GET", "/api/state")[1]["hall"]["closed"]["code"] == "hall_holiday"

    admin.section("riwayat")
    row = page.locator('.audit-row[data-action="config.changed"]')
    expect(row).to_have_count(1)
    expect(row.locator(".summary")).to_contain_text("Versi 2")
    row.get_by_role("button", name="Lihat perubahan").click()
    dialog = page.locator("#changes-dialog")
    expect(dialog.locator("#changes-title")).to_have_text("Perubahan pada versi 2")
    expect(dialog.locator('.change-field[data-key="running_text"] .after')).to_have_text(
        "Hari ini MPP tutup untuk uji coba.")
    expect(dialog.locator(".change.added", has_text="Hari Uji Coba")).to_be_visible()


def test_names_are_text_and_an_admin_changes_their_own_pin(hub, console):
    """A service named like HTML is shown as those characters; "Ganti PIN saya" sets a PIN that logs in."""
    token = hub.login("koordinator", "1111")
    version, config = current(hub, token)
    config["services"][0]["name"] = "<img src=x onerror=alert(1)>KTP"
    assert hub.request("PUT", "/api/admin/config", {"version": version, "config": config}, token=token)[0] == 200
    admin = console().log_in()
    page = admin.page
    expect(page.locator('#view .grid tr.row[data-key="A"] .col-name')).to_have_text("<img src=x onerror=alert(1)>KTP")
    assert page.locator("#view img").count() == 0

    page.click("#my-pin")
    page.fill("#pin-new", "246810")
    page.fill("#pin-again", "246811")
    page.click("#pin-save")
    expect(page.locator("#pin-message")).to_have_text("Kedua PIN tidak sama.")
    page.fill("#pin-again", "246810")
    page.click("#pin-save")
    expect(admin.notice()).to_have_text("PIN Anda sudah diganti.")
    assert hub.request("POST", "/api/login", {"username": "koordinator", "pin": "246810"})[0] == 200
    assert hub.request("POST", "/api/login", {"username": "koordinator", "pin": "1111"})[0] == 401


def test_a_service_no_counter_calls_is_marked_so(console):
    """A new service listed at no counter is marked "Tanpa loket" and told the kiosks give no number for it yet;
    once Loket 1 calls it, the mark and the note go and the editor says where it is served."""
    admin = console().log_in()
    page = admin.page
    page.click('[data-add="services"]')
    admin.fill("services[3].name", "Legalisir Dokumen")
    row = page.locator('#view .grid tr.row[data-key="D"]')
    expect(row.locator(".badge.warn")).to_have_text("Tanpa loket")
    expect(page.locator("#view .editor .note.warn")).to_have_text(
        "Belum ada loket yang melayani layanan ini: kios belum membagikan nomornya. Centang layanan ini di salah "
        "satu loket pada bagian Loket.")
    admin.section("loket")
    admin.open("1")
    admin.field("counters[0].services").locator('input[value="D"]').check()
    admin.section("layanan")
    expect(row.locator(".badge.warn")).to_have_count(0)
    admin.open("D")
    expect(page.locator("#view .editor .note")).to_have_text("Dilayani di Loket 1.")


def test_the_suggested_prefix_skips_letters_read_as_digits(browser, tmp_path):
    """With A–H and J–N taken, a new service is offered P, then R: never I, O or Q, which read as 1 and 0 on a TV
    ("I001" looks like "1001")."""
    taken = "".join(f'\n[[services]]\ncode = "{c}"\nname = "Layanan {c}"\nagency = "DUKCAPIL"\n' for c in "DEFGHJKLMN")
    site = tmp_path / "site.toml"
    site.write_text(TEST_CONFIG.read_text() + taken)
    hub = HubProcess(tmp_path / "data", config=site).start()
    admin = Console(browser, hub)
    try:
        admin.log_in()
        admin.page.click('[data-add="services"]')
        expect(admin.field("services[13].code").locator("input")).to_have_value("P")
        admin.page.click('[data-add="services"]')
        expect(admin.field("services[14].code").locator("input")).to_have_value("R")
    finally:
        admin.close()
        hub.stop()


def test_the_pin_field_asks_a_new_officer_for_a_pin_and_keeps_an_existing_ones(console):
    """A new officer's PIN field asks for a PIN ("Isi PIN baru"), an existing officer's says it is left as it is
    ("Tidak diubah"); the help texts read as sentences (a capital first letter)."""
    admin = console().log_in()
    page = admin.page
    admin.section("petugas")
    admin.open("budi")
    pin = admin.field("officers[0].pin").locator("input")
    expect(pin).to_have_attribute("placeholder", "Tidak diubah")
    page.click('[data-add="officers"]')
    expect(admin.field("officers[3].pin").locator("input")).to_have_attribute("placeholder", "Isi PIN baru")
    helps = page.locator("#view .editor .field .help").all_text_contents()
    assert helps and all(text[0].isupper() for text in helps), helps
    expect(admin.field("officers[3].role").locator(".help")).to_contain_text("Petugas bekerja di loket")
