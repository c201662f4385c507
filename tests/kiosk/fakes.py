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


def listener(receive_buffer: int | None = None) -> socket.socket:
    """A listening TCP socket on 127.0.0.1, on a free port."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    if receive_buffer is not None:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, receive_buffer)
    sock.bind(("127.0.0.1", 0))
    sock.listen(8)
    return sock


class FakePrinter:
    """Records the bytes of every connection; answers paper-status queries like a real printer.
    `answers`: how many queries it answers on one connection (a firmware that hangs after the first)."""

    def __init__(self, paper: bytes | None = PAPER_OK, answers: int = 1000) -> None:
        self.paper = paper  # the status byte it answers; None: never answers (may change while it runs)
        self.answers = answers
        self.jobs: list[bytes] = []
        self._changed = threading.Condition()
        self._sock = listener()
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
        answered = 0
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
                if self.paper is not None and data.endswith(DLE_EOT_PAPER) and answered < self.answers:
                    answered += 1
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


class StallingPrinter:
    """A printer whose network side still accepts connections while it reads nothing (a hung mechanism):
    a small receive buffer that fills, no answers. `resume()` reads what each connection got, as the
    printer would once it comes back: (bytes, whether the connection had been reset)."""

    def __init__(self) -> None:
        self._sock = listener(receive_buffer=1)  # the kernel's minimum, inherited by each connection
        self.port = self._sock.getsockname()[1]

    def __enter__(self) -> StallingPrinter:
        return self

    def __exit__(self, *exc) -> None:
        self._sock.close()

    def resume(self) -> list[tuple[bytes, bool]]:
        self._sock.setblocking(False)
        got = []
        while True:
            try:
                conn, _ = self._sock.accept()
            except BlockingIOError:
                return got
            data, reset = b"", False
            conn.settimeout(2)
            with conn:
                while True:
                    try:
                        chunk = conn.recv(65536)
                    except ConnectionResetError:
                        reset = True
                        break
                    if not chunk:
                        break
                    data += chunk
            got.append((data, reset))


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
