"""The known day (tests/reports/support.py), built once per test module."""

from __future__ import annotations

import pytest

from tests.hub.support import Clock, login, running
from tests.reports.support import build_day, report_site


@pytest.fixture(scope="module")
def day(tmp_path_factory):
    """The known day on a real SQLite file; yields the client, an admin's headers and the clock."""
    clock = Clock()
    with running(tmp_path_factory.mktemp("day"), clock, report_site()) as client:
        build_day(client, clock)
        yield client, login(client, "koordinator", "1111"), clock
