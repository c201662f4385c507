"""Admin console benchmark: PUT /api/admin/config at full-launch size, and the change reaching 1,000 TVs.

    .venv/bin/python bench/admin_bench.py                        # 200 PUTs alone, then 100 with 1,000 TVs
    .venv/bin/python bench/admin_bench.py --puts 300 --displays 1000 --json results.json

The site has 22 agencies, 150 services, 80 counters in 4 zones and 200 officers
(the size of MPP Among Warga at full launch and then some). The hub is `run.py`
as `make run` starts it (SQLite FULL, no audio); one admin's keep-alive HTTP
connection PUTs the whole configuration (about 90 KB of JSON), each time with a
new running text, one after another.

- **PUT alone**: the PUT's round trip with no page connected (parse, validate,
  rules, diff, commit with fsync, install, answer).
- **PUT with N displays**: the same with N TVs connected (spread over the 4
  zones, as in the hall); the PUT's answer now also waits for the new snapshot
  to be built per zone and written to every TV. Reported: the PUT's own round
  trip, and the time from sending the PUT to the snapshot with the new running
  text having arrived at **every** display (the display side is the same raw
  reader process as bench/hub_bench.py).
"""

from __future__ import annotations

import argparse
import http.client
import json
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.hub_bench import free_port, rss_mb, start_displays, stop, wait_all, wait_port  # noqa: E402

PIN_1111 = "scrypt$16384$8$1$B1Mf2cXIZI1NW2Ar8Nr6zQ==$E3jaOAQxCztJJJQD0NaDrgmC1u8oyWZ3j4WToTvf8IM="
ZONES = ("lantai-1", "lantai-2", "lantai-3", "lantai-4")
MARK_RE = re.compile(rb'"running_text":"Pengumuman nomor (\d+)"')


def announced(payload: bytes) -> bytes | None:
    """The running text's number in a snapshot frame (the display side's matcher)."""
    if not payload.startswith(b'{"type":"snapshot"'):
        return None
    found = MARK_RE.search(payload)
    return found.group(1) if found else None


def big_site(agencies: int = 22, services: int = 150, counters: int = 80, officers: int = 200) -> dict:
    """A full-launch hall in the configuration's JSON shape."""
    letters = [chr(c) for c in range(ord("A"), ord("Z") + 1)]
    codes = letters + [a + b for a in letters for b in letters]
    agency_codes = [f"DINAS{i + 1:02d}" for i in range(agencies)]
    service_list = [{
        "code": codes[i], "name": f"Layanan {i + 1} Dinas {i % agencies + 1}", "agency": agency_codes[i % agencies],
        "daily_quota": 100 + i,  # no hours: the snapshots are the same size whatever the time of day
        "description": f"Penjelasan layanan nomor {i + 1} untuk warga yang datang ke MPP.",
    } for i in range(services)]
    by_agency: dict[str, list[str]] = {}
    for s in service_list:
        by_agency.setdefault(s["agency"], []).append(s["code"])
    counter_list = []
    for i in range(counters):
        own = by_agency[agency_codes[i % agencies]]
        counter_list.append({"id": str(i + 1), "name": f"Loket {i + 1}", "services": own[:3],
                             "zone": ZONES[i % len(ZONES)]})
    officer_list = [{"username": "admin", "name": "Admin MPP", "pin_hash": PIN_1111, "role": "admin"}]
    for i in range(officers - 1):
        agency = agency_codes[i % agencies]
        mine = [c["id"] for j, c in enumerate(counter_list) if j % agencies == i % agencies][:3]
        officer_list.append({"username": f"petugas{i + 1:03d}", "name": f"Petugas {i + 1}", "pin_hash": PIN_1111,
                             "counters": mine, "agency": agency,
                             "role": "koordinator" if i < agencies else "petugas"})
    return {
        "site": {"name": "MPP Benchmark", "timezone": "Asia/Jakarta", "tickets_per_minute": 0,
                 "running_text": "Pengumuman nomor 0"},
        "zones": [{"id": z, "name": z.replace("-", " ").title()} for z in ZONES],
        "agencies": [{"code": c, "name": f"Dinas Nomor {i + 1} Kota Batu", "short_name": f"Dinas {i + 1}"}
                     for i, c in enumerate(agency_codes)],
        "services": service_list,
        "counters": counter_list,
        "officers": officer_list,
    }


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def summary(name: str, seconds: list[float]) -> dict:
    ms = [x * 1000 for x in seconds]
    return {"what": name, "n": len(ms), "p50_ms": round(statistics.median(ms), 2),
            "p99_ms": round(percentile(ms, 0.99), 2), "max_ms": round(max(ms), 2)}


def start_hub(site: dict, prefix: str) -> tuple[subprocess.Popen, int, Path]:
    """`run.py` as `make run` starts it (no audio) with `site` as its file, on a free port, in a new
    temporary folder (its log in hub.log there): the process, the port, the folder."""
    import tomli_w

    port = free_port()
    tmp = Path(tempfile.mkdtemp(prefix=prefix))
    (tmp / "site.toml").write_text(tomli_w.dumps(site))
    hub = subprocess.Popen(
        [sys.executable, "run.py", "--config", str(tmp / "site.toml"), "--data-dir", str(tmp / "data"),
         "--host", "127.0.0.1", "--port", str(port), "--no-audio", "--log-level", "warning"],
        cwd=ROOT, stdout=open(tmp / "hub.log", "wb"), stderr=subprocess.STDOUT,
    )
    return hub, port, tmp


def run(puts: int, displays: int, warmup: int) -> tuple[list[dict], dict]:
    hub, port, tmp = start_hub(big_site(), "mpp-admin-bench-")
    results = []
    try:
        wait_port(port)
        conn = http.client.HTTPConnection("127.0.0.1", port)

        def call(method: str, path: str, body: dict | None = None, token: str | None = None) -> dict:
            headers = {"Content-Type": "application/json"}
            if token:
                headers["Authorization"] = f"Bearer {token}"
            conn.request(method, path, json.dumps(body) if body is not None else None, headers)
            resp = conn.getresponse()
            data = json.loads(resp.read())
            if resp.status >= 300:
                raise RuntimeError(f"{method} {path}: {resp.status} {data}")
            return data

        token = call("POST", "/api/login", {"username": "admin", "pin": "1111"})["token"]
        current = call("GET", "/api/admin/config", token=token)
        version, config = current["version"], current["config"]
        size = len(json.dumps({"version": version, "config": config}))
        mark = 0

        def put() -> float:
            nonlocal version, mark
            mark += 1
            config["site"]["running_text"] = f"Pengumuman nomor {mark}"
            t0 = time.monotonic()
            version = call("PUT", "/api/admin/config", {"version": version, "config": config}, token=token)["version"]
            return t0

        alone = []
        for i in range(warmup + puts):
            t0 = put()
            if i >= warmup:
                alone.append(time.monotonic() - t0)
        results.append(summary("PUT, no page connected", alone))
        paths = [f"/ws/display?zone={z}" for z in ZONES]
        proc, pipe = start_displays(port, paths, displays, announced)
        conn.close()  # idle for longer than uvicorn keeps a connection open (5 s) while the TVs connected
        rss_connected = rss_mb(hub.pid)
        answered, visible = [], []
        for i in range(warmup + puts // 2):
            t0 = put()
            done = time.monotonic()
            arrived = wait_all(pipe, str(mark))
            if i >= warmup:
                answered.append(done - t0)
                visible.append(arrived - t0)
        results.append(summary(f"PUT, {displays} displays connected", answered))
        results.append(summary(f"PUT to the new snapshot at all {displays} displays", visible))
        pipe.send("stop")
        proc.join(5)
        facts = {"body_bytes": size, "final_version": version, "rss_connected_mb": round(rss_connected, 1),
                 "rss_mb": round(rss_mb(hub.pid), 1)}
    except Exception:
        print((tmp / "hub.log").read_text(errors="replace")[-3000:], file=sys.stderr)
        raise
    finally:
        stop(hub)
    return results, facts


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--puts", type=int, default=200)
    p.add_argument("--displays", type=int, default=1000)
    p.add_argument("--warmup", type=int, default=10)
    p.add_argument("--json", type=Path, help="also write the results to this file")
    args = p.parse_args()
    results, facts = run(args.puts, args.displays, args.warmup)
    report(results, facts, args.json)


def report(results: list[dict], facts: dict, path: Path | None) -> None:
    """Print the facts and the results as a Markdown table (for docs/benchmarks.md); also as JSON to `path`."""
    print(json.dumps(facts))
    print("| measured | n | p50 ms | p99 ms | max ms |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for r in results:
        print(f"| {r['what']} | {r['n']} | {r['p50_ms']} | {r['p99_ms']} | {r['max_ms']} |")
    if path:
        path.write_text(json.dumps({"results": results, **facts}, indent=2))


if __name__ == "__main__":
    main()
