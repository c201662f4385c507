"""The counter panel's page through TestClient: what the browser is told to allow."""

from __future__ import annotations

from tests.hub.support import assert_private_page, running


def test_counter_page_forbids_inline_code_framing_and_caching(tmp_path):
    """/counter holds the session token: it sends a strict CSP, no-store, no-referrer and nosniff."""
    with running(tmp_path) as client:
        response = client.get("/counter")
    assert_private_page(response)
