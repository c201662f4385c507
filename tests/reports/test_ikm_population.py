"""The IKM's population (survey/, tickets served) counts exactly what the reports count as served, for the same
period and scope: the city gets one number of citizens served, whichever page it reads."""

from __future__ import annotations

from tests.reports.support import DAY


def served(client, headers: dict, **scope) -> int:
    """Reports' `served` of the scope: the total, or the row of the counter asked for."""
    counter = scope.pop("counter", None)
    by = "counter" if counter else "service"
    answer = client.get("/api/reports/summary", params={"from": DAY, "to": DAY, "by": by, **scope},
                        headers=headers).json()
    if counter:
        return next((r["served"] for r in answer["rows"] if r["key"] == counter), 0)
    return answer["total"]["served"]


def population(client, headers: dict, **scope) -> int:
    answer = client.get("/api/reports/ikm", params={"from": DAY, "to": DAY, **scope}, headers=headers)
    assert answer.status_code == 200, answer.text
    return answer.json()["population"]


def test_the_ikm_population_is_the_reports_served_for_every_scope(day):
    """The known day (a recall, a transfer, a no-show served later, a real no-show): the hall, each agency,
    service and counter give the same count on both pages."""
    client, admin, _ = day
    scopes = [{}, {"agency": "DUKCAPIL"}, {"agency": "BAPPENDA"}, {"service": "A"}, {"service": "B"},
              {"service": "C"}, *({"counter": c} for c in ("1", "2", "3", "4"))]
    counted = [(scope, served(client, admin, **dict(scope)), population(client, admin, **scope)) for scope in scopes]
    assert [(scope, a) for scope, a, b in counted if a != b] == [], counted
    assert counted[0][1] == 4  # A001, C001, the transferred ticket, A002: one served ticket each
