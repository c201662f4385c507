"""The pyttsx3 worker process: pyttsx3 initialised once, phrases in and WAVs out over a pipe.

Started by `audio.worker.WorkerProcess` as `python audio/pyttsx3_worker.py`
(by path, so it needs nothing but the standard library and pyttsx3). Running
pyttsx3 in its own process is what makes it safe to use: when its
`runAndWait` hangs (it can, see docs/audio.md) the hub kills this process
and starts another, and nothing in the hub is stuck.

Protocol, both directions: frames of a 4-byte big-endian header length, a
UTF-8 JSON header, then `header["size"]` bytes of payload (0 if absent).

- First frame from the worker: `{"ready": true, "version": "pyttsx3 2.99; espeak-ng 1.51", "pid": 123}`,
  or `{"ready": false, "error": "..."}` and exit 1.
- Request: `{"text": "...", "voice": "id", "rate": 150, "volume": 1.0}`, no payload.
- Reply: `{"ok": true, "size": N}` and N bytes of WAV as pyttsx3 wrote it (not checked here: the hub
  checks every render), or `{"ok": false, "error": "..."}`.

The worker exits when its input closes (the hub stopped or died).
"""

from __future__ import annotations

import io
import json
import os
import signal
import struct
import sys
from typing import BinaryIO

HEADER = struct.Struct(">I")
MAX_HEADER = 64 * 1024  # a request is a phrase; anything bigger is a broken pipe, not a request


def write_frame(out: BinaryIO, header: dict, payload: bytes = b"") -> None:
    """Write one frame: header length, JSON header (with "size" when there is a payload), payload."""
    if payload:
        header = {**header, "size": len(payload)}
    blob = json.dumps(header).encode("utf-8")
    out.write(HEADER.pack(len(blob)) + blob + payload)
    out.flush()


def read_frame(source: BinaryIO) -> tuple[dict, bytes] | None:
    """Read one frame from a blocking stream; None at a clean end of input."""
    head = source.read(HEADER.size)
    if not head:
        return None
    if len(head) < HEADER.size:
        raise EOFError("truncated frame header")
    (length,) = HEADER.unpack(head)
    if length > MAX_HEADER:
        raise ValueError(f"frame header of {length} bytes")
    header = json.loads(source.read(length))
    size = int(header.get("size", 0))
    payload = source.read(size) if size else b""
    if len(payload) < size:
        raise EOFError("truncated frame payload")
    return header, payload


class Speaker:
    """pyttsx3's espeak driver, initialised once, saying one phrase at a time into memory."""

    def __init__(self) -> None:
        from importlib import metadata

        import pyttsx3
        import pyttsx3.drivers._espeak as espeak_lib
        import pyttsx3.drivers.espeak as espeak_driver

        espeak_driver.print = lambda *args, **kwargs: None  # "Audio saved to ..." for every phrase
        self.engine = pyttsx3.init("espeak")
        self.errors: list[str] = []
        self.engine.connect("error", self._on_error)
        self.current: dict[str, object] = {}  # properties as last set: setting the voice reloads it (~5 ms)
        library = (espeak_lib.Info(None) or b"?").decode(errors="replace")
        self.version = f"pyttsx3 {metadata.version('pyttsx3')}; espeak-ng {library}"

    def _on_error(self, name: str | None = None, exception: BaseException | None = None) -> None:
        self.errors.append(f"{type(exception).__name__}: {exception}" if exception else "unknown pyttsx3 error")

    def say(self, text: str, voice: str, rate: int, volume: float) -> bytes:
        """The WAV bytes pyttsx3 writes for `text`. Raises RuntimeError on an error pyttsx3 reported."""
        self.errors.clear()
        for name, value in (("rate", rate), ("volume", volume), ("voice", voice)):
            if self.current.get(name) != value:
                # An unknown voice is not an exception here: pyttsx3 reports it as an "error"
                # notification and goes on in the previous voice, so errors are checked below.
                self.engine.setProperty(name, value)
                self.current[name] = value
        buffer = io.BytesIO()  # in memory: writing cannot fail inside espeak's callback
        self.engine.save_to_file(text, buffer)
        self.engine.runAndWait()
        if self.errors:
            self.current.clear()  # set everything again next time
            raise RuntimeError(f"pyttsx3 reported {self.errors[0]} (voice {voice!r})")
        return buffer.getvalue()


def main() -> int:
    # Ctrl+C in the hub's terminal reaches this process too: the hub decides when it ends (it closes our input).
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # The protocol owns the original stdout; anything printed from now on (by pyttsx3 or
    # libespeak-ng) goes to stderr, i.e. the hub's log, instead of corrupting a frame.
    out = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    source = sys.stdin.buffer
    try:
        speaker = Speaker()
    except Exception as exc:  # libespeak-ng missing, pyttsx3 missing: the hub says what to install
        write_frame(out, {"ready": False, "error": f"{type(exc).__name__}: {exc}"})
        return 1
    write_frame(out, {"ready": True, "version": speaker.version, "pid": os.getpid()})
    while (frame := read_frame(source)) is not None:
        request, _ = frame
        try:
            wav = speaker.say(str(request["text"]), str(request["voice"]), int(request["rate"]),
                              float(request["volume"]))
        except Exception as exc:
            write_frame(out, {"ok": False, "error": f"{type(exc).__name__}: {exc}"})
            continue
        write_frame(out, {"ok": True}, wav)
    return 0


if __name__ == "__main__":
    sys.exit(main())
