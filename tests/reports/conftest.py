"""The known day (tests/reports/support.py), built once per test module."""

from __future__ import annotations

import pytest

from tests.hub.support import Clock, login, running
from tests.reports.support import build_day, report_site


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def day(request, tmp_path_factory):
    """The known day on a real SQLite file, then on PostgreSQL (the reports' worker reading it through its own
    read-only connection); yields the client, an admin's headers and the clock."""
    clock = Clock()
    url = request.getfixturevalue("postgres").create_database() if request.param == "postgresql" else None
    with running(tmp_path_factory.mktemp("day"), clock, report_site(), database_url=url) as client:
        build_day(client, clock)
        yield client, login(client, "koordinator", "1111"), clock
