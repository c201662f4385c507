"""Two real hub processes (`run.py --database postgresql://...`) on one PostgreSQL database serve one site:
call-next is exactly-once across them, every event reaches every page of both in seq order, a page
resumes on the other process, and `kill -9` of one loses no committed ticket."""

from __future__ import annotations

import http.client
import json
import subprocess
import sys
import threading
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import psycopg
import pytest
from websockets.sync.client import connect

from config.site import dump_config, dump_toml, load_config
from tests.conftest import ROOT, TEST_CONFIG, HubProcess, free_port, site_config, wait_for

pytestmark = pytest.mark.e2e

COUNTERS = 18
TICKETS = 300


@pytest.fixture
def site_file(tmp_path):
    """The test site with 18 counters serving A and B, written as a TOML file."""
    raw = dump_config(load_config(TEST_CONFIG))
    template = raw["counters"][0]
    counters = [{**template, "id": str(n), "name": f"Loket {n}", "services": ["A", "B"]}
                for n in range(1, COUNTERS + 1)]
    path = tmp_path / "site.toml"
    path.write_text(dump_toml(site_config(counters=counters)), encoding="utf-8")
    return path


@pytest.fixture
def pair(postgres, tmp_path, site_file):
    """Hub processes A and B on one fresh PostgreSQL database (each with its own data folder)."""
    url = postgres.create_database()
    first = HubProcess(tmp_path / "a", site_file, database=url).start()
    second = HubProcess(tmp_path / "b", site_file, database=url).start()
    yield first, second, url
    second.stop()
    first.stop()


def next_event(ws, timeout: float = 10.0) -> dict:
    """The next message that is not a heartbeat."""
    while True:
        message = json.loads(ws.recv(timeout=timeout))
        if message["type"] != "heartbeat":
            return message


def test_counters_on_two_processes_call_each_ticket_exactly_once(pair):
    """18 counters, 9 on each process, race over 300 tickets: every ticket is called once, by one counter."""
    first, second, url = pair
    token = first.login("koordinator", "1111")  # a session of the database: valid on both processes
    with ThreadPoolExecutor(16) as pool:
        issued = list(pool.map(lambda n: (first, second)[n % 2].issue("AB"[n % 3 == 0]), range(TICKETS)))
    called: list[int] = []
    lock = threading.Lock()

    def counter(n: int) -> None:
        hub = (first, second)[n % 2]
        while True:
            status, body = hub.request("POST", f"/api/counters/{n}/call-next", token=token)
            assert status == 200, body
            if body["ticket"] is None:
                return
            with lock:
                called.append(body["ticket"]["id"])

    with ThreadPoolExecutor(COUNTERS) as pool:
        list(pool.map(counter, range(1, COUNTERS + 1)))
    assert sorted(called) == sorted(t["id"] for t in issued)
    with psycopg.connect(url) as db:
        calls = db.execute("SELECT ticket_id, COUNT(*) FROM ticket_history WHERE action = 'called' "
                           "GROUP BY ticket_id").fetchall()
        numbers = db.execute("SELECT COUNT(DISTINCT number), COUNT(*) FROM tickets").fetchone()
    assert len(calls) == TICKETS and {n for _, n in calls} == {1}
    assert numbers == (TICKETS, TICKETS)  # no number given twice across the processes


def test_a_display_on_one_process_sees_calls_made_on_the_other(pair):
    """A TV connected to B shows the ticket an officer called on A, with A's seq."""
    first, second, _ = pair
    token = first.login("koordinator", "1111")
    ticket = first.issue("A")
    with connect(f"{second.ws_url}/ws/display") as tv:
        snapshot = next_event(tv)
        assert snapshot["type"] == "snapshot"
        status, body = first.request("POST", "/api/counters/1/call-next", token=token)
        assert status == 200
        events = [next_event(tv)]
        while events[-1]["type"] != "ticket.called":  # B may have taken its snapshot before the ticket reached it
            events.append(next_event(tv))
    called = events[-1]
    assert called["ticket"]["id"] == ticket["id"] and called["counter"]["id"] == "1"
    assert [e["seq"] for e in events] == list(range(snapshot["seq"] + 1, snapshot["seq"] + 1 + len(events)))
    assert called["seq"] == 2  # the ticket's issue, then its call: A's seq, as every page of either process has it


def test_a_page_resumes_on_the_other_process(pair):
    """A TV that followed A reconnects to B with since and epoch: it gets exactly the events it missed."""
    first, second, _ = pair
    token = first.login("koordinator", "1111")
    with connect(f"{first.ws_url}/ws/display") as tv:
        snapshot = next_event(tv)
    first.issue("A")
    first.issue("B")
    first.request("POST", "/api/counters/2/call-next", token=token)
    with connect(f"{second.ws_url}/ws/display?since={snapshot['seq']}&epoch={snapshot['epoch']}") as tv:
        missed = [next_event(tv) for _ in range(3)]
    assert [e["type"] for e in missed] == ["ticket.issued", "ticket.issued", "ticket.called"]
    assert [e["seq"] for e in missed] == [snapshot["seq"] + 1, snapshot["seq"] + 2, snapshot["seq"] + 3]


def test_kill_9_of_one_process_during_a_burst_loses_no_committed_ticket(pair):
    """A is killed with -9 while kiosks issue tickets on it: every ticket it confirmed is on B, B's TVs got each
    one's event with no gap in seq, a TV of A resumes on B, and B goes on serving."""
    first, second, url = pair
    confirmed: list[dict] = []
    lock = threading.Lock()
    stop = threading.Event()

    def kiosk() -> None:
        while not stop.is_set():
            try:
                status, body = first.request("POST", "/api/tickets", {"service": "A"})
            except (OSError, http.client.HTTPException):
                return  # A is gone (the answer cut off, or no connection): the kiosk would now go to B
            if status == 201:
                with lock:
                    confirmed.append(body["ticket"])

    # close_timeout: A's TV has nobody to answer its closing handshake.
    with connect(f"{second.ws_url}/ws/display") as tv_b, \
            connect(f"{first.ws_url}/ws/display", close_timeout=1) as tv_a:
        start = next_event(tv_b)["seq"]
        seen_on_a = next_event(tv_a)
        kiosks = [threading.Thread(target=kiosk) for _ in range(6)]
        for thread in kiosks:
            thread.start()
        wait_for(lambda: len(confirmed) >= 60, timeout=30, what="60 tickets confirmed by A")
        first.kill()
        stop.set()
        for thread in kiosks:
            thread.join(15)
        with psycopg.connect(url) as db:
            stored = dict(db.execute("SELECT token, id FROM tickets").fetchall())
        assert {t["token"] for t in confirmed} <= set(stored)
        # B's TV: one ticket.issued per stored ticket, in seq order without a gap.
        events = []
        while len(events) < len(stored):
            events.append(next_event(tv_b))
        assert [e["seq"] for e in events] == list(range(start + 1, start + len(stored) + 1))
        assert {e["ticket"]["id"] for e in events} == set(stored.values())
    # A's TV reconnects to B from where it was.
    resume = f"{second.ws_url}/ws/display?since={seen_on_a['seq']}&epoch={seen_on_a['epoch']}"
    with connect(resume, close_timeout=1) as tv:
        assert next_event(tv)["type"] == "ticket.issued"
    token = second.login("koordinator", "1111")
    status, body = second.request("POST", "/api/counters/1/call-next", token=token)
    assert status == 200 and body["ticket"]["number"] == "A001"


def test_the_database_is_named_by_the_flag_or_the_environment(postgres, tmp_path, monkeypatch):
    """`MPP_DATABASE_URL` (or `--database`) puts the data in PostgreSQL; a URL of another kind or a database that
    does not answer stops the start with one line that names where, without the password."""
    import run

    url = postgres.create_database()
    monkeypatch.setenv("MPP_DATABASE_URL", url)
    assert run.parse_args([]).database == url and run.parse_args(["--database", "postgresql://x/y"]).database \
        == "postgresql://x/y"
    hub = HubProcess(tmp_path / "data").start()  # the environment, inherited
    try:
        ticket = hub.issue("A")
    finally:
        hub.stop()
    assert not (tmp_path / "data" / "mpp.sqlite3").exists()
    with psycopg.connect(url) as db:
        assert db.execute("SELECT number FROM tickets WHERE token = %s", (ticket["token"],)).fetchone() == ("A001",)
    monkeypatch.delenv("MPP_DATABASE_URL")

    def start(database: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "run.py", "--data-dir", str(tmp_path / "x"), "--database", database,
                               "--port", str(free_port())], cwd=ROOT, capture_output=True, text=True, timeout=60)

    other = start("mysql://mpp@127.0.0.1/mpp")
    assert other.returncode == 2 and "--database takes a PostgreSQL URL" in other.stderr
    nowhere = start(f"postgresql://mpp:s3cret@127.0.0.1:{free_port()}/mpp")
    assert nowhere.returncode == 2
    assert "Cannot start: cannot use the database at PostgreSQL 127.0.0.1:" in nowhere.stderr
    assert "s3cret" not in nowhere.stderr and len(nowhere.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize(("url", "expected"), [
    ("postgresql://mpp:s3cret@127.0.0.1:notaport/mpp", 'names the port "notaport"'),
    ("postgresql://mpp:s3cret@127.0.0.1:99999/mpp", 'names the port "99999"'),
    ("postgresql://mpp:s3cret@[::1:5432/mpp", "is not a valid PostgreSQL URL"),
    ("postgresql://mpp:s3c@ret@127.0.0.1:5432/mpp", "must be written as %40"),
    ("postgresql://mpp:%zzs3cret@127.0.0.1/mpp", "is not a valid PostgreSQL URL (invalid percent-encoded token)"),
])
def test_a_malformed_database_url_stops_with_one_line_not_a_traceback(tmp_path, url, expected):
    """A --database URL with a bad port, a broken IPv6 address, an unencoded "@" in the password or a bad
    %-escape stops the start and copy-database with one line saying what is wrong, without the password."""
    for command in (["--port", str(free_port())], ["copy-database"]):
        done = subprocess.run([sys.executable, "run.py", *command, "--data-dir", str(tmp_path), "--database", url],
                              cwd=ROOT, capture_output=True, text=True, timeout=60)
        assert done.returncode == 2, done.stderr
        assert "Traceback" not in done.stderr and len(done.stderr.strip().splitlines()) == 1, done.stderr
        assert expected in done.stderr and "s3c" not in done.stderr, done.stderr


def test_a_citizens_phone_on_one_process_follows_a_ticket_handled_on_the_other(pair):
    """A phone following its ticket through B sees it waiting the moment it was issued on A, then called there."""
    first, second, _ = pair
    token = first.login("koordinator", "1111")
    ticket = first.issue("A")
    with connect(f"{second.ws_url}/ws/ticket/{ticket['token']}") as phone:
        assert json.loads(phone.recv(timeout=10))["ticket"]["status"] == "waiting"
        assert first.request("POST", "/api/counters/1/call-next", token=token)[0] == 200
        seen = [json.loads(phone.recv(timeout=10))["ticket"]]
        while seen[-1]["status"] == "waiting":
            seen.append(json.loads(phone.recv(timeout=10))["ticket"])
    assert seen[-1]["status"] == "called" and seen[-1]["number"] == ticket["number"]


def voice_site(tmp_path, name: str, voice_pack_dir) -> Path:
    """The test site with the recorded voice on, its clips in `voice_pack_dir`, written as a TOML file."""
    path = tmp_path / f"{name}.toml"
    path.write_text(dump_toml(site_config(audio={"voice_pack": True, "voice_pack_dir": str(voice_pack_dir)})),
                    encoding="utf-8")
    return path


def record_every_clip(hub: HubProcess, token: str) -> None:
    """Every clip the site's calls need, spoken by espeak-ng, uploaded through `hub`'s admin API."""
    from audio.engine import EspeakCliEngine
    from audio.voicepack import SPECS
    from audio.wav import wav_bytes

    engine = EspeakCliEngine(150, 1.0)
    needed = hub.request("GET", "/api/admin/voice", token=token)[1]["missing"]
    for clip in needed:
        req = urllib.request.Request(f"{hub.url}/api/admin/voice/clips/{clip}", method="PUT",
                                     data=wav_bytes(engine.synthesize(SPECS[clip].text, "id")),
                                     headers={"Content-Type": "audio/wav", "Authorization": f"Bearer {token}"})
        with urllib.request.urlopen(req, timeout=30) as response:
            assert response.status == 200
    assert hub.request("GET", "/api/admin/voice", token=token)[1]["missing"] == []


def call_heard_on(maker: HubProcess, other: HubProcess, token: str) -> str:
    """An officer on `maker` calls a new ticket; the call's audio_url as a TV connected to `other` gets it."""
    maker.issue("A")
    with connect(f"{other.ws_url}/ws/display") as tv:
        next_event(tv)
        assert maker.request("POST", "/api/counters/1/call-next", token=token)[0] == 200
        event = next_event(tv)
        while event["type"] != "ticket.called":
            event = next_event(tv)
    return event["announcement"]["audio_url"]


def fetch(hub: HubProcess, path: str) -> tuple[int, str, bytes]:
    """GET `path`: status, Cache-Control and body."""
    try:
        with urllib.request.urlopen(hub.url + path, timeout=20) as response:
            return response.status, response.headers.get("Cache-Control", ""), response.read()
    except urllib.error.HTTPError as err:
        return err.code, err.headers.get("Cache-Control", ""), err.read()


def test_clips_recorded_through_one_process_are_used_by_the_other_sharing_the_folder(postgres, tmp_path):
    """With one voice_pack_dir for both processes (docs/operations.md), clips recorded through A are taken in by
    B while it runs: its admin page misses none, and a call made on A is the same sound from either process."""
    url = postgres.create_database()
    site = voice_site(tmp_path, "site", tmp_path / "shared-voice")
    first = HubProcess(tmp_path / "a", site, database=url, audio=True).start()
    second = HubProcess(tmp_path / "b", site, database=url, audio=True).start()
    try:
        token = first.login("koordinator", "1111")
        record_every_clip(first, token)
        wait_for(lambda: second.request("GET", "/api/admin/voice", token=token)[1]["missing"] == [], timeout=15,
                 what="B to take in the clips recorded through A")
        audio_url = call_heard_on(first, second, token)
        on_a, on_b = fetch(first, audio_url), fetch(second, audio_url)
        assert on_a[0] == on_b[0] == 200 and on_b[2] == on_a[2]
        assert "immutable" in on_b[1]  # the same key names the same sound on both
    finally:
        second.stop()
        first.stop()


def test_a_call_another_process_renders_differently_is_still_spoken_there(postgres, tmp_path):
    """B without A's clips (its own folder) answers the URL of A's call with its own rendering of it (spoken,
    not the chime alone, not a 404), not kept by browsers, and counts no missing audio."""
    url = postgres.create_database()
    first = HubProcess(tmp_path / "a", voice_site(tmp_path, "a", tmp_path / "voice-a"), database=url,
                       audio=True).start()
    second = HubProcess(tmp_path / "b", voice_site(tmp_path, "b", tmp_path / "voice-b"), database=url,
                        audio=True).start()
    try:
        token = first.login("koordinator", "1111")
        record_every_clip(first, token)
        audio_url = call_heard_on(first, second, token)
        status, cache, body = fetch(second, audio_url)
        chime = fetch(second, "/audio/chime.wav")[2]
        assert status == 200 and body[:4] == b"RIFF" and len(body) > len(chime) + 22050  # words after the chime
        assert cache == "no-store" and fetch(first, audio_url)[2] != body  # A's sound is its clips, B's its engine
        assert second.request("GET", "/api/health")[1]["audio"]["not_found"] == 0
    finally:
        second.stop()
        first.stop()


def test_a_stopped_database_server_is_refused_at_once_and_the_hub_carries_on_when_it_is_back(tmp_path):
    """While PostgreSQL is stopped, a kiosk's ticket and a log-in get 503 database_unavailable (Indonesian, with
    retry_after) instead of hanging and a 500, sockets get a snapshot or that error, /api/health says the database
    is unavailable and the hub degraded, and the log has no traceback; once it runs again the hub answers as before
    (status ok) and the numbering goes on."""
    from tests.postgres import PostgresServer

    with PostgresServer() as server:  # its own: the session's server serves the other tests
        hub = HubProcess(tmp_path / "data", database=server.create_database()).start()
        try:
            assert hub.issue("A")["number"] == "A001"
            with connect(f"{hub.ws_url}/ws/display") as tv:
                seen = next_event(tv)
            token = hub.login()
            server.pause()
            # A TV that reconnects gets a snapshot of what the process holds (the log cannot be read); a counter
            # panel is told why it cannot be served (its page retries), rather than the socket dying.
            with connect(f"{hub.ws_url}/ws/display?since={seen['seq'] - 1}&epoch={seen['epoch']}") as tv:
                assert next_event(tv)["type"] == "snapshot"
            with connect(f"{hub.ws_url}/ws/counter/1?token={token}") as panel:
                assert next_event(panel)["code"] == "database_unavailable"
            for path, body in (("/api/tickets", {"service": "A"}), ("/api/login", {"username": "budi", "pin": "1234"})):
                status, answer = hub.request("POST", path, body)  # within the client's 10 s, not after 30 s
                assert status == 503 and answer["error"]["code"] == "database_unavailable", answer
                assert "basis data" in answer["error"]["message"] and answer["error"]["retry_after"] > 0
            health = hub.request("GET", "/api/health")[1]
            database = health["database"]
            assert database["status"] == "unavailable" and database["engine"] == "postgresql" and database["since"]
            assert health["status"] == "degraded"  # a monitor that reads only the top says something is wrong
            server.resume()
            wait_for(lambda: hub.request("GET", "/api/health")[1]["database"]["status"] == "ok", timeout=30,
                     what="the hub to see the database again")
            assert hub.request("GET", "/api/health")[1]["status"] == "ok"
            assert hub.issue("A")["number"] == "A002"
            assert "Traceback" not in hub.log()
        finally:
            hub.stop()


def test_requests_queued_during_an_outage_are_all_refused_at_once_and_the_first_after_it_succeeds(tmp_path):
    """Once the hub knows PostgreSQL is stopped, 30 kiosks asking for a ticket at the same moment all get 503
    database_unavailable within the client's 10 s (one after the other, each waiting for a connection, the last
    waited about 30 s); once it runs again the hub finds it by itself and the first ticket asked for is issued."""
    from tests.postgres import PostgresServer

    with PostgresServer() as server:
        hub = HubProcess(tmp_path / "data", database=server.create_database()).start()
        try:
            assert hub.issue("A")["number"] == "A001"
            server.pause()
            wait_for(lambda: hub.request("GET", "/api/health")[1]["database"]["status"] == "unavailable",
                     timeout=30, what="the hub to notice the database is gone")
            with ThreadPoolExecutor(30) as pool:
                answers = list(pool.map(lambda _: hub.request("POST", "/api/tickets", {"service": "A"}), range(30)))
            assert {(status, body["error"]["code"]) for status, body in answers} == {(503, "database_unavailable")}
            server.resume()
            wait_for(lambda: hub.request("GET", "/api/health")[1]["database"]["status"] == "ok", timeout=30,
                     what="the hub to find the database again, with no request asking")
            assert hub.issue("A")["number"] == "A002"
            assert "Traceback" not in hub.log()
        finally:
            hub.stop()
