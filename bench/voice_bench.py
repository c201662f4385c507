"""The voice pack's admin API on a real hub: saving clips, the clip list, a previewed call, and the hub's other
answers while clips are being prepared.

    .venv/bin/python bench/voice_bench.py
    .venv/bin/python bench/voice_bench.py --takes 5 --previews 10

Starts `run.py` (real uvicorn, the real engine) on a free port with a fresh data folder and the test site, logs
in as its admin, then:

1. The whole pack: every clip spoken by espeak-ng and uploaded (PUT /api/admin/voice/clips/{clip}), timed.
2. Browser takes: what the page's recorder sends (16-bit mono at 48 kHz) of 2 s and of 10 s (the limit), the
   voice padded with room noise, uploaded --takes times each: the hub's preparing (resample, trim, level) is
   most of it.
3. GET /api/admin/voice, 100 times.
4. Previews of calls never rendered before (A101, A102, ...), each timed from POST /api/admin/voice/preview to
   the call's WAV received (GET audio_url waits for the render), all from the recorded clips.
5. GET /api/health from another connection, as often as it answers, while 10 s takes are being saved: how
   much a clip being prepared (pure Python, in a thread) slows the hub's other answers.

Prints p50/p99/max for each.
"""

from __future__ import annotations

import argparse
import http.client
import json
import random
import statistics
import sys
import tempfile
import threading
import time
from array import array
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from audio.engine import EspeakCliEngine  # noqa: E402
from audio.voicepack import CLIPS  # noqa: E402
from audio.wav import from_samples, resample, wav_bytes  # noqa: E402
from tests.conftest import TEST_CONFIG, HubProcess  # noqa: E402


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def row(name: str, values: list[float]) -> str:
    return (f"{name:<46} p50 {statistics.median(values):8.1f} ms   p99 {percentile(values, 99):8.1f} ms   "
            f"max {max(values):8.1f} ms   (n={len(values)})")


class Client:
    def __init__(self, hub: HubProcess, token: str) -> None:
        self.conn = http.client.HTTPConnection("127.0.0.1", hub.port, timeout=60)
        self.auth = {"Authorization": f"Bearer {token}"}

    def send(self, method: str, path: str, body: bytes | None = None, kind: str = "application/json"):
        self.conn.request(method, path, body=body, headers={**self.auth, "Content-Type": kind})
        response = self.conn.getresponse()
        data = response.read()
        if response.status >= 400:
            raise AssertionError(f"{method} {path}: {response.status} {data[:200]!r}")
        return data

    def timed(self, method: str, path: str, body: bytes | None = None, kind: str = "application/json"):
        start = time.perf_counter()
        data = self.send(method, path, body, kind)
        return (time.perf_counter() - start) * 1000, data


def take(voice: bytes, seconds: float, rng: random.Random) -> bytes:
    """What the page's recorder sends: 48 kHz mono 16-bit, `seconds` long, the voice in the middle of room noise."""
    from audio.wav import read_wav

    speech = resample(read_wav(voice), 48000).samples()
    total = int(seconds * 48000)
    out = array("h", (rng.randint(-60, 60) for _ in range(total)))
    at = max(0, (total - len(speech)) // 2)
    for i, value in enumerate(speech[:total - at]):
        out[at + i] = max(-32768, min(32767, out[at + i] + value))
    return wav_bytes(from_samples(48000, out))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--takes", type=int, default=10, help="uploads of each browser take length")
    parser.add_argument("--previews", type=int, default=20, help="previews of calls never rendered before")
    args = parser.parse_args()
    rng = random.Random(14)
    engine = EspeakCliEngine(150, 1.0)
    clips = {spec.id: wav_bytes(engine.synthesize(spec.text, "id")) for spec in CLIPS}
    with tempfile.TemporaryDirectory() as folder:
        site = Path(folder) / "site.toml"
        site.write_text(TEST_CONFIG.read_text() + "\n[audio]\nvoice_pack = true\n")
        hub = HubProcess(Path(folder) / "data", config=site, audio=True).start()
        try:
            token = hub.login("koordinator", "1111")
            client = Client(hub, token)
            whole = [client.timed("PUT", f"/api/admin/voice/clips/{clip}", data, "audio/wav")[0]
                     for clip, data in clips.items()]
            print(row(f"PUT a clip of the pack (espeak-ng, ~{len(clips['loket']) // 1024} KB)", whole))
            for seconds in (2.0, 10.0):
                body = take(clips["silakan_menuju"], seconds, rng)
                times = [client.timed("PUT", "/api/admin/voice/clips/silakan_menuju", body, "audio/wav")[0]
                         for _ in range(args.takes)]
                print(row(f"PUT a browser take of {seconds:.0f} s ({len(body) // 1024} KB)", times))
            listing = [client.timed("GET", "/api/admin/voice")[0] for _ in range(100)]
            print(row("GET /api/admin/voice", listing))

            previews = []
            for n in range(args.previews):
                body = json.dumps({"number": f"A{101 + n}", "counter": "1"}).encode()
                start = time.perf_counter()
                answer = json.loads(client.send("POST", "/api/admin/voice/preview", body))
                assert answer["from_clips"], answer
                client.send("GET", answer["audio_url"])
                previews.append((time.perf_counter() - start) * 1000)
            print(row("preview, uncached: POST to the WAV received", previews))

            body = take(clips["silakan_menuju"], 10.0, rng)
            saving = threading.Event()

            def save() -> None:
                saver = Client(hub, token)
                for _ in range(3):
                    saver.send("PUT", "/api/admin/voice/clips/silakan_menuju", body, "audio/wav")
                saving.set()

            quiet = [Client(hub, token).timed("GET", "/api/health")[0] for _ in range(50)]
            print(row("GET /api/health, idle", quiet))
            thread = threading.Thread(target=save)
            health = Client(hub, token)
            busy = []
            thread.start()
            while not saving.is_set():
                busy.append(health.timed("GET", "/api/health")[0])
            thread.join()
            print(row("GET /api/health while 10 s takes are saved", busy))
        finally:
            hub.stop()


if __name__ == "__main__":
    main()
