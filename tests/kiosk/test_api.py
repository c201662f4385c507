"""The kiosk's HTTP side in-process: issuing and printing, refusals, pages and QR codes."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from config.site import ConfigError, load_config
from kiosk import qr
from kiosk.page import Kiosk
from server.app import create_app
from server.settings import Settings
from tests.hub.support import act, issue, login, receive_json
from tests.kiosk.fakes import FakePrinter, StallingPrinter, qr_payload
from tests.kiosk.test_printer import closed_port

KIOSK_SITE = Path(__file__).with_name("site.toml")
BASE = "http://192.168.1.10:8000"


def printer_section(port: int, **extra) -> str:
    lines = ["[kiosk]", *(f"{k} = {json.dumps(v)}" for k, v in extra.items()),
             "[[kiosk.printers]]", 'kiosk = "lobi"', 'host = "127.0.0.1"', f"port = {port}", "timeout = 2"]
    return "\n".join(lines) + "\n"


@pytest.fixture
def make_client(tmp_path):
    """Build the hub from the kiosk test site plus `extra` TOML; a TestClient that runs its lifespan."""
    clients: list[TestClient] = []

    def make(extra: str = "") -> TestClient:
        n = len(clients)
        path = tmp_path / f"site-{n}.toml"
        path.write_text(KIOSK_SITE.read_text(encoding="utf-8") + "\n" + extra, encoding="utf-8")
        app = create_app(Settings(config=load_config(path), data_dir=tmp_path / f"data-{n}"))
        client = TestClient(app, base_url=BASE)
        client.__enter__()
        clients.append(client)
        return client

    yield make
    for client in clients:
        kiosk = getattr(client.app.state, "kiosk", None)
        if kiosk is not None:
            kiosk.close()
        client.__exit__(None, None, None)


def boot_of(html: str) -> dict:
    found = re.search(r'<script type="application/json" id="boot">(.*?)</script>', html, re.S)
    assert found, "the page carries its boot data"
    return json.loads(found.group(1))


def issued(client: TestClient, service: str) -> int:
    state = client.get("/api/state").json()
    return next(s["issued"] for s in state["services"] if s["code"] == service)


def test_issue_prints_on_the_kiosks_printer(make_client):
    """A ticket from kiosk 'lobi' is printed there with its number and a QR code of its status page."""
    with FakePrinter() as fake:
        client = make_client(printer_section(fake.port))
        response = client.post("/kiosk/api/tickets", json={"service": "A", "priority": True, "kiosk": "lobi"})
        assert response.status_code == 201, response.text
        body = response.json()
        data = fake.wait_for_jobs(1)[0]
    ticket = body["ticket"]
    assert body["printed"] is True and body["printer"] == {"kiosk": "lobi", "state": "printed", "fault": None}
    assert "dicetak" in body["message"]
    assert ticket["number"] == "A001" and ticket["priority"] is True and ticket["ahead"] == 0
    assert body["status_url"] == f"{BASE}/t/{ticket['token']}"
    assert b"A001" in data and qr_payload(data) == body["status_url"]
    assert body["text"]["wait"] == "—" and body["qr_url"] == f"/kiosk/qr/{ticket['token']}.svg"


def test_unreachable_printer_still_issues_the_ticket(make_client, caplog):
    """With the printer down the ticket is issued, answered as not printed, and stays valid."""
    client = make_client(printer_section(closed_port()))
    body = client.post("/kiosk/api/tickets", json={"service": "B", "kiosk": "lobi"}).json()
    assert body["printed"] is False and body["printer"]["fault"] == "offline"
    assert body["message"] == ("Printer sedang bermasalah, tiket tidak tercetak. "
                                "Silakan foto layar ini atau catat nomor antrian Anda.")
    token = body["ticket"]["token"]
    assert client.get(f"/api/tickets/{token}").json()["ticket"]["number"] == "B001"
    assert issued(client, "B") == 1
    client.post("/kiosk/api/tickets", json={"service": "B", "kiosk": "lobi"})
    faults = [r for r in caplog.records if r.name == "mpp.kiosk.printer"]
    assert len(faults) == 1, "one fault, one log line"


def test_wait_for_a_slow_printer_is_bounded(make_client):
    """A printer that does not answer in time: the kiosk answers 'not printed' (timeout); the ticket is valid.
    How long it waits is measured in bench/kiosk_bench.py."""
    with FakePrinter(paper=None) as fake:
        client = make_client(printer_section(fake.port, print_wait_seconds=0.5))
        body = client.post("/kiosk/api/tickets", json={"service": "A", "kiosk": "lobi"}).json()
    assert body["printed"] is False and body["printer"] == {"kiosk": "lobi", "state": "failed", "fault": "stalled"}
    assert client.get(f"/api/tickets/{body['ticket']['token']}").json()["ticket"]["number"] == "A001"


def test_a_printer_that_never_answers_is_never_said_to_be_printing(make_client):
    """Issue #9: a clone that takes data but never answers DLE EOT. The kiosk does not say "sedang dicetak"
    (nobody can know): it says the ticket was sent and to photograph the screen or scan the QR code shown;
    /api/health says the printer's tickets are unconfirmed."""
    with FakePrinter(paper=None) as fake:
        client = make_client(printer_section(fake.port))
        bodies = [client.post("/kiosk/api/tickets", json={"service": "A", "kiosk": "lobi"}).json() for _ in range(3)]
        fake.wait_for_jobs(3)
    for body in bodies:
        assert body["printed"] is False and body["printer"] == {"kiosk": "lobi", "state": "sent", "fault": None}
        assert "dicetak" not in body["message"] and "tidak dapat memastikan" in body["message"]
        assert "kode QR" in body["message"] and client.get(body["qr_url"]).status_code == 200
    printer = client.get("/api/health").json()["kiosk"]["printers"]["lobi"]
    assert printer["state"] == "unconfirmed" and printer["sent"] == 3


def test_a_printer_that_stops_reading_is_a_visible_fault(make_client):
    """Issue #9: a printer that accepts connections but reads nothing. Each ticket is given up within the wait
    and shown as not printed; /api/health names the fault and since when; nothing arrives when it reads again."""
    with StallingPrinter() as fake:
        client = make_client(printer_section(fake.port, print_wait_seconds=1) + "native_qr = false\n")
        bodies = [client.post("/kiosk/api/tickets", json={"service": "A", "kiosk": "lobi"}).json() for _ in range(3)]
        for body in bodies:
            assert body["printed"] is False and body["printer"]["state"] == "failed"
            assert body["printer"]["fault"] == "stalled" and "tidak tercetak" in body["message"]
        printer = client.get("/api/health").json()["kiosk"]["printers"]["lobi"]
        assert printer["state"] == "fault" and printer["fault"] == "stalled" and printer["since"]
        assert "given up" in printer["detail"] and printer["failed"] == 3
        arrived = fake.resume()
    assert arrived and all(reset and bodies[0]["status_url"].encode() not in data for data, reset in arrived)


def test_quota_reached_consumes_nothing(make_client):
    """The second ticket of a quota-1 service is refused with the hub's message; nothing is issued or printed."""
    with FakePrinter() as fake:
        client = make_client(printer_section(fake.port))
        first = client.post("/kiosk/api/tickets", json={"service": "Q", "kiosk": "lobi"})
        assert first.status_code == 201
        second = client.post("/kiosk/api/tickets", json={"service": "Q", "kiosk": "lobi"})
        fake.wait_for_jobs(1)
        assert second.status_code == 409
        error = second.json()["error"]
        assert error["code"] == "quota_reached"
        assert "Kuota harian layanan Legalisir <b>Dokumen</b> (1 nomor) sudah habis" in error["message"]
        assert issued(client, "Q") == 1
        assert client.post("/kiosk/api/tickets", json={"service": "A"}).json()["ticket"]["number"] == "A001"
        assert len(fake.jobs) == 1


def test_invalid_requests_are_explained(make_client):
    """Missing or malformed fields get the API's usual JSON errors."""
    client = make_client()
    assert client.post("/kiosk/api/tickets", json={}).status_code == 422
    assert client.post("/kiosk/api/tickets", json={"service": "A", "priority": "ya"}).status_code == 422
    assert client.post("/kiosk/api/tickets", json={"service": "A", "kiosk": "<lobi>"}).status_code == 422
    missing = client.post("/kiosk/api/tickets", json={"service": "Z"})
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "unknown_service"
    assert issued(client, "A") == 0


def test_without_a_printer_the_ticket_is_shown_only(make_client):
    """A kiosk with no ESC/POS printer answers printed=false and asks for a photo."""
    client = make_client()
    body = client.post("/kiosk/api/tickets", json={"service": "A", "kiosk": "pintu-2"}).json()
    assert body["printed"] is False and body["printer"] is None
    assert "foto" in body["message"]


def test_public_url_goes_into_the_qr_code(make_client):
    """`[kiosk] public_url` is the address in the QR code, whatever Host the kiosk used."""
    client = make_client('[kiosk]\npublic_url = "http://antrian.mpp.lan:8000"\n')
    body = client.post("/kiosk/api/tickets", json={"service": "A"}).json()
    token = body["ticket"]["token"]
    assert body["status_url"] == f"http://antrian.mpp.lan:8000/t/{token}"
    svg = client.get(body["qr_url"])
    assert svg.status_code == 200 and svg.headers["content-type"].startswith("image/svg+xml")
    assert svg.text == qr.svg(body["status_url"])
    unknown = client.get("/kiosk/qr/doesNotExist123.svg")
    assert unknown.status_code == 404 and unknown.json()["error"]["code"] == "unknown_ticket"  # the hub's one shape


def test_status_page_and_friendly_404(make_client):
    """/t/{token} shows that ticket only; an unknown token gets a friendly page, not JSON."""
    client = make_client()
    body = client.post("/kiosk/api/tickets", json={"service": "Q"}).json()
    page = client.get(f"/t/{body['ticket']['token']}")
    assert page.status_code == 200 and "Q001" in page.text
    assert page.headers["referrer-policy"] == "no-referrer" and page.headers["cache-control"] == "no-store"
    assert "Legalisir &lt;b&gt;Dokumen&lt;/b&gt;" in page.text and "<b>Dokumen" not in page.text
    assert boot_of(page.text)["ticket"]["number"] == "Q001"
    for path in ("/t/UnknownToken1234567890", "/t/x", "/t/"):
        missing = client.get(path)
        assert missing.status_code == 404 and "Tiket tidak ditemukan" in missing.text, path
        assert missing.headers["content-type"].startswith("text/html")


def test_kiosk_page_boot_data(make_client):
    """The page knows its kiosk id, print mode and paper; names never appear as raw HTML."""
    client = make_client(printer_section(closed_port(), paper="58mm"))
    page = client.get("/kiosk?id=lobi")
    assert page.status_code == 200
    boot = boot_of(page.text)
    assert (boot["kiosk"], boot["print"], boot["paper"]) == ("lobi", "escpos", "58mm")
    assert "/static/kiosk/paper-58mm.css" in page.text
    assert "<img src=x" not in page.text, "configuration text is escaped, even inside the boot JSON"
    assert "script-src 'self'" in page.headers["content-security-policy"]
    other = boot_of(client.get("/kiosk?id=<x>&paper=A4&print=browser").text)
    assert (other["kiosk"], other["print"], other["paper"]) == ("", "browser", "58mm")
    assert boot_of(client.get("/kiosk?paper=80mm").text)["paper"] == "80mm"


def test_bad_kiosk_section_stops_the_start(tmp_path):
    """A wrong [kiosk] value stops create_app with the key named, for run.py to print without a traceback."""
    path = tmp_path / "site.toml"
    path.write_text(KIOSK_SITE.read_text(encoding="utf-8") + '\n[kiosk]\nidle_seconds = "lama"\n')
    with pytest.raises(ConfigError) as caught:
        create_app(Settings(config=load_config(path), data_dir=tmp_path / "data"))
    assert caught.value.key == "kiosk.idle_seconds"
    path.write_text(KIOSK_SITE.read_text(encoding="utf-8"))
    good = create_app(Settings(config=load_config(path), data_dir=tmp_path / "data"))
    assert isinstance(good.state.kiosk, Kiosk)
    good.state.kiosk.close()


def test_every_place_tells_the_same_ahead_as_call_next_will_do(make_client):
    """Four priority tickets then a regular one at the kiosk, cap 3 (issue #9): the API, the kiosk screen,
    the paper ticket, the status page and /ws/ticket all say 3 ahead, not 4; two more priority arrivals
    change nothing; after one call it is 2; and the regular ticket is indeed the fourth called."""
    with FakePrinter() as fake:
        client = make_client(printer_section(fake.port))
        for _ in range(4):
            issue(client, "A", priority=True)
        body = client.post("/kiosk/api/tickets", json={"service": "A", "kiosk": "lobi"}).json()
        paper = fake.wait_for_jobs(1)[0]
    ticket = body["ticket"]
    token = ticket["token"]
    assert ticket["ahead"] == 3 and body["text"]["ahead"] == "3 orang"
    assert b"Di depan Anda: 3 orang" in paper
    assert client.get(f"/api/tickets/{token}").json()["ticket"]["ahead"] == 3
    page = client.get(f"/t/{token}").text
    assert boot_of(page)["ticket"]["ahead"] == 3 and ">3 orang<" in page
    budi = login(client)
    with client.websocket_connect(f"/ws/ticket/{token}") as ws:
        assert receive_json(ws)["ticket"]["ahead"] == 3
        issue(client, "A", priority=True)
        issue(client, "A", priority=True)
        act(client, "1", "call-next", budi)
        live = receive_json(ws)
        assert live["type"] == "ticket.status" and live["ticket"]["ahead"] == 2, live
    called = [act(client, "1", "call-next", budi).json()["ticket"]["number"] for _ in range(2)]
    assert called == ["A002", "A003"] and client.get(f"/api/tickets/{token}").json()["ticket"]["ahead"] == 0
    assert act(client, "1", "call-next", budi).json()["ticket"]["number"] == ticket["number"] == "A005"
