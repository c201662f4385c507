"""How long from announce() to a playable WAV, uncached and cached.

    .venv/bin/python bench/audio_bench.py [--calls 30] [--engine espeak-ng|pyttsx3]

Uses the real engine and a fresh cache directory. "Uncached" renders 30
different numbers one at a time (as officers call them); "cached" repeats the
same 30 calls. Time is measured on the event loop from just before
announce() to wait_ready() returning "ready".
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from audio.announcer import Announcer  # noqa: E402
from config.site import DEFAULT_CONFIG, load_config, parse_config  # noqa: E402


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


async def measure(announcer: Announcer, calls: list[tuple[dict, dict]]) -> tuple[list[float], list[float]]:
    total, in_announce = [], []
    for ticket, counter in calls:
        start = time.perf_counter()
        result = announcer.announce(ticket, counter)
        returned = time.perf_counter()
        key = result["audio_url"].removeprefix("/audio/").removesuffix(".wav")
        state = await announcer.wait_ready(key, 30)
        if state != "ready":
            raise SystemExit(f"render failed: {state}; health: {announcer.health()}")
        total.append((time.perf_counter() - start) * 1000)
        in_announce.append((returned - start) * 1000)
    return total, in_announce


def row(name: str, values: list[float]) -> str:
    return f"{name:<28} p50 {statistics.median(values):7.2f} ms   p99 {percentile(values, 99):7.2f} ms"


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--calls", type=int, default=30)
    parser.add_argument("--engine", choices=("espeak-ng", "pyttsx3"), default="espeak-ng")
    args = parser.parse_args()

    base = load_config(DEFAULT_CONFIG)
    raw = {"site": {"name": base.site.name, "timezone": base.site.timezone},
           "agencies": [vars(a) for a in base.agencies.values()],
           "services": [{"code": s.code, "name": s.name, "agency": s.agency} for s in base.services.values()],
           "counters": [{"id": c.id, "name": c.name, "services": list(c.services), "zone": c.zone}
                        for c in base.counters.values()],
           "audio": {"engine": args.engine}}
    config = parse_config(raw, "bench")
    counters = list(config.counters.values())
    calls = [({"id": n, "number": f"{s.code}{n:03d}", "service": s.code},
              {"id": c.id, "name": c.name, "zone": c.zone})
             for n in range(1, args.calls + 1)
             for s, c in [(config.services[counters[n % len(counters)].services[0]], counters[n % len(counters)])]]

    with tempfile.TemporaryDirectory() as tmp:
        announcer = Announcer(config, Path(tmp))
        await announcer.start()
        print(f"engine: {announcer.health()['engine']} ({announcer.health()['engine_version']}), {args.calls} calls")
        uncached, announce_uncached = await measure(announcer, calls)
        cached, announce_cached = await measure(announcer, calls)
        assert announcer.synth.syntheses == args.calls
        await announcer.stop()
    print(row("uncached: announce -> ready", uncached))
    print(row("cached:   announce -> ready", cached))
    print(row("announce() call, uncached", announce_uncached))
    print(row("announce() call, cached", announce_cached))


if __name__ == "__main__":
    asyncio.run(main())
