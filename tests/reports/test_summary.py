"""GET /api/reports/summary on a day built with known times: every breakdown's counts and times, exactly."""

from __future__ import annotations

import pytest

from tests.reports.support import DAY, NEXT_DAY, next_day

FIELDS = ("issued", "served", "no_show", "transferred", "wait_avg_s", "wait_p50_s", "wait_p90_s", "wait_max_s",
          "service_avg_s", "service_p90_s", "over_target")


def row(key, label, *values) -> dict:
    return {"key": key, "label": label, **dict(zip(FIELDS, values, strict=True))}


TOTAL = row(None, "Jumlah", 6, 4, 1, 1, 680, 600, 1260, 1260, 390, 840, 1)
EXPECTED = {
    "service": [
        row("A", "Perekaman KTP-el", 2, 3, 0, 0, 460, 360, 720, 720, 440, 840, 0),
        row("B", "Kartu Keluarga", 2, 0, 0, 1, 840, 840, 840, 840, None, None, 0),
        row("C", "Pajak Bumi dan Bangunan", 2, 1, 1, 0, 930, 600, 1260, 1260, 240, 240, 1),
    ],
    "agency": [
        row("DUKCAPIL", "Dinas Kependudukan dan Pencatatan Sipil", 4, 3, 0, 1, 555, 360, 840, 840, 440, 840, 0),
        row("BAPPENDA", "Badan Pendapatan Daerah", 2, 1, 1, 0, 930, 600, 1260, 1260, 240, 240, 1),
    ],
    "counter": [
        row("1", "Loket 1", None, 1, 0, 1, 620, 720, 840, 840, 240, 240, 0),
        row("2", "Loket 2", None, 1, 0, 0, None, None, None, None, 240, 240, 0),
        row("3", "Loket 3", None, 0, 1, 0, 600, 600, 600, 600, None, None, 0),
        row("4", "Loket 4", None, 2, 0, 0, 810, 360, 1260, 1260, 540, 840, 1),
    ],
    "officer": [
        row("budi", "Budi Santoso", None, 2, 0, 1, 620, 720, 840, 840, 240, 240, 0),
        row("sari", "Sari Wulandari", None, 2, 1, 0, 740, 600, 1260, 1260, 540, 840, 1),
    ],
    "day": [row(DAY, "Senin, 2 Maret 2026", *list(TOTAL.values())[2:])],
    "hour": [
        row("09", "09.00–10.00", 4, 4, 0, 1, 696, 720, 1260, 1260, 390, 840, 1),
        row("10", "10.00–11.00", 2, 0, 1, 0, 600, 600, 600, 600, None, None, 0),
    ],
}


def summary(client, headers, by: str, first: str = DAY, last: str = DAY, **extra) -> dict:
    response = client.get("/api/reports/summary", params={"from": first, "to": last, "by": by, **extra},
                          headers=headers)
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"
    return response.json()


@pytest.mark.parametrize("by", list(EXPECTED))
def test_every_breakdown_of_the_known_day(day, by):
    """Each breakdown gives exactly the rows and the total the definitions give for the day's known times."""
    client, admin, _ = day
    answer = summary(client, admin, by)
    assert answer == {"from": DAY, "to": DAY, "by": by, "rows": EXPECTED[by], "total": TOTAL}


def test_filters_by_agency_and_service(day):
    """`agency` and `service` keep only those tickets: the rows and the total are theirs alone."""
    client, admin, _ = day
    only_c = summary(client, admin, "service", agency="BAPPENDA")
    assert only_c["rows"] == EXPECTED["service"][2:]
    assert only_c["total"] == {**EXPECTED["service"][2], "key": None, "label": "Jumlah"}
    only_a = summary(client, admin, "officer", service="A")
    assert [(r["key"], r["served"], r["wait_avg_s"]) for r in only_a["rows"]] == [("budi", 2, 510), ("sari", 1, 360)]
    assert only_a["total"]["issued"] == 2 and only_a["total"]["served"] == 3


def test_a_second_day_and_an_expired_ticket(day):
    """Days are the site's local days: the next morning's ticket is its own row, and B002 (expired at the change
    of day, never called) still counts as taken on Monday, without a wait."""
    client, monday, clock = day
    with next_day(client, clock, monday) as admin:
        both = summary(client, admin, "day", DAY, NEXT_DAY)
    assert [(r["key"], r["label"], r["issued"], r["wait_avg_s"]) for r in both["rows"]] == [
        (DAY, "Senin, 2 Maret 2026", 6, 680), (NEXT_DAY, "Selasa, 3 Maret 2026", 1, None)]
    assert both["total"]["issued"] == 7 and both["total"]["wait_avg_s"] == 680
    assert summary(client, admin, "service")["total"] == TOTAL  # Monday alone is unchanged
    assert summary(client, admin, "service", "2026-03-04", "2026-03-31") == {
        "from": "2026-03-04", "to": "2026-03-31", "by": "service", "rows": [],
        "total": row(None, "Jumlah", 0, 0, 0, 0, None, None, None, None, None, None, 0)}


def test_a_closed_day_read_again_from_the_workers_parts(day):
    """Once Monday is over, the worker keeps its parts: every breakdown read again (and filtered, and over a
    period that also has a live day) is what reading the tickets gave."""
    client, monday, clock = day
    with next_day(client, clock, monday) as admin:
        for by, rows in EXPECTED.items():
            for _ in range(2):  # read, then from the kept parts
                assert summary(client, admin, by) == {"from": DAY, "to": DAY, "by": by, "rows": rows, "total": TOTAL}
        for _ in range(2):
            only_c = summary(client, admin, "counter", service="C")
            assert [(r["key"], r["served"], r["no_show"], r["over_target"]) for r in only_c["rows"]] == [
                ("3", 0, 1, 0), ("4", 1, 0, 1)]
            tuesday = summary(client, admin, "day", NEXT_DAY, NEXT_DAY)["total"]["issued"]  # live: 09:00 tickets
            both = summary(client, admin, "hour", DAY, NEXT_DAY)
            assert tuesday >= 1 and [(r["key"], r["issued"]) for r in both["rows"]] == [("09", 4 + tuesday), ("10", 2)]
