"""Spoken calls under load: uncached and cached latency, bad renders, and a forced hang of the pyttsx3 worker.

    .venv/bin/python bench/audio_bench.py                        # 2,000 phrases, pyttsx3 (the default)
    .venv/bin/python bench/audio_bench.py --phrases 200 --engine espeak-ng --hangs 0

Uses the real engine and a fresh cache directory, on the event loop as the
hub does. Steps:

1. Uncached: N different calls announced one after another (as officers call
   them), each timed from just before announce() to wait_ready() returning.
   Every WAV is then read back as a TV would get it and checked: a real
   RIFF/WAVE file, the chime, then audible speech of a plausible length. A
   failed render or a bad file counts as an announcement that would have
   reached a page empty or as the chime only; the goal is zero.
2. Cached: the same N calls again (a recall, or the same number called twice).
3. Forced hangs: the pyttsx3 worker is stopped with SIGSTOP (a real hang: it
   stays alive and answers nothing), a new call is announced, and we time
   until the call is ready (spoken, by the espeak-ng command) and until a new
   worker has rendered a call. Repeated --hangs times.

Prints p50/p99/max and the announcer's health counters.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from audio import riff  # noqa: E402
from audio.announcer import Announcer  # noqa: E402
from audio.chime import chime  # noqa: E402
from audio.quality import InvalidRender, check_render  # noqa: E402
from audio.synthesizer import CHIME_GAP  # noqa: E402
from config.site import DEFAULT_CONFIG, load_config, parse_config  # noqa: E402


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def row(name: str, values: list[float]) -> str:
    return (f"{name:<34} p50 {statistics.median(values):8.2f} ms   p99 {percentile(values, 99):8.2f} ms   "
            f"max {max(values):8.2f} ms   (n={len(values)})")


def key_of(result: dict) -> str:
    return result["audio_url"].removeprefix("/audio/").removesuffix(".wav")


def site(engine: str):
    base = load_config(DEFAULT_CONFIG)
    raw = {"site": {"name": base.site.name, "timezone": base.site.timezone},
           "zones": [{"id": z.id, "name": z.name} for z in base.zones.values()],
           "agencies": [vars(a) for a in base.agencies.values()],
           "services": [{"code": s.code, "name": s.name, "agency": s.agency} for s in base.services.values()],
           "counters": [{"id": c.id, "name": c.name, "services": list(c.services), "zone": c.zone}
                        for c in base.counters.values()],
           "audio": {"engine": engine, "cache_max_files": 100_000}}
    return parse_config(raw, "bench")


def calls(config, count: int, first: int = 1) -> list[tuple[dict, dict]]:
    counters = list(config.counters.values())
    out = []
    for n in range(first, first + count):
        c = counters[n % len(counters)]
        service = config.services[c.services[n // len(counters) % len(c.services)]]
        out.append(({"id": n, "number": f"{service.code}{n % 1000:03d}", "service": service.code},
                    {"id": c.id, "name": c.name, "zone": c.zone}))
    return out


def bad_call(announcer: Announcer, key: str, text: str) -> str | None:
    """What is wrong with the WAV a TV would get for this call, or None if it is a whole spoken call."""
    try:
        pcm = riff.read(announcer.cache.path(key).read_bytes())
    except (OSError, riff.WavError) as exc:
        return f"unreadable: {exc}"
    ding = chime(pcm.rate).frames + bytes(2 * int(pcm.rate * CHIME_GAP))
    if not pcm.frames.startswith(ding):
        return "no chime"
    voice = type(pcm)(pcm.rate, pcm.frames[len(ding):])
    try:
        check_render(voice, text, wpm=announcer.settings.rate, volume=announcer.settings.volume)
    except InvalidRender as exc:
        return str(exc)
    return None


async def timed(announcer: Announcer, pairs: list[tuple[dict, dict]], check: bool) -> tuple[list[float], list[str]]:
    took, problems = [], []
    for ticket, counter in pairs:
        start = time.perf_counter()
        result = announcer.announce(ticket, counter)
        state = await announcer.wait_ready(key_of(result), 30)
        took.append((time.perf_counter() - start) * 1000)
        if state != "ready":
            problems.append(f"{ticket['number']}: render {state}")
        elif check and (wrong := bad_call(announcer, key_of(result), result["text"])):
            problems.append(f"{ticket['number']}: {wrong}")
    return took, problems


async def hang(announcer: Announcer, pair: tuple[dict, dict], probes: list[tuple[dict, dict]]) -> tuple[
        float, float, str]:
    """Stop the worker with SIGSTOP and announce `pair`. Returns (ms until that call is ready, ms until a new
    worker has itself rendered one of `probes`, announced one after another, and what is wrong with the call)."""
    stuck = announcer.health()["worker_pid"]
    start = time.perf_counter()
    os.kill(stuck, signal.SIGSTOP)
    result = announcer.announce(*pair)
    state = await announcer.wait_ready(key_of(result), 30)
    ready = (time.perf_counter() - start) * 1000
    wrong = bad_call(announcer, key_of(result), result["text"]) if state == "ready" else f"render {state}"
    for probe in probes:
        fallbacks = announcer.health()["fallbacks"]
        await announcer.wait_ready(key_of(announcer.announce(*probe)), 30)
        if announcer.health()["fallbacks"] == fallbacks and announcer.health()["worker_pid"] not in (None, stuck):
            return ready, (time.perf_counter() - start) * 1000, wrong or ""
    raise SystemExit(f"no new worker spoke within {len(probes)} calls")


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--phrases", type=int, default=2000)
    parser.add_argument("--engine", choices=("pyttsx3", "espeak-ng"), default="pyttsx3")
    parser.add_argument("--hangs", type=int, default=5)
    args = parser.parse_args()

    config = site(args.engine)
    with tempfile.TemporaryDirectory() as tmp:
        announcer = Announcer(config, Path(tmp) / "audio-cache")
        await announcer.start()
        health = announcer.health()
        print(f"engine: {health['engine']} ({health['engine_version']}), worker timeout "
              f"{announcer.settings.worker_timeout} s, {os.cpu_count()} CPUs, load {os.getloadavg()[0]:.2f}")
        pairs = calls(config, args.phrases)
        uncached, problems = await timed(announcer, pairs, check=True)
        renders = announcer.synth.syntheses
        cached, cached_problems = await timed(announcer, pairs, check=False)
        assert announcer.synth.syntheses == renders, "the cached pass rendered something"
        before = announcer.health()
        hangs = []
        if args.engine == "pyttsx3":
            for n in range(args.hangs):
                extra = calls(config, 101, first=args.phrases + 1 + 101 * n)
                hangs.append(await hang(announcer, extra[0], extra[1:]))
        after = announcer.health()
        await announcer.stop()

    print(row("uncached: announce -> ready", uncached))
    print(row("cached:   announce -> ready", cached))
    print(f"announcements that would reach a page empty or as the chime only: {len(problems) + len(cached_problems)}")
    for problem in (problems + cached_problems)[:20]:
        print("   ", problem)
    counters = ("invalid_renders", "retries", "fallbacks", "worker_restarts", "failures")
    print("during the phrases: " + ", ".join(f"{k} {before[k]}" for k in counters))
    if hangs:
        print(row("forced hang: call ready", [h[0] for h in hangs]))
        print(row("forced hang: new worker speaking", [h[1] for h in hangs]))
        print("hung calls not spoken: " + str(sum(1 for h in hangs if h[2])) + "".join(
            f"\n    {h[2]}" for h in hangs if h[2]))
        print("after the hangs: " + ", ".join(f"{k} {after[k]}" for k in counters))
    if problems or cached_problems or any(h[2] for h in hangs):
        raise SystemExit(1)


if __name__ == "__main__":
    asyncio.run(main())
