"""The hub's own work for one call-next: the rule, the event and its JSON, without I/O.

    .venv/bin/python bench/call_cost.py            # 300 waiting tickets, 250 calls

On the test site (tests/site.toml: 4 counters, 3 services), issues `--waiting`
tickets (every seventh a priority one), then has the counters call next in
turn and times, for each call, `Queue.call_next` (the decision and the event
with its counter's status and the waiting lines it moved) plus encoding its
events to JSON as the event log does. No SQLite, no HTTP, no sockets: what the
change to typed views and events costs on the commit path.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from config.site import load_config  # noqa: E402
from server.queue import Queue  # noqa: E402


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--waiting", type=int, default=300)
    p.add_argument("--calls", type=int, default=250)
    args = p.parse_args()
    queue = Queue(load_config(ROOT / "tests" / "site.toml"), "2026-03-02")
    now = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)
    for i in range(args.waiting):
        queue.apply(queue.issue("ABC"[i % 3], i % 7 == 0, now + timedelta(seconds=i), f"token-{i}"))
    times = []
    for i in range(args.calls):
        now += timedelta(seconds=30)
        started = time.perf_counter()
        change = queue.call_next(str(1 + i % 4), now)
        for event in change.events:
            json.dumps({**event.to_json(), "seq": i, "at": now.isoformat()}, ensure_ascii=False, separators=(",", ":"))
        times.append(time.perf_counter() - started)
        queue.apply(change)
    ms = sorted(t * 1000 for t in times)
    print(json.dumps({"waiting": args.waiting, "calls": args.calls, "median_ms": round(statistics.median(ms), 3),
                      "p90_ms": round(ms[int(0.9 * (len(ms) - 1))], 3), "max_ms": round(ms[-1], 3)}))


if __name__ == "__main__":
    main()
