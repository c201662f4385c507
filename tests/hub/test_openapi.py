"""/api/openapi.json: generated from the routes and the payload models; real answers match it."""

from __future__ import annotations

import http.client
import json
import re
from datetime import date, timedelta
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator
from websockets.sync.client import connect

from audio.engine import EspeakCliEngine
from audio.wav import wav_bytes
from config.site import load_config
from server.events import EVENT_TYPES
from server.openapi import http_routes
from tests.conftest import TEST_CONFIG, HubProcess
from tests.hub.support import running
from tests.survey.support import ALL_FOUR

pytestmark = pytest.mark.e2e

PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000"
                    "1f15c4890000000d49444154789c63000100000500010d0a2db40000000049454e44ae426082")


class Checker:
    """Sends requests to a real hub and checks each answer against the operation the document gives for it."""

    def __init__(self, hub: HubProcess, doc: dict) -> None:
        self.hub = hub
        self.doc = doc
        self.seen: set[tuple[str, str]] = set()
        self.last_status = 0

    def operation(self, method: str, path: str) -> tuple[str, dict]:
        """The document's operation for a request, as the router picks it: a path with fewer parameters
        (/api/counters/{id}/call-next) before a more general one (/api/counters/{id}/{action})."""
        bare = path.split("?")[0]
        matches = [(template, item[method.lower()]) for template, item in self.doc["paths"].items()
                   if method.lower() in item and re.fullmatch(re.sub(r"\\{\w+\\}", "[^/]+", re.escape(template)), bare)]
        assert matches, f"{method} {bare} is not in the document"
        return min(matches, key=lambda m: m[0].count("{"))

    def __call__(self, method: str, path: str, body: object = None, *, token: str | None = None,
                 raw: bytes | None = None, headers: dict | None = None, status: int | None = None) -> object:
        """Send one request; the answer's status must be documented for it, and its body match the schema."""
        conn = http.client.HTTPConnection("127.0.0.1", self.hub.port, timeout=30)
        sent = {"Content-Type": "application/json", **(headers or {})}
        if token:
            sent["Authorization"] = f"Bearer {token}"
        data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
        conn.request(method, path, body=data, headers=sent)
        response = conn.getresponse()
        content = response.read()
        conn.close()
        template, op = self.operation(method, path)
        self.seen.add((method.lower(), template))
        self.last_status = response.status
        code = str(response.status)
        if status is not None:
            assert response.status == status, (method, path, response.status, content[:300])
        assert code in op["responses"], f"{method} {path} answered {code}, not documented: {content[:200]!r}"
        documented = op["responses"][code].get("content")
        if documented is None:  # a redirect
            assert not content, (path, content[:100])
            return None
        media = response.getheader("content-type", "").split(";")[0]
        if "application/json" in documented and media == "application/json":
            value = json.loads(content)
            schema = {**documented["application/json"].get("schema", {}), "components": self.doc["components"]}
            errors = sorted(Draft202012Validator(schema).iter_errors(value), key=str)
            assert not errors, f"{method} {path} {code}: {errors[0].message} at {list(errors[0].absolute_path)}"
            return value
        def fits(declared: str) -> bool:
            family = declared.split("/")[0]
            return media == declared or declared.endswith("/*") and media.startswith(family + "/") or \
                declared == "image/* or video/*" and media.split("/")[0] in ("image", "video")

        assert any(fits(declared) for declared in documented if declared != "application/json"), (path, media,
                                                                                                   list(documented))
        return content


@pytest.fixture(scope="module")
def site_file(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("site")
    (folder / "logo.png").write_bytes(PNG)
    (folder / "media").mkdir()
    (folder / "media" / "poster.png").write_bytes(PNG)
    text = TEST_CONFIG.read_text().replace("tickets_per_minute = 0", "tickets_per_minute = 1\ntickets_burst = 40")
    text = text.replace('running_text = "', 'logo = "logo.png"\nrunning_text = "', 1)
    text = text.replace('code = "C"\n', 'code = "C"\ndaily_quota = 1\n', 1)
    (folder / "site.toml").write_text(text + '\n[display]\nmedia_dir = "media"\n')
    return folder / "site.toml"


def test_every_route_of_the_app_is_documented(tmp_path, site_file):
    """Each HTTP route the app serves (pages, files and the API) is in the document, with every method."""
    with running(tmp_path / "data", config=load_config(site_file)) as client:
        doc = client.get("/api/openapi.json").json()
        routes = http_routes(client.app.routes)
    assert doc["openapi"] == "3.1.0" and doc["info"]["title"]
    methods: dict[str, set[str]] = {}  # a path may have a route per method (GET and PUT /api/admin/config)
    for route in routes:
        methods.setdefault(route.path, set()).update(m.lower() for m in route.methods - {"HEAD"})
    for route in routes:
        item = doc["paths"].get(route.path)
        assert item, f"{route.path} is not documented"
        assert set(item) == methods[route.path], route.path
        for op in item.values():
            assert op["summary"] != "UNDOCUMENTED" and op["responses"], route.path
            for name in re.findall(r"{(\w+)}", route.path):
                assert any(p["name"] == name and p["in"] == "path" for p in op["parameters"]), route.path
    assert set(doc["paths"]) == {r.path for r in routes}  # the audio routes: on the real hub below
    messages = doc["x-websocket-messages"]  # the WebSocket side: every event kind and message, by type
    assert set(messages) == set(EVENT_TYPES) | {"snapshot", "ticket.status", "heartbeat", "pong", "error"}
    for ref in messages.values():
        assert ref["$ref"].rsplit("/", 1)[1] in doc["components"]["schemas"]


def test_real_answers_match_the_document(tmp_path, site_file):
    """On a real hub with spoken calls, an answer of every documented route, errors included, matches its schema."""
    hub = HubProcess(tmp_path / "data", config=site_file, audio=True).start()
    try:
        status, doc = hub.request("GET", "/api/openapi.json")
        assert status == 200
        check = Checker(hub, doc)
        check("GET", "/api/openapi.json", status=200)
        check("GET", "/api/health", status=200)
        check("GET", "/api/state", status=200)
        check("GET", "/api/state?zone=lantai-3", status=200)
        check("GET", "/api/state?zone=atap", status=404)

        first = check("POST", "/api/tickets", {"service": "A"}, status=201)["ticket"]
        check("POST", "/kiosk/api/tickets", {"service": "B", "priority": True, "kiosk": "lobi"}, status=201)
        check("POST", "/api/tickets", {"service": "C"}, status=201)
        check("POST", "/api/tickets", {"service": "C"}, status=409)  # quota of one
        check("POST", "/api/tickets", {"service": "Z"}, status=404)
        check("POST", "/api/tickets", {}, status=422)
        check("POST", "/api/tickets", raw=b"{", status=400)
        check("POST", "/api/tickets", raw=b"service=A", headers={"Content-Type": "text/plain"}, status=415)
        check("POST", "/api/tickets", raw=b"{" + b" " * 20_000 + b"}", status=413)
        check("GET", f"/api/tickets/{first['token']}", status=200)
        check("GET", "/api/tickets/nope", status=404)

        check("POST", "/api/login", {"username": "budi", "pin": "0000"}, status=401)
        token = check("POST", "/api/login", {"username": "budi", "pin": "1234"}, status=200)["token"]
        sari = check("POST", "/api/login", {"username": "sari", "pin": "2345"}, status=200)["token"]
        admin_token = check("POST", "/api/login", {"username": "koordinator", "pin": "1111"}, status=200)["token"]
        check("GET", "/api/me", token=token, status=200)
        check("GET", "/api/me", status=401)
        check("GET", "/api/counters/1", status=200)
        check("GET", "/api/counters/99", status=404)

        with connect(hub.ws_url + "/ws/display") as ws:
            json.loads(ws.recv(10))
            check("POST", "/api/counters/1/call-next", token=token, status=200)
            called = json.loads(ws.recv(10))
        assert called["type"] == "ticket.called" and called["announcement"]["audio_url"]
        schema = {**doc["x-websocket-messages"]["ticket.called"], "components": doc["components"]}
        assert not list(Draft202012Validator(schema).iter_errors(called)), "the event matches the document too"
        check("POST", "/api/counters/1/call-next", token=sari, status=403)
        check("POST", "/api/counters/99/call-next", token=token, status=404)
        check("POST", "/api/counters/1/recall", token=token, status=200)
        here = called["ticket"]["service"]
        check("POST", "/api/counters/1/transfer", {"service": here}, token=token, status=400)
        check("POST", "/api/counters/1/transfer", {}, token=token, status=422)
        check("POST", "/api/counters/1/transfer", {"service": "A" if here == "B" else "B"}, token=token, status=200)
        check("POST", "/api/counters/1/call-next", token=token, status=200)
        no_show = check("POST", "/api/counters/1/skip", token=token, status=200)["ticket"]
        check("POST", "/api/counters/1/done", token=token, status=409)
        assert [t["id"] for t in check("GET", "/api/counters/1/skipped", token=token, status=200)["tickets"]] == [
            no_show["id"]]
        check("GET", "/api/counters/1/skipped", status=401)
        check("POST", "/api/counters/1/reinstate", {"ticket": no_show["id"]}, token=token, status=200)
        check("POST", "/api/counters/1/reinstate", {"ticket": no_show["id"]}, token=token, status=409)  # waiting
        check("POST", "/api/counters/1/reinstate", {"ticket": "x"}, token=token, status=422)
        check("POST", "/api/counters/1/call-next", token=token, status=200)
        again = check("POST", "/api/counters/1/skip", token=token, status=200)["ticket"]
        check("POST", "/api/counters/1/call-skipped", {"ticket": again["id"]}, token=token, status=200)
        check("POST", "/api/counters/1/call-skipped", {"ticket": 99999}, token=token, status=404)
        check("POST", "/api/counters/1/call-next", token=token, status=200)
        served = check("POST", "/api/counters/1/done", token=token, status=200)["ticket"]
        survey = f"/api/survey/{served['token']}"
        check("GET", survey, status=200)
        check("GET", "/api/survey/UnknownToken123", status=404)
        waiting = check("POST", "/api/tickets", {"service": "B"}, status=201)["ticket"]
        check("POST", f"/api/survey/{waiting['token']}", {"answers": ALL_FOUR}, status=409)  # not served
        check("POST", survey, {"answers": {**ALL_FOUR, "biaya": 5}}, status=422)
        check("POST", survey, raw=b"{", status=400)
        check("POST", survey, raw=b"answers", headers={"Content-Type": "text/plain"}, status=415)
        check("POST", survey, raw=b"{" + b" " * 20_000 + b"}", status=413)
        check("POST", survey, {"answers": ALL_FOUR, "saran": "Bagus.", "profile": {"usia": "20_29"}}, status=201)
        check("POST", survey, {"answers": ALL_FOUR}, status=409)
        check("POST", "/api/survey/UnknownToken123", {"answers": ALL_FOUR}, status=404)
        finished = date.fromisoformat(served["finished_at"][:10])  # UTC: the site's local day is within a day
        ikm = f"/api/reports/ikm?from={finished - timedelta(days=1)}&to={finished + timedelta(days=1)}"
        check("GET", ikm, token=token, status=403)  # a petugas
        check("GET", ikm, status=401)
        check("GET", ikm + "&service=Z", token=admin_token, status=422)
        check("GET", "/api/reports/ikm?from=2026-02-30&to=2026-03-01", token=admin_token, status=422)
        assert check("GET", ikm, token=admin_token, status=200)["respondents"] == 1
        assert check("GET", ikm + "&format=xlsx", token=admin_token, status=200)[:2] == b"PK"
        check("GET", "/survey?counter=1", status=200)
        check("GET", "/survey?counter=99", status=404)
        check("GET", "/admin/ikm", status=200)
        check("POST", "/api/counters/1/pause", token=token, status=200)
        check("POST", "/api/counters/1/call-next", token=token, status=409)
        check("POST", "/api/counters/1/resume", token=token, status=200)
        check("POST", "/api/counters/1/close", token=token, status=200)
        check("POST", "/api/counters/1/dance", token=token, status=404)
        check("POST", "/api/counters/1/close", status=401)
        check("POST", "/api/logout", token=token, status=200)

        audio = called["announcement"]["audio_url"]
        check("GET", audio, status=200)
        check("GET", "/audio/chime.wav", status=200)
        check("GET", "/audio/0123456789abcdef.wav", status=404)

        voice, wav = "/api/admin/voice", {"Content-Type": "audio/wav"}
        recorded = wav_bytes(EspeakCliEngine(150, 1.0).synthesize("loket", "id"))
        check("GET", voice, token=admin_token, status=200)
        check("GET", voice, token=sari, status=403)
        check("GET", voice, status=401)
        check("PUT", voice + "/clips/loket", raw=recorded, headers=wav, token=admin_token, status=200)
        check("PUT", voice + "/clips/loket", raw=b"RIFF halo", headers=wav, token=admin_token, status=422)
        check("PUT", voice + "/clips/lokett", raw=recorded, headers=wav, token=admin_token, status=404)
        check("PUT", voice + "/clips/loket", raw=recorded, token=admin_token, status=415)
        check("PUT", voice + "/clips/loket", raw=bytes(6 << 20), headers=wav, token=admin_token, status=413)
        check("PUT", voice + "/clips/loket", raw=recorded, headers=wav, token=sari, status=403)
        assert check("GET", voice + "/clips/loket", token=admin_token, status=200)[:4] == b"RIFF"
        check("GET", voice + "/clips/satu", token=admin_token, status=404)
        preview = check("POST", voice + "/preview", {"number": "A1", "counter": "1"}, token=admin_token, status=200)
        check("GET", preview["audio_url"], status=200)
        check("POST", voice + "/preview", {"number": "A1", "counter": "99"}, token=admin_token, status=404)
        check("POST", voice + "/preview", {"number": "1", "counter": "1"}, token=admin_token, status=422)
        check("POST", voice + "/preview", raw=b"{", token=admin_token, status=400)
        check("DELETE", voice + "/clips/loket", token=admin_token, status=200)
        check("DELETE", voice + "/clips/loket", token=admin_token, status=404)
        check("GET", "/admin/voice", status=200)

        check("GET", "/display?zone=lantai-2", status=200)
        check("GET", "/display?zone=atap", status=404)
        check("GET", "/display/logo", status=200)
        check("GET", "/display/media", status=200)
        check("GET", "/display/media/poster.png", status=200)
        check("GET", "/display/media/none.png", status=404)
        check("GET", "/counter", status=200)
        check("GET", "/admin", status=200)
        check("GET", "/kiosk?id=lobi", status=200)
        check("GET", f"/kiosk/qr/{first['token']}.svg", status=200)
        check("GET", "/kiosk/qr/UnknownToken123.svg", status=404)
        check("GET", f"/t/{first['token']}", status=200)
        check("GET", "/t/UnknownToken123", status=404)
        check("GET", "/t/", status=404)
        check("GET", "/", status=307)

        admin = check("POST", "/api/login", {"username": "koordinator", "pin": "1111"}, status=200)["token"]
        current = check("GET", "/api/admin/config", token=admin, status=200)
        check("GET", "/api/admin/config?version=99", token=admin, status=404)
        check("GET", "/api/admin/config", status=401)
        check("GET", "/api/admin/config", token=sari, status=403)
        edited = {**current["config"], "site": {**current["config"]["site"], "running_text": "Teks baru"}}
        version = check("PUT", "/api/admin/config", {"version": current["version"], "config": edited}, token=admin,
                        status=200)["version"]
        check("PUT", "/api/admin/config", {"version": current["version"], "config": edited}, token=admin, status=409)
        wrong = {**edited, "site": {**edited["site"], "tickets_burst": 0}}
        check("PUT", "/api/admin/config", {"version": version, "config": wrong}, token=admin, status=422)
        check("PUT", "/api/admin/config", {"version": version, "config": edited}, token=sari, status=403)
        check("PUT", "/api/admin/config", raw=b"{", token=admin, status=400)
        check("PUT", "/api/admin/config", raw=b"{}", headers={"Content-Type": "text/plain"}, token=admin, status=415)
        check("PUT", "/api/admin/config", raw=b" " * (1 << 21), token=admin, status=413)
        toml = check("GET", "/api/admin/config.toml", token=admin, status=200)
        as_toml = {"Content-Type": "application/toml"}
        check("PUT", f"/api/admin/config.toml?version={version}", raw=toml, headers=as_toml, token=admin, status=200)
        check("PUT", "/api/admin/config.toml?version=1", raw=toml, headers=as_toml, token=admin, status=409)
        check("GET", "/api/admin/audit?limit=5", token=admin, status=200)
        check("GET", "/api/admin/audit?limit=0", token=admin, status=422)
        check("GET", "/api/admin/schema", token=admin, status=200)
        check("GET", "/api/admin/media", token=admin, status=200)

        kiosk = check("POST", "/api/admin/devices", {"kind": "kiosk", "name": "Kios Lobi", "kiosk": "lobi"},
                      token=admin, status=201)["device"]
        tv = check("POST", "/api/admin/devices", {"kind": "display", "name": "TV", "zone": "lantai-2"}, token=admin,
                   status=201)["device"]
        check("POST", "/api/admin/devices", {"kind": "toaster", "name": "X"}, token=admin, status=422)
        check("POST", "/api/admin/devices", {"kind": "display", "name": "X", "zone": "atap"}, token=admin, status=404)
        check("POST", "/api/admin/devices", {"kind": "kiosk", "name": "X"}, token=sari, status=403)
        check("GET", "/api/admin/devices", token=admin, status=200)
        check("GET", "/api/admin/devices", status=401)
        code = check("POST", f"/api/admin/devices/{tv['id']}/pairing-code", token=admin, status=200)["device"][
            "pairing_code"]
        check("GET", f"/api/admin/devices/{tv['id']}/qr.svg", token=admin, status=200)
        check("GET", "/api/admin/devices/99/qr.svg", token=admin, status=404)
        check("POST", "/api/devices/pair", {"code": "12345"}, status=404)
        check("POST", "/api/devices/pair", {"code": code}, status=200)
        check("POST", "/api/tickets", {"service": "A"}, headers={"X-Device-Token": kiosk["token"]}, status=201)
        check("DELETE", f"/api/admin/devices/{kiosk['id']}", token=admin, status=200)
        check("DELETE", f"/api/admin/devices/{kiosk['id']}", token=admin, status=404)
        check("POST", "/api/tickets", {"service": "A"}, headers={"X-Device-Token": kiosk["token"]}, status=403)
        with connect(hub.ws_url + f"/ws/display?page=display&device={tv['token']}") as ws:
            json.loads(ws.recv(10))
            ws.send(json.dumps({"type": "status", "sound": "on"}))
            board = check("GET", "/api/admin/health", token=admin, status=200)
        assert any(row["id"] == tv["id"] and row["online"] for row in board["devices"])
        check("GET", "/api/admin/health", token=sari, status=403)
        check("GET", "/api/admin/backup", token=admin, status=200)
        check("GET", "/api/admin/backup", token=sari, status=403)
        check("GET", "/admin/devices", status=200)
        check("GET", "/admin/health", status=200)
        check("GET", "/pair", status=200)

        day = hub.request("GET", "/api/health")[1]["day"]
        period = f"from={day}&to={day}"
        for by in ("service", "officer"):
            check("GET", f"/api/reports/summary?{period}&by={by}", token=admin, status=200)
        check("GET", f"/api/reports/summary?{period}&by=day&format=csv", token=admin, status=200)
        check("GET", f"/api/reports/summary?{period}&by=hour&format=xlsx", token=admin, status=200)
        check("GET", f"/api/reports/summary?{period}&by=week", token=admin, status=422)
        check("GET", f"/api/reports/summary?{period}&by=service", token=sari, status=403)
        check("GET", f"/api/reports/summary?{period}&by=service", status=401)
        check("GET", f"/api/reports/hours?{period}", token=admin, status=200)
        check("GET", f"/api/reports/recap?month={day[:7]}", token=admin, status=200)
        check("GET", f"/api/reports/recap?month={day[:7]}&format=xlsx", token=admin, status=200)
        check("GET", "/api/reports/recap?month=2026-13", token=admin, status=422)
        check("GET", "/admin/reports", status=200)

        for _ in range(41):  # one device: 40 tickets at once at most (tickets_burst)
            check("POST", "/api/tickets", {"service": "A"})
            if check.last_status == 429:
                break
        assert check.last_status == 429
        for _ in range(4):
            check("POST", "/api/login", {"username": "sari", "pin": "0000"})
        check("POST", "/api/login", {"username": "sari", "pin": "2345"}, status=429)

        missing = {(method, path) for path, item in doc["paths"].items() for method in item} - check.seen
        assert not missing, f"documented but never checked: {sorted(missing)}"
    finally:
        hub.stop()

