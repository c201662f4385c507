"""Dead-link benchmark: how late a TV shows and speaks a call made right after its link died silently.

    .venv/bin/python bench/link_bench.py               # 10 worst-phase + 10 random-phase trials
    .venv/bin/python bench/link_bench.py --trials 20

A real hub (`run.py`, no audio: the TV plays its chime) behind a TCP proxy
(tests/linkproxy.py) and the real display page in headless Chromium. Each trial
black-holes the TV's connection (no FIN, no RST: nothing passes any more, as when
a router loses its state), then at once issues a ticket and calls it at Loket 1.
It measures, from the call's answer:
- detect: the page gives the dead link up (its client goes offline);
- shown: the number is in the big panel (after reconnecting and resuming with `since`);
- spoken: the player starts the call's sound.

"worst" trials black-hole the link just after a heartbeat reached the page (the
longest silence before the dead link shows); "random" trials at a random moment.
Results go to docs/benchmarks.md ("A TV on a dead link").
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.conftest import CHROMIUM, CHROMIUM_ARGS, HubProcess  # noqa: E402
from tests.display.support import open_display  # noqa: E402
from tests.linkproxy import LinkProxy  # noqa: E402

WATCH = """() => {
  window.benchTimes = {offline: null, shown: null, number: null};
  const box = document.getElementById('call-number');
  new MutationObserver(() => {
    if (box.textContent === window.benchTimes.number && window.benchTimes.shown === null) {
      window.benchTimes.shown = Date.now();
    }
  }).observe(box, {childList: true, characterData: true, subtree: true});
  const status = document.getElementById('status');
  new MutationObserver(() => {
    if (!status.hidden && window.benchTimes.offline === null) window.benchTimes.offline = Date.now();
  }).observe(status, {attributes: true});
}"""


def trial(page, hub: HubProcess, proxy: LinkProxy, token: str, worst: bool) -> dict:
    page.wait_for_function("() => window.displayHub.online")
    if worst:  # just after a frame (a heartbeat) arrived: the longest silence before the link counts dead
        page.wait_for_function("() => performance.now() - window.displayHub.lastFrameAt < 50", polling=5)
    else:
        time.sleep(random.uniform(0, 2.0))
    page.evaluate("() => { window.benchTimes.offline = null; window.benchTimes.shown = null; }")
    proxy.blackhole()
    ticket = hub.issue("A")
    page.evaluate("n => { window.benchTimes.number = n; }", ticket["number"])
    status, body = hub.request("POST", "/api/counters/1/call-next", token=token)
    assert status == 200 and body["ticket"]["number"] == ticket["number"], body
    called = time.time() * 1000
    page.wait_for_function("() => window.benchTimes.shown !== null", timeout=60_000)
    page.wait_for_function(
        "n => window.displayPlayer.played.some(p => p.number === n)", arg=ticket["number"], timeout=60_000)
    times = page.evaluate("window.benchTimes")
    spoken = page.evaluate("n => window.displayPlayer.played.find(p => p.number === n).started_at", ticket["number"])
    return {"detect": (times["offline"] - called) / 1000 if times["offline"] else None,
            "shown": (times["shown"] - called) / 1000, "spoken": (spoken - called) / 1000}


def summary(name: str, rows: list[dict]) -> None:
    for key in ("detect", "shown", "spoken"):
        values = [r[key] for r in rows if r[key] is not None]
        if values:
            print(f"{name:7} {key:7} min {min(values):5.2f} s  median {statistics.median(values):5.2f} s  "
                  f"max {max(values):5.2f} s  (n={len(values)})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=10, help="trials of each kind (worst, random)")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp:
        hub = HubProcess(Path(tmp) / "data").start()
        proxy = LinkProxy(hub.port)
        try:
            token = hub.login()
            with sync_playwright() as pw:
                browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                page = open_display(browser, SimpleNamespace(url=f"http://127.0.0.1:{proxy.port}"))
                page.evaluate(WATCH)
                results = {"worst": [], "random": []}
                for i in range(args.trials * 2):
                    kind = "worst" if i % 2 == 0 else "random"
                    row = trial(page, hub, proxy, token, worst=kind == "worst")
                    results[kind].append(row)
                    print(f"{kind:7} detect {row['detect']:.2f} s, shown {row['shown']:.2f} s, "
                          f"spoken {row['spoken']:.2f} s", flush=True)
                browser.close()
            print()
            for kind, rows in results.items():
                summary(kind, rows)
        finally:
            proxy.close()
            hub.stop()


if __name__ == "__main__":
    main()
