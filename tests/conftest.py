"""Shared fixtures: a real hub process on a free port, real headless Chromium, and a real PostgreSQL server."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
TEST_CONFIG = ROOT / "tests" / "site.toml"
CHROMIUM = "/usr/bin/chromium"
SCREENSHOTS = ROOT / "tests" / "screenshots"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--autoplay-policy=no-user-gesture-required",
]


def site_config(base: Path = TEST_CONFIG, *, path: str | Path | None = None, **sections):
    """`base` with sections changed, validated like a file (a ConfigError names the key).

    Each keyword is a section: a dict is merged into that table key by key, anything else
    (a list of tables) replaces it. `path`: the file it seems to come from, so relative
    paths (logo, media_dir, cache_dir) resolve beside it.
    """
    from config.site import dump_config, load_config, parse_config

    config = load_config(base)
    raw = dump_config(config)
    for name, value in sections.items():
        raw[name] = {**raw.get(name, {}), **value} if isinstance(value, dict) else value
    return parse_config(raw, path or config.path)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(condition: Callable[[], object], timeout: float = 10.0, what: str = "condition"):
    """Poll `condition` until it returns something truthy; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(0.02)


class HubProcess:
    """`python run.py` in a child process, as `make run` starts it; with `database` (a postgresql:// URL),
    as `run.py --database URL`."""

    def __init__(self, data_dir: Path, config: Path = TEST_CONFIG, *, audio: bool = False,
                 extra: tuple[str, ...] = (), database: str | None = None) -> None:
        self.data_dir = data_dir
        self.config = config
        self.audio = audio
        self.extra = extra + (("--database", database) if database else ())
        self.port = free_port()
        self.proc: subprocess.Popen | None = None
        self.log_path = data_dir.parent / f"hub-{self.port}.log"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    def start(self) -> HubProcess:
        args = [sys.executable, "run.py", "--config", str(self.config), "--data-dir", str(self.data_dir),
                "--host", "127.0.0.1", "--port", str(self.port), "--log-level", "warning", *self.extra]
        if not self.audio:
            args.append("--no-audio")
        self.data_dir.mkdir(parents=True, exist_ok=True)
        log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(args, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
        log.close()
        try:
            wait_for(self._healthy, timeout=30, what="the hub to answer /api/health")
        except AssertionError:
            self.kill()
            raise AssertionError(f"hub did not start:\n{self.log()}") from None
        return self

    def _healthy(self) -> bool:
        if self.proc.poll() is not None:
            raise AssertionError(f"hub exited with {self.proc.returncode}:\n{self.log()}")
        try:
            return self.request("GET", "/api/health")[0] == 200
        except OSError:
            return False

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def kill(self) -> None:
        """SIGKILL: no shutdown code runs, as in a power cut of the process."""
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(10)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.kill()

    def request(self, method: str, path: str, body: object = None, token: str | None = None,
                raw: bytes | None = None) -> tuple[int, dict]:
        data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
        req = urllib.request.Request(self.url + path, data=data, method=method)
        req.add_header("Content-Type", "application/json")
        if token:
            req.add_header("Authorization", f"Bearer {token}")
        try:
            with urllib.request.urlopen(req, timeout=10) as resp:
                return resp.status, json.loads(resp.read() or b"null")
        except urllib.error.HTTPError as err:
            return err.code, json.loads(err.read() or b"null")

    def login(self, username: str = "budi", pin: str = "1234") -> str:
        status, body = self.request("POST", "/api/login", {"username": username, "pin": pin})
        assert status == 200, body
        return body["token"]

    def issue(self, service: str = "A", priority: bool = False) -> dict:
        status, body = self.request("POST", "/api/tickets", {"service": service, "priority": priority})
        assert status == 201, body
        return body["ticket"]


@pytest.fixture
def hub(tmp_path):
    """A running hub on a free port with a fresh data folder and the test site."""
    process = HubProcess(tmp_path / "data").start()
    yield process
    process.stop()


@pytest.fixture(scope="session")
def postgres():
    """A PostgreSQL server of the test session's own (tests/postgres.py: initdb and pg_ctl in a temporary
    folder, on a free port), started when a test first needs it; `create_database()` gives a fresh one."""
    from tests.postgres import PostgresServer

    server = PostgresServer().start()
    yield server
    server.stop()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request) -> str | None:
    """Runs the test on both databases: None (SQLite in the data folder, the default) or the URL of a fresh
    PostgreSQL database (`run.py --database URL`)."""
    if request.param == "sqlite":
        return None
    return request.getfixturevalue("postgres").create_database()


@contextlib.contextmanager
def chromium(*extra_args: str):
    """Debian's headless Chromium through Playwright's sync API, launched with CHROMIUM_ARGS and `extra_args`
    (e.g. a fake microphone). One at a time per test module: the sync API runs one event loop."""
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: `make test` installs the Debian package 'chromium'")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        instance = pw.chromium.launch(executable_path=CHROMIUM, args=[*CHROMIUM_ARGS, *extra_args])
        try:
            yield instance
        finally:
            instance.close()


@pytest.fixture(scope="module")
def browser():
    """Debian's headless Chromium, driven by Playwright (module scope: sync API only)."""
    with chromium() as instance:
        yield instance


@pytest.fixture
def screenshots() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS
