"""A day at the test site built with known times (the injected clock), for the reports' tests.

Monday 2 March 2026, from 09:00 WIB (`MORNING`); minutes after 09:00 in brackets.
Service C's wait target is 15 minutes; A and B keep the default 30.

    [0]  A001, A002, B001, C001 taken
    [5]  budi calls A001 at counter 1          wait 300
    [6]  budi recalls A001
    [10] budi: A001 done                       service 240 (from the recall)
    [12] budi calls A002 at counter 1          wait 720
    [13] budi skips A002
    [14] budi calls B001 at counter 1          wait 840
    [20] budi transfers B001 to A              (a new A ticket, its wait counts from here)
    [21] sari calls C001 at counter 4          wait 1260: over C's 15-minute target
    [25] sari: C001 done                       service 240
    [26] sari calls the transferred ticket     wait 360
    [40] sari: it is done                      service 840
    [41] budi calls A002 back at counter 2     (its wait stays 720)
    [45] budi: A002 done                       service 240: served, not a no-show
    [65] C002 taken (10:05)
    [75] sari calls C002 at counter 3          wait 600
    [76] sari skips C002                       a no-show
    [80] B002 taken (10:20), never called

Then on Tuesday 3 March, 09:00: one A ticket taken (B002 expired at the day's change).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from datetime import timedelta

from config.site import dump_config, load_config, parse_config
from tests.conftest import TEST_CONFIG
from tests.hub.support import MORNING, PIN_1111, Clock, act, issue, login

DAY = "2026-03-02"
NEXT_DAY = "2026-03-03"


def report_site():
    """The test site, C with a 15-minute wait target, and dina: koordinator of DUKCAPIL (PIN 1111)."""
    raw = dump_config(load_config(TEST_CONFIG))
    for service in raw["services"]:
        if service["code"] == "C":
            service["target_wait_minutes"] = 15
    raw["officers"].append({"username": "dina", "name": "Dina Koordinator", "pin_hash": PIN_1111,
                            "role": "koordinator", "agency": "DUKCAPIL"})
    return parse_config(raw, TEST_CONFIG)


def build_day(client, clock: Clock) -> None:
    """The day above, through the API, at the times above."""
    at = lambda minutes: clock.set(MORNING + timedelta(minutes=minutes))  # noqa: E731
    at(0)
    budi, sari = login(client, "budi", "1234"), login(client, "sari", "2345")
    for service in "AABC":
        issue(client, service)

    def ok(counter: str, action: str, who: dict, body: dict | None = None) -> dict:
        response = act(client, counter, action, who, body)
        assert response.status_code == 200, response.text
        return response.json()

    at(5), ok("1", "call-next", budi)
    at(6), ok("1", "recall", budi)
    at(10), ok("1", "done", budi)
    at(12)
    a002 = ok("1", "call-next", budi)["ticket"]
    at(13), ok("1", "skip", budi)
    at(14), ok("1", "call-next", budi)
    at(20), ok("1", "transfer", budi, {"service": "A"})
    at(21), ok("4", "call-next", sari)
    at(25), ok("4", "done", sari)
    at(26), ok("4", "call-next", sari)
    at(40), ok("4", "done", sari)
    at(41), ok("2", "call-skipped", budi, {"ticket": a002["id"]})
    at(45), ok("2", "done", budi)
    at(65), issue(client, "C")
    at(75), ok("3", "call-next", sari)
    at(76), ok("3", "skip", sari)
    at(80), issue(client, "B")


@contextlib.contextmanager
def next_day(client, clock: Clock, monday: dict) -> Iterator[dict]:
    """Tuesday 09:00: one A ticket taken; yields an admin's headers of that morning. The clock goes back to Monday
    afterwards, for the other tests (the hall's day never goes back). Tuesday's log-in ended Monday's sessions
    (idle by then, and sessions are the database's): `monday`, the `day` fixture's headers, is a new Monday
    session afterwards."""
    clock.set(MORNING + timedelta(days=1))
    issue(client, "A")
    try:
        yield login(client, "koordinator", "1111")
    finally:
        clock.set(MORNING + timedelta(minutes=90))
        monday.update(login(client, "koordinator", "1111"))
