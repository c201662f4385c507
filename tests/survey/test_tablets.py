"""The counter tablets' socket /ws/survey/{counter} (survey/tablets.py) through TestClient."""

from __future__ import annotations

import pytest
from starlette.websockets import WebSocketDisconnect

from tests.conftest import site_config, wait_for
from tests.hub.support import Clock, act, assert_nothing_more, issue, login, receive_json, running
from tests.survey.support import answer, served


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def client(tmp_path, clock):
    with running(tmp_path / "data", clock) as client:
        yield client


def test_selesai_offers_the_survey_to_that_counters_tablet_only(client):
    """ticket.done at Loket 1: its tablet gets survey.offer with the ticket's token; Loket 2's gets nothing."""
    budi = login(client)
    with client.websocket_connect("/ws/survey/1") as one, client.websocket_connect("/ws/survey/2") as two:
        hello = receive_json(one)
        assert hello["type"] == "survey.tablet" and hello["counter"]["name"] == "Loket 1" and hello["offer"] is None
        assert hello["settings"] == {"idle_seconds": 45, "thanks_seconds": 6}
        receive_json(two)
        ticket = served(client, budi, "1")
        offer = receive_json(one)
        assert offer["type"] == "survey.offer" and offer["token"] == ticket["token"]
        assert offer["ticket"] == {"id": ticket["id"], "number": ticket["number"], "service_name": "Perekaman KTP-el"}
        assert offer["counter"]["id"] == "1" and offer["expires_at"] > offer["finished_at"]
        assert_nothing_more(one)
        assert_nothing_more(two)


def test_call_next_finishing_the_desks_ticket_offers_it(client):
    """ticket.called with `finished`: the finished ticket's survey is offered, not the called one's."""
    budi = login(client)
    first, _ = issue(client), issue(client)
    act(client, "1", "call-next", budi)
    with client.websocket_connect("/ws/survey/1") as tablet:
        receive_json(tablet)
        act(client, "1", "call-next", budi)
        assert receive_json(tablet)["token"] == first["token"]
        act(client, "1", "skip", budi)  # a no-show is not served: nothing to offer
        assert_nothing_more(tablet)


def test_a_tablet_that_reconnects_is_offered_the_last_finished_ticket_until_answered_or_expired(client, clock):
    """Within tablet_offer_seconds and unanswered, the first message carries the offer; then it does not."""
    budi = login(client)
    ticket = served(client, budi, "1")
    with client.websocket_connect("/ws/survey/1") as tablet:
        assert receive_json(tablet)["offer"]["token"] == ticket["token"]
    clock.advance(seconds=301)
    with client.websocket_connect("/ws/survey/1") as tablet:
        assert receive_json(tablet)["offer"] is None
    clock.advance(seconds=-301)
    assert answer(client, ticket).status_code == 201
    with client.websocket_connect("/ws/survey/1") as tablet:
        assert receive_json(tablet)["offer"] is None


def test_unknown_counters_and_garbage(client):
    """An unknown counter is refused with its reason (1008); pings are answered, garbage gets an error."""
    with client.websocket_connect("/ws/survey/99") as tablet:
        error = receive_json(tablet)
        assert error["type"] == "error" and error["code"] == "unknown_counter"
        with pytest.raises(WebSocketDisconnect) as closed:
            tablet.receive_json()
        assert closed.value.code == 1008
    with client.websocket_connect("/ws/survey/1") as tablet:
        receive_json(tablet)
        tablet.send_text("{")
        assert receive_json(tablet)["code"] == "invalid_json"
        assert_nothing_more(tablet)


def test_a_configuration_change_retells_the_tablets(tmp_path, clock):
    """After a change, each tablet gets survey.tablet again with its counter's new name and timings."""
    with running(tmp_path / "data", clock) as client:
        admin = login(client, "koordinator", "1111")
        with client.websocket_connect("/ws/survey/1") as tablet:
            receive_json(tablet)
            current = client.get("/api/admin/config", headers=admin).json()
            config = current["config"]
            config["counters"][0]["name"] = "Loket Satu"
            config["survey"] = {**config.get("survey", {}), "tablet_idle_seconds": 30}
            saved = client.put("/api/admin/config", json={"version": current["version"], "config": config},
                               headers=admin)
            assert saved.status_code == 200, saved.text
            hello = receive_json(tablet)
            assert hello["type"] == "survey.tablet" and hello["counter"]["name"] == "Loket Satu"
            assert hello["settings"]["idle_seconds"] == 30


def test_the_health_lists_connected_tablets(tmp_path, clock):
    """/api/health says how many survey tablets are connected at each counter."""
    with running(tmp_path / "data", clock, site_config()) as client:
        with client.websocket_connect("/ws/survey/3") as tablet:
            receive_json(tablet)
            assert client.get("/api/health").json()["survey"] == {"tablets": {"3": 1}}
        wait_for(lambda: client.get("/api/health").json()["survey"] == {"tablets": {}}, what="the tablet to leave")
