"""Many counters calling at once against a real hub: every ticket is called exactly once."""

from __future__ import annotations

import json
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from websockets.sync.client import connect

from tests.conftest import HubProcess, wait_for
from tests.hub.support import PIN_1111

pytestmark = pytest.mark.e2e

COUNTERS = 18
TICKETS = 600  # with the calls, more than 1000 writes: the event log pruning runs during the test
SERVICES = ("A", "B", "C")


def site_toml() -> str:
    parts = ['[site]\nname = "MPP Beban"\ntimezone = "Asia/Jakarta"\nmax_consecutive_priority = 2\n'
             'tickets_per_minute = 0\n']
    parts += [f'[[services]]\ncode = "{s}"\nname = "Layanan {s}"\n' for s in SERVICES]
    for i in range(1, COUNTERS + 1):
        served = [SERVICES[i % 3], SERVICES[(i + 1) % 3]]
        parts.append(f'[[counters]]\nid = "{i}"\nname = "Loket {i}"\nservices = {json.dumps(served)}\n')
    # No `counters` key: the koordinator may use any counter.
    parts.append(f'[[officers]]\nusername = "koordinator"\nname = "Koordinator"\npin_hash = "{PIN_1111}"\n')
    return "\n".join(parts)


class Collector(threading.Thread):
    """A display socket reading every message until told to stop."""

    def __init__(self, ws) -> None:
        super().__init__(daemon=True)
        self.ws = ws
        self.snapshot = json.loads(self.ws.recv(timeout=10))
        self.messages: list[dict] = []
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            for text in self.ws:
                self.messages.append(json.loads(text))
        except BaseException as exc:  # reported by the test
            self.error = exc

    def called(self) -> list[dict]:
        return [m for m in list(self.messages) if m["type"] == "ticket.called"]


def test_concurrent_call_next_calls_every_ticket_exactly_once(tmp_path):
    """18 counters calling at once call each of 600 tickets once; a display sees each call once, in seq order."""
    config = tmp_path / "load.toml"
    config.write_text(site_toml(), encoding="utf-8")
    hub = HubProcess(tmp_path / "data", config=config).start()
    try:
        def issue(i: int) -> str:
            return hub.issue(SERVICES[i % 3], priority=i % 7 == 0)["number"]

        with ThreadPoolExecutor(8) as pool:
            issued = list(pool.map(issue, range(TICKETS)))
        assert len(set(issued)) == TICKETS
        for s in SERVICES:
            count = sum(n.startswith(s) for n in issued)
            assert sorted(n for n in issued if n.startswith(s)) == [f"{s}{k:03d}" for k in range(1, count + 1)]

        token = hub.login("koordinator", "1111")
        with connect(hub.ws_url + "/ws/display") as ws:
            display = Collector(ws)
            display.start()
            start = threading.Barrier(COUNTERS)

            def work(counter: int) -> list[str]:
                numbers = []
                start.wait()
                while True:
                    status, body = hub.request("POST", f"/api/counters/{counter}/call-next", token=token)
                    assert status == 200, body
                    if body["ticket"] is None:
                        return numbers
                    assert body["ticket"]["status"] == "called" and body["ticket"]["counter"] == str(counter)
                    numbers.append(body["ticket"]["number"])

            with ThreadPoolExecutor(COUNTERS) as pool:
                per_counter = list(pool.map(work, range(1, COUNTERS + 1)))
            called = [n for numbers in per_counter for n in numbers]
            assert len(called) == len(set(called)) == TICKETS
            assert set(called) == set(issued)
            assert sum(1 for numbers in per_counter if numbers) >= COUNTERS // 2  # the work really was shared

            wait_for(lambda: len(display.called()) >= TICKETS or display.error, timeout=30,
                     what="the display to see every call")
            display.ws.close()
            display.join(10)
            assert display.error is None or "ConnectionClosedOK" in type(display.error).__name__
            seqs = [m["seq"] for m in display.messages if "seq" in m]
            assert seqs == sorted(set(seqs)) and seqs[0] > display.snapshot["seq"]
            seen = [m["ticket"]["number"] for m in display.called()]
            assert len(seen) == len(set(seen)) == TICKETS and set(seen) == set(issued)

        state = hub.request("GET", "/api/state")[1]
        assert all(s["waiting"] == 0 for s in state["services"])
        assert sum(s["issued"] for s in state["services"]) == TICKETS
    finally:
        hub.stop()
