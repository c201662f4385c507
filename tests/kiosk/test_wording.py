"""How tickets phrase waits, people ahead and times."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from kiosk.wording import ahead_text, local_time, wait_text


@pytest.mark.parametrize(("seconds", "text"), [
    (None, "—"), (0, "kurang dari 1 menit"), (29, "kurang dari 1 menit"), (60, "± 1 menit"),
    (14 * 60 + 40, "± 15 menit"), (3600, "± 1 jam"), (5400, "± 1 jam 30 menit"),
])
def test_wait_text(seconds, text):
    """An unknown estimate is a dash; others are rounded to minutes and hours."""
    assert wait_text(seconds) == text


def test_local_time_uses_the_site_zone():
    """02:41 UTC on a Friday is 09.41 WIB in Jakarta, written the Indonesian way."""
    moment = datetime(2025, 11, 28, 2, 41, tzinfo=UTC)
    assert local_time(moment, ZoneInfo("Asia/Jakarta")) == "Jumat, 28 November 2025 · 09.41 WIB"
    assert local_time(moment.isoformat(), ZoneInfo("Asia/Makassar")) == "Jumat, 28 November 2025 · 10.41 WITA"


def test_ahead_text():
    """Nobody ahead says so; otherwise a count of people."""
    assert ahead_text(0) == "tidak ada, Anda berikutnya"
    assert ahead_text(4) == "4 orang"
