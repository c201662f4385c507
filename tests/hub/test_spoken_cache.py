"""Issue 9 item 3: a call's WAV stays on the hub while a TV may still play it, whatever the cache size."""

from __future__ import annotations

import pytest

from audio.announcer import Announcer
from audio.settings import minimum_cache_files
from config.site import ConfigError, load_config
from tests.conftest import TEST_CONFIG, site_config, wait_for
from tests.hub.support import act, issue, login, receive_json, receive_until, running


def test_calls_not_yet_played_keep_their_wav_at_the_minimum_cache_size(tmp_path):
    """cache_max_files at its minimum, 12 calls across 4 counters, then the hub pre-renders a long waiting
    line: when the TVs get round to each call, every WAV is still there and spoken, nothing counted lost."""
    config = load_config(TEST_CONFIG)
    smallest = minimum_cache_files(len(config.zones), len(config.counters))
    with running(tmp_path / "data", config=site_config(audio={"cache_max_files": smallest}),
                 announcer_factory=lambda c, d: Announcer(c, d)) as client:
        announcer = client.app.state.announcer
        officers = {"1": login(client), "2": login(client), "3": login(client, "sari", "2345"),
                    "4": login(client, "sari", "2345")}
        for service in "AABBCC" * 3:
            issue(client, service)
        urls = []
        with client.websocket_connect("/ws/display") as tv:  # a TV showing every zone
            receive_json(tv)
            for n in range(12):
                cid = "1234"[n % 4]
                assert act(client, cid, "call-next", officers[cid]).status_code == 200
                urls.append(receive_until(tv, "ticket.called")[-1]["announcement"]["audio_url"])
        assert len(set(urls)) == 12
        # Meanwhile the hall renders what it expects next, as on a busy morning: more than the cache holds.
        counters = [{"id": c.id, "name": c.name, "zone": c.zone} for c in config.counters.values()]
        line = [({"id": 1000 + n, "number": f"A{100 + n}", "service": "A"}, counters[n % 4]) for n in range(60)]
        for start in range(0, 60, 20):
            announcer.prerender(line[start:start + 20])
            wait_for(lambda: announcer.synth.pending_prerenders() == 0, timeout=60, what="the pre-renders")
        assert announcer.synth.syntheses > smallest + 12 and len(announcer.cache) <= smallest
        chime = client.get("/audio/chime.wav").content
        for url in urls:  # the TV plays the calls one after another, after the pre-renders
            response = client.get(url)
            assert response.status_code == 200 and response.content != chime, url
            assert response.headers["cache-control"].endswith("immutable")
        assert client.get("/api/health").json()["audio"]["not_found"] == 0


def test_a_missing_call_wav_is_counted_in_health(tmp_path):
    """A call whose WAV is gone when a TV asks (deleted behind the hub's back) is counted in /api/health."""
    with running(tmp_path / "data", config=site_config(), announcer_factory=lambda c, d: Announcer(c, d)) as client:
        budi = login(client)
        issue(client, "A")
        with client.websocket_connect("/ws/display?zone=lantai-2") as tv:
            receive_json(tv)
            act(client, "1", "call-next", budi)
            url = receive_json(tv)["announcement"]["audio_url"]
        assert client.get(url).status_code == 200
        announcer = client.app.state.announcer
        announcer.cache.path(url[7:-4]).unlink()
        assert client.get(url).headers["cache-control"] == "no-store"  # the chime alone
        assert client.get("/audio/" + "0" * 24 + ".wav").status_code == 404
        audio = client.get("/api/health").json()["audio"]
    assert audio["not_found"] == 2
    assert audio["last_not_found"].startswith("0" * 24)


def test_a_cache_too_small_for_the_site_stops_the_hub_with_the_minimum():
    """cache_max_files below what the site's zones and counters need is a configuration error naming it."""
    with pytest.raises(ConfigError) as caught:
        site_config(audio={"cache_max_files": 10})
    assert caught.value.key == "audio.cache_max_files"
    assert "at least 32" in caught.value.problem and "2 zone(s)" in caught.value.problem
    assert "paling sedikit 32" in caught.value.message_id
