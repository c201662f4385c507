"""ESC/POS tickets: the bytes, the owner thread, and faults reported once."""

from __future__ import annotations

import logging
import socket
import threading

import pytest
from escpos.printer import Dummy

from kiosk.printer import Outcome, PrinterFault, PrintJob, TicketPrinter, render
from kiosk.settings import PrinterSettings
from tests.kiosk.fakes import (
    DLE_EOT_PAPER,
    GS_K,
    PAPER_NEAR_END,
    PAPER_OUT,
    FakePrinter,
    StallingPrinter,
    qr_commands,
    qr_payload,
)

ESC_INIT = b"\x1b@"

WAIT = 5  # seconds a ticket may take to be written out (the kiosk's print_wait_seconds)
JOB = PrintJob(site="MPP Uji", address="Jl. Uji No. 1", number="A007", service="Perekaman KTP-el",
               agency="Dinas Kependudukan dan Pencatatan Sipil", priority=True, ahead="3 orang", wait="± 12 menit",
               issued="Jumat, 28 November 2025 · 09.41 WIB", url="http://192.168.1.10:8000/t/tok-123",
               footer="Terima kasih")


class TextRecorder(Dummy):
    """A Dummy printer that also keeps the text it was given, without control codes."""

    def __init__(self) -> None:
        super().__init__()
        self.texts: list[str] = []

    def text(self, txt: str) -> None:
        self.texts.append(txt)
        super().text(txt)


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # nobody listens once the socket is closed


def printer_for(port: int, **options) -> TicketPrinter:
    options = {"paper": "80mm", **options}  # as KioskSettings.printer() fills it in
    return TicketPrinter(PrinterSettings(kiosk="lobi", host="127.0.0.1", port=port, timeout=2, **options))


def test_render_writes_number_text_and_native_qr():
    """The ticket carries its number, service and a native QR code holding the status URL."""
    p = Dummy()
    render(p, JOB, paper="58mm")
    out = p.output
    for text in (b"A007", b"Perekaman KTP-el", b"PRIORITAS", b"3 orang", b"MPP Uji"):
        assert text in out
    assert GS_K in out
    assert qr_payload(out) == JOB.url
    as_text = out.replace(qr_payload(out).encode(), b"", 1).replace(b"\n", b"")
    assert JOB.url.encode() in as_text, "the address is also printed as text"
    functions = [fn for fn, _ in qr_commands(out)]
    assert functions == [0x41, 0x43, 0x45, 0x50, 0x51]  # model, size, error level, store, print
    assert out.endswith(b"\x1dV\x00") or b"\x1dV" in out[-8:], "the paper is cut at the end"


def test_render_wraps_to_the_paper_width():
    """No printed line is wider than the roll: 32 characters on 58 mm, 48 on 80 mm."""
    long = PrintJob(**{**JOB.__dict__, "agency": "Dinas Penanaman Modal dan Pelayanan Terpadu Satu Pintu Kota Batu"})
    for paper, columns in (("58mm", 32), ("80mm", 48)):
        p = TextRecorder()
        render(p, long, paper=paper)
        assert " ".join("".join(p.texts).split()).count("Satu Pintu Kota Batu") == 1
        assert all(len(line) <= columns for text in p.texts[:-3] for line in text.split("\n")), p.texts


def test_every_ticket_starts_by_resetting_the_printer():
    """ESC @ comes first, so a job cut off half-way cannot change how the next ticket prints."""
    p = Dummy()
    render(p, JOB)
    assert p.output.startswith(ESC_INIT)


def test_typographic_punctuation_is_sent_as_ascii():
    """Dashes and curly quotes are folded to ASCII, so no clone-specific code page is selected."""
    fancy = PrintJob(**{**JOB.__dict__, "wait": "—", "agency": "Dinas “Satu Pintu” – Kota’s",
                        "footer": "Terima kasih — sampai jumpa"})
    p = TextRecorder()
    render(p, fancy)
    text = "".join(p.texts)
    assert not set("—–‘’“”") & set(text)
    assert 'Dinas "Satu Pintu" - Kota\'s' in text and "Perkiraan tunggu: -" in text
    selected = {p.output[at + 2] for at in range(len(p.output)) if p.output.startswith(b"\x1bt", at)}
    assert selected <= {0}, f"code pages selected: {selected}"


def test_image_qr_when_the_printer_has_no_native_qr():
    """native_qr = false sends the QR as a raster image instead of GS ( k."""
    p = Dummy()
    render(p, JOB, native_qr=False, cut=False)
    assert GS_K not in p.output and b"\x1dv0" in p.output


def test_prints_over_tcp_with_a_paper_check():
    """The owner thread asks for the paper status, sends the whole ticket, and counts it printed only
    once the printer answered a second query sent after it (it read everything)."""
    with FakePrinter() as fake:
        printer = printer_for(fake.port)
        try:
            assert printer.submit(JOB, WAIT).result(timeout=10) is Outcome.PRINTED
        finally:
            printer.stop()
        data = fake.wait_for_jobs(1)[0]
    assert data.startswith(DLE_EOT_PAPER + ESC_INIT) and data.endswith(DLE_EOT_PAPER)
    assert b"A007" in data and qr_payload(data) == JOB.url
    assert printer.fault is None and printer.health()["state"] == "ok" and printer.health()["printed"] == 1


def test_unreachable_printer_fails_and_is_logged_once(caplog):
    """Two tickets to a dead printer: two failures, one warning, and one line when it is back."""
    port = closed_port()
    printer = printer_for(port)
    caplog.set_level(logging.INFO, logger="mpp.kiosk.printer")
    try:
        for _ in range(2):
            with pytest.raises(PrinterFault) as caught:
                printer.submit(JOB, WAIT).result(timeout=10)
            assert caught.value.kind == "offline"
        assert printer.fault == "offline"
        with FakePrinter() as fake:
            printer.settings = PrinterSettings(kiosk="lobi", host="127.0.0.1", port=fake.port, timeout=2,
                                               paper="80mm")
            assert printer.submit(JOB, WAIT).result(timeout=10) is Outcome.PRINTED
    finally:
        printer.stop()
    warnings = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(warnings) == 2, [r.getMessage() for r in warnings]
    assert "cannot connect" in warnings[0].getMessage() and "prints again" in warnings[1].getMessage()
    assert all(r.exc_info is None for r in caplog.records), "a fault is a line, not a traceback"
    assert printer.fault is None


def test_out_of_paper_prints_nothing():
    """A printer reporting 'paper end' gets no ticket, and the kiosk hears why."""
    with FakePrinter(paper=PAPER_OUT) as fake:
        printer = printer_for(fake.port)
        try:
            with pytest.raises(PrinterFault) as caught:
                printer.submit(JOB, WAIT).result(timeout=10)
        finally:
            printer.stop()
        data = fake.wait_for_jobs(1)[0]
    assert caught.value.kind == "no_paper"
    assert data == b"\x10\x04\x04"


def test_a_printer_that_never_answers_gets_tickets_sent_never_claimed_printed(caplog):
    """A clone that takes data but never answers DLE EOT: tickets are sent (every byte acknowledged) but
    never reported printed, since nobody can know; logged once; /api/health says unconfirmed."""
    caplog.set_level(logging.INFO, logger="mpp.kiosk.printer")
    with FakePrinter(paper=None) as fake:
        printer = TicketPrinter(PrinterSettings(kiosk="lobi", host="127.0.0.1", port=fake.port, timeout=0.3,
                                                    paper="80mm"))
        try:
            outcomes = [printer.submit(JOB, WAIT).result(timeout=10) for _ in range(2)]
        finally:
            printer.stop()
        jobs = fake.wait_for_jobs(2)
    assert outcomes == [Outcome.SENT, Outcome.SENT]
    assert all(b"A007" in data and not data.endswith(DLE_EOT_PAPER) for data in jobs)
    assert sum("does not answer" in r.getMessage() for r in caplog.records) == 1
    assert printer.health()["state"] == "unconfirmed" and printer.health()["sent"] == 2


def test_a_printer_that_stops_reading_gets_no_ticket_later(caplog):
    """A printer that accepts connections but reads nothing (a hung mechanism, its small buffer full) and
    answers nothing: the ticket not taken within the wait is given up and its connection reset; tickets
    queued behind it are never started; when the printer reads again no ticket arrives whole."""
    caplog.set_level(logging.INFO, logger="mpp.kiosk.printer")
    with StallingPrinter() as fake:
        printer = printer_for(fake.port, native_qr=False)  # a 6.5 KB ticket: more than its buffer
        try:
            futures = [printer.submit(PrintJob(**{**JOB.__dict__, "number": f"A00{n}"}), 1.5) for n in (7, 8, 9)]
            faults = []
            for future in futures:
                with pytest.raises(PrinterFault) as caught:
                    future.result(timeout=10)
                faults.append(caught.value.kind)
        finally:
            printer.stop()
        assert faults == ["stalled"] * 3
        health = printer.health()
        assert health["state"] == "fault" and health["fault"] == "stalled" and health["failed"] == 3
        [(data, reset)] = fake.resume()  # one connection only: the stale tickets were never sent
    assert reset, "the given-up connection was reset, not closed"
    assert JOB.url.encode() not in data and b"A008" not in data and b"A009" not in data
    assert not data.endswith(b"\x1dV\x00"), "the ticket never arrives whole (no cut)"
    warnings = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert any("given up" in w for w in warnings)


def test_a_printer_that_does_not_confirm_the_ticket_is_not_claimed_printed():
    """A printer that answered before the ticket but not the query after it (it stopped reading midway):
    not printed (stalled), and its connection is reset."""
    with FakePrinter(answers=1) as fake:
        printer = printer_for(fake.port)
        try:
            with pytest.raises(PrinterFault) as caught:
                printer.submit(JOB, 1).result(timeout=10)
        finally:
            printer.stop()
        fake.wait_for_jobs(1)
    assert caught.value.kind == "stalled" and "did not confirm" in caught.value.detail


def test_printer_that_stops_answering_is_offline(caplog):
    """A printer that answered status queries and then goes silent is a fault, not a printed ticket."""
    caplog.set_level(logging.INFO, logger="mpp.kiosk.printer")
    with FakePrinter() as fake:
        printer = printer_for(fake.port)
        try:
            assert printer.submit(JOB, WAIT).result(timeout=10) is Outcome.PRINTED
            fake.paper = None  # its network card still takes connections; the mechanism is stuck
            for _ in range(2):
                with pytest.raises(PrinterFault) as caught:
                    printer.submit(JOB, WAIT).result(timeout=10)
                assert caught.value.kind == "offline" and "did not answer" in caught.value.detail
            assert printer.fault == "offline"
        finally:
            printer.stop()
        jobs = fake.wait_for_jobs(3)
    assert [b"A007" in data for data in jobs] == [True, False, False]
    warnings = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(warnings) == 1 and "did not answer" in warnings[0]


def test_a_reply_that_is_not_a_status_byte_is_not_read_as_paper_end():
    """An answer without a status byte's fixed bits is not read as paper end: the ticket is sent (unconfirmed)."""
    with FakePrinter(paper=b"\x7f") as fake:
        printer = printer_for(fake.port)
        try:
            assert printer.submit(JOB, WAIT).result(timeout=10) is Outcome.SENT
        finally:
            printer.stop()
        assert b"A007" in fake.wait_for_jobs(1)[0]


def test_paper_near_end_prints_and_warns_once(caplog):
    """A roll running low still prints, with one warning until a new roll is in."""
    caplog.set_level(logging.INFO, logger="mpp.kiosk.printer")
    with FakePrinter(paper=PAPER_NEAR_END) as fake:
        printer = printer_for(fake.port)
        try:
            for _ in range(2):
                assert printer.submit(JOB, WAIT).result(timeout=10) is Outcome.PRINTED
        finally:
            printer.stop()
        assert all(b"A007" in data for data in fake.wait_for_jobs(2))
    assert sum("near end" in r.getMessage() for r in caplog.records) == 1
    assert printer.fault is None


def test_cancelled_job_is_never_printed():
    """A ticket the kiosk stopped waiting for is dropped, not printed late."""
    with FakePrinter() as fake:
        printer = printer_for(fake.port)
        try:
            blocker = threading_event_job(printer)
            stale = printer.submit(JOB, WAIT)
            assert stale.cancel()
            blocker.set()
            fresh = printer.submit(PrintJob(**{**JOB.__dict__, "number": "A008"}), WAIT)
            fresh.result(timeout=10)
        finally:
            printer.stop()
        jobs = fake.wait_for_jobs(1)
    assert len(jobs) == 1 and b"A008" in jobs[0]


def threading_event_job(printer: TicketPrinter) -> threading.Event:
    """Occupy the printer's thread until the returned event is set."""
    release = threading.Event()
    started = threading.Event()
    original = printer._print

    def hold(job, deadline):
        started.set()
        release.wait(10)
        printer._print = original
        return Outcome.PRINTED

    printer._print = hold
    printer.submit(JOB, WAIT)
    assert started.wait(10)
    return release


def test_full_queue_answers_busy_at_once():
    """When too many tickets wait for one printer, the next one fails fast instead of blocking."""
    from kiosk import printer as module

    printer = printer_for(closed_port())
    release = threading_event_job(printer)
    try:
        waiting = [printer.submit(JOB, WAIT) for _ in range(module.MAX_PENDING)]
        with pytest.raises(PrinterFault) as caught:
            printer.submit(JOB, WAIT).result(timeout=1)
        assert caught.value.kind == "busy"
        for future in waiting:
            future.cancel()
    finally:
        release.set()
        printer.stop()
