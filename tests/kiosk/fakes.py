"""A network receipt printer stand-in: a real TCP listener on 127.0.0.1 and a decoder for what it got."""

from __future__ import annotations

import socket
import threading
import time

DLE_EOT_PAPER = b"\x10\x04\x04"  # "how is the paper?"
PAPER_OK = b"\x12"
PAPER_OUT = b"\x72"
PAPER_NEAR_END = b"\x1e"
GS_K = b"\x1d(k"  # GS ( k: the 2D-code (QR) commands


class FakePrinter:
    """Records the bytes of every connection; answers paper-status queries like a real printer."""

    def __init__(self, paper: bytes | None = PAPER_OK) -> None:
        self.paper = paper  # the status byte it answers; None: never answers (may change while it runs)
        self.jobs: list[bytes] = []
        self._changed = threading.Condition()
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen(8)
        self._sock.settimeout(0.1)
        self.port = self._sock.getsockname()[1]
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._serve, name="fake-printer", daemon=True)

    def __enter__(self) -> FakePrinter:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stopped.set()
        self._thread.join(5)
        self._sock.close()

    def _serve(self) -> None:
        while not self._stopped.is_set():
            try:
                conn, _ = self._sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            threading.Thread(target=self._receive, args=(conn,), daemon=True).start()

    def _receive(self, conn: socket.socket) -> None:
        data = b""
        conn.settimeout(10)
        with conn:
            while True:
                try:
                    chunk = conn.recv(65536)
                except OSError:
                    break
                if not chunk:
                    break
                data += chunk
                if self.paper is not None and data.endswith(DLE_EOT_PAPER):
                    conn.sendall(self.paper)
        with self._changed:
            self.jobs.append(data)
            self._changed.notify_all()

    def wait_for_jobs(self, count: int = 1, timeout: float = 10.0) -> list[bytes]:
        deadline = time.monotonic() + timeout
        with self._changed:
            while len(self.jobs) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"the printer received {len(self.jobs)} jobs, expected {count}")
                self._changed.wait(left)
            return list(self.jobs)


def qr_commands(data: bytes) -> list[tuple[int, bytes]]:
    """Every GS ( k command as (function byte, parameters after cn and fn)."""
    found = []
    at = data.find(GS_K)
    while at >= 0:
        length = data[at + 3] | data[at + 4] << 8
        body = data[at + 5: at + 5 + length]
        found.append((body[1], body[2:]))
        at = data.find(GS_K, at + 5 + length)
    return found


def qr_payload(data: bytes) -> str:
    """The text stored in the printer's QR symbol (function 80, 'store the data')."""
    stored = [params for fn, params in qr_commands(data) if fn == 0x50]
    assert stored, "no GS ( k 'store QR data' command in the bytes"
    return stored[-1][1:].decode("utf-8")  # after m = '0'
