"""ESC/POS network printers: one owner thread per printer, fed by a queue.

Printing is blocking socket I/O, so the event loop only ever calls `submit()`,
which returns a `concurrent.futures.Future`. The kiosk waits for it (bounded)
through `asyncio.wrap_future`; when it gives up, a job that has not started is
cancelled, so a printer that comes back never prints a backlog of stale tickets.

A fault (offline, out of paper) is logged once when it starts and once when it
ends, never once per ticket.
"""

from __future__ import annotations

import logging
import queue
import socket
import textwrap
import threading
from concurrent.futures import Future
from dataclasses import dataclass, fields, replace

from kiosk.settings import PrinterSettings

log = logging.getLogger("mpp.kiosk.printer")

COLUMNS = {"58mm": 32, "80mm": 48}  # font A characters per line
COLUMNS_FONT_B = {"58mm": 42, "80mm": 64}
QR_SIZE = {"58mm": 5, "80mm": 7}  # dots per QR module: about 30 mm wide for a status URL
MAX_PENDING = 16
STATUS_WAIT = 1.0  # seconds to wait for the answer to a paper-status query
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


class PrinterFault(Exception):
    """The printer could not print. `kind`: offline, no_paper, busy or error."""

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
        self._jobs: queue.Queue[tuple[PrintJob, Future] | None] = queue.Queue(maxsize=MAX_PENDING)
        self._thread: threading.Thread | None = None
        self._answers_status: bool | None = None  # None until the printer has (not) answered a status query
        self._near_end_noted = False

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

    def submit(self, job: PrintJob) -> Future:
        """Queue a ticket; the future ends with None (printed) or a PrinterFault. Never blocks."""
        self.start()
        future: Future = Future()
        try:
            self._jobs.put_nowait((job, future))
        except queue.Full:
            future.set_exception(PrinterFault("busy", f"{MAX_PENDING} tickets already wait for this printer"))
        return future

    # ------------------------------------------------------------ the owner thread

    def _run(self) -> None:
        while True:
            item = self._jobs.get()
            if item is None:
                return
            job, future = item
            if not future.set_running_or_notify_cancel():
                continue  # the kiosk stopped waiting; the ticket is already on its screen
            try:
                self._print(job)
            except PrinterFault as fault:
                self._report(fault)
                future.set_exception(fault)
            except Exception as exc:  # a bug or an odd printer answer: report it once, keep the thread alive
                fault = PrinterFault("error", f"{type(exc).__name__}: {exc}")
                if self.fault != fault.kind:
                    log.exception("printer %s failed unexpectedly", self.settings.label)
                self.fault = fault.kind
                future.set_exception(fault)
            else:
                if self.fault is not None:
                    log.warning("printer %s prints again", self.settings.label)
                    self.fault = None
                future.set_result(None)

    def _print(self, job: PrintJob) -> None:
        from escpos.printer import Network

        s = self.settings
        printer = Network(s.host, s.port, timeout=s.timeout, profile=s.profile)
        try:
            try:
                # Connected here rather than by Network.open(), which leaks the socket when it fails.
                printer.device = socket.create_connection((s.host, s.port), timeout=s.timeout)
            except OSError as exc:
                raise PrinterFault("offline", f"cannot connect to {s.host}:{s.port} ({exc})") from None
            if s.check_paper:
                self._check_paper(printer.device)
            render(printer, job, paper=s.paper, native_qr=s.native_qr, cut=s.cut)
        except OSError as exc:
            raise PrinterFault("offline", f"connection to {s.host}:{s.port} lost ({exc})") from None
        finally:
            printer.close()

    def _check_paper(self, sock: socket.socket) -> None:
        from escpos.constants import RT_STATUS_PAPER

        label = self.settings.label
        sock.settimeout(min(STATUS_WAIT, self.settings.timeout))
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
                log.info("printer %s does not answer paper-status queries; printing without the check "
                         "(set check_paper = false to skip it)", label)
                self._answers_status = False
            return
        finally:
            sock.settimeout(self.settings.timeout)
        if not reply:
            raise PrinterFault("offline", "the printer closed the connection")
        status = reply[-1]
        if status & STATUS_MASK != STATUS_FIXED:
            if self._answers_status is None:
                log.info("printer %s answers paper-status queries with 0x%02x, which is not a status byte; "
                         "printing without the check (set check_paper = false to skip it)", label, status)
                self._answers_status = False
            return
        self._answers_status = True
        if status & PAPER_END == PAPER_END:
            raise PrinterFault("no_paper", "out of paper")
        if status & PAPER_NEAR_END:
            if not self._near_end_noted:
                log.warning("printer %s: paper near end; put in a new roll soon", label)
            self._near_end_noted = True
        else:
            self._near_end_noted = False

    def _report(self, fault: PrinterFault) -> None:
        if self.fault != fault.kind:
            log.warning("printer %s: %s; tickets are shown on screen only until it is fixed",
                        self.settings.label, fault.detail)
        self.fault = fault.kind


class Printers:
    """The configured printers by kiosk id."""

    def __init__(self, settings: dict[str, PrinterSettings]) -> None:
        self.by_kiosk = {kiosk: TicketPrinter(s) for kiosk, s in settings.items()}

    def get(self, kiosk: str | None) -> TicketPrinter | None:
        return self.by_kiosk.get(kiosk) if kiosk else None

    def stop(self) -> None:
        for printer in self.by_kiosk.values():
            printer.stop()
