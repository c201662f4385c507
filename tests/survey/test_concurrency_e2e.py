"""One response per ticket on a real hub, however many posts race (the database decides)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta

import pytest

from tests.survey.support import ALL_FOUR

pytestmark = pytest.mark.e2e

RACERS = 24


def test_concurrent_posts_save_exactly_one_response(hub):
    """24 simultaneous answers to one served ticket: exactly one 201, every other 409 already_answered."""
    token = hub.login()
    tickets = [hub.issue("A") for _ in range(3)]
    for _ in tickets:
        assert hub.request("POST", "/api/counters/1/call-next", token=token)[0] == 200
    assert hub.request("POST", "/api/counters/1/done", token=token)[0] == 200
    for ticket in tickets:
        with ThreadPoolExecutor(RACERS) as pool:
            answers = list(pool.map(
                lambda score, t=ticket: hub.request("POST", f"/api/survey/{t['token']}",
                                                    {"answers": {**ALL_FOUR, "waktu": score % 4 + 1}}),
                range(RACERS)))
        statuses = sorted(status for status, _ in answers)
        assert statuses == [201] + [409] * (RACERS - 1), statuses
        assert {body["error"]["code"] for status, body in answers if status == 409} == {"already_answered"}
    admin = hub.login("koordinator", "1111")
    status, report = hub.request("GET", "/api/reports/ikm?from=2000-01-01&to=2000-12-31", token=admin)
    assert status == 200 and report["respondents"] == 0  # another year: nothing
    issued = datetime.fromisoformat(tickets[0]["issued_at"]).date()  # UTC: the site's local day is within a day
    first, last = issued - timedelta(days=1), issued + timedelta(days=1)
    status, report = hub.request("GET", f"/api/reports/ikm?from={first}&to={last}", token=admin)
    assert (report["respondents"], report["population"]) == (3, 3)
