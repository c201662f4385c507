"""The hub and the announcer together: what TVs get and what the hub's own speakers play."""

from __future__ import annotations

import threading
import wave

from audio.announcer import Announcer
from tests.conftest import site_config, wait_for
from tests.hub.support import act, called_on_display, issue, login, receive_json, running


class RecordingPlayer:
    """Stands in for the hub PC's sound card: records what it was asked to play."""

    def __init__(self) -> None:
        self.played: list[str] = []
        self.lock = threading.Lock()

    def play(self, path) -> None:
        with wave.open(str(path)) as w:
            assert w.getnframes() > 0
        with self.lock:
            self.played.append(str(path))


def site_with_audio(output: str):
    return site_config(audio={"output": output})


def test_call_event_carries_the_announcement_and_the_wav_is_served(tmp_path):
    """ticket.called carries the Indonesian text and a URL that serves the rendered WAV."""
    config = site_with_audio("display")
    with running(tmp_path / "data", config=config,
                 announcer_factory=lambda c, d: Announcer(c, d)) as client:
        called = called_on_display(client)
        wav = client.get(called["announcement"]["audio_url"])
    assert called["type"] == "ticket.called"
    assert called["announcement"]["text"] == "Nomor antrian, a, satu. Silakan menuju loket satu."
    assert wav.status_code == 200 and wav.content[:4] == b"RIFF"


def test_hub_speakers_play_each_committed_call_once(tmp_path):
    """In server mode a call and its recall are played on the hub's speakers, the TVs get no URL."""
    player = RecordingPlayer()
    config = site_with_audio("server")
    with running(tmp_path / "data", config=config,
                 announcer_factory=lambda c, d: Announcer(c, d, player=player)) as client:
        budi = login(client)
        issue(client, "A")
        with client.websocket_connect("/ws/display?zone=lantai-2") as ws:
            receive_json(ws)
            body = act(client, "1", "call-next", budi).json()
            called = receive_json(ws)
        act(client, "1", "recall", budi)
        wait_for(lambda: len(player.played) == 2, what="two playbacks")
    assert body["ticket"]["number"] == "A001"
    assert called["announcement"]["text"].startswith("Nomor antrian") and called["announcement"]["audio_url"] is None
    assert player.played[0] == player.played[1]
