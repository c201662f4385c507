"""Hub start-up benchmark: how long the configuration takes to load, and the hub to answer.

    .venv/bin/python bench/start_bench.py                 # default site, 5 starts
    .venv/bin/python bench/start_bench.py --config tests/site.toml --starts 10

It reports, as medians:
- import: a fresh interpreter importing `config.site` (and everything the models
  pull in), minus a bare interpreter's start;
- load: `load_config(FILE)` in a warm process (file read, TOML parse, validation);
- start: `run.py --no-audio` from process start until `GET /api/health` answers 200.
Results go in docs/benchmarks.md ("Hub start").
"""

from __future__ import annotations

import argparse
import http.client
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from config.site import DEFAULT_CONFIG, load_config  # noqa: E402


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def interpreter_seconds(code: str) -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True)
    return time.perf_counter() - started


def import_seconds(runs: int) -> float:
    bare = statistics.median(interpreter_seconds("pass") for _ in range(runs))
    loaded = statistics.median(interpreter_seconds("import config.site") for _ in range(runs))
    return loaded - bare


def load_seconds(path: Path, runs: int) -> float:
    load_config(path)  # warm: imports, pydantic's schema build
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        load_config(path)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def answers(port: int) -> bool:
    try:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
        conn.request("GET", "/api/health")
        return conn.getresponse().status == 200
    except OSError:
        return False


def start_seconds(path: Path) -> float:
    port = free_port()
    with tempfile.TemporaryDirectory() as data:
        started = time.perf_counter()
        proc = subprocess.Popen([sys.executable, "run.py", "--config", str(path), "--data-dir", data, "--port",
                                 str(port), "--host", "127.0.0.1", "--no-audio", "--log-level", "warning"],
                                cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            while not answers(port):
                if proc.poll() is not None:
                    raise SystemExit(f"run.py exited with {proc.returncode}")
                time.sleep(0.005)
            return time.perf_counter() - started
        finally:
            proc.terminate()
            proc.wait(timeout=10)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--config", type=Path, default=DEFAULT_CONFIG)
    p.add_argument("--starts", type=int, default=5)
    args = p.parse_args()
    print(f"config {args.config}")
    print(f"import config.site  {import_seconds(args.starts) * 1000:7.1f} ms")
    print(f"load_config         {load_seconds(args.config, 50) * 1000:7.2f} ms")
    start = statistics.median(start_seconds(args.config) for _ in range(args.starts))
    print(f"hub start to health {start * 1000:7.0f} ms")


if __name__ == "__main__":
    main()
