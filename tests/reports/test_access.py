"""Who may see which report, and how bad input is refused (422 with an Indonesian message that says what to do)."""

from __future__ import annotations

import pytest

from tests.hub.support import error_of, login
from tests.reports.support import DAY

SUMMARY = {"from": DAY, "to": DAY, "by": "service"}
PATHS = [("/api/reports/summary", SUMMARY), ("/api/reports/hours", {"from": DAY, "to": DAY}),
         ("/api/reports/recap", {"month": "2026-03"})]


@pytest.mark.parametrize(("path", "params"), PATHS)
def test_no_session_is_401_and_a_petugas_403(day, path, params):
    """Without a session: 401; a petugas: 403 role_not_allowed, before looking at the query."""
    client, _, _ = day
    assert error_of(client.get(path, params=params)) == (401, "unauthorized")
    budi = login(client, "budi", "1234")
    assert error_of(client.get(path, params=params, headers=budi)) == (403, "role_not_allowed")
    assert error_of(client.get(path, params={"from": "x"}, headers=budi)) == (403, "role_not_allowed")


def test_a_koordinator_sees_their_agency_only(day):
    """dina (koordinator of DUKCAPIL) gets DUKCAPIL's services without asking; another agency or its service is
    403 outside_agency; the recap has her agency alone."""
    client, _, _ = day
    dina = login(client, "dina", "1111")
    mine = client.get("/api/reports/summary", params=SUMMARY, headers=dina).json()
    assert [r["key"] for r in mine["rows"]] == ["A", "B"]
    assert mine["total"]["issued"] == 4 and mine["total"]["no_show"] == 0
    agency = client.get("/api/reports/summary", params={**SUMMARY, "by": "agency"}, headers=dina).json()
    assert [r["key"] for r in agency["rows"]] == ["DUKCAPIL"]
    own = client.get("/api/reports/summary", params={**SUMMARY, "agency": "DUKCAPIL", "service": "B"}, headers=dina)
    assert [r["key"] for r in own.json()["rows"]] == ["B"]
    for refused in ({"agency": "BAPPENDA"}, {"service": "C"}):
        response = client.get("/api/reports/summary", params={**SUMMARY, **refused}, headers=dina)
        assert error_of(response) == (403, "outside_agency")
        assert response.json()["error"]["message"] == "Koordinator DUKCAPIL hanya dapat melihat laporan instansi " \
                                                      "DUKCAPIL."
        assert error_of(client.get("/api/reports/hours", params={"from": DAY, "to": DAY, **refused},
                                   headers=dina)) == (403, "outside_agency")
    recap = client.get("/api/reports/recap", params={"month": "2026-03"}, headers=dina).json()
    assert [r["key"] for r in recap["rows"]] == ["DUKCAPIL", "A", "B"] and recap["total"]["total"] == 4
    xlsx = client.get("/api/reports/summary", params={**SUMMARY, "format": "xlsx"}, headers=dina)
    assert xlsx.headers["content-disposition"] == f'attachment; filename="laporan-service-{DAY}_{DAY}-DUKCAPIL.xlsx"'


BAD = [
    ({"to": DAY, "by": "service"}, "missing_field", "Parameter 'from' wajib diisi dengan tanggal TTTT-BB-HH "
                                                   "(misalnya 2026-03-01)."),
    ({**SUMMARY, "from": "2026-02-30"}, "invalid_field", "Parameter 'from' bukan tanggal yang sah: '2026-02-30'. "
                                                        "Tulis tanggal TTTT-BB-HH (misalnya 2026-03-01)."),
    ({**SUMMARY, "to": "2026-3-1"}, "invalid_field", None),
    ({**SUMMARY, "to": "kemarin"}, "invalid_field", None),
    ({**SUMMARY, "from": "2026-03-10", "to": "2026-03-01"}, "invalid_range",
     "Tanggal awal (from) 10-03-2026 sesudah tanggal akhir (to) 01-03-2026. Tukar kedua tanggal itu."),
    ({**SUMMARY, "from": "2025-03-01", "to": "2026-03-01"}, "invalid_range",
     "Laporan paling panjang 366 hari; yang diminta 366 hari. Perpendek rentang tanggalnya."),
    ({**SUMMARY, "from": "2025-01-01", "to": "2026-01-02"}, "invalid_range",
     "Laporan paling panjang 366 hari; yang diminta 367 hari. Perpendek rentang tanggalnya."),
    ({"from": DAY, "to": DAY}, "missing_field",
     "Parameter 'by' wajib diisi: salah satu dari service, agency, counter, officer, day, hour."),
    ({**SUMMARY, "by": "week"}, "invalid_field",
     "Parameter 'by' harus salah satu dari service, agency, counter, officer, day, hour; bukan 'week'."),
    ({**SUMMARY, "format": "pdf"}, "invalid_field", "Parameter 'format' harus salah satu dari csv, xlsx; bukan 'pdf'."),
    ({**SUMMARY, "agency": "DISHUB"}, "unknown_agency",
     "Instansi 'DISHUB' tidak dikenal. Instansi yang ada: DUKCAPIL, BAPPENDA."),
    ({**SUMMARY, "service": "Z"}, "unknown_service", "Layanan 'Z' tidak dikenal. Layanan yang ada: A, B, C."),
    ({**SUMMARY, "agency": "BAPPENDA", "service": "A"}, "invalid_field", "Layanan A bukan layanan instansi BAPPENDA."),
]


@pytest.mark.parametrize(("params", "code", "message"), BAD)
def test_bad_summary_queries_are_422(day, params, code, message):
    """Each bad query of the summary: 422 with its code and a message that says what to write."""
    client, admin, _ = day
    response = client.get("/api/reports/summary", params=params, headers=admin)
    if "366 hari; yang diminta 366" in (message or ""):  # exactly 366 days is allowed
        assert response.status_code == 200
        return
    assert error_of(response) == (422, code)
    if message:
        assert response.json()["error"]["message"] == message


@pytest.mark.parametrize(("month", "code"), [(None, "missing_field"), ("2026-13", "invalid_field"),
                                             ("2026-3", "invalid_field"), ("Maret", "invalid_field"),
                                             ("0000-01", "invalid_field")])
def test_bad_months_are_422(day, month, code):
    """The recap's month must be YYYY-MM; its format csv or xlsx."""
    client, admin, _ = day
    params = {"month": month} if month is not None else {}
    response = client.get("/api/reports/recap", params=params, headers=admin)
    assert error_of(response) == (422, code)
    assert "TTTT-BB" in response.json()["error"]["message"]
    assert error_of(client.get("/api/reports/recap", params={"month": "2026-03", "format": "ods"},
                               headers=admin)) == (422, "invalid_field")
