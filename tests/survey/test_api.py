"""The survey's API (survey/api.py) through TestClient, on a real SQLite file and on PostgreSQL."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import pytest
from openpyxl import load_workbook

from survey.ikm import UNSUR
from tests.conftest import site_config
from tests.hub.support import Clock, act, error_of, issue, login, running
from tests.survey.support import ALL_FOUR, answer, served, site_with_koordinator


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def client(tmp_path, clock, database_url):
    with running(tmp_path / "data", clock, site_with_koordinator(), database_url=database_url) as client:
        yield client


@pytest.fixture
def budi(client):
    return login(client)


def test_the_form_has_nine_questions_by_key_worded_by_the_configuration(tmp_path):
    """GET gives the ticket, the nine questions in the regulation's order with four answers scored 1–4."""
    config = site_config(survey={"biaya": {"question": "Berapa biaya yang Anda bayar?",
                                           "options": ["Mahal sekali", "Mahal", "Murah", "Gratis"]}})
    with running(tmp_path / "data", Clock(), config) as client:
        ticket = issue(client)
        form = client.get(f"/api/survey/{ticket['token']}").json()
    assert form["ticket"]["number"] == ticket["number"] and form["state"] == "not_finished"
    assert [q["key"] for q in form["questions"]] == list(UNSUR)
    biaya = form["questions"][3]
    assert biaya["question"] == "Berapa biaya yang Anda bayar?" and biaya["name"] == "Biaya/Tarif"
    assert biaya["options"] == [{"score": 1, "label": "Mahal sekali"}, {"score": 2, "label": "Mahal"},
                                {"score": 3, "label": "Murah"}, {"score": 4, "label": "Gratis"}]
    assert form["questions"][0]["options"][3] == {"score": 4, "label": "Sangat sesuai"}  # a default
    assert [p["key"] for p in form["profile"]] == ["jenis_kelamin", "usia", "pendidikan", "pekerjaan"]
    assert form["saran_max"] == 1000 and form["intro"] and form["thanks"]


def test_one_response_per_served_ticket(client, budi):
    """Not served: 409 ticket_not_finished; served: 201 once, then 409 already_answered, and GET says answered."""
    ticket = issue(client)
    assert error_of(answer(client, ticket)) == (409, "ticket_not_finished")
    act(client, "1", "call-next", budi)
    refused = answer(client, ticket)
    assert error_of(refused) == (409, "ticket_not_finished") and "sedang dilayani" in refused.json()["error"]["message"]
    act(client, "1", "done", budi)
    assert client.get(f"/api/survey/{ticket['token']}").json()["state"] == "open"
    saved = answer(client, ticket, saran="Petugas ramah.", profile={"jenis_kelamin": "perempuan"})
    assert saved.status_code == 201 and saved.json() == {"saved": True, "message": client.get(
        f"/api/survey/{ticket['token']}").json()["thanks"]}
    assert error_of(answer(client, ticket, 1)) == (409, "already_answered")
    form = client.get(f"/api/survey/{ticket['token']}").json()
    assert form["state"] == "answered" and form["message"]


def test_call_next_finishes_the_ticket_for_its_survey(client, budi):
    """The ticket call-next finished at the desk (done) can be answered."""
    first, second = issue(client), issue(client)
    act(client, "1", "call-next", budi)
    act(client, "1", "call-next", budi)
    assert answer(client, first).status_code == 201
    assert error_of(answer(client, second)) == (409, "ticket_not_finished")


def test_a_skipped_or_transferred_ticket_is_not_finished_until_served(client, budi):
    """A no-show is not served; a transferred ticket is answered once its new service finished it."""
    skipped, moved = issue(client), issue(client)
    act(client, "1", "call-next", budi)
    act(client, "1", "skip", budi)
    assert error_of(answer(client, skipped)) == (409, "ticket_not_finished")
    act(client, "1", "call-next", budi)
    act(client, "1", "transfer", budi, {"service": "B"})
    assert error_of(answer(client, moved)) == (409, "ticket_not_finished")
    act(client, "1", "call-next", budi)
    act(client, "1", "done", budi)
    assert answer(client, moved).status_code == 201


def test_unknown_tickets_and_bad_bodies(client, budi):
    """404 unknown_ticket; 422 for a missing unsur, an unknown key, a score outside 1–4; 400, 413 and 415."""
    assert error_of(client.get("/api/survey/unknown-token")) == (404, "unknown_ticket")
    assert error_of(client.post("/api/survey/unknown-token", json={"answers": ALL_FOUR})) == (404, "unknown_ticket")
    ticket = served(client, budi)
    url = f"/api/survey/{ticket['token']}"
    partial = {k: v for k, v in ALL_FOUR.items() if k != "sarana"}
    assert error_of(client.post(url, json={"answers": partial})) == (422, "missing_unsur")
    assert error_of(client.post(url, json={"answers": {**ALL_FOUR, "antrean": 3}})) == (422, "unknown_unsur")
    assert error_of(client.post(url, json={"answers": {**ALL_FOUR, "waktu": 5}})) == (422, "invalid_score")
    assert error_of(client.post(url, json={})) == (422, "missing_field")
    assert error_of(client.post(url, content=b"{", headers={"Content-Type": "application/json"})) == (
        400, "invalid_json")
    assert error_of(client.post(url, content=b"answers", headers={"Content-Type": "text/plain"})) == (
        415, "unsupported_media_type")
    huge = b'{"saran": "' + b"x" * 20_000 + b'"}'
    assert error_of(client.post(url, content=huge, headers={"Content-Type": "application/json"})) == (
        413, "body_too_large")
    assert answer(client, ticket).status_code == 201  # nothing was saved by the refusals


def report(client, headers, **query):
    params = {"from": "2026-03-01", "to": "2026-03-31", **query}
    return client.get("/api/reports/ikm", params=params, headers=headers)


def test_the_report_from_known_answers(client, budi):
    """Three respondents out of four served tickets: NRR per unsur, IKM, categories, population and target."""
    tickets = [served(client, budi) for _ in range(4)]
    other = dict(zip(UNSUR, (1, 2, 3, 4, 1, 2, 3, 4, 1), strict=True))
    assert answer(client, tickets[0], 4).status_code == 201
    assert answer(client, tickets[1], other, saran="Ruang tunggu panas.").status_code == 201
    assert answer(client, tickets[2], 3, profile={"usia": "20_29", "jenis_kelamin": "laki_laki"}).status_code == 201
    body = report(client, login(client, "koordinator", "1111")).json()
    assert body["from"] == "2026-03-01" and body["to"] == "2026-03-31"
    assert (body["respondents"], body["population"], body["sample_target"]) == (3, 4, 4)
    assert [u["key"] for u in body["unsur"]] == list(UNSUR)
    assert [u["total"] for u in body["unsur"]] == [8, 9, 10, 11, 8, 9, 10, 11, 8]
    assert body["unsur"][0]["nrr"] == pytest.approx(8 / 3) and body["unsur"][0]["mutu"] == "C"
    assert body["unsur"][3]["nrr"] == pytest.approx(11 / 3) and body["unsur"][3]["mutu"] == "A"
    assert body["ikm"] == 77.78 and body["mutu"] == "B" and body["kinerja"] == "Baik"  # 84/27 × 25 = 77.777…
    assert body["saran_count"] == 1 and body["saran"][0]["text"] == "Ruang tunggu panas."
    assert body["profile"]["usia"] == {"20_29": 1} and body["profile"]["pendidikan"] == {}


def test_the_report_scope_and_period(client, budi, clock):
    """agency, service and counter narrow both the respondents and the population; days outside are left out."""
    sari = login(client, "sari", "2345")
    a1 = served(client, budi, "1", "A")
    b2 = served(client, budi, "2", "B")
    c3 = served(client, sari, "3", "C")
    for ticket, score in ((a1, 4), (b2, 3), (c3, 1)):
        assert answer(client, ticket, score).status_code == 201
    admin = login(client, "koordinator", "1111")

    def seen(**query):
        body = report(client, admin, **query).json()
        return body["respondents"], body["population"], body["ikm"]

    assert seen() == (3, 3, pytest.approx((4 + 3 + 1) / 3 * 25, abs=0.01))
    assert seen(agency="DUKCAPIL") == (2, 2, 87.5)
    assert seen(agency="BAPPENDA") == (1, 1, 25.0)
    assert seen(service="B") == (1, 1, 75.0)
    assert seen(counter="1") == (1, 1, 100.0)
    assert error_of(report(client, admin, agency="DUKCAPIL", service="C")) == (422, "invalid_field")
    assert seen(**{"from": "2026-03-03", "to": "2026-03-31"}) == (0, 0, None)
    clock.advance(days=1)
    served(client, login(client))  # tomorrow (new sessions: the old ones idled out), not answered
    admin = login(client, "koordinator", "1111")
    assert seen(**{"from": "2026-03-03", "to": "2026-03-03"}) == (0, 1, None)


def test_who_may_read_the_report(client, budi):
    """Admin: all; koordinator: their agency only (403 elsewhere); petugas: 403; no token: 401."""
    dewi = login(client, "dewi", "1111")
    assert report(client, dewi).status_code == 200
    assert report(client, dewi).json()["agency"] == "DUKCAPIL"  # their agency, without asking
    assert report(client, dewi, agency="DUKCAPIL", service="A").status_code == 200
    assert error_of(report(client, dewi, agency="BAPPENDA")) == (403, "outside_agency")
    assert error_of(report(client, dewi, service="C")) == (403, "outside_agency")
    assert error_of(report(client, budi)) == (403, "role_not_allowed")
    assert error_of(report(client, {})) == (401, "unauthorized")
    assert report(client, login(client, "koordinator", "1111"), agency="BAPPENDA").status_code == 200


@pytest.mark.parametrize(("query", "status"), [
    ({"from": ""}, 422), ({"from": "2026-3-1"}, 422), ({"to": "2026-02-30"}, 422), ({"to": "20260331"}, 422),
    ({"from": "2026-04-01"}, 422), ({"from": "2025-01-01", "to": "2026-03-31"}, 422), ({"format": "csv"}, 422),
    ({"service": "Z"}, 422), ({"counter": "99"}, 422), ({"agency": "DISHUB"}, 422),
])
def test_bad_report_queries(client, query, status):
    """Bad or missing dates, a period over 366 days, an unknown format, unknown codes: 422 (as every report)."""
    code, _ = error_of(report(client, login(client, "koordinator", "1111"), **query))
    assert code == status


@pytest.mark.parametrize(("query", "code", "words"), [
    ({"from": None}, "missing_field", "Parameter 'from' wajib diisi"),
    ({"to": "2026-02-30"}, "invalid_field", "bukan tanggal yang sah: '2026-02-30'"),
    ({"from": "2026-04-01"}, "invalid_range", "sesudah tanggal akhir"),
    ({"from": "2025-01-01", "to": "2026-03-31"}, "invalid_range", "yang diminta 455 hari"),
])
def test_the_ikm_reads_its_period_as_every_report_does(client, query, code, words):
    """A bad period gets the IKM report the same 422, code and message as the summary (reports/period.py)."""
    admin = login(client, "koordinator", "1111")
    params = {"from": "2026-03-01", "to": "2026-03-31", **query}
    params = {k: v for k, v in params.items() if v is not None}
    ikm = client.get("/api/reports/ikm", params=params, headers=admin)
    summary = client.get("/api/reports/summary", params={**params, "by": "service"}, headers=admin)
    assert error_of(ikm) == (422, code) and words in ikm.json()["error"]["message"]
    assert ikm.json() == summary.json()


def test_the_xlsx_is_the_regulations_tabulation_and_agrees_with_the_json(client, budi):
    """One row per respondent × nine scores, then Σ, NRR, NRR tertimbang, IKM and its category, as the JSON says."""
    tickets = [served(client, budi) for _ in range(3)]
    other = dict(zip(UNSUR, (1, 2, 3, 4, 1, 2, 3, 4, 1), strict=True))
    answer(client, tickets[0], 4, saran="Cepat sekali.")
    answer(client, tickets[1], other)
    admin = login(client, "koordinator", "1111")
    body = report(client, admin).json()
    download = report(client, admin, format="xlsx")
    assert download.status_code == 200
    assert download.headers["content-type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert 'filename="ikm-2026-03-01-2026-03-31.xlsx"' in download.headers["content-disposition"]
    book = load_workbook(io.BytesIO(download.content))
    assert book.sheetnames == ["Tabulasi IKM", "Saran", "Profil responden"]
    rows = list(book["Tabulasi IKM"].iter_rows(values_only=True))
    head = next(i for i, row in enumerate(rows) if row[0] == "No. Responden")
    assert rows[head][1:10] == tuple(f"U{i}" for i in range(1, 10))
    assert rows[head + 2][:10] == (1, *(4,) * 9) and rows[head + 3][:10] == (2, 1, 2, 3, 4, 1, 2, 3, 4, 1)
    assert rows[head + 2][10] == tickets[0]["number"]
    labelled = {row[0]: row[1:10] for row in rows[head + 4:] if row[0]}
    assert labelled["Σ Nilai per unsur"] == tuple(u["total"] for u in body["unsur"])
    assert labelled["NRR per unsur"] == pytest.approx([u["nrr"] for u in body["unsur"]])
    assert labelled["NRR tertimbang per unsur"] == pytest.approx([u["nrr"] / 9 for u in body["unsur"]])
    assert labelled["Mutu per unsur"] == tuple(u["mutu"] for u in body["unsur"])
    assert labelled["IKM unit pelayanan × 25 (nilai konversi)"][0] == body["ikm"] == 79.17
    assert labelled["Mutu pelayanan"][0] == body["mutu"] == "B"
    assert labelled["Kinerja unit pelayanan"][0] == body["kinerja"]
    saran = list(book["Saran"].iter_rows(values_only=True))
    assert saran[1][2] == tickets[0]["number"] and saran[1][5] == "Cepat sekali."


def test_the_tvs_running_text_shows_the_latest_ikm_when_asked(tmp_path):
    """display_ikm on: the snapshot's running text ends with last month's IKM; off: the site's text alone."""
    clock = Clock(datetime(2026, 2, 20, 2, 0, tzinfo=UTC))
    config = site_config(survey={"display_ikm": True})
    with running(tmp_path / "data", clock, config) as client:
        budi = login(client)
        answer(client, served(client, budi), 4)
        answer(client, served(client, budi), 3)
        assert client.get("/api/state").json()["site"]["running_text"] == "Selamat datang di MPP Uji Coba."
        clock.set(datetime(2026, 3, 2, 2, 0, tzinfo=UTC))
        with client.websocket_connect("/ws/display") as ws:
            ws.receive_json()
            issue(client)  # the first change of the new day starts it (day.started), then the IKM is worked out
            while True:
                message = ws.receive_json()
                if message["type"] == "snapshot":
                    break
        expected = ("Selamat datang di MPP Uji Coba.   •   Indeks Kepuasan Masyarakat (IKM) MPP Uji Coba bulan "
                    "Februari 2026: 87,50 (mutu B: Baik) dari 2 responden. Terima kasih atas penilaian Anda.")
        assert message["site"]["running_text"] == expected
    with running(tmp_path / "data", clock, site_config(survey={"display_ikm": False})) as client:
        assert client.get("/api/state").json()["site"]["running_text"] == "Selamat datang di MPP Uji Coba."
    with running(tmp_path / "data", clock, config) as client:  # at start, from the database
        assert client.get("/api/state").json()["site"]["running_text"] == expected
