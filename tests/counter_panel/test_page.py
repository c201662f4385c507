"""The counter panel's page through TestClient: what the browser is told to allow."""

from __future__ import annotations

import re

from tests.hub.support import running


def test_counter_page_forbids_inline_code_framing_and_caching(tmp_path):
    """/counter holds the session token: it sends a strict CSP, no-store, no-referrer and nosniff."""
    with running(tmp_path) as client:
        response = client.get("/counter")
    assert response.status_code == 200
    csp = response.headers["content-security-policy"]
    for rule in ("default-src 'self'", "script-src 'self'", "style-src 'self'", "connect-src 'self'",
                 "object-src 'none'", "base-uri 'none'", "form-action 'none'", "frame-ancestors 'none'"):
        assert rule in csp, rule
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["referrer-policy"] == "no-referrer"
    assert response.headers["x-content-type-options"] == "nosniff"
    # Nothing in the page that this policy would block (start-up data is JSON, not code).
    assert not re.search(r'<script(?![^>]*\bsrc=)(?![^>]*type="application/json")[^>]*>', response.text)
    assert not re.search(r"<[^>]*\s(style|on[a-z]+)=", response.text)
    assert "<style" not in response.text
