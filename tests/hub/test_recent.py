"""The displays' last calls are kept per zone: live, in a fresh snapshot and after a hub restart (read back from
the ticket history, on SQLite and on PostgreSQL)."""

from __future__ import annotations

from tests.hub.support import Clock, act, issue, login, receive_json, running


def quiet_zone_then_busy_zone(client, clock: Clock) -> None:
    """Issue #9's scenario: Loket 4 (lantai-3) calls C001, then Loket 1 and 2 (lantai-2) make 12 calls."""
    sari, budi = login(client, "sari", "2345"), login(client, "budi", "1234")
    issue(client, "C")
    clock.advance(seconds=1)
    assert act(client, "4", "call-next", sari).json()["ticket"]["number"] == "C001"
    for i in range(12):
        issue(client, "A")
        clock.advance(seconds=1)
        assert act(client, "12"[i % 2], "call-next", budi).json()["ticket"]["number"] == f"A{i + 1:03d}"


def numbers(recent: list[dict]) -> list[str]:
    return [r["number"] for r in recent]


def test_a_quiet_zone_keeps_its_last_call_after_a_busy_zone_called_twelve(tmp_path, database_url):
    """lantai-3 still shows C001 after 12 calls in lantai-2: in /api/state, a fresh display's snapshot
    and after the hub restarts; the all-zones list holds the 12 newest calls of the hall."""
    clock = Clock()
    with running(tmp_path / "data", clock, database_url=database_url) as client:
        quiet_zone_then_busy_zone(client, clock)
        assert numbers(client.get("/api/state?zone=lantai-3").json()["recent"]) == ["C001"]
        with client.websocket_connect("/ws/display?zone=lantai-3") as ws:
            snapshot = receive_json(ws)
        assert numbers(snapshot["recent"]) == ["C001"]
        busy = [f"A{n:03d}" for n in range(12, 0, -1)]
        assert numbers(client.get("/api/state?zone=lantai-2").json()["recent"]) == busy
        assert numbers(client.get("/api/state").json()["recent"]) == busy

    with running(tmp_path / "data", clock, database_url=database_url) as client:
        assert numbers(client.get("/api/state?zone=lantai-3").json()["recent"]) == ["C001"]
        assert numbers(client.get("/api/state?zone=lantai-2").json()["recent"]) == busy
        assert numbers(client.get("/api/state").json()["recent"]) == busy


def test_a_ticket_called_again_in_another_zone_leaves_the_first_zones_list(tmp_path, database_url):
    """Each zone lists a ticket once at most, where it was last announced; a recall moves it to the top, and a
    restart reads the same lists back (from the ticket history)."""
    clock = Clock()
    with running(tmp_path / "data", clock, database_url=database_url) as client:
        budi, sari = login(client, "budi", "1234"), login(client, "sari", "2345")
        issue(client, "A")
        issue(client, "A")
        act(client, "1", "call-next", budi)
        clock.advance(seconds=5)
        act(client, "4", "call-next", sari)
        clock.advance(seconds=5)
        act(client, "4", "recall", sari)
        assert numbers(client.get("/api/state?zone=lantai-2").json()["recent"]) == ["A001"]
        assert numbers(client.get("/api/state?zone=lantai-3").json()["recent"]) == ["A002"]
        assert numbers(client.get("/api/state").json()["recent"]) == ["A002", "A001"]
        live = client.get("/api/state").json()["recent"]

    # The recall's time and counter are read back.
    with running(tmp_path / "data", clock, database_url=database_url) as client:
        assert client.get("/api/state").json()["recent"] == live
