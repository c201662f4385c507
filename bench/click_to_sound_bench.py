"""Click to sound: from the officer's click on "Panggil Berikutnya" to the call playing on every TV.

    .venv/bin/python bench/click_to_sound_bench.py                     # 10 TVs, 100 calls, uncached voice
    .venv/bin/python bench/click_to_sound_bench.py --prerendered       # as the hall runs: next calls rendered ahead
    .venv/bin/python bench/click_to_sound_bench.py --tvs 3 --calls 10  # a quick look
    .venv/bin/python bench/click_to_sound_bench.py --hub-only          # no browser: the hub's part alone

Everything real: `run.py` (SQLite, spoken calls with the default engine), Debian's
Chromium through Playwright, one counter page (the coordinator) logged in at Loket 1 and `--tvs`
TV pages (`/display`), each in its own browser context as separate TVs are.

Time is read in the pages, on the browser's one wall clock
(`performance.timeOrigin + performance.now()`): the counter page records the
`click` on the button (capture phase, before the page handles it), each TV page
records its audio element's `playing` event. A call is measured from its click
to the `playing` of that call on each TV; the next call is clicked once every
TV has finished the previous one (a TV plays one call at a time, at least 4 s
each), so each sample is the path click -> hub -> WebSocket -> TV -> WAV request
-> render -> download -> decode -> playing, not a TV's queue.

Uncached (the default): before each click, the rendered calls are deleted from
the hub's cache folder, so the call's voice is rendered after the click (the hub
finds the file gone and renders again). --prerendered leaves the cache alone:
the hub has already rendered the next two calls of each counter, as it does all
day.

--hub-only leaves the browsers out, to tell the hub's part from the TVs': a
counter's POST call-next, one display WebSocket receiving the call, then --tvs
plain HTTP clients fetching its WAV at once (uncached), timed to the last byte.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from hub_bench import BENCH_CONFIG, free_port  # noqa: E402  (one counter, Loket 1; koordinator, PIN 1111)

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--autoplay-policy=no-user-gesture-required"]
# In every TV page, before its scripts: note when a ticket.called message arrives, when the page calls
# play() on an audio element, and each `playing` event with the URL: the stages of click -> sound.
TV_PROBE = """
const now = () => performance.timeOrigin + performance.now();
window.__playing = [];
window.__messages = [];
window.__plays = [];
const Native = window.Audio;
window.Audio = function (...args) {
  const element = new Native(...args);
  element.addEventListener("playing", () => window.__playing.push({t: now(), src: element.currentSrc || element.src}));
  return element;
};
window.Audio.prototype = Native.prototype;
const NativeSocket = window.WebSocket;
window.WebSocket = function (...args) {
  const socket = new NativeSocket(...args);
  socket.addEventListener("message", (event) => {
    if (typeof event.data === "string" && event.data.includes('"ticket.called"')) window.__messages.push(now());
  });
  return socket;
};
window.WebSocket.prototype = NativeSocket.prototype;
Object.assign(window.WebSocket, NativeSocket);
const nativePlay = HTMLMediaElement.prototype.play;
HTMLMediaElement.prototype.play = function () {
  window.__plays.push(now());
  return nativePlay.call(this);
};
"""
STAGES = ("the TV receives the call", "the TV calls play()", "playing")
COUNTER_PROBE = """
window.__clicks = [];
document.addEventListener("click", (event) => {
  if (event.target.closest && event.target.closest("#btn-call-next"))
    window.__clicks.push(performance.timeOrigin + performance.now());
}, true);
"""


def request(url: str, body: dict | None = None) -> dict:
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=10) as response:
        return json.loads(response.read())


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def start_hub(folder: Path) -> tuple[subprocess.Popen, str]:
    config = folder / "site.toml"
    config.write_text(BENCH_CONFIG, encoding="utf-8")
    port = free_port()
    log = open(folder / "hub.log", "wb")
    hub = subprocess.Popen([sys.executable, "run.py", "--config", str(config), "--data-dir", str(folder / "data"),
                            "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"],
                           cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            audio = request(url + "/api/health")["audio"]
            if audio.get("status") == "ok" and audio.get("detail") != "starting":
                return hub, url
        except OSError:
            pass
        if time.monotonic() > deadline or hub.poll() is not None:
            hub.kill()
            raise SystemExit(f"the hub did not start:\n{(folder / 'hub.log').read_text()}")
        time.sleep(0.2)


def _fetch(url: str, done: list[float]) -> None:
    with urllib.request.urlopen(url, timeout=10) as response:
        response.read()
    done.append(time.perf_counter())


def hub_only(url: str, cache: Path, tvs: int, calls: int) -> None:
    """The hub's part of click -> sound: POST call-next -> the call on a display socket -> `tvs` WAVs received."""
    from websockets.sync.client import connect

    token = request(url + "/api/login", {"username": "koordinator", "pin": "1111"})["token"]
    rows = []
    with connect(url.replace("http", "ws", 1) + "/ws/display?zone=lantai-2") as tv:
        tv.recv(timeout=5)  # the snapshot
        for _ in range(calls):
            for wav in cache.glob("*.wav"):
                if wav.name != "chime.wav":
                    wav.unlink(missing_ok=True)
            start = time.perf_counter()
            post = urllib.request.Request(url + "/api/counters/1/call-next", data=b"{}", headers={
                "Content-Type": "application/json", "Authorization": f"Bearer {token}"})
            urllib.request.urlopen(post, timeout=10).read()
            while (event := json.loads(tv.recv(timeout=10)))["type"] != "ticket.called":
                pass
            received = time.perf_counter()
            done: list[float] = []

            wav_url = url + event["announcement"]["audio_url"]
            fetchers = [threading.Thread(target=_fetch, args=(wav_url, done)) for _ in range(tvs)]
            for fetcher in fetchers:
                fetcher.start()
            for fetcher in fetchers:
                fetcher.join()
            rows.append(((received - start) * 1000, (max(done) - start) * 1000))
    for i, name in enumerate(("POST call-next -> call on a display socket", f"... -> {tvs} WAVs received")):
        values = [row[i] for row in rows]
        print(f"{name:<44} p50 {statistics.median(values):6.1f} ms   p99 {percentile(values, 99):6.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tvs", type=int, default=10)
    parser.add_argument("--calls", type=int, default=100)
    parser.add_argument("--prerendered", action="store_true", help="leave the hub's cache alone")
    parser.add_argument("--hub-only", action="store_true", help="no browser: time the hub's part alone")
    args = parser.parse_args()
    if args.hub_only:
        with tempfile.TemporaryDirectory() as tmp:
            hub, url = start_hub(Path(tmp))
            try:
                for _ in range(args.calls + 2):
                    request(url + "/api/tickets", {"service": "A"})
                hub_only(url, Path(tmp) / "data" / "audio-cache", args.tvs, args.calls)
            finally:
                hub.terminate()
                hub.wait(15)
        return
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        hub, url = start_hub(folder)
        cache = folder / "data" / "audio-cache"
        try:
            for _ in range(args.calls + 2):
                request(url + "/api/tickets", {"service": "A"})
            with sync_playwright() as pw:
                browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                tvs = []
                for _ in range(args.tvs):
                    page = browser.new_context(viewport={"width": 960, "height": 540}).new_page()
                    page.add_init_script(TV_PROBE)
                    page.goto(url + "/display?zone=lantai-2")
                    page.wait_for_function("() => window.displayPlayer && !window.displayPlayer.blocked")
                    tvs.append(page)
                counter = browser.new_context(viewport={"width": 1366, "height": 768}).new_page()
                counter.add_init_script(COUNTER_PROBE)
                counter.goto(url + "/counter?loket=1")
                counter.fill("#username", "koordinator")
                counter.fill("#pin", "1111")
                counter.click("#login-button")
                counter.wait_for_selector("#btn-call-next:enabled")
                samples: list[float] = []
                stages: list[tuple[float, float, float]] = []
                worst: list[float] = []
                chimes = 0
                for n in range(args.calls):
                    if not args.prerendered:
                        for wav in cache.glob("*.wav"):
                            if wav.name != "chime.wav":
                                wav.unlink(missing_ok=True)
                    before = [tv.evaluate("[window.__playing.length, window.__messages.length, window.__plays.length]")
                              for tv in tvs]
                    counter.wait_for_selector("#btn-call-next:enabled")
                    counter.click("#btn-call-next")
                    call = []
                    for tv, seen in zip(tvs, before, strict=True):
                        tv.wait_for_function("n => window.__playing.length > n", arg=seen[0], timeout=30_000)
                        call.append(tv.evaluate(
                            "s => [window.__messages[s[1]], window.__plays[s[2]], window.__playing[s[0]]]", seen))
                    clicked = counter.evaluate("window.__clicks[window.__clicks.length - 1]")
                    stages += [(message - clicked, play - clicked, entry["t"] - clicked)
                               for message, play, entry in call]
                    call = [entry for _, _, entry in call]
                    took = [entry["t"] - clicked for entry in call]
                    chimes += sum(1 for entry in call if "/audio/chime.wav" in entry["src"])
                    samples += took
                    worst.append(max(took))
                    for tv in tvs:  # every TV idle again before the next call
                        tv.wait_for_function("() => displayPlayer.playing === null && displayPlayer.queue.length === 0",
                                             timeout=60_000)
                    if (n + 1) % 10 == 0:
                        print(f"  {n + 1} calls: p50 {statistics.median(samples):.0f} ms, "
                              f"p99 {percentile(samples, 99):.0f} ms", flush=True)
                played = [tv.evaluate("displayPlayer.played.map(p => p.sound)") for tv in tvs]
                browser.close()
            health = request(url + "/api/health")["audio"]
        finally:
            hub.terminate()
            hub.wait(15)
    mode = "pre-rendered" if args.prerendered else "uncached"
    print(f"{args.calls} calls, {args.tvs} TVs, voice {mode}, engine {health['engine']}, "
          f"{os.cpu_count()} CPUs, load {os.getloadavg()[0]:.2f}")
    print(f"click -> playing, every TV:   p50 {statistics.median(samples):.0f} ms   "
          f"p99 {percentile(samples, 99):.0f} ms   max {max(samples):.0f} ms   (n={len(samples)})")
    print(f"click -> playing, slowest TV: p50 {statistics.median(worst):.0f} ms   p99 {percentile(worst, 99):.0f} ms")
    for i, stage in enumerate(STAGES):
        values = [row[i] for row in stages]
        print(f"  click -> {stage:<26} p50 {statistics.median(values):5.0f} ms   p99 {percentile(values, 99):5.0f} ms")
    print(f"calls heard as the chime only: {chimes}; sounds in the TVs' logs: "
          f"{sorted({s for p in played for s in p})}; hub renders {health['syntheses']}, "
          f"fallbacks {health['fallbacks']}, not_found {health['not_found']}")


if __name__ == "__main__":
    main()
