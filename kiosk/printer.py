"""ESC/POS network printers: one owner thread per printer, fed by a queue.

Printing is blocking socket I/O, so the event loop only ever calls `submit()`,
which returns a `concurrent.futures.Future`. Every job carries its deadline (the
kiosk's `print_wait_seconds` from submission): a job whose deadline has passed
is never started, and one still running at its deadline is given up and its
connection reset, so a printer that comes back never prints a backlog of stale
tickets. What "printed" means, and why, is in docs/kiosk.md ("When is a ticket
printed?"):

- `PRINTED`: the printer answered its paper-status query, took every byte of the
  ticket, and answered a second query sent after the ticket (it read it all);
- `SENT`: every byte was acknowledged by the printer's TCP stack, but the
  printer does not answer status queries, so nobody can know whether paper came
  out: the kiosk says so instead of "sedang dicetak".

Nothing stale waits in our buffers: the socket's send buffer is kept small (so
sending tracks what the printer takes), a ticket counts as written out only once
the printer acknowledged every byte (SIOCOUTQ empty), and a given-up job's
connection is aborted with SO_LINGER 0 (a reset: the kernel drops whatever it
still held for the printer, and the printer drops the connection).

A fault (offline, out of paper, stalled) is logged once when it starts and once
when it ends, never once per ticket; `health()` tells /api/health.
"""

from __future__ import annotations

import array
import fcntl
import logging
import queue
import socket
import struct
import termios
import textwrap
import threading
import time
from concurrent.futures import Future
from dataclasses import dataclass, fields, replace
from datetime import UTC, datetime
from enum import StrEnum

from kiosk.settings import PrinterSettings

log = logging.getLogger("mpp.kiosk.printer")

COLUMNS = {"58mm": 32, "80mm": 48}  # font A characters per line
COLUMNS_FONT_B = {"58mm": 42, "80mm": 64}
QR_SIZE = {"58mm": 5, "80mm": 7}  # dots per QR module: about 30 mm wide for a status URL
MAX_PENDING = 16
STATUS_WAIT = 1.0  # seconds to wait for the answer to a paper-status query before a ticket
# SO_SNDBUF: bytes our kernel may hold for the printer. Small, so that sending a ticket
# tracks what the printer takes and little is ever in flight (Linux doubles the value).
SEND_BUFFER = 4096
DRAIN_POLL = 0.01  # seconds between checks that the printer acknowledged every byte
# DLE EOT 4 (roll paper sensor) answer: a status byte has bits 1 and 4 set and bits 0 and 7 clear.
STATUS_MASK, STATUS_FIXED = 0x93, 0x12
PAPER_NEAR_END, PAPER_END = 0x0C, 0x60
# python-escpos switches code page (ESC t n) for these, and cheap clone printers number their code
# pages differently, so they would print as something else: send their ASCII look-alikes instead.
ASCII_FOLD = str.maketrans({"—": "-", "–": "-", "‘": "'", "’": "'", "“": '"', "”": '"'})


@dataclass(frozen=True)
class PrintJob:
    """Everything printed on one ticket, as plain text decided on the event loop."""

    site: str
    address: str
    number: str
    service: str
    agency: str | None
    priority: bool
    ahead: str
    wait: str
    issued: str
    url: str
    footer: str


class Outcome(StrEnum):
    """How far a ticket is known to have got (see the module docstring)."""

    PRINTED = "printed"  # the printer read the whole ticket and reported its paper fine
    SENT = "sent"  # the printer's TCP took every byte; the printer confirms nothing


class PrinterFault(Exception):
    """The ticket was not printed. `kind`: offline (no connection, or no answer from a printer that
    answers status queries), no_paper, stalled (the printer did not take or confirm the ticket
    before its deadline; given up and the connection reset), busy (too many tickets queued) or error."""

    def __init__(self, kind: str, detail: str) -> None:
        super().__init__(detail)
        self.kind = kind
        self.detail = detail


def render(p, job: PrintJob, *, paper: str = "80mm", native_qr: bool = True, cut: bool = True) -> None:
    """Write one ticket onto any python-escpos printer object (Network, Dummy, ...)."""
    from escpos.constants import QR_ECLEVEL_M

    columns = COLUMNS[paper]
    job = replace(job, **{f.name: getattr(job, f.name).translate(ASCII_FOLD)
                          for f in fields(job) if isinstance(getattr(job, f.name), str)})

    def lines(text: str, width: int = columns) -> None:
        for line in textwrap.wrap(text, width, break_on_hyphens=False) or [""]:
            p.textln(line)

    # ESC @ first: a job cut off half-way (font, size, half a GS ( k command) must not leak into this one.
    p.hw("INIT")
    p.set(align="center", normal_textsize=True, bold=True)
    lines(job.site)
    p.set(bold=False)
    if job.address:
        lines(job.address)
    p.textln("-" * columns)
    p.textln("NOMOR ANTRIAN" + (" PRIORITAS" if job.priority else ""))
    big = 4 if paper == "80mm" else 3
    p.set(custom_size=True, width=big, height=big, bold=True)
    p.textln(job.number)
    p.set(normal_textsize=True, bold=True)
    lines(job.service)
    p.set(bold=False)
    if job.agency:
        lines(job.agency)
    p.ln()
    p.set(align="left")
    for label, value in (("Di depan Anda", job.ahead), ("Perkiraan tunggu", job.wait), ("Diambil", job.issued)):
        lines(f"{label}: {value}")
    p.set(align="center")
    p.ln()
    p.textln("Pantau antrian dari ponsel Anda:")
    p.qr(job.url, ec=QR_ECLEVEL_M, size=QR_SIZE[paper], native=native_qr)
    p.set(font="b")  # the small font: the address fits on one line of an 80 mm roll
    lines(job.url, COLUMNS_FONT_B[paper])
    p.set(font="a")
    p.ln()
    lines(job.footer)
    if cut:
        p.cut()
    else:
        p.ln(4)


class TicketPrinter:
    """One ESC/POS network printer and the only thread that talks to it.

    `settings.paper` must be set: `KioskSettings.printer(kiosk)` fills it in from `[kiosk] paper`."""

    def __init__(self, settings: PrinterSettings) -> None:
        self.settings = settings
        self.fault: str | None = None  # kind of the fault in progress, read by /kiosk pages
        self.fault_detail: str | None = None
        self.fault_since: datetime | None = None
        self.counts = {"printed": 0, "sent": 0, "failed": 0}
        self._jobs: queue.Queue[tuple[PrintJob, Future, float, float] | None] = queue.Queue(maxsize=MAX_PENDING)
        self._thread: threading.Thread | None = None
        self._answers_status: bool | None = None  # None until the printer has (not) answered a status query
        self._near_end_noted = False
        self._late_fault: PrinterFault | None = None  # found after the ticket was sent (paper ran out on it)

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name=f"printer-{self.settings.kiosk}", daemon=True)
            self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        if self._thread is None:
            return
        try:
            self._jobs.put(None, timeout=timeout)
        except queue.Full:
            pass  # the thread is a daemon; it will not keep the process alive
        self._thread.join(timeout)
        self._thread = None

    def submit(self, job: PrintJob, wait: float) -> Future:
        """Queue a ticket that may take `wait` seconds from now to be written out (the kiosk's
        print_wait_seconds); after that it is given up, never printed later. The future ends with an
        `Outcome` within `wait` seconds (give or take a connect or read already under way), or with a
        PrinterFault. Never blocks."""
        self.start()
        future: Future = Future()
        try:
            self._jobs.put_nowait((job, future, time.monotonic() + wait, wait))
        except queue.Full:
            future.set_exception(PrinterFault("busy", f"{MAX_PENDING} tickets already wait for this printer"))
        return future

    def health(self) -> dict:
        """For /api/health: `state` ok (the last ticket printed), unconfirmed (it answers no status
        queries: tickets are sent, nobody knows if they come out), fault, or unknown (nothing sent yet);
        `paper_low`: the printer said its roll is near its end at the last ticket."""
        if self.fault is not None:
            state = "fault"
        elif self._answers_status is False or not self.settings.check_paper:
            state = "unconfirmed" if sum(self.counts.values()) else "unknown"
        else:
            state = "ok" if self._answers_status else "unknown"
        return {"printer": f"{self.settings.host}:{self.settings.port}", "state": state, "fault": self.fault,
                "detail": self.fault_detail, "since": self.fault_since.isoformat() if self.fault_since else None,
                "paper_low": self._near_end_noted, **self.counts}

    # ------------------------------------------------------------ the owner thread

    def _run(self) -> None:
        while True:
            item = self._jobs.get()
            if item is None:
                return
            job, future, deadline, wait = item
            if not future.set_running_or_notify_cancel():
                continue  # the kiosk stopped waiting; the ticket is already on its screen
            self._late_fault = None
            try:
                if time.monotonic() >= deadline:
                    raise PrinterFault("stalled", f"the ticket waited {wait:g} s behind earlier tickets")
                outcome = self._print(job, deadline)
            except PrinterFault as fault:
                self._report(fault)
                self.counts["failed"] += 1
                future.set_exception(fault)
            except Exception as exc:  # a bug or an odd printer answer: report it once, keep the thread alive
                fault = PrinterFault("error", f"{type(exc).__name__}: {exc}")
                if self.fault != fault.kind:
                    log.exception("printer %s failed unexpectedly", self.settings.label)
                self._set_fault(fault)
                self.counts["failed"] += 1
                future.set_exception(fault)
            else:
                if self._late_fault is not None:  # sent, but the roll ran out on it
                    self._report(self._late_fault)
                elif self.fault is not None:
                    log.warning("printer %s prints again", self.settings.label)
                    self._set_fault(None)
                self.counts[str(outcome)] += 1
                future.set_result(outcome)

    def _print(self, job: PrintJob, deadline: float) -> Outcome:
        s = self.settings
        data = ticket_bytes(job, s)
        try:
            # Connected here rather than by python-escpos's Network.open(), which leaks the socket when it fails.
            sock = socket.create_connection((s.host, s.port), timeout=max(0.01, min(s.timeout, _left(deadline))))
        except OSError as exc:
            raise PrinterFault("offline", f"cannot connect to {s.host}:{s.port} ({exc})") from None
        written = False
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, SEND_BUFFER)
            confirm = s.check_paper and self._check_paper(sock, deadline)
            from escpos.constants import RT_STATUS_PAPER

            # The query after the ticket is answered only once the printer has read everything before it.
            _send(sock, data + (RT_STATUS_PAPER if confirm else b""), deadline, s)
            outcome = self._confirm(sock, deadline) if confirm else Outcome.SENT
            written = True
            return outcome
        except OSError as exc:
            raise PrinterFault("offline", f"connection to {s.host}:{s.port} lost ({exc})") from None
        finally:
            if not written:
                _abort(sock)
            sock.close()

    def _check_paper(self, sock: socket.socket, deadline: float) -> bool:
        """Ask for the paper sensor before the ticket. True: the printer answers status queries and its
        paper is fine; False: it does not answer them (or not with a status byte); PrinterFault otherwise."""
        from escpos.constants import RT_STATUS_PAPER

        label = self.settings.label
        sock.settimeout(max(0.01, min(STATUS_WAIT, self.settings.timeout, _left(deadline))))
        try:
            sock.sendall(RT_STATUS_PAPER)
            reply = sock.recv(16)
        except TimeoutError:
            if self._answers_status:
                # It answered before, so silence now means its mechanism is stuck (hung, cover open)
                # while its network card still takes connections: the ticket would never come out.
                raise PrinterFault("offline", f"the printer took the connection but did not answer its "
                                              f"paper-status query within {STATUS_WAIT:g} s") from None
            if self._answers_status is None:
                log.warning("printer %s does not answer paper-status queries: tickets are sent without the "
                            "check and nobody can know whether they come out (the kiosk says so); set "
                            "check_paper = false to skip the query", label)
                self._answers_status = False
            return False
        if not reply:
            raise PrinterFault("offline", "the printer closed the connection")
        status = reply[-1]
        if status & STATUS_MASK != STATUS_FIXED:
            if self._answers_status is None:
                log.warning("printer %s answers paper-status queries with 0x%02x, which is not a status byte: "
                            "tickets are sent without the check and nobody can know whether they come out "
                            "(set check_paper = false to skip the query)", label, status)
                self._answers_status = False
            return False
        self._answers_status = True
        self._paper(status)
        return True

    def _confirm(self, sock: socket.socket, deadline: float) -> Outcome:
        """Wait (until the deadline) for the answer to the query sent after the ticket."""
        sock.settimeout(max(0.01, _left(deadline)))
        try:
            reply = sock.recv(16)
        except TimeoutError:
            raise PrinterFault("stalled", "the printer did not confirm the ticket before its deadline "
                                          "(its status answer did not come): given up") from None
        if not reply:
            raise PrinterFault("offline", "the printer closed the connection before confirming the ticket")
        status = reply[-1]
        if status & STATUS_MASK != STATUS_FIXED:
            return Outcome.SENT
        try:
            self._paper(status)
        except PrinterFault as fault:  # the roll ran out on this ticket: it may be cut short
            self._late_fault = fault
            return Outcome.SENT
        return Outcome.PRINTED

    def _paper(self, status: int) -> None:
        if status & PAPER_END == PAPER_END:
            raise PrinterFault("no_paper", "out of paper")
        if status & PAPER_NEAR_END:
            if not self._near_end_noted:
                log.warning("printer %s: paper near end; put in a new roll soon", self.settings.label)
            self._near_end_noted = True
        else:
            self._near_end_noted = False

    def _report(self, fault: PrinterFault) -> None:
        if self.fault != fault.kind:
            log.warning("printer %s: %s; tickets are shown on screen only until it is fixed",
                        self.settings.label, fault.detail)
        self._set_fault(fault)

    def _set_fault(self, fault: PrinterFault | None) -> None:
        if fault is None:
            self.fault = self.fault_detail = self.fault_since = None
            return
        if self.fault != fault.kind:
            self.fault_since = datetime.now(UTC)
        self.fault, self.fault_detail = fault.kind, fault.detail


def ticket_bytes(job: PrintJob, s: PrinterSettings) -> bytes:
    """The whole ticket as bytes for this printer (rendered at once, so sending is one timed loop)."""
    from escpos.printer import Dummy

    p = Dummy(profile=s.profile)
    render(p, job, paper=s.paper, native_qr=s.native_qr, cut=s.cut)
    return p.output


def _left(deadline: float) -> float:
    return deadline - time.monotonic()


def _send(sock: socket.socket, data: bytes, deadline: float, s: PrinterSettings) -> None:
    """Send `data` and wait until the printer acknowledged every byte, all before `deadline`."""
    view = memoryview(data)
    while view:
        left = _left(deadline)
        if left <= 0:
            raise _stalled(len(data) - len(view), len(data), s)
        sock.settimeout(min(left, s.timeout))
        try:
            sent = sock.send(view)
        except TimeoutError:
            continue  # the printer takes nothing; the deadline decides
        view = view[sent:]
    while _unacknowledged(sock):
        if _left(deadline) <= 0:
            raise _stalled(len(data) - _unacknowledged(sock), len(data), s)
        time.sleep(DRAIN_POLL)


def _stalled(taken: int, total: int, s: PrinterSettings) -> PrinterFault:
    return PrinterFault("stalled", f"the printer took the connection but only {taken} of the ticket's {total} bytes "
                                   f"in time: given up and the connection reset")


def _unacknowledged(sock: socket.socket) -> int:
    """Bytes sent but not yet acknowledged by the printer (Linux SIOCOUTQ); 0 where unknown."""
    try:
        out = array.array("i", [0])
        fcntl.ioctl(sock.fileno(), termios.TIOCOUTQ, out, True)
        return out[0]
    except OSError:
        return 0


def _abort(sock: socket.socket) -> None:
    """Close with a reset: our kernel drops what it still holds, the printer drops the connection."""
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    except OSError:
        pass


class Printers:
    """The configured printers by kiosk id."""

    def __init__(self, settings: dict[str, PrinterSettings]) -> None:
        self.by_kiosk = {kiosk: TicketPrinter(s) for kiosk, s in settings.items()}

    def get(self, kiosk: str | None) -> TicketPrinter | None:
        return self.by_kiosk.get(kiosk) if kiosk else None

    def health(self) -> dict:
        return {kiosk: printer.health() for kiosk, printer in self.by_kiosk.items()}

    def stop(self) -> None:
        for printer in self.by_kiosk.values():
            printer.stop()
