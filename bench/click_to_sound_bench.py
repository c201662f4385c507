"""Click to sound: from the officer's click on "Panggil Berikutnya" to the call's sound starting on every TV.

    .venv/bin/python bench/click_to_sound_bench.py                     # 10 TVs, 100 calls, uncached voice
    .venv/bin/python bench/click_to_sound_bench.py --prerendered       # as the hall runs: next calls rendered ahead
    .venv/bin/python bench/click_to_sound_bench.py --tvs 3 --calls 10  # a quick look
    .venv/bin/python bench/click_to_sound_bench.py --hub-only          # no browser: the hub's part alone
    .venv/bin/python bench/click_to_sound_bench.py --samples run.json  # also every sample's raw times

Everything real: `run.py` (SQLite, spoken calls with the default engine), Debian's
Chromium through Playwright, one counter page (the coordinator) logged in at Loket 1 and `--tvs`
TV pages (`/display`), each in its own browser context as separate TVs are.

Time is read in the pages, on the browser's one wall clock
(`performance.timeOrigin + performance.now()`): the counter page records the
`click` on the button (capture phase, before the page handles it); each TV page
records the call's WebSocket message and every Web Audio source it starts
(`AudioBufferSourceNode.start()`, and the oscillators of the chime made in the
browser) with the moment its first sample leaves for the output device, by the
AudioContext's output clock (`getOutputTimestamp()`, looked up once the output
has passed the source's start and mapped back to it: the output latency is
included). A TV plays the hub's chime the moment a call arrives and the rest of
the call's WAV after it (docs/display.md, "How the sound plays"), so a sample is
the click to the first sample of the call's first source on each TV (the later
of the probe's estimate and the page's own `timing.output`). The stages come
from the probe and the page's `timing` (arrived, fetched, decoded), and every
sample is checked: the call is the same on every TV, and the rest of its WAV
started at the chime's last sample on the audio clock or is counted late.

The next call is clicked once every TV has finished the previous one (a TV
plays one call at a time, at least 4 s each), so each sample is the path click
-> hub -> WebSocket -> TV -> sound, not a TV's queue.

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
# In every TV page, before its scripts: note when a ticket.called message arrives, and each start() of a
# Web Audio source (the call's decoded WAV, or the chime's first tone) with the moment its first sample
# leaves for the output device, by the context's own output clock: AudioContext.getOutputTimestamp() maps
# a context time to the page's clock; looked up once the output has passed the source's start and
# extrapolated back to it (so it includes the output latency). Independent of the page's own `timing`.
TV_PROBE = """
const now = () => performance.timeOrigin + performance.now();
window.__starts = [];
window.__messages = [];
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
function watch(Node) {  // AudioBufferSourceNode has its own start(); OscillatorNode inherits it
  const nativeStart = Node.prototype.start;
  Node.prototype.start = function (when) {
    const ctx = this.context;
    const entry = {t: now(), kind: this.constructor.name, output: undefined};
    window.__starts.push(entry);
    const result = nativeStart.apply(this, arguments);
    const begin = Math.max(when || 0, ctx.currentTime);  // after start(): it cannot sound before what is rendered
    const deadline = performance.now() + 5000;
    const look = () => {
      const stamp = ctx.getOutputTimestamp();
      if (stamp.contextTime >= begin && stamp.performanceTime > 0) {
        entry.output = performance.timeOrigin + stamp.performanceTime - (stamp.contextTime - begin) * 1000;
        entry.stamp = [now(), stamp.contextTime, stamp.performanceTime, begin];
      }
      else if (performance.now() < deadline) setTimeout(look, 10);
      else entry.output = null;
    };
    setTimeout(look, 10);
    return result;
  };
}
watch(AudioBufferSourceNode);
watch(AudioScheduledSourceNode);
"""
# The stages of one sample: the probe's (message, start, output) and the page's own timing (docs/display.md).
STAGES = (("message", "the TV receives the call"), ("arrived", "the player has it (fetch leaves)"),
          ("fetched", "the WAV is downloaded"), ("decoded", "the WAV is decoded"),
          ("start", "the page calls start()"), ("output", "the first sample leaves for the output"))
# Read once the TV is idle again: its last played call (the page's timing) and the sources it started.
TV_SAMPLE = """s => {
  const played = displayPlayer.played[displayPlayer.played.length - 1], timing = played.timing;
  const starts = window.__starts.slice(s[0]), rest = starts[1];
  return {message: window.__messages[s[1]] ?? null, arrived: timing.arrived, fetched: timing.fetched,
          decoded: timing.decoded, start: starts[0].t, output: starts[0].output, page_output: timing.output,
          rest: rest && rest.kind === "AudioBufferSourceNode" ? rest.output : null, gap: timing.gap,
          chime: displayPlayer.chimeBuffer ? displayPlayer.chimeBuffer.duration * 1000 : null,
          sound: played.sound, audio_url: played.audio_url, number: played.number};
}"""
TV_IDLE = """s => displayPlayer.playing === null && displayPlayer.queue.length === 0 && window.__starts.length > s[0]
  && window.__starts.slice(s[0]).every(start => start.output !== undefined)"""
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
    parser.add_argument("--samples", metavar="FILE", help="write every sample's raw times (JSON) to FILE")
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
                stages: list[dict] = []
                worst: list[float] = []
                loads = [os.getloadavg()[0]]
                raw: list[dict] = []
                for n in range(args.calls):
                    if not args.prerendered:
                        for wav in cache.glob("*.wav"):
                            if wav.name != "chime.wav":
                                wav.unlink(missing_ok=True)
                    before = [tv.evaluate("[window.__starts.length, window.__messages.length]") for tv in tvs]
                    counter.wait_for_selector("#btn-call-next:enabled")
                    counter.click("#btn-call-next")
                    call = []
                    for tv, seen in zip(tvs, before, strict=True):  # played, every TV idle before the next call
                        tv.wait_for_function(TV_IDLE, arg=seen, timeout=60_000)
                        call.append(tv.evaluate(TV_SAMPLE, seen))
                    clicked = counter.evaluate("window.__clicks[window.__clicks.length - 1]")
                    raw.append({"clicked": clicked, "tvs": call})
                    numbers = {row["number"] for row in call}
                    if len(numbers) != 1 or any(row["output"] is None for row in call):
                        raise SystemExit(f"call {n + 1}: not one call heard on every TV: {call}")
                    took = []
                    for row in call:
                        # The later of the probe's and the page's estimates (both from getOutputTimestamp).
                        row["heard"] = max(row["output"], row["page_output"] or 0)
                        took.append(row["heard"] - clicked)
                        stages.append({stage: (row[stage] - clicked if row[stage] is not None else None)
                                       for stage, _ in STAGES})
                        stages[-1].update(sound=row["sound"], url=row["audio_url"] or "", gap=row["gap"],
                                          drift=abs(row["output"] - (row["page_output"] or row["output"])),
                                          seam=(row["rest"] - row["output"] - row["chime"]
                                                if row["rest"] is not None and row["chime"] else None))
                    samples += took
                    worst.append(max(took))
                    loads.append(os.getloadavg()[0])
                    if (n + 1) % 10 == 0:
                        print(f"  {n + 1} calls: p50 {statistics.median(samples):.0f} ms, "
                              f"p99 {percentile(samples, 99):.0f} ms, load {loads[-1]:.1f}", flush=True)
                played = [tv.evaluate("displayPlayer.played.map(p => p.sound)") for tv in tvs]
                if args.samples:
                    Path(args.samples).write_text(json.dumps(raw, indent=1))
                browser.close()
            health = request(url + "/api/health")["audio"]
        finally:
            hub.terminate()
            hub.wait(15)
    mode = "pre-rendered" if args.prerendered else "uncached"
    print(f"{args.calls} calls, {args.tvs} TVs, voice {mode}, engine {health['engine']}, "
          f"{os.cpu_count()} CPUs, load average (1 min) during the run {min(loads):.1f}-{max(loads):.1f}")
    print(f"click -> sound at the output, every TV:   p50 {statistics.median(samples):.0f} ms   "
          f"p99 {percentile(samples, 99):.0f} ms   max {max(samples):.0f} ms   (n={len(samples)})")
    print(f"click -> sound at the output, slowest TV: p50 {statistics.median(worst):.0f} ms   "
          f"p99 {percentile(worst, 99):.0f} ms")
    for stage, name in STAGES:
        values = [row[stage] for row in stages if row[stage] is not None]
        if values:
            print(f"  click -> {name:<42} p50 {statistics.median(values):5.0f} ms   "
                  f"p99 {percentile(values, 99):5.0f} ms")
    chimes = sum(1 for row in stages if row["sound"] == "chime" or "/audio/chime.wav" in row["url"])
    print(f"calls heard as the chime only: {chimes}; sounds in the TVs' logs: "
          f"{sorted({s for p in played for s in p})}; hub renders {health['syntheses']}, "
          f"fallbacks {health['fallbacks']}, not_found {health['not_found']}")
    gaps = [row["gap"] for row in stages if row["gap"] is not None]
    seams = [row["seam"] - row["gap"] for row in stages if row["seam"] is not None and row["gap"] is not None]
    if gaps:
        late = [gap for gap in gaps if gap > 0]
        print(f"the words after the chime: {len(gaps) - len(late)} of {len(gaps)} from the chime's last sample on "
              f"(scheduled on the audio clock), {len(late)} later (by p50 {statistics.median(late or [0]):.0f} ms, "
              f"max {max(late or [0]):.0f} ms); on the output clock, their start minus (the chime's end + that delay): "
              f"p50 {statistics.median(seams):.2f} ms, p99 {percentile(seams, 99):.2f} ms")
    print(f"the page's timing.output and the probe's: p99 {percentile([r['drift'] for r in stages], 99):.1f} ms "
          f"apart (a sample is the later one)")


if __name__ == "__main__":
    main()
