"""Helpers for the survey tests: serving tickets and answering their surveys."""

from __future__ import annotations

from config.site import dump_config, load_config
from survey.ikm import UNSUR
from tests.conftest import TEST_CONFIG, site_config
from tests.hub.support import act, issue

ALL_FOUR = {key: 4 for key in UNSUR}
DEWI = {"username": "dewi", "name": "Dewi Lestari", "role": "koordinator", "agency": "DUKCAPIL",
        "counters": ["1", "2"], "pin_hash": load_config(TEST_CONFIG).officers["koordinator"].pin_hash}  # PIN 1111


def site_with_koordinator(**sections):
    """The test site plus a DUKCAPIL koordinator (dewi, PIN 1111); `sections` as site_config's."""
    officers = dump_config(load_config(TEST_CONFIG))["officers"]
    return site_config(officers=[*officers, DEWI], **sections)


def served(client, headers: dict, counter: str = "1", service: str = "A") -> dict:
    """A ticket of `service` issued, called and finished (Selesai) at `counter`: the ticket as issued."""
    ticket = issue(client, service)
    assert act(client, counter, "call-next", headers).json()["ticket"]["id"] == ticket["id"]
    assert act(client, counter, "done", headers).status_code == 200
    return ticket


def answer(client, ticket: dict, scores: dict | int = 4, **extra):
    """POST the survey of `ticket`: every unsur `scores` (an int) or the scores given."""
    answers = {key: scores for key in UNSUR} if isinstance(scores, int) else scores
    return client.post(f"/api/survey/{ticket['token']}", json={"answers": answers, **extra})
