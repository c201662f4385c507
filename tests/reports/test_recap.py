"""GET /api/reports/recap: the monthly matrix of tickets taken, agencies as subtotals, days that add up."""

from __future__ import annotations

from tests.hub.support import error_of, login
from tests.reports.support import DAY, next_day


def recap(client, headers, month: str = "2026-03", **scope) -> dict:
    response = client.get("/api/reports/recap", params={"month": month, **scope}, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


def test_the_matrix_of_the_month(day):
    """Each agency as a subtotal line then its services (configuration order), 31 days of March; Monday the 2nd
    has the day's tickets taken (the transferred ticket is not counted again), the rest are 0."""
    client, admin, _ = day
    answer = recap(client, admin)
    assert (answer["month"], answer["label"], answer["days"]) == ("2026-03", "Maret 2026", 31)
    shape = [(r["kind"], r["key"], r["label"], r["agency"], r["total"]) for r in answer["rows"]]
    assert shape == [
        ("agency", "DUKCAPIL", "Dinas Kependudukan dan Pencatatan Sipil", "DUKCAPIL", 4),
        ("service", "A", "Perekaman KTP-el", "DUKCAPIL", 2),
        ("service", "B", "Kartu Keluarga", "DUKCAPIL", 2),
        ("agency", "BAPPENDA", "Badan Pendapatan Daerah", "BAPPENDA", 2),
        ("service", "C", "Pajak Bumi dan Bangunan", "BAPPENDA", 2),
    ]
    assert all(len(r["days"]) == 31 and r["days"][1] == r["total"] for r in answer["rows"])
    assert (answer["total"]["kind"], answer["total"]["label"], answer["total"]["total"]) == (
        "total", "Jumlah seluruhnya", 6)


def test_totals_equal_the_sum_of_their_days_and_services(day):
    """Every line's total is the sum of its days; an agency's days are the sums of its services'; the total line's
    are the sums of the agencies'; and a service's month equals the summary's `issued` for it."""
    client, monday, clock = day
    with next_day(client, clock, monday) as admin:
        answer = recap(client, admin)
        summary = client.get("/api/reports/summary", headers=admin,
                             params={"from": "2026-03-01", "to": "2026-03-31", "by": "service"}).json()
    lines = answer["rows"]
    assert all(sum(r["days"]) == r["total"] for r in [*lines, answer["total"]])
    for head in (r for r in lines if r["kind"] == "agency"):
        own = [r for r in lines if r["kind"] == "service" and r["agency"] == head["key"]]
        assert head["days"] == [sum(column) for column in zip(*(r["days"] for r in own), strict=True)]
    heads = [r["days"] for r in lines if r["kind"] == "agency"]
    assert answer["total"]["days"] == [sum(column) for column in zip(*heads, strict=True)]
    assert answer["total"]["days"][1:3] == [6, 1]  # Monday, and Tuesday's one ticket
    assert {r["key"]: r["issued"] for r in summary["rows"]} == {
        r["key"]: r["total"] for r in lines if r["kind"] == "service"}


def test_february_has_its_own_days(day):
    """A month's lines have one number per day of that month (28 in February 2026), all 0 without tickets."""
    client, admin, _ = day
    answer = recap(client, admin, "2026-02")
    assert answer["days"] == 28 and all(r["days"] == [0] * 28 for r in answer["rows"])
    assert DAY not in str(answer)


def test_the_recap_of_one_agency_or_service(day):
    """agency=CODE: that agency alone (an admin's choice; a koordinator's own is 200, another 403 outside_agency,
    an unknown one 422); service=CODE: its agency's line with that service; the download's name says which."""
    client, admin, _ = day
    keys = lambda answer: [r["key"] for r in answer["rows"]]  # noqa: E731
    bappenda = recap(client, admin, agency="BAPPENDA")
    assert keys(bappenda) == ["BAPPENDA", "C"] and bappenda["total"]["total"] == 2
    assert keys(recap(client, admin, service="B")) == ["DUKCAPIL", "B"]
    dina = login(client, "dina", "1111")
    assert keys(recap(client, dina, agency="DUKCAPIL")) == ["DUKCAPIL", "A", "B"]
    refused = client.get("/api/reports/recap", params={"month": "2026-03", "agency": "BAPPENDA"}, headers=dina)
    assert error_of(refused) == (403, "outside_agency")
    assert error_of(client.get("/api/reports/recap", params={"month": "2026-03", "agency": "DISHUB"},
                               headers=admin)) == (422, "unknown_agency")
    xlsx = client.get("/api/reports/recap", params={"month": "2026-03", "agency": "BAPPENDA", "format": "xlsx"},
                      headers=admin)
    assert xlsx.headers["content-disposition"] == 'attachment; filename="rekap-2026-03-BAPPENDA.xlsx"'
