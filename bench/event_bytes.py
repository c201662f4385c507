"""Bytes one call-next sends to each display: payload and wire bytes per call.

    .venv/bin/python bench/event_bytes.py              # text-only calls (--no-audio)
    .venv/bin/python bench/event_bytes.py --audio      # with spoken calls (espeak-ng): events carry the WAV's URL

Starts `run.py` on the test site (tests/site.toml: open all day), opens one
display WebSocket on zone lantai-2, issues tickets and has Loket 1 call next
`--calls` times with a ticket at the desk (the usual case: call-next also
finishes the citizen being served). After each call a ticket of service C is
issued: its `ticket.issued` event marks the end of that call's events, so
every frame before it belongs to the call (the hub's heartbeats, sent every
2 s whatever happens, are left out). Reports the event kinds and the
bytes per call per display: JSON payload, and on the wire (WebSocket frame
headers included; the hub sends uncompressed frames).
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

from websockets.sync.client import connect

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.conftest import HubProcess  # noqa: E402


def frame_header(n: int) -> int:
    """Bytes of an unmasked server-to-client frame header for an n-byte payload (RFC 6455 §5.2)."""
    return 2 if n < 126 else 4 if n < 1 << 16 else 10


def measure(calls: int, audio: bool) -> dict:
    data = Path(tempfile.mkdtemp(prefix="mpp-bytes-"))
    hub = HubProcess(data / "data", audio=audio).start()  # run.py on tests/site.toml
    try:
        for _ in range(calls + 1):
            hub.issue("A")
        token = hub.login()
        hub.request("POST", "/api/counters/1/call-next", token=token)  # a ticket at the desk from now on
        payloads, wires, kinds = [], [], []
        with connect(f"{hub.ws_url}/ws/display?zone=lantai-2", compression=None) as ws:
            assert json.loads(ws.recv(10))["type"] == "snapshot"
            for _ in range(calls):
                hub.request("POST", "/api/counters/1/call-next", token=token)
                hub.issue("C")  # the end marker
                payload = wire = 0
                seen = []
                while True:
                    text = ws.recv(10)
                    event = json.loads(text)
                    if event["type"] == "ticket.issued" and event["ticket"]["service"] == "C":
                        break
                    if event["type"] == "heartbeat":  # every 2 s whatever happens: not the call's
                        continue
                    n = len(text.encode())
                    payload += n
                    wire += n + frame_header(n)
                    seen.append(event["type"])
                payloads.append(payload)
                wires.append(wire)
                kinds.append(seen)
        return {"audio": audio, "calls": calls, "events_per_call": kinds[-1],
                "payload_bytes": statistics.median(payloads), "wire_bytes": statistics.median(wires),
                "payload_min_max": [min(payloads), max(payloads)]}
    finally:
        hub.stop()
        shutil.rmtree(data, ignore_errors=True)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--calls", type=int, default=20)
    p.add_argument("--audio", action="store_true", help="spoken calls on (espeak-ng)")
    args = p.parse_args()
    print(json.dumps(measure(args.calls, args.audio)))


if __name__ == "__main__":
    main()
