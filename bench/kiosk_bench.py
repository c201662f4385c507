"""How long the kiosk waits for a printer that is down or does not answer (moved here from the tests).

    .venv/bin/python bench/kiosk_bench.py            # 10 tickets per case

Builds the hub in-process (create_app, a real SQLite file, Starlette's
TestClient) on the kiosk test site with an ESC/POS printer for kiosk "lobi",
and times POST /kiosk/api/tickets in two cases:
- printer down: nothing listens on its port (connection refused);
- printer silent: a TCP listener that accepts the ticket but never answers the
  paper-status query, with `print_wait_seconds = 0.5`.
Reports the median and the maximum answer time of each case. Expected: the
first well under the printer's connect timeout, the second just over
print_wait_seconds (the kiosk gives up waiting, the ticket stays valid).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

from starlette.testclient import TestClient

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from config.site import load_config  # noqa: E402
from server.app import create_app  # noqa: E402
from server.settings import Settings  # noqa: E402
from tests.kiosk.fakes import FakePrinter  # noqa: E402
from tests.kiosk.test_api import KIOSK_SITE, printer_section  # noqa: E402
from tests.kiosk.test_printer import closed_port  # noqa: E402


def timed_issues(port: int, n: int, **kiosk) -> list[float]:
    folder = Path(tempfile.mkdtemp(prefix="mpp-kiosk-bench-"))
    site = folder / "site.toml"
    site.write_text(KIOSK_SITE.read_text(encoding="utf-8") + "\n"
                    + printer_section(port, **kiosk), encoding="utf-8")
    app = create_app(Settings(config=load_config(site), data_dir=folder / "data"))
    times = []
    with TestClient(app) as client:
        for _ in range(n):
            started = time.monotonic()
            body = client.post("/kiosk/api/tickets", json={"service": "A", "kiosk": "lobi"}).json()
            times.append(time.monotonic() - started)
            assert body["printed"] is False, body
        app.state.kiosk.close()
    return times


def summary(name: str, times: list[float]) -> dict:
    return {"case": name, "tickets": len(times), "median_s": round(statistics.median(times), 3),
            "max_s": round(max(times), 3)}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--tickets", type=int, default=10, help="at most 20: the site's per-device burst")
    args = p.parse_args()
    print(json.dumps(summary("printer down (connection refused)", timed_issues(closed_port(), args.tickets))))
    with FakePrinter(paper=None) as silent:
        times = timed_issues(silent.port, args.tickets, print_wait_seconds=0.5)
    print(json.dumps(summary("printer silent, print_wait_seconds = 0.5", times)))


if __name__ == "__main__":
    main()
