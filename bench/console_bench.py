"""Admin console page benchmark: how the console feels at full-launch size, in real Chromium.

    .venv/bin/python bench/console_bench.py                  # 50 keystrokes, 20 section switches, 10 saves
    .venv/bin/python bench/console_bench.py --saves 20 --json results.json

The site is bench/admin_bench.py's full-launch hall (22 agencies, 150 services, 80
counters, 200 officers); the hub is `run.py` as `make run` starts it. Headless
Debian Chromium at 1366x768 logs in as the admin and measures:

- **log-in to the list**: from the click on *Masuk* to the 150 services drawn
  (schema and configuration fetched, draft built, list drawn), seen from Python;
- **one keystroke**: typing one character into a service's name, timed inside the
  page around the input event (the draft changes, the whole configuration is
  compared with the loaded one, the list and the navigation are drawn again);
- **switching section**: a click on *Petugas* / *Layanan* until the 200 officers
  or 150 services are drawn, timed inside the page;
- **save**: from the click on *Simpan perubahan* to the console showing the new
  version (PUT of about 90 KB, the hub's checks and commit, GET of the new version,
  the draft rebuilt and the section drawn again), seen from Python.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.admin_bench import big_site, percentile, start_hub  # noqa: E402
from bench.hub_bench import stop, wait_port  # noqa: E402
from tests.conftest import CHROMIUM, CHROMIUM_ARGS  # noqa: E402

KEYSTROKE = """(path) => {
  const input = document.querySelector('.field[data-path="' + path + '"] input');
  const t0 = performance.now();
  input.value += "x";
  input.dispatchEvent(new Event("input", { bubbles: true }));
  return performance.now() - t0;
}"""

SWITCH = """([section, rows]) => {
  const t0 = performance.now();
  document.querySelector('.nav-item[data-section="' + section + '"]').click();
  const drawn = document.querySelectorAll("#view .grid tr.row").length;
  if (drawn !== rows) throw new Error(section + ": " + drawn + " rows");
  return performance.now() - t0;
}"""


def summary(name: str, ms: list[float]) -> dict:
    return {"what": name, "n": len(ms), "p50_ms": round(statistics.median(ms), 1),
            "p99_ms": round(percentile(ms, 0.99), 1), "max_ms": round(max(ms), 1)}


def run(keystrokes: int, switches: int, saves: int) -> list[dict]:
    from playwright.sync_api import sync_playwright

    hub, port, tmp = start_hub(big_site(), "mpp-console-bench-")
    results = []
    try:
        wait_port(port)
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1366, "height": 768})
            page.goto(f"http://127.0.0.1:{port}/admin")
            page.fill("#username", "admin")
            page.fill("#pin", "1111")
            t0 = time.monotonic()
            page.click("#login-button")
            page.wait_for_function("() => document.querySelectorAll('#view .grid tr.row').length === 150")
            results.append(summary("log-in to 150 services drawn", [(time.monotonic() - t0) * 1000]))

            page.click('#view .grid tr.row[data-key="A"]')
            typed = [page.evaluate(KEYSTROKE, "services[0].name") for _ in range(keystrokes)]
            results.append(summary("one keystroke in a service's name", typed))
            page.click("#discard")
            page.click("#confirm-ok")
            page.wait_for_selector("#savebar", state="hidden")

            switched = []
            for _ in range(switches):
                switched.append(page.evaluate(SWITCH, ["petugas", 200]))
                switched.append(page.evaluate(SWITCH, ["layanan", 150]))
            results.append(summary("switching section (200 officers / 150 services)", switched))

            saved = []
            for i in range(saves):
                page.click('#view .grid tr.row[data-key="A"]')
                page.fill('.field[data-path="services[0].name"] input', f"Layanan uji {i}")
                t0 = time.monotonic()
                page.click("#save")
                page.wait_for_function("(v) => document.getElementById('version').textContent === 'Versi ' + v",
                                       arg=i + 2)
                saved.append((time.monotonic() - t0) * 1000)
            results.append(summary("save to the new version shown", saved))
            browser.close()
    except Exception:
        print((tmp / "hub.log").read_text(errors="replace")[-3000:], file=sys.stderr)
        raise
    finally:
        stop(hub)
    return results


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--keystrokes", type=int, default=50)
    p.add_argument("--switches", type=int, default=20)
    p.add_argument("--saves", type=int, default=10)
    p.add_argument("--json", type=Path, help="also write the results to this file")
    args = p.parse_args()
    results = run(args.keystrokes, args.switches, args.saves)
    print("| measured | n | p50 ms | p99 ms | max ms |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for r in results:
        print(f"| {r['what']} | {r['n']} | {r['p50_ms']} | {r['p99_ms']} | {r['max_ms']} |")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
